#include "cfmon/cloudflare_api.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "api_test_support.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::cloudflare {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- envelope

TEST(CloudflareApi, ListParsesTheEnvelopeIntoTypedTokens) {
  Json first = token_json(1);
  first["last_seen_at"] = "2025-06-01T12:00:00Z";
  first["enabled"] = false;
  Json second = token_json(2);
  second.erase("expires_at");
  second["duration"] = "forever";
  second["last_seen_at"] = nullptr;
  FakeHttp http([&](const http::Request&) {
    return envelope(Json::array({first, second}), {{"page", 1}, {"per_page", 100}, {"count", 2}, {"total_count", 2}});
  });
  FakeTime time;
  ApiClient api(http, settings(), time.hooks());
  auto list = api.list_service_tokens({});
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 2U);
  const auto& a = (*list)[0];
  EXPECT_EQ(a.id, "00000001-0000-4000-8000-000000000000");
  EXPECT_EQ(a.name, "token-1");
  EXPECT_EQ(a.client_id, std::string(32, 'b') + ".access");
  EXPECT_EQ(a.duration, "8760h");
  ASSERT_TRUE(a.expires_at);
  EXPECT_EQ(format_rfc3339(*a.expires_at), "2030-01-01T00:00:00Z");
  ASSERT_TRUE(a.last_seen_at);
  EXPECT_EQ(format_rfc3339(*a.last_seen_at), "2025-06-01T12:00:00Z");
  EXPECT_FALSE(a.enabled);
  const auto& b = (*list)[1];
  EXPECT_FALSE(b.expires_at);
  EXPECT_FALSE(b.last_seen_at);
  EXPECT_TRUE(b.enabled) << "an absent 'enabled' means enabled";
  EXPECT_EQ(b.duration, "forever");
}

TEST(CloudflareApi, SendsTheTokenOnlyAsARedactedBearerHeader) {
  FakeHttp http([](const http::Request&) { return envelope(Json::array()); });
  ApiClient api(http, settings());
  ASSERT_TRUE(api.list_service_tokens({"my token", ""}));
  ASSERT_EQ(http.sent.size(), 1U);
  const auto& r = http.sent[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.url, std::string("https://api.example.test/client/v4/accounts/") + kAccount +
                       "/access/service_tokens?page=1&per_page=100&name=my%20token");
  ASSERT_EQ(r.secret_headers.size(), 1U);
  EXPECT_EQ(r.secret_headers[0].first, "Authorization");
  EXPECT_EQ(r.secret_headers[0].second.reveal(), std::string("Bearer ") + kToken);
  for (const auto& [name, value] : r.headers) EXPECT_EQ(value.find(kToken), std::string::npos) << name;
  EXPECT_EQ(r.url.find(kToken), std::string::npos);
}

TEST(CloudflareApi, GetUsesTheIdPathAndRefusesIdsThatWouldChangeThePath) {
  FakeHttp http([](const http::Request&) { return envelope(token_json(7)); });
  ApiClient api(http, settings());
  auto token = api.get_service_token("00000007-0000-4000-8000-000000000000");
  ASSERT_TRUE(token) << token.error().message;
  EXPECT_EQ(token->name, "token-7");
  EXPECT_TRUE(http.sent.back().url.ends_with("/access/service_tokens/00000007-0000-4000-8000-000000000000"));
  auto bad = api.get_service_token("../../zones");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ApiErrorKind::bad_request);
  EXPECT_EQ(http.sent.size(), 1U) << "a malformed id is refused before sending";
}

// ---------------------------------------------------------------- writes

TEST(CloudflareApi, CreateSendsNameAndDurationAndReturnsTheSecret) {
  FakeHttp http([](const http::Request&) {
    Json t = token_json(3);
    t["client_secret"] = "the-one-time-secret";
    return envelope(t, nullptr, 201);
  });
  ApiClient api(http, settings());
  auto created = api.create_service_token("ci", std::string("17520h"));
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->client_secret.reveal(), "the-one-time-secret");
  EXPECT_EQ(created->info.name, "token-3");
  const auto& r = http.sent.at(0);
  EXPECT_EQ(r.method, "POST");
  EXPECT_TRUE(r.url.ends_with("/access/service_tokens"));
  EXPECT_EQ(Json::parse(r.body), (Json{{"name", "ci"}, {"duration", "17520h"}}));
}

TEST(CloudflareApi, ACreateAnswerWithoutASecretIsAnError) {
  FakeHttp http([](const http::Request&) { return envelope(token_json(3), nullptr, 201); });
  ApiClient api(http, settings());
  auto created = api.create_service_token("ci", std::nullopt);
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message.find("no client_secret"), std::string::npos);
  EXPECT_EQ(Json::parse(http.sent.at(0).body), (Json{{"name", "ci"}}));
}

TEST(CloudflareApi, RotateRefreshDeleteUseTheDocumentedRequests) {
  FakeHttp http([](const http::Request& r) {
    Json t = token_json(4);
    if (r.url.ends_with("/rotate")) t["client_secret"] = "new-secret";
    return envelope(t);
  });
  ApiClient api(http, settings());
  const auto grace = *parse_rfc3339("2031-02-03T04:05:06Z");
  auto rotated = api.rotate_service_token("abc", grace);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(rotated->client_secret.reveal(), "new-secret");
  ASSERT_TRUE(api.rotate_service_token("abc", std::nullopt));
  ASSERT_TRUE(api.refresh_service_token("abc"));
  ASSERT_TRUE(api.delete_service_token("abc"));
  ASSERT_EQ(http.sent.size(), 4U);
  const std::string base =
      std::string("https://api.example.test/client/v4/accounts/") + kAccount + "/access/service_tokens/abc";
  EXPECT_EQ(http.sent[0].method, "POST");
  EXPECT_EQ(http.sent[0].url, base + "/rotate");
  EXPECT_EQ(Json::parse(http.sent[0].body), (Json{{"previous_client_secret_expires_at", "2031-02-03T04:05:06Z"}}));
  EXPECT_EQ(Json::parse(http.sent[1].body), Json::object()) << "no grace: the old secret dies at once";
  EXPECT_EQ(http.sent[2].url, base + "/refresh");
  EXPECT_TRUE(http.sent[2].body.empty()) << "refresh declares no request body";
  EXPECT_EQ(http.sent[3].method, "DELETE");
  EXPECT_EQ(http.sent[3].url, base);
}

// ---------------------------------------------------------------- GraphQL

TEST(CloudflareApi, GraphqlReturnsDataAndTurnsErrorsIntoErrors) {
  Json answer = {{"data", {{"viewer", {{"accounts", Json::array()}}}}}, {"errors", nullptr}};
  FakeHttp ok([&](const http::Request&) { return respond(200, answer.dump()); });
  ApiClient a(ok, settings());
  auto data = a.graphql("query { viewer { accounts { x } } }", {{"account", kAccount}});
  ASSERT_TRUE(data) << data.error().message;
  EXPECT_EQ(*data, answer["data"]);
  EXPECT_TRUE(ok.sent.at(0).url.ends_with("/client/v4/graphql"));
  EXPECT_EQ(Json::parse(ok.sent.at(0).body)["variables"]["account"], kAccount);

  FakeHttp failing([](const http::Request&) {
    return respond(200,
                   R"({"data": null, "errors": [{"message": "not authorized for that account", "path": ["viewer"]}]})");
  });
  ApiClient b(failing, settings());
  data = b.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::forbidden);
  EXPECT_NE(data.error().message.find("Account Analytics Read"), std::string::npos);

  FakeHttp syntax([](const http::Request&) {
    return respond(200, R"({"data": null, "errors": [{"message": "unknown field foo"}]})");
  });
  ApiClient c(syntax, settings());
  data = c.graphql("query { foo }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_NE(data.error().message.find("the GraphQL query failed: unknown field foo"), std::string::npos);

  FakeHttp envelope_error([](const http::Request&) { return failure(403, 9109, "Unauthorized"); });
  ApiClient d(envelope_error, settings());
  data = d.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::unauthorized);

  FakeHttp html([](const http::Request&) { return respond(200, "<html></html>"); });
  ApiClient e(html, settings());
  data = e.graphql("query { x }", Json::object());
  ASSERT_FALSE(data);
  EXPECT_EQ(data.error().kind, ApiErrorKind::bad_response);
}

TEST(CloudflareApi, AnIdFromTheAnswerIsPrintableInErrors) {
  Json t = token_json(1);
  t["id"] = "abc\nUNKNOWN - injected\x7f";
  t["expires_at"] = "soon\nOK - all fine";
  FakeHttp http([&](const http::Request&) { return envelope(t); });
  ApiClient api(http, settings());
  const auto token = api.get_service_token("00000001-0000-4000-8000-000000000000");
  ASSERT_FALSE(token);
  EXPECT_EQ(token.error().message.find_first_of("\n\x7f"), std::string::npos) << token.error().message;
}

TEST(CloudflareApi, HostileRateLimitHintsDoNotOverflow) {
  const TimePoint now = TimePoint{} + std::chrono::hours(24 * 365 * 55);
  const auto wait = [&](const char* header, const char* value) {
    return retry_after_of(respond(429, "", {{header, value}}), now);
  };
  const std::chrono::seconds a_year = std::chrono::hours(24 * 365);
  EXPECT_GE(wait("retry-after", "9223372036854775807"), a_year);
  EXPECT_GE(wait("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"), a_year);
  EXPECT_EQ(wait("retry-after", "Mon, 01 Jan 0001 00:00:00 GMT"), 0s);
  EXPECT_GE(wait("ratelimit", "\"default\";r=0;t=9223372036854775807"), a_year);
  EXPECT_GE(wait("x-ratelimit-reset", "9223372036854775807"), a_year);

  // And the client turns such a wait into a clear refusal, not an overflowed sleep.
  FakeTime time;
  FakeHttp http([](const http::Request&) { return respond(429, "", {{"retry-after", "9223372036854775807"}}); });
  ApiClient api(http, settings(), time.hooks());
  const auto r = api.list_service_tokens({});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ApiErrorKind::rate_limited);
  EXPECT_TRUE(time.slept.empty());
}

}  // namespace
}  // namespace cfmon::cloudflare
