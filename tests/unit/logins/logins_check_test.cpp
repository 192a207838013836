#include "logins_check.hpp"

#include <gtest/gtest.h>

#include "support/results.hpp"

#include <filesystem>

#include "cfmon/graphql_cache.hpp"
#include "cfmon/plugin.hpp"
#include "logins_options.hpp"
#include "support/fake_cloudflare.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::logins {
namespace {

using cloudflare::ApiError;
using cloudflare::ApiErrorKind;
using cloudflare::ServiceTokenInfo;
using cloudflare::TimePoint;
using nlohmann::json;
using namespace std::chrono_literals;

const TimePoint kNow = *cloudflare::parse_rfc3339("2026-03-01T12:00:00Z");
const std::string kCi = "11111111-1111-4111-8111-111111111111";
const std::string kBackup = "22222222-2222-4222-8222-222222222222";
const std::string kAccount = "a11ce5eda11ce5eda11ce5eda11ce5ed";

json group(const std::string& token, bool success, const std::string& ip, std::int64_t count = 1,
           const std::string& when = "2026-03-01T11:55:00Z") {
  return {{"count", count},
          {"dimensions",
           {{"datetime", when},
            {"isSuccessfulLogin", success ? 1 : 0},
            {"ipAddress", ip},
            {"serviceTokenId", token},
            {"approvingPolicyId", ""},
            {"cfRayId", "8f00000000000000"},
            {"country", "NL"},
            {"identityProvider", token.empty() ? "github" : "nonidentity"}}}};
}

json answer(json groups) {
  return {{"viewer", {{"accounts", json::array({{{"accessLoginRequestsAdaptiveGroups", std::move(groups)}}})}}}};
}

// A token list and one GraphQL answer (or error); records the variables sent.
class FakeApi : public cfmon::testing::FakeCloudflare {
 public:
  explicit FakeApi(json data, TokenList list = std::vector<ServiceTokenInfo>{})
      : FakeCloudflare(std::move(list), std::move(data)) {}
};

ServiceTokenInfo token(const std::string& name, const std::string& id) {
  ServiceTokenInfo t;
  t.id = id;
  t.name = name;
  t.client_id = std::string(32, 'a') + ".access";
  return t;
}

std::vector<ServiceTokenInfo> two_tokens() {
  return {token("ci", kCi), token("backup", kBackup)};
}

LoginsPlan plan_for(const std::string& name = "ci") {
  LoginsPlan plan;
  if (!name.empty()) plan.selectors.push_back({TokenSelector::Kind::name, name, "--name " + name});
  plan.api.credentials.account_id = kAccount;
  return plan;
}

Report run(const LoginsPlan& plan, json groups) {
  FakeApi api(answer(std::move(groups)), two_tokens());
  return run_logins_check(plan, api, api, kNow);
}

std::int64_t int_field(const Result& r, const std::string& key) {
  for (const auto& f : fields_of(r)) {
    if (f.key == key) return std::get<std::int64_t>(f.value);
  }
  ADD_FAILURE() << "no field " << key;
  return -1;
}

TEST(LoginsCheck, CountsLoginsFailuresAndAddressesOfTheSelectedTokenOnly) {
  const auto report =
      run(plan_for(), json::array({group(kCi, true, "192.0.2.1", 3), group(kCi, false, "192.0.2.2"),
                                   group(kBackup, true, "198.51.100.1", 7), group("", true, "192.0.2.9")}));
  ASSERT_EQ(report.root.children.size(), 1U);
  const Result& r = report.root.children[0];
  EXPECT_EQ(r.state, State::ok);
  EXPECT_EQ(r.name, "ci");
  EXPECT_EQ(r.message, "3 logins, 1 failure from 2 addresses in the last 15m");
  EXPECT_EQ(int_field(r, "logins"), 3);
  EXPECT_EQ(int_field(r, "failures"), 1);
  EXPECT_EQ(int_field(r, "distinct_ips"), 2);
  const auto perfdata = perfdata_of(r);
  ASSERT_EQ(perfdata.size(), 3U);
  EXPECT_EQ(perfdata[0].label, "logins");
  EXPECT_EQ(perfdata[2].label, "distinct_ips");
}

TEST(LoginsCheck, SendsTheWindowAndLimitAsVariables) {
  FakeApi api(answer(json::array()), two_tokens());
  LoginsPlan plan = plan_for();
  plan.window = 2h;
  plan.limit = 50;
  (void)run_logins_check(plan, api, api, kNow + 500ms);
  EXPECT_EQ(api.queries, 1);
  EXPECT_NE(api.last_query.find("accessLoginRequestsAdaptiveGroups"), std::string::npos);
  EXPECT_EQ(api.last_variables["accountTag"], kAccount);
  EXPECT_EQ(api.last_variables["since"], "2026-03-01T10:00:00Z");
  EXPECT_EQ(api.last_variables["until"], "2026-03-01T12:00:00Z");
  EXPECT_EQ(api.last_variables["limit"], 50);

  plan.until_ago = 1h;  // a replay
  (void)run_logins_check(plan, api, api, kNow);
  EXPECT_EQ(api.last_variables["until"], "2026-03-01T11:00:00Z");
  plan.until_ago.reset();
  plan.until_at = *cloudflare::parse_rfc3339("2026-02-01T00:00:00Z");
  (void)run_logins_check(plan, api, api, kNow);
  EXPECT_EQ(api.last_variables["since"], "2026-01-31T22:00:00Z");
}

TEST(LoginsCheck, WithACacheTheWindowEndIsRoundedToTheTtlSoRunsShareOneQuery) {
  LoginsPlan plan = plan_for();
  plan.api.cache.ttl = 60s;
  plan.api.cache.dir = "/nonexistent";
  const auto [since1, until1] = window_of(plan, kNow + 5s);
  const auto [since2, until2] = window_of(plan, kNow + 59s);
  EXPECT_EQ(until1, kNow);
  EXPECT_EQ(until2, kNow);
  EXPECT_EQ(since1, kNow - 15min);
}

TEST(LoginsCheck, TheQueryAsksForServiceTokenLoginsOnlySoUserLoginsCannotFillTheLimit) {
  FakeApi api(answer(json::array()), two_tokens());
  (void)run_logins_check(plan_for(), api, api, kNow);
  std::string compact;
  for (const char c : api.last_query) {
    if (c != ' ' && c != '\n') compact += c;
  }
  EXPECT_NE(compact.find("filter:{datetime_geq:$since,datetime_leq:$until,identityProvider:\"nonidentity\"}"),
            std::string::npos)
      << api.last_query;
}

// The GraphQL cache over the check: a fake wall clock moves on, nothing sleeps.
struct CachedRuns {
  testing::TempDir tmp;
  FakeApi api{answer(json::array({group(kCi, true, "192.0.2.1")})), two_tokens()};
  TimePoint now = kNow + 1s;
  LoginsPlan plan = plan_for();

  CachedRuns() {
    plan.api.cache.ttl = 60s;
    plan.api.cache.dir = tmp.path() + "/cache";
    plan.api.credentials.api_token = Secret("canary-api-token");
  }
  cloudflare::ApiHooks hooks() {
    cloudflare::ApiHooks h;
    h.wall_now = [this] { return now; };
    return h;
  }
  Report run_once() {
    cloudflare::GraphqlCache cached(api, plan.api, hooks());
    return run_logins_check(plan, api, cached, now);
  }
  [[nodiscard]] std::size_t files() const {
    std::size_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(plan.api.cache.dir, ec)) {
      (void)e;
      ++n;
    }
    return n;
  }
};

TEST(LoginsCache, FiftyRunsAcrossTtlWindowsLeaveOnlyTheCurrentEntry) {
  CachedRuns runs;
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(runs.run_once().root.state, State::ok);
    runs.now += 61s;  // every run in a new TTL window
  }
  EXPECT_EQ(runs.api.queries, 50);
  // One .json and its .lock for the current window; expired windows are removed on write.
  EXPECT_LE(runs.files(), 2U);
  EXPECT_GE(runs.files(), 1U);
}

TEST(LoginsCache, RunsWithinOneWindowShareTheAnswer) {
  CachedRuns runs;
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(runs.run_once().root.state, State::ok);
    runs.now += 5s;
  }
  EXPECT_LE(runs.api.queries, 2);  // 50 s from kNow + 1 s cross at most one window edge
}

TEST(LoginsCache, AnUnroundedUntilIsNeverCached) {
  CachedRuns runs;
  runs.plan.until_ago = 1h;  // a replay: the window end moves with every run, off the TTL grid
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(runs.run_once().root.state, State::ok);
    runs.now += 60s;
  }
  EXPECT_EQ(runs.api.queries, 50);
  EXPECT_EQ(runs.files(), 0U);
  // An --until on a TTL boundary is a window like any other: cached.
  runs.plan.until_ago.reset();
  runs.plan.until_at = kNow - 1h;
  for (int i = 0; i < 3; ++i) EXPECT_EQ(runs.run_once().root.state, State::ok);
  EXPECT_EQ(runs.api.queries, 51);
}

TEST(LoginsCache, AnAnswerFetchedWithoutVerificationNeverServesAVerifiedRun) {
  CachedRuns runs;
  http::Transport transport;
  transport.insecure = true;  // -k
  runs.plan.api.cache.trust = http::trust_key(transport);
  EXPECT_EQ(runs.run_once().root.state, State::ok);
  EXPECT_EQ(runs.run_once().root.state, State::ok);
  EXPECT_EQ(runs.api.queries, 1);
  transport.insecure = false;
  runs.plan.api.cache.trust = http::trust_key(transport);
  EXPECT_EQ(runs.run_once().root.state, State::ok);
  EXPECT_EQ(runs.api.queries, 2) << "a verified run asks the API itself";
  transport.resolve = {"api.cloudflare.com:443:192.0.2.7"};
  runs.plan.api.cache.trust = http::trust_key(transport);
  EXPECT_EQ(runs.run_once().root.state, State::ok);
  EXPECT_EQ(runs.api.queries, 3) << "--resolve is another scope";
  transport.resolve.clear();
  transport.ca_file = "/etc/ssl/other.pem";
  runs.plan.api.cache.trust = http::trust_key(transport);
  EXPECT_EQ(runs.run_once().root.state, State::ok);
  EXPECT_EQ(runs.api.queries, 4) << "--ca-file is another scope";
}

TEST(LoginsCheck, ALoginFromOutsideTheAllowedNetworksIsCriticalNamingTokenAddressAndTime) {
  LoginsPlan plan = plan_for();
  plan.allowed = {*parse_cidr("192.0.2.0/24"), *parse_cidr("2001:db8::/32")};
  auto report = run(plan, json::array({group(kCi, true, "192.0.2.1"), group(kCi, true, "2001:db8:1::5")}));
  EXPECT_EQ(report.root.state, State::ok) << report.root.message;

  report = run(plan, json::array({group(kCi, true, "2001:db9::5", 2, "2026-03-01T11:58:00Z"),
                                  group(kCi, true, "192.0.2.1"), group(kCi, false, "203.0.113.50")}));
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.reason, "outside_allowed_cidr");
  EXPECT_NE(report.root.message.find("2001:db9::5 at 2026-03-01T11:58:00Z (2x)"), std::string::npos)
      << report.root.message;
  // A failed attempt from anywhere is a failure, not a foreign login.
  EXPECT_EQ(report.root.message.find("203.0.113.50"), std::string::npos);
  EXPECT_EQ(int_field(report.root.children[0], "outside_logins"), 2);
}

TEST(LoginsCheck, FailuresAgainstWarningAndCriticalRanges) {
  LoginsPlan plan = plan_for();
  plan.warning_failures = *parse_range("0");
  plan.critical_failures = *parse_range("5");
  EXPECT_EQ(run(plan, json::array({group(kCi, true, "192.0.2.1")})).root.state, State::ok);
  auto report = run(plan, json::array({group(kCi, false, "192.0.2.1", 2)}));
  EXPECT_EQ(report.root.state, State::warning);
  EXPECT_EQ(report.root.reason, "failed_logins");
  EXPECT_NE(report.root.message.find("2 failed logins in the last 15m"), std::string::npos);
  report = run(plan, json::array({group(kCi, false, "192.0.2.1", 4), group(kCi, false, "192.0.2.3", 2)}));
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(perfdata_of(report.root.children[0])[1].crit->text, "5");
}

TEST(LoginsCheck, MoreLoginsThanMaxIsAWarning) {
  LoginsPlan plan = plan_for();
  plan.max_logins = 10;
  EXPECT_EQ(run(plan, json::array({group(kCi, true, "192.0.2.1", 10)})).root.state, State::ok);
  const auto report = run(plan, json::array({group(kCi, true, "192.0.2.1", 11)}));
  EXPECT_EQ(report.root.state, State::warning);
  EXPECT_EQ(report.root.reason, "too_many_logins");
}

TEST(LoginsCheck, AnEmptyWindowIsOkUnlessActivityIsExpected) {
  LoginsPlan plan = plan_for();
  auto report = run(plan, json::array());
  EXPECT_EQ(report.root.state, State::ok);
  EXPECT_EQ(report.root.reason, "no_events");
  EXPECT_EQ(int_field(report.root.children[0], "logins"), 0);
  plan.expect_activity = true;
  report = run(plan, json::array({group(kCi, false, "192.0.2.1")}));
  EXPECT_EQ(report.root.state, State::warning);
  EXPECT_EQ(report.root.reason, "no_activity");
  EXPECT_NE(report.root.message.find("has stopped"), std::string::npos);
  // An account without any events may answer no account entry at all.
  FakeApi api(json{{"viewer", {{"accounts", json::array()}}}}, two_tokens());
  EXPECT_EQ(run_logins_check(plan, api, api, kNow).root.reason, "no_activity");
}

TEST(LoginsCheck, AllTokensWhenNothingIsSelectedIncludingDeletedOnesSeenInEvents) {
  const std::string gone = "33333333-3333-4333-8333-333333333333";
  const auto report = run(plan_for(""), json::array({group(kCi, true, "192.0.2.1"), group(gone, false, "192.0.2.1")}));
  ASSERT_EQ(report.root.children.size(), 3U);
  EXPECT_EQ(report.root.reason, "summary");
  EXPECT_EQ(report.root.message, "3 tokens: 3 ok");
  EXPECT_EQ(report.root.children[2].name, gone);
}

// One rule for the family: a selected token the API does not list is CRITICAL, as in
// check_cf_service_tokens (it was deleted, or cleaned up for inactivity).
TEST(LoginsCheck, ASelectedTokenThatDoesNotExistIsCriticalAsInTheTokensCheck) {
  const auto report = run(plan_for("nope"), json::array());
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.reason, "token_missing");
  EXPECT_NE(report.root.message.find("no service token with --name nope: it may have been deleted"), std::string::npos)
      << report.root.message;
}

TEST(LoginsCheck, GraphqlErrorsAndBadAnswersAreUnknownWithTheMessage) {
  FakeApi api(answer(json::array()), two_tokens());
  api.error = ApiError{
      ApiErrorKind::api_error, "the GraphQL query failed: rate limiter budget exceeded", 200, {}, std::nullopt};
  auto report = run_logins_check(plan_for(), api, api, kNow);
  EXPECT_TRUE(cfmon::testing::says(report.root, State::unknown, "graphql_error",
                                   "the GraphQL query failed: rate limiter budget exceeded"));

  api.error = ApiError{ApiErrorKind::forbidden, "the API token lacks Account Analytics Read", 200, {}, std::nullopt};
  EXPECT_EQ(run_logins_check(plan_for(), api, api, kNow).root.reason, "api_forbidden");

  FakeApi odd(json{{"viewer", {{"accounts", json::array({{{"somethingElse", 1}}})}}}}, two_tokens());
  report = run_logins_check(plan_for(), odd, odd, kNow);
  EXPECT_EQ(report.root.state, State::unknown);
  EXPECT_EQ(report.root.reason, "bad_response");

  FakeApi no_list(answer(json::array()),
                  ApiError{ApiErrorKind::unauthorized, "invalid API token", 401, {}, std::nullopt});
  EXPECT_EQ(run_logins_check(plan_for(), no_list, no_list, kNow).root.reason, "api_unauthorized");
}

// Summed counts used to overflow int64: negative logins, OK despite --max-logins.
TEST(LoginsCheck, AbsurdCountsAreABadAnswerNeverOk) {
  LoginsPlan plan = plan_for();
  plan.max_logins = 10;
  const std::int64_t half = std::int64_t{1} << 62;
  auto report = run(plan, json::array({group(kCi, true, "192.0.2.1", half), group(kCi, true, "192.0.2.2", half)}));
  EXPECT_TRUE(
      cfmon::testing::says(report.root, State::unknown, "bad_response",
                           "the GraphQL answer is not login events: a group counts 4611686018427387904 logins"));
  json huge = group(kCi, true, "192.0.2.1");
  huge["count"] = std::numeric_limits<std::uint64_t>::max();  // would wrap to -1 as int64
  report = run(plan, json::array({huge}));
  EXPECT_EQ(report.root.state, State::unknown);
  // Many large but plausible groups still add up, and stay above --max-logins.
  json many = json::array();
  for (int i = 0; i < 1000; ++i) many.push_back(group(kCi, true, "192.0.2.1", 1'000'000'000'000));
  report = run(plan, many);
  EXPECT_EQ(report.root.state, State::warning);
  EXPECT_EQ(int_field(report.root.children.at(0), "logins"), std::int64_t{1'000'000'000'000'000});
}

// Wrong JSON types used to escape as "internal error: [json.exception.type_error…]".
TEST(LoginsCheck, WrongTypesAreABadAnswerNamingTheField) {
  json bad_count = group(kCi, true, "192.0.2.1");
  bad_count["count"] = "12";
  json bad_success = group(kCi, true, "192.0.2.1");
  bad_success["dimensions"]["isSuccessfulLogin"] = "yes";
  const std::vector<std::pair<json, std::string>> cases = {
      {json{{"viewer", {{"accounts", json::array({nullptr})}}}}, "accounts[0] is null, not an object"},
      {json{{"viewer", {{"accounts", 3}}}}, "viewer.accounts is a number, not an array"},
      {json{{"viewer", {{"accounts", json::array({{{"accessLoginRequestsAdaptiveGroups", "x"}}})}}}},
       "accessLoginRequestsAdaptiveGroups is a string, not an array"},
      {answer(json::array({bad_count})), "a group's count is a string, not an integer"},
      {answer(json::array({bad_success})), "a group's isSuccessfulLogin is a string, not a boolean"},
      {json::array(), "no viewer"},
  };
  for (const auto& [data, says] : cases) {
    FakeApi api(data, two_tokens());
    Report report;
    ASSERT_NO_THROW(report = run_logins_check(plan_for(), api, api, kNow)) << data.dump();
    EXPECT_EQ(report.root.state, State::unknown) << data.dump();
    EXPECT_EQ(report.root.reason, "bad_response") << data.dump();
    EXPECT_EQ(report.root.message, "the GraphQL answer is not login events: " + says) << data.dump();
  }
}

// A token the list gives no readable id cannot have its logins counted: UNKNOWN, and
// the other tokens are still judged.
TEST(LoginsCheck, ATokenWithoutAnIdIsUnknownAndTheOthersAreJudged) {
  auto nameless = token("broken", "");
  nameless.problems = {"'id' is a number, not a string"};
  auto list = two_tokens();
  list.push_back(nameless);
  FakeApi api(answer(json::array({group(kCi, true, "192.0.2.1")})), list);
  const auto report = run_logins_check(plan_for(""), api, api, kNow);
  ASSERT_EQ(report.root.children.size(), 3U);
  EXPECT_EQ(report.root.state, State::unknown);
  const auto& r = report.root.children[2];
  EXPECT_EQ(r.name, "broken");
  EXPECT_EQ(r.state, State::unknown);
  EXPECT_EQ(r.message,
            "the token list gives this token no readable id, so its logins cannot be counted ('id' is a number, not a "
            "string)");
  EXPECT_EQ(int_field(report.root.children[0], "logins"), 1);
}

TEST(LoginsCheck, AnAnswerThatReachedTheLimitWarnsThatCountsAreLowerBounds) {
  LoginsPlan plan = plan_for();
  plan.limit = 2;
  const auto report = run(plan, json::array({group(kCi, true, "192.0.2.1"), group(kBackup, true, "192.0.2.1")}));
  EXPECT_EQ(report.root.state, State::warning);
  EXPECT_EQ(report.root.reason, "limit_reached");
  EXPECT_NE(report.root.message.find("--limit 2"), std::string::npos);
  plan.limit = 3;
  EXPECT_EQ(run(plan, json::array({group(kCi, true, "192.0.2.1"), group(kBackup, true, "192.0.2.1")})).root.state,
            State::ok);
}

TEST(LoginsOptions, DurationsAndBadArgumentsAreOneClearLine) {
  EXPECT_EQ(parse_window("15m"), 900s);
  EXPECT_EQ(parse_window("1h30m"), 5400s);
  EXPECT_EQ(parse_window("2d"), 172800s);
  EXPECT_EQ(parse_window("90s"), 90s);
  for (const char* bad : {"", "15", "m", "-5m", "0s", "1w", "1.5h", "999999d", "15m "}) {
    EXPECT_FALSE(parse_window(bad).has_value()) << bad;
  }
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "CF_API_TOKEN") return std::string(40, 'x');
    if (name == "CF_ACCOUNT_ID") return kAccount;
    return std::nullopt;
  };
  plugin::CommonConfig common;
  auto plan_of = [&](auto edit) {
    LoginsOptions o;
    edit(o);
    return make_plan(o, common, env, nullptr);
  };
  EXPECT_TRUE(plan_of([](LoginsOptions&) {}).has_value());
  auto p = plan_of([](LoginsOptions& o) {
    o.until = "2026-01-01T00:00:00Z";
    o.allowed_cidrs = {"2001:db8::/32"};
  });
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->until_at.has_value());
  EXPECT_EQ(p->allowed.size(), 1U);
  EXPECT_NE(plan_of([](LoginsOptions& o) { o.since = "soon"; }).error().message.find("--since"), std::string::npos);
  EXPECT_NE(plan_of([](LoginsOptions& o) { o.until = "yesterday"; }).error().message.find("--until"),
            std::string::npos);
  EXPECT_NE(plan_of([](LoginsOptions& o) { o.allowed_cidrs = {"10.0.0.0/40"}; }).error().message.find("--allowed-cidr"),
            std::string::npos);
  EXPECT_NE(plan_of([](LoginsOptions& o) { o.warning = "x"; }).error().message.find("-w"), std::string::npos);
  EXPECT_NE(plan_of([](LoginsOptions& o) { o.limit = 0; }).error().message.find("--limit"), std::string::npos);
  EXPECT_NE(plan_of([](LoginsOptions& o) { o.max_logins = -1; }).error().message.find("--max-logins"),
            std::string::npos);
}

}  // namespace
}  // namespace cfmon::logins
