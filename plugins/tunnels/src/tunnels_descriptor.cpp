#include "tunnels_descriptor.hpp"

namespace cfmon::tunnels {
namespace {

Report run(const TunnelsPlan& plan, plugin::Deps& deps) {
  cloudflare::ApiClient api(deps.http, cloudflare::for_whole_run(plan.api), plugin::api_hooks(deps));
  return run_tunnels_check(plan, api, deps.now());
}

Expected<plugin::Discovery> discover(const TunnelsPlan& plan, plugin::Deps& deps) {
  cloudflare::ApiClient api(deps.http, cloudflare::for_whole_run(plan.api), plugin::api_hooks(deps));
  auto tunnels = discover_tunnels(plan, api);
  if (!tunnels) return tunnels.error();
  plugin::Discovery found;
  for (const auto& t : *tunnels) found.rows.push_back({{"TUNNEL_NAME", t.name}, {"TUNNEL_ID", t.id}});
  return found;
}

}  // namespace

const plugin::CheckDescriptor<TunnelsOptions, TunnelsPlan>& descriptor() {
  static const plugin::CheckDescriptor<TunnelsOptions, TunnelsPlan> check{
      .info = {"check_cf_tunnels", "CF-TUNNELS", "cf_tunnel",
               "watch Cloudflare Tunnels: down, inactive, degraded, connections, connectors, cloudflared versions",
               kUsage, plugin::help_epilog(kHelpEpilog, plugin::kApiCredentialsHelp)},
      .options = &tunnels_options,
      .options_from = &tunnels_options_from,
      .make_plan = &make_plan,
      .run = &run,
      .discover = &discover,
      .discovering = [](const TunnelsOptions& options) { return options.discover; },
  };
  return check;
}

}  // namespace cfmon::tunnels
