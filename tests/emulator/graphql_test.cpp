// POST /client/v4/graphql: login events from the edge's log and injected ones.
#include "graphql.hpp"

#include <gtest/gtest.h>

#include <set>

#include "api.hpp"
#include "edge.hpp"
#include "support/emulator_defaults.hpp"

namespace cfmon::emulator {
namespace {

using nlohmann::json;

const std::string kTokenA = "11111111-1111-4111-8111-111111111111";
const std::string kTokenB = "22222222-2222-4222-8222-222222222222";
const std::string kQuery =
    "query($accountTag: string, $since: Time, $until: Time, $limit: uint64) { viewer { accounts(filter: "
    "{accountTag: $accountTag}) { accessLoginRequestsAdaptiveGroups(limit: $limit, filter: {datetime_geq: $since, "
    "datetime_leq: $until}, orderBy: [datetime_DESC]) { count dimensions { datetime isSuccessfulLogin ipAddress "
    "serviceTokenId } } } } }";

TimePoint at(const char* text) {
  return *parse_rfc3339(text);
}

std::string body(const std::string& since, const std::string& until, int limit,
                 const std::string& account = testing::kEmulatorAccount) {
  return json{{"query", kQuery},
              {"variables", {{"accountTag", account}, {"since", since}, {"until", until}, {"limit", limit}}}}
      .dump();
}

AuthEvent event(const std::string& token, bool success, const char* when, const std::string& ip = "127.0.0.1",
                const std::string& ray = "") {
  AuthEvent e;
  e.token_id = token;
  e.success = success;
  e.datetime = at(when);
  e.source_ip = ip;
  e.cf_ray = ray.empty() ? std::string(when) : ray;
  return e;
}

const json& rows(const json& answer) {
  return answer["data"]["viewer"]["accounts"][0]["accessLoginRequestsAdaptiveGroups"];
}

TEST(Graphql, AnswersTheWindowNewestFirstWithOnlyLoggableAttempts) {
  AuthLog log;
  log.record(event(kTokenA, true, "2026-01-01T00:00:10Z"));
  log.record(event(kTokenB, false, "2026-01-01T00:00:20Z", "2001:db8::1"));
  log.record(event(kTokenA, true, "2025-12-31T23:00:00Z"));      // before the window
  AuthEvent unknown = event("", false, "2026-01-01T00:00:30Z");  // unknown client ID: not logged
  log.record(unknown);
  AuthEvent malformed = event(kTokenA, false, "2026-01-01T00:00:40Z");
  malformed.well_formed = false;  // half a header pair: not logged
  log.record(malformed);

  const json answer =
      answer_graphql(body("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 100), testing::kEmulatorAccount, log);
  ASSERT_TRUE(answer["errors"].is_null()) << answer.dump();
  const json& r = rows(answer);
  ASSERT_EQ(r.size(), 2U);
  EXPECT_EQ(r[0]["dimensions"]["datetime"], "2026-01-01T00:00:20Z");
  EXPECT_EQ(r[0]["dimensions"]["isSuccessfulLogin"], 0);
  EXPECT_EQ(r[0]["dimensions"]["ipAddress"], "2001:db8::1");
  EXPECT_EQ(r[0]["dimensions"]["serviceTokenId"], kTokenB);
  EXPECT_EQ(r[0]["dimensions"]["identityProvider"], "nonidentity");
  EXPECT_EQ(r[1]["dimensions"]["isSuccessfulLogin"], 1);
  EXPECT_EQ(r[1]["count"], 1);
}

TEST(Graphql, AnIdentityProviderFilterKeepsUserLoginsFromFillingTheLimit) {
  AuthLog log;
  for (int i = 0; i < 20; ++i) {
    AuthEvent user = event("", true, "2026-01-01T00:00:50Z", "192.0.2.1", "user-" + std::to_string(i));
    user.identity_provider = "github";  // an identity login: no service token
    log.record(user);
  }
  log.record(event(kTokenA, true, "2026-01-01T00:00:10Z"));
  log.record(event(kTokenB, false, "2026-01-01T00:00:20Z"));
  // Without the filter the newer user logins fill the limit...
  json answer = answer_graphql(body("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 5), testing::kEmulatorAccount, log);
  ASSERT_EQ(rows(answer).size(), 5U) << answer.dump();
  for (const auto& r : rows(answer)) EXPECT_EQ(r["dimensions"]["identityProvider"], "github");
  // ...with it only service-token logins are answered.
  std::string filtered = kQuery;
  filtered.replace(filtered.find("datetime_leq: $until"), 20,
                   "datetime_leq: $until, identityProvider: \"nonidentity\"");
  const json request = {{"query", filtered},
                        {"variables",
                         {{"accountTag", testing::kEmulatorAccount},
                          {"since", "2026-01-01T00:00:00Z"},
                          {"until", "2026-01-01T00:01:00Z"},
                          {"limit", 5}}}};
  answer = answer_graphql(request.dump(), testing::kEmulatorAccount, log);
  ASSERT_EQ(rows(answer).size(), 2U) << answer.dump();
  EXPECT_EQ(rows(answer)[0]["dimensions"]["serviceTokenId"], kTokenB);
  EXPECT_EQ(rows(answer)[1]["dimensions"]["serviceTokenId"], kTokenA);
}

TEST(Graphql, GroupsIdenticalDimensionsWithACountAndRespectsTheLimit) {
  AuthLog log;
  for (int i = 0; i < 3; ++i) log.record(event(kTokenA, true, "2026-01-01T00:00:10Z", "127.0.0.1", "same-ray"));
  for (int i = 0; i < 5; ++i) {
    log.record(event(kTokenA, true, "2026-01-01T00:00:30Z", "127.0.0.1", "ray-" + std::to_string(i)));
  }
  json answer =
      answer_graphql(body("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 100), testing::kEmulatorAccount, log);
  ASSERT_EQ(rows(answer).size(), 6U);
  EXPECT_EQ(rows(answer)[5]["count"], 3);
  answer = answer_graphql(body("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 2), testing::kEmulatorAccount, log);
  EXPECT_EQ(rows(answer).size(), 2U);
}

TEST(Graphql, OtherQueriesAndBadVariablesAreErrorsArrays) {
  AuthLog log;
  auto message = [&](const std::string& b) {
    const json answer = answer_graphql(b, testing::kEmulatorAccount, log);
    EXPECT_TRUE(answer["data"].is_null());
    return answer["errors"].at(0)["message"].get<std::string>();
  };
  EXPECT_NE(
      message(json{{"query", "{ viewer { zones { httpRequests1mGroups { count } } } }"}}.dump()).find("unknown field"),
      std::string::npos);
  EXPECT_NE(message("not json").find("parse"), std::string::npos);
  EXPECT_NE(message(body("yesterday", "2026-01-01T00:01:00Z", 10)).find("RFC 3339"), std::string::npos);
  EXPECT_NE(message(body("2025-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 10)).find("time range is too large"),
            std::string::npos);
  EXPECT_NE(message(body("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 0)).find("limit"), std::string::npos);
  EXPECT_NE(
      message(body("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 10, std::string(32, 'b'))).find("not authorized"),
      std::string::npos);
}

TEST(Graphql, InjectedEventsThroughTheControlEndpointAnswerOverTheApi) {
  auto config = load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now());
  auto clock = std::make_shared<ControlledClock>();
  ApiEmulator api(config.api, std::make_shared<TokenStore>(), clock);
  auto log = std::make_shared<AuthLog>();
  api.set_auth_log(log);

  ApiHttpRequest inject;
  inject.method = "POST";
  inject.target = "/__emulator/login-events";
  inject.body = json::array({{{"token_id", kTokenA}, {"ip", "203.0.113.9"}, {"count", 4}},
                             {{"token_id", kTokenB}, {"success", false}, {"datetime", "2020-01-01T00:00:00Z"}}})
                    .dump();
  auto r = api.handle(inject);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(log->size(), 5U);
  inject.body = R"([{"ip": "1.2.3.4"}])";
  EXPECT_EQ(api.handle(inject).status, 400);

  ApiHttpRequest query;
  query.method = "POST";
  query.target = "/client/v4/graphql";
  query.body = body(format_rfc3339(clock->now() - std::chrono::minutes(5)),
                    format_rfc3339(clock->now() + std::chrono::minutes(1)), 10);
  r = api.handle(query);
  EXPECT_EQ(r.status, 401);  // bearer auth as every other endpoint
  query.headers.emplace_back("Authorization", "Bearer " + testing::kEmulatorAdminToken);
  r = api.handle(query);
  ASSERT_EQ(r.status, 200);
  const json answer = json::parse(r.body);
  ASSERT_EQ(rows(answer).size(), 1U) << r.body;
  EXPECT_EQ(rows(answer)[0]["count"], 4);
  EXPECT_EQ(rows(answer)[0]["dimensions"]["ipAddress"], "203.0.113.9");

  query.body = R"({"query": "{ viewer { accounts { nope } } }"})";
  r = api.handle(query);
  EXPECT_EQ(r.status, 200);  // as Cloudflare: errors ride on HTTP 200
  EXPECT_TRUE(json::parse(r.body)["errors"].is_array());
}

TEST(Graphql, EdgeAttemptsCarryTheTestClientIpHeaderIntoTheAnswer) {
  const auto config = load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now());
  TokenStore tokens;
  for (const auto& t : config.tokens) tokens.insert(t);
  const TimePoint now = at("2026-01-01T00:00:30Z");
  auto send = [&](const std::string& secret, const std::string& ip) {
    EdgeRequest request;
    request.remote_addr = "127.0.0.1";
    request.headers = {{"Host", "strict-ok.cfemu.test"},
                       {"CF-Access-Client-Id", "feedfacefeedfacefeedfacefeedface.access"},
                       {"CF-Access-Client-Secret", secret}};
    if (!ip.empty()) request.headers.emplace_back("X-Emulator-Client-IP", ip);
    return handle_edge_request(config, request, tokens, now, "0123456789abcdef-AMS");
  };
  AuthLog log;
  auto ok = send("deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef", "2001:db8::42");
  ASSERT_TRUE(ok.auth_event);
  log.record(*ok.auth_event);
  auto bad = send(std::string(64, '0'), "");  // strict: a known client ID with a wrong secret is logged
  ASSERT_TRUE(bad.auth_event);
  log.record(*bad.auth_event);
  const json answer =
      answer_graphql(body("2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z", 10), testing::kEmulatorAccount, log);
  // Same second, same ray: the two attempts differ by success and address, so two groups.
  ASSERT_EQ(rows(answer).size(), 2U) << answer.dump();
  std::set<std::pair<int, std::string>> seen;
  for (const auto& row : rows(answer)) {
    seen.insert({row["dimensions"]["isSuccessfulLogin"].get<int>(), row["dimensions"]["ipAddress"].get<std::string>()});
  }
  EXPECT_EQ(seen, (std::set<std::pair<int, std::string>>{{1, "2001:db8::42"}, {0, "127.0.0.1"}}));
}

}  // namespace
}  // namespace cfmon::emulator
