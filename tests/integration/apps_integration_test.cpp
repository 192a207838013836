// check_cf_access_apps end to end against the emulator's Access applications: every
// state from the default apps, the selectors, --orphans, and one state shared with the
// edge: a policy broken through the admin endpoint turns both the prediction
// (check_cf_access_apps) and the probe (check_cf_access) CRITICAL, and back.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "emulator_control.hpp"
#include "harness.hpp"
#include "support/emulator_defaults.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

RunResult apps(const Emulator& emu, std::vector<std::string> args) {
  auto all = emu.api_args();
  all.insert(all.end(), {"--client-id", emu.client_id("monitoring")});
  all.insert(all.end(), args.begin(), args.end());
  const auto env = emu.api_env();
  auto r = run(CFMON_CHECK_CF_ACCESS_APPS, all, env);
  EXPECT_EQ(r.out.find(env.at("CF_API_TOKEN")), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find(env.at("CF_API_TOKEN")), std::string::npos) << r.err;
  return r;
}

json children_by_name(const RunResult& r) {
  const json report = json::parse(r.out);
  json by_name = json::object();
  for (const auto& child : report["children"]) by_name[child["name"].get<std::string>()] = child;
  return by_name;
}

TEST(AppsCheck, EveryStateFromTheEmulatorsPolicies) {
  auto& emu = shared_emulator();
  std::vector<std::string> args{"--format", "json"};
  for (const char* app :
       {"ok", "reusable-ok", "bypass-everyone", "allow-only", "echo", "allow-everyone", "legacy-403", "unprotected"}) {
    args.insert(args.end(), {"--domain", std::string(app) + ".cfemu.test"});
  }
  const auto r = apps(emu, args);
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  const json c = children_by_name(r);
  EXPECT_EQ(c["ok"]["reason"], "token_allowed");
  EXPECT_EQ(c["reusable-ok"]["message"], "token 'monitoring' admitted by Service Auth policy 'CI monitoring'");
  EXPECT_EQ(c["bypass-everyone"]["reason"], "open_to_everyone");
  EXPECT_EQ(c["allow-only"]["reason"], "token_not_allowed");
  EXPECT_NE(c["allow-only"]["message"].get<std::string>().find("named only in Allow policy 'Monitoring (Allow)'"),
            std::string::npos);
  EXPECT_EQ(c["echo"]["reason"], "any_service_token");
  EXPECT_EQ(c["echo"]["state_text"], "WARNING");
  EXPECT_EQ(c["allow-everyone"]["reason"], "allow_everyone");
  EXPECT_EQ(c["legacy-403"]["reason"], "token_not_allowed");
  EXPECT_EQ(c["unprotected.cfemu.test"]["reason"], "no_access_app");
  const auto aud = emu.config()["apps"][0]["aud"].get<std::string>();
  EXPECT_EQ(c["ok"]["tags"]["aud"], aud) << "the AUD tag check_cf_access --expect-aud will take";
}

TEST(AppsCheck, TargetsFileAuditsWhatCheckCfAccessProbes) {
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string targets =
      dir.write("targets", "# NAME URL\nshop " + emu.url("ok") + "\nopen " + emu.url("unprotected", "/x") + "\n");
  const auto r = apps(emu, {"--targets-file", targets, "--format", "json"});
  const json c = children_by_name(r);
  EXPECT_EQ(c["ok"]["state_text"], "OK") << r.out;
  EXPECT_EQ(c["open"]["reason"], "no_access_app") << r.out;
  EXPECT_EQ(r.exit_code, 2);
}

TEST(AppsCheck, OrphansAreTheTokensNoPolicyNames) {
  auto& emu = shared_emulator();
  const auto r = apps(emu, {"--app", "ok", "--orphans"});
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("[WARNING] orphans: 2 tokens named by no policy"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(": expired, disabled"), std::string::npos) << r.out;
}

TEST(AppsCheck, UsageErrorsAreUnknown) {
  auto& emu = shared_emulator();
  auto all = emu.api_args();
  const auto r = run(CFMON_CHECK_CF_ACCESS_APPS, all, emu.api_env());
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.out.find("select the token to judge"), std::string::npos) << r.out;
}

int probe(const Emulator& emu, const std::string& app) {
  std::vector<std::string> args = {"-u", emu.url(app)};
  for (auto& a : emu.connection_args(app)) args.push_back(a);
  return run(CFMON_CHECK_CF_ACCESS, args,
             {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
              {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}})
      .exit_code;
}

// Its own emulator: the admin endpoint changes the state every test of the binary sees.
TEST(AppsCheck, ABrokenPolicyTurnsThePredictionAndTheProbeCriticalTogether) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  EXPECT_EQ(apps(emu, {"--app", "ok"}).exit_code, 0);
  EXPECT_EQ(probe(emu, "ok"), 0);
  // The common mistake: the token moved into an Allow policy.
  emulator_control(
      emu, "PUT", "access/apps/ok/policies",
      {{"policies",
        json::array({{{"name", "Monitoring (Allow)"},
                      {"decision", "allow"},
                      {"include", json::array({{{"service_token", {{"token_id", kMonitoringTokenId}}}}})}}})}});
  const auto broken = apps(emu, {"--app", "ok"});
  EXPECT_EQ(broken.exit_code, 2) << broken.out;
  EXPECT_NE(broken.out.find("no Service Auth policy includes token 'monitoring'"), std::string::npos) << broken.out;
  EXPECT_EQ(probe(emu, "ok"), 2) << "the edge decides from the same policies: the login page";
  emulator_control(emu, "DELETE", "access");
  EXPECT_EQ(apps(emu, {"--app", "ok"}).exit_code, 0);
  EXPECT_EQ(probe(emu, "ok"), 0);
}

}  // namespace
}  // namespace cfmon::testing
