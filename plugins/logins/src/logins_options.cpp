#include "logins_options.hpp"

#include <charconv>

#include "cfmon/api_budget.hpp"

namespace po = boost::program_options;

namespace cfmon::logins {

const char* const kUsage = R"(Usage: check_cf_access_logins [--since DURATION] [--until TIME]
         [--name NAME | --id ID | --client-id ID ...] [--env-file FILE]
         [--env-suffix S] [--api-token-file FILE] [--account-id ID]
         [--api-url URL] [--per-page N] [-w RANGE] [-c RANGE]
         [--allowed-cidr CIDR ...] [--max-logins N] [--expect-activity]
         [--limit N] [--min-api-budget N] [--cache-ttl SECONDS]
         [--cache-dir DIR] [-t SECONDS]
         [--ca-file FILE] [-k] [--resolve HOST:PORT:ADDR ...] [-A TEXT]
         [--allow-shared-files] [-v]
         [--format nagios|influx|zabbix|json|openmetrics]
)";

const char* const kHelpEpilog =
    R"(Watches service-token logins in Cloudflare's GraphQL dataset accessLoginRequestsAdaptiveGroups
(the REST access log holds identity logins only). One query per run for the whole account;
--name, --id and --client-id (repeatable) and the client ID of --env-file narrow it to
tokens, resolved through the token list. Nothing selected: every service token.

States: a successful login from outside every --allowed-cidr CRITICAL (naming token,
address and time); the failure count outside -c CRITICAL, outside -w WARNING (Nagios
ranges: -w 0 warns on any failure); more than --max-logins successful logins WARNING;
--expect-activity and no successful login WARNING; an answer that reached --limit
WARNING (counts are lower bounds); fewer API requests left than --min-api-budget
WARNING (api_budget_low), no answer saying how many WARNING (api_budget_unknown);
GraphQL errors, API errors and bad arguments UNKNOWN.
Budget: GraphQL allows at most 320 queries per 5 minutes (by query cost); with
--cache-ttl T the window end is rounded down to T so every run within T shares one
cached answer. Only service-token logins are asked for (identityProvider nonidentity).
-t is the budget of the whole run: the token list, the query and any wait share it.
)";

std::optional<std::chrono::seconds> parse_window(std::string_view text) {
  if (text.empty() || text.size() > 32) return std::nullopt;
  std::int64_t total = 0;
  while (!text.empty()) {
    std::int64_t n = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), n);
    if (r.ec != std::errc{} || r.ptr == text.data() || n < 0) return std::nullopt;
    text.remove_prefix(static_cast<std::size_t>(r.ptr - text.data()));
    if (text.empty()) return std::nullopt;  // a unit is required
    std::int64_t unit = 0;
    switch (text.front()) {
      case 's':
        unit = 1;
        break;
      case 'm':
        unit = 60;
        break;
      case 'h':
        unit = 3600;
        break;
      case 'd':
        unit = 86400;
        break;
      default:
        return std::nullopt;
    }
    text.remove_prefix(1);
    if (n > 400LL * 86400) return std::nullopt;
    total += n * unit;
    if (total > 400LL * 86400) return std::nullopt;
  }
  if (total <= 0) return std::nullopt;
  return std::chrono::seconds(total);
}

po::options_description logins_options(LoginsOptions& o) {
  po::options_description group("check_cf_access_logins options");
  // clang-format off
  group.add_options()
    ("since", po::value(&o.since)->value_name("DURATION")->default_value("15m"), "the window: events this long before its end (s, m, h, d: 90s, 15m, 1h30m, 2d)")
    ("until", po::value(&o.until)->value_name("TIME"), "the window's end, for replays: RFC 3339 or a duration ago (default now)")
  ;
  plugin::add_token_selection_options(group, o.selection, "only");
  group.add_options()
    ("warning,w", po::value(&o.warning)->value_name("RANGE"), "Nagios range on failed logins in the window, WARNING outside it")
    ("critical,c", po::value(&o.critical)->value_name("RANGE"), "Nagios range on failed logins in the window, CRITICAL outside it")
    ("allowed-cidr", po::value(&o.allowed_cidrs)->value_name("CIDR")->composing(),
       "network successful logins must come from (repeatable, IPv4 or IPv6); others CRITICAL")
    ("max-logins", po::value<std::int64_t>()->value_name("N"), "WARNING when a token logged in more often in the window")
    ("expect-activity", po::bool_switch(&o.expect_activity), "WARNING when a token did not log in at all in the window")
    ("limit", po::value(&o.limit)->value_name("N")->default_value(kDefaultLimit), "groups one query may return (1..10000)");
  // clang-format on
  plugin::add_min_api_budget_option(group);
  group.add(plugin::api_options(o.api));
  return group;
}

void logins_options_from(const po::variables_map& vm, LoginsOptions& o) {
  plugin::api_options_from(vm, o.api);
  if (vm.count("max-logins") != 0U) o.max_logins = vm["max-logins"].as<std::int64_t>();
  o.min_api_budget = plugin::min_api_budget_of(vm);
}

Expected<LoginsPlan> make_plan(const LoginsOptions& o, const plugin::CommonConfig& common, const EnvLookup& env,
                               std::vector<std::string>* warnings) {
  LoginsPlan plan;
  const auto window = parse_window(o.since);
  if (!window) return make_error("--since must be a duration such as 15m, 1h30m or 2d (at most 400d)");
  plan.window = *window;
  plan.window_text = o.since;
  if (!o.until.empty()) {
    if (auto at = cloudflare::parse_rfc3339(o.until)) {
      plan.until_at = *at;
    } else if (auto ago = parse_window(o.until)) {
      plan.until_ago = *ago;
    } else {
      return make_error("--until must be an RFC 3339 time (2026-01-01T12:00:00Z) or a duration ago (1h)");
    }
  }
  if (auto e = parse_thresholds(o.warning, o.critical, plan.warning_failures, plan.critical_failures)) return *e;
  for (const auto& text : o.allowed_cidrs) {
    auto c = parse_cidr(text);
    if (!c) return make_error("--allowed-cidr: " + c.error().message);
    plan.allowed.push_back(*c);
  }
  if (o.max_logins) {
    if (*o.max_logins < 0) return make_error("--max-logins must be 0 or more");
    plan.max_logins = o.max_logins;
  }
  plan.expect_activity = o.expect_activity;
  if (o.limit < 1 || o.limit > kDefaultLimit) return make_error("--limit must be between 1 and 10000");
  plan.limit = o.limit;
  if (auto e = plugin::check_min_api_budget(o.min_api_budget)) return *e;
  plan.min_api_budget = o.min_api_budget;

  if (auto e = plugin::plan_selection_and_api(o.selection, o.api, common, env, warnings, plan.selectors, plan.api)) {
    return *e;
  }
  return plan;
}

}  // namespace cfmon::logins
