// check_cf_access: parse, run, format, exit. Everything else lives in the core.
#include <iostream>

#include "access_options.hpp"
#include "zabbix_formatter.hpp"

namespace po = boost::program_options;

namespace {

void print_to_stderr(std::string_view line) { std::cerr << line << '\n'; }

}  // namespace

int main(int argc, char** argv) {
  using namespace cfmon;
  const plugin::PluginInfo info{"check_cf_access", "CF-ACCESS", "cf_access",
                                "probe apps behind Cloudflare Access with a service token", access::kUsage,
                                access::kHelpEpilog};
  plugin::CommonConfig common;
  access::AccessOptions options;
  auto own = access::access_options(options);

  return plugin::run_main(argc, argv, info, common, own, [&](const po::variables_map& vm) -> Expected<plugin::Parsed> {
    if (vm.count("targets-file") != 0U) options.targets_file = vm["targets-file"].as<std::string>();
    if (vm.count("client-id") != 0U) options.client_id = vm["client-id"].as<std::string>();
    if (vm.count("client-secret-file") != 0U) options.client_secret_file = vm["client-secret-file"].as<std::string>();

    if (options.discover) {
      auto targets = access::resolve_targets(options);
      if (!targets) return targets.error();
      std::vector<std::vector<std::pair<std::string, std::string>>> entries;
      for (const auto& t : *targets) entries.push_back({{"NAME", t.name}, {"URL", t.url}});
      return plugin::Parsed{nullptr, [entries] { return zabbix::format_discovery(entries); }};
    }

    std::vector<std::string> warnings;
    auto plan = access::make_plan(options, common, process_environment(), &warnings);
    if (!plan) return plan.error();
    // At every verbosity: the operator asked for it, but must not forget it.
    for (const auto& url : plan->insecure_targets) {
      std::cerr << "warning: --allow-insecure-http: the service token goes unencrypted to " << url << '\n';
    }
    if (common.verbosity >= 1) {
      for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
      std::cerr << "credentials: " << plan->token.origin << '\n';
    }
    if (common.verbosity >= 2) {
      for (const auto& t : plan->targets) std::cerr << "target " << t.name << ": " << t.url << '\n';
    }
    return plugin::Parsed{[plan = std::move(*plan), verbosity = common.verbosity]() {
                            http::CurlClient client(verbosity, verbosity >= 3 ? &print_to_stderr : nullptr);
                            return access::run_access_check(plan, client);
                          },
                          nullptr};
  });
}
