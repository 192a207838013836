// check_cf_access --explain end to end against the emulator: for each cause of a refused
// token (expired, deleted, disabled, no Service Auth policy, only in an Allow policy, a
// wrong secret) and of a 530 (the tunnel down), the probe's line ends with the cause read
// from the API; the state stays the probe's, and an API that cannot answer only shortens it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "emulator_control.hpp"
#include "harness.hpp"
#include "support/emulator_defaults.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

// check_cf_access --explain -u <app> with the token `token` (its client ID and `secret`)
// and the API credentials of `api_token`; JSON out.
RunResult explain(const Emulator& emu, const std::string& app, const std::string& client_id, const std::string& secret,
                  const std::string& api_token = "admin", std::vector<std::string> extra = {}) {
  auto args = emu.api_args();
  args.insert(args.end(), {"--resolve", app + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1", "-u",
                           emu.url(app), "--explain", "--format", "json"});
  args.insert(args.end(), extra.begin(), extra.end());
  auto env = emu.api_env(api_token);
  env["CF_SERVICE_TOKEN_CLIENT_ID"] = client_id;
  env["CF_SERVICE_TOKEN_CLIENT_SECRET"] = secret;
  auto r = run(CFMON_CHECK_CF_ACCESS, args, env);
  for (const auto& hidden : {env.at("CF_API_TOKEN"), secret}) {
    EXPECT_EQ(r.out.find(hidden), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find(hidden), std::string::npos) << r.err;
  }
  return r;
}

RunResult explain_token(const Emulator& emu, const std::string& app, const std::string& token) {
  return explain(emu, app, emu.client_id(token), emu.client_secret(token));
}

struct Verdict {
  std::string reason;
  std::string message;
};

Verdict verdict_of(const RunResult& r) {
  const json report = json::parse(r.out);
  EXPECT_EQ(report["children"].size(), 1U) << r.out;
  const auto& c = report["children"].at(0);
  return {c["reason"].get<std::string>(), c["message"].get<std::string>()};
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(AccessExplain, AnExpiredTokenSaysWhenItExpired) {
  auto& emu = shared_emulator();
  const auto r = explain_token(emu, "ok", "expired");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto v = verdict_of(r);
  EXPECT_TRUE(has(v.message, "; cause: service token 'expired' expired ")) << v.message;
  EXPECT_TRUE(has(v.message, " days ago (2020-01-01)")) << v.message;
}

TEST(AccessExplain, ADisabledTokenSaysSo) {
  auto& emu = shared_emulator();
  const auto r = explain_token(emu, "ok", "disabled");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(has(verdict_of(r).message, "; cause: service token 'disabled' is disabled")) << r.out;
}

TEST(AccessExplain, ATokenTheAccountDoesNotHaveWasDeleted) {
  auto& emu = shared_emulator();
  const std::string gone = "0123456789abcdef0123456789abcdef.access";
  const auto r = explain(emu, "ok", gone, emu.client_secret("monitoring"));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(
      has(verdict_of(r).message, "; cause: no service token of the account has client ID " + gone + ": it was deleted"))
      << r.out;
}

TEST(AccessExplain, NoServiceAuthPolicyOfTheApplicationIncludesTheToken) {
  auto& emu = shared_emulator();
  const auto r = explain_token(emu, "login-redirect", "monitoring");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto v = verdict_of(r);
  EXPECT_EQ(v.reason, "login_redirect");
  EXPECT_TRUE(has(v.message,
                  "; cause: no Service Auth policy of application 'login-redirect' includes token "
                  "'monitoring'"))
      << v.message;
}

TEST(AccessExplain, ATokenOnlyInAnAllowPolicyIsNamedWithThePolicy) {
  auto& emu = shared_emulator();
  const auto r = explain_token(emu, "allow-only", "monitoring");
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(has(verdict_of(r).message,
                  "; cause: token 'monitoring' is named only in Allow policy "
                  "'Monitoring (Allow)' of application 'allow-only'"))
      << r.out;
}

TEST(AccessExplain, AValidAdmittedTokenPointsAtTheSecret) {
  auto& emu = shared_emulator();
  const auto r = explain(emu, "ok", emu.client_id("monitoring"), std::string(64, 'a'));
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto v = verdict_of(r);
  EXPECT_TRUE(has(v.message, "; cause not in the API: token 'monitoring' is valid and Service Auth policy "))
      << v.message;
  EXPECT_TRUE(has(v.message, "is the secret the current one")) << v.message;
}

TEST(AccessExplain, ATunnelErrorNamesTheTunnelAndItsState) {
  auto& emu = shared_emulator();
  const auto r = explain_token(emu, "tunnel-down", "monitoring");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const auto v = verdict_of(r);
  EXPECT_EQ(v.reason, "tunnel_down");
  EXPECT_TRUE(has(v.message, "; cause: tunnel 'legacy-vpn' down")) << v.message;
}

TEST(AccessExplain, AnAcceptedTokenGetsNoExplanation) {
  auto& emu = shared_emulator();
  const auto r = explain_token(emu, "ok", "monitoring");
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_FALSE(has(verdict_of(r).message, "cause")) << r.out;
}

TEST(AccessExplain, AnApiThatRefusesOnlyShortensTheLine) {
  auto& emu = shared_emulator();
  const auto r = explain(emu, "ok", emu.client_id("expired"), emu.client_secret("expired"), "no-read");
  EXPECT_EQ(r.exit_code, 2) << "the probe's verdict, whatever the API says: " << r.out << r.err;
  const auto v = verdict_of(r);
  EXPECT_EQ(v.reason, "token_rejected");
  // Cloudflare answers an empty list to a token without the permission: not "deleted".
  EXPECT_TRUE(has(v.message,
                  "; cause unknown: cannot read the service tokens (the API listed no service token at "
                  "all: the API token may lack Access: Service Tokens Read)"))
      << v.message;
}

TEST(AccessExplain, AnApiThatIsNotThereLeavesTheVerdictAndSaysWhy) {
  auto& emu = shared_emulator();
  auto args =
      std::vector<std::string>{"--api-url", "https://api.cfemu.test:" + std::to_string(closed_port()) + "/client/v4"};
  args.insert(args.end(), {"--resolve", "api.cfemu.test:" + std::to_string(closed_port()) + ":127.0.0.1", "--resolve",
                           "ok.cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1", "--ca-file", emu.ca_file(),
                           "-u", emu.url("ok"), "--explain", "-t", "5"});
  auto env = emu.api_env();
  env["CF_SERVICE_TOKEN_CLIENT_ID"] = emu.client_id("disabled");
  env["CF_SERVICE_TOKEN_CLIENT_SECRET"] = emu.client_secret("disabled");
  const auto r = run(CFMON_CHECK_CF_ACCESS, args, env);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_TRUE(has(r.out, "cause unknown: cannot read the service tokens")) << r.out;
}

TEST(AccessExplain, WithoutApiCredentialsItIsAConfigurationError) {
  auto& emu = shared_emulator();
  std::vector<std::string> args = {"-u", emu.url("ok"), "--explain"};
  for (auto& a : emu.connection_args("ok")) args.push_back(a);
  const auto r = run(CFMON_CHECK_CF_ACCESS, args,
                     {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
                      {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_TRUE(has(r.out, "--explain: ")) << r.out;
  EXPECT_TRUE(has(r.out, "CF_API_TOKEN")) << r.out;
}

// A policy broken at run time: the probe goes CRITICAL and --explain says why, one run later.
TEST(AccessExplain, APolicyChangedAtRunTimeIsTheCause) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EXPECT_EQ(explain_token(emu, "ok", "monitoring").exit_code, 0);
  emulator_control(emu, "PUT", "access/apps/ok/policies", {{"policies", json::array()}});
  const auto r = explain_token(emu, "ok", "monitoring");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(has(verdict_of(r).message,
                  "; cause: no Service Auth policy of application 'ok' includes token 'monitoring' (it has no "
                  "policies)"))
      << r.out;
}

}  // namespace
}  // namespace cfmon::testing
