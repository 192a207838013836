// The shipped Telegraf snippet (telegraf/cf_access.conf) and its line protocol, judged by
// a real line-protocol consumer: Telegraf is not in Debian, InfluxDB 1.x is. The command
// of the snippet runs against every app of the emulator (every outcome), InfluxDB accepts
// each batch (a field whose type changed would reject it), and queries return the fields
// with their types.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/printable.hpp"
#include "daemon_support.hpp"
#include "grafana_dashboard.hpp"
#include "harness.hpp"

namespace cfmon::testing {
namespace {

using cfmon::url_encode;

const std::string kInfluxd = "/usr/bin/influxd";
const std::string kSnippet = source_dir() + "/telegraf/cf_access.conf";
const std::string kDashboard = source_dir() + "/telegraf/grafana-dashboard.json";

class Influx {
 public:
  explicit Influx(const TempDir& dir) : http_port_(closed_port()) {
    const std::string& d = dir.path();
    // Two distinct free ports: the HTTP API and the (unused) RPC bind address.
    int rpc_port = closed_port();
    while (rpc_port == http_port_) rpc_port = closed_port();
    const std::string conf = d + "/influxdb.conf";
    spit(conf,
         "reporting-disabled = true\n"
         "bind-address = \"127.0.0.1:" +
             std::to_string(rpc_port) +
             "\"\n"
             "[meta]\n  dir = \"" +
             d +
             "/meta\"\n"
             "[data]\n  dir = \"" +
             d + "/data\"\n  wal-dir = \"" + d +
             "/wal\"\n  query-log-enabled = false\n"
             "[http]\n  bind-address = \"127.0.0.1:" +
             std::to_string(http_port_) +
             "\"\n  log-enabled = false\n"
             "[monitor]\n  store-enabled = false\n"
             "[continuous_queries]\n  enabled = false\n");
    daemon_ = std::make_unique<Daemon>(std::vector<std::string>{kInfluxd, "run", "-config", conf}, d + "/influxd.log");
    ready_ =
        wait_until([&] { return call("GET", "/ping").status == 204 || !daemon_->running(); }, std::chrono::seconds(30));
    ready_ = ready_ && daemon_->running();
  }

  [[nodiscard]] bool ready() const { return ready_; }
  Daemon& daemon() { return *daemon_; }

  HttpAnswer call(const std::string& method, const std::string& path, const std::string& body = "") const {
    HttpCall c;
    c.method = method;
    c.url = "http://127.0.0.1:" + std::to_string(http_port_) + path;
    c.body = body;
    return http(c);
  }
  HttpAnswer write(const std::string& lines) const { return call("POST", "/write?db=cfmon&precision=ns", lines); }
  nlohmann::json query(const std::string& q) const {
    const auto r = call("POST", "/query?db=cfmon&q=" + url_encode(q));
    return r.status == 200 ? nlohmann::json::parse(r.body) : nlohmann::json{{"error", r.body}};
  }

 private:
  int http_port_;
  std::unique_ptr<Daemon> daemon_;
  bool ready_ = false;
};

// The snippet's [[inputs.exec]] blocks, in order.
std::vector<std::string> snippet_blocks() {
  const std::string text = slurp(kSnippet);
  std::vector<std::string> blocks;
  // Table headers start a line; the comments may mention them too.
  for (auto at = text.find("\n[[inputs.exec]]"); at != std::string::npos;) {
    const auto next = text.find("\n[[inputs.exec]]", at + 1);
    blocks.push_back(text.substr(at, next == std::string::npos ? std::string::npos : next - at));
    at = next;
  }
  return blocks;
}

// A block's command line, split as Telegraf does (shell-like words, no shell).
std::vector<std::string> block_command(const std::string& block) {
  std::smatch m;
  if (!std::regex_search(block, m, std::regex(R"(commands = \[\s*"([^"]+)\")"))) return {};
  std::istringstream words(m[1].str());
  std::vector<std::string> argv;
  for (std::string w; words >> w;) argv.push_back(w);
  return argv;
}

double seconds_of(const std::string& block, const std::string& key) {
  std::smatch m;
  if (!std::regex_search(block, m, std::regex("\n  " + key + R"re( = "([0-9]+)(s|m)")re"))) return -1;
  return std::stod(m[1]) * (m[2] == "m" ? 60 : 1);
}

// The command of the block running `binary`, with only its paths changed.
std::vector<std::string> snippet_command(const std::string& binary, const std::string& dir) {
  for (const auto& block : snippet_blocks()) {
    auto argv = block_command(block);
    if (argv.empty() || argv.front().find("/" + binary) == std::string::npos) continue;
    for (auto& a : argv) {
      a = replace_all(a, "/usr/lib/nagios/plugins", dir);
      a = replace_all(a, "/etc/telegraf/cfmon", dir);
    }
    return argv;
  }
  return {};
}

TEST(TelegrafSnippet, EachCheckIsAnInfluxExecInputWithATimeoutBelowItsInterval) {
  const auto blocks = snippet_blocks();
  ASSERT_EQ(blocks.size(), 5U);
  std::set<std::string> binaries;
  for (const auto& block : blocks) {
    EXPECT_NE(block.find("\n  data_format = \"influx\""), std::string::npos) << block;
    const auto argv = block_command(block);
    ASSERT_FALSE(argv.empty()) << block;
    binaries.insert(argv.front().substr(argv.front().rfind('/') + 1));
    std::map<std::string, std::string> options;
    for (std::size_t i = 1; i + 1 < argv.size(); ++i) options[argv[i]] = argv[i + 1];
    EXPECT_EQ(options["--format"], "influx");
    EXPECT_FALSE(options["--env-file"].empty()) << "credentials come from a file, never the command line";
    const double interval = seconds_of(block, "interval");
    const double timeout = seconds_of(block, "timeout");
    ASSERT_GT(interval, 0) << block;
    ASSERT_GT(timeout, 0) << block;
    EXPECT_LT(timeout, interval);
    EXPECT_GT(timeout, std::stod(options["--timeout"])) << "the check reports its own timeouts first";
  }
  EXPECT_EQ(binaries, (std::set<std::string>{"check_cf_access", "check_cf_service_tokens", "check_cf_access_logins",
                                             "check_cf_access_apps", "check_cf_tunnels"}));
}

TEST(InfluxDb, AcceptsEveryLineTheCheckPrintsWithStableFieldTypes) {
  CFMON_REQUIRE_TOOL(kInfluxd, "influxdb");
  auto& emu = shared_emulator();
  TempDir dir;
  Influx influx(dir);
  ASSERT_TRUE(influx.ready()) << slurp(dir.path() + "/influxd.log");
  ASSERT_EQ(influx.call("POST", "/query?q=" + url_encode("CREATE DATABASE cfmon")).status, 200);

  // The snippet's command with only paths changed: the check becomes a wrapper adding the
  // emulator's --resolve and --ca-file. The slow app gets its own run below, with -t 1.
  std::string wrapper = "#!/bin/sh\nexec " + std::string(CFMON_CHECK_CF_ACCESS) + " --ca-file " + emu.ca_file();
  std::string targets = "# every app of the emulator: every outcome\n";
  for (const auto& app : emu.config().at("apps")) {
    const std::string name = app.at("name");
    wrapper += " --resolve " + name + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1";
    if (name != "slow") targets += name + " " + emu.url(name) + "\n";
  }
  wrapper += " \"$@\"\n";
  targets += "no-such-app " + emu.url("no-such-app") + "\n";                       // unknown host: 530 / 1001
  targets += "closed https://127.0.0.1:" + std::to_string(closed_port()) + "/\n";  // connection refused
  // Names keep to letters, digits and . _ - : / (safe as tags); the URL may hold , = " ' \.
  targets += "odd.name_1-2:3/4 " + emu.url("ok", "/a,b=c\"d'e\\f?x=1,2&y=%20") + "\n";
  spit(dir.path() + "/check_cf_access", wrapper, 0700);
  spit(dir.path() + "/targets", targets);
  spit(dir.path() + "/cf-access.env", emu.token_env_text());
  auto argv = snippet_command("check_cf_access", dir.path());
  ASSERT_FALSE(argv.empty());
  const auto all = run(argv.front(), std::vector<std::string>(argv.begin() + 1, argv.end()));
  ASSERT_EQ(all.exit_code, 0) << "Telegraf drops the output of a failing command: " << all.out << all.err;
  const std::size_t apps = emu.config().at("apps").size() - 1 + 3;
  ASSERT_EQ(static_cast<std::size_t>(std::count(all.out.begin(), all.out.end(), '\n')), apps) << all.out;
  auto w = influx.write(all.out);
  EXPECT_EQ(w.status, 204) << w.body << "\n" << all.out;

  // UNKNOWN (a targets file InfluxDB-hostile names would need: rejected) is a line too.
  spit(dir.path() + "/targets", "my app https://ok.cfemu.test/\na,b=c\"d https://ok.cfemu.test/\n");
  const auto unknown = run(argv.front(), std::vector<std::string>(argv.begin() + 1, argv.end()));
  EXPECT_EQ(unknown.exit_code, 0);
  w = influx.write(unknown.out);
  EXPECT_EQ(w.status, 204) << w.body << "\n" << unknown.out;

  // A timeout, then --expect-protected (the anonymous probe's verdict): same fields.
  const auto timeout = run(dir.path() + "/check_cf_access", {"-u", emu.url("slow"), "-t", "1", "--format", "influx",
                                                             "--env-file", dir.path() + "/cf-access.env"});
  EXPECT_NE(timeout.out.find("result=timeout"), std::string::npos) << timeout.out;
  w = influx.write(timeout.out);
  EXPECT_EQ(w.status, 204) << w.body << "\n" << timeout.out;

  const auto guarded =
      run(CFMON_CHECK_CF_ACCESS,
          {"--ca-file", emu.ca_file(), "--resolve",
           "unprotected.cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1", "-u", emu.url("unprotected"),
           "--expect-protected", "--format", "influx", "--env-file", dir.path() + "/cf-access.env"});
  w = influx.write(guarded.out);
  EXPECT_EQ(w.status, 204) << w.body << "\n" << guarded.out;

  // The API checks of the snippet with only paths changed: wrappers adding the emulator's
  // API arguments.
  const auto api_wrapper = [&](const std::string& check, const std::string& program) {
    std::string text = "#!/bin/sh\nexec " + program;
    for (const auto& a : emu.api_args()) text += " " + a;
    spit(dir.path() + "/" + check, text + " \"$@\"\n", 0700);
  };
  // The snippet's command for `check` run, and its output written to InfluxDB: both succeed.
  const auto run_snippet = [&](const std::string& check) {
    const auto command = snippet_command(check, dir.path());
    EXPECT_FALSE(command.empty()) << check;
    if (command.empty()) return RunResult{};
    const auto r = run(command.front(), std::vector<std::string>(command.begin() + 1, command.end()));
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    const auto written = influx.write(r.out);
    EXPECT_EQ(written.status, 204) << written.body << "\n" << r.out;
    return r;
  };
  // The field types InfluxDB settled on for a measurement.
  const auto field_types = [&influx](const std::string& measurement) {
    const auto fields = influx.query("SHOW FIELD KEYS FROM " + measurement);
    std::map<std::string, std::string> types;
    for (const auto& v : fields["results"][0]["series"][0]["values"]) types[v[0]] = v[1];
    return std::pair{types, fields.dump()};
  };

  // The token block: every token of the emulator's account.
  api_wrapper("check_cf_service_tokens", CFMON_CHECK_CF_SERVICE_TOKENS);
  // One cf-api.env for every API block, as the snippet says: the apps check's token under
  // the _APPS suffix, so the token and logins blocks still see every token.
  spit(dir.path() + "/cf-api.env",
       "CF_API_TOKEN=" + emu.config().at("api").at("api_tokens").at(0).at("token").get<std::string>() +
           "\nCF_ACCOUNT_ID=" + emu.config().at("api").at("account_id").get<std::string>() +
           "\nCF_SERVICE_TOKEN_CLIENT_ID_APPS=" + emu.client_id("monitoring") + "\n");
  const auto tokens = run_snippet("check_cf_service_tokens");
  EXPECT_EQ(std::count(tokens.out.begin(), tokens.out.end(), '\n'), 4) << tokens.out;
  const auto [token_types, token_fields] = field_types("cf_service_token");
  EXPECT_EQ(token_types, (std::map<std::string, std::string>{{"state", "integer"},
                                                             {"found", "boolean"},
                                                             {"enabled", "boolean"},
                                                             {"expired", "boolean"},
                                                             {"never_expires", "boolean"},
                                                             {"never_used", "boolean"},
                                                             {"days_left", "float"},
                                                             {"idle_days", "float"},
                                                             {"client_id", "string"},
                                                             {"expires_at", "string"},
                                                             {"api_budget_remaining", "integer"},
                                                             {"api_budget_quota", "integer"}}))
      << token_fields;
  const auto expired =
      influx.query("SELECT state, expired, days_left, expires_at FROM cf_service_token WHERE target = 'expired'");
  const auto& token_row = expired["results"][0]["series"][0]["values"][0];
  ASSERT_TRUE(token_row.is_array()) << expired.dump();
  EXPECT_EQ(token_row[1], 2);
  EXPECT_EQ(token_row[2], true);
  EXPECT_LT(token_row[3].get<double>(), 0.0);
  EXPECT_EQ(token_row[4], "2020-01-01T00:00:00Z");

  // The tunnel block: every tunnel of the emulator's account, one point each.
  api_wrapper("check_cf_tunnels", CFMON_CHECK_CF_TUNNELS);
  const auto tunnel_lines = run_snippet("check_cf_tunnels");
  EXPECT_EQ(std::count(tunnel_lines.out.begin(), tunnel_lines.out.end(), '\n'), 5) << tunnel_lines.out;
  const auto [tunnel_types, tunnel_fields] = field_types("cf_tunnel");
  EXPECT_EQ(tunnel_types.at("connections"), "integer") << tunnel_fields;
  EXPECT_EQ(tunnel_types.at("status"), "string") << tunnel_fields;
  const auto down =
      influx.query("SELECT state, connections, inactive_seconds FROM cf_tunnel WHERE target = 'legacy-vpn'");
  const auto& tunnel_row = down["results"][0]["series"][0]["values"][0];
  ASSERT_TRUE(tunnel_row.is_array()) << down.dump();
  EXPECT_EQ(tunnel_row[1], 2);
  EXPECT_EQ(tunnel_row[2], 0);
  EXPECT_GT(tunnel_row[3].get<double>(), 0.0);

  // The apps block: every self-hosted application judged for the monitoring token, and the
  // tokens no policy names.
  api_wrapper("check_cf_access_apps", CFMON_CHECK_CF_ACCESS_APPS);
  const auto app_lines = run_snippet("check_cf_access_apps");
  EXPECT_EQ(app_lines.exit_code, 0) << app_lines.out << app_lines.err;
  const auto [app_types, app_fields] = field_types("cf_access_app");
  EXPECT_EQ(app_types.at("state"), "integer") << app_fields;
  EXPECT_EQ(app_types.at("policies"), "integer") << app_fields;
  const auto open = influx.query("SELECT state FROM cf_access_app WHERE target = 'bypass-everyone'");
  const auto& app_row = open["results"][0]["series"][0]["values"][0];
  ASSERT_TRUE(app_row.is_array()) << open.dump();
  EXPECT_EQ(app_row[1], 2) << "a Bypass policy for everyone is CRITICAL";
  const auto allowed = influx.query("SELECT state FROM cf_access_app WHERE target = 'ok' AND result = 'token_allowed'");
  EXPECT_TRUE(allowed["results"][0]["series"][0]["values"][0].is_array()) << allowed.dump();

  // The logins block: the access runs above logged in (and failed) with the monitoring token.
  api_wrapper("check_cf_access_logins", CFMON_CHECK_CF_ACCESS_LOGINS);
  const auto logins = run_snippet("check_cf_access_logins");
  const auto [login_types, login_fields] = field_types("cf_access_logins");
  EXPECT_EQ(login_types, (std::map<std::string, std::string>{{"state", "integer"},
                                                             {"logins", "integer"},
                                                             {"failures", "integer"},
                                                             {"distinct_ips", "integer"},
                                                             {"outside_logins", "integer"},
                                                             {"client_id", "string"},
                                                             {"api_budget_remaining", "integer"},
                                                             {"api_budget_quota", "integer"}}))
      << login_fields;
  const auto monitoring = influx.query("SELECT logins, failures FROM cf_access_logins WHERE target = 'monitoring'");
  const auto& login_row = monitoring["results"][0]["series"][0]["values"][0];
  ASSERT_TRUE(login_row.is_array()) << monitoring.dump();
  EXPECT_GT(login_row[1].get<int>(), 0) << monitoring.dump();
  EXPECT_GT(login_row[2].get<int>(), 0) << monitoring.dump();

  // The judge can fail: a line whose field type changes is refused.
  EXPECT_EQ(influx.write("cf_access,target=ok state=1.5\n").status, 400);

  const auto [types, fields] = field_types("cf_access");
  const std::map<std::string, std::string> expected{
      {"state", "integer"},          {"http_response_code", "integer"},
      {"result_code", "integer"},    {"content_length", "integer"},
      {"token_accepted", "boolean"}, {"response_time", "float"},
      {"time_connect", "float"},     {"time_tls", "float"},
      {"time_firstbyte", "float"},   {"protected", "boolean"},  // --expect-protected only
      {"message", "string"}};                                   // the UNKNOWN run's line only: why it could not run
  EXPECT_EQ(types, expected) << fields;

  const auto tags = influx.query("SHOW TAG KEYS FROM cf_access");
  std::set<std::string> tag_keys;
  for (const auto& v : tags["results"][0]["series"][0]["values"]) tag_keys.insert(v[0].get<std::string>());
  EXPECT_EQ(tag_keys, (std::set<std::string>{"method", "result", "server", "target"})) << tags.dump();

  // One point per app, and the values of a few outcomes as InfluxDB typed them.
  const auto per_target = influx.query("SELECT last(state) FROM cf_access GROUP BY target");
  // + slow, unprotected, and the UNKNOWN run's line, which has no target tag
  EXPECT_EQ(per_target["results"][0]["series"].size(), apps + 3) << per_target.dump();
  struct Expect {
    const char* target;
    int state;
    int http;
    bool accepted;
    const char* result;
  };
  for (const Expect& e :
       {Expect{"ok", 0, 200, true, "token_accepted"}, Expect{"origin-502", 1, 502, true, "origin_down"},
        Expect{"legacy-403", 2, 403, false, "token_rejected"}, Expect{"closed", 2, 0, false, "connect_error"},
        Expect{"odd.name_1-2:3/4", 0, 200, true, "token_accepted"}}) {
    SCOPED_TRACE(e.target);
    const auto q =
        influx.query(std::string("SELECT state, http_response_code, token_accepted, response_time, result FROM "
                                 "cf_access WHERE target = '") +
                     e.target + "'");
    const auto& row = q["results"][0]["series"][0]["values"][0];
    ASSERT_TRUE(row.is_array()) << q.dump();
    EXPECT_TRUE(row[1].is_number_integer());
    EXPECT_EQ(row[1], e.state);
    EXPECT_EQ(row[2], e.http);
    EXPECT_TRUE(row[3].is_boolean());
    EXPECT_EQ(row[3], e.accepted);
    EXPECT_TRUE(row[4].is_number());
    EXPECT_EQ(row[5], e.result);
  }
  // The UNKNOWN run left its state too, with its reason code and why.
  const auto unknown_state = influx.query("SELECT state, result, message FROM cf_access WHERE state = 3");
  const auto& unknown_row = unknown_state["results"][0]["series"][0]["values"][0];
  ASSERT_TRUE(unknown_row.is_array()) << unknown_state.dump();
  EXPECT_EQ(unknown_row[2], "config_error") << unknown_state.dump();
  EXPECT_TRUE(unknown_row[3].is_string() && !unknown_row[3].get<std::string>().empty()) << unknown_state.dump();

  // Every query of the shipped Grafana dashboard, Grafana's macros made concrete, returns
  // a value from what the checks wrote above: the panels name real measurements, fields, tags.
  const auto dashboard = nlohmann::json::parse(slurp(kDashboard));
  std::size_t queries = 0;
  for (const auto& panel : dashboard.at("panels")) {
    for (const auto& target : panel.at("targets")) {
      SCOPED_TRACE(panel.at("title").get<std::string>() + ": " + target.at("refId").get<std::string>());
      ASSERT_EQ(target.value("rawQuery", false), true) << target.dump();
      std::string q = target.at("query");
      q = replace_all(q, "$timeFilter", "time > now() - 1h");
      q = replace_all(q, "$__interval", "1m");
      EXPECT_EQ(q.find('$'), std::string::npos) << q;
      ++queries;
      const auto answer = influx.query(q);
      const auto& series = answer["results"][0]["series"];
      ASSERT_TRUE(series.is_array() && !series.empty()) << q << "\n" << answer.dump();
      bool value = false;
      for (const auto& s : series) {
        for (const auto& row : s.at("values")) {
          for (std::size_t i = 1; i < row.size(); ++i) value = value || !row[i].is_null();
        }
      }
      EXPECT_TRUE(value) << q << "\n" << answer.dump();
    }
  }
  EXPECT_GE(queries, 7U);

  influx.daemon().stop();
  EXPECT_FALSE(influx.daemon().running());
}

TEST(TelegrafDashboard, IsAnImportableDashboardOnItsInfluxDbInput) {
  const auto dashboard = nlohmann::json::parse(slurp(kDashboard));
  expect_importable_dashboard(dashboard, "influxdb");
}

}  // namespace
}  // namespace cfmon::testing
