// Every row of the Access behaviour table (docs/cloudflare-access.md section 1),
// against the apps of default-config.json, without sockets.
#include "edge.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <regex>

namespace cfmon::emulator {
namespace {

using namespace std::chrono;

const TimePoint kNow = *parse_rfc3339("2026-11-30T12:00:00Z");
constexpr std::string_view kRay = "0123456789abcdef";

struct Token {
  std::string id;
  std::string client_id;
  std::string secret;
};
const Token kMonitoring{"11111111-1111-4111-8111-111111111111", "feedfacefeedfacefeedfacefeedface.access",
                        "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"};
const Token kOtherTeam{"22222222-2222-4222-8222-222222222222", "0ddba1100ddba1100ddba1100ddba110.access",
                       "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00"};
const Token kExpired{"33333333-3333-4333-8333-333333333333", "decea5eddecea5eddecea5eddecea5ed.access",
                     "ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11ba5eba11"};
const Token kDisabled{"44444444-4444-4444-8444-444444444444", "d15ab1edd15ab1edd15ab1edd15ab1ed.access",
                      "5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e5ca1ab1e"};
const Token kWrongSecret{kMonitoring.id, kMonitoring.client_id, std::string(64, '0')};
const Token kUnknown{"", "00000000000000000000000000000000.access", std::string(64, '1')};

class EdgeTest : public ::testing::Test {
 protected:
  EdgeTest() : config(load_config_file(CFEMU_DEFAULT_CONFIG, kNow)) {
    for (const auto& token : config.tokens) tokens.insert(token);
  }

  EdgeResponse send(const std::string& app, HeaderList headers = {}, std::string target = "/") {
    EdgeRequest request;
    request.target = std::move(target);
    request.remote_addr = "192.0.2.7";
    request.headers = std::move(headers);
    request.headers.emplace_back("Host", app + ".cfemu.test");
    return handle_edge_request(config, request, tokens, kNow, kRay);
  }

  EdgeResponse send_token(const std::string& app, const Token& token, std::string target = "/") {
    return send(app, {{"CF-Access-Client-Id", token.client_id}, {"CF-Access-Client-Secret", token.secret}},
                std::move(target));
  }

  const AppConfig& app(const std::string& name) const { return *config.find_app(name + ".cfemu.test"); }

  static std::string header(const EdgeResponse& response, std::string_view name) {
    const std::string* value = response.header(name);
    return value != nullptr ? *value : "(absent)";
  }

  // An Access-generated 401/403: its status plus the two headers probes look for.
  void expect_access_denial(const EdgeResponse& response, int status, const std::string& name) {
    EXPECT_EQ(response.status, status) << name << ": " << response.verdict;
    EXPECT_EQ(header(response, "CF-Access-Aud"), app(name).aud) << name;
    EXPECT_EQ(header(response, "CF-Access-Domain"), name + ".cfemu.test") << name;
    EXPECT_EQ(response.header("Set-Cookie"), nullptr) << name;
  }

  // The origin's own page for app `name`; without_cookie: and no Set-Cookie.
  static void expect_origin(const EdgeResponse& response, const std::string& name, bool without_cookie = false) {
    EXPECT_EQ(response.status, 200) << name << ": " << response.verdict;
    EXPECT_EQ(response.body, "hello from " + name);
    if (without_cookie) {
      EXPECT_EQ(response.header("Set-Cookie"), nullptr) << name;
    }
  }

  void expect_login_redirect(const EdgeResponse& response, const std::string& name,
                             const std::string& encoded_target = "%2F") {
    EXPECT_EQ(response.status, 302) << response.verdict;
    EXPECT_EQ(header(response, "Location"), "https://acme.cloudflareaccess.com/cdn-cgi/access/login/" + name +
                                                ".cfemu.test?kid=" + app(name).aud + "&redirect_url=" + encoded_target);
    EXPECT_NE(header(response, "Content-Type").find("text/html"), std::string::npos);
    EXPECT_EQ(response.header("CF-Access-Aud"), nullptr);
  }

  static void expect_legacy_cookie(const EdgeResponse& response) {
    const std::string cookie = header(response, "Set-Cookie");
    EXPECT_TRUE(std::regex_match(cookie, std::regex("CF_Authorization=[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+"
                                                    "; Path=/; Secure; HttpOnly")))
        << cookie;
  }

  EmulatorConfig config;
  TokenStore tokens;
};

// ---- every response ------------------------------------------------------------------

TEST_F(EdgeTest, EveryResponseLooksLikeCloudflare) {
  for (const auto& [name, response] : {std::pair{"ok", send_token("ok", kMonitoring)},
                                       {"legacy-403", send("legacy-403")},
                                       {"waf-blocked", send("waf-blocked")},
                                       {"unknown", send("nope")},
                                       {"unprotected", send("unprotected")},
                                       {"login-redirect", send("login-redirect")}}) {
    EXPECT_EQ(header(response, "server"), "cloudflare") << name;
    EXPECT_EQ(header(response, "cf-ray"), "0123456789abcdef-AMS") << name;
  }
}

TEST_F(EdgeTest, UnknownOrMissingHostIsDnsError1001) {
  const auto response = send("nope");
  EXPECT_EQ(response.status, 530);
  EXPECT_EQ(response.body, "error code: 1001");
  EXPECT_FALSE(response.auth_event);
  EdgeRequest no_host;
  EXPECT_EQ(handle_edge_request(config, no_host, tokens, kNow, kRay).status, 530);
}

TEST_F(EdgeTest, HostHeaderIgnoresPortAndCase) {
  EdgeRequest request;
  request.headers = {{"host", "OK.CFEMU.TEST:8443"},
                     {"cf-access-client-id", kMonitoring.client_id},
                     {"CF-ACCESS-CLIENT-SECRET", kMonitoring.secret}};
  EXPECT_EQ(handle_edge_request(config, request, tokens, kNow, kRay).status, 200);
}

// ---- legacy ------------------------------------------------------------------------

TEST_F(EdgeTest, LegacyValidTokenGetsOriginAndCookie) {
  const auto response = send_token("ok", kMonitoring);
  expect_origin(response, "ok");
  expect_legacy_cookie(response);
  EXPECT_EQ(response.header("CF-Access-Aud"), nullptr);
  ASSERT_TRUE(response.auth_event);
  EXPECT_TRUE(response.auth_event->success);
  EXPECT_EQ(response.auth_event->token_id, kMonitoring.id);
  EXPECT_EQ(response.auth_event->client_id, kMonitoring.client_id);
  EXPECT_EQ(response.auth_event->source_ip, "192.0.2.7");
  EXPECT_EQ(response.auth_event->cf_ray, "0123456789abcdef-AMS");
  EXPECT_EQ(response.auth_event->app_host, "ok.cfemu.test");
  EXPECT_EQ(response.auth_event->datetime, kNow);
  EXPECT_TRUE(response.auth_event->well_formed);
}

TEST_F(EdgeTest, LegacyCookieIsJwtShapedForThisApp) {
  const std::string cookie = header(send_token("ok", kMonitoring), "Set-Cookie");
  const auto first_dot = cookie.find('.');
  const std::string payload_b64 = cookie.substr(first_dot + 1, cookie.find('.', first_dot + 1) - first_dot - 1);
  // base64url -> JSON, decoded by hand to keep the test free of helpers under test.
  static const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string json;
  unsigned buffer = 0;
  int bits = 0;
  for (const char c : payload_b64) {
    buffer = (buffer << 6U) | static_cast<unsigned>(alphabet.find(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      json.push_back(static_cast<char>((buffer >> static_cast<unsigned>(bits)) & 0xFFU));
    }
  }
  const auto claims = nlohmann::json::parse(json);
  EXPECT_EQ(claims["aud"][0], app("ok").aud);
  EXPECT_EQ(claims["common_name"], kMonitoring.client_id);
  EXPECT_EQ(claims["iss"], "https://acme.cloudflareaccess.com");
}

TEST_F(EdgeTest, LegacyServiceAuthOnlyAppAnswers403ToEveryBadToken) {
  for (const Token* token : {&kWrongSecret, &kExpired, &kDisabled, &kUnknown}) {
    const auto response = send_token("ok", *token);
    expect_access_denial(response, 403, "ok");
    ASSERT_TRUE(response.auth_event);
    EXPECT_FALSE(response.auth_event->success);
    EXPECT_EQ(response.auth_event->token_id, token->id) << token->client_id;
  }
}

TEST_F(EdgeTest, LegacyValidTokenWithoutPolicyIs403) {
  const auto response = send_token("legacy-403", kMonitoring);
  expect_access_denial(response, 403, "legacy-403");
  ASSERT_TRUE(response.auth_event);
  EXPECT_FALSE(response.auth_event->success);
  EXPECT_EQ(response.auth_event->token_id, kMonitoring.id);
  EXPECT_EQ(send_token("legacy-403", kOtherTeam).status, 200);
}

TEST_F(EdgeTest, Legacy401RedirectSettingAnswers401) {
  expect_access_denial(send_token("legacy-401", kMonitoring), 401, "legacy-401");
  expect_access_denial(send_token("legacy-401", kExpired), 401, "legacy-401");
  expect_access_denial(send("legacy-401"), 401, "legacy-401");
  EXPECT_EQ(send_token("legacy-401", kOtherTeam).status, 200);
}

TEST_F(EdgeTest, LegacyIdentityAppRedirectsEveryFailureToLogin) {
  for (const Token* token : {&kMonitoring, &kWrongSecret, &kExpired, &kDisabled, &kUnknown}) {
    expect_login_redirect(send_token("login-redirect", *token), "login-redirect");
  }
  expect_login_redirect(send("login-redirect"), "login-redirect");
  EXPECT_EQ(send_token("login-redirect", kOtherTeam).status, 200);
}

TEST_F(EdgeTest, LoginRedirectCarriesTheEncodedPath) {
  expect_login_redirect(send_token("login-redirect", kMonitoring, "/a b/c?x=1&y=é"), "login-redirect",
                        "%2Fa%20b%2Fc%3Fx%3D1%26y%3D%C3%A9");
}

TEST_F(EdgeTest, LegacyNoTokenIs403AndNotLogged) {
  const auto response = send("ok");
  expect_access_denial(response, 403, "ok");
  EXPECT_FALSE(response.auth_event);
}

// ---- strict ------------------------------------------------------------------------

TEST_F(EdgeTest, StrictValidTokenGetsOriginWithoutCookie) {
  const auto response = send_token("strict-ok", kMonitoring);
  expect_origin(response, "strict-ok", true);
  ASSERT_TRUE(response.auth_event);
  EXPECT_TRUE(response.auth_event->success);
}

TEST_F(EdgeTest, StrictInvalidTokenIs401) {
  for (const Token* token : {&kWrongSecret, &kExpired, &kDisabled, &kUnknown}) {
    expect_access_denial(send_token("strict-ok", *token), 401, "strict-ok");
    expect_access_denial(send_token("strict-no-policy", *token), 401, "strict-no-policy");
  }
}

TEST_F(EdgeTest, StrictValidTokenWithoutPolicyIs403) {
  const auto response = send_token("strict-no-policy", kMonitoring);
  expect_access_denial(response, 403, "strict-no-policy");
  ASSERT_TRUE(response.auth_event);
  EXPECT_FALSE(response.auth_event->success);
  EXPECT_EQ(send_token("strict-no-policy", kOtherTeam).status, 200);
}

TEST_F(EdgeTest, StrictNoTokenBehavesLikeLegacy) {
  expect_access_denial(send("strict-ok"), 403, "strict-ok");
  // With identity login, like legacy: the login page.
  AppConfig strict_login = app("login-redirect");
  config.apps.push_back(std::move(strict_login));
  config.apps.back().name = "strict-login";
  config.apps.back().host = "strict-login.cfemu.test";
  config.apps.back().behaviour = Behaviour::strict;
  expect_login_redirect(send("strict-login"), "strict-login");
  expect_access_denial(send_token("strict-login", kExpired), 401, "strict-login");
}

TEST_F(EdgeTest, HalfAPairIsAnInvalidToken) {
  const auto legacy = send("ok", {{"CF-Access-Client-Id", kMonitoring.client_id}});
  expect_access_denial(legacy, 403, "ok");
  ASSERT_TRUE(legacy.auth_event);
  EXPECT_EQ(legacy.auth_event->token_id, kMonitoring.id);
  EXPECT_FALSE(legacy.auth_event->success);
  EXPECT_FALSE(legacy.auth_event->well_formed);
  expect_access_denial(send("strict-ok", {{"CF-Access-Client-Secret", kMonitoring.secret}}), 401, "strict-ok");
}

// ---- in front of and around Access ---------------------------------------------------

TEST_F(EdgeTest, WafBlocksBeforeAccess) {
  const auto response = send_token("waf-blocked", kMonitoring);
  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(response.body, "error code: 1010");
  EXPECT_EQ(response.header("CF-Access-Aud"), nullptr);
  EXPECT_EQ(response.header("CF-Access-Domain"), nullptr);
  EXPECT_FALSE(response.auth_event);
}

TEST_F(EdgeTest, UnprotectedAppIgnoresTokens) {
  const auto response = send_token("unprotected", kMonitoring);
  expect_origin(response, "unprotected", true);
  EXPECT_FALSE(response.auth_event);
  EXPECT_EQ(send("unprotected").status, 200);
}

// ---- read_service_tokens_from_header ----------------------------------------------------

TEST_F(EdgeTest, SingleHeaderTokenIsReadAsJson) {
  const std::string value = R"({"cf-access-client-id":")" + kMonitoring.client_id + R"(","cf-access-client-secret":")" +
                            kMonitoring.secret + R"("})";
  const auto response = send("single-header", {{"authorization", value}});
  expect_origin(response, "single-header");
  ASSERT_TRUE(response.auth_event);
  EXPECT_TRUE(response.auth_event->success);
}

TEST_F(EdgeTest, SingleHeaderRejectsMalformedJson) {
  const std::string upper_keys = R"({"CF-Access-Client-Id":")" + kMonitoring.client_id +
                                 R"(","CF-Access-Client-Secret":")" + kMonitoring.secret + R"("})";
  const std::string no_secret = R"({"cf-access-client-id":")" + kMonitoring.client_id + R"("})";
  for (const std::string& value :
       {std::string("not json"), std::string("\"string\""), std::string("{\"cf-access-client-id\": 1}"), upper_keys,
        no_secret, std::string("Bearer abc")}) {
    const auto response = send("single-header", {{"Authorization", value}});
    expect_access_denial(response, 403, "single-header");
    ASSERT_TRUE(response.auth_event) << value;
    EXPECT_FALSE(response.auth_event->success);
  }
  // The client id is still recognised for the log when only the secret is missing.
  EXPECT_EQ(send("single-header", {{"Authorization", no_secret}}).auth_event->token_id, kMonitoring.id);
}

TEST_F(EdgeTest, SingleHeaderAppIgnoresTheUsualPair) {
  const auto response = send_token("single-header", kMonitoring);
  expect_access_denial(response, 403, "single-header");
  EXPECT_FALSE(response.auth_event);  // for this app, no token was presented at all
}

// ---- rotation grace period ---------------------------------------------------------------

TEST_F(EdgeTest, PreviousSecretWorksUntilItsGraceExpiry) {
  const auto rotated = tokens.rotate(kMonitoring.id, kNow + minutes(10), kNow - minutes(1));
  ASSERT_TRUE(rotated);
  EXPECT_EQ(send_token("ok", kMonitoring).status, 200);  // old secret, within grace
  const Token fresh{kMonitoring.id, kMonitoring.client_id, rotated->client_secret};
  EXPECT_EQ(send_token("ok", fresh).status, 200);

  ASSERT_TRUE(tokens.rotate(kMonitoring.id, kNow - seconds(1), kNow - minutes(1)));  // grace over
  expect_access_denial(send_token("ok", kMonitoring), 403, "ok");
  expect_access_denial(send_token("strict-ok", kMonitoring), 401, "strict-ok");
}

TEST_F(EdgeTest, TokensChangedAtRuntimeTakeEffectImmediately) {
  ASSERT_TRUE(tokens.set_enabled(kMonitoring.id, false, kNow));
  expect_access_denial(send_token("ok", kMonitoring), 403, "ok");
  ASSERT_TRUE(tokens.remove(kMonitoring.id));
  const auto response = send_token("ok", kMonitoring);
  ASSERT_TRUE(response.auth_event);
  EXPECT_EQ(response.auth_event->token_id, "");  // a deleted token is an unknown client id
}

// ---- origin responses ----------------------------------------------------------------

TEST_F(EdgeTest, OriginStatusesPassThrough) {
  const auto redirect = send_token("app-redirect", kMonitoring);
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(header(redirect, "Location"), "/dashboard");
  expect_legacy_cookie(redirect);
  EXPECT_EQ(send_token("not-found", kMonitoring).status, 404);
  EXPECT_EQ(send_token("origin-502", kMonitoring).status, 502);
  EXPECT_EQ(send_token("origin-504", kMonitoring).status, 504);
}

// A redirecting app serves the page it redirects to, as real apps do: a probe that
// follows the redirect (inside the origin) lands on an answer instead of looping.
TEST_F(EdgeTest, RedirectingOriginServesItsRedirectTarget) {
  const auto landed = send_token("app-redirect", kMonitoring, "/dashboard");
  EXPECT_EQ(landed.status, 200);
  EXPECT_EQ(header(landed, "Location"), "(absent)");
  EXPECT_EQ(landed.body, "dashboard of app-redirect");
  expect_legacy_cookie(landed);
  EXPECT_EQ(send("app-redirect", {}, "/dashboard").status, 403) << "still behind Access";
}

TEST_F(EdgeTest, Origin522IsACloudflarePage) {
  const auto response = send_token("origin-522", kMonitoring);
  EXPECT_EQ(response.status, 522);
  EXPECT_NE(response.body.find("error code: 522"), std::string::npos);
  EXPECT_NE(header(response, "Content-Type").find("text/html"), std::string::npos);
}

TEST_F(EdgeTest, TunnelDownIs530With1033AndRetryAfter) {
  const auto html = send_token("tunnel-down", kMonitoring);
  EXPECT_EQ(html.status, 530);
  EXPECT_NE(html.body.find("error code: 1033"), std::string::npos);
  EXPECT_EQ(header(html, "Retry-After"), "120");
  EXPECT_NE(header(html, "Content-Type").find("text/html"), std::string::npos);

  const auto json = send("tunnel-down", {{"CF-Access-Client-Id", kMonitoring.client_id},
                                         {"CF-Access-Client-Secret", kMonitoring.secret},
                                         {"Accept", "application/json"}});
  EXPECT_EQ(json.status, 530);
  EXPECT_EQ(header(json, "Content-Type"), "application/json");
  EXPECT_EQ(header(json, "Retry-After"), "120");
  const auto body = nlohmann::json::parse(json.body);
  EXPECT_EQ(body["error_code"], 1033);
  EXPECT_EQ(body["retry_after"], 120);
  EXPECT_EQ(body["ray_id"], "0123456789abcdef-AMS");
}

TEST_F(EdgeTest, SlowOriginAsksForADelay) {
  EXPECT_EQ(send_token("slow", kMonitoring).delay, milliseconds(3000));
  EXPECT_EQ(send_token("ok", kMonitoring).delay, milliseconds(0));
  EXPECT_EQ(send("slow").delay, milliseconds(0));  // Access answers at once
}

TEST_F(EdgeTest, EchoReturnsEveryRequestHeaderVerbatim) {
  const auto response = send("echo", {{"CF-Access-Client-Id", kOtherTeam.client_id},
                                      {"CF-Access-Client-Secret", kOtherTeam.secret},
                                      {"User-Agent", "probe/1.0"}});
  EXPECT_EQ(response.status, 200);  // "*" = any valid token
  EXPECT_NE(response.body.find("CF-Access-Client-Secret: " + kOtherTeam.secret + "\n"), std::string::npos);
  EXPECT_NE(response.body.find("User-Agent: probe/1.0\n"), std::string::npos);
  EXPECT_NE(response.body.find("Host: echo.cfemu.test\n"), std::string::npos);
  expect_access_denial(send_token("echo", kExpired), 403, "echo");
}

TEST_F(EdgeTest, OriginHeadersAndContentType) {
  AppConfig custom = app("ok");
  custom.name = "custom";
  custom.host = "custom.cfemu.test";
  custom.origin.headers = {{"Content-Type", "application/json"}, {"X-App", "1"}};
  custom.origin.body = "{}";
  config.apps.push_back(custom);
  const auto json = send_token("custom", kMonitoring);
  EXPECT_EQ(header(json, "Content-Type"), "application/json");
  EXPECT_EQ(header(json, "X-App"), "1");
  EXPECT_EQ(json.body, "{}");

  // A Cloudflare page keeps its own Content-Type: exactly one is sent.
  config.apps.back().origin.status = 522;
  config.apps.back().origin.body.clear();
  const auto page = send_token("custom", kMonitoring);
  EXPECT_EQ(
      std::count_if(page.headers.begin(), page.headers.end(), [](const auto& h) { return h.first == "Content-Type"; }),
      1);
  EXPECT_NE(header(page, "Content-Type").find("text/html"), std::string::npos);
  EXPECT_EQ(header(page, "X-App"), "1");
}

TEST(UrlEncode, KeepsOnlyUnreserved) {
  EXPECT_EQ(url_encode("/"), "%2F");
  EXPECT_EQ(url_encode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(url_encode("a b&c"), "a%20b%26c");
}

}  // namespace
}  // namespace cfmon::emulator
