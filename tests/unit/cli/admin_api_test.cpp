// The service-token admin endpoints cf-service-token uses (create, rotate, refresh,
// delete), against answers as Cloudflare's published schema allows them: no response
// property is required. A secret shown once must come back whatever else the answer
// holds; everything else is optional metadata.
#include <gtest/gtest.h>

#include <functional>

#include "cfmon/cloudflare_api.hpp"
#include "support/fake_http.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;

constexpr const char* kSecret = "bdd31cbc4dec990953e39163fbbb194c93313ca9f0a6e420346af9d326b1d2a5";
constexpr const char* kId = "f174e90a-fafe-4643-bbbc-4a0ed4fc8415";

using ScriptedHttp = cfmon::testing::FakeHttp;

http::Response respond(long status, std::string body) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.body_bytes = r.body.size();
  return r;
}

std::string envelope(const Json& result) {
  return Json{{"success", true}, {"errors", Json::array()}, {"messages", Json::array()}, {"result", result}}.dump();
}

ApiSettings settings() {
  ApiSettings s;
  s.base_url = "https://api.example.test/client/v4";
  s.credentials.account_id = "0123456789abcdef0123456789abcdef";
  s.credentials.api_token = Secret("canary-api-token-0123456789");
  return s;
}

// One client answering every request with `body` (HTTP `status`).
struct Fixture {
  Fixture(long status, std::string body)
      : http([status, body](const http::Request&) { return respond(status, body); }), api(http, settings()) {}
  ScriptedHttp http;
  ApiClient api;
};

TEST(AdminApi, ASchemaMinimalRotateAnswerGivesTheSecret) {
  Fixture f(200, envelope({{"id", kId}, {"client_secret", kSecret}}));
  auto rotated = f.api.rotate_service_token(kId, std::nullopt);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(rotated->client_secret.reveal(), kSecret);
  EXPECT_EQ(rotated->info.id, kId);
  EXPECT_EQ(rotated->info.client_id, "") << "absent: the caller knows it from the token it rotated";
  EXPECT_TRUE(rotated->warnings.empty());
}

TEST(AdminApi, UnreadableMetadataIsAWarningNeverALostSecret) {
  Fixture f(201, envelope({{"id", 7},
                           {"client_secret", kSecret},
                           {"client_id", "88bf3b6d86161464f6509f7219099e57.access"},
                           {"name", "ci"},
                           {"expires_at", "next tuesday"},
                           {"last_seen_at", "2024-13-45T00:00:00Z"},
                           {"created_at", 12},
                           {"duration", Json::array()},
                           {"enabled", "yes"}}));
  auto created = f.api.create_service_token("ci", std::nullopt);
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_EQ(created->client_secret.reveal(), kSecret);
  EXPECT_EQ(created->info.client_id, "88bf3b6d86161464f6509f7219099e57.access");
  EXPECT_EQ(created->info.name, "ci");
  EXPECT_FALSE(created->info.expires_at);
  std::string all;
  for (const auto& w : created->warnings) all += w + "\n";
  for (const char* field : {"id", "expires_at", "last_seen_at", "created_at", "duration", "enabled"}) {
    EXPECT_NE(all.find(field), std::string::npos) << field << " not named in: " << all;
  }
  EXPECT_EQ(all.find(kSecret), std::string::npos);
}

TEST(AdminApi, ASecretInA2xxAnswerThatIsNoProperEnvelopeIsKeptWithAWarning) {
  for (const std::string& body :
       {Json{{"result", {{"client_secret", kSecret}}}}.dump(),
        Json{{"success", "true"}, {"result", {{"client_secret", kSecret}}}}.dump(),
        Json{{"success", false}, {"errors", Json::array()}, {"result", {{"client_secret", kSecret}}}}.dump(),
        // The API's words are quoted in the warning: never the secret with them.
        Json{{"success", false},
             {"errors", Json::array({{{"code", 1234}, {"message", std::string("rotated to ") + kSecret}}})},
             {"result", {{"client_secret", kSecret}}}}
            .dump()}) {
    Fixture f(200, body);
    auto rotated = f.api.rotate_service_token(kId, std::nullopt);
    ASSERT_TRUE(rotated) << body << ": " << rotated.error().message;
    EXPECT_EQ(rotated->client_secret.reveal(), kSecret);
    ASSERT_FALSE(rotated->warnings.empty()) << body;
    EXPECT_EQ(rotated->warnings.front().find(kSecret), std::string::npos) << rotated->warnings.front();
  }
}

TEST(AdminApi, ADeeplyNestedFieldBesideTheSecretCostsNoSecret) {
  // 300 000 nested arrays (600 KB) next to the secret: read with bounded depth.
  const std::string deep = std::string(300000, '[') + std::string(300000, ']');
  const std::string body = R"({"success":true,"errors":[],"messages":[],"result":{"client_secret":")" +
                           std::string(kSecret) + R"(","name":)" + deep + "}}";
  Fixture f(200, body);
  auto rotated = f.api.rotate_service_token(kId, std::nullopt);
  ASSERT_TRUE(rotated) << rotated.error().message;
  EXPECT_EQ(rotated->client_secret.reveal(), kSecret);
  EXPECT_FALSE(rotated->warnings.empty()) << "the unreadable name is named";
}

TEST(AdminApi, WithoutASecretOrOutside2xxThereIsNothingToKeep) {
  const std::string no_secret = envelope({{"id", kId}, {"client_secret", ""}});
  Fixture empty(200, no_secret);
  auto r = empty.api.rotate_service_token(kId, std::nullopt);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("no client_secret"), std::string::npos) << r.error().message;

  Fixture number(200, envelope({{"id", kId}, {"client_secret", 12345}}));
  EXPECT_FALSE(number.api.create_service_token("ci", std::nullopt));

  Fixture refused(403, Json{{"success", false},
                            {"errors", Json::array({{{"code", 10000}, {"message", "Authentication error"}}})},
                            {"messages", Json::array()},
                            {"result", {{"client_secret", kSecret}}}}
                           .dump());
  auto e = refused.api.rotate_service_token(kId, std::nullopt);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().kind, ApiErrorKind::forbidden);
}

TEST(AdminApi, DeleteAndRefreshAcceptAnAnswerHoldingOnlyTheId) {
  Fixture f(200, envelope({{"id", kId}}));
  auto refreshed = f.api.refresh_service_token(kId);
  ASSERT_TRUE(refreshed) << refreshed.error().message;
  EXPECT_EQ(refreshed->id, kId);
  EXPECT_FALSE(refreshed->expires_at);
  auto deleted = f.api.delete_service_token(kId);
  ASSERT_TRUE(deleted) << deleted.error().message;
  EXPECT_EQ(deleted->id, kId);

  Fixture bad_dates(200, envelope({{"id", kId}, {"expires_at", "soon"}, {"last_seen_at", 3}}));
  auto odd = bad_dates.api.refresh_service_token(kId);
  ASSERT_TRUE(odd) << odd.error().message;
  EXPECT_FALSE(odd->expires_at) << "an unreadable expiry is unknown, not a date";
}

TEST(AdminApi, RefreshSendsNoBodyAndNoContentType) {
  // The schema declares no request body for refresh (a schema mock answers 415 to one).
  Fixture f(200, envelope({{"id", kId}}));
  ASSERT_TRUE(f.api.refresh_service_token(kId));
  ASSERT_EQ(f.http.sent.size(), 1U);
  const http::Request& r = f.http.sent.front();
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.body, "");
  for (const auto& [name, value] : r.headers) {
    if (name == "Content-Type") {
      EXPECT_EQ(value, "") << "an empty value keeps libcurl from adding its own type";
    }
  }
}

}  // namespace
}  // namespace cfmon::cloudflare
