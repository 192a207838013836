#include "apps_options.hpp"

#include "cfmon/targets.hpp"

namespace po = boost::program_options;

namespace cfmon::apps {

const char* const kUsage = R"(Usage: check_cf_access_apps [--app NAME ...] [--domain HOST[/PATH] ...]
         [--targets-file FILE] [--orphans]
         (--env-file FILE | --client-id ID | --name NAME | --id ID)
         [--api-token-file FILE] [--account-id ID]
         [--cache-ttl SECONDS] [--format nagios|influx|zabbix|json|openmetrics]
)";

const char* const kHelpEpilog =
    R"(Selection: --app (by name), --domain (the most specific application covering the
hostname and path, as Access picks it) and --targets-file (every URL of check_cf_access's
targets file) are repeatable and add up; nothing selected: every self-hosted application.
The token judged is the one of --env-file (its CF_SERVICE_TOKEN_CLIENT_ID<SUFFIX>),
--client-id, --name or --id: exactly one.

States, per application (the worst wins): CRITICAL no_access_app (a selected hostname
is covered by no Access application, or no application has that name),
open_to_everyone (a Bypass policy includes everyone, 0.0.0.0/0 or ::/0) and
token_not_allowed (no Service Auth policy includes the token without excluding it: the
probe will be redirected or refused); WARNING token_only_in_allow (the token is named
only in an Allow policy), any_service_token (the app admits any valid service token)
and allow_everyone (an Allow policy includes everyone); OK naming the Service Auth
policy that admits the token. --orphans adds a child: WARNING orphan_tokens, the service
tokens no policy names. API errors, an empty list and unreadable policies UNKNOWN.
-t is the budget of the whole run: every page and any wait share it. The API token
needs Access: Apps and Policies Read and Access: Service Tokens Read.
)";

po::options_description apps_options(AppsOptions& o) {
  po::options_description group("check_cf_access_apps options");
  // clang-format off
  plugin::add_token_selection_options(group, o.selection, "judge");
  group.add_options()
    ("app", po::value(&o.app_names)->value_name("NAME")->composing(), "audit the Access application of this name (repeatable)")
    ("domain", po::value(&o.domains)->value_name("HOST[/PATH]")->composing(),
       "audit the application Access picks for this hostname and path (repeatable)")
    ("targets-file", po::value<std::string>()->value_name("FILE"),
       "audit the application of every URL of this file (check_cf_access's format)")
    ("orphans", po::bool_switch(&o.orphans), "WARNING for service tokens that no policy names")
    ("discover", po::bool_switch(&o.discover), "list the selected applications (Zabbix LLD with --format zabbix)");
  // clang-format on
  group.add(plugin::api_options(o.api));
  return group;
}

void apps_options_from(const po::variables_map& vm, AppsOptions& o) {
  plugin::api_options_from(vm, o.api);
  if (vm.count("targets-file") != 0U) o.targets_file = vm["targets-file"].as<std::string>();
}

Expected<AppsPlan> make_plan(const AppsOptions& o, const plugin::CommonConfig& common, const EnvLookup& env,
                             std::vector<std::string>* warnings) {
  AppsPlan plan;
  plan.orphans = o.orphans;
  for (const auto& name : o.app_names) {
    if (name.empty()) return make_error("--app needs a non-empty application name");
    plan.app_names.push_back(name);
  }
  for (const auto& domain : o.domains) {
    auto location = location_of(domain, domain);
    if (!location || location->host.find_first_of(" \t") != std::string::npos) {
      return make_error("--domain needs a hostname with an optional path, such as app.example.com/admin");
    }
    plan.locations.push_back(std::move(*location));
  }
  if (o.targets_file) {
    auto targets = read_targets_file(*o.targets_file);
    if (!targets) return targets.error();
    for (const auto& target : *targets) {
      auto location = location_of(target.name, target.url);
      if (!location)
        return make_error("targets file '" + *o.targets_file + "': target " + target.name + " has no host");
      plan.locations.push_back(std::move(*location));
    }
  }
  std::vector<plugin::TokenSelector> selectors;
  if (auto e = plugin::plan_selection_and_api(o.selection, o.api, common, env, warnings, selectors, plan.api)) {
    return *e;
  }
  if (selectors.size() != 1) {
    return make_error(selectors.empty() ? "select the token to judge: --env-file, --client-id, --name or --id"
                                        : "select exactly one token to judge (--env-file's client ID counts as one)");
  }
  plan.token = selectors[0];
  return plan;
}

}  // namespace cfmon::apps
