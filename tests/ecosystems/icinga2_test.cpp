// The shipped Icinga 2 configuration (nagios/icinga2/) in a real Icinga 2: validated with
// `icinga2 daemon -C`, then run against the emulator; state, output and perfdata are read
// back from the daemon's REST API.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "daemon_support.hpp"
#include "harness.hpp"
#include "icinga2_support.hpp"
#include "support/perfdata_parse.hpp"

namespace cfmon::testing {
namespace {

const std::string kShipped = source_dir() + "/nagios/icinga2";

TEST(Icinga2Config, ShippedFilesValidate) {
  CFMON_REQUIRE_TOOL(kIcinga, "icinga2-bin");
  IcingaTree tree;
  tree.copy_shipped(true);
  tree.write_main("");
  const auto r = validate(tree);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  // The example host's three apps, its targets-file service, two tokens, its logins and a tunnel.
  EXPECT_NE(r.out.find("Instantiated 8 Services"), std::string::npos) << r.out;
}

TEST(Icinga2Config, ValidationCatchesABrokenCommand) {
  // The check above can fail: a CheckCommand with a misspelt attribute is refused.
  CFMON_REQUIRE_TOOL(kIcinga, "icinga2-bin");
  IcingaTree tree;
  tree.copy_shipped(true);
  spit(tree.conf_d + "/cfmon-commands.conf",
       replace_all(slurp(tree.conf_d + "/cfmon-commands.conf"), "repeat_key = true", "repeat_keys = true"));
  tree.write_main("");
  EXPECT_NE(validate(tree).exit_code, 0);
}

// Every long option of a check's --help is an argument of its CheckCommand, with a
// description; flags use set_if, repeatable options repeat_key; no custom var goes both
// to env and to an argument.
struct MappedCheck {
  const char* binary;
  const char* command;  // CheckCommand name = var prefix
  std::vector<std::string> flags;
  std::vector<std::string> repeatable;
  int env_vars;
};

class Icinga2CommandMapping : public ::testing::TestWithParam<MappedCheck> {};

TEST_P(Icinga2CommandMapping, EveryOptionIsMappedOnce) {
  const MappedCheck& check = GetParam();
  const std::string all = slurp(kShipped + "/cfmon-commands.conf");
  const auto begin = all.find("object CheckCommand \"" + std::string(check.command) + "\" {");
  ASSERT_NE(begin, std::string::npos) << check.command;
  const auto next = all.find("object CheckCommand", begin + 1);
  const std::string conf = all.substr(begin, next == std::string::npos ? std::string::npos : next - begin);
  const std::string prefix = std::string(check.command) + "_";

  const auto help = run(check.binary, {"--help"});
  std::set<std::string> options;
  const std::regex long_option(R"((?:^|[ \[])--([a-z0-9][a-z0-9-]*))");
  std::istringstream lines(help.out);
  for (std::string line; std::getline(lines, line);) {
    // Option lines of the generated help: "  -x [ --long ] arg" or "  --long arg".
    if (line.rfind("  -", 0) != 0) continue;
    for (auto it = std::sregex_iterator(line.begin(), line.end(), long_option); it != std::sregex_iterator(); ++it) {
      options.insert((*it)[1]);
      break;
    }
  }
  ASSERT_GT(options.size(), 20U) << help.out;
  for (const auto& option : options) {
    if (option == "help" || option == "version") continue;
    const std::string key = "\"--" + option + "\" = {";
    const auto at = conf.find(key);
    ASSERT_NE(at, std::string::npos) << "--" << option << " is not mapped in " << check.command;
    const std::string block = conf.substr(at, conf.find('}', at) - at);
    EXPECT_NE(block.find("description = \""), std::string::npos) << "--" << option << " has no description";
    std::string var = option;
    for (char& c : var) c = c == '-' ? '_' : c;
    EXPECT_NE(block.find("$" + prefix + var + "$"), std::string::npos) << "--" << option << " is not " << prefix << var;
  }
  for (const auto& flag : check.flags) {
    const auto at = conf.find("\"--" + flag + "\" = {");
    ASSERT_NE(at, std::string::npos) << flag;
    EXPECT_NE(conf.substr(at, conf.find('}', at) - at).find("set_if"), std::string::npos) << flag << " is a flag";
  }
  for (const auto& repeatable : check.repeatable) {
    const auto at = conf.find("\"--" + repeatable + "\" = {");
    ASSERT_NE(at, std::string::npos) << repeatable;
    EXPECT_NE(conf.substr(at, conf.find('}', at) - at).find("repeat_key = true"), std::string::npos) << repeatable;
  }
  const auto env_at = conf.find("env = {");
  ASSERT_NE(env_at, std::string::npos);
  const std::string env_block = conf.substr(env_at, conf.find('}', env_at) - env_at);
  const std::string arguments = conf.substr(0, env_at);
  const std::regex macro(R"(\$([a-z0-9_]+)\$)");
  int env_vars = 0;
  for (auto it = std::sregex_iterator(env_block.begin(), env_block.end(), macro); it != std::sregex_iterator(); ++it) {
    ++env_vars;
    EXPECT_EQ((*it)[1].str().rfind(prefix, 0), 0U) << (*it)[1];
    EXPECT_EQ(arguments.find("$" + (*it)[1].str() + "$"), std::string::npos) << (*it)[1] << " is both env and argument";
  }
  EXPECT_EQ(env_vars, check.env_vars);
}

INSTANTIATE_TEST_SUITE_P(Checks, Icinga2CommandMapping,
                         ::testing::Values(MappedCheck{CFMON_CHECK_CF_ACCESS,
                                                       "cf_access",
                                                       {"expect-protected", "jwt-optional", "explain", "insecure",
                                                        "ipv4", "ipv6", "discover", "verbose"},
                                                       {"url", "target", "resolve", "expect-aud"},
                                                       3},
                                           MappedCheck{CFMON_CHECK_CF_SERVICE_TOKENS,
                                                       "cf_service_tokens",
                                                       {"insecure", "ipv4", "ipv6", "discover", "verbose"},
                                                       {"name", "id", "client-id", "resolve"},
                                                       1},
                                           MappedCheck{CFMON_CHECK_CF_TUNNELS,
                                                       "cf_tunnels",
                                                       {"insecure", "ipv4", "ipv6", "discover", "verbose"},
                                                       {"name", "id", "hostname", "resolve"},
                                                       1},
                                           MappedCheck{CFMON_CHECK_CF_ACCESS_LOGINS,
                                                       "cf_access_logins",
                                                       {"expect-activity", "insecure", "ipv4", "ipv6", "verbose"},
                                                       {"name", "id", "client-id", "allowed-cidr", "resolve"},
                                                       1},
                                           MappedCheck{CFMON_CHECK_CF_ACCESS_APPS,
                                                       "cf_access_apps",
                                                       {"orphans", "insecure", "ipv4", "ipv6", "discover", "verbose"},
                                                       {"name", "id", "client-id", "app", "domain", "resolve"},
                                                       1}),
                         [](const ::testing::TestParamInfo<MappedCheck>& param) {
                           return std::string(param.param.command);
                         });

TEST(Icinga2Daemon, ChecksOkWarningCriticalAppsAgainstTheEmulator) {
  CFMON_REQUIRE_TOOL(kIcinga, "icinga2-bin");
  auto& emu = shared_emulator();
  IcingaTree tree;
  // As Debian runs it: as nagios (where the test is root), its checks and credentials too.
  if (const auto nagios = daemon_account("nagios")) tree.become(*nagios);
  const std::string& d = tree.dir.path();
  tree.copy_shipped(false);
  const std::string ca = reachable_copy(tree.account, emu.ca_file(), d + "/cfmon");

  // The API listener always loads DataDir/certs/<NodeName>.crt|.key and ca.crt.
  const auto cert =
      run("/usr/bin/openssl", {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                               "-keyout", d + "/data/certs/cfmon-test.key", "-out", d + "/data/certs/cfmon-test.crt",
                               "-subj", "/CN=cfmon-test", "-days", "2"});
  ASSERT_EQ(cert.exit_code, 0) << cert.err;
  std::filesystem::copy_file(d + "/data/certs/cfmon-test.crt", d + "/data/certs/ca.crt");
  const std::string password = md5_hex(d + std::to_string(::getpid()));

  const std::string port = std::to_string(emu.port());
  const std::string account = emu.config().at("api").at("account_id");
  const std::string api_token = emu.config().at("api").at("api_tokens").at(0).at("token");
  const std::string env_file = tree.dir.write("cfmon/cf-access.env", emu.token_env_text());
  // origin-502 and legacy-403 read the token from the credentials file; ok gets it
  // through the CheckCommand's env (vars cf_access_token_client_*).
  std::string host =
      "object Host \"emulator\" {\n"
      "  check_command = \"dummy\"\n"
      "  vars.cf_access_ca_file = \"" +
      ca +
      "\"\n"
      "  vars.cf_access_resolve = [ \"ok.cfemu.test:" +
      port + ":127.0.0.1\", \"origin-502.cfemu.test:" + port + ":127.0.0.1\", \"legacy-403.cfemu.test:" + port +
      ":127.0.0.1\" ]\n"
      "  vars.cf_access_apps[\"ok\"] = { cf_access_url = \"" +
      emu.url("ok") + "\"; cf_access_token_client_id = \"" + emu.client_id("monitoring") +
      "\"; cf_access_token_client_secret = \"" + emu.client_secret("monitoring") +
      "\" }\n"
      "  vars.cf_access_apps[\"origin-502\"] = { cf_access_url = \"" +
      emu.url("origin-502") + "\"; cf_access_env_file = \"" + env_file +
      "\" }\n"
      "  vars.cf_access_apps[\"legacy-403\"] = { cf_access_url = \"" +
      emu.url("legacy-403") + "\"; cf_access_env_file = \"" + env_file +
      "\" }\n"
      // Token expiry through the emulator's API; the API token through env.
      "  vars.cf_service_tokens_api_url = \"https://api.cfemu.test:" +
      port +
      "/client/v4\"\n"
      "  vars.cf_service_tokens_resolve = \"api.cfemu.test:" +
      port +
      ":127.0.0.1\"\n"
      "  vars.cf_service_tokens_ca_file = \"" +
      ca +
      "\"\n"
      "  vars.cf_service_tokens_account_id = \"" +
      account +
      "\"\n"
      "  vars.cf_service_tokens_api_token = \"" +
      api_token +
      "\"\n"
      // As the shipped example host: the token list cached, in the CheckCommand's directory.
      "  vars.cf_service_tokens_cache_ttl = 300\n"
      "  vars.cf_service_tokens[\"other-team\"] = {}\n"
      "  vars.cf_service_tokens[\"monitoring\"] = { cf_service_tokens_warning_days = 2000 }\n"
      "  vars.cf_service_tokens[\"expired\"] = {}\n"
      // Logins of the monitoring token: only from 10.0.0.0/8 is allowed.
      "  vars.cf_access_logins_api_url = \"https://api.cfemu.test:" +
      port +
      "/client/v4\"\n"
      "  vars.cf_access_logins_resolve = \"api.cfemu.test:" +
      port +
      ":127.0.0.1\"\n"
      "  vars.cf_access_logins_ca_file = \"" +
      ca +
      "\"\n"
      "  vars.cf_access_logins_account_id = \"" +
      account +
      "\"\n"
      "  vars.cf_access_logins_api_token = \"" +
      api_token +
      "\"\n"
      // Tunnel health, one service per tunnel; the API token through env.
      "  vars.cf_tunnels_api_url = \"https://api.cfemu.test:" +
      port +
      "/client/v4\"\n"
      "  vars.cf_tunnels_resolve = \"api.cfemu.test:" +
      port +
      ":127.0.0.1\"\n"
      "  vars.cf_tunnels_ca_file = \"" +
      ca +
      "\"\n"
      "  vars.cf_tunnels_account_id = \"" +
      account +
      "\"\n"
      "  vars.cf_tunnels_api_token = \"" +
      api_token +
      "\"\n"
      "  vars.cf_tunnels[\"prod-web\"] = {}\n"
      "  vars.cf_tunnels[\"legacy-vpn\"] = {}\n"
      "  vars.cf_access_logins_name = \"monitoring\"\n"
      // The Access configuration for the monitoring token: one service per application.
      "  vars.cf_access_apps_api_url = \"https://api.cfemu.test:" +
      port +
      "/client/v4\"\n"
      "  vars.cf_access_apps_resolve = \"api.cfemu.test:" +
      port +
      ":127.0.0.1\"\n"
      "  vars.cf_access_apps_ca_file = \"" +
      ca +
      "\"\n"
      "  vars.cf_access_apps_account_id = \"" +
      account +
      "\"\n"
      "  vars.cf_access_apps_api_token = \"" +
      api_token +
      "\"\n"
      "  vars.cf_access_apps_name = \"monitoring\"\n"
      "  vars.cf_access_apps_audit[\"ok\"] = {}\n"
      "  vars.cf_access_apps_audit[\"bypass-everyone\"] = {}\n"
      "  vars.cf_access_logins_allowed_cidr = [ \"10.0.0.0/8\" ]\n"
      "}\n";
  spit(tree.conf_d + "/emulator-host.conf", host);
  tree.write_main(
      "object Endpoint NodeName {}\n"
      "object Zone ZoneName { endpoints = [ NodeName ] }\n" +
      checker_and_api(password));
  // A successful login of the monitoring token from 127.0.0.1 before Icinga starts, so
  // the logins service finds one outside 10.0.0.0/8 whatever order its checks run in.
  auto login_args = emu.connection_args("ok");
  login_args.insert(login_args.end(), {"-u", emu.url("ok"), "--env-file", env_file});
  ASSERT_EQ(run(CFMON_CHECK_CF_ACCESS, login_args).exit_code, 0);

  give_tree_to(d, tree.account);
  const auto check = validate(tree);
  ASSERT_EQ(check.exit_code, 0) << check.out << check.err;

  const std::string log = d + "/daemon.log";
  // As Debian's unit starts it: no HOME, nothing but PATH and the locale.
  Daemon icinga(tree.args(""), log, debian_unit_environment());
  // bind_port 0: the kernel picks the port, the log says which.
  const int api_port = wait_for_api_port(icinga, log, std::chrono::seconds(30));
  ASSERT_GT(api_port, 0) << slurp(log);
  IcingaApi api(api_port, "cfmon-test", password, d + "/data/certs/ca.crt");

  // The first check runs at a random point of check_interval: force it, once every object
  // is active (activation picks that random point and would undo an earlier reschedule).
  ASSERT_TRUE(
      wait_until([&] { return slurp(log).find("Activated all objects.") != std::string::npos || !icinga.running(); },
                 std::chrono::seconds(30)));
  ASSERT_TRUE(icinga.running()) << slurp(log);
  if (tree.account) {
    // Started as root, it runs as nagios (RunAsUser), as Debian's unit has it: its checks
    // read the credentials files as their owner.
    EXPECT_EQ(process_uid(icinga.pid()), static_cast<long>(tree.account->uid));
  }
  ASSERT_TRUE(wait_until(
      [&] {
        const auto r =
            api.call("POST", "/v1/actions/reschedule-check", R"({"type":"Service","filter":"true","force":true})");
        return r.status == 200 && nlohmann::json::parse(r.body).at("results").size() == 11;
      },
      std::chrono::seconds(30), std::chrono::milliseconds(100)))
      << slurp(log);

  std::map<std::string, nlohmann::json> results;
  HttpAnswer last;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto r = last = api.call("GET", "/v1/objects/services?attrs=last_check_result");
        if (r.status != 200) return false;
        results.clear();
        const auto body = nlohmann::json::parse(r.body);
        for (const auto& s : body.at("results")) {
          if (!s.at("attrs").at("last_check_result").is_null())
            results[s.at("name").get<std::string>()] = s.at("attrs").at("last_check_result");
        }
        return results.size() == 11;
      },
      std::chrono::seconds(60), std::chrono::milliseconds(100)))
      << last.status << " " << last.error << " " << last.body;

  struct Expect {
    const char* service;
    int state;
    const char* output;
  };
  for (const Expect& e : {Expect{"emulator!cf-access-ok", 0, "CF-ACCESS OK - ok.cfemu.test:"},
                          Expect{"emulator!cf-access-origin-502", 1, "CF-ACCESS WARNING - origin-502.cfemu.test:"},
                          Expect{"emulator!cf-access-legacy-403", 2, "CF-ACCESS CRITICAL - legacy-403.cfemu.test:"}}) {
    SCOPED_TRACE(e.service);
    ASSERT_EQ(results.count(e.service), 1U);
    const auto& cr = results[e.service];
    EXPECT_EQ(cr.at("state").get<double>(), e.state) << cr.dump();
    EXPECT_EQ(cr.at("exit_status").get<double>(), e.state) << cr.dump();
    const std::string output = cr.at("output");
    EXPECT_EQ(output.rfind(e.output, 0), 0U) << output;
    EXPECT_EQ(output.find('|'), std::string::npos) << output;

    std::map<std::string, Perfdata> perf;
    for (const auto& item : cr.at("performance_data")) {
      const auto p = parse_perfdata(item.get<std::string>());
      ASSERT_TRUE(p) << item;
      perf[p->label] = *p;
    }
    ASSERT_EQ(perf.size(), 5U) << cr.at("performance_data").dump();
    for (const char* label : {"time", "time_connect", "time_tls", "time_firstbyte"}) {
      ASSERT_EQ(perf.count(label), 1U) << label;
      EXPECT_EQ(perf[label].uom, "s");
      EXPECT_GT(perf[label].value, 0.0);
      EXPECT_LT(perf[label].value, 10.0);
    }
    EXPECT_EQ(perf["size"].uom, "B");
    EXPECT_GT(perf["size"].value, 0.0);

    // What Icinga ran: paths on the command line, never the secret.
    const std::string command = cr.at("command").dump();
    EXPECT_EQ(command.find(emu.client_secret("monitoring")), std::string::npos) << command;
  }
  EXPECT_NE(results["emulator!cf-access-origin-502"].at("command").dump().find(env_file), std::string::npos);

  // Tunnel health, one service per tunnel.
  for (const Expect& e : {Expect{"emulator!cf-tunnel-prod-web", 0, "CF-TUNNELS OK - prod-web: healthy: 2 connectors"},
                          Expect{"emulator!cf-tunnel-legacy-vpn", 2, "CF-TUNNELS CRITICAL - legacy-vpn: down: "}}) {
    SCOPED_TRACE(e.service);
    ASSERT_EQ(results.count(e.service), 1U);
    const auto& cr = results[e.service];
    EXPECT_EQ(cr.at("state").get<double>(), e.state) << cr.dump();
    const std::string output = cr.at("output");
    EXPECT_EQ(output.rfind(e.output, 0), 0U) << output;
    EXPECT_EQ(cr.at("command").dump().find(api_token), std::string::npos) << "the API token went through env";
  }

  // Token expiry, one service per token.
  for (const Expect& e : {Expect{"emulator!cf-token-other-team", 0, "CF-TOKENS OK - other-team: expires in "},
                          Expect{"emulator!cf-token-monitoring", 1, "CF-TOKENS WARNING - monitoring: expires in "},
                          Expect{"emulator!cf-token-expired", 2, "CF-TOKENS CRITICAL - expired: expired "}}) {
    SCOPED_TRACE(e.service);
    const auto& cr = results[e.service];
    EXPECT_EQ(cr.at("state").get<double>(), e.state) << cr.dump();
    const std::string output = cr.at("output");
    EXPECT_EQ(output.rfind(e.output, 0), 0U) << output;
    // days_left, and idle_days once the token was used (the access checks use monitoring).
    std::map<std::string, Perfdata> perf;
    for (const auto& item : cr.at("performance_data")) {
      const auto p = parse_perfdata(item.get<std::string>());
      ASSERT_TRUE(p) << item;
      perf[p->label] = *p;
    }
    ASSERT_EQ(perf.count("days_left"), 1U) << cr.dump();
    EXPECT_EQ(perf["days_left"].value > 0, e.state != 2) << perf["days_left"].value;
    EXPECT_EQ(perf["days_left"].crit, "7:");
    // The token's own, and the run's API budget when its answer came from the API (not the cache).
    for (const auto& [label, p] : perf) {
      EXPECT_TRUE(label == "days_left" || label == "idle_days" || label.starts_with("api_budget_")) << label;
    }
    EXPECT_EQ(cr.at("command").dump().find(api_token), std::string::npos) << "the API token went through env";
    EXPECT_EQ(output.find("warning:"), std::string::npos) << "the cache works without HOME: " << output;
  }
  // The three token services shared the list through Icinga's cache directory.
  EXPECT_FALSE(cache_entries(d + "/cache/cfmon").empty());

  // Logins: a successful login from outside the allowed networks is CRITICAL.
  const auto& logins = results["emulator!cf-access-logins"];
  EXPECT_EQ(logins.at("state").get<double>(), 2) << logins.dump();
  EXPECT_EQ(logins.at("output").get<std::string>().rfind("CF-LOGINS CRITICAL - monitoring: ", 0), 0U) << logins.dump();
  EXPECT_NE(logins.at("output").get<std::string>().find("127.0.0.1"), std::string::npos) << logins.dump();
  std::set<std::string> login_labels;
  for (const auto& item : logins.at("performance_data")) {
    const auto p = parse_perfdata(item.get<std::string>());
    ASSERT_TRUE(p) << item;
    login_labels.insert(p->label);
  }
  EXPECT_TRUE(login_labels.count("logins") && login_labels.count("failures")) << logins.dump();
  EXPECT_EQ(logins.at("command").dump().find(api_token), std::string::npos);

  // The Access configuration: the prediction check_cf_access_apps makes per application.
  for (const Expect& e :
       {Expect{"emulator!cf-apps-ok", 0, "CF-ACCESS-APPS OK - ok: token 'monitoring' admitted by Service Auth policy"},
        Expect{"emulator!cf-apps-bypass-everyone", 2,
               "CF-ACCESS-APPS CRITICAL - bypass-everyone: Bypass policy 'Public status page'"}}) {
    SCOPED_TRACE(e.service);
    const auto& cr = results[e.service];
    EXPECT_EQ(cr.at("state").get<double>(), e.state) << cr.dump();
    EXPECT_EQ(cr.at("output").get<std::string>().rfind(e.output, 0), 0U) << cr.dump();
    EXPECT_EQ(cr.at("command").dump().find(api_token), std::string::npos) << "the API token went through env";
  }

  icinga.stop();
  EXPECT_FALSE(icinga.running());
}

}  // namespace
}  // namespace cfmon::testing
