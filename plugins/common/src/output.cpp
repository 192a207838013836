#include <cctype>
#include <cstdio>
#include <exception>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cfmon/json_formatter.hpp"
#include "cfmon/plugin.hpp"
#include "cfmon/version.hpp"
#include "line_protocol.hpp"
#include "nagios_formatter.hpp"
#include "prometheus_formatter.hpp"
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
  if (value == "openmetrics") return OutputFormat::openmetrics;
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
    case OutputFormat::openmetrics:
      return prometheus::format(report);
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

namespace {

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

}  // namespace

FormattedOutput render_discovery(const Expected<Discovery>& found, const std::string& label,
                                 const std::string& measurement, OutputFormat format) {
  if (!found) return render(unknown_report(label, measurement, "discovery_failed", found.error().message), format);
  switch (format) {
    case OutputFormat::zabbix:
      return zabbix::format_discovery(found->rows);
    case OutputFormat::json: {
      auto array = nlohmann::ordered_json::array();
      for (const auto& row : found->rows) {
        auto object = nlohmann::ordered_json::object();
        for (const auto& [key, value] : row) object[lower(key)] = value;
        array.push_back(std::move(object));
      }
      return {array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n", 0};
    }
    case OutputFormat::nagios: {
      std::string text = label + " OK - discovered " + std::to_string(found->rows.size());
      std::string separator = ": ";
      for (const auto& row : found->rows) {
        if (row.empty()) continue;
        text += separator + nagios::sanitize_text(row.front().second);
        separator = ", ";
      }
      return {text + "\n", 0};
    }
    case OutputFormat::influx:
    case OutputFormat::openmetrics:
      break;
  }
  return render(unknown_report(label, measurement, "usage_error",
                               "--discover has no line-protocol or metrics form: use --format zabbix or json"),
                format);
}

int run_main(int argc, char** argv, const PluginInfo& info, CommonConfig& common, po::options_description& own_options,
             const std::function<Expected<Prepared>(const po::variables_map&)>& prepare) {
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
      po::store(po::command_line_parser(args).options(all).style(command_line_style()).run(), vm);
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

    auto prepared = prepare(vm);
    if (!prepared) return print_unknown(info, format, "config_error", prepared.error().message);
    if (prepared->discover) {
      const auto out = render_discovery(prepared->discover(), info.label, info.measurement, format);
      write_stdout(out.text);
      return out.exit_code;
    }
    Report report = prepared->run();
    report.label = info.label;
    report.measurement = info.measurement;
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
