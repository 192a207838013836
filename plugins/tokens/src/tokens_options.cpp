#include "tokens_options.hpp"

#include <cmath>

#include "cfmon/api_budget.hpp"

namespace po = boost::program_options;

namespace cfmon::tokens {

const char* const kUsage = R"(Usage: check_cf_service_tokens [--name NAME | --id ID | --client-id ID ...]
         [--env-file FILE] [--env-suffix S] [--api-token-file FILE]
         [--account-id ID] [--api-url URL] [--per-page N]
         [-w DAYS] [-c DAYS] [--max-idle-days DAYS] [--max-lifetime-days DAYS]
         [--min-api-budget N] [--discover]
         [--cache-ttl SECONDS] [--cache-dir DIR] [-t SECONDS]
         [--ca-file FILE] [-k] [--resolve HOST:PORT:ADDR ...] [-A TEXT]
         [--allow-shared-files] [-v]
         [--format nagios|influx|zabbix|json|openmetrics]
)";

const char* const kHelpEpilog =
    R"(Selection: --name, --id and --client-id are repeatable; with --env-file, the token whose
client ID the file holds (CF_SERVICE_TOKEN_CLIENT_ID<SUFFIX>) is selected too. Nothing
selected: every token of the account.

States: expired, disabled or a selected token missing CRITICAL; expiring within
--critical-days CRITICAL, within --warning-days WARNING; unused longer than
--max-idle-days (or never used) WARNING; a lifetime beyond --max-lifetime-days (forever
included) WARNING; an empty token list, API errors and bad arguments UNKNOWN; a token
the answer gives malformed or contradictory fields UNKNOWN (the others are still judged);
fewer API requests left than --min-api-budget WARNING (api_budget_low), no answer saying
how many WARNING (api_budget_unknown).
-t is the budget of the whole run: every page and any wait share it.
)";

po::options_description tokens_options(TokensOptions& o) {
  po::options_description group("check_cf_service_tokens options");
  // clang-format off
  plugin::add_token_selection_options(group, o.selection, "select");
  group.add_options()
    ("warning-days,w", po::value(&o.warning_days)->value_name("DAYS")->default_value(kDefaultWarningDays, "30"),
       "WARNING when a token expires within this many days")
    ("critical-days,c", po::value(&o.critical_days)->value_name("DAYS")->default_value(kDefaultCriticalDays, "7"),
       "CRITICAL when a token expires within this many days")
    ("max-idle-days", po::value<double>()->value_name("DAYS"), "WARNING when a token was last used longer ago, or never")
    ("max-lifetime-days", po::value<double>()->value_name("DAYS"),
       "WARNING when a token's lifetime is longer (duration forever included)")
    ("discover", po::bool_switch(&o.discover), "list the selected tokens (Zabbix LLD with --format zabbix)");
  // clang-format on
  plugin::add_min_api_budget_option(group);
  group.add(plugin::api_options(o.api));
  return group;
}

void tokens_options_from(const po::variables_map& vm, TokensOptions& o) {
  plugin::api_options_from(vm, o.api);
  if (vm.count("max-idle-days") != 0U) o.max_idle_days = vm["max-idle-days"].as<double>();
  if (vm.count("max-lifetime-days") != 0U) o.max_lifetime_days = vm["max-lifetime-days"].as<double>();
  o.min_api_budget = plugin::min_api_budget_of(vm);
}

namespace {

std::optional<Error> check_days(const char* option, double days) {
  if (!std::isfinite(days) || days < 0 || days > 36500) {
    return Error{std::string(option) + " must be a number of days between 0 and 36500"};
  }
  return std::nullopt;
}

}  // namespace

Expected<TokensPlan> make_plan(const TokensOptions& o, const plugin::CommonConfig& common, const EnvLookup& env,
                               std::vector<std::string>* warnings) {
  TokensPlan plan;
  if (auto e = check_days("--warning-days", o.warning_days)) return *e;
  if (auto e = check_days("--critical-days", o.critical_days)) return *e;
  if (o.critical_days > o.warning_days) return make_error("--critical-days must not exceed --warning-days");
  plan.warning_days = o.warning_days;
  plan.critical_days = o.critical_days;
  if (o.max_idle_days) {
    if (auto e = check_days("--max-idle-days", *o.max_idle_days)) return *e;
    plan.max_idle_days = o.max_idle_days;
  }
  if (o.max_lifetime_days) {
    if (auto e = check_days("--max-lifetime-days", *o.max_lifetime_days)) return *e;
    plan.max_lifetime_days = o.max_lifetime_days;
  }
  if (auto e = plugin::check_min_api_budget(o.min_api_budget)) return *e;
  plan.min_api_budget = o.min_api_budget;

  if (auto e = plugin::plan_selection_and_api(o.selection, o.api, common, env, warnings, plan.selectors, plan.api)) {
    return *e;
  }
  return plan;
}

}  // namespace cfmon::tokens
