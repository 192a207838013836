#pragma once
// check_cf_service_tokens as a pure function: a validated plan, the Cloudflare API
// and the current time in, a Result tree out. No printing, no exit, no environment.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/result.hpp"
#include "cfmon/token_selection.hpp"

namespace cfmon::tokens {

inline constexpr double kDefaultWarningDays = 30;
inline constexpr double kDefaultCriticalDays = 7;

using TokenSelector = plugin::TokenSelector;

struct TokensPlan {
  std::vector<TokenSelector> selectors;         // empty: every token of the account
  double warning_days = kDefaultWarningDays;    // WARNING when it expires sooner
  double critical_days = kDefaultCriticalDays;  // CRITICAL when it expires sooner
  std::optional<double> max_idle_days;          // WARNING when unused longer (or never used)
  std::optional<double> max_lifetime_days;      // WARNING when its lifetime is longer (forever included)
  std::optional<long long> min_api_budget;      // WARNING with fewer API requests left (api_budget.hpp)
  cloudflare::ApiSettings api;                  // for main(); the check only uses a `TokenDirectory&`
};

// Every metric a token's result may carry (for tests of the formatters' names).
const std::vector<Metric>& token_metrics();

// One list request (cached or not) answers every selection, so all services
// checking tokens of one account share a single API call per cache TTL.
Report run_tokens_check(const TokensPlan& plan, cloudflare::TokenDirectory& api, cloudflare::TimePoint now);

// The tokens a plan selects, for --discover: every selected token found, or an error
// (API failure, an empty list, or none of the selected tokens found).
Expected<std::vector<cloudflare::ServiceTokenInfo>> discover_tokens(const TokensPlan& plan,
                                                                    cloudflare::TokenDirectory& api);

}  // namespace cfmon::tokens
