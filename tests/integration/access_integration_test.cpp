// check_cf_access end to end against the emulator: every row of the
// classification table, in every output format.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

struct Case {
  const char* app;
  const char* token;  // token name in the emulator config, or "wrong-secret"
  int state;
  const char* reason;
  const char* says;  // part of the human message
};

std::ostream& operator<<(std::ostream& os, const Case& c) {
  return os << c.app << "/" << c.token;
}

const char* state_name(int s) {
  static const char* const names[] = {"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  return names[s];
}

std::map<std::string, std::string> token_env(const Emulator& emu, const std::string& token) {
  if (token == "wrong-secret") {
    return {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
            {"CF_SERVICE_TOKEN_CLIENT_SECRET", std::string(64, 'f')}};
  }
  return {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id(token)},
          {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret(token)}};
}

RunResult check(const Case& c, const std::string& format, std::vector<std::string> extra = {}) {
  auto& emu = shared_emulator();
  std::vector<std::string> args{"-u", emu.url(c.app), "--format", format};
  for (auto& a : emu.connection_args(c.app)) args.push_back(a);
  for (auto& a : extra) args.push_back(a);
  return run(CFMON_CHECK_CF_ACCESS, args, token_env(emu, c.token));
}

class AccessTable : public ::testing::TestWithParam<Case> {};

TEST_P(AccessTable, Nagios) {
  const Case& c = GetParam();
  const auto r = check(c, "nagios");
  EXPECT_EQ(r.exit_code, c.state) << r.out << r.err;
  const std::string head = std::string("CF-ACCESS ") + state_name(c.state) + " - " + c.app + ".cfemu.test:";
  EXPECT_EQ(r.out.rfind(head, 0), 0U) << r.out;
  EXPECT_NE(r.out.find(c.says), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("| time="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("time_firstbyte"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST_P(AccessTable, Json) {
  const Case& c = GetParam();
  const auto r = check(c, "json");
  EXPECT_EQ(r.exit_code, c.state) << r.out;
  const auto doc = json::parse(r.out);
  ASSERT_EQ(doc.at("children").size(), 1U) << r.out;
  EXPECT_EQ(doc.at("children")[0].at("reason"), c.reason) << r.out;
  EXPECT_EQ(doc.at("state"), c.state);
}

TEST_P(AccessTable, Zabbix) {
  const Case& c = GetParam();
  const auto r = check(c, "zabbix");
  EXPECT_EQ(r.exit_code, 0) << "Zabbix ignores exit codes; a non-zero one only hides output";
  EXPECT_TRUE(r.err.empty()) << "Zabbix mixes stderr into the value: " << r.err;
  const auto doc = json::parse(r.out);
  EXPECT_EQ(doc.at("state"), c.state) << r.out;
  EXPECT_EQ(doc.at("result"), c.reason) << r.out;
  EXPECT_TRUE(doc.at("http_status").is_number_integer()) << r.out;
  EXPECT_TRUE(doc.at("response_time").is_number()) << r.out;
}

TEST_P(AccessTable, Influx) {
  const Case& c = GetParam();
  const auto r = check(c, "influx");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out.rfind("cf_access,", 0), 0U) << r.out;
  EXPECT_NE(r.out.find(std::string("result=") + c.reason), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("state=" + std::to_string(c.state) + "i"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("http_response_code="), std::string::npos) << r.out;
}

INSTANTIATE_TEST_SUITE_P(
    EveryRow, AccessTable,
    ::testing::Values(Case{"ok", "monitoring", 0, "token_accepted", "token accepted (HTTP 200)"},
                      Case{"strict-ok", "monitoring", 0, "token_accepted", "token accepted (HTTP 200)"},
                      Case{"single-header", "monitoring", 2, "token_rejected", "(HTTP 403)"},
                      // The app's own redirect stays inside its origin: followed, the token re-sent.
                      Case{"app-redirect", "monitoring", 0, "token_accepted",
                           "token accepted (HTTP 200 after 1 redirect, at https://"},
                      Case{"not-found", "monitoring", 1, "unexpected_status", "(HTTP 404)"},
                      Case{"origin-502", "monitoring", 1, "origin_down", "origin down (bad gateway) (HTTP 502)"},
                      Case{"origin-504", "monitoring", 1, "origin_down", "(HTTP 504)"},
                      Case{"origin-522", "monitoring", 1, "origin_down", "connection to origin timed out"},
                      Case{"tunnel-down", "monitoring", 1, "tunnel_down", "error 1033"},
                      Case{"login-redirect", "monitoring", 2, "login_redirect", "Access sent the login page"},
                      Case{"legacy-403", "monitoring", 2, "token_rejected", "token rejected by Access"},
                      Case{"legacy-401", "monitoring", 2, "token_invalid", "(HTTP 401)"},
                      Case{"strict-no-policy", "monitoring", 2, "token_rejected", "(HTTP 403)"},
                      Case{"strict-no-policy", "wrong-secret", 2, "token_invalid", "(HTTP 401)"},
                      Case{"ok", "expired", 2, "token_rejected", "token rejected by Access"},
                      Case{"ok", "disabled", 2, "token_rejected", "token rejected by Access"},
                      Case{"ok", "wrong-secret", 2, "token_rejected", "token rejected by Access"},
                      Case{"unprotected", "monitoring", 0, "token_accepted", "(HTTP 200)"},
                      Case{"waf-blocked", "monitoring", 2, "forbidden_waf", "not by Access"}),
    [](const ::testing::TestParamInfo<Case>& param_info) {
      std::string name = std::string(param_info.param.app) + "_" + param_info.param.token;
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(AccessEndToEnd, SingleHeaderAppAcceptsTheTokenAsOneJsonHeader) {
  const auto r = check(Case{"single-header", "monitoring", 0, "", ""}, "nagios", {"--token-header", "Authorization"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("token accepted"), std::string::npos) << r.out;
}

TEST(AccessEndToEnd, ExpectProtectedFlagsAnUnprotectedApp) {
  const auto open = check(Case{"unprotected", "monitoring", 0, "", ""}, "nagios", {"--expect-protected"});
  EXPECT_EQ(open.exit_code, 2) << open.out;
  EXPECT_NE(open.out.find("NOT PROTECTED"), std::string::npos) << open.out;
  const auto guarded = check(Case{"ok", "monitoring", 0, "", ""}, "nagios", {"--expect-protected"});
  EXPECT_EQ(guarded.exit_code, 0) << guarded.out;
  EXPECT_NE(guarded.out.find("Access blocks anonymous requests"), std::string::npos) << guarded.out;
}

TEST(AccessEndToEnd, TimeoutTakesTheTimeoutStateAndKeepsTheDeadline) {
  const auto r = check(Case{"slow", "monitoring", 0, "", ""}, "nagios", {"-t", "1", "--timeout-state", "unknown"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("no complete answer in time"), std::string::npos) << r.out;
  const auto default_state = check(Case{"slow", "monitoring", 0, "", ""}, "nagios", {"-t", "1"});
  EXPECT_EQ(default_state.exit_code, 2) << default_state.out;
  // The deadline, on the check's own clock (a loaded machine may take long to start the
  // process, not to keep the deadline): the probe gave up at about 1 s, long before the
  // origin's 3 s answer.
  const auto timed = check(Case{"slow", "monitoring", 0, "", ""}, "zabbix", {"-t", "1"});
  const auto value = nlohmann::json::parse(timed.out, nullptr, false);
  ASSERT_TRUE(value.is_object()) << timed.out;
  EXPECT_EQ(value.value("result", ""), "timeout") << timed.out;
  ASSERT_TRUE(value.contains("response_time")) << timed.out;
  EXPECT_GE(value.at("response_time").get<double>(), 0.9) << timed.out;
  EXPECT_LT(value.at("response_time").get<double>(), 2.5) << "a 1 s timeout must end the probe at 1 s: " << timed.out;
}

TEST(AccessEndToEnd, ResponseTimeThresholdsUseTheRangeGrammar) {
  const auto r = check(Case{"slow", "monitoring", 0, "", ""}, "nagios", {"-w", "1", "-c", "10"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("s;1;10;0"), std::string::npos) << "thresholds belong in the perfdata: " << r.out;
}

TEST(AccessEndToEnd, StatusMapOverridesTheDefaultState) {
  const auto r = check(Case{"not-found", "monitoring", 0, "", ""}, "nagios", {"--status-map", "404=ok"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

// The check of https://<host>/ with <host> (name:port) resolved to 127.0.0.1, trusting the
// emulator's CA; it must be CRITICAL and say `what`.
void expect_critical_at(const std::string& host, const std::string& what) {
  auto& emu = shared_emulator();
  const auto r = run(CFMON_CHECK_CF_ACCESS,
                     {"-u", "https://" + host + "/", "--resolve", host + ":127.0.0.1", "--ca-file", emu.ca_file()},
                     token_env(emu, "monitoring"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find(what), std::string::npos) << r.out;
}

TEST(AccessEndToEnd, ConnectionRefusedIsCritical) {
  expect_critical_at("ok.cfemu.test:" + std::to_string(closed_port()), "connection failed");
}

TEST(AccessEndToEnd, UntrustedCertificateIsATlsFailure) {
  auto& emu = shared_emulator();
  const auto r = run(CFMON_CHECK_CF_ACCESS,
                     {"-u", emu.url("ok"), "--resolve", "ok.cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1"},
                     token_env(emu, "monitoring"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("TLS failed"), std::string::npos) << r.out;
  // -k skips verification and reaches the app.
  const auto insecure =
      run(CFMON_CHECK_CF_ACCESS,
          {"-k", "-u", emu.url("ok"), "--resolve", "ok.cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1"},
          token_env(emu, "monitoring"));
  EXPECT_EQ(insecure.exit_code, 0) << insecure.out;
}

TEST(AccessEndToEnd, WrongHostnameIsATlsFailure) {
  expect_critical_at("wrong-name.example.net:" + std::to_string(shared_emulator().port()), "TLS failed");
}

TEST(AccessEndToEnd, DnsFailureIsCritical) {
  auto& emu = shared_emulator();
  const auto r =
      run(CFMON_CHECK_CF_ACCESS, {"-u", "https://no-such-app.invalid/", "-t", "5"}, token_env(emu, "monitoring"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("DNS lookup failed"), std::string::npos) << r.out;
}

TEST(AccessEndToEnd, ManyTargetsFromAFileGiveOneSummaryAndOneLinePerApp) {
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string file =
      dir.write("targets", "# name url\r\nok " + emu.url("ok") + "\n\nbroken " + emu.url("origin-502") + "\nrejected " +
                               emu.url("legacy-403") + "  # the Service Auth policy was removed\n");
  std::vector<std::string> args{"--targets-file", file, "--ca-file", emu.ca_file()};
  for (const char* app : {"ok", "origin-502", "legacy-403"}) {
    args.push_back("--resolve");
    args.push_back(std::string(app) + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1");
  }
  const auto r = run(CFMON_CHECK_CF_ACCESS, args, token_env(emu, "monitoring"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(r.out.rfind("CF-ACCESS CRITICAL - 3 apps: 1 critical, 1 warning, 1 ok", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("rejected: token rejected by Access"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("broken: token accepted, origin down"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("ok_time="), std::string::npos) << r.out;

  const auto discovery = run(CFMON_CHECK_CF_ACCESS, {"--targets-file", file, "--discover", "--format", "zabbix"});
  EXPECT_EQ(discovery.exit_code, 0) << discovery.out;
  const auto lld = nlohmann::json::parse(discovery.out);
  ASSERT_EQ(lld.size(), 3U);
  EXPECT_EQ(lld[1].at("{#NAME}"), "broken");
}

// Discovery goes through the formatter layer: the format asked for, and no credentials needed.
TEST(AccessEndToEnd, DiscoveryFollowsTheFormat) {
  TempDir dir;
  const std::string file = dir.write("targets", "shop https://shop.example.com/\nwiki https://wiki.example.com/\n");
  const auto zabbix = run(CFMON_CHECK_CF_ACCESS, {"--targets-file", file, "--discover", "--format", "zabbix"});
  EXPECT_EQ(zabbix.exit_code, 0) << zabbix.out;
  EXPECT_EQ(nlohmann::json::parse(zabbix.out)[1].at("{#URL}"), "https://wiki.example.com/");
  const auto as_json = run(CFMON_CHECK_CF_ACCESS, {"--targets-file", file, "--discover", "--format", "json"});
  EXPECT_EQ(as_json.exit_code, 0) << as_json.out;
  EXPECT_EQ(nlohmann::json::parse(as_json.out)[0].at("name"), "shop");
  const auto nagios = run(CFMON_CHECK_CF_ACCESS, {"--targets-file", file, "--discover"});
  EXPECT_EQ(nagios.exit_code, 0) << nagios.out;
  EXPECT_EQ(nagios.out, "CF-ACCESS OK - discovered 2: shop, wiki\n");
}

// An abbreviation would silently change its meaning once a later option shares the prefix.
TEST(AccessEndToEnd, AbbreviatedLongOptionsAreRefused) {
  const auto r = run(CFMON_CHECK_CF_ACCESS, {"-u", "https://shop.example.com/", "--crit", "5"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(r.out.rfind("CF-ACCESS UNKNOWN - unrecognised option '--crit'", 0), 0U) << r.out;
}

TEST(AccessEndToEnd, MissingCredentialsAreUnknownAndNameEveryPlace) {
  auto& emu = shared_emulator();
  const auto r = run(CFMON_CHECK_CF_ACCESS, {"-u", emu.url("ok")});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(r.out.rfind("CF-ACCESS UNKNOWN - missing service token", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("CF_SERVICE_TOKEN_CLIENT_SECRET"), std::string::npos) << r.out;
}

TEST(AccessEndToEnd, EnvFileWithSuffixPicksTheRotatedToken) {
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string env = dir.write(
      ".env", "\xEF\xBB\xBF# rotation in progress\r\nexport CF_SERVICE_TOKEN_CLIENT_ID=\"" + emu.client_id("expired") +
                  "\"\r\nCF_SERVICE_TOKEN_CLIENT_SECRET='" + emu.client_secret("expired") +
                  "'\r\nCF_SERVICE_TOKEN_CLIENT_ID_NEW=" + emu.client_id("monitoring") +
                  "\r\nCF_SERVICE_TOKEN_CLIENT_SECRET_NEW=" + emu.client_secret("monitoring") + "\r\n");
  std::vector<std::string> args{"-u", emu.url("ok"), "--env-file", env};
  for (auto& a : emu.connection_args("ok")) args.push_back(a);
  EXPECT_EQ(run(CFMON_CHECK_CF_ACCESS, args).exit_code, 2);
  args.push_back("--env-suffix");
  args.push_back("NEW");
  const auto r = run(CFMON_CHECK_CF_ACCESS, args);
  EXPECT_EQ(r.exit_code, 0) << r.out;
}

TEST(AccessEndToEnd, BadArgumentsAreUnknownWithAOneLineReason) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"-u", "https://x.example/", "-w", "abc"},
        std::vector<std::string>{"-u", "https://x.example/", "--format", "xml"},
        std::vector<std::string>{"-u", "ftp://x.example/"}, std::vector<std::string>{"--no-such-option"},
        std::vector<std::string>{"-u", "https://x.example/", "--timeout-state", "maybe"},
        std::vector<std::string>{"--targets-file", "/nonexistent/targets"},
        std::vector<std::string>{"-u", "https://x.example/", "--client-secret", "oops"}}) {
    const auto r = run(CFMON_CHECK_CF_ACCESS, args,
                       {{"CF_SERVICE_TOKEN_CLIENT_ID", "a.access"}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", "b"}});
    EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.out;
    EXPECT_EQ(r.out.rfind("CF-ACCESS UNKNOWN - ", 0), 0U) << r.out;
  }
}

TEST(AccessEndToEnd, SendsAnExplicitUserAgentNamingThePlugin) {
  auto& emu = shared_emulator();
  std::vector<std::string> args{"-u", emu.url("echo"), "-vvv"};
  for (auto& a : emu.connection_args("echo")) args.push_back(a);
  const auto r = run(CFMON_CHECK_CF_ACCESS, args, token_env(emu, "monitoring"));
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("> User-Agent: check_cf_access/"), std::string::npos) << r.err;
}

TEST(AccessEndToEnd, HelpAndVersion) {
  const auto help = run(CFMON_CHECK_CF_ACCESS, {"--help"});
  EXPECT_EQ(help.exit_code, 3);
  EXPECT_NE(help.out.find("--expect-protected"), std::string::npos);
  EXPECT_EQ(help.out.find("--client-secret "), std::string::npos) << "no option may take the secret itself";
  const auto version = run(CFMON_CHECK_CF_ACCESS, {"-V"});
  EXPECT_EQ(version.exit_code, 3);
  EXPECT_EQ(version.out.rfind("check_cf_access ", 0), 0U) << version.out;
}

}  // namespace
}  // namespace cfmon::testing
