// check_cf_service_tokens: parse, run, format, exit. Everything else lives in the core.
#include <iostream>

#include "tokens_options.hpp"
#include "zabbix_formatter.hpp"

namespace po = boost::program_options;

namespace {

void print_to_stderr(std::string_view line) {
  std::cerr << line << '\n';
}

}  // namespace

int main(int argc, char** argv) {
  using namespace cfmon;
  const plugin::PluginInfo info{"check_cf_service_tokens",
                                "CF-TOKENS",
                                "cf_service_token",
                                "watch Cloudflare Access service tokens: expiry, last use, disabled, missing",
                                tokens::kUsage,
                                std::string(tokens::kHelpEpilog) + plugin::kApiCredentialsHelp};
  plugin::CommonConfig common;
  tokens::TokensOptions options;
  auto own = tokens::tokens_options(options);

  return plugin::run_main(argc, argv, info, common, own, [&](const po::variables_map& vm) -> Expected<plugin::Parsed> {
    tokens::tokens_options_from(vm, options);
    std::vector<std::string> warnings;
    auto plan = tokens::make_plan(options, common, process_environment(), &warnings);
    if (!plan) return plan.error();
    if (common.verbosity >= 1) {
      for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
    }
    cloudflare::ApiHooks hooks;
    if (common.verbosity >= 1) hooks.log = [](std::string_view line) { std::cerr << line << '\n'; };
    const int verbosity = common.verbosity;

    if (options.discover) {
      return plugin::Parsed{
          nullptr, [plan = std::move(*plan), hooks, verbosity, &info] {
            http::CurlClient client(verbosity, verbosity >= 3 ? &print_to_stderr : nullptr);
            cloudflare::ApiClient api(client, cloudflare::for_whole_run(plan.api), hooks);
            auto found = tokens::discover_tokens(plan, api);
            if (!found) {
              // Not an empty array: that would make Zabbix drop every discovered item.
              return plugin::render(
                  plugin::unknown_report(info.label, info.measurement, "discovery_failed", found.error().message),
                  plugin::OutputFormat::zabbix);
            }
            std::vector<std::vector<std::pair<std::string, std::string>>> entries;
            for (const auto& t : *found) {
              entries.push_back({{"TOKEN_NAME", t.name}, {"TOKEN_ID", t.id}, {"CLIENT_ID", t.client_id}});
            }
            return zabbix::format_discovery(entries);
          }};
    }
    return plugin::Parsed{[plan = std::move(*plan), hooks, verbosity]() {
                            http::CurlClient client(verbosity, verbosity >= 3 ? &print_to_stderr : nullptr);
                            const auto settings = cloudflare::for_whole_run(plan.api);
                            cloudflare::ApiClient api(client, settings, hooks);
                            return tokens::run_tokens_check(plan, api, std::chrono::system_clock::now());
                          },
                          nullptr};
  });
}
