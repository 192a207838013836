#include "apps_descriptor.hpp"

namespace cfmon::apps {
namespace {

Report run(const AppsPlan& plan, plugin::Deps& deps) {
  cloudflare::ApiClient api(deps.http, cloudflare::for_whole_run(plan.api), plugin::api_hooks(deps));
  return run_apps_check(plan, api, api);
}

Expected<plugin::Discovery> discover(const AppsPlan& plan, plugin::Deps& deps) {
  cloudflare::ApiClient api(deps.http, cloudflare::for_whole_run(plan.api), plugin::api_hooks(deps));
  auto apps = discover_apps(plan, api);
  if (!apps) return apps.error();
  plugin::Discovery found;
  for (const auto& a : *apps) {
    found.rows.push_back({{"APP_NAME", a.name}, {"APP_ID", a.id}, {"APP_DOMAIN", a.domain}, {"APP_AUD", a.aud}});
  }
  return found;
}

}  // namespace

const plugin::CheckDescriptor<AppsOptions, AppsPlan>& descriptor() {
  static const plugin::CheckDescriptor<AppsOptions, AppsPlan> check{
      .info = {"check_cf_access_apps", "CF-ACCESS-APPS", "cf_access_app",
               "judge Cloudflare Access applications and policies: is the token allowed, is any app open", kUsage,
               plugin::help_epilog(kHelpEpilog, plugin::kApiCredentialsHelp)},
      .options = &apps_options,
      .options_from = &apps_options_from,
      .make_plan = &make_plan,
      .run = &run,
      .discover = &discover,
      .discovering = [](const AppsOptions& options) { return options.discover; },
  };
  return check;
}

}  // namespace cfmon::apps
