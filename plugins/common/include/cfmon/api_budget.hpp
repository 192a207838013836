#pragma once
// The Cloudflare API budget as a run-level finding of the API checks: the lowest remaining
// count the answers announced, as root metrics, and --min-api-budget's judgement.
#include <cstddef>
#include <optional>

#include <boost/program_options.hpp>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/result.hpp"

namespace cfmon::plugin {

// The root metrics: api_budget_remaining and api_budget_quota (perfdata, fields, Zabbix
// keys, cfmon_api_budget_remaining / cfmon_api_budget_quota).
const Metric& api_budget_remaining_metric();
const Metric& api_budget_quota_metric();

// --min-api-budget N, for the checks that judge the budget.
void add_min_api_budget_option(boost::program_options::options_description& group);
// Its value from a parsed variables_map (nullopt when not given).
std::optional<long long> min_api_budget_of(const boost::program_options::variables_map& vm);
// Its range: 1..1000000000.
std::optional<Error> check_min_api_budget(const std::optional<long long>& min_budget);

// Adds the budget to `root` (nothing when unknown: never an invented 0) and, with
// `min_budget`, judges it: fewer requests left than it is at least WARNING api_budget_low;
// requests sent but none announced a budget is WARNING api_budget_unknown; every answer from
// the cache (requests_sent 0, nothing spent) is only said in the message. The worst state
// keeps the reason (equal states: the one already there); a check that could not run (root
// UNKNOWN without children) stays UNKNOWN. The line is appended to the root's message and
// kept in its notes.
void judge_api_budget(Result& root, const std::optional<cloudflare::ApiBudget>& budget, std::size_t requests_sent,
                      std::optional<long long> min_budget);

}  // namespace cfmon::plugin
