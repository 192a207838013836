#include "config.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cfmon/tables.hpp"

namespace cfmon::emulator {
namespace {

using nlohmann::json;

std::string to_lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

bool all_of_chars(std::string_view text, bool (*allowed)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), allowed);
}

bool is_lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool is_hostname_char(char c) {
  return is_lower_alnum(c) || c == '-' || c == '.';
}
bool is_colo_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool is_identifier_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
}
// RFC 9110 token characters: what a header name may contain.
bool is_header_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
bool has_line_break(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// Reads one JSON object with a name for error messages and rejects unknown keys,
// because a typo such as "protect": false would otherwise silently keep the default.
class ObjectReader {
 public:
  ObjectReader(const json& object, std::string where) : object_(object), where_(std::move(where)) {
    if (!object_.is_object()) fail("must be a JSON object");
  }

  [[noreturn]] void fail(const std::string& what) const { throw ConfigError(where_ + ": " + what); }

  // nullptr when absent or null.
  const json* find(const std::string& key) {
    seen_.insert(key);
    const auto it = object_.find(key);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }

  std::string string(const std::string& key) {
    const auto value = optional_string(key);
    if (!value || value->empty()) fail("\"" + key + "\" is required (non-empty string)");
    return *value;
  }

  std::optional<std::string> optional_string(const std::string& key) {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) fail("\"" + key + "\" must be a string");
    return value->get<std::string>();
  }

  bool boolean(const std::string& key, bool fallback) {
    const json* value = find(key);
    if (value == nullptr) return fallback;
    if (!value->is_boolean()) fail("\"" + key + "\" must be true or false");
    return value->get<bool>();
  }

  std::optional<int> optional_integer(const std::string& key, int min, int max) {
    const json* value = find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_integer()) fail("\"" + key + "\" must be an integer");
    const auto number = value->get<std::int64_t>();
    if (number < min || number > max) {
      fail("\"" + key + "\" must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return static_cast<int>(number);
  }

  const json& array(const std::string& key) {
    const json* value = find(key);
    if (value == nullptr || !value->is_array()) fail("\"" + key + "\" must be an array");
    return *value;
  }

  void reject_unknown_keys() const {
    for (const auto& item : object_.items()) {
      if (seen_.count(item.key()) == 0) fail("unknown key \"" + item.key() + "\"");
    }
  }

  [[nodiscard]] const std::string& where() const { return where_; }

 private:
  const json& object_;
  std::string where_;
  std::set<std::string> seen_;
};

std::optional<TimePoint> read_time(ObjectReader& reader, const std::string& key) {
  const auto text = reader.optional_string(key);
  if (!text) return std::nullopt;
  const auto time = parse_rfc3339(*text);
  if (!time) reader.fail("\"" + key + "\" is not an RFC 3339 time");
  return time;
}

ServiceToken parse_token(const json& node, std::size_t index, TimePoint now) {
  ObjectReader reader(node, "tokens[" + std::to_string(index) + "]");
  ServiceToken token;
  token.id = reader.string("id");
  token.name = reader.string("name");
  token.client_id = reader.string("client_id");
  token.client_secret = reader.string("client_secret");
  token.duration = reader.optional_string("duration").value_or("8760h");
  if (token.duration != "forever" && !parse_go_duration(token.duration)) {
    reader.fail("\"duration\" must be a Go duration such as 8760h, or \"forever\"");
  }
  token.expires_at = read_time(reader, "expires_at");
  token.enabled = reader.boolean("enabled", true);
  token.previous_client_secret = reader.optional_string("previous_client_secret").value_or("");
  token.previous_secret_expires_at = read_time(reader, "previous_client_secret_expires_at");
  token.created_at = read_time(reader, "created_at").value_or(now);
  token.updated_at = read_time(reader, "updated_at").value_or(token.created_at);
  token.last_seen_at = read_time(reader, "last_seen_at");
  reader.reject_unknown_keys();
  if (!all_of_chars(token.id, is_identifier_char)) reader.fail("\"id\" has invalid characters");
  // Header values cannot carry line breaks; refuse rather than serve a token nobody can send.
  if (has_line_break(token.client_id) || has_line_break(token.client_secret)) {
    reader.fail("client_id/client_secret must not contain line breaks");
  }
  return token;
}

OriginConfig parse_origin(const json* node, const std::string& where) {
  OriginConfig origin;
  if (node == nullptr) return origin;
  ObjectReader reader(*node, where + ".origin");
  origin.status = reader.optional_integer("status", 100, 599).value_or(200);
  origin.body = reader.optional_string("body").value_or("");
  if (const json* headers = reader.find("headers")) {
    if (!headers->is_object()) reader.fail("\"headers\" must be an object of strings");
    for (const auto& item : headers->items()) {
      if (!item.value().is_string() || !all_of_chars(item.key(), is_header_name_char) ||
          has_line_break(item.value().get<std::string>())) {
        reader.fail("header \"" + item.key() + "\" must be a valid name with a one-line string value");
      }
      origin.headers.emplace_back(item.key(), item.value().get<std::string>());
    }
  }
  origin.delay = std::chrono::milliseconds(reader.optional_integer("delay_ms", 0, 600000).value_or(0));
  origin.cf_error = reader.optional_integer("cf_error", 1000, 1999);
  origin.retry_after = reader.optional_integer("retry_after", 0, 86400);
  origin.echo_request_headers = reader.boolean("echo_request_headers", false);
  reader.reject_unknown_keys();
  return origin;
}

Behaviour parse_behaviour(ObjectReader& reader) {
  const auto text = reader.optional_string("behaviour").value_or("legacy");
  if (text == "legacy") return Behaviour::legacy;
  if (text == "strict") return Behaviour::strict;
  reader.fail("\"behaviour\" must be \"legacy\" or \"strict\"");
}

// Every service_token rule must name a configured token: a typo would silently admit nobody.
void check_token_rules(ObjectReader& reader, const AccessPolicy& policy, const std::set<std::string>& known_ids) {
  for (const auto* rules : {&policy.include, &policy.exclude, &policy.require}) {
    for (const auto& rule : *rules) {
      const auto it = rule.find("service_token");
      if (it == rule.end()) continue;
      const auto id = it->value("token_id", std::string());
      if (known_ids.count(id) == 0) {
        reader.fail("policy \"" + policy.name + "\" names unknown token id \"" + id + "\"");
      }
    }
  }
}

AccessPolicy read_policy(ObjectReader& reader, const json& node, std::string fallback_id,
                         const std::set<std::string>& known_ids) {
  auto parsed = parse_access_policy(node, std::move(fallback_id));
  if (!parsed.policy) reader.fail(parsed.problem);
  check_token_rules(reader, *parsed.policy, known_ids);
  return std::move(*parsed.policy);
}

// The shorthand of the first configs: "service_auth_tokens" (ids, "*" = any valid token)
// becomes one Service Auth policy, "identity_login" one Allow policy for staff e-mails.
std::vector<AccessPolicy> policies_from_shorthand(ObjectReader& reader, const std::string& app_name,
                                                  const std::set<std::string>& known_ids) {
  std::vector<AccessPolicy> policies;
  if (const json* list = reader.find("service_auth_tokens")) {
    if (!list->is_array()) reader.fail("\"service_auth_tokens\" must be an array of token ids");
    AccessPolicy service_auth;
    service_auth.id = derived_uuid(app_name + "/service-auth");
    service_auth.name = "Service Auth";
    service_auth.decision = PolicyDecision::non_identity;
    for (const auto& item : *list) {
      if (!item.is_string()) reader.fail("\"service_auth_tokens\" must hold strings");
      const auto id = item.get<std::string>();
      if (id != "*" && known_ids.count(id) == 0) {
        reader.fail("\"service_auth_tokens\" names unknown token id \"" + id + "\"");
      }
      service_auth.include.push_back(id == "*" ? json{{"any_valid_service_token", json::object()}}
                                               : json{{"service_token", {{"token_id", id}}}});
    }
    if (!service_auth.include.empty()) policies.push_back(std::move(service_auth));
  }
  if (reader.boolean("identity_login", false)) {
    AccessPolicy staff;
    staff.id = derived_uuid(app_name + "/staff");
    staff.name = "Staff";
    staff.decision = PolicyDecision::allow;
    staff.include = json::array({{{"email_domain", {{"domain", "example.com"}}}}});
    policies.push_back(std::move(staff));
  }
  return policies;
}

// "policies": app-scoped policy objects and reusable policy ids, in precedence order.
std::vector<AccessPolicy> read_app_policies(ObjectReader& reader, const json& list, const std::string& app_name,
                                            const std::set<std::string>& known_ids,
                                            const std::vector<AccessPolicy>& reusable) {
  if (!list.is_array()) reader.fail("\"policies\" must be an array of policies and reusable policy ids");
  std::vector<AccessPolicy> policies;
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (list[i].is_string()) {
      const auto id = list[i].get<std::string>();
      const auto it = std::find_if(reusable.begin(), reusable.end(), [&](const auto& p) { return p.id == id; });
      if (it == reusable.end()) reader.fail("\"policies\" names unknown reusable policy \"" + id + "\"");
      policies.push_back(*it);
    } else {
      policies.push_back(read_policy(reader, list[i], derived_uuid(app_name + "/" + std::to_string(i)), known_ids));
    }
  }
  return policies;
}

AppConfig parse_app(const json& node, std::size_t index, const std::set<std::string>& known_ids,
                    const std::vector<AccessPolicy>& reusable) {
  std::string where = "apps[" + std::to_string(index) + "]";
  if (node.is_object() && node.contains("name") && node["name"].is_string()) {
    where += " (" + node["name"].get<std::string>() + ")";
  }
  ObjectReader reader(node, where);
  AppConfig app;
  app.name = reader.string("name");
  app.id = reader.optional_string("id").value_or(derived_uuid("app/" + app.name));
  app.host = to_lower(reader.string("host"));
  if (!all_of_chars(app.host, is_hostname_char)) {
    reader.fail("\"host\" must be a plain host name (letters, digits, '-', '.'; no port)");
  }
  app.behaviour = parse_behaviour(reader);
  app.is_protected = reader.boolean("protected", true);
  app.service_auth_401_redirect = reader.boolean("service_auth_401_redirect", false);
  if (const json* policies = reader.find("policies")) {
    if (node.contains("service_auth_tokens") || node.contains("identity_login")) {
      reader.fail("\"policies\" replaces \"service_auth_tokens\" and \"identity_login\": give one or the other");
    }
    app.policies = read_app_policies(reader, *policies, app.name, known_ids, reusable);
  } else {
    app.policies = policies_from_shorthand(reader, app.name, known_ids);
  }
  app.token_header = reader.optional_string("token_header");
  if (app.token_header && !all_of_chars(*app.token_header, is_header_name_char)) {
    reader.fail("\"token_header\" is not a valid header name");
  }
  app.aud = reader.optional_string("aud").value_or("");
  if (app.is_protected && !all_of_chars(app.aud, is_identifier_char)) {
    reader.fail("\"aud\" is required for a protected app (hex or identifier characters)");
  }
  app.waf_block = reader.boolean("waf_block", false);
  app.origin = parse_origin(reader.find("origin"), where);
  reader.reject_unknown_keys();
  return app;
}

ApiConfig parse_api(const json* node) {
  ApiConfig api;
  if (node == nullptr) return api;
  ObjectReader reader(*node, "api");
  api.enabled = true;
  api.host = to_lower(reader.optional_string("host").value_or(api.host));
  if (!all_of_chars(api.host, is_hostname_char)) reader.fail("\"host\" must be a plain host name");
  api.account_id = reader.string("account_id");
  if (!all_of_chars(api.account_id, is_lower_alnum)) reader.fail("\"account_id\" must be lowercase hex");
  if (const json* list = reader.find("no_access_accounts")) {
    if (!list->is_array()) reader.fail("\"no_access_accounts\" must be an array of account ids");
    for (const auto& item : *list) {
      if (!item.is_string()) reader.fail("\"no_access_accounts\" must hold strings");
      api.no_access_accounts.push_back(item.get<std::string>());
    }
  }
  if (const json* limit = reader.find("rate_limit")) {
    ObjectReader lr(*limit, "api.rate_limit");
    api.rate_limit_requests = lr.optional_integer("requests", 1, 1000000).value_or(api.rate_limit_requests);
    api.rate_limit_window_seconds =
        lr.optional_integer("window_seconds", 1, 86400).value_or(api.rate_limit_window_seconds);
    lr.reject_unknown_keys();
  }
  api.default_per_page = reader.optional_integer("default_per_page", 1, 1000).value_or(api.default_per_page);
  api.schema_strict = reader.boolean("schema_strict", false);
  api.slow_delay = std::chrono::milliseconds(reader.optional_integer("slow_delay_ms", 0, 600000).value_or(3000));
  const json& tokens = reader.array("api_tokens");
  std::set<std::string> names;
  std::set<std::string> values;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    ObjectReader tr(tokens[i], "api.api_tokens[" + std::to_string(i) + "]");
    ApiTokenConfig token;
    token.name = tr.string("name");
    token.token = tr.string("token");
    if (has_line_break(token.token) || token.token.find(' ') != std::string::npos) {
      tr.fail("\"token\" must not contain spaces or line breaks");
    }
    token.can_read = false;
    token.can_write = false;
    const json* permissions = tr.find("permissions");
    if (permissions == nullptr || !permissions->is_array()) {
      tr.fail("\"permissions\" must be an array of \"read\"/\"write\" (empty: sees nothing)");
    }
    for (const auto& p : *permissions) {
      if (p == "read") {
        token.can_read = true;
      } else if (p == "write") {
        token.can_write = true;
      } else if (p == "tunnel_read") {
        token.can_read_tunnels = true;
      } else {
        tr.fail("\"permissions\" may hold only \"read\", \"write\" and \"tunnel_read\"");
      }
    }
    token.account_id = tr.optional_string("account_id").value_or(api.account_id);
    token.revoked = tr.boolean("revoked", false);
    token.user = tr.optional_string("user").value_or(token.name);
    if (const auto fault = tr.optional_string("fault")) {
      const auto parsed = parse_api_fault(*fault);
      if (!parsed) tr.fail("unknown \"fault\" \"" + *fault + "\"");
      token.fault = *parsed;
    }
    tr.reject_unknown_keys();
    if (!names.insert(token.name).second) tr.fail("duplicate name \"" + token.name + "\"");
    if (!values.insert(token.token).second) tr.fail("duplicate token value");
    api.tokens.push_back(std::move(token));
  }
  reader.reject_unknown_keys();
  return api;
}

// "at line L, column C" for a 1-based byte offset as nlohmann reports it.
std::string describe_position(std::string_view text, std::size_t byte) {
  const std::size_t end = std::min(byte > 0 ? byte - 1 : 0, text.size());
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return "at line " + std::to_string(line) + ", column " + std::to_string(column);
}

void check_unique_tokens(const std::vector<ServiceToken>& tokens) {
  std::set<std::string> ids;
  std::set<std::string> client_ids;
  for (const auto& token : tokens) {
    if (!ids.insert(token.id).second) throw ConfigError("tokens: duplicate id \"" + token.id + "\"");
    if (!client_ids.insert(token.client_id).second) {
      throw ConfigError("tokens: duplicate client_id \"" + token.client_id + "\"");
    }
  }
}

}  // namespace

std::string normalize_host(std::string_view host_header) {
  std::string_view host = host_header;
  if (host.starts_with('[')) {  // IPv6 literal: "[::1]:443"
    const auto close = host.find(']');
    host = close == std::string_view::npos ? host.substr(1) : host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  while (host.ends_with('.')) host.remove_suffix(1);  // "ok.cfemu.test." is the same FQDN
  return to_lower(host);
}

const AppConfig* EmulatorConfig::find_app(std::string_view host_header) const {
  const std::string host = normalize_host(host_header);
  const auto it = std::find_if(apps.begin(), apps.end(), [&](const AppConfig& app) { return app.host == host; });
  return it == apps.end() ? nullptr : &*it;
}

namespace {

constexpr cfmon::EnumNames<ApiFault, 8> kApiFaultNames{
    {"none", "server_error", "invalid_json", "truncated_json", "success_false", "html", "endless_pagination", "slow"}};
static_assert(kApiFaultNames.ends_with(ApiFault::slow));

}  // namespace

std::optional<ApiFault> parse_api_fault(std::string_view text) {
  if (text == "500") return ApiFault::server_error;
  return kApiFaultNames.parse(text);
}

std::string_view api_fault_name(ApiFault fault) noexcept {
  return kApiFaultNames(fault, "none");
}

const ApiTokenConfig* ApiConfig::find_token(std::string_view bearer) const {
  for (const auto& token : tokens) {
    if (!bearer.empty() && token.token == bearer) return &token;
  }
  return nullptr;
}

std::vector<std::string> EmulatorConfig::certificate_hosts() const {
  auto hosts = app_hosts();
  if (!team_domain.empty()) hosts.push_back(team_domain);  // its /cdn-cgi/access/certs
  if (api.enabled) hosts.push_back(api.host);
  return hosts;
}

std::vector<std::string> EmulatorConfig::app_hosts() const {
  std::vector<std::string> hosts;
  hosts.reserve(apps.size());
  for (const auto& app : apps) hosts.push_back(app.host);
  return hosts;
}

EmulatorConfig parse_config(std::string_view json_text, TimePoint now) {
  json root;
  try {
    root = json::parse(json_text.begin(), json_text.end(), nullptr, true, true);
  } catch (const json::parse_error& e) {
    // Only the position: nlohmann's message quotes the text it read, which may be a secret.
    throw ConfigError("invalid JSON " + describe_position(json_text, e.byte));
  }
  ObjectReader reader(root, "config");
  EmulatorConfig config;
  config.team_domain = to_lower(reader.string("team_domain"));
  if (!all_of_chars(config.team_domain, is_hostname_char)) {
    reader.fail("\"team_domain\" must be a host name such as acme.cloudflareaccess.com");
  }
  config.colo = reader.optional_string("colo").value_or("AMS");
  if (!all_of_chars(config.colo, is_colo_char)) {
    reader.fail("\"colo\" must be upper-case letters/digits such as AMS");
  }

  const json& tokens = reader.array("tokens");
  std::set<std::string> known_ids;
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    config.tokens.push_back(parse_token(tokens[i], i, now));
    known_ids.insert(config.tokens.back().id);
  }
  check_unique_tokens(config.tokens);

  if (const json* reusable = reader.find("access_policies")) {
    if (!reusable->is_array()) reader.fail("\"access_policies\" must be an array of reusable policies");
    std::set<std::string> policy_ids;
    for (std::size_t i = 0; i < reusable->size(); ++i) {
      ObjectReader where((*reusable)[i], "access_policies[" + std::to_string(i) + "]");
      AccessPolicy policy =
          read_policy(where, (*reusable)[i], derived_uuid("reusable/" + std::to_string(i)), known_ids);
      policy.reusable = true;
      if (!policy_ids.insert(policy.id).second) where.fail("duplicate policy id \"" + policy.id + "\"");
      config.reusable_policies.push_back(std::move(policy));
    }
  }
  const json& apps = reader.array("apps");
  std::set<std::string> hosts;
  std::set<std::string> app_ids;
  for (std::size_t i = 0; i < apps.size(); ++i) {
    config.apps.push_back(parse_app(apps[i], i, known_ids, config.reusable_policies));
    if (!app_ids.insert(config.apps.back().id).second) {
      throw ConfigError("apps: duplicate id \"" + config.apps.back().id + "\"");
    }
    if (!hosts.insert(config.apps.back().host).second) {
      throw ConfigError("apps: duplicate host \"" + config.apps.back().host + "\"");
    }
  }
  config.api = parse_api(reader.find("api"));
  if (const json* tunnels = reader.find("tunnels")) config.tunnels = parse_tunnels(*tunnels, now);
  if (config.api.enabled && hosts.count(config.api.host) != 0) {
    throw ConfigError("api: host \"" + config.api.host + "\" is also an app's host");
  }
  reader.reject_unknown_keys();
  return config;
}

EmulatorConfig load_config_file(const std::string& path, TimePoint now) {
  std::error_code ignored;
  if (std::filesystem::is_directory(path, ignored)) {
    throw ConfigError("config file " + path + " is a directory");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError("cannot read config file " + path);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return parse_config(text.str(), now);
  } catch (const ConfigError& e) {
    throw ConfigError(path + ": " + e.what());
  }
}

}  // namespace cfmon::emulator
