#include "config.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace cfmon::emulator {
namespace {

const TimePoint kNow = *parse_rfc3339("2026-11-30T12:00:00Z");

std::string config_error(std::string_view json) {
  try {
    parse_config(json, kNow);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

constexpr std::string_view kMinimal = R"({
  "team_domain": "acme.cloudflareaccess.com",
  "tokens": [{"id": "t1", "name": "n", "client_id": "c.access", "client_secret": "TOPSECRET"}],
  "apps": [{"name": "a", "host": "A.Example.TEST", "aud": "abc", "service_auth_tokens": ["t1"]}]
})";

TEST(Config, DefaultConfigHasEveryDocumentedApp) {
  const auto config = load_config_file(CFEMU_DEFAULT_CONFIG, kNow);
  EXPECT_EQ(config.team_domain, "acme.cloudflareaccess.com");
  EXPECT_EQ(config.colo, "AMS");
  std::set<std::string> names;
  for (const auto& app : config.apps) {
    names.insert(app.name);
    EXPECT_EQ(app.host, app.name + ".cfemu.test");
  }
  const std::set<std::string> expected{"ok",
                                       "app-redirect",
                                       "not-found",
                                       "origin-502",
                                       "origin-504",
                                       "origin-522",
                                       "tunnel-down",
                                       "login-redirect",
                                       "legacy-403",
                                       "legacy-401",
                                       "strict-ok",
                                       "strict-no-policy",
                                       "unprotected",
                                       "waf-blocked",
                                       "single-header",
                                       "slow",
                                       "delay-100",
                                       "echo",
                                       "bypass-everyone",
                                       "allow-only",
                                       "allow-everyone",
                                       "reusable-ok"};
  EXPECT_EQ(names, expected);
  std::set<std::string> tokens;
  for (const auto& token : config.tokens) tokens.insert(token.name);
  EXPECT_EQ(tokens, (std::set<std::string>{"monitoring", "other-team", "expired", "disabled"}));
}

// demo.env must hold the "monitoring" token of default-config.json, or the demo fails.
TEST(Config, DemoEnvMatchesTheMonitoringToken) {
  const auto config = load_config_file(CFEMU_DEFAULT_CONFIG, kNow);
  const auto& monitoring = config.tokens.at(0);
  ASSERT_EQ(monitoring.name, "monitoring");
  std::ifstream env(CFEMU_DEMO_ENV);
  std::stringstream text;
  text << env.rdbuf();
  EXPECT_NE(text.str().find("\nCF_SERVICE_TOKEN_CLIENT_ID=" + monitoring.client_id + "\n"), std::string::npos);
  EXPECT_NE(text.str().find("\nCF_SERVICE_TOKEN_CLIENT_SECRET=" + monitoring.client_secret + "\n"), std::string::npos);
}

TEST(Config, DefaultsAndNormalisation) {
  const auto config = parse_config(kMinimal, kNow);
  ASSERT_EQ(config.apps.size(), 1U);
  const AppConfig& app = config.apps[0];
  EXPECT_EQ(app.host, "a.example.test");
  EXPECT_EQ(app.behaviour, Behaviour::legacy);
  EXPECT_TRUE(app.is_protected);
  // No identity login: the shorthand gives one Service Auth policy and no Allow policy.
  ASSERT_EQ(app.policies.size(), 1U);
  EXPECT_EQ(app.policies[0].decision, PolicyDecision::non_identity);
  EXPECT_EQ(app.origin.status, 200);
  EXPECT_EQ(config.colo, "AMS");
  EXPECT_EQ(config.tokens[0].duration, "8760h");
  EXPECT_FALSE(config.tokens[0].expires_at);
  EXPECT_EQ(config.tokens[0].created_at, kNow);
  EXPECT_TRUE(config.tokens[0].enabled);
}

TEST(Config, FindAppIgnoresPortCaseAndTrailingDot) {
  const auto config = parse_config(kMinimal, kNow);
  EXPECT_NE(config.find_app("a.example.test"), nullptr);
  EXPECT_NE(config.find_app("A.EXAMPLE.test:8443"), nullptr);
  EXPECT_NE(config.find_app("a.example.test."), nullptr);
  EXPECT_EQ(config.find_app("b.example.test"), nullptr);
  EXPECT_EQ(config.find_app(""), nullptr);
  EXPECT_EQ(normalize_host("[::1]:443"), "::1");
}

TEST(Config, ErrorsAreOneLineAndSayWhere) {
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [], "apps": [{"name": "a",
      "host": "a.test", "aud": "x", "protect": false}]})"),
            "apps[0] (a): unknown key \"protect\"");
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [], "apps": [{"name": "a",
      "host": "a.test", "aud": "x", "service_auth_tokens": ["nope"]}]})"),
            "apps[0] (a): \"service_auth_tokens\" names unknown token id \"nope\"");
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [], "apps": [{"name": "a",
      "host": "a.test", "aud": "x", "behaviour": "lenient"}]})"),
            "apps[0] (a): \"behaviour\" must be \"legacy\" or \"strict\"");
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [], "apps": [
      {"name": "a", "host": "a.test", "aud": "x"}, {"name": "b", "host": "A.test", "aud": "x"}]})"),
            "apps: duplicate host \"a.test\"");
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [], "apps": [{"name": "a",
      "host": "a.test:443", "aud": "x"}]})"),
            "apps[0] (a): \"host\" must be a plain host name (letters, digits, '-', '.'; no port)");
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [], "apps": [{"name": "a",
      "host": "a.test"}]})"),
            "apps[0] (a): \"aud\" is required for a protected app (hex or identifier characters)");
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [{"id": "t", "name": "n",
      "client_id": "c", "client_secret": "s", "expires_at": "tomorrow"}], "apps": []})"),
            "tokens[0]: \"expires_at\" is not an RFC 3339 time");
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "tokens": [], "apps": [{"name": "a",
      "host": "a.test", "aud": "x", "origin": {"status": 700}}]})"),
            "apps[0] (a).origin: \"status\" must be between 100 and 599");
  EXPECT_EQ(config_error(R"({"tokens": [], "apps": []})"), "config: \"team_domain\" is required (non-empty string)");
  EXPECT_EQ(config_error("[]"), "config: must be a JSON object");
}

TEST(Config, DuplicateTokensAreRejected) {
  EXPECT_EQ(config_error(R"({"team_domain": "x.y", "apps": [], "tokens": [
      {"id": "t", "name": "n", "client_id": "c", "client_secret": "s"},
      {"id": "u", "name": "n", "client_id": "c", "client_secret": "s2"}]})"),
            "tokens: duplicate client_id \"c\"");
}

// nlohmann's own message quotes the text around the error; ours gives only the
// position, because that text can be a secret.
TEST(Config, SyntaxErrorsNeverQuoteTheFile) {
  const std::string error = config_error("{\n  \"client_secret\": \"TOPSECRET\" oops\n}");
  EXPECT_EQ(error.find("TOPSECRET"), std::string::npos) << error;
  EXPECT_EQ(error.find("oops"), std::string::npos) << error;
  EXPECT_NE(error.find("invalid JSON at line 2"), std::string::npos) << error;
}

TEST(Config, CommentsAreAccepted) {
  EXPECT_NO_THROW(parse_config(R"({
    // a comment
    "team_domain": "x.y", "tokens": [], "apps": [] /* another */ })",
                               kNow));
}

TEST(Config, MissingFileIsAConfigError) {
  EXPECT_THROW(load_config_file("/nonexistent/cfemu.json", kNow), ConfigError);
  EXPECT_THROW(load_config_file("/", kNow), ConfigError);
}

}  // namespace
}  // namespace cfmon::emulator
