#include "cfmon/json_formatter.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>

namespace cfmon {
namespace {

// Ordered: keys keep the documented order, which makes the output diffable.
using Json = nlohmann::ordered_json;

Json optional_number(const std::optional<double>& v) {
  return v ? Json(*v) : Json(nullptr);
}

Json optional_range(const std::optional<Range>& r) {
  return r ? Json(r->text) : Json(nullptr);
}

Json node_json(const Result& r) {
  Json node = result_head(r, "reason");

  Json perfdata = Json::array();
  for (const auto& d : perfdata_of(r)) {
    perfdata.push_back(Json{{"label", d.label},
                            {"value", optional_number(d.value)},  // NaN and infinities dump as null
                            {"uom", d.uom},
                            {"warn", optional_range(d.warn)},
                            {"crit", optional_range(d.crit)},
                            {"min", optional_number(d.min)},
                            {"max", optional_number(d.max)}});
  }
  node["perfdata"] = std::move(perfdata);

  // Duplicate keys: the first one wins, as in the other formatters.
  Json tags = Json::object();
  for (const auto& [key, value] : tags_of(r)) {
    if (!tags.contains(key)) tags[key] = value;
  }
  node["tags"] = std::move(tags);

  Json fields = Json::object();
  for (const auto& f : fields_of(r)) {
    if (fields.contains(f.key)) continue;
    fields[f.key] = std::visit([](const auto& v) { return Json(v); }, f.value);
  }
  node["fields"] = std::move(fields);

  Json children = Json::array();
  for (const auto& c : r.children) children.push_back(node_json(c));
  node["children"] = std::move(children);
  return node;
}

}  // namespace

FormattedOutput format_json(const Report& report) {
  const int code = static_cast<int>(report.root.state);
  const int exit_code = code >= 0 && code <= 3 ? code : 3;
  try {
    Json doc = Json::object();
    doc["label"] = report.label;
    Json root = node_json(report.root);
    for (auto it = root.begin(); it != root.end(); ++it) doc[it.key()] = std::move(it.value());
    // replace: invalid UTF-8 from a response body becomes U+FFFD instead of throwing.
    return {doc.dump(2, ' ', false, Json::error_handler_t::replace) + "\n", exit_code};
  } catch (...) {
    // Only allocation can fail here; a short literal needs no allocation (SSO).
    return {"{\"state\":3}\n", 3};
  }
}

Json result_head(const Result& r, std::string_view reason_key) {
  Json head = Json::object();
  head["name"] = r.name;
  head["state"] = static_cast<int>(r.state);
  head["state_text"] = std::string(state_name(r.state));
  head[std::string(reason_key)] = r.reason;
  head["message"] = r.message;
  return head;
}

}  // namespace cfmon
