// The Prometheus output (--format openmetrics) and prometheus/ in the real tools from Debian:
// the commands of the shipped systemd service run against the emulator (only their paths
// changed), promtool accepts every file they write, a private prometheus-node-exporter with
// only the textfile collector serves every sample back unchanged, a file replaced by an
// UNKNOWN run shows the check down, and the alerting rules pass promtool's check and their
// unit tests. No HOME anywhere: every path is explicit.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_support.hpp"
#include "grafana_dashboard.hpp"
#include "harness.hpp"

namespace cfmon::testing {
namespace {

const std::string kPromtool = "/usr/bin/promtool";
const std::string kNodeExporter = "/usr/bin/prometheus-node-exporter";
const std::string kDir = source_dir() + "/prometheus";
const std::string kDashboard = kDir + "/grafana-dashboard.json";
const std::map<std::string, std::string> kEnv{{"LANG", "C.UTF-8"}};  // systemd's: no HOME

// One sample as a scraper reads it: name, labels (unescaped), value.
struct Sample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;

  [[nodiscard]] std::string key() const {
    std::string k = name;
    for (const auto& [label, text] : labels) k += "|" + label + "=" + text;
    return k;
  }
};

std::optional<Sample> parse_sample(const std::string& line) {
  Sample s;
  std::size_t i = line.find_first_of("{ ");
  if (i == std::string::npos || i == 0) return std::nullopt;
  s.name = line.substr(0, i);
  if (line[i] == '{') {
    ++i;
    while (i < line.size() && line[i] != '}') {
      const auto eq = line.find("=\"", i);
      if (eq == std::string::npos) return std::nullopt;
      const std::string label = line.substr(i, eq - i);
      std::string value;
      for (i = eq + 2; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          ++i;
          value += line[i] == 'n' ? '\n' : line[i];
        } else {
          value += line[i];
        }
      }
      if (i >= line.size()) return std::nullopt;
      s.labels[label] = value;
      ++i;  // the closing quote
      if (i < line.size() && line[i] == ',') ++i;
    }
    ++i;  // '}'
  }
  if (i >= line.size() || line[i] != ' ') return std::nullopt;
  try {
    s.value = std::stod(line.substr(i + 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return s;
}

// Every sample of an exposition (comments skipped), by key; `lines` gets the HELP lines.
std::map<std::string, Sample> samples_of(const std::string& text, std::vector<std::string>* help = nullptr) {
  std::map<std::string, Sample> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# HELP ", 0) == 0 && help != nullptr) help->push_back(line);
    if (line.empty() || line[0] == '#') continue;
    auto s = parse_sample(line);
    EXPECT_TRUE(s.has_value()) << "unreadable sample: " << line;
    if (s) {
      EXPECT_TRUE(out.emplace(s->key(), *s).second) << "repeated sample: " << line;
    }
  }
  return out;
}

std::optional<double> value(const std::map<std::string, Sample>& samples, const std::string& name,
                            const std::map<std::string, std::string>& labels) {
  const auto it = samples.find(Sample{name, labels, 0}.key());
  if (it == samples.end()) return std::nullopt;
  return it->second.value;
}

// promtool check metrics reads stdin.
RunResult promtool_check_metrics(const std::string& file) {
  return run("/bin/sh", {"-c", "exec " + kPromtool + " check metrics < \"$0\"", file}, kEnv);
}

// The service's ExecStart command lines (continuations joined, the '-' prefix dropped).
std::vector<std::vector<std::string>> exec_starts() {
  const std::string unit = replace_all(slurp(kDir + "/cfmon-textfile.service"), "\\\n", " ");
  std::vector<std::vector<std::string>> out;
  std::istringstream in(unit);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("ExecStart=", 0) != 0) continue;
    line = line.substr(10);
    if (!line.empty() && line[0] == '-') line.erase(0, 1);
    std::istringstream words(line);
    std::vector<std::string> argv;
    for (std::string w; words >> w;) argv.push_back(w);
    out.push_back(argv);
  }
  return out;
}

std::string file_name(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

class NodeExporter {
 public:
  NodeExporter(const std::string& textfile_dir, const std::string& log) : port_(closed_port()) {
    daemon_ = std::make_unique<Daemon>(
        std::vector<std::string>{kNodeExporter, "--collector.disable-defaults", "--collector.textfile",
                                 "--collector.textfile.directory=" + textfile_dir,
                                 "--web.listen-address=127.0.0.1:" + std::to_string(port_)},
        log, kEnv);
    ready_ = wait_until([&] { return scrape().status == 200 || !daemon_->running(); }, std::chrono::seconds(30)) &&
             daemon_->running();
  }
  [[nodiscard]] bool ready() const { return ready_; }
  [[nodiscard]] HttpAnswer scrape() const {
    HttpCall c;
    c.url = "http://127.0.0.1:" + std::to_string(port_) + "/metrics";
    return http(c);
  }

 private:
  int port_;
  std::unique_ptr<Daemon> daemon_;
  bool ready_ = false;
};

TEST(PrometheusService, EachCheckIsWrittenAtomicallyInOpenMetricsWithItsPathsExplicit) {
  const auto commands = exec_starts();
  ASSERT_EQ(commands.size(), 5U);
  std::set<std::string> binaries;
  for (const auto& argv : commands) {
    ASSERT_GE(argv.size(), 3U);
    EXPECT_EQ(argv[0], "/usr/local/bin/cfmon-textfile");
    EXPECT_EQ(argv[1].rfind("/var/lib/prometheus/node-exporter/cfmon_", 0), 0U) << argv[1];
    binaries.insert(file_name(argv[2]));
    std::map<std::string, std::string> options;
    for (std::size_t i = 3; i + 1 < argv.size(); ++i) options[argv[i]] = argv[i + 1];
    EXPECT_EQ(options["--format"], "openmetrics");
    EXPECT_FALSE(options["--env-file"].empty()) << "credentials come from a file, never the command line";
    if (options.count("--cache-ttl") != 0U) {
      EXPECT_FALSE(options["--cache-dir"].empty()) << "no HOME under systemd";
    }
  }
  EXPECT_EQ(binaries, (std::set<std::string>{"check_cf_access", "check_cf_service_tokens", "check_cf_access_logins",
                                             "check_cf_access_apps", "check_cf_tunnels"}));
  const std::string timer = slurp(kDir + "/cfmon-textfile.timer");
  EXPECT_NE(timer.find("OnUnitInactiveSec=1min"), std::string::npos);
}

TEST(PrometheusRules, PromtoolAcceptsThemAndTheirUnitTestsPass) {
  CFMON_REQUIRE_TOOL(kPromtool, "prometheus");
  const auto check = run(kPromtool, {"check", "rules", kDir + "/cfmon_rules.yml"}, kEnv);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  EXPECT_NE(check.out.find("SUCCESS: 6 rules found"), std::string::npos) << check.out;
  const auto test = run(kPromtool, {"test", "rules", kDir + "/cfmon_rules_test.yml"}, kEnv);
  EXPECT_EQ(test.exit_code, 0) << test.out << test.err;
}

TEST(PrometheusDashboard, IsAnImportableDashboardOnItsPrometheusInput) {
  expect_importable_dashboard(nlohmann::json::parse(slurp(kDashboard)), "prometheus");
}

// promtool parses each PromQL expression of the dashboard, as a recording rule's.
TEST(PrometheusDashboard, PromtoolParsesEveryExpression) {
  CFMON_REQUIRE_TOOL(kPromtool, "prometheus");
  const auto dashboard = nlohmann::json::parse(slurp(kDashboard));
  std::string rules = "groups:\n  - name: cfmon_dashboard\n    rules:\n";
  std::size_t n = 0;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets")) {
      // A JSON string is a YAML flow scalar.
      rules += "      - record: cfmon:dashboard_" + std::to_string(++n) +
               "\n        expr: " + nlohmann::json(target.at("expr").get<std::string>()).dump() + "\n";
    }
  }
  TempDir dir;
  spit(dir.path() + "/dashboard_rules.yml", rules);
  const auto check = run(kPromtool, {"check", "rules", dir.path() + "/dashboard_rules.yml"}, kEnv);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err << "\n" << rules;
  EXPECT_NE(check.out.find("SUCCESS: " + std::to_string(n) + " rules found"), std::string::npos) << check.out;
}

TEST(PrometheusTextfile, NodeExporterServesWhatTheServiceWritesAndPromtoolAcceptsIt) {
  CFMON_REQUIRE_TOOL(kPromtool, "prometheus");
  CFMON_REQUIRE_TOOL(kNodeExporter, "prometheus-node-exporter");
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string& d = dir.path();
  const std::string textfiles = d + "/textfile";
  const std::string plugins = d + "/plugins";
  for (const auto& sub : {textfiles, plugins, d + "/cache"}) ASSERT_EQ(::mkdir(sub.c_str(), 0700), 0) << sub;

  // The checks as wrappers adding only what reaches the emulator (--resolve, --ca-file).
  std::string access = "#!/bin/sh\nexec " + std::string(CFMON_CHECK_CF_ACCESS) + " --ca-file " + emu.ca_file();
  std::string targets;
  for (const auto& app : emu.config().at("apps")) {
    const std::string name = app.at("name");
    access += " --resolve " + name + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1";
    if (name != "slow") targets += name + " " + emu.url(name) + "\n";
  }
  targets += "closed https://127.0.0.1:" + std::to_string(closed_port()) + "/\n";
  spit(plugins + "/check_cf_access", access + " \"$@\"\n", 0700);
  std::string api;
  for (const auto& a : emu.api_args()) api += " " + a;
  spit(plugins + "/check_cf_service_tokens",
       "#!/bin/sh\nexec " + std::string(CFMON_CHECK_CF_SERVICE_TOKENS) + api + " \"$@\"\n", 0700);
  for (const auto& [name, binary] :
       std::map<std::string, std::string>{{"check_cf_access_logins", CFMON_CHECK_CF_ACCESS_LOGINS},
                                          {"check_cf_access_apps", CFMON_CHECK_CF_ACCESS_APPS},
                                          {"check_cf_tunnels", CFMON_CHECK_CF_TUNNELS}}) {
    spit(plugins + "/" + name, "#!/bin/sh\nexec " + binary + api + " \"$@\"\n", 0700);
  }
  spit(d + "/targets", targets);
  spit(d + "/cf-access.env", emu.token_env_text());
  std::string api_env;
  for (const auto& [k, v] : emu.api_env()) api_env += k + "=" + v + "\n";
  api_env += "CF_SERVICE_TOKEN_CLIENT_ID_APPS=" + emu.client_id("monitoring") + "\n";
  spit(d + "/cf-api.env", api_env);

  // The service's commands, paths changed.
  std::vector<std::string> files;
  for (auto argv : exec_starts()) {
    for (auto& a : argv) {
      a = replace_all(a, "/usr/local/bin/cfmon-textfile", kDir + "/cfmon-textfile");
      a = replace_all(a, "/var/lib/prometheus/node-exporter", textfiles);
      a = replace_all(a, "/usr/lib/nagios/plugins", plugins);
      a = replace_all(a, "/etc/cfmon/prometheus", d);
      a = replace_all(a, "/var/cache/cfmon", d + "/cache");
    }
    const auto r = run(argv.front(), std::vector<std::string>(argv.begin() + 1, argv.end()), kEnv);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
    files.push_back(argv[1]);
  }
  std::map<std::string, Sample> written;
  std::vector<std::string> help;
  for (const auto& file : files) {
    const std::string text = slurp(file);
    const auto lint = promtool_check_metrics(file);
    EXPECT_EQ(lint.exit_code, 0) << file << ": " << lint.out << lint.err << "\n" << text;
    for (auto& [key, sample] : samples_of(text, &help)) {
      EXPECT_TRUE(written.emplace(key, sample).second) << "two files hold " << key;
    }
  }
  // Every check ran, and what it found is there: each outcome of the apps, the tokens.
  for (const auto& check : {"cf_access", "cf_service_token", "cf_access_logins", "cf_access_app", "cf_tunnel"}) {
    EXPECT_EQ(value(written, "cfmon_up", {{"check", check}}), 1.0) << check;
  }
  EXPECT_EQ(value(written, "cfmon_state", {{"check", "cf_access"}, {"target", "ok"}, {"reason", "token_accepted"}}),
            0.0);
  EXPECT_EQ(value(written, "cfmon_http_response_code", {{"check", "cf_access"}, {"target", "origin-502"}}), 502.0);
  EXPECT_EQ(value(written, "cfmon_state",
                  {{"check", "cf_access_app"}, {"target", "bypass-everyone"}, {"reason", "open_to_everyone"}}),
            2.0);
  EXPECT_EQ(value(written, "cfmon_state", {{"check", "cf_tunnel"}, {"target", "legacy-vpn"}, {"reason", "down"}}), 2.0);
  EXPECT_TRUE(
      value(written, "cfmon_token_expires_in_seconds", {{"check", "cf_service_token"}, {"target", "other-team"}}))
      << "the apps' client ID (_APPS) does not narrow the token check to one token";
  EXPECT_EQ(value(written, "cfmon_state",
                  {{"check", "cf_service_token"}, {"target", "disabled"}, {"reason", "token_disabled"}}),
            2.0);
  const auto expires_in =
      value(written, "cfmon_token_expires_in_seconds", {{"check", "cf_service_token"}, {"target", "monitoring"}});
  ASSERT_TRUE(expires_in.has_value());
  EXPECT_GT(*expires_in, 86400.0 * 365) << "expires in 2030: seconds, not days";

  NodeExporter exporter(textfiles, d + "/node_exporter.log");
  ASSERT_TRUE(exporter.ready()) << slurp(d + "/node_exporter.log");
  auto scraped = exporter.scrape();
  ASSERT_EQ(scraped.status, 200);
  auto served = samples_of(scraped.body);
  EXPECT_EQ(value(served, "node_textfile_scrape_error", {}), 0.0) << slurp(d + "/node_exporter.log");
  for (const auto& [key, sample] : written) {
    const auto it = served.find(key);
    ASSERT_NE(it, served.end()) << key << " is not served";
    EXPECT_EQ(it->second.value, sample.value) << key;
  }
  for (const auto& line : help) EXPECT_NE(scraped.body.find(line + "\n"), std::string::npos) << line;

  // Every cfmon_* metric a PromQL expression of the shipped Grafana dashboard names is
  // served from what the checks really wrote.
  const auto dashboard = nlohmann::json::parse(slurp(kDashboard));
  std::set<std::string> named;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets")) {
      const std::string expr = target.at("expr");
      SCOPED_TRACE(panel.at("title").get<std::string>() + ": " + expr);
      std::size_t in_expr = 0;
      const std::regex metric("cfmon_[a-z_]+");
      for (auto it = std::sregex_iterator(expr.begin(), expr.end(), metric); it != std::sregex_iterator(); ++it) {
        named.insert(it->str());
        ++in_expr;
      }
      EXPECT_GT(in_expr, 0U) << "an expression naming no cfmon metric";
    }
  }
  for (const auto& name : {"cfmon_response_time_seconds", "cfmon_state", "cfmon_token_expires_in_seconds",
                           "cfmon_logins", "cfmon_failures", "cfmon_connections", "cfmon_up"}) {
    EXPECT_TRUE(named.count(name)) << name << ": no panel shows it";
  }
  for (const auto& name : named) {
    const bool served_name =
        std::any_of(served.begin(), served.end(), [&](const auto& entry) { return entry.second.name == name; });
    EXPECT_TRUE(served_name) << name << " (named by the dashboard) is not served";
  }
  for (const auto& file : files) {
    EXPECT_TRUE(value(served, "node_textfile_mtime_seconds", {{"file", file}}).has_value()) << file;
  }

  // The token check cannot run (no API token): its file now says so, and only that.
  spit(d + "/cf-api.env", "CF_ACCOUNT_ID=" + emu.api_env().at("CF_ACCOUNT_ID") + "\n");
  const std::string tokens_file = textfiles + "/cfmon_service_tokens.prom";
  auto argv = exec_starts().at(1);
  ASSERT_EQ(argv.at(1), "/var/lib/prometheus/node-exporter/cfmon_service_tokens.prom");
  const auto broken = run(
      kDir + "/cfmon-textfile",
      {tokens_file, plugins + "/check_cf_service_tokens", "--format", "openmetrics", "--env-file", d + "/cf-api.env"},
      kEnv);
  ASSERT_EQ(broken.exit_code, 0) << broken.out << broken.err;
  EXPECT_EQ(promtool_check_metrics(tokens_file).exit_code, 0) << slurp(tokens_file);
  scraped = exporter.scrape();
  served = samples_of(scraped.body);
  EXPECT_EQ(value(served, "cfmon_up", {{"check", "cf_service_token"}}), 0.0) << scraped.body;
  EXPECT_EQ(value(served, "cfmon_state", {{"check", "cf_service_token"}, {"reason", "config_error"}}), 3.0)
      << scraped.body;
  EXPECT_FALSE(
      value(served, "cfmon_token_expires_in_seconds", {{"check", "cf_service_token"}, {"target", "monitoring"}}))
      << "a replaced file leaves nothing of the old one";
  EXPECT_EQ(value(served, "cfmon_up", {{"check", "cf_access"}}), 1.0);

  // A command that fails leaves the last file in place (it goes stale) and no temporary file.
  const std::string before = slurp(tokens_file);
  const auto failed = run(kDir + "/cfmon-textfile", {tokens_file, "/bin/false"}, kEnv);
  EXPECT_NE(failed.exit_code, 0);
  EXPECT_EQ(slurp(tokens_file), before);
  std::size_t entries = 0;
  for (const auto& entry : std::filesystem::directory_iterator(textfiles)) {
    EXPECT_EQ(entry.path().extension(), ".prom") << entry.path();
    ++entries;
  }
  EXPECT_EQ(entries, files.size());
  emu.expect_contract_kept();
}

}  // namespace
}  // namespace cfmon::testing
