#include "logins_descriptor.hpp"

#include "cfmon/api_budget.hpp"
#include "cfmon/graphql_cache.hpp"

namespace cfmon::logins {
namespace {

Report run(const LoginsPlan& plan, plugin::Deps& deps) {
  const auto settings = cloudflare::for_whole_run(plan.api);
  const auto hooks = plugin::api_hooks(deps);
  cloudflare::ApiClient api(deps.http, settings, hooks);
  cloudflare::GraphqlCache cached(api, settings, hooks);
  auto report = run_logins_check(plan, api, cached, deps.now());
  plugin::judge_api_budget(report.root, api.budget(), api.requests_sent(), plan.min_api_budget);
  return report;
}

}  // namespace

const plugin::CheckDescriptor<LoginsOptions, LoginsPlan>& descriptor() {
  static const plugin::CheckDescriptor<LoginsOptions, LoginsPlan> check{
      .info = {"check_cf_access_logins", "CF-LOGINS", "cf_access_logins",
               "watch Cloudflare Access service-token logins: foreign addresses, failures, volume, silence", kUsage,
               plugin::help_epilog(kHelpEpilog, plugin::kApiCredentialsHelp)},
      .options = &logins_options,
      .options_from = &logins_options_from,
      .make_plan = &make_plan,
      .run = &run,
  };
  return check;
}

}  // namespace cfmon::logins
