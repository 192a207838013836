#include "tokens_descriptor.hpp"

#include "cfmon/api_budget.hpp"

namespace cfmon::tokens {
namespace {

Report run(const TokensPlan& plan, plugin::Deps& deps) {
  cloudflare::ApiClient api(deps.http, cloudflare::for_whole_run(plan.api), plugin::api_hooks(deps));
  auto report = run_tokens_check(plan, api, deps.now());
  plugin::judge_api_budget(report.root, api.budget(), api.requests_sent(), plan.min_api_budget);
  return report;
}

Expected<plugin::Discovery> discover(const TokensPlan& plan, plugin::Deps& deps) {
  cloudflare::ApiClient api(deps.http, cloudflare::for_whole_run(plan.api), plugin::api_hooks(deps));
  auto tokens = discover_tokens(plan, api);
  if (!tokens) return tokens.error();
  plugin::Discovery found;
  for (const auto& t : *tokens) {
    found.rows.push_back({{"TOKEN_NAME", t.name}, {"TOKEN_ID", t.id}, {"CLIENT_ID", t.client_id}});
  }
  return found;
}

}  // namespace

const plugin::CheckDescriptor<TokensOptions, TokensPlan>& descriptor() {
  static const plugin::CheckDescriptor<TokensOptions, TokensPlan> check{
      .info = {"check_cf_service_tokens", "CF-TOKENS", "cf_service_token",
               "watch Cloudflare Access service tokens: expiry, last use, disabled, missing", kUsage,
               plugin::help_epilog(kHelpEpilog, plugin::kApiCredentialsHelp)},
      .options = &tokens_options,
      .options_from = &tokens_options_from,
      .make_plan = &make_plan,
      .run = &run,
      .discover = &discover,
      .discovering = [](const TokensOptions& options) { return options.discover; },
  };
  return check;
}

}  // namespace cfmon::tokens
