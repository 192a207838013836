#include "api.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "canned_response.hpp"
#include "graphql.hpp"
#include "random_text.hpp"

namespace cfmon::emulator {
namespace {

using contract::path_segments;
using contract::url_decode;
using nlohmann::json;

constexpr std::string_view kApiPrefix = "/client/v4";
constexpr std::string_view kControlPrefix = "/__emulator/";
constexpr int kMaxPerPage = 1000;  // the schema: integer, default 1000, maximum 1000

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::map<std::string, std::string> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    const auto part = query.substr(0, amp);
    const auto eq = part.find('=');
    if (!part.empty()) {
      out[url_decode(part.substr(0, eq))] = eq == std::string_view::npos ? "" : url_decode(part.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

bool is_uuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : hex_value(s[i]) < 0) return false;
  }
  return true;
}

std::optional<int> parse_int(std::string_view s) {
  int value = 0;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), value);
  if (r.ec != std::errc{} || r.ptr != s.data() + s.size()) return std::nullopt;
  return value;
}

ApiHttpResponse text_response(int status, std::string_view content_type, std::string body, std::string verdict) {
  return canned_response<ApiHttpResponse>(status, content_type, std::move(body), std::move(verdict));
}

ApiHttpResponse json_response(int status, const json& body, std::string verdict) {
  return text_response(status, "application/json", body.dump(), std::move(verdict));
}

ApiHttpResponse error_response(int status, int code, const std::string& message, std::string verdict) {
  const json body = {{"success", false},
                     {"errors", json::array({{{"code", code}, {"message", message}}})},
                     {"messages", json::array()},
                     {"result", nullptr}};
  return json_response(status, body, std::move(verdict));
}

json success_body(json result, json result_info = nullptr) {
  json body = {
      {"success", true}, {"errors", json::array()}, {"messages", json::array()}, {"result", std::move(result)}};
  if (!result_info.is_null()) body["result_info"] = std::move(result_info);
  return body;
}

// Which answer a token goes into: the schema gives each its own shape.
enum class Shape {
  token,    // access_service-tokens (list, get, update, refresh)
  created,  // access_create_response (create, rotate): no expires_at, with client_secret
  minimal,  // strict create/rotate: id, name, client_secret and the dates only
};

json token_json(const ServiceToken& t, Shape shape = Shape::token) {
  json j = {{"id", t.id},
            {"name", t.name},
            {"duration", t.duration},
            {"created_at", format_rfc3339(t.created_at)},
            {"updated_at", format_rfc3339(t.updated_at)},
            {"enabled", t.enabled}};
  if (shape != Shape::minimal) j["client_id"] = t.client_id;
  // Timestamps are strings in the schema: never used = no last_seen_at, never null.
  if (shape == Shape::token && t.last_seen_at) j["last_seen_at"] = format_rfc3339(*t.last_seen_at);
  // "forever" tokens have no expiry; create and rotate answers never carry one.
  if (shape == Shape::token && t.expires_at) j["expires_at"] = format_rfc3339(*t.expires_at);
  if (shape != Shape::token) j["client_secret"] = t.client_secret;
  return j;
}

ApiHttpResponse invalid_request(const std::string& what) {
  return error_response(400, 12130, "access.api.error.invalid_request: " + what, "invalid_request");
}

// A request body as a JSON object; an empty body is an empty object.
std::optional<json> body_object(const std::string& body) {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

// page/per_page of a list request, or the answer refusing them.
struct PageRequest {
  int page = 1;
  int per_page = 0;
  std::optional<ApiHttpResponse> refusal;
};

PageRequest page_request(const std::map<std::string, std::string>& params, int default_per_page) {
  PageRequest request;
  request.per_page = default_per_page;
  if (auto it = params.find("per_page"); it != params.end()) {
    const auto v = parse_int(it->second);
    if (!v || *v < 1 || *v > kMaxPerPage) {
      request.refusal = invalid_request("per_page must be an integer from 1 to " + std::to_string(kMaxPerPage));
      return request;
    }
    request.per_page = *v;
  }
  if (auto it = params.find("page"); it != params.end()) {
    const auto v = parse_int(it->second);
    if (!v || *v < 1) {
      request.refusal = invalid_request("page must be a positive integer");
      return request;
    }
    request.page = *v;
  }
  return request;
}

// One page of `items` in the v4 envelope with result_info.
ApiHttpResponse page_of(const json& items, const PageRequest& request) {
  const auto total = static_cast<int>(items.size());
  const auto first = std::min<std::int64_t>(static_cast<std::int64_t>(request.page - 1) * request.per_page, total);
  const auto last = std::min<std::int64_t>(first + request.per_page, total);
  json result = json::array();
  for (auto i = first; i < last; ++i) result.push_back(items[static_cast<std::size_t>(i)]);
  const auto count = static_cast<int>(last - first);
  const int total_pages = (total + request.per_page - 1) / request.per_page;
  return json_response(200,
                       success_body(result, {{"page", request.page},
                                             {"per_page", request.per_page},
                                             {"count", count},
                                             {"total_count", total},
                                             {"total_pages", total_pages}}),
                       "list " + std::to_string(count));
}

ApiHttpResponse access_response(const AccessAnswer& answer, const std::map<std::string, std::string>& params) {
  if (answer.status != 200) return error_response(answer.status, answer.error_code, answer.message, "access error");
  if (answer.default_per_page == 0) return json_response(200, success_body(answer.result), "access get");
  const PageRequest request = page_request(params, answer.default_per_page);
  if (request.refusal) return *request.refusal;
  return page_of(answer.result, request);
}

}  // namespace

ApiEmulator::ApiEmulator(ApiConfig config, std::shared_ptr<TokenStore> tokens, std::shared_ptr<ControlledClock> clock)
    : config_(std::move(config)),
      tokens_(std::move(tokens)),
      clock_(std::move(clock)),
      schema_strict_(config_.schema_strict),
      slow_delay_(config_.slow_delay),
      rate_requests_(config_.rate_limit_requests),
      rate_window_seconds_(config_.rate_limit_window_seconds) {}

void ApiEmulator::set_fault(ApiFault fault, std::optional<std::string> api_token_name) {
  std::lock_guard lock(mutex_);
  global_fault_ = fault;
  global_fault_token_ = std::move(api_token_name);
}

void ApiEmulator::set_rate_limit(int requests, int window_seconds) {
  std::lock_guard lock(mutex_);
  rate_requests_ = requests;
  rate_window_seconds_ = window_seconds;
  windows_.clear();
}

std::size_t ApiEmulator::api_requests() const {
  std::lock_guard lock(mutex_);
  return api_requests_;
}

void ApiEmulator::set_auth_log(std::shared_ptr<AuthLog> log) {
  std::lock_guard lock(mutex_);
  if (log) auth_log_ = std::move(log);
}

void ApiEmulator::set_access_directory(std::shared_ptr<AccessDirectory> access) {
  std::lock_guard lock(mutex_);
  access_ = std::move(access);
}

void ApiEmulator::set_tunnels(std::shared_ptr<TunnelStore> tunnels) {
  std::lock_guard lock(mutex_);
  tunnels_ = std::move(tunnels);
}

void ApiEmulator::set_contract(std::shared_ptr<const contract::Contract> contract, std::string record_path) {
  std::lock_guard lock(mutex_);
  contract_ = std::move(contract);
  contract_record_ = std::move(record_path);
}

ApiEmulator::ContractReport ApiEmulator::contract_report() const {
  std::lock_guard lock(mutex_);
  return contract_report_;
}

void ApiEmulator::check_contract(const ApiHttpRequest& request, const ApiHttpResponse& response) {
  std::shared_ptr<const contract::Contract> contract;
  {
    std::lock_guard lock(mutex_);
    contract = contract_;
  }
  if (!contract || !contract->covers(request.target)) return;
  auto problems = contract->check_request(request.method, request.target, request.headers, request.body);
  if (!response.off_contract) {
    for (auto& p :
         contract->check_response(request.method, request.target, response.status, response.headers, response.body)) {
      problems.push_back(std::move(p));
    }
  }
  const std::string exchange = request.method + " " + request.target + " -> " + std::to_string(response.status);
  std::lock_guard lock(mutex_);
  ++contract_report_.checked;
  if (problems.empty()) return;
  std::ofstream record;
  if (!contract_record_.empty()) record.open(contract_record_, std::ios::app);
  for (auto& p : problems) {
    if (record) record << json{{"exchange", exchange}, {"problem", p}}.dump() << '\n';
    contract_report_.violations.push_back(exchange + ": " + p);
  }
}

ApiHttpResponse ApiEmulator::handle(const ApiHttpRequest& request) {
  const std::string_view target = request.target;
  const auto q = target.find('?');
  const std::string_view path = target.substr(0, q);
  const std::string_view query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  ApiHttpResponse response;
  if (path.starts_with(kControlPrefix)) {
    response = control(request, path.substr(kControlPrefix.size()));
  } else if (path == kApiPrefix || path.starts_with(std::string(kApiPrefix) + "/")) {
    response = api(request, path.substr(kApiPrefix.size()), query);
    check_contract(request, response);
  } else {
    response = error_response(404, 7003, "No route for that URI", "no_route");
  }
  response.headers.emplace_back("server", "cloudflare");
  response.headers.emplace_back("cf-ray", random_ray_id() + "-AMS");
  return response;
}

ApiHttpResponse ApiEmulator::control(const ApiHttpRequest& request, std::string_view what) {
  if (what == "login-events" && request.method == "POST") {
    // Takes a JSON array, so it comes before the object check below.
    std::shared_ptr<AuthLog> log;
    {
      std::lock_guard lock(mutex_);
      log = auth_log_;
    }
    const auto added = inject_login_events(request.body, clock_->now(), *log);
    if (const auto* problem = std::get_if<std::string>(&added)) return invalid_request(*problem);
    return json_response(200, {{"recorded", std::get<std::size_t>(added)}}, "control login events");
  }
  const auto body = body_object(request.body);
  if (!body) return invalid_request("control body must be a JSON object");
  if (what == "access" || what.starts_with("access/")) {
    std::shared_ptr<AccessDirectory> access;
    {
      std::lock_guard lock(mutex_);
      access = access_;
    }
    if (!access) return error_response(404, 7003, "No Access applications in this emulator", "no_route");
    auto parts = path_segments(what);
    parts.erase(parts.begin());
    const AccessAnswer answer = access->control(request.method, parts, *body);
    if (answer.status != 200) return error_response(answer.status, answer.error_code, answer.message, "control access");
    return json_response(200, answer.result, "control access");
  }
  if (what == "tunnels" || what.starts_with("tunnels/")) {
    if (!tunnels_) return error_response(404, 7003, "this emulator has no tunnels", "no_route");
    auto answer = tunnels_->control(request.method, what.substr(7), *body, clock_->now());
    return json_response(answer.status, answer.body, std::move(answer.verdict));
  }
  std::lock_guard lock(mutex_);
  if (what == "stats" && request.method == "GET") {
    json by_token = json::object();
    for (const auto& [name, count] : requests_by_token_) by_token[name] = count;
    return json_response(200,
                         {{"api_requests", api_requests_},
                          {"by_token", by_token},
                          {"clock_offset_seconds", clock_->offset().count()},
                          {"now", format_rfc3339(clock_->now())}},
                         "control stats");
  }
  if (what == "contract" && request.method == "GET") {
    return json_response(200, {{"checked", contract_report_.checked}, {"violations", contract_report_.violations}},
                         "control contract");
  }
  if (what == "schema" && request.method == "POST") {
    if (!body->contains("strict") || !(*body)["strict"].is_boolean())
      return invalid_request("give {\"strict\": true|false}");
    schema_strict_.store((*body)["strict"].get<bool>());
    return json_response(200, {{"strict", schema_strict_.load()}}, "control schema");
  }
  if (what == "stats/reset" && request.method == "POST") {
    api_requests_ = 0;
    requests_by_token_.clear();
    return json_response(200, {{"api_requests", 0}}, "control stats reset");
  }
  if (what == "faults" && request.method == "DELETE") {
    global_fault_ = ApiFault::none;
    global_fault_token_.reset();
    return json_response(200, {{"fault", "none"}}, "control faults cleared");
  }
  if (what == "faults" && request.method == "POST") {
    const auto name = body->value("fault", std::string());
    const auto fault = parse_api_fault(name);
    if (!fault) return invalid_request("unknown fault '" + name + "'");
    global_fault_ = *fault;
    global_fault_token_.reset();
    if (body->contains("api_token") && (*body)["api_token"].is_string()) {
      global_fault_token_ = (*body)["api_token"].get<std::string>();
    }
    if (body->contains("delay_ms") && (*body)["delay_ms"].is_number_integer()) {
      slow_delay_ =
          std::chrono::milliseconds(std::clamp<std::int64_t>((*body)["delay_ms"].get<std::int64_t>(), 0, 600000));
    }
    return json_response(200, {{"fault", api_fault_name(*fault)}}, "control fault set");
  }
  if (what == "clock" && request.method == "POST") {
    auto number = [&](const char* key) -> std::optional<std::int64_t> {
      if (!body->contains(key) || !(*body)[key].is_number_integer()) return std::nullopt;
      return (*body)[key].get<std::int64_t>();
    };
    if (auto offset = number("offset_seconds")) {
      clock_->set_offset(std::chrono::seconds(*offset));
    } else if (auto advance = number("advance_seconds")) {
      clock_->set_offset(clock_->offset() + std::chrono::seconds(*advance));
    } else {
      return invalid_request("give offset_seconds or advance_seconds (integers)");
    }
    return json_response(200,
                         {{"clock_offset_seconds", clock_->offset().count()}, {"now", format_rfc3339(clock_->now())}},
                         "control clock");
  }
  if (what == "rate_limit" && request.method == "POST") {
    const auto requests = body->value("requests", 0);
    const auto window = body->value("window_seconds", 0);
    if (requests < 1 || window < 1) return invalid_request("requests and window_seconds must be positive");
    rate_requests_ = requests;
    rate_window_seconds_ = window;
    windows_.clear();
    return json_response(200, {{"requests", requests}, {"window_seconds", window}}, "control rate limit");
  }
  return error_response(
      404, 7003,
      "No route for that URI (control: stats, stats/reset, faults, clock, rate_limit, schema, contract, tunnels)",
      "no_route");
}

ApiHttpResponse ApiEmulator::api(const ApiHttpRequest& request, std::string_view path, std::string_view query) {
  const TimePoint now = clock_->now();

  // Bearer authentication, before anything else.
  const std::string* authorization = request.header("Authorization");
  std::string bearer;
  if (authorization != nullptr && lower(authorization->substr(0, 7)) == "bearer ") bearer = authorization->substr(7);
  const ApiTokenConfig* token = config_.find_token(bearer);

  ApiFault fault = ApiFault::none;
  std::chrono::milliseconds slow_delay{0};
  HeaderList limit_headers;
  {
    std::lock_guard lock(mutex_);
    ++api_requests_;
    ++requests_by_token_[token != nullptr ? token->name : std::string("(none)")];
    if (token != nullptr && !token->revoked) {
      // Fixed window per user (all of a user's API tokens share it), started by its first request.
      Window& w = windows_[token->user.empty() ? token->name : token->user];
      const auto window = std::chrono::seconds(rate_window_seconds_);
      if (w.used == 0 || now >= w.start + window || now < w.start) w = Window{now, 0};
      const auto reset =
          std::max<std::int64_t>(1, std::chrono::ceil<std::chrono::seconds>(w.start + window - now).count());
      const std::string policy =
          "\"burst\";q=" + std::to_string(rate_requests_) + ";w=" + std::to_string(rate_window_seconds_);
      if (w.used >= rate_requests_) {
        auto limited =
            error_response(429, 971, "Please wait and consider throttling your request speed", "rate_limited");
        limited.off_contract = true;  // code 971 is below the schema's minimum 1000, as Cloudflare sends it
        limited.headers.emplace_back("Ratelimit", "\"default\";r=0;t=" + std::to_string(reset));
        limited.headers.emplace_back("Ratelimit-Policy", policy);
        limited.headers.emplace_back("Retry-After", std::to_string(reset));
        return limited;
      }
      ++w.used;
      limit_headers.emplace_back(
          "Ratelimit", "\"default\";r=" + std::to_string(rate_requests_ - w.used) + ";t=" + std::to_string(reset));
      limit_headers.emplace_back("Ratelimit-Policy", policy);
    }
    if (token != nullptr) {
      fault = token->fault;
      if (fault == ApiFault::none && (!global_fault_token_ || *global_fault_token_ == token->name))
        fault = global_fault_;
    }
    slow_delay = slow_delay_;
  }
  if (authorization == nullptr || bearer.empty()) {
    return error_response(401, 1000, "Invalid API Token (missing Authorization: Bearer header)", "no_token");
  }
  if (token == nullptr) return error_response(401, 1000, "Invalid API Token", "invalid_token");
  if (token->revoked) return error_response(403, 9109, "Invalid access token", "revoked_token");

  auto finish = [&](ApiHttpResponse r) {
    for (auto& h : limit_headers) r.headers.push_back(h);
    if (fault == ApiFault::slow) r.delay = slow_delay;
    r.off_contract = fault != ApiFault::none && fault != ApiFault::slow;
    return r;
  };

  // Faults that replace the answer without doing the operation.
  switch (fault) {
    case ApiFault::server_error:
      return finish(error_response(500, 10001, "Internal Server Error", "fault server_error"));
    case ApiFault::invalid_json:
      return finish(text_response(200, "application/json", "{\"success\": true, \"result\": [}", "fault invalid_json"));
    case ApiFault::success_false:
      return finish(json_response(
          200, {{"success", false}, {"errors", json::array()}, {"messages", json::array()}, {"result", nullptr}},
          "fault success_false"));
    case ApiFault::html:
      return finish(text_response(
          200, "text/html; charset=UTF-8",
          "<!DOCTYPE html><html><head><title>Attention Required! | Cloudflare</title></head><body></body></html>",
          "fault html"));
    default:
      break;
  }

  if (path == "/graphql" && request.method == "POST") {
    std::shared_ptr<AuthLog> log;
    {
      std::lock_guard lock(mutex_);
      log = auth_log_;
    }
    // GraphQL failures are HTTP 200 with an errors array, as Cloudflare answers them.
    const auto body = answer_graphql(request.body, token->account_id, *log);
    return finish(json_response(200, body, body["errors"].is_array() ? "graphql error" : "graphql"));
  }

  const auto parts = path_segments(path);
  if (parts.size() >= 3 && parts.size() <= 6 && parts[0] == "accounts" && parts[2] == "cfd_tunnel") {
    if (parts[1] != token->account_id) {
      return finish(error_response(403, 9109, "Unauthorized to access requested resource", "wrong_account"));
    }
    // Every tunnel route needs Cloudflare Tunnel Read: without it Cloudflare answers 10000.
    if (!token->can_read_tunnels) return finish(error_response(403, 10000, "Authentication error", "forbidden"));
    if (request.method != "GET" || !tunnels_) {
      return finish(error_response(405, 10405, "Method not allowed", "bad_method"));
    }
    auto answer = tunnels_->api({parts.begin() + 2, parts.end()}, parse_query(query));
    return finish(json_response(answer.status, answer.body, std::move(answer.verdict)));
  }
  const std::string route_error =
      "Could not route to " + std::string(path) + ", perhaps your object identifier is invalid?";
  const bool access_apps = parts.size() >= 4 && (parts[3] == "apps" || parts[3] == "policies");
  if (parts.size() < 4 || parts[0] != "accounts" || parts[2] != "access" ||
      (parts[3] != "service_tokens" && !access_apps) || parts.size() > 6) {
    return finish(error_response(404, 7003, "No route for that URI", "no_route"));
  }
  const std::string account(parts[1]);
  if (account != token->account_id) {
    return finish(error_response(403, 9109, "Unauthorized to access requested resource", "wrong_account"));
  }
  if (std::find(config_.no_access_accounts.begin(), config_.no_access_accounts.end(), account) !=
      config_.no_access_accounts.end()) {
    return finish(error_response(403, 9999, "access.api.error.not_enabled: Access is not enabled for this account",
                                 "no_organization"));
  }
  const std::string& method = request.method;
  if (access_apps) {
    std::shared_ptr<AccessDirectory> access;
    {
      std::lock_guard lock(mutex_);
      access = access_;
    }
    if (method != "GET") return finish(error_response(405, 10405, "Method not allowed", "bad_method"));
    if (!access) return finish(error_response(404, 7003, "No route for that URI", "no_route"));
    const std::vector<std::string_view> rest(parts.begin() + 3, parts.end());
    return finish(access_response(access->read(rest, account, token->can_read), parse_query(query)));
  }
  const bool strict = schema_strict_.load();
  const Shape created_shape = strict ? Shape::minimal : Shape::created;
  auto forbidden = [&] { return finish(error_response(403, 10000, "Authentication error", "forbidden")); };

  ApiHttpResponse answer;
  if (parts.size() == 4 && method == "GET") {
    // list
    const auto params = parse_query(query);
    const PageRequest paging = page_request(params, config_.default_per_page);
    if (paging.refusal) return finish(*paging.refusal);
    const int per_page = paging.per_page;
    const int page = paging.page;
    json result = json::array();
    if (fault == ApiFault::endless_pagination) {
      // Every page full of fresh tokens, no totals: a client must stop by itself.
      for (int i = 0; i < per_page; ++i) {
        ServiceToken fake;
        char id[40];
        std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012x", static_cast<unsigned>(page),
                      static_cast<unsigned>(i));
        fake.id = id;
        fake.name = "endless-" + std::to_string(page) + "-" + std::to_string(i);
        fake.client_id = std::string(id).substr(0, 8) + std::string(24, 'e') + ".access";
        fake.created_at = now;
        fake.updated_at = now;
        fake.expires_at = now + std::chrono::hours(8760);
        result.push_back(token_json(fake));
      }
      return finish(json_response(200,
                                  success_body(result, {{"page", page}, {"per_page", per_page}, {"count", per_page}}),
                                  "list endless page " + std::to_string(page)));
    }
    json matching = json::array();
    // Without the read permission Cloudflare may answer an empty list, not an error.
    if (token->can_read) {
      const auto name = params.find("name");
      const auto search = params.find("search");
      for (auto& t : tokens_->list()) {
        if (name != params.end() && !name->second.empty() && t.name != name->second) continue;
        if (search != params.end() && !search->second.empty() &&
            lower(t.name).find(lower(search->second)) == std::string::npos) {
          continue;
        }
        matching.push_back(token_json(t));
      }
    }
    answer = page_of(matching, paging);
  } else if (parts.size() == 4 && method == "POST") {
    // create
    if (!token->can_write) return forbidden();
    const auto body = body_object(request.body);
    if (!body) return finish(invalid_request("the body must be a JSON object"));
    if (!body->contains("name") || !(*body)["name"].is_string() || (*body)["name"].get<std::string>().empty()) {
      return finish(invalid_request("name is required"));
    }
    std::string duration = "8760h";
    if (body->contains("duration")) {
      if (!(*body)["duration"].is_string()) return finish(invalid_request("duration must be a string"));
      duration = (*body)["duration"].get<std::string>();
    }
    auto created = tokens_->create((*body)["name"].get<std::string>(), duration, now);
    if (!created) return finish(invalid_request("duration must be a Go duration such as 8760h, or forever"));
    answer = json_response(201, success_body(token_json(*created, created_shape)), "create " + created->id);
  } else {
    if (parts.size() < 5) return finish(error_response(405, 10405, "Method not allowed", "bad_method"));
    const std::string id(parts[4]);
    if (!is_uuid(id)) return finish(error_response(400, 7003, route_error, "malformed_id"));
    const bool is_read = parts.size() == 5 && method == "GET";
    if (is_read ? !token->can_read : !token->can_write) return forbidden();
    auto not_found = [&] {
      return finish(error_response(404, 12135, "access.api.error.not_found: service token not found", "not_found"));
    };
    if (parts.size() == 5 && method == "GET") {
      const auto t = tokens_->get(id);
      if (!t) return not_found();
      answer = json_response(200, success_body(token_json(*t)), "get " + id);
    } else if (parts.size() == 5 && method == "PUT") {
      const auto body = body_object(request.body);
      if (!body) return finish(invalid_request("the body must be a JSON object"));
      std::optional<std::string> name;
      std::optional<std::string> duration;
      std::optional<bool> enabled;
      if (body->contains("name")) {
        if (!(*body)["name"].is_string() || (*body)["name"].get<std::string>().empty()) {
          return finish(invalid_request("name must be a non-empty string"));
        }
        name = (*body)["name"].get<std::string>();
      }
      if (body->contains("duration")) {
        if (!(*body)["duration"].is_string()) return finish(invalid_request("duration must be a string"));
        duration = (*body)["duration"].get<std::string>();
        if (!expiry_for_duration(*duration, now).ok) {
          return finish(invalid_request("duration must be a Go duration such as 8760h, or forever"));
        }
      }
      if (body->contains("enabled")) {
        if (!(*body)["enabled"].is_boolean()) return finish(invalid_request("enabled must be true or false"));
        enabled = (*body)["enabled"].get<bool>();
      }
      const auto t = tokens_->update(
          id,
          [&](ServiceToken& edit) {
            if (name) edit.name = *name;
            if (duration && *duration != edit.duration) {
              edit.duration = *duration;
              edit.expires_at = expiry_for_duration(*duration, now).expires_at;
            }
            if (enabled) edit.enabled = *enabled;
          },
          now);
      if (!t) return not_found();
      answer = json_response(200, success_body(token_json(*t)), "update " + id);
    } else if (parts.size() == 5 && method == "DELETE") {
      const auto t = tokens_->remove(id);
      if (!t) return not_found();
      answer = json_response(200, success_body(strict ? json{{"id", t->id}} : token_json(*t)), "delete " + id);
    } else if (parts.size() == 6 && parts[5] == "refresh" && method == "POST") {
      // The schema declares no request body: a mock built from it refuses one.
      if (strict && !request.body.empty()) {
        return finish(
            error_response(415, 10415, "Unsupported Media Type: refresh takes no request body", "refresh_with_body"));
      }
      const auto t = tokens_->refresh(id, now);
      if (!t) return not_found();
      answer = json_response(200, success_body(token_json(*t)), "refresh " + id);
    } else if (parts.size() == 6 && parts[5] == "rotate" && method == "POST") {
      const auto body = body_object(request.body);
      if (!body) return finish(invalid_request("the body must be a JSON object"));
      std::optional<TimePoint> grace;
      if (body->contains("previous_client_secret_expires_at") &&
          !(*body)["previous_client_secret_expires_at"].is_null()) {
        const auto& value = (*body)["previous_client_secret_expires_at"];
        grace = value.is_string() ? parse_rfc3339(value.get<std::string>()) : std::nullopt;
        if (!grace) return finish(invalid_request("previous_client_secret_expires_at must be an RFC 3339 time"));
      }
      const auto t = tokens_->rotate(id, grace, now);
      if (!t) return not_found();
      answer = json_response(200, success_body(token_json(*t, created_shape)), "rotate " + id);
    } else if (parts.size() == 6) {
      return finish(error_response(404, 7003, "No route for that URI", "no_route"));
    } else {
      return finish(error_response(405, 10405, "Method not allowed", "bad_method"));
    }
  }
  if (fault == ApiFault::truncated_json) {
    // The operation happened; its answer is lost half way (as a dropped connection).
    answer.body.resize(answer.body.size() / 2);
    answer.verdict += " (fault truncated_json)";
  }
  return finish(std::move(answer));
}

}  // namespace cfmon::emulator
