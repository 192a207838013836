#pragma once
// What every check binary shares: the common option group, the output formats,
// and the main() frame (parse -> run -> format -> print -> exit code, with one
// catch-all that turns anything unexpected into UNKNOWN).
#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cfmon/expected.hpp"
#include "cfmon/http.hpp"
#include "cfmon/result.hpp"

namespace cfmon::plugin {

enum class OutputFormat { nagios, influx, zabbix, json, openmetrics };

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

// Validates the shared options (format name, timeout range, -4/-6, --resolve) and completes
// them: the format as an enum, the default User-Agent. No I/O.
std::optional<Error> validate_common(CommonConfig& config);

// The transport settings of the shared options (--resolve, --ca-file, -k, -4/-6, -A), for
// the HTTP client's constructor; after validate_common (or the CLI's own default) the user
// agent is set.
http::Transport transport_of(const CommonConfig& config);

// Renders a report in the chosen format.
FormattedOutput render(const Report& report, OutputFormat format);

// A report that says UNKNOWN with a one-line reason (usage and config errors).
Report unknown_report(const std::string& label, const std::string& measurement, const std::string& reason,
                      const std::string& message);

// Counts and removes -v, -vv, -vvv, --verbose from the arguments (program_options cannot
// count); at most 3. Every binary of the family uses it, the admin CLI included.
std::vector<std::string> take_verbosity(const std::vector<std::string>& args, int& verbosity);
std::vector<std::string> take_verbosity(int argc, char** argv, int& verbosity);

// The lines every check's --help ends its own text with: exit codes and what the
// Zabbix and Influx formats do with them.
extern const char* const kExitCodesHelp;

// A check's --help epilogue: its own text, the exit codes, then (after a blank line)
// `appendix` when there is one (the API credential lookup of the API checks).
std::string help_epilog(std::string_view check_text, std::string_view appendix = {});

// The one option style of the family: long options spelled out in full (an abbreviation
// such as --crit would silently change its meaning when a later option shares the prefix).
int command_line_style();

// What --discover found: one row per item, each a list of (key, value) pairs with
// upper-case keys ("NAME", "URL"), in the order the check lists them.
struct Discovery {
  std::vector<std::vector<std::pair<std::string, std::string>>> rows;
};

// Discovery through the formatter layer: zabbix -> low-level discovery JSON, json -> an
// array of objects with lower-case keys, nagios -> one line naming what was found, influx and
// openmetrics -> UNKNOWN (discovery has no line-protocol or metrics form). An error is UNKNOWN `discovery_failed` in
// the chosen format (for Zabbix never an empty array: that would drop every discovered item).
FormattedOutput render_discovery(const Expected<Discovery>& found, const std::string& label,
                                 const std::string& measurement, OutputFormat format);

struct PluginInfo {
  std::string program;      // "check_cf_access"
  std::string label;        // "CF-ACCESS"
  std::string measurement;  // "cf_access"
  std::string summary;      // one line for --help
  std::string usage;        // short usage, lines within 80 columns
  std::string help_epilog;  // text after the options in --help
};

// The outcome of a check's prepare step: what to run, the check or its discovery.
struct Prepared {
  std::function<Report()> run;                    // runs the check (may do I/O)
  std::function<Expected<Discovery>()> discover;  // set instead of run for --discover
};

// main() frame. `prepare` turns the parsed options into a runnable check or returns an
// Error (UNKNOWN config_error). The report's label and measurement are the info's: a
// check declares them once, in its descriptor (check.hpp).
int run_main(int argc, char** argv, const PluginInfo& info, CommonConfig& common,
             boost::program_options::options_description& own_options,
             const std::function<Expected<Prepared>(const boost::program_options::variables_map&)>& prepare);

}  // namespace cfmon::plugin
