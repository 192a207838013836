#include "contract.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <stdexcept>

namespace cfmon::contract {
namespace {

using nlohmann::json;

// YAML to JSON with YAML 1.2 core-schema scalars: a plain (unquoted) scalar may be
// null, a boolean or a number; a quoted one is always a string ('200', '4XX').
json to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(to_json(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = to_json(kv.second);
      return out;
    }
    case YAML::NodeType::Scalar:
      break;
  }
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted
  if (text == "null" || text == "~") return nullptr;
  if (text == "true") return true;
  if (text == "false") return false;
  static const std::regex integer("-?[0-9]+");
  static const std::regex decimal("-?[0-9]+\\.[0-9]+([eE][-+]?[0-9]+)?");
  if (std::regex_match(text, integer)) {
    std::int64_t value = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    if (r.ec == std::errc{}) return value;
  }
  if (std::regex_match(text, decimal)) return std::stod(text);
  return text;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const std::string* find_header(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (lower(key) == lower(name)) return &value;
  }
  return nullptr;
}

std::pair<std::string_view, std::string_view> split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

bool type_ok(const json& value, const std::string& type) {
  if (type == "object") return value.is_object();
  if (type == "array") return value.is_array();
  if (type == "string") return value.is_string();
  if (type == "boolean") return value.is_boolean();
  if (type == "integer") return value.is_number_integer();
  if (type == "number") return value.is_number();
  return true;  // unknown types are not ours to refuse
}

bool is_date_time(const std::string& text) {
  static const std::regex rfc3339(
      "[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})");
  return std::regex_match(text, rfc3339);
}

std::string shown(const json& value) {
  std::string text = value.dump();
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

}  // namespace

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string url_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<std::string_view> path_segments(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    const auto slash = path.find('/');
    if (slash != 0) out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

Contract::Contract(json document) : doc_(std::move(document)) {
  if (!doc_.is_object() || !doc_.contains("paths") || !doc_["paths"].is_object()) {
    throw std::runtime_error("the contract schema has no paths");
  }
  // https://api.cloudflare.com/client/v4 -> /client/v4
  if (auto servers = doc_.find("servers"); servers != doc_.end() && servers->is_array() && !servers->empty()) {
    const std::string url = servers->front().value("url", std::string());
    const auto scheme = url.find("://");
    const auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
    if (path != std::string::npos) base_path_ = url.substr(path);
  }
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
}

Contract Contract::from_yaml(const std::string& text) {
  try {
    return Contract(to_json(YAML::Load(text)));
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(std::string("the contract schema is not YAML: ") + e.what());
  }
}

Contract Contract::load_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read the contract schema " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return from_yaml(text.str());
}

const json& Contract::resolve(const json& node) const {
  const json* at = &node;
  for (int hops = 0; hops < 32 && at->is_object() && at->contains("$ref"); ++hops) {
    const auto& ref = (*at)["$ref"];
    if (!ref.is_string() || !ref.get_ref<const std::string&>().starts_with("#/")) {
      throw std::runtime_error("the contract schema has a $ref outside the document");
    }
    const json::json_pointer pointer(ref.get<std::string>().substr(1));
    if (!doc_.contains(pointer)) throw std::runtime_error("unresolvable $ref " + ref.get<std::string>());
    at = &doc_.at(pointer);
  }
  return *at;
}

const json& Contract::schema(const std::string& name) const {
  return doc_.at("components").at("schemas").at(name);
}

void Contract::flatten(const json& schema, std::vector<const json*>& out) const {
  const json& s = resolve(schema);
  if (!s.is_object()) return;
  out.push_back(&s);
  if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
    for (const auto& member : *all) flatten(member, out);
  }
}

void Contract::check(const json& value, const std::vector<const json*>& schemas, const std::string& where,
                     std::vector<std::string>& problems) const {
  const bool nullable =
      std::any_of(schemas.begin(), schemas.end(), [](const json* s) { return s->value("nullable", false); });
  if (value.is_null() && nullable) return;
  for (const json* s : schemas) {
    if (auto type = s->find("type");
        type != s->end() && type->is_string() && !type_ok(value, type->get<std::string>())) {
      problems.push_back(where + ": " + shown(value) + " is not of type " + type->get<std::string>());
      return;
    }
    if (auto values = s->find("enum");
        values != s->end() && values->is_array() && std::find(values->begin(), values->end(), value) == values->end()) {
      problems.push_back(where + ": " + shown(value) + " is not one of " + shown(*values));
    }
    if (value.is_string()) {
      const auto size = value.get_ref<const std::string&>().size();
      if (auto max = s->find("maxLength");
          max != s->end() && max->is_number_integer() && size > max->get<std::size_t>()) {
        problems.push_back(where + ": longer than " + std::to_string(max->get<std::size_t>()) + " characters");
      }
      if (auto min = s->find("minLength");
          min != s->end() && min->is_number_integer() && size < min->get<std::size_t>()) {
        problems.push_back(where + ": shorter than " + std::to_string(min->get<std::size_t>()) + " characters");
      }
      if (s->value("format", std::string()) == "date-time" && !is_date_time(value.get<std::string>())) {
        problems.push_back(where + ": " + shown(value) + " is not an RFC 3339 date-time");
      }
    }
    if (value.is_number()) {
      const double number = value.get<double>();
      if (auto max = s->find("maximum"); max != s->end() && max->is_number() && number > max->get<double>()) {
        problems.push_back(where + ": " + shown(value) + " is above the maximum " + shown(*max));
      }
      if (auto min = s->find("minimum"); min != s->end() && min->is_number() && number < min->get<double>()) {
        problems.push_back(where + ": " + shown(value) + " is below the minimum " + shown(*min));
      }
    }
  }
  if (value.is_object()) {
    std::map<std::string, std::vector<const json*>> properties;
    std::set<std::string> required;
    bool closed = false;
    for (const json* s : schemas) {
      if (auto props = s->find("properties"); props != s->end() && props->is_object()) {
        closed = true;
        for (const auto& [name, sub] : props->items()) flatten(sub, properties[name]);
      }
      if (auto req = s->find("required"); req != s->end() && req->is_array()) {
        for (const auto& name : *req) {
          if (name.is_string()) required.insert(name.get<std::string>());
        }
      }
    }
    for (const auto& name : required) {
      if (!value.contains(name)) problems.push_back(where + ": the required property '" + name + "' is missing");
    }
    for (const auto& [name, item] : value.items()) {
      if (auto it = properties.find(name); it != properties.end()) {
        check(item, it->second, where + "." + name, problems);
      } else if (closed) {
        problems.push_back(where + ": property '" + name + "' is not in the schema");
      }
    }
  }
  if (value.is_array()) {
    std::vector<const json*> items;
    for (const json* s : schemas) {
      if (auto it = s->find("items"); it != s->end()) flatten(*it, items);
    }
    if (!items.empty()) {
      for (std::size_t i = 0; i < value.size(); ++i)
        check(value[i], items, where + "[" + std::to_string(i) + "]", problems);
    }
  }
}

std::vector<std::string> Contract::validate(const json& value, const json& schema, const std::string& where) const {
  std::vector<const json*> schemas;
  flatten(schema, schemas);
  std::vector<std::string> problems;
  check(value, schemas, where, problems);
  return problems;
}

void Contract::check_json_body(const json& content, const Headers& headers, const std::string& body,
                               const std::string& where, std::vector<std::string>& problems) const {
  const auto media = content.find("application/json");
  if (media == content.end()) return;
  const auto* type = find_header(headers, "Content-Type");
  if (type == nullptr || lower(*type).find("application/json") == std::string::npos) {
    problems.push_back(where + ": not sent as application/json");
  }
  const json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded()) {
    problems.push_back(where + ": not JSON");
    return;
  }
  if (media->contains("schema")) {
    for (auto& line : validate(parsed, (*media)["schema"], where)) problems.push_back(std::move(line));
  }
}

Contract::Match Contract::match(std::string_view path) const {
  Match found;
  if (!path.starts_with(base_path_)) return found;
  path.remove_prefix(base_path_.size());
  const auto wanted = path_segments(path);
  for (const auto& [templ, item] : doc_["paths"].items()) {
    const auto parts = path_segments(templ);
    if (parts.size() != wanted.size()) continue;
    Match m;
    m.path_item = &item;
    for (std::size_t i = 0; i < parts.size() && m.path_item != nullptr; ++i) {
      if (parts[i].starts_with('{') && parts[i].ends_with('}')) {
        m.params.emplace_back(std::string(parts[i].substr(1, parts[i].size() - 2)), url_decode(wanted[i]));
      } else if (parts[i] != wanted[i]) {
        m.path_item = nullptr;
      }
    }
    if (m.path_item != nullptr) return m;
  }
  return found;
}

bool Contract::covers(std::string_view target) const {
  return match(split_target(target).first).path_item != nullptr;
}

std::vector<std::string> Contract::check_request(std::string_view method, std::string_view target,
                                                 const Headers& headers, const std::string& body) const {
  std::vector<std::string> problems;
  const auto [path, query] = split_target(target);
  const auto m = match(path);
  const std::string op_name = std::string(method) + " " + std::string(path);
  if (m.path_item == nullptr) return problems;
  const auto op = m.path_item->find(lower(method));
  if (op == m.path_item->end()) {
    problems.push_back("request " + op_name + ": the schema has no " + std::string(method) + " on this path");
    return problems;
  }
  const std::string where = "request " + op->value("operationId", op_name);
  // Parameters by location and name.
  std::map<std::pair<std::string, std::string>, const json*> declared;
  if (auto params = op->find("parameters"); params != op->end() && params->is_array()) {
    for (const auto& p : *params) {
      const json& param = resolve(p);
      declared[{param.value("in", std::string()), param.value("name", std::string())}] = &param;
    }
  }
  auto check_parameter = [&](const json& param, const std::string& text, const std::string& label) {
    static const json no_schema = json::object();
    const json& schema = resolve(param.contains("schema") ? param["schema"] : no_schema);
    json value = text;
    const std::string type = schema.value("type", std::string());
    if (type == "integer" || type == "number") {
      std::int64_t number = 0;
      const auto r = std::from_chars(text.data(), text.data() + text.size(), number);
      if (r.ec != std::errc{} || r.ptr != text.data() + text.size()) {
        problems.push_back(where + ": " + label + " '" + text + "' is not an integer");
        return;
      }
      value = number;
    }
    for (auto& line : validate(value, schema, where + " " + label)) problems.push_back(std::move(line));
  };
  for (const auto& [name, value] : m.params) {
    auto it = declared.find({"path", name});
    if (it == declared.end()) {
      problems.push_back(where + ": path parameter " + name + " is not declared");
    } else {
      check_parameter(*it->second, value, "path parameter " + name);
    }
  }
  std::string_view rest = query;
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const auto part = rest.substr(0, amp);
    const auto eq = part.find('=');
    const std::string name = url_decode(part.substr(0, eq));
    const std::string value = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    if (!name.empty()) {
      auto it = declared.find({"query", name});
      if (it == declared.end()) {
        problems.push_back(where + ": query parameter '" + name + "' is not in the schema");
      } else {
        check_parameter(*it->second, value, "query parameter " + name);
      }
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  // Security: a bearer API token, or the legacy email + key pair.
  const auto* authorization = find_header(headers, "Authorization");
  const bool bearer = authorization != nullptr && lower(authorization->substr(0, 7)) == "bearer ";
  if (!bearer && (find_header(headers, "X-Auth-Email") == nullptr || find_header(headers, "X-Auth-Key") == nullptr)) {
    problems.push_back(where + ": no Authorization: Bearer (nor X-Auth-Email + X-Auth-Key)");
  }
  const auto request_body = op->find("requestBody");
  const bool has_body = !body.empty();
  if (request_body == op->end()) {
    if (has_body) problems.push_back(where + ": the operation declares no request body, yet one was sent");
    return problems;
  }
  if (!has_body) {
    if (request_body->value("required", false)) problems.push_back(where + ": the required request body is missing");
    return problems;
  }
  check_json_body(resolve(*request_body).value("content", json::object()), headers, body, where + " body", problems);
  return problems;
}

std::vector<std::string> Contract::check_response(std::string_view method, std::string_view target, int status,
                                                  const Headers& headers, const std::string& body) const {
  std::vector<std::string> problems;
  const auto m = match(split_target(target).first);
  if (m.path_item == nullptr) return problems;
  const auto op = m.path_item->find(lower(method));
  if (op == m.path_item->end()) return problems;  // the request's problem, reported there
  const std::string where = "answer " + op->value("operationId", std::string(method)) + " " + std::to_string(status);
  const json& responses = op->value("responses", json::object());
  const std::string code = std::to_string(status);
  const std::string family = code.substr(0, 1) + "XX";
  const json* declared = nullptr;
  for (const auto& key : {code, family, std::string("default")}) {
    if (auto it = responses.find(key); it != responses.end()) {
      declared = &resolve(*it);
      break;
    }
  }
  if (declared == nullptr) {
    problems.push_back(where + ": status " + code + " is not declared");
    return problems;
  }
  check_json_body(declared->value("content", json::object()), headers, body, where, problems);
  return problems;
}

}  // namespace cfmon::contract
