#pragma once
// What every check binary shares: the common option group, the output formats,
// and the main() frame (parse -> run -> format -> print -> exit code, with one
// catch-all that turns anything unexpected into UNKNOWN).
#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/expected.hpp"
#include "cfmon/result.hpp"

namespace cfmon::plugin {

enum class OutputFormat { nagios, influx, zabbix, json };

struct CommonConfig {
  bool help = false;
  bool version = false;
  int verbosity = 0;                   // -v, repeatable, 0..3
  double timeout_seconds = 10.0;       // -t
  std::string format_text = "nagios";  // --format
  OutputFormat format = OutputFormat::nagios;
  std::optional<std::string> env_file;
  std::string ca_file;
  bool insecure = false;
  std::vector<std::string> resolve;
  bool ipv4 = false;
  bool ipv6 = false;
  std::string user_agent;
  bool allow_shared_files = false;  // --allow-shared-files
};

// Keeps secrets out of core dumps and away from other processes of the same user:
// PR_SET_DUMPABLE 0 (no core, no ptrace, /proc/<pid>/mem and environ root-only) and
// RLIMIT_CORE 0. The first thing every binary's main does (run_main, cf-service-token).
void harden_process() noexcept;

// check_file_trust() for every file option given in `vm` that decides where a secret
// goes: --targets-file, --env-file, --client-secret-file, --api-token-file.
// Readable secret files add to `warnings`, which callers print at every verbosity.
// Then --ca-file: a regular file, opened without blocking (a FIFO or /dev/zero is an error).
std::optional<Error> check_input_files(const boost::program_options::variables_map& vm, bool allow_shared,
                                       std::vector<std::string>& warnings);

// The shared option group, bound to `config`.
boost::program_options::options_description common_options(CommonConfig& config);

// Pure validation of the shared options (format name, timeout range, --resolve).
std::optional<Error> validate_common(CommonConfig& config);

// Renders a report in the chosen format.
FormattedOutput render(const Report& report, OutputFormat format);

// A report that says UNKNOWN with a one-line reason (usage and config errors).
Report unknown_report(const std::string& label, const std::string& measurement, const std::string& reason,
                      const std::string& message);

// Counts and removes -v, -vv, -vvv, --verbose from argv (program_options cannot count).
std::vector<std::string> take_verbosity(int argc, char** argv, int& verbosity);

struct PluginInfo {
  std::string program;      // "check_cf_access"
  std::string label;        // "CF-ACCESS"
  std::string measurement;  // "cf_access"
  std::string summary;      // one line for --help
  std::string usage;        // short usage, <= 80 columns per line
  std::string help_epilog;  // text after the options in --help
};

// The outcome of a check's parse step: either a report builder or an early exit.
struct Parsed {
  std::function<Report()> run;                     // runs the check (may do I/O)
  std::function<FormattedOutput()> direct_output;  // set instead of run for e.g. --discover
};

// main() frame. `parse` turns argv (verbosity already removed) into a runnable
// check or throws boost::program_options errors / returns an Error for UNKNOWN.
int run_main(int argc, char** argv, const PluginInfo& info, CommonConfig& common,
             boost::program_options::options_description& own_options,
             const std::function<Expected<Parsed>(const boost::program_options::variables_map&)>& prepare);

}  // namespace cfmon::plugin
