// The v4 API emulator: the decision without sockets, then once over TLS.
#include "api.hpp"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <regex>
#include <thread>

#include <nlohmann/json.hpp>

#include "contract.hpp"
#include "server.hpp"
#include "state_dir.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::emulator {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::string kAccount = "a11ce5eda11ce5eda11ce5eda11ce5ed";
const std::string kAdmin = "cfemu-admin-0123456789abcdef0123456789abcd";
const std::string kReadOnly = "cfemu-readonly-0123456789abcdef0123456789";
const std::string kNoRead = "cfemu-noread-0123456789abcdef0123456789ab";
const std::string kMonitoringId = "11111111-1111-4111-8111-111111111111";
const std::string kMonitoringClientId = "feedfacefeedfacefeedfacefeedface.access";
const std::string kMonitoringSecret = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
const std::string kTokens = "/client/v4/accounts/" + kAccount + "/access/service_tokens";

// Cloudflare's schema (tests/contract/), loaded once.
std::shared_ptr<const contract::Contract> schema() {
  static const auto c =
      std::make_shared<const contract::Contract>(contract::Contract::load_file(CFMON_CONTRACT_SCHEMA));
  return c;
}

// The default config's API over a fresh store, with a clock frozen at a known time.
// Every answer it gives is checked against the schema (requests are not: these tests
// send bad ones on purpose).
struct Fixture {
  Fixture()
      : config(load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now())),
        tokens(std::make_shared<TokenStore>()),
        clock(std::make_shared<ControlledClock>()) {
    for (const auto& t : config.tokens) tokens->insert(t);
    // 2026-01-01: the default tokens expire 2030-01-01.
    set_time("2026-01-01T00:00:00Z");
    api = std::make_unique<ApiEmulator>(config.api, tokens, clock);
    api->set_contract(schema());
  }
  ~Fixture() {
    for (const auto& v : api->contract_report().violations) {
      if (v.find(": answer ") != std::string::npos) ADD_FAILURE() << "an emulator answer breaks the schema: " << v;
    }
  }
  Fixture(const Fixture&) = delete;
  Fixture& operator=(const Fixture&) = delete;

  ApiHttpResponse call(const std::string& method, const std::string& target, const std::string& token = kAdmin,
                       const std::string& body = "") const {
    ApiHttpRequest r;
    r.method = method;
    r.target = target;
    if (!token.empty()) r.headers.emplace_back("Authorization", "Bearer " + token);
    r.body = body;
    return api->handle(r);
  }

  static json parse(const ApiHttpResponse& r) { return json::parse(r.body); }

  static int code(const ApiHttpResponse& r) { return parse(r)["errors"][0]["code"].get<int>(); }

  // What the edge says to this token on the "echo" app (any valid token passes).
  int edge_status(const std::string& client_id, const std::string& secret) const {
    EdgeRequest request;
    request.headers = {
        {"Host", "echo.cfemu.test"}, {"CF-Access-Client-Id", client_id}, {"CF-Access-Client-Secret", secret}};
    return handle_edge_request(config, request, *tokens, clock->now(), "0123456789abcdef").status;
  }

  void advance(std::chrono::seconds s) const { clock->set_offset(clock->offset() + s); }
  // Moves the clock to about `text` (within the test's own run time).
  void set_time(const char* text) const {
    clock->set_offset(std::chrono::ceil<std::chrono::seconds>(*parse_rfc3339(text) - Clock::now()));
  }

  EmulatorConfig config;
  std::shared_ptr<TokenStore> tokens;
  std::shared_ptr<ControlledClock> clock;
  std::unique_ptr<ApiEmulator> api;
};

// ---------------------------------------------------------------- config

TEST(ApiConfig, DefaultConfigHasTheApiAndItsTokens) {
  Fixture f;
  EXPECT_TRUE(f.config.api.enabled);
  EXPECT_EQ(f.config.api.host, "api.cfemu.test");
  EXPECT_EQ(f.config.api.account_id, kAccount);
  const auto* ro = f.config.api.find_token(kReadOnly);
  ASSERT_NE(ro, nullptr);
  EXPECT_TRUE(ro->can_read);
  EXPECT_FALSE(ro->can_write);
  const auto* none = f.config.api.find_token(kNoRead);
  ASSERT_NE(none, nullptr);
  EXPECT_FALSE(none->can_read);
  auto hosts = f.config.certificate_hosts();
  EXPECT_NE(std::find(hosts.begin(), hosts.end(), "api.cfemu.test"), hosts.end());
}

TEST(ApiConfig, MistakesAreRefusedWithTheirPlace) {
  const std::string head =
      R"({"team_domain": "t.example", "tokens": [], "apps": [], "api": {"account_id": "abc", "api_tokens": [)";
  auto error_of = [&](const std::string& tokens) -> std::string {
    try {
      (void)parse_config(head + tokens + "]}}", Clock::now());
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(error_of(R"({"name": "a", "token": "x", "permissions": ["admin"]})").find("api.api_tokens[0]"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "a", "token": "x", "permissions": [], "fault": "explode"})").find("unknown \"fault\""),
            std::string::npos);
  EXPECT_NE(error_of(R"({"name": "a", "token": "x"})").find("permissions"), std::string::npos);
  EXPECT_NE(
      error_of(R"({"name": "a", "token": "x", "permissions": []}, {"name": "a", "token": "y", "permissions": []})")
          .find("duplicate name"),
      std::string::npos);
  EXPECT_EQ(error_of(R"({"name": "a", "token": "x", "permissions": ["read"], "fault": "500"})"), "");
  const auto config = parse_config(R"({"team_domain": "t.example", "tokens": [], "apps": []})", Clock::now());
  EXPECT_FALSE(config.api.enabled) << "no api section, no API";
}

// ---------------------------------------------------------------- auth

TEST(ApiAuth, MissingUnknownRevokedAndForeignTokensGetTheDocumentedErrors) {
  Fixture f;
  auto r = f.call("GET", kTokens, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Fixture::code(r), 1000);
  r = f.call("GET", kTokens, "not-a-token");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Fixture::code(r), 1000);
  r = f.call("GET", kTokens, "cfemu-revoked-0123456789abcdef0123456789a");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Fixture::code(r), 9109);
  r = f.call("GET", kTokens, "cfemu-otheracct-0123456789abcdef01234567");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Fixture::code(r), 9109) << "a token of another account";
  r = f.call("GET", "/client/v4/accounts/5eed5eed5eed5eed5eed5eed5eed5eed/access/service_tokens",
             "cfemu-noaccess-0123456789abcdef012345678");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Fixture::code(r), 9999);
  EXPECT_EQ(Fixture::parse(r)["success"], false);
}

TEST(ApiAuth, PermissionsFilterReadsAndRefuseWrites) {
  Fixture f;
  auto r = f.call("GET", kTokens, kNoRead);
  ASSERT_EQ(r.status, 200) << "without read permission: an empty list, not an error";
  EXPECT_EQ(Fixture::parse(r)["result"], json::array());
  r = f.call("GET", kTokens + "/" + kMonitoringId, kNoRead);
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Fixture::code(r), 10000);
  r = f.call("GET", kTokens, kReadOnly);
  EXPECT_EQ(Fixture::parse(r)["result"].size(), 4U);
  r = f.call("POST", kTokens, kReadOnly, R"({"name": "x"})");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Fixture::code(r), 10000);
  r = f.call("POST", kTokens + "/" + kMonitoringId + "/rotate", kReadOnly, "{}");
  EXPECT_EQ(Fixture::code(r), 10000);
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 200) << "the refused rotation changed nothing";
}

TEST(ApiRoutes, UnknownPathsAndMalformedIdsAre7003UnknownIds12135) {
  Fixture f;
  auto r = f.call("GET", "/client/v4/accounts/" + kAccount + "/access/apps");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Fixture::code(r), 7003);
  r = f.call("GET", kTokens + "/not-a-uuid");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Fixture::code(r), 7003);
  r = f.call("GET", kTokens + "/99999999-9999-4999-8999-999999999999");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Fixture::code(r), 12135);
  r = f.call("GET", "/elsewhere");
  EXPECT_EQ(Fixture::code(r), 7003);
}

// ---------------------------------------------------------------- list

TEST(ApiList, PagesAsTheSchemaSays) {
  Fixture f;
  auto r = f.call("GET", kTokens);
  json body = Fixture::parse(r);
  EXPECT_EQ(body["result"].size(), 4U);
  EXPECT_EQ(body["result_info"]["total_count"], 4);
  EXPECT_EQ(body["result_info"]["per_page"], 1000) << "the schema's default";
  EXPECT_EQ(body["result_info"]["total_pages"], 1);
  EXPECT_EQ(r.header("Content-Type") != nullptr ? *r.header("Content-Type") : "", "application/json");

  std::vector<std::string> names;
  for (int page = 1; page <= 5; ++page) {
    body = Fixture::parse(f.call("GET", kTokens + "?per_page=1&page=" + std::to_string(page)));
    EXPECT_EQ(body["result_info"]["count"], page <= 4 ? 1 : 0);
    EXPECT_EQ(body["result_info"]["total_pages"], 4);
    for (const auto& t : body["result"]) names.push_back(t["name"]);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"monitoring", "other-team", "expired", "disabled"}));

  // Any integer up to 1000 (no invented set of values); beyond it a bad request.
  body = Fixture::parse(f.call("GET", kTokens + "?per_page=3&page=2"));
  EXPECT_EQ(body["result"].size(), 1U);
  EXPECT_EQ(body["result_info"]["total_pages"], 2);
  for (const char* bad : {"0", "-1", "abc", "1001", "100000"}) {
    r = f.call("GET", kTokens + "?per_page=" + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(Fixture::code(r), 12130) << bad;
  }
  r = f.call("GET", kTokens + "?page=0");
  EXPECT_EQ(r.status, 400);
}

TEST(ApiList, NameIsExactSearchIsASubstring) {
  Fixture f;
  auto body = Fixture::parse(f.call("GET", kTokens + "?name=monitoring"));
  ASSERT_EQ(body["result"].size(), 1U);
  EXPECT_EQ(body["result"][0]["id"], kMonitoringId);
  EXPECT_EQ(body["result"][0].count("client_secret"), 0U) << "a list never shows a secret";
  EXPECT_EQ(Fixture::parse(f.call("GET", kTokens + "?name=monitor"))["result"].size(), 0U);
  body = Fixture::parse(f.call("GET", kTokens + "?search=E"));  // expired, disabled, other-team
  EXPECT_EQ(body["result"].size(), 3U);
  body = Fixture::parse(f.call("GET", kTokens + "?name=other%2Dteam"));
  EXPECT_EQ(body["result"].size(), 1U);
}

TEST(ApiList, TokenFieldsFollowTheSpec) {
  Fixture f;
  f.tokens->mark_seen(kMonitoringId, *parse_rfc3339("2025-12-01T10:00:00Z"));
  const auto body = Fixture::parse(f.call("GET", kTokens));
  const auto& monitoring = body["result"][0];
  EXPECT_EQ(monitoring["client_id"], kMonitoringClientId);
  EXPECT_EQ(monitoring["duration"], "8760h");
  EXPECT_EQ(monitoring["expires_at"], "2030-01-01T00:00:00Z");
  EXPECT_EQ(monitoring["last_seen_at"], "2025-12-01T10:00:00Z");
  EXPECT_EQ(monitoring["enabled"], true);
  EXPECT_FALSE(body["result"][1].contains("last_seen_at")) << "never used: absent (a timestamp is never null)";
  EXPECT_EQ(body["result"][3]["enabled"], false);
}

// ---------------------------------------------------------------- writes over the shared store

TEST(ApiWrites, ACreatedTokenIsAcceptedByTheEdge) {
  Fixture f;
  auto r = f.call("POST", kTokens, kAdmin, R"({"name": "ci", "duration": "720h"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto token = Fixture::parse(r)["result"];
  const std::string secret = token["client_secret"];
  EXPECT_EQ(secret.size(), 64U);
  EXPECT_FALSE(token.contains("expires_at")) << "access_create_response has no expires_at";
  EXPECT_FALSE(token.contains("last_seen_at"));
  EXPECT_EQ(f.edge_status(token["client_id"], secret), 200);
  const auto read_back = Fixture::parse(f.call("GET", kTokens + "/" + token["id"].get<std::string>()))["result"];
  EXPECT_EQ(read_back["expires_at"].get<std::string>().substr(0, 16), "2026-01-31T00:00");
  EXPECT_EQ(Fixture::parse(f.call("GET", kTokens))["result"].size(), 5U);

  r = f.call("POST", kTokens, kAdmin, R"({"name": "forever", "duration": "forever"})");
  ASSERT_EQ(r.status, 201);
  EXPECT_FALSE(Fixture::parse(r)["result"].contains("expires_at"));

  for (const char* bad :
       {R"({"duration": "1h"})", R"({"name": ""})", R"({"name": "x", "duration": "a year"})", "[1]", "{"}) {
    r = f.call("POST", kTokens, kAdmin, bad);
    EXPECT_EQ(r.status, 400) << bad;
  }
}

TEST(ApiWrites, RotateWithoutGraceRetiresTheOldSecretAtOnce) {
  Fixture f;
  auto r = f.call("POST", kTokens + "/" + kMonitoringId + "/rotate", kAdmin, "");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto token = Fixture::parse(r)["result"];
  EXPECT_EQ(token["id"], kMonitoringId);
  EXPECT_EQ(token["client_id"], kMonitoringClientId);
  EXPECT_FALSE(token.contains("expires_at")) << "access_create_response has no expires_at";
  const std::string fresh = token["client_secret"];
  EXPECT_NE(fresh, kMonitoringSecret);
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 403);
  EXPECT_EQ(f.edge_status(kMonitoringClientId, fresh), 200);
}

TEST(ApiWrites, RotateWithGraceKeepsTheOldSecretUntilThen) {
  Fixture f;
  auto r = f.call("POST", kTokens + "/" + kMonitoringId + "/rotate", kAdmin,
                  R"({"previous_client_secret_expires_at": "2026-01-01T01:00:00Z"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const std::string fresh = Fixture::parse(r)["result"]["client_secret"];
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 200);
  EXPECT_EQ(f.edge_status(kMonitoringClientId, fresh), 200);
  f.advance(3601s);
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 403);
  EXPECT_EQ(f.edge_status(kMonitoringClientId, fresh), 200);
  r = f.call("POST", kTokens + "/" + kMonitoringId + "/rotate", kAdmin,
             R"({"previous_client_secret_expires_at": "tomorrow"})");
  EXPECT_EQ(r.status, 400);
}

TEST(ApiWrites, DeleteDisableRefreshAndExpiryFollowTheClock) {
  Fixture f;
  // Expiry follows the shared clock.
  f.set_time("2030-01-01T00:00:00Z");
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 403) << "expired in 2030";
  auto r = f.call("POST", kTokens + "/" + kMonitoringId + "/refresh");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Fixture::parse(r)["result"]["expires_at"].get<std::string>().substr(0, 13), "2031-01-01T00");
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 200);

  r = f.call("PUT", kTokens + "/" + kMonitoringId, kAdmin, R"({"enabled": false})");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Fixture::parse(r)["result"]["enabled"], false);
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 403);
  r = f.call("PUT", kTokens + "/" + kMonitoringId, kAdmin, R"({"enabled": true, "name": "renamed"})");
  EXPECT_EQ(Fixture::parse(r)["result"]["name"], "renamed");
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 200);

  r = f.call("DELETE", kTokens + "/" + kMonitoringId);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Fixture::parse(r)["result"]["id"], kMonitoringId);
  EXPECT_EQ(Fixture::parse(r)["result"]["client_id"], kMonitoringClientId) << "the compatible default";
  EXPECT_EQ(f.edge_status(kMonitoringClientId, kMonitoringSecret), 403);
  r = f.call("GET", kTokens + "/" + kMonitoringId);
  EXPECT_EQ(Fixture::code(r), 12135);
  r = f.call("DELETE", kTokens + "/" + kMonitoringId);
  EXPECT_EQ(r.status, 404);
}

TEST(ApiWrites, SchemaStrictAnswersAreMinimal) {
  Fixture f;
  f.api->set_schema_strict(true);
  auto r = f.call("POST", kTokens, kAdmin, R"({"name": "ci"})");
  ASSERT_EQ(r.status, 201) << r.body;
  auto token = Fixture::parse(r)["result"];
  EXPECT_FALSE(token.contains("client_id"));
  EXPECT_FALSE(token.contains("last_seen_at"));
  EXPECT_FALSE(token.contains("expires_at"));
  EXPECT_EQ(token["client_secret"].get<std::string>().size(), 64U);
  r = f.call("POST", kTokens + "/" + kMonitoringId + "/rotate", kAdmin, "");
  ASSERT_EQ(r.status, 200) << r.body;
  token = Fixture::parse(r)["result"];
  EXPECT_FALSE(token.contains("client_id"));
  EXPECT_EQ(f.edge_status(kMonitoringClientId, token["client_secret"]), 200);
  // refresh declares no request body: one is refused, as a schema mock does.
  r = f.call("POST", kTokens + "/" + kMonitoringId + "/refresh", kAdmin, "{}");
  EXPECT_EQ(r.status, 415) << r.body;
  r = f.call("POST", kTokens + "/" + kMonitoringId + "/refresh", kAdmin, "");
  EXPECT_EQ(r.status, 200) << r.body;
  r = f.call("DELETE", kTokens + "/" + kMonitoringId);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Fixture::parse(r)["result"], (json{{"id", kMonitoringId}}));
}

// ---------------------------------------------------------------- rate limit and faults

TEST(ApiLimits, RateLimitAnswers429WithTheDocumentedHeaders) {
  Fixture f;
  f.api->set_rate_limit(3, 60);
  for (int i = 0; i < 3; ++i) {
    const auto r = f.call("GET", kTokens);
    ASSERT_EQ(r.status, 200);
    ASSERT_NE(r.header("Ratelimit"), nullptr);
    // t counts down with the real clock: 60 unless a slow machine crossed a second.
    EXPECT_TRUE(
        std::regex_match(*r.header("Ratelimit"), std::regex("\"default\";r=" + std::to_string(2 - i) + ";t=(59|60)")))
        << *r.header("Ratelimit");
  }
  auto r = f.call("GET", kTokens);
  EXPECT_EQ(r.status, 429);
  ASSERT_NE(r.header("Retry-After"), nullptr);
  EXPECT_TRUE(std::regex_match(*r.header("Retry-After"), std::regex("59|60"))) << *r.header("Retry-After");
  EXPECT_TRUE(std::regex_match(*r.header("Ratelimit"), std::regex("\"default\";r=0;t=(59|60)")));
  EXPECT_EQ(*r.header("Ratelimit-Policy"), "\"burst\";q=3;w=60");
  EXPECT_EQ(f.call("GET", kTokens, kReadOnly).status, 200) << "another user's API token has its own budget";
  f.advance(60s);
  EXPECT_EQ(f.call("GET", kTokens).status, 200);
}

TEST(ApiLimits, AllApiTokensOfOneUserShareItsBudget) {
  Fixture f;
  for (auto& t : f.config.api.tokens) t.user = "alice";
  f.api = std::make_unique<ApiEmulator>(f.config.api, f.tokens, f.clock);
  f.api->set_contract(schema());
  f.api->set_rate_limit(2, 60);
  EXPECT_EQ(f.call("GET", kTokens).status, 200);
  EXPECT_EQ(f.call("GET", kTokens, kReadOnly).status, 200);
  EXPECT_EQ(f.call("GET", kTokens, kNoRead).status, 429) << "1200 per 5 minutes per user, not per token";
}

TEST(ApiFaults, EachFaultMisbehavesAsNamed) {
  Fixture f;
  auto with = [&](ApiFault fault) {
    f.api->set_fault(fault);
    return f.call("GET", kTokens);
  };
  auto r = with(ApiFault::server_error);
  EXPECT_EQ(r.status, 500);
  r = with(ApiFault::invalid_json);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(json::parse(r.body, nullptr, false).is_discarded());
  r = with(ApiFault::truncated_json);
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(json::parse(r.body, nullptr, false).is_discarded());
  EXPECT_TRUE(r.body.starts_with("{\"errors\":[]"));
  r = with(ApiFault::success_false);
  EXPECT_EQ(Fixture::parse(r)["success"], false);
  EXPECT_EQ(Fixture::parse(r)["errors"], json::array());
  r = with(ApiFault::html);
  EXPECT_TRUE(r.body.starts_with("<!DOCTYPE html>"));
  r = with(ApiFault::slow);
  EXPECT_EQ(r.delay, 3000ms);
  EXPECT_EQ(r.status, 200);
  for (int page : {1, 2, 1000}) {
    f.api->set_fault(ApiFault::endless_pagination);
    const auto body = Fixture::parse(f.call("GET", kTokens + "?per_page=5&page=" + std::to_string(page)));
    EXPECT_EQ(body["result"].size(), 5U);
    EXPECT_FALSE(body["result_info"].contains("total_count"));
  }
  r = with(ApiFault::none);
  EXPECT_EQ(Fixture::parse(r)["result"].size(), 4U);
}

TEST(ApiFaults, FaultsCanBeScopedToOneApiTokenAndComeFromTheConfig) {
  Fixture f;
  f.api->set_fault(ApiFault::server_error, std::string("read-only"));
  EXPECT_EQ(f.call("GET", kTokens, kReadOnly).status, 500);
  EXPECT_EQ(f.call("GET", kTokens, kAdmin).status, 200);
  EXPECT_EQ(f.call("GET", kTokens, "cfemu-fault500-0123456789abcdef012345678").status, 500);
  EXPECT_TRUE(f.call("GET", kTokens, "cfemu-faulthtml-0123456789abcdef01234567").body.starts_with("<!DOCTYPE"));
}

TEST(ApiControl, ClockStatsFaultsAndRateLimitOverHttp) {
  Fixture f;
  auto r = f.call("POST", "/__emulator/clock", "", R"({"offset_seconds": 0})");
  ASSERT_EQ(r.status, 200);
  r = f.call("POST", "/__emulator/clock", "", R"({"advance_seconds": 86400})");
  EXPECT_EQ(Fixture::parse(r)["clock_offset_seconds"], 86400);
  EXPECT_EQ(f.clock->offset(), 86400s);
  (void)f.call("GET", kTokens);
  (void)f.call("GET", kTokens, kReadOnly);
  r = f.call("GET", "/__emulator/stats", "");
  EXPECT_EQ(Fixture::parse(r)["api_requests"], 2);
  EXPECT_EQ(Fixture::parse(r)["by_token"]["admin"], 1);
  EXPECT_EQ(Fixture::parse(r)["by_token"]["read-only"], 1);
  r = f.call("POST", "/__emulator/faults", "", R"({"fault": "500"})");
  EXPECT_EQ(Fixture::parse(r)["fault"], "server_error");
  EXPECT_EQ(f.call("GET", kTokens).status, 500);
  (void)f.call("DELETE", "/__emulator/faults", "");
  EXPECT_EQ(f.call("GET", kTokens).status, 200);
  EXPECT_EQ(f.call("POST", "/__emulator/faults", "", R"({"fault": "boom"})").status, 400);
  (void)f.call("POST", "/__emulator/rate_limit", "", R"({"requests": 1, "window_seconds": 10})");
  EXPECT_EQ(f.call("GET", kTokens).status, 200);
  EXPECT_EQ(f.call("GET", kTokens).status, 429);
  (void)f.call("POST", "/__emulator/stats/reset", "");
  EXPECT_EQ(f.api->api_requests(), 0U);
}

// ---------------------------------------------------------------- over TLS

TEST(ApiServer, ServedOnTheApiHostOfTheSameHttpsServer) {
  auto config = std::make_shared<const EmulatorConfig>(load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now()));
  auto tokens = std::make_shared<TokenStore>();
  for (const auto& t : config->tokens) tokens->insert(t);
  auto clock = std::make_shared<ControlledClock>();
  const TlsMaterial tls = TlsMaterial::generate(config->certificate_hosts(), Clock::now());
  const cfmon::testing::TempDir temp;
  const std::filesystem::path dir(temp.path());
  prepare_state_dir(dir, tls);
  ServerOptions options;
  options.clock = [clock] { return clock->now(); };
  options.api = std::make_shared<ApiEmulator>(config->api, tokens, clock);
  EdgeServer server(config, tokens, std::make_shared<AuthLog>(), tls, options);
  const auto port = server.bind();
  ASSERT_TRUE(port);
  std::thread thread([&] { server.run(); });

  auto client = [&](const std::string& host) {
    auto c = std::make_unique<httplib::SSLClient>(host, *port);
    c->set_hostname_addr_map({{host, "127.0.0.1"}});
    c->set_ca_cert_path((dir / "ca.pem").string());
    c->enable_server_certificate_verification(true);
    c->set_read_timeout(30);
    return c;
  };
  auto api = client("api.cfemu.test");
  const httplib::Headers auth{{"Authorization", "Bearer " + kAdmin}};
  auto r = api->Post(kTokens.c_str(), auth, R"({"name": "over-tls"})", "application/json");
  ASSERT_TRUE(r) << "TLS to api.cfemu.test (certificate SAN) failed: " << httplib::to_string(r.error());
  ASSERT_EQ(r->status, 201);
  const auto created = json::parse(r->body)["result"];
  // The edge on the same port accepts the new token, and records its use for last_seen_at.
  auto edge = client("echo.cfemu.test");
  auto e = edge->Get("/", httplib::Headers{{"CF-Access-Client-Id", created["client_id"].get<std::string>()},
                                           {"CF-Access-Client-Secret", created["client_secret"].get<std::string>()}});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->status, 200);
  r = api->Get((kTokens + "/" + created["id"].get<std::string>()).c_str(), auth);
  ASSERT_TRUE(r);
  EXPECT_FALSE(json::parse(r->body)["result"]["last_seen_at"].is_null());
  r = api->Get("/__emulator/stats");
  ASSERT_TRUE(r);
  EXPECT_EQ(json::parse(r->body)["api_requests"], 2);

  server.stop();
  thread.join();
}

}  // namespace
}  // namespace cfmon::emulator
