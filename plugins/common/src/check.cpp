#include "cfmon/check.hpp"

#include <iostream>

namespace cfmon::plugin {

namespace {

void print_to_stderr(std::string_view line) {
  std::cerr << line << '\n';
}

}  // namespace

void with_real_deps(const CommonConfig& common, const std::function<void(Deps&)>& body) {
  http::CurlClient client(transport_of(common), common.verbosity, common.verbosity >= 3 ? &print_to_stderr : nullptr);
  Deps deps{client, common.verbosity, [] { return std::chrono::system_clock::now(); }, nullptr, nullptr};
  if (common.verbosity >= 1) deps.log = &print_to_stderr;
  if (common.format != OutputFormat::zabbix)
    deps.warn = [](std::string_view line) { std::cerr << "warning: " << line << '\n'; };
  body(deps);
}

void announce_warnings(const std::vector<std::string>& warnings, int verbosity) {
  if (verbosity < 1) return;
  for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';
}

}  // namespace cfmon::plugin
