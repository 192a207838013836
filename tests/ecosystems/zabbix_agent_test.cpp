// The shipped UserParameter file (zabbix/userparameter_cf_access.conf) in a real Zabbix
// agent 6.0: `zabbix_agentd -t`, then a running agent asked over its passive protocol
// (the ZBXD header, what zabbix_get sends: zabbix_get only ships with the server and
// proxy packages, too heavy for this), against the emulator.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_support.hpp"
#include "harness.hpp"
#include "zabbix_protocol.hpp"
#include "zabbix_support.hpp"

namespace cfmon::testing {
namespace {

const std::string kAgent = "/usr/sbin/zabbix_agentd";

// `zabbix_agentd -t KEY` prints "KEY   [t|VALUE]".
std::string test_mode_value(const AgentTree& tree, const std::string& key) {
  // As the README says to run it: as the agent's user, whose files the credentials are.
  const auto argv = as_account(tree.account, {kAgent, "-c", tree.conf, "-t", key});
  const auto r = run(argv.front(), {argv.begin() + 1, argv.end()}, {}, std::chrono::seconds(30));
  const auto open = r.out.find("[t|");
  const auto close = r.out.rfind(']');
  if (r.exit_code != 0 || open == std::string::npos || close == std::string::npos || close < open) {
    ADD_FAILURE() << key << ": " << r.out << r.err;
    return {};
  }
  return r.out.substr(open + 3, close - open - 3);
}

// A discovery key's LLD array in test mode: the values of one macro (empty, and a failure,
// when the value is not an array).
std::set<std::string> discovered_names(const AgentTree& tree, const std::string& key, const std::string& macro) {
  const auto lld = nlohmann::json::parse(test_mode_value(tree, key));
  std::set<std::string> names;
  if (!lld.is_array()) {
    ADD_FAILURE() << key << ": " << lld.dump();
    return names;
  }
  for (const auto& e : lld) names.insert(e.at(macro).get<std::string>());
  return names;
}

// A master item's JSON array, its objects by "name" (what the dependent items' JSONPath picks by).
std::map<std::string, nlohmann::json> objects_by_name(const nlohmann::json& all) {
  std::map<std::string, nlohmann::json> by_name;
  if (!all.is_array()) {
    ADD_FAILURE() << "not an array: " << all.dump();
    return by_name;
  }
  for (const auto& o : all) by_name[o.at("name").get<std::string>()] = o;
  return by_name;
}

void expect_three_apps(const nlohmann::json& all) {
  auto by_name = objects_by_name(all);
  ASSERT_EQ(by_name.size(), 3U) << all.dump();
  EXPECT_EQ(by_name["ok"].at("state"), 0);
  EXPECT_EQ(by_name["ok"].at("result"), "token_accepted");
  EXPECT_EQ(by_name["ok"].at("http_status"), 200);
  EXPECT_TRUE(by_name["ok"].at("token_accepted").get<bool>());
  EXPECT_EQ(by_name["broken"].at("state"), 1);
  EXPECT_EQ(by_name["broken"].at("result"), "origin_down");
  EXPECT_EQ(by_name["broken"].at("http_status"), 502);
  EXPECT_EQ(by_name["rejected"].at("state"), 2);
  EXPECT_EQ(by_name["rejected"].at("result"), "token_rejected");
  EXPECT_EQ(by_name["rejected"].at("http_status"), 403);
  for (auto& [name, o] : by_name) EXPECT_TRUE(o.at("response_time").is_number_float()) << name;
}

void expect_discovery(const nlohmann::json& lld, const Emulator& emu) {
  ASSERT_TRUE(lld.is_array()) << lld.dump();
  ASSERT_EQ(lld.size(), 3U);
  EXPECT_EQ(lld[0].at("{#NAME}"), "ok");
  EXPECT_EQ(lld[0].at("{#URL}"), emu.url("ok"));
  EXPECT_EQ(lld[2].at("{#NAME}"), "rejected");
}

TEST(ZabbixAgent, TestModeRunsTheShippedKeys) {
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  auto& emu = shared_emulator();
  AgentTree tree(emu);
  expect_discovery(nlohmann::json::parse(test_mode_value(tree, "cf.access.discovery")), emu);
  expect_three_apps(nlohmann::json::parse(test_mode_value(tree, "cf.access.all")));
  const auto one = nlohmann::json::parse(test_mode_value(tree, "cf.access[broken]"));
  ASSERT_TRUE(one.is_object()) << one.dump();
  EXPECT_EQ(one.at("name"), "broken");
  EXPECT_EQ(one.at("state"), 1);
}

// The token keys, against the emulator's API: discovery, every token, one token.
TEST(ZabbixAgent, TestModeRunsTheShippedTokenKeys) {
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  auto& emu = shared_emulator();
  AgentTree tree(emu);
  EXPECT_EQ(discovered_names(tree, "cf.tokens.discovery", "{#TOKEN_NAME}"),
            (std::set<std::string>{"monitoring", "other-team", "expired", "disabled"}));

  const auto all = nlohmann::json::parse(test_mode_value(tree, "cf.tokens.all"));
  auto by_name = objects_by_name(all);
  EXPECT_EQ(by_name["monitoring"].at("state"), 0) << all.dump();
  EXPECT_TRUE(by_name["monitoring"].at("days_left").is_number());
  EXPECT_EQ(by_name["expired"].at("state"), 2);
  EXPECT_EQ(by_name["expired"].at("result"), "token_expired");
  EXPECT_EQ(by_name["disabled"].at("result"), "token_disabled");

  const auto expired = nlohmann::json::parse(test_mode_value(tree, "cf.tokens[expired]"));
  ASSERT_TRUE(expired.is_object()) << expired.dump();
  EXPECT_LT(expired.at("days_left").get<double>(), 0.0);
  const auto gone = nlohmann::json::parse(test_mode_value(tree, "cf.tokens[deleted-token]"));
  EXPECT_EQ(gone.at("result"), "token_missing") << gone.dump();
}

// The tunnel keys: discovery of the account's tunnels, all of them, one by name.
TEST(ZabbixAgent, TestModeRunsTheShippedTunnelKeys) {
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  auto& emu = shared_emulator();
  AgentTree tree(emu);
  EXPECT_EQ(discovered_names(tree, "cf.tunnels.discovery", "{#TUNNEL_NAME}"),
            (std::set<std::string>{"prod-web", "batch", "legacy-vpn", "new-site", "old-cloudflared"}));

  const auto all = nlohmann::json::parse(test_mode_value(tree, "cf.tunnels.all"));
  auto by_name = objects_by_name(all);
  EXPECT_EQ(by_name["prod-web"].at("state"), 0) << all.dump();
  EXPECT_EQ(by_name["prod-web"].at("connections"), 8) << all.dump();
  EXPECT_EQ(by_name["legacy-vpn"].at("result"), "down") << all.dump();
  EXPECT_EQ(by_name["batch"].at("result"), "degraded") << all.dump();

  const auto gone = nlohmann::json::parse(test_mode_value(tree, "cf.tunnels[retired]"));
  EXPECT_EQ(gone.at("result"), "tunnel_missing") << gone.dump();
}

// The Access configuration keys: discovery of the self-hosted applications, the master item
// of them all (one run), one application by name.
TEST(ZabbixAgent, TestModeRunsTheShippedAppsKeys) {
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  auto& emu = shared_emulator();
  AgentTree tree(emu);
  const auto discovered = discovered_names(tree, "cf.apps.discovery", "{#APP_NAME}");
  for (const char* app : {"ok", "bypass-everyone", "allow-only", "echo", "allow-everyone", "reusable-ok"}) {
    EXPECT_EQ(discovered.count(app), 1U) << app;
  }

  const auto all = nlohmann::json::parse(test_mode_value(tree, "cf.apps.all"));
  auto by_name = objects_by_name(all);
  // What the template's JSONPath filters need: one object per discovered application.
  std::set<std::string> judged;
  for (const auto& [name, o] : by_name) judged.insert(name);
  EXPECT_EQ(judged, discovered) << all.dump();
  EXPECT_EQ(by_name["ok"].at("state"), 0) << all.dump();
  EXPECT_EQ(by_name["ok"].at("result"), "token_allowed");
  EXPECT_EQ(by_name["ok"].at("service_auth_policies"), 1);
  EXPECT_EQ(by_name["ok"].at("aud"), emu.config().at("apps").at(0).at("aud"));
  EXPECT_EQ(by_name["bypass-everyone"].at("state"), 2);
  EXPECT_EQ(by_name["bypass-everyone"].at("result"), "open_to_everyone");
  EXPECT_EQ(by_name["allow-only"].at("result"), "token_not_allowed");
  EXPECT_EQ(by_name["echo"].at("state"), 1);
  EXPECT_EQ(by_name["echo"].at("result"), "any_service_token");
  for (const auto& [name, o] : by_name) EXPECT_NE(o.at("state"), 3) << o.dump();

  const auto one = nlohmann::json::parse(test_mode_value(tree, "cf.apps[ok]"));
  ASSERT_TRUE(one.is_object()) << one.dump();
  EXPECT_EQ(one.at("name"), "ok");
  EXPECT_EQ(one.at("state"), 0);
  EXPECT_EQ(one.at("message"), by_name["ok"].at("message"));
  // An application the account lacks: CRITICAL no_access_app, said in the value.
  const auto gone = nlohmann::json::parse(test_mode_value(tree, "cf.apps[retired]"));
  EXPECT_EQ(gone.at("result"), "no_access_app") << gone.dump();

  // Nothing the agent printed holds the API token.
  const std::string api_token = emu.config().at("api").at("api_tokens").at(0).at("token").get<std::string>();
  EXPECT_EQ(all.dump().find(api_token), std::string::npos);
}

// The logins key: per token counts of the last 5 minutes, from the emulator's login events.
TEST(ZabbixAgent, TestModeRunsTheShippedLoginsKey) {
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  auto& emu = shared_emulator();
  AgentTree tree(emu);
  // One successful and one failed login of the monitoring token (legacy-403 refuses it).
  expect_three_apps(nlohmann::json::parse(test_mode_value(tree, "cf.access.all")));
  const auto all = nlohmann::json::parse(test_mode_value(tree, "cf.logins.all"));
  auto by_name = objects_by_name(all);
  ASSERT_EQ(by_name.count("monitoring"), 1U) << all.dump();
  EXPECT_GE(by_name["monitoring"].at("logins").get<int>(), 1) << all.dump();
  EXPECT_GE(by_name["monitoring"].at("failures").get<int>(), 1) << all.dump();
  EXPECT_EQ(by_name["monitoring"].at("outside_logins"), 0) << "no --allowed-cidr in the shipped key";
  EXPECT_EQ(by_name["other-team"].at("logins"), 0) << all.dump();
}

TEST(ZabbixAgent, RunningAgentAnswersPassiveChecks) {
  CFMON_REQUIRE_TOOL(kAgent, "zabbix-agent");
  auto& emu = shared_emulator();
  AgentTree tree(emu);
  // As Debian's unit starts it (User=zabbix, whose HOME is /nonexistent).
  auto unit_env = debian_unit_environment();
  unit_env["HOME"] = "/nonexistent";
  Daemon agent({kAgent, "-f", "-c", tree.conf}, tree.dir.path() + "/daemon.log", unit_env);
  // Listening once a connection is accepted and answered.
  std::string lld_text;
  ASSERT_TRUE(wait_until(
      [&] {
        lld_text = passive_get(tree.port, "cf.access.discovery");
        return lld_text.rfind("[", 0) == 0 || !agent.running();
      },
      std::chrono::seconds(30), std::chrono::milliseconds(50)))
      << lld_text << slurp(tree.dir.path() + "/agent.log");
  ASSERT_TRUE(agent.running()) << slurp(tree.dir.path() + "/agent.log");
  if (tree.account) {
    // Started as root, it runs as zabbix, as Debian's unit has it: the checks it runs read
    // the credentials as their owner does.
    EXPECT_EQ(process_uid(agent.pid()), static_cast<long>(tree.account->uid));
  }
  expect_discovery(nlohmann::json::parse(lld_text), emu);

  expect_three_apps(nlohmann::json::parse(passive_get(tree.port, "cf.access.all")));

  const auto rejected = nlohmann::json::parse(passive_get(tree.port, "cf.access[rejected]"));
  EXPECT_EQ(rejected.at("state"), 2);
  EXPECT_EQ(rejected.at("result"), "token_rejected");

  // A name the file does not hold: a value saying so, not a silent OK.
  const auto unknown = nlohmann::json::parse(passive_get(tree.port, "cf.access[gone]"));
  EXPECT_EQ(unknown.at("state"), 3);
  EXPECT_NE(unknown.at("message").get<std::string>().find("no target named 'gone'"), std::string::npos) << unknown;

  // Why keys name targets: with UnsafeUserParameters=0 the agent refuses a URL with a query
  // string before running anything.
  const std::string refused = passive_get(tree.port, "cf.access[https://x/?a=1&b=2]");
  EXPECT_EQ(refused.rfind("ZBX_NOTSUPPORTED", 0), 0U) << refused;

  // Nothing the agent returned or logged holds the secret.
  const std::string secret = emu.client_secret("monitoring");
  EXPECT_EQ(slurp(tree.dir.path() + "/agent.log").find(secret), std::string::npos);
  agent.stop();
  EXPECT_FALSE(agent.running());
}

// External check on the server/proxy (README): the item key's parameters are the
// arguments, there is no custom environment, and the value is stdout + stderr whatever
// the exit code. So credentials come from --env-file, and stderr must stay empty.
TEST(ZabbixExternalCheck, DocumentedKeyPrintsOnlyTheValue) {
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string env_file = dir.write("cf-access.env", emu.token_env_text());
  const std::string targets = dir.write("targets", "broken " + emu.url("origin-502") + "\n");
  auto args = emu.connection_args("origin-502");
  for (const std::string& a : std::vector<std::string>{"--targets-file", targets, "--env-file", env_file, "--format",
                                                       "zabbix", "--target", "broken"}) {
    args.push_back(a);
  }
  const auto r = run(CFMON_CHECK_CF_ACCESS, args);  // no CF_* variables in its environment
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.err, "");
  const auto value = nlohmann::json::parse(r.out);
  EXPECT_EQ(value.at("state"), 1);
  EXPECT_EQ(value.at("result"), "origin_down");

  // The same without the credentials file: still one JSON value on stdout, exit 0.
  args.erase(args.end() - 6, args.end() - 4);
  const auto missing = run(CFMON_CHECK_CF_ACCESS, args);
  EXPECT_EQ(missing.exit_code, 0);
  EXPECT_EQ(missing.err, "");
  EXPECT_EQ(nlohmann::json::parse(missing.out).at("state"), 3) << missing.out;
}

// Every external-check key of the README's table, as the server or proxy runs it: the
// key's parameters as the arguments, the documented files (here in a temp dir), no
// environment at all. Each prints one JSON value on stdout, nothing on stderr, exits 0,
// and judges what it was asked to (no UNKNOWN with working credentials).
TEST(ZabbixExternalCheck, EveryDocumentedKeyRunsAndJudges) {
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string readme = slurp(source_dir() + "/zabbix/README.md");
  const std::map<std::string, std::string> paths{
      {"/etc/zabbix/cfmon/targets",
       dir.write("targets", "ok " + emu.url("ok") + "\nwiki " + emu.url("legacy-403") + "\n")},
      {"/etc/zabbix/cfmon/cf-access.env", dir.write("cf-access.env", emu.token_env_text())},
      {"/etc/zabbix/cfmon/cf-api.env",
       dir.write("cf-api.env", "CF_API_TOKEN=" + emu.api_env().at("CF_API_TOKEN") + "\nCF_ACCOUNT_ID=" +
                                   emu.config().at("api").at("account_id").get<std::string>() + "\n")}};
  const std::map<std::string, std::string> programs{{"check_cf_access", CFMON_CHECK_CF_ACCESS},
                                                    {"check_cf_service_tokens", CFMON_CHECK_CF_SERVICE_TOKENS},
                                                    {"check_cf_access_logins", CFMON_CHECK_CF_ACCESS_LOGINS},
                                                    {"check_cf_tunnels", CFMON_CHECK_CF_TUNNELS}};
  const std::regex row(R"(\n\| `(check_cf_[a-z_]+)\[([^`]*)\]` \|)");
  std::set<std::string> seen;
  for (auto it = std::sregex_iterator(readme.begin(), readme.end(), row); it != std::sregex_iterator(); ++it) {
    const std::string program = (*it)[1];
    SCOPED_TRACE(program + "[" + (*it)[2].str() + "]");
    ASSERT_TRUE(programs.count(program)) << program;
    seen.insert(program);
    const auto params = nlohmann::json::parse("[" + (*it)[2].str() + "]");
    std::vector<std::string> args;
    if (program == "check_cf_access") {
      args = emu.connection_args("ok");
      args.insert(args.end(), {"--resolve", "legacy-403.cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1"});
    } else {
      args = emu.api_args();
    }
    for (const auto& p : params) {
      const std::string a = p.get<std::string>();
      args.push_back(paths.count(a) != 0 ? paths.at(a) : a);
    }
    const auto r = run(programs.at(program), args, {});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_EQ(r.err, "");
    const auto value = nlohmann::json::parse(r.out, nullptr, false);
    ASSERT_FALSE(value.is_discarded()) << r.out;
    const bool discovery = std::find(args.begin(), args.end(), "--discover") != args.end();
    const auto objects = value.is_array() ? value : nlohmann::json::array({value});
    ASSERT_FALSE(objects.empty()) << r.out;
    for (const auto& o : objects) {
      if (discovery) {
        EXPECT_TRUE(o.is_object() && !o.empty()) << r.out;
      } else {
        EXPECT_NE(o.value("state", 3), 3) << r.out;
      }
    }
  }
  EXPECT_EQ(seen.size(), programs.size()) << "a check without a documented external-check key";
}

}  // namespace
}  // namespace cfmon::testing
