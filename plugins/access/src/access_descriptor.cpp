#include "access_descriptor.hpp"

#include <iostream>

namespace po = boost::program_options;

namespace cfmon::access {
namespace {

void options_from(const po::variables_map& vm, AccessOptions& options) {
  if (vm.count("targets-file") != 0U) options.targets_file = vm["targets-file"].as<std::string>();
  if (vm.count("client-id") != 0U) options.client_id = vm["client-id"].as<std::string>();
  if (vm.count("client-secret-file") != 0U) options.client_secret_file = vm["client-secret-file"].as<std::string>();
  plugin::api_options_from(vm, options.api);
}

// --discover lists the targets only: it needs no credentials.
Expected<AccessPlan> plan_of(const AccessOptions& options, const plugin::CommonConfig& common, const EnvLookup& env,
                             std::vector<std::string>* warnings) {
  if (!options.discover) return make_plan(options, common, env, warnings);
  auto targets = resolve_targets(options);
  if (!targets) return targets.error();
  AccessPlan plan;
  plan.targets = std::move(*targets);
  return plan;
}

void announce(const AccessPlan& plan, const std::vector<std::string>& warnings, int verbosity) {
  // At every verbosity: the operator asked for it, but must not forget it.
  for (const auto& url : plan.insecure_targets) {
    std::cerr << "warning: --allow-insecure-http: the service token goes unencrypted to " << url << '\n';
  }
  if (plan.token.origin.empty()) return;  // --discover: no credentials were read
  if (verbosity >= 1) {
    plugin::announce_warnings(warnings, verbosity);
    std::cerr << "credentials: " << plan.token.origin << '\n';
  }
  if (verbosity >= 2) {
    for (const auto& t : plan.targets) std::cerr << "target " << t.name << ": " << t.url << '\n';
  }
}

Report run(const AccessPlan& plan, plugin::Deps& deps) {
  const auto now = deps.now ? deps.now() : std::chrono::system_clock::now();
  if (!plan.explain) return run_access_check(plan, deps.http, now);
  // The same -t bounds the probes and the explanations after them.
  cloudflare::ApiClient api(deps.http, cloudflare::for_whole_run(*plan.explain), plugin::api_hooks(deps));
  Explainer explainer(api, api, api, plan.token.client_id, now);
  return run_access_check(plan, deps.http, now, &explainer);
}

Expected<plugin::Discovery> discover(const AccessPlan& plan, plugin::Deps& /*deps*/) {
  plugin::Discovery found;
  for (const auto& t : plan.targets) found.rows.push_back({{"NAME", t.name}, {"URL", t.url}});
  return found;
}

}  // namespace

const plugin::CheckDescriptor<AccessOptions, AccessPlan>& descriptor() {
  static const plugin::CheckDescriptor<AccessOptions, AccessPlan> check{
      .info = {"check_cf_access", "CF-ACCESS", "cf_access", "probe apps behind Cloudflare Access with a service token",
               kUsage, plugin::help_epilog(kHelpEpilog)},
      .options = &access_options,
      .options_from = &options_from,
      .make_plan = &plan_of,
      .run = &run,
      .discover = &discover,
      .discovering = [](const AccessOptions& options) { return options.discover; },
      .announce = &announce,
  };
  return check;
}

}  // namespace cfmon::access
