#include <sys/prctl.h>
#include <sys/resource.h>

#include <cmath>

#include "cfmon/credentials.hpp"

#include "cfmon/plugin.hpp"
#include "cfmon/version.hpp"

namespace po = boost::program_options;

namespace cfmon::plugin {

const char* const kExitCodesHelp =
    R"(Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (also for --help and --version).
With --format zabbix or openmetrics the exit code is always 0; with influx, 0 when lines
were written.
)";

std::string help_epilog(std::string_view check_text, std::string_view appendix) {
  std::string text(check_text);
  text += kExitCodesHelp;
  if (!appendix.empty()) text.append("\n").append(appendix);
  return text;
}

po::options_description common_options(CommonConfig& c) {
  po::options_description group("Common options");
  // clang-format off
  group.add_options()
    ("help,h", po::bool_switch(&c.help), "print this help and exit (state UNKNOWN, exit 3)")
    ("version,V", po::bool_switch(&c.version), "print the version and exit (exit 3)")
    ("verbose,v", "more detail on stderr; repeat up to -vvv (3 = redacted HTTP trace)")
    ("timeout,t", po::value(&c.timeout_seconds)->value_name("SECONDS")->default_value(10.0, "10"),
       "timeout in seconds, connect included (at least 0.001; check_cf_access: the whole run)")
    ("format", po::value(&c.format_text)->value_name("FORMAT")->default_value("nagios"), "output: nagios|influx|zabbix|json|openmetrics")
    ("env-file", po::value<std::string>()->value_name("FILE"), "dotenv file with credentials (never executed)")
    ("ca-file", po::value(&c.ca_file)->value_name("FILE"), "CA bundle (PEM) to verify TLS with")
    ("insecure,k", po::bool_switch(&c.insecure), "do not verify TLS certificates")
    ("resolve", po::value(&c.resolve)->value_name("HOST:PORT:ADDR")->composing(), "HOST:PORT:ADDR, as curl --resolve (repeatable)")
    ("ipv4,4", po::bool_switch(&c.ipv4), "use IPv4 only")
    ("ipv6,6", po::bool_switch(&c.ipv6), "use IPv6 only")
    ("user-agent,A", po::value(&c.user_agent)->value_name("TEXT"), "User-Agent header (default names the plugin and version)")
    ("allow-shared-files", po::bool_switch(&c.allow_shared_files),
       "accept credential and target files that others can write or own");
  // clang-format on
  return group;
}

std::optional<Error> validate_common(CommonConfig& c) {
  if (c.format_text == "nagios") {
    c.format = OutputFormat::nagios;
  } else if (c.format_text == "influx") {
    c.format = OutputFormat::influx;
  } else if (c.format_text == "zabbix") {
    c.format = OutputFormat::zabbix;
  } else if (c.format_text == "json") {
    c.format = OutputFormat::json;
  } else if (c.format_text == "openmetrics") {
    c.format = OutputFormat::openmetrics;
  } else {
    return Error{"--format must be nagios, influx, zabbix, json or openmetrics, not '" + c.format_text + "'"};
  }
  if (!std::isfinite(c.timeout_seconds) || c.timeout_seconds <= 0 || c.timeout_seconds > 3600) {
    return Error{"--timeout must be a number of seconds between 0.001 and 3600"};
  }
  // Below 1 ms the value rounds to 0 ms, which libcurl reads as "no timeout at all".
  if (c.timeout_seconds * 1000.0 < 1.0) {
    return Error{"--timeout must be at least 0.001 seconds (1 ms): shorter rounds to no timeout at all"};
  }
  if (c.ipv4 && c.ipv6) return Error{"-4 and -6 exclude each other"};
  for (const auto& entry : c.resolve) {
    // HOST:PORT:ADDR[,ADDR]; a leading '+' or '-' is curl's own syntax.
    const auto first = entry.find(':');
    const auto second = first == std::string::npos ? std::string::npos : entry.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos || first == 0 || second == first + 1 ||
        second + 1 >= entry.size()) {
      return Error{"--resolve must be HOST:PORT:ADDR, not '" + entry + "'"};
    }
  }
  if (c.user_agent.empty()) {
    c.user_agent = std::string(kProjectName) + "/" + kVersion + " (monitoring; +Cloudflare Access checks)";
  }
  return std::nullopt;
}

http::Transport transport_of(const CommonConfig& config) {
  http::Transport t;
  t.resolve = config.resolve;
  t.ca_file = config.ca_file;
  t.insecure = config.insecure;
  t.ip_version = config.ipv4 ? 4 : (config.ipv6 ? 6 : 0);
  t.user_agent = config.user_agent;
  return t;
}

void harden_process() noexcept {
  (void)::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  const rlimit no_core{0, 0};
  (void)::setrlimit(RLIMIT_CORE, &no_core);
}

std::optional<Error> check_input_files(const po::variables_map& vm, bool allow_shared,
                                       std::vector<std::string>& warnings) {
  struct FileOption {
    const char* name;
    bool holds_secret;
  };
  for (const auto& [name, holds_secret] :
       {FileOption{"targets-file", false}, FileOption{"env-file", true}, FileOption{"client-secret-file", true},
        FileOption{"api-token-file", true}}) {
    if (vm.count(name) == 0U) continue;
    const auto& path = vm[name].as<std::string>();
    if (auto error = check_file_trust(path, std::string("--") + name, holds_secret, allow_shared, &warnings)) {
      return error;
    }
  }
  // Opened without blocking and never read: curl reads it (a FIFO would be drained).
  if (vm.count("ca-file") != 0U && !vm["ca-file"].as<std::string>().empty()) {
    return probe_regular_file(vm["ca-file"].as<std::string>(), "--ca-file", std::size_t{16} * 1024 * 1024);
  }
  return std::nullopt;
}

std::vector<std::string> take_verbosity(const std::vector<std::string>& args, int& verbosity) {
  std::vector<std::string> rest;
  verbosity = 0;
  for (const auto& arg : args) {
    if (arg == "--verbose") {
      ++verbosity;
    } else if (arg.size() >= 2 && arg[0] == '-' && arg[1] == 'v' &&
               arg.find_first_not_of('v', 1) == std::string::npos) {
      verbosity += static_cast<int>(arg.size() - 1);
    } else {
      rest.push_back(arg);
    }
  }
  if (verbosity > 3) verbosity = 3;
  return rest;
}

std::vector<std::string> take_verbosity(int argc, char** argv, int& verbosity) {
  return take_verbosity(std::vector<std::string>(argv + (argc > 0 ? 1 : 0), argv + (argc > 0 ? argc : 0)), verbosity);
}

int command_line_style() {
  namespace style = po::command_line_style;
  return style::default_style & ~style::allow_guessing;
}

}  // namespace cfmon::plugin
