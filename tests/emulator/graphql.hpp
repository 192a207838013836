#pragma once
// The one GraphQL query the checks send (docs/cloudflare-access.md, "Login events"):
// accessLoginRequestsAdaptiveGroups, answered from the AuthLog the edge fills and from
// events a test injects. Not a GraphQL parser: the query text must name the dataset,
// and limit and the datetime window come from `variables` ($accountTag, $since,
// $until, $limit). Anything else is answered the way the real API answers a bad
// query: HTTP 200 with an `errors` array.
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "auth_log.hpp"

namespace cfmon::emulator {

// Upper bound Cloudflare applies to `limit` on adaptive groups.
inline constexpr int kMaxGraphqlLimit = 10000;
// Longest window one query may ask for (the dataset's maxDuration).
inline constexpr std::chrono::seconds kMaxGraphqlWindow{31 * 86400};

// The body of POST /client/v4/graphql for an authenticated API token of `account_id`:
// {"data": ...} or {"data": null, "errors": [...]}. Groups are one per distinct
// dimension tuple with its count, newest first, at most `limit` of them. Only
// service-token attempts a Cloudflare log would hold appear: well-formed headers
// and a known client ID, plus injected identity logins; a query whose filter holds
// `identityProvider: "nonidentity"` gets service-token logins only.
nlohmann::json answer_graphql(const std::string& body, const std::string& account_id, const AuthLog& log);

// Appends injected events (POST /__emulator/login-events): a JSON array (or {"events":
// [...]}) of {"datetime", "token_id", "success", "ip", "ray", "client_id", "count",
// "identity_provider"}; datetime defaults to `now`, count (1..1000) repeats the event;
// identity_provider (default "nonidentity") other than "nonidentity" is a user login,
// without token_id. Returns how many were
// recorded, or an error line.
std::variant<std::size_t, std::string> inject_login_events(const std::string& body, TimePoint now, AuthLog& log);

}  // namespace cfmon::emulator
