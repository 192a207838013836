#pragma once
// The check contract: what a check of the family declares, and the one main() that runs it.
//
//   argv -> Options (the check's own group + the common group) -> make_plan (pure: validate,
//   resolve credentials) -> run(plan, deps) -> Report -> formatter -> stdout + exit code
//
// A check exports one CheckDescriptor (its info, options, make_plan, run and optionally
// discover) and its main.cpp is `return cfmon::plugin::run_check(argc, argv, descriptor);`.
// Everything with side effects (HTTP client, clock, stderr log) reaches `run` through Deps,
// so tests hand a check fakes instead.
#include <boost/program_options.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/credentials.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/http.hpp"
#include "cfmon/plugin.hpp"
#include "cfmon/result.hpp"

namespace cfmon::plugin {

// What a check may use besides its plan.
struct Deps {
  http::Client& http;
  int verbosity = 0;                                           // -v count, 0..3
  std::function<std::chrono::system_clock::time_point()> now;  // the wall clock
  std::function<void(std::string_view)> log;                   // stderr at -v; empty = silent
  // A warning the user must see at any verbosity (the API cache is off): stderr, but
  // silent with --format zabbix, whose agent and external checks read stderr as the value.
  std::function<void(std::string_view)> warn;
};

template <class Options, class Plan>
struct CheckDescriptor {
  PluginInfo info;  // program, label, measurement: declared here and nowhere else
  boost::program_options::options_description (*options)(Options&) = nullptr;
  // Optional: values the option group cannot bind directly (optional<>, notifiers).
  void (*options_from)(const boost::program_options::variables_map&, Options&) = nullptr;
  // Pure: validates and resolves credentials through `env`; file warnings go to `warnings`.
  Expected<Plan> (*make_plan)(const Options&, const CommonConfig&, const EnvLookup& env,
                              std::vector<std::string>* warnings) = nullptr;
  Report (*run)(const Plan&, Deps&) = nullptr;
  // Optional: --discover (when `discovering(options)` says so).
  Expected<Discovery> (*discover)(const Plan&, Deps&) = nullptr;
  bool (*discovering)(const Options&) = nullptr;
  // Optional: stderr notes once the plan is made (warnings, credential origins at -v).
  void (*announce)(const Plan&, const std::vector<std::string>& warnings, int verbosity) = nullptr;
};

// Runs `body` with the real dependencies: a CurlClient built from the common options'
// transport settings, the system clock, stderr as the log at -v.
void with_real_deps(const CommonConfig& common, const std::function<void(Deps&)>& body);

// The notes every check prints the same way: file warnings at -v.
void announce_warnings(const std::vector<std::string>& warnings, int verbosity);

template <class Options, class Plan>
int run_check(int argc, char** argv, const CheckDescriptor<Options, Plan>& check) {
  CommonConfig common;
  Options options;
  auto own = check.options(options);
  return run_main(
      argc, argv, check.info, common, own, [&](const boost::program_options::variables_map& vm) -> Expected<Prepared> {
        if (check.options_from != nullptr) check.options_from(vm, options);
        std::vector<std::string> warnings;
        auto plan = check.make_plan(options, common, process_environment(), &warnings);
        if (!plan) return plan.error();
        if (check.announce != nullptr) {
          check.announce(*plan, warnings, common.verbosity);
        } else {
          announce_warnings(warnings, common.verbosity);
        }
        auto shared = std::make_shared<const Plan>(std::move(*plan));
        if (check.discover != nullptr && check.discovering != nullptr && check.discovering(options)) {
          return Prepared{nullptr, [shared, &check, &common] {
                            Expected<Discovery> found = Discovery{};
                            with_real_deps(common, [&](Deps& deps) { found = check.discover(*shared, deps); });
                            return found;
                          }};
        }
        return Prepared{[shared, &check, &common] {
                          Report report;
                          with_real_deps(common, [&](Deps& deps) { report = check.run(*shared, deps); });
                          return report;
                        },
                        nullptr};
      });
}

}  // namespace cfmon::plugin
