// check_cf_access_logins: parse, run, format, exit. Everything else lives in the core.
#include <iostream>

#include "cfmon/graphql_cache.hpp"
#include "logins_options.hpp"

namespace po = boost::program_options;

namespace {

void print_to_stderr(std::string_view line) { std::cerr << line << '\n'; }

}  // namespace

int main(int argc, char** argv) {
  using namespace cfmon;
  const plugin::PluginInfo info{"check_cf_access_logins", "CF-LOGINS", "cf_access_logins",
                                "watch Cloudflare Access service-token logins: foreign addresses, failures, volume, silence",
                                logins::kUsage, std::string(logins::kHelpEpilog) + plugin::kApiCredentialsHelp};
  plugin::CommonConfig common;
  logins::LoginsOptions options;
  auto own = logins::logins_options(options);

  return plugin::run_main(argc, argv, info, common, own, [&](const po::variables_map& vm) -> Expected<plugin::Parsed> {
    logins::logins_options_from(vm, options);
    std::vector<std::string> warnings;
    auto plan = logins::make_plan(options, common, process_environment(), &warnings);
    if (!plan) return plan.error();
    if (common.verbosity >= 1) {
      for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
    }
    cloudflare::ApiHooks hooks;
    if (common.verbosity >= 1) hooks.log = [](std::string_view line) { std::cerr << line << '\n'; };
    const int verbosity = common.verbosity;
    return plugin::Parsed{[plan = std::move(*plan), hooks, verbosity]() {
                            http::CurlClient client(verbosity, verbosity >= 3 ? &print_to_stderr : nullptr);
                            const auto settings = cloudflare::for_whole_run(plan.api);
                            cloudflare::ApiClient api(client, settings, hooks);
                            cloudflare::GraphqlCache cached(api, settings, hooks);
                            return logins::run_logins_check(plan, api, cached, std::chrono::system_clock::now());
                          },
                          nullptr};
  });
}
