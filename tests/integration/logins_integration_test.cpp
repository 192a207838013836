// check_cf_access_logins end to end: real edge traffic (check_cf_access against the
// emulator's apps) and injected events, read back through the emulator's GraphQL
// endpoint. Every test starts its own emulator, so its login log holds only what
// the test did.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/http.hpp"
#include "emulator_control.hpp"
#include "harness.hpp"
#include "hostile_api.hpp"
#include "support/emulator_defaults.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

const std::string kMonitoringId = "11111111-1111-4111-8111-111111111111";

void control(const Emulator& emu, const std::string& path, const json& body) {
  emulator_control(emu, "POST", path, body);
}

// check_cf_access against `app` with the token `name`'s client ID and `secret`.
int edge_probe(const Emulator& emu, const std::string& app, const std::string& name, const std::string& secret) {
  std::vector<std::string> args = {"-u", emu.url(app)};
  for (auto& a : emu.connection_args(app)) args.push_back(a);
  const auto r = run(CFMON_CHECK_CF_ACCESS, args,
                     {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id(name)}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", secret}});
  return r.exit_code;
}

RunResult logins(const Emulator& emu, std::vector<std::string> args) {
  auto all = emu.api_args();
  all.insert(all.end(), args.begin(), args.end());
  auto r = run(CFMON_CHECK_CF_ACCESS_LOGINS, all,
               {{"CF_API_TOKEN", kEmulatorAdminToken}, {"CF_ACCOUNT_ID", kEmulatorAccount}});
  // No secret anywhere: neither the API token nor any client secret of the config.
  for (const auto& name : {"monitoring", "other-team"}) {
    EXPECT_EQ(r.out.find(emu.client_secret(name)), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(emu.client_secret(name)), std::string::npos) << r.err;
  }
  EXPECT_EQ(r.out.find(kEmulatorAdminToken), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(kEmulatorAdminToken), std::string::npos) << r.err;
  return r;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

TEST(LoginsIntegration, RealEdgeTrafficSuccessAndAStrictFailureShowUp) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  auto r = logins(emu, {"--name", "monitoring"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(first_line(r.out),
            "CF-LOGINS OK - monitoring: 0 logins, 0 failures from 0 addresses in the last 15m | "
            "logins=0c;;;0 failures=0c;;;0 distinct_ips=0;;;0 api_budget_remaining=1198;;;0 "
            "api_budget_quota=1200;;;0")
      << "a fresh window: the token list and the query spent 2 of 1200\n"
      << r.out;
  r = logins(emu, {"--name", "monitoring", "--expect-activity"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("the automation that should use the token has stopped"), std::string::npos) << r.out;

  ASSERT_EQ(edge_probe(emu, "strict-ok", "monitoring", emu.client_secret("monitoring")), 0);
  ASSERT_NE(edge_probe(emu, "strict-ok", "monitoring", std::string(64, '0')), 0);  // a wrong secret, strict: logged

  r = logins(emu, {"--name", "monitoring", "--expect-activity"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("monitoring: 1 login, 1 failure from 1 address in the last 15m"), std::string::npos) << r.out;
  r = logins(emu, {"--client-id", emu.client_id("monitoring"), "-w", "0", "-c", "5"});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("WARNING - monitoring: 1 failed login in the last 15m"), std::string::npos) << r.out;
  r = logins(emu, {"--id", kMonitoringId, "--allowed-cidr", "127.0.0.0/8"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  r = logins(emu, {"--id", kMonitoringId, "--allowed-cidr", "10.0.0.0/8", "--allowed-cidr", "::1"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("CRITICAL - monitoring: login from outside the allowed networks: 127.0.0.1 at 20"),
            std::string::npos)
      << r.out;
  // The other token saw nothing; a replay window before the traffic sees nothing either.
  r = logins(emu, {"--name", "other-team", "--until", "1h"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("0 logins"), std::string::npos) << r.out;
  r = logins(emu, {"--name", "monitoring", "--until", "1h"});
  EXPECT_NE(r.out.find("0 logins, 0 failures"), std::string::npos) << r.out;
}

TEST(LoginsIntegration, InjectedForeignIpv4AndIpv6AddressesAgainstAllowedNetworks) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  control(emu, "login-events",
          json::array({{{"token_id", kMonitoringId}, {"ip", "203.0.113.7"}, {"count", 3}},
                       {{"token_id", kMonitoringId}, {"ip", "2001:db8::7"}},
                       {{"token_id", kMonitoringId}, {"ip", "192.0.2.10"}, {"success", false}, {"count", 6}}}));
  auto r = logins(emu, {"--name", "monitoring", "--allowed-cidr", "192.0.2.0/24", "--allowed-cidr", "2001:db8::/32"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("203.0.113.7 at "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(3x)"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("2001:db8::7 at"), std::string::npos) << r.out;
  r = logins(emu, {"--name", "monitoring", "--allowed-cidr", "203.0.113.0/24", "--allowed-cidr", "2001:db9::/32"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("2001:db8::7 at "), std::string::npos) << r.out;
  r = logins(emu, {"--name", "monitoring", "--allowed-cidr", "0.0.0.0/0", "--allowed-cidr", "::/0", "-c", "5"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("6 failed logins"), std::string::npos) << r.out;
  r = logins(emu, {"--name", "monitoring", "--max-logins", "3"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("4 logins in the last 15m, more than --max-logins 3"), std::string::npos) << r.out;

  // The same numbers in the other formats.
  r = logins(emu, {"--name", "monitoring", "--format", "influx"});
  EXPECT_NE(r.out.find("cf_access_logins,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("logins=4i"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("failures=6i"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("distinct_ips=3i"), std::string::npos) << r.out;
  r = logins(emu, {"--name", "monitoring", "--format", "json"});
  EXPECT_NE(r.out.find("\"distinct_ips\""), std::string::npos) << r.out;
  EXPECT_TRUE(json::accept(r.out)) << r.out;
  r = logins(emu, {"--name", "monitoring", "--format", "zabbix"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("\"failures\""), std::string::npos) << r.out;
}

TEST(LoginsIntegration, UserLoginsCannotCrowdServiceTokenLoginsOutOfTheLimit) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  // Many identity (user) logins beside two service-token logins, more than --limit.
  json users = json::array();
  for (int i = 0; i < 30; ++i) {
    users.push_back({{"identity_provider", "github"}, {"ip", "198.51.100." + std::to_string(i + 1)}});
  }
  users.push_back({{"token_id", kMonitoringId}, {"ip", "192.0.2.10"}, {"count", 2}});
  control(emu, "login-events", users);
  const auto r = logins(emu, {"--name", "monitoring", "--limit", "5"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("monitoring: 2 logins, 0 failures from 1 address"), std::string::npos) << r.out;
}

TEST(LoginsIntegration, AGraphqlErrorIsUnknownWithItsMessage) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  // The dataset refuses windows longer than 31 days: HTTP 200 with an errors array.
  const auto r = logins(emu, {"--name", "monitoring", "--since", "40d"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(
      first_line(r.out).rfind("CF-LOGINS UNKNOWN - the GraphQL query failed: the requested time range is too large", 0),
      0U)
      << r.out;
}

TEST(LoginsIntegration, TheCacheSharesOneGraphqlAnswerWithinItsTtl) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  TempDir cache;
  // A fixed window end: runs either side of a TTL boundary would otherwise ask twice.
  const std::string until = "2026-01-01T00:00:00Z";
  auto r =
      logins(emu, {"--name", "monitoring", "--until", until, "--cache-ttl", "600", "--cache-dir", cache.path() + "/c"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  r = logins(
      emu, {"--name", "other-team", "--until", until, "--cache-ttl", "600", "--cache-dir", cache.path() + "/c", "-v"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("cache hit: graphql"), std::string::npos) << r.err;
}

TEST(LoginsIntegration, TheApiBudgetIsAMetricAndJudgedByMinApiBudget) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  control(emu, "rate_limit", {{"requests", 60}, {"window_seconds", 300}});
  auto r = logins(emu, {"--name", "monitoring"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.out, m, std::regex("api_budget_remaining=([0-9]+);;;0"))) << r.out;
  const int left = std::stoi(m[1]);
  EXPECT_GE(left, 50) << "the token list and one GraphQL query, not more";
  EXPECT_LT(left, 60) << r.out;
  EXPECT_NE(r.out.find("api_budget_quota=60;;;0"), std::string::npos) << r.out;

  r = logins(emu, {"--name", "monitoring", "--min-api-budget", "100"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(first_line(r.out).rfind("CF-LOGINS WARNING - ", 0), 0U) << r.out;
  EXPECT_TRUE(std::regex_search(first_line(r.out),
                                std::regex("Cloudflare API budget low: [0-9]+ of 60 requests left in this 300 s window "
                                           "\\(--min-api-budget 100\\)")))
      << r.out;
  r = logins(emu, {"--name", "monitoring", "--min-api-budget", "100", "--format", "json"});
  EXPECT_EQ(json::parse(r.out)["reason"], "api_budget_low") << r.out;
}

// ---------------------------------------------------------------- a hostile API

// The one token the hostile API lists, and a GraphQL answer around `groups` (JSON text).
void serve_one_token(HostileApi& api) {
  api.set_list_body(v4_success(json::array({{{"id", kMonitoringId},
                                             {"client_id", "m.access"},
                                             {"name", "monitoring"},
                                             {"duration", "forever"},
                                             {"enabled", true}}})
                                   .dump()));
}

std::string login_groups(const std::string& groups) {
  return R"({"data":{"viewer":{"accounts":[{"accessLoginRequestsAdaptiveGroups":)" + groups + "}]}}}";
}

// A 300 000-deep array (600 KB) in the GraphQL answer used to overflow the stack in
// the check's copies (SIGSEGV, no output): now one UNKNOWN line.
TEST(LoginsIntegration, DeeplyNestedJsonIsOneUnknownLineNotACrash) {
  HostileApi api;
  serve_one_token(api);
  api.set_graphql_body(login_groups(nested_arrays(300000)));
  auto r = run_against(api, CFMON_CHECK_CF_ACCESS_LOGINS, {"--name", "monitoring"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("CF-LOGINS UNKNOWN - ", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("nested deeper than 64 levels"), std::string::npos) << r.out;
  // The same depth in the token list.
  api.set_list_body(v4_success(nested_arrays(300000)));
  r = run_against(api, CFMON_CHECK_CF_ACCESS_LOGINS, {"--name", "monitoring"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("nested deeper than 64 levels"), std::string::npos) << r.out;
}

// Wrong JSON types used to read "internal error: [json.exception.type_error…]"; counts
// whose sum overflowed read as negative logins, OK despite --max-logins.
TEST(LoginsIntegration, WrongTypesAndAbsurdCountsAreABadAnswerNamingTheField) {
  HostileApi api;
  serve_one_token(api);
  const auto group = [](const std::string& count) {
    return R"({"count":)" + count + R"(,"dimensions":{"serviceTokenId":")" + kMonitoringId +
           R"(","isSuccessfulLogin":1,"ipAddress":"192.0.2.1","datetime":"2026-01-01T00:00:00Z"}})";
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"data":{"viewer":{"accounts":[null]}}})", "accounts[0] is null, not an object"},
      {login_groups("[" + group("\"12\"") + "]"), "count is a string, not an integer"},
      {login_groups("[" + group("4611686018427387904") + "," + group("4611686018427387904") + "]"),
       "a group counts 4611686018427387904 logins"},
      {R"({"data":null,"errors":[{"message":404}]})", "errors[0].message is a number, not a string"},
  };
  for (const auto& [body, says] : cases) {
    api.set_graphql_body(body);
    const auto r = run_against(api, CFMON_CHECK_CF_ACCESS_LOGINS, {"--name", "monitoring", "--max-logins", "10"});
    EXPECT_EQ(r.exit_code, 3) << body << "\n" << r.out << r.err;
    EXPECT_EQ(r.out.find("internal error"), std::string::npos) << r.out;
    EXPECT_NE(first_line(r.out).find(says), std::string::npos) << body << "\n" << r.out;
  }
}

// -t is the budget of the whole run: the token list and the GraphQL query share it
// (they used to get -t each, and the cache lock a third). Each answer takes 1.5 s here:
// with -t 2 the query gets what the list left, not a fresh 2 s.
TEST(LoginsIntegration, TimeoutIsTheBudgetOfTheWholeRun) {
  HostileApi api;
  serve_one_token(api);
  api.set_graphql_body(login_groups("[]"));
  api.set_delay(std::chrono::milliseconds(1500));
  const auto r = run_against(api, CFMON_CHECK_CF_ACCESS_LOGINS, {"--name", "monitoring", "-t", "2"});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("CF-LOGINS UNKNOWN - ", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("answer from the Cloudflare API"), std::string::npos) << r.out;
}

TEST(LoginsIntegration, BadArgumentsAreOneLineUnknown) {
  auto& emu = shared_emulator();
  for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
           {"--since", "soon"}, {"--allowed-cidr", "10.0.0.0/33"}, {"--until", "tomorrow"}, {"-w", "x"}}) {
    const auto r = logins(emu, bad);
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << r.out;
  }
}

}  // namespace
}  // namespace cfmon::testing
