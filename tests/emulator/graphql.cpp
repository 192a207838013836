#include "graphql.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace cfmon::emulator {
namespace {

using nlohmann::json;

json graphql_error(const std::string& message) {
  return {{"data", nullptr},
          {"errors", json::array({{{"message", message}, {"path", nullptr}, {"extensions", {{"timestamp", ""}}}}})}};
}

// The dimensions a group is keyed by, in the dataset's field order.
using GroupKey =
    std::tuple<std::string, int, std::string, std::string, std::string, std::string, std::string, std::string>;

// `identityProvider: "nonidentity"` in the query text (any spacing): the dataset's filter
// on service-token logins. Not a GraphQL parser, as the rest.
bool filters_service_tokens(const std::string& query) {
  std::string compact;
  for (const char c : query) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') compact += c;
  }
  return compact.find("identityProvider:\"nonidentity\"") != std::string::npos;
}

std::optional<TimePoint> time_variable(const json& variables, const char* name) {
  const auto it = variables.find(name);
  if (it == variables.end() || !it->is_string()) return std::nullopt;
  return parse_rfc3339(it->get<std::string>());
}

}  // namespace

json answer_graphql(const std::string& body, const std::string& account_id, const AuthLog& log) {
  const json request = json::parse(body, nullptr, false);
  if (request.is_discarded() || !request.is_object() || !request.contains("query") || !request["query"].is_string()) {
    return graphql_error("failed to parse the request body: expected {\"query\": ..., \"variables\": ...}");
  }
  const std::string query = request["query"].get<std::string>();
  // The one shape we recognise: the dataset under viewer.accounts.
  if (query.find("viewer") == std::string::npos || query.find("accounts") == std::string::npos ||
      query.find("accessLoginRequestsAdaptiveGroups") == std::string::npos) {
    return graphql_error("unknown field: the emulator answers only viewer.accounts.accessLoginRequestsAdaptiveGroups");
  }
  const json variables = request.value("variables", json::object());
  if (!variables.is_object()) return graphql_error("variables must be an object");
  if (!variables.contains("accountTag") || !variables["accountTag"].is_string()) {
    return graphql_error("missing variable $accountTag");
  }
  if (variables["accountTag"].get<std::string>() != account_id) {
    return graphql_error("not authorized for that account");
  }
  const auto since = time_variable(variables, "since");
  const auto until = time_variable(variables, "until");
  if (!since || !until) return graphql_error("$since and $until must be RFC 3339 times (datetime_geq, datetime_leq)");
  // The dataset's maxDuration: a longer window is refused, not truncated.
  if (*until - *since > kMaxGraphqlWindow) {
    return graphql_error("the requested time range is too large: accessLoginRequestsAdaptiveGroups allows at most " +
                         std::to_string(kMaxGraphqlWindow.count()) + "s (31 days)");
  }
  if (!variables.contains("limit") || !variables["limit"].is_number_integer()) {
    return graphql_error("missing variable $limit (an integer)");
  }
  const auto limit = variables["limit"].get<std::int64_t>();
  if (limit < 1 || limit > kMaxGraphqlLimit) {
    return graphql_error("limit must be between 1 and " + std::to_string(kMaxGraphqlLimit));
  }

  const bool only_tokens = filters_service_tokens(query);
  std::map<GroupKey, std::int64_t> groups;
  for (const auto& e : log.snapshot()) {
    const bool token_login = e.identity_provider == "nonidentity";
    // What Cloudflare logs: failures with a known client ID and well-formed headers.
    if (!e.well_formed || (token_login && e.token_id.empty())) continue;
    if (only_tokens && !token_login) continue;
    const auto second = std::chrono::floor<std::chrono::seconds>(e.datetime);
    if (second < *since || second > *until) continue;
    ++groups[GroupKey{format_rfc3339(second), e.success ? 1 : 0, e.source_ip, e.token_id, "", e.cf_ray, "XX",
                      e.identity_provider}];
  }
  std::vector<std::pair<GroupKey, std::int64_t>> sorted(groups.begin(), groups.end());
  // orderBy: [datetime_DESC]; RFC 3339 UTC strings of one width sort as times.
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return std::get<0>(a.first) > std::get<0>(b.first); });
  if (sorted.size() > static_cast<std::size_t>(limit)) sorted.resize(static_cast<std::size_t>(limit));
  json rows = json::array();
  for (const auto& [k, count] : sorted) {
    rows.push_back({{"count", count},
                    {"dimensions",
                     {{"datetime", std::get<0>(k)},
                      {"isSuccessfulLogin", std::get<1>(k)},
                      {"ipAddress", std::get<2>(k)},
                      {"serviceTokenId", std::get<3>(k)},
                      {"approvingPolicyId", std::get<4>(k)},
                      {"cfRayId", std::get<5>(k)},
                      {"country", std::get<6>(k)},
                      {"identityProvider", std::get<7>(k)}}}});
  }
  return {{"data", {{"viewer", {{"accounts", json::array({{{"accessLoginRequestsAdaptiveGroups", rows}}})}}}}},
          {"errors", nullptr}};
}

std::variant<std::size_t, std::string> inject_login_events(const std::string& body, TimePoint now, AuthLog& log) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("events")) parsed = parsed["events"];
  if (parsed.is_discarded() || !parsed.is_array()) return std::string("login-events needs a JSON array of events");
  std::vector<std::pair<AuthEvent, std::int64_t>> events;
  for (const auto& item : parsed) {
    if (!item.is_object()) return std::string("every login event must be an object");
    AuthEvent e;
    e.datetime = now;
    if (item.contains("datetime")) {
      const auto t = item["datetime"].is_string() ? parse_rfc3339(item["datetime"].get<std::string>()) : std::nullopt;
      if (!t) return std::string("datetime must be an RFC 3339 time");
      e.datetime = *t;
    }
    e.identity_provider = item.value("identity_provider", std::string("nonidentity"));
    if (e.identity_provider.empty()) return std::string("identity_provider must not be empty");
    if (e.identity_provider == "nonidentity") {
      if (!item.contains("token_id") || !item["token_id"].is_string() || item["token_id"].get<std::string>().empty()) {
        return std::string("every service-token login event needs a token_id (or give an identity_provider)");
      }
      e.token_id = item["token_id"].get<std::string>();
    }
    e.success = item.value("success", true);
    e.source_ip = item.value("ip", std::string("127.0.0.1"));
    e.cf_ray = item.value("ray", std::string("0000000000000000-AMS"));
    e.client_id = item.value("client_id", std::string());
    e.app_host = "injected";
    const auto count = item.value("count", std::int64_t{1});
    if (count < 1 || count > 1000) return std::string("count must be between 1 and 1000");
    events.emplace_back(std::move(e), count);
  }
  std::size_t recorded = 0;
  for (const auto& [e, count] : events) {
    for (std::int64_t i = 0; i < count; ++i, ++recorded) log.record(e);
  }
  return recorded;
}

}  // namespace cfmon::emulator
