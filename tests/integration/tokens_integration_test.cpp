// check_cf_service_tokens end to end against the emulator's v4 API: every state, the
// cache, the API faults and the secrets. Each test that changes the emulator (clock,
// tokens, faults, rate limit) gets a fresh emulator, so tests stay independent.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cfmon/http.hpp"
#include "harness.hpp"
#include "hostile_api.hpp"
#include "support/emulator_defaults.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

const std::string kNoRead = "cfemu-noread-0123456789abcdef0123456789ab";

std::string api_token(const std::string& name) {
  static const std::map<std::string, std::string> tokens = {
      {"admin", kEmulatorAdminToken},
      {"read-only", "cfemu-readonly-0123456789abcdef0123456789"},
      {"no-read", kNoRead},
      {"other-account", "cfemu-otheracct-0123456789abcdef01234567"},
      {"no-access", "cfemu-noaccess-0123456789abcdef012345678"},
      {"revoked", "cfemu-revoked-0123456789abcdef0123456789a"},
      {"fault-500", "cfemu-fault500-0123456789abcdef012345678"},
      {"fault-invalid-json", "cfemu-faultjson-0123456789abcdef01234567"},
      {"fault-truncated", "cfemu-faulttrunc-0123456789abcdef0123456"},
      {"fault-success-false", "cfemu-faultfalse-0123456789abcdef0123456"},
      {"fault-html", "cfemu-faulthtml-0123456789abcdef01234567"},
      {"fault-endless", "cfemu-faultendless-0123456789abcdef012345"},
      {"fault-slow", "cfemu-faultslow-0123456789abcdef01234567"},
  };
  return tokens.at(name);
}

// Talks to the emulator directly: the API as an admin would, the control endpoints,
// and the edge (to leave a last_seen_at).
class EmulatorDriver {
 public:
  explicit EmulatorDriver(const Emulator& emu) : emu_(emu), client_(transport_to(emu)) {}

  json call(const std::string& method, const std::string& path, const json& body = nullptr,
            const std::string& token = kEmulatorAdminToken) {
    http::Request r;
    r.url = "https://api.cfemu.test:" + std::to_string(emu_.port()) + path;
    r.method = method;
    if (!body.is_null()) r.body = body.dump();
    r.headers.emplace_back("Content-Type", "application/json");
    if (!token.empty()) r.secret_headers.emplace_back("Authorization", Secret("Bearer " + token));
    r.max_body_bytes = 1 << 20;
    auto out = client_.perform({r}, 1);
    const auto* response = std::get_if<http::Response>(&out.at(0));
    if (response == nullptr)
      throw std::runtime_error("emulator API unreachable: " + std::get<http::TransportError>(out[0]).message);
    return json::parse(response->body);
  }

  json tokens_call(const std::string& method, const std::string& suffix = "", const json& body = nullptr) {
    return call(method, "/client/v4/accounts/" + kEmulatorAccount + "/access/service_tokens" + suffix, body);
  }

  void set_clock_offset_days(double days) {
    call("POST", "/__emulator/clock", {{"offset_seconds", static_cast<long long>(days * 86400)}}, "");
  }
  std::size_t api_requests() { return call("GET", "/__emulator/stats", nullptr, "")["api_requests"]; }

  // A token created while the emulator's clock is `days_ago` in the past.
  json create_backdated(const std::string& name, const std::string& duration, double days_ago) {
    set_clock_offset_days(-days_ago);
    auto created = tokens_call("POST", "", {{"name", name}, {"duration", duration}});
    set_clock_offset_days(0);
    EXPECT_EQ(created["success"], true) << created.dump();
    return created["result"];
  }

  // One request to the edge with this token, while the clock is `days_ago` in the past.
  long use_at_edge(const std::string& client_id, const std::string& secret, double days_ago) {
    set_clock_offset_days(-days_ago);
    http::Request r;
    r.url = emu_.url("echo");
    r.headers.emplace_back("CF-Access-Client-Id", client_id);
    r.secret_headers.emplace_back("CF-Access-Client-Secret", Secret(secret));
    auto out = client_.perform({r}, 1);
    set_clock_offset_days(0);
    const auto* response = std::get_if<http::Response>(&out.at(0));
    return response == nullptr ? -1 : response->status;
  }

 private:
  // The emulator's API and edge names resolved to it, its CA trusted.
  static http::Transport transport_to(const Emulator& emu) {
    http::Transport t;
    const std::string port = std::to_string(emu.port());
    t.resolve = {"api.cfemu.test:" + port + ":127.0.0.1", "echo.cfemu.test:" + port + ":127.0.0.1"};
    t.ca_file = emu.ca_file();
    return t;
  }

  const Emulator& emu_;
  http::CurlClient client_;
};

std::vector<std::string> api_args(const Emulator& emu) {
  return emu.api_args();
}

RunResult check(const Emulator& emu, std::vector<std::string> args, const std::string& token_name = "admin",
                std::map<std::string, std::string> env = {}) {
  auto all = api_args(emu);
  all.insert(all.end(), args.begin(), args.end());
  if (env.count("CF_API_TOKEN") == 0) env["CF_API_TOKEN"] = api_token(token_name);
  if (env.count("CF_ACCOUNT_ID") == 0) env["CF_ACCOUNT_ID"] = kEmulatorAccount;
  auto result = run(CFMON_CHECK_CF_SERVICE_TOKENS, all, env);
  // Whatever happened, the API token is nowhere to be seen.
  EXPECT_EQ(result.out.find(env["CF_API_TOKEN"]), std::string::npos) << result.out;
  EXPECT_EQ(result.err.find(env["CF_API_TOKEN"]), std::string::npos) << result.err;
  EXPECT_EQ(result.cmdline.find(env["CF_API_TOKEN"]), std::string::npos);
  return result;
}

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// ---------------------------------------------------------------- states

TEST(TokensIntegration, OkWithPerfdata) {
  auto& emu = shared_emulator();
  const auto r = check(emu, {"--name", "monitoring"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("CF-TOKENS OK - monitoring: expires in ", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("(2030-01-01) | days_left="), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(";30:;7:"), std::string::npos) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(TokensIntegration, ExpiredDisabledAndMissingAreCritical) {
  auto& emu = shared_emulator();
  auto r = check(emu, {"--name", "expired"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(first_line(r.out).rfind("CF-TOKENS CRITICAL - expired: expired ", 0), 0U) << r.out;
  r = check(emu, {"--name", "disabled"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("disabled (enabled: false)"), std::string::npos) << r.out;
  r = check(emu, {"--id", "99999999-9999-4999-8999-999999999999"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.out.find("may have been deleted, or cleaned up by Cloudflare for inactivity"), std::string::npos)
      << r.out;
}

TEST(TokensIntegration, ExpiryWindowsFollowTheEmulatorClock) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  driver.create_backdated("soon", "720h", 10);     // 30 days from 10 days ago: 20 left
  driver.create_backdated("sooner", "720h", 25);   // 5 left
  driver.create_backdated("gone-by", "720h", 31);  // expired a day ago
  auto r = check(emu, {"--name", "soon"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("CF-TOKENS WARNING - soon: expires in 19 days"), std::string::npos) << r.out;
  r = check(emu, {"--name", "sooner"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("sooner: expires in 4 days"), std::string::npos) << r.out;
  r = check(emu, {"--name", "sooner", "-w", "10", "-c", "3"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  r = check(emu, {"--name", "gone-by"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("gone-by: expired 1 day ago"), std::string::npos) << r.out;
}

TEST(TokensIntegration, RefreshAndDeleteThroughTheApiShowUpInTheCheck) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  const auto token = driver.create_backdated("ci", "8760h", 362);
  const std::string id = token["id"];
  EXPECT_EQ(check(emu, {"--id", id}).exit_code, 2);
  driver.tokens_call("POST", "/" + id + "/refresh");
  auto r = check(emu, {"--id", id});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  driver.tokens_call("DELETE", "/" + id);
  r = check(emu, {"--id", id});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("may have been deleted"), std::string::npos) << r.out;
}

TEST(TokensIntegration, IdleAndNeverUsedWarn) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  ASSERT_EQ(driver.use_at_edge(emu.client_id("monitoring"), emu.client_secret("monitoring"), 100), 200);
  auto r = check(emu, {"--name", "monitoring", "--max-idle-days", "30"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("monitoring: last used 100 days ago"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("idle_days=100;30;;0"), std::string::npos) << r.out;
  r = check(emu, {"--name", "other-team", "--max-idle-days", "30"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("never used"), std::string::npos) << r.out;
  ASSERT_EQ(driver.use_at_edge(emu.client_id("monitoring"), emu.client_secret("monitoring"), 0), 200);
  r = check(emu, {"--name", "monitoring", "--max-idle-days", "30"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("last used today"), std::string::npos) << r.out;
}

TEST(TokensIntegration, ForeverIsOkUnlessAMaximumLifetimeIsSet) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  driver.create_backdated("legacy", "forever", 0);
  auto r = check(emu, {"--name", "legacy"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("never expires (duration forever)"), std::string::npos) << r.out;
  r = check(emu, {"--name", "legacy", "--max-lifetime-days", "365"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
}

TEST(TokensIntegration, EnvFileSelectsItsOwnTokenAndHoldsTheApiCredentials) {
  auto& emu = shared_emulator();
  TempDir tmp;
  const auto env = tmp.write(".env", "CF_API_TOKEN=" + kEmulatorAdminToken + "\nCF_ACCOUNT_ID=" + kEmulatorAccount +
                                         "\nCF_SERVICE_TOKEN_CLIENT_ID=" + emu.client_id("expired") +
                                         "\nCF_SERVICE_TOKEN_CLIENT_SECRET=" + emu.client_secret("expired") + "\n");
  auto all = api_args(emu);
  all.insert(all.end(), {"--env-file", env});
  const auto r = run(CFMON_CHECK_CF_SERVICE_TOKENS, all, {});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_EQ(first_line(r.out).rfind("CF-TOKENS CRITICAL - expired: expired", 0), 0U) << r.out;
  EXPECT_EQ(r.out.find(emu.client_secret("expired")), std::string::npos);
  EXPECT_EQ(r.out.find(kEmulatorAdminToken), std::string::npos);
}

TEST(TokensIntegration, AllTokensAndEveryFormat) {
  auto& emu = shared_emulator();
  auto r = check(emu, {});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(first_line(r.out).rfind("CF-TOKENS CRITICAL - 4 tokens: 2 critical, 2 ok | ", 0), 0U) << r.out;
  EXPECT_NE(r.out.find("monitoring_days_left="), std::string::npos);
  EXPECT_NE(r.out.find("\n[CRITICAL] expired: expired"), std::string::npos);

  r = check(emu, {"--format", "influx"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 4);
  EXPECT_NE(r.out.find("cf_service_token,result=token_valid,"
                       "target=monitoring,token_id=11111111-1111-4111-8111-111111111111 state=0i,found=true,"
                       "enabled=true,expired=false,never_expires=false,days_left="),
            std::string::npos)
      << r.out;

  r = check(emu, {"--format", "zabbix", "--name", "disabled"});
  EXPECT_EQ(r.exit_code, 0);
  const auto z = json::parse(r.out);
  EXPECT_EQ(z["name"], "disabled");
  EXPECT_EQ(z["state"], 2);
  EXPECT_EQ(z["result"], "token_disabled");
  EXPECT_EQ(z["enabled"], false);
  EXPECT_EQ(z["client_id"], "d15ab1edd15ab1edd15ab1edd15ab1ed.access");

  r = check(emu, {"--format", "json"});
  EXPECT_EQ(r.exit_code, 2);
  const auto j = json::parse(r.out);
  EXPECT_EQ(j.dump().find(kEmulatorAdminToken), std::string::npos);
  EXPECT_NE(r.out.find("\"token_expired\""), std::string::npos) << r.out;

  r = check(emu, {"--discover", "--format", "zabbix"});
  EXPECT_EQ(r.exit_code, 0);
  const auto lld = json::parse(r.out);
  ASSERT_EQ(lld.size(), 4U);
  EXPECT_EQ(lld[0]["{#TOKEN_NAME}"], "monitoring");
  EXPECT_EQ(lld[0]["{#TOKEN_ID}"], "11111111-1111-4111-8111-111111111111");
  EXPECT_EQ(lld[0]["{#CLIENT_ID}"], "feedfacefeedfacefeedfacefeedface.access");
}

TEST(TokensIntegration, SmallPagesGiveTheSameAnswerInMoreRequests) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  const auto whole = check(emu, {"--per-page", "100"});
  std::size_t before = driver.api_requests();
  const auto paged = check(emu, {"--per-page", "1"});
  EXPECT_EQ(paged.exit_code, whole.exit_code);
  // The same answer; only the API budget left differs (the pages spent more of it).
  const std::regex remaining(" api_budget_remaining=[0-9]+");
  EXPECT_EQ(std::regex_replace(first_line(paged.out), remaining, ""),
            std::regex_replace(first_line(whole.out), remaining, ""));
  EXPECT_EQ(driver.api_requests() - before, 4U) << "4 tokens, 1 per page; total_count ends it without a 5th";
  before = driver.api_requests();
  EXPECT_EQ(check(emu, {"--per-page", "5"}).exit_code, whole.exit_code);
  EXPECT_EQ(driver.api_requests() - before, 1U);
}

// ---------------------------------------------------------------- API failures

struct FaultCase {
  const char* token;
  std::vector<std::string> args;
  const char* reason;
  const char* says;
};

TEST(TokensIntegration, EveryApiFailureIsUnknownWithAClearLine) {
  auto& emu = shared_emulator();
  const std::vector<FaultCase> cases = {
      {"no-read", {}, "empty_list", "the API token may lack Access: Service Tokens Read"},
      {"no-read", {"--name", "monitoring"}, "empty_list", "may lack Access: Service Tokens Read"},
      {"revoked", {}, "api_unauthorized", "invalid or revoked"},
      {"other-account", {}, "api_unauthorized", "not allowed on account"},
      {"fault-500", {}, "api_server_error", "the Cloudflare API failed"},
      {"fault-invalid-json", {}, "api_bad_response", "invalid or truncated JSON"},
      {"fault-truncated", {}, "api_bad_response", "invalid or truncated JSON"},
      {"fault-success-false", {}, "api_bad_response", "success:false without saying why"},
      {"fault-html", {}, "api_bad_response", "an HTML page"},
      {"fault-endless", {"--per-page", "5"}, "api_bad_response", "kept paginating past 100 pages"},
      {"fault-slow", {"-t", "1"}, "api_timeout", "Cloudflare API"},
  };
  for (const auto& c : cases) {
    for (const char* format : {"nagios", "json"}) {
      auto args = c.args;
      args.insert(args.end(), {"--format", format});
      const auto r = check(emu, args, c.token);
      if (std::string(format) == "nagios") {
        EXPECT_EQ(r.exit_code, 3) << c.token << ": " << r.out;
        EXPECT_EQ(r.out.rfind("CF-TOKENS UNKNOWN - ", 0), 0U) << r.out;
        EXPECT_NE(r.out.find(c.says), std::string::npos) << c.token << ": " << r.out;
        EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << "one line: " << r.out;
      } else {
        EXPECT_EQ(json::parse(r.out)["reason"], c.reason) << c.token << ": " << r.out;
      }
    }
  }
  // Another account's ID with an admin token, an account without Access, a wrong token.
  auto r = check(emu, {}, "admin", {{"CF_ACCOUNT_ID", "0badacc00badacc00badacc00badacc0"}});
  EXPECT_NE(r.out.find("not allowed on account 0badacc00badacc00badacc00badacc0"), std::string::npos) << r.out;
  r = check(emu, {}, "no-access", {{"CF_ACCOUNT_ID", "5eed5eed5eed5eed5eed5eed5eed5eed"}});
  EXPECT_NE(r.out.find("has no Access organization"), std::string::npos) << r.out;
  r = check(emu, {}, "", {{"CF_API_TOKEN", "not-a-real-token-0123456789"}});
  EXPECT_EQ(first_line(r.out), "CF-TOKENS UNKNOWN - invalid API token (Cloudflare error 1000: Invalid API Token)");
}

// ---------------------------------------------------------------- a hostile API

// A 300 000-deep array (600 KB) used to overflow the stack (SIGSEGV, no output) when the
// list was copied into the cache: now one UNKNOWN line, cache or not.
TEST(TokensIntegration, DeeplyNestedJsonIsOneUnknownLineNotACrash) {
  HostileApi api;
  api.set_list_body(v4_success(nested_arrays(300000)));
  TempDir cache;
  for (const auto& extra :
       std::vector<std::vector<std::string>>{{}, {"--cache-ttl", "60", "--cache-dir", cache.path() + "/cfmon"}}) {
    auto args = extra;
    args.insert(args.end(), {"--name", "ci"});
    const auto r = run_against(api, CFMON_CHECK_CF_SERVICE_TOKENS, args);
    EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
    EXPECT_EQ(first_line(r.out).rfind("CF-TOKENS UNKNOWN - ", 0), 0U) << r.out;
    EXPECT_NE(r.out.find("nested deeper than 64 levels"), std::string::npos) << r.out;
  }
}

// One token of the wrong shape among good ones: that token is UNKNOWN naming the field,
// the others are judged as usual (here: one expired, so CRITICAL overall).
TEST(TokensIntegration, AMalformedTokenIsUnknownAndTheOthersAreStillJudged) {
  HostileApi api;
  const json good = {{"id", "11111111-1111-4111-8111-111111111111"},
                     {"client_id", "a.access"},
                     {"name", "good"},
                     {"duration", "8760h"},
                     {"expires_at", "2999-01-01T00:00:00Z"},
                     {"enabled", true}};
  json expired = good;
  expired["id"] = "22222222-2222-4222-8222-222222222222";
  expired["name"] = "expired";
  expired["expires_at"] = "2001-01-01T00:00:00Z";
  json broken = good;
  broken["id"] = 123;
  broken["name"] = "broken";
  json disabled_text = good;
  disabled_text["id"] = "33333333-3333-4333-8333-333333333333";
  disabled_text["name"] = "quoted-false";
  disabled_text["enabled"] = "false";
  api.set_list_body(v4_success(json::array({good, broken, expired, disabled_text, nullptr}).dump()));
  const auto r = run_against(api, CFMON_CHECK_CF_SERVICE_TOKENS, {"--format", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto out = json::parse(r.out);
  std::map<std::string, std::pair<std::string, std::string>> by_name;
  for (const auto& c : out["children"]) by_name[c["name"]] = {c["state_text"], c["message"]};
  ASSERT_EQ(by_name.size(), 5U) << r.out;
  EXPECT_EQ(by_name["good"].first, "OK") << r.out;
  EXPECT_EQ(by_name["expired"].first, "CRITICAL") << r.out;
  EXPECT_EQ(by_name["broken"].first, "UNKNOWN") << r.out;
  EXPECT_NE(by_name["broken"].second.find("'id' is a number, not a string"), std::string::npos) << r.out;
  EXPECT_EQ(by_name["quoted-false"].first, "UNKNOWN") << r.out;
  EXPECT_NE(by_name["quoted-false"].second.find("'enabled' is a string, not a boolean"), std::string::npos) << r.out;
  EXPECT_EQ(by_name["token #5 of the answer"].first, "UNKNOWN") << r.out;
}

TEST(TokensIntegration, RateLimitIsWaitedOutOnlyWhenItFits) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  driver.call("POST", "/__emulator/rate_limit", {{"requests", 1}, {"window_seconds", 300}}, "");
  EXPECT_EQ(check(emu, {"--name", "monitoring"}).exit_code, 0);
  auto r = check(emu, {"--name", "monitoring"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("rate limited by the Cloudflare API"), std::string::npos) << r.out;
  EXPECT_TRUE(std::regex_search(r.out, std::regex("retry in (29[0-9]|300) s, beyond this run.s 10 s budget"))) << r.out;
  EXPECT_LT(r.wall, std::chrono::seconds(5)) << "no pointless wait";

  // A window that ends within the budget is waited out. The emulator's clock is moved so
  // the window (started by the request below) ends 5 s later, whatever this machine's speed.
  driver.call("POST", "/__emulator/rate_limit", {{"requests", 1}, {"window_seconds", 300}}, "");
  driver.tokens_call("GET");
  driver.call("POST", "/__emulator/clock", {{"offset_seconds", 295}}, "");
  const std::size_t before = driver.call("GET", "/__emulator/stats", nullptr, "")["by_token"]["admin"];
  r = check(emu, {"--name", "monitoring", "-t", "30"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  const std::size_t after = driver.call("GET", "/__emulator/stats", nullptr, "")["by_token"]["admin"];
  EXPECT_EQ(after - before, 2U) << "a 429, a wait, then the answer";
}

TEST(TokensIntegration, TheApiBudgetIsAMetricAndJudgedByMinApiBudget) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  // A fresh window of 50 requests: the check's one list request leaves 49.
  driver.call("POST", "/__emulator/rate_limit", {{"requests", 50}, {"window_seconds", 300}}, "");
  auto r = check(emu, {"--name", "monitoring"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("api_budget_remaining=49;;;0"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("api_budget_quota=50;;;0"), std::string::npos) << r.out;

  r = check(emu, {"--name", "monitoring", "--min-api-budget", "100"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_EQ(first_line(r.out).rfind("CF-TOKENS WARNING - ", 0), 0U) << r.out;
  EXPECT_NE(first_line(r.out).find(
                "Cloudflare API budget low: 48 of 50 requests left in this 300 s window (--min-api-budget 100)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("api_budget_remaining=48;100:;;0"), std::string::npos) << r.out;

  r = check(emu, {"--name", "monitoring", "--min-api-budget", "100", "--format", "json"});
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["reason"], "api_budget_low") << r.out;

  r = check(emu, {"--name", "monitoring", "--min-api-budget", "10", "--format", "influx"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("api_budget_remaining=46i,api_budget_quota=50i"), std::string::npos) << r.out;
}

TEST(TokensIntegration, BadArgumentsAreUnknown) {
  auto& emu = shared_emulator();
  auto r = check(emu, {"--per-page", "1001"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("--per-page must be between 1 and 1000"), std::string::npos) << r.out;
  EXPECT_EQ(check(emu, {"--per-page", "30"}).exit_code, check(emu, {}).exit_code) << "any page size up to 1000";
  r = check(emu, {"-w", "5", "-c", "10"});
  EXPECT_EQ(r.exit_code, 3);
  r = run(CFMON_CHECK_CF_SERVICE_TOKENS, api_args(emu), {});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("missing Cloudflare API token"), std::string::npos) << r.out;
  r = run(CFMON_CHECK_CF_SERVICE_TOKENS, {"--api-url", "http://api.cfemu.test/client/v4"},
          {{"CF_API_TOKEN", kEmulatorAdminToken}, {"CF_ACCOUNT_ID", kEmulatorAccount}});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("https://"), std::string::npos);
}

// ---------------------------------------------------------------- cache and secrets

TEST(TokensIntegration, TheCacheTurnsManyChecksIntoOneApiCall) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EmulatorDriver driver(emu);
  TempDir tmp;
  const std::string cache = tmp.path() + "/cache";
  const std::vector<std::string> cached{"--cache-ttl", "60", "--cache-dir", cache};
  const std::size_t before = driver.api_requests();
  // Different selections share the one cached list.
  for (const char* name : {"monitoring", "other-team", "expired", "monitoring", "disabled"}) {
    auto args = cached;
    args.insert(args.end(), {"--name", name});
    const auto r = check(emu, args);
    EXPECT_NE(r.exit_code, 3) << r.out;
  }
  // Concurrent invocations too.
  std::vector<std::thread> threads;
  std::vector<int> codes(6, -1);
  for (std::size_t i = 0; i < codes.size(); ++i) {
    threads.emplace_back([&, i] { codes[i] = check(emu, cached).exit_code; });
  }
  for (auto& t : threads) t.join();
  for (int c : codes) EXPECT_EQ(c, 2);
  EXPECT_EQ(driver.api_requests() - before, 1U);

  // Private directory and files, no API token inside.
  struct stat st {};
  ASSERT_EQ(::stat(cache.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700U);
  for (const auto& e : std::filesystem::directory_iterator(cache)) {
    ASSERT_EQ(::stat(e.path().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0U) << e.path();
    const std::string content = slurp(e.path());
    EXPECT_EQ(content.find(kEmulatorAdminToken), std::string::npos);
  }

  // Another API token gets its own entry (it may see less), and no cache means no sharing.
  EXPECT_EQ(check(emu, cached, "no-read").exit_code, 3);
  EXPECT_EQ(check(emu, {}).exit_code, 2);
  EXPECT_EQ(driver.api_requests() - before, 3U);
}

// Debian's icinga2 and nagios4 units start the daemon without HOME: --cache-ttl still
// caches (here in $TMPDIR/cfmon-UID, or /var/cache/cfmon/UID where that is writable).
TEST(TokensIntegration, WithoutHomeTheCacheStillWorks) {
  auto& emu = shared_emulator();
  EmulatorDriver driver(emu);
  TempDir tmp;
  const std::map<std::string, std::string> unit_env{{"TMPDIR", tmp.path()}, {"LANG", "C.UTF-8"}};
  const std::size_t before = driver.api_requests();
  for (int i = 0; i < 2; ++i) {
    const auto r = check(emu, {"--cache-ttl", "60", "--name", "monitoring"}, "admin", unit_env);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(r.err, "");
  }
  EXPECT_EQ(driver.api_requests() - before, 1U) << "the second run read the cache";
  if (!std::filesystem::exists("/var/cache/cfmon")) {
    struct stat st {};
    const std::string dir = tmp.path() + "/cfmon-" + std::to_string(::geteuid());
    ASSERT_EQ(::stat(dir.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700U);
  }
}

// A cache that cannot be used is said once on stderr (Nagios ignores it, Icinga shows it),
// never with --format zabbix (the agent would read it as part of the value); the check
// still runs against the API.
TEST(TokensIntegration, ACacheThatCannotBeUsedIsSaidButNotToZabbix) {
  auto& emu = shared_emulator();
  TempDir tmp;
  const std::string not_a_dir = tmp.write("file", "x");
  const auto nagios = check(emu, {"--cache-ttl", "60", "--cache-dir", not_a_dir, "--name", "monitoring"});
  EXPECT_EQ(nagios.exit_code, 0) << nagios.out;
  EXPECT_EQ(nagios.err,
            "warning: API cache off, every run asks the API: cache directory " + not_a_dir + " is not a directory\n");
  const auto zabbix =
      check(emu, {"--cache-ttl", "60", "--cache-dir", not_a_dir, "--name", "monitoring", "--format", "zabbix"});
  EXPECT_EQ(zabbix.exit_code, 0) << zabbix.out;
  EXPECT_EQ(zabbix.err, "");
  EXPECT_NE(zabbix.out.find("\"state\":0"), std::string::npos) << zabbix.out;
}

TEST(TokensIntegration, SecretsStayOutOfEveryOutputEvenAtFullVerbosity) {
  auto& emu = shared_emulator();
  TempDir tmp;
  const auto token_file = tmp.write("api-token", kEmulatorAdminToken + "\n");
  const auto env = tmp.write(".env", emu.token_env_text());
  for (const char* format : {"nagios", "influx", "zabbix", "json"}) {
    auto all = api_args(emu);
    all.insert(all.end(), {"--api-token-file", token_file, "--account-id", kEmulatorAccount, "--env-file", env, "-vvv",
                           "--format", format});
    const auto r = run(CFMON_CHECK_CF_SERVICE_TOKENS, all, {});
    EXPECT_NE(r.exit_code, 3) << r.out << r.err;
    for (const std::string& secret : {kEmulatorAdminToken, emu.client_secret("monitoring")}) {
      EXPECT_EQ(r.out.find(secret), std::string::npos) << format;
      EXPECT_EQ(r.err.find(secret), std::string::npos) << format;
      EXPECT_EQ(r.cmdline.find(secret), std::string::npos);
    }
    EXPECT_NE(r.err.find("Authorization"), std::string::npos) << "the trace shows the header, redacted";
  }
}

}  // namespace
}  // namespace cfmon::testing
