#include "zabbix_formatter.hpp"

#include <nlohmann/json.hpp>
#include <string>
#include <variant>
#include <vector>

#include "cfmon/json_formatter.hpp"

namespace cfmon::zabbix {
namespace {

// Ordered: the fixed keys come first, fields in the check's order.
using Json = nlohmann::ordered_json;

void collect_leaves(const Result& r, std::vector<const Result*>& out) {
  if (r.children.empty()) {
    out.push_back(&r);
    return;
  }
  for (const auto& c : r.children) collect_leaves(c, out);
}

// `run`: the root when it is not this leaf; its fields (the API budget) ride on every object.
Json leaf_object(const Result& r, const Result* run) {
  Json o = result_head(r, "result");
  auto fields = fields_of(r);
  if (run != nullptr) {
    for (auto& f : fields_of(*run)) fields.push_back(std::move(f));
  }
  for (const auto& f : fields) {
    // First value wins: a field must never overwrite the fixed keys JSONPath items rely on.
    if (f.zabbix_key.empty() || o.contains(f.zabbix_key)) continue;
    o[f.zabbix_key] = std::visit([](const auto& v) { return Json(v); }, f.value);  // NaN dumps as null
  }
  return o;
}

// replace: invalid UTF-8 from a response body becomes U+FFFD instead of throwing.
std::string dump(const Json& j) {
  return j.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace

std::string discovery_macro(std::string_view name) {
  if (name.size() >= 3 && name.substr(0, 2) == "{#" && name.back() == '}') {
    name = name.substr(2, name.size() - 3);
  }
  if (name.empty()) return {};
  std::string out = "{#";
  for (char c : name) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    const bool valid = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
    out += valid ? c : '_';
  }
  out += '}';
  return out;
}

FormattedOutput format(const Report& report) {
  try {
    std::vector<const Result*> leaves;
    collect_leaves(report.root, leaves);
    const auto run_of = [&](const Result* leaf) { return leaf == &report.root ? nullptr : &report.root; };
    if (leaves.size() == 1) return {dump(leaf_object(*leaves.front(), run_of(leaves.front()))), 0};
    Json array = Json::array();
    for (const Result* leaf : leaves) array.push_back(leaf_object(*leaf, run_of(leaf)));
    return {dump(array), 0};
  } catch (...) {
    return {"{\"state\":3}\n", 0};  // Only allocation can fail; a short literal needs none (SSO).
  }
}

FormattedOutput format_discovery(const std::vector<std::vector<std::pair<std::string, std::string>>>& entries) {
  try {
    Json array = Json::array();
    for (const auto& entry : entries) {
      Json o = Json::object();
      for (const auto& [name, value] : entry) {
        std::string macro = discovery_macro(name);
        if (macro.empty() || o.contains(macro)) continue;  // first value wins
        o[macro] = value;
      }
      array.push_back(std::move(o));
    }
    return {dump(array), 0};
  } catch (...) {
    return {"[]\n", 0};
  }
}

}  // namespace cfmon::zabbix
