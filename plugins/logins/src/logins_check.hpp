#pragma once
// check_cf_access_logins as a pure function: a validated plan, the Cloudflare API and
// the current time in, a Result tree out. Service-token logins are only in the
// GraphQL dataset accessLoginRequestsAdaptiveGroups (cloudflare-access.md, "Login
// events"): one query per run for the whole account, narrowed client-side.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/range.hpp"
#include "cfmon/result.hpp"
#include "cfmon/token_selection.hpp"
#include "cidr.hpp"

namespace cfmon::logins {

inline constexpr unsigned kDefaultLimit = 10000;  // the most one query may ask for

// The query the check sends; the emulator recognises exactly this shape.
extern const char* const kLoginsQuery;

using TokenSelector = plugin::TokenSelector;

struct LoginsPlan {
  std::vector<TokenSelector> selectors;           // empty: every service token of the account
  std::chrono::seconds window{15 * 60};           // --since
  std::string window_text = "15m";                // as given, for messages
  std::optional<cloudflare::TimePoint> until_at;  // --until RFC 3339
  std::optional<std::chrono::seconds> until_ago;  // --until DURATION (ago)
  std::optional<Range> warning_failures;          // -w on the failure count
  std::optional<Range> critical_failures;         // -c on the failure count
  std::vector<Cidr> allowed;                      // empty: any address
  std::optional<std::int64_t> max_logins;         // WARNING above
  bool expect_activity = false;                   // WARNING with no successful login
  unsigned limit = kDefaultLimit;                 // groups per query
  std::optional<long long> min_api_budget;        // WARNING with fewer API requests left (api_budget.hpp)
  cloudflare::ApiSettings api;                    // for main(); the check only uses the API roles (and the account ID)
};

// The window [since, until] a plan asks about at `now`. Without --until the end is
// rounded down to the cache TTL, so runs within one TTL send identical variables and
// share one cached answer (the GraphQL budget); otherwise to the second.
std::pair<cloudflare::TimePoint, cloudflare::TimePoint> window_of(const LoginsPlan& plan, cloudflare::TimePoint now);

// `tokens` names the selected tokens, `graphql` asks for their logins.
// Every metric a token's result may carry (for tests of the formatters' names).
const std::vector<Metric>& login_metrics();

Report run_logins_check(const LoginsPlan& plan, cloudflare::TokenDirectory& tokens, cloudflare::GraphqlApi& graphql,
                        cloudflare::TimePoint now);

}  // namespace cfmon::logins
