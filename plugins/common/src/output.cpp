#include <cstdio>
#include <exception>
#include <iostream>
#include <sstream>

#include "cfmon/json_formatter.hpp"
#include "cfmon/plugin.hpp"
#include "cfmon/version.hpp"
#include "line_protocol.hpp"
#include "nagios_formatter.hpp"
#include "zabbix_formatter.hpp"

namespace po = boost::program_options;

namespace cfmon::plugin {
namespace {

void write_stdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (!text.empty() && text.back() != '\n') std::fputc('\n', stdout);
  std::fflush(stdout);
}

// The format asked for, even when the rest of the command line does not parse,
// so that a Zabbix item gets JSON and Telegraf a line for a usage error too.
OutputFormat format_from_args(const std::vector<std::string>& args) {
  std::string value;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--format" && i + 1 < args.size()) value = args[i + 1];
    if (args[i].rfind("--format=", 0) == 0) value = args[i].substr(9);
  }
  if (value == "influx") return OutputFormat::influx;
  if (value == "zabbix") return OutputFormat::zabbix;
  if (value == "json") return OutputFormat::json;
  return OutputFormat::nagios;
}

int print_unknown(const PluginInfo& info, OutputFormat format, const std::string& reason, const std::string& message) {
  const auto out = render(unknown_report(info.label, info.measurement, reason, message), format);
  write_stdout(out.text);
  return out.exit_code;
}

}  // namespace

FormattedOutput render(const Report& report, OutputFormat format) {
  switch (format) {
    case OutputFormat::nagios:
      return nagios::format(report);
    case OutputFormat::influx:
      return telegraf::format(report);
    case OutputFormat::zabbix:
      return zabbix::format(report);
    case OutputFormat::json:
      return format_json(report);
  }
  return nagios::format(report);
}

Report unknown_report(const std::string& label, const std::string& measurement, const std::string& reason,
                      const std::string& message) {
  Report report;
  report.label = label;
  report.measurement = measurement;
  report.root.state = State::unknown;
  report.root.reason = reason;
  report.root.message = message;
  return report;
}

int run_main(int argc, char** argv, const PluginInfo& info, CommonConfig& common, po::options_description& own_options,
             const std::function<Expected<Parsed>(const po::variables_map&)>& prepare) {
  harden_process();
  std::vector<std::string> args;
  OutputFormat format = OutputFormat::nagios;
  try {
    int verbosity = 0;
    args = take_verbosity(argc, argv, verbosity);
    format = format_from_args(args);

    po::options_description all;
    all.add(own_options).add(common_options(common));
    po::variables_map vm;
    try {
      po::store(po::command_line_parser(args).options(all).run(), vm);
      po::notify(vm);
    } catch (const po::error& e) {
      if (format == OutputFormat::nagios) {
        write_stdout(info.label + " UNKNOWN - " + e.what() + "\n" + info.usage + "Try '" + info.program +
                     " --help' for more.");
        return 3;
      }
      return print_unknown(info, format, "usage_error", e.what());
    }
    common.verbosity = verbosity;
    if (common.help) {
      std::ostringstream help;
      help << info.program << " " << kVersion << " - " << info.summary << "\n\n"
           << info.usage << "\n"
           << all << "\n"
           << info.help_epilog;
      write_stdout(help.str());
      return 3;
    }
    if (common.version) {
      write_stdout(info.program + " " + kVersion);
      return 3;
    }
    if (vm.count("env-file") != 0U) common.env_file = vm["env-file"].as<std::string>();
    // Always an explicit User-Agent: Cloudflare error 1010 blocks some default signatures.
    if (common.user_agent.empty()) common.user_agent = info.program + "/" + kVersion + " (cfmon)";
    if (auto error = validate_common(common)) return print_unknown(info, format, "usage_error", error->message);
    format = common.format;
    std::vector<std::string> warnings;
    const auto untrusted = check_input_files(vm, common.allow_shared_files, warnings);
    for (const auto& w : warnings) std::cerr << "warning: " << w << '\n';  // at every verbosity
    if (untrusted) return print_unknown(info, format, "config_error", untrusted->message);

    auto parsed = prepare(vm);
    if (!parsed) return print_unknown(info, format, "config_error", parsed.error().message);
    if (parsed->direct_output) {
      const auto direct = parsed->direct_output();
      write_stdout(direct.text);
      return direct.exit_code;
    }
    const Report report = parsed->run();
    const auto out = render(report, format);
    write_stdout(out.text);
    return out.exit_code;
  } catch (const std::exception& e) {
    return print_unknown(info, format, "internal_error", std::string("internal error: ") + e.what());
  } catch (...) {
    return print_unknown(info, format, "internal_error", "internal error");
  }
}

}  // namespace cfmon::plugin
