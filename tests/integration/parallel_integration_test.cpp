// Many targets in one check_cf_access process: every target keeps its own deadline,
// and the run takes about as long as the slowest target, not the sum.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

std::map<std::string, std::string> monitoring_token(const Emulator& emu) {
  return {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
          {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}};
}

// Every *.cfemu.test name on the emulator's port goes to 127.0.0.1.
std::vector<std::string> emulator_args(const Emulator& emu, const std::string& targets_file) {
  return {"--targets-file", targets_file,  "--resolve", "*:" + std::to_string(emu.port()) + ":127.0.0.1",
          "--ca-file",      emu.ca_file(), "--format",  "json"};
}

const json& child_named(const json& doc, const std::string& name) {
  for (const auto& child : doc.at("children")) {
    if (child.at("name") == name) return child;
  }
  throw std::runtime_error("no result for " + name);
}

// The "time" perfdata of one target: its own probe, from its start to its answer.
double probe_seconds(const json& child) {
  for (const auto& datum : child.at("perfdata")) {
    if (datum.at("label") == "time") return datum.at("value").get<double>();
  }
  throw std::runtime_error("no time perfdata in " + child.dump());
}

TEST(ParallelProbes, OneStuckTargetNeverDelaysTheOthersPastTheirTimeout) {
  auto& emu = shared_emulator();
  TempDir dir;
  // The stuck app comes first, so a client that waited for it in order would show it.
  const std::vector<std::pair<std::string, std::string>> fast{
      {"ok", "token_accepted"},      {"strict-ok", "token_accepted"},  {"app-redirect", "token_accepted"},
      {"origin-502", "origin_down"}, {"legacy-403", "token_rejected"}, {"delay-100", "token_accepted"}};
  std::string targets = "stuck " + emu.url("slow") + "\n";
  for (const auto& [app, reason] : fast) targets += app + " " + emu.url(app) + "\n";
  auto args = emulator_args(emu, dir.write("targets", targets));
  args.insert(args.end(), {"-t", "1"});

  const auto r = run(CFMON_CHECK_CF_ACCESS, args, monitoring_token(emu));
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto doc = json::parse(r.out);
  EXPECT_EQ(child_named(doc, "stuck").at("reason"), "timeout") << r.out;
  for (const auto& [app, reason] : fast) {
    const auto& child = child_named(doc, app);
    EXPECT_EQ(child.at("reason"), reason) << app << ": " << child.dump();
    // A fast app's own measurement must not include any wait for the stuck one.
    const double seconds = probe_seconds(child);
    EXPECT_LT(seconds, 1.0) << app << ": " << child.dump();
  }
  EXPECT_LT(r.wall.count(), 2000) << "all targets within the 1 s timeout plus one second";
}

TEST(ParallelProbes, SeveralStuckTargetsTimeOutTogetherNotOneAfterTheOther) {
  auto& emu = shared_emulator();
  TempDir dir;
  std::string targets;
  for (int i = 0; i < 5; ++i)
    targets += "stuck-" + std::to_string(i) + " " + emu.url("slow", "/" + std::to_string(i)) + "\n";
  targets += "ok " + emu.url("ok") + "\n";
  auto args = emulator_args(emu, dir.write("targets", targets));
  args.insert(args.end(), {"-t", "1"});

  const auto r = run(CFMON_CHECK_CF_ACCESS, args, monitoring_token(emu));
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto doc = json::parse(r.out);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(child_named(doc, "stuck-" + std::to_string(i)).at("reason"), "timeout");
  EXPECT_EQ(child_named(doc, "ok").at("reason"), "token_accepted") << r.out;
  EXPECT_LT(r.wall.count(), 2000) << "five 1 s timeouts in parallel, not 5 s in a row";
}

TEST(ParallelProbes, TwoHundredSlowAppsTakeAboutAsLongAsOne) {
  auto& emu = shared_emulator();
  TempDir dir;
  constexpr int kTargets = 200;  // each answers after 100 ms: 20 s one after the other
  std::string targets;
  for (int i = 0; i < kTargets; ++i) {
    targets += "app-" + std::to_string(i) + " " + emu.url("delay-100", "/app/" + std::to_string(i)) + "\n";
  }
  const auto r = run(CFMON_CHECK_CF_ACCESS, emulator_args(emu, dir.write("targets", targets)), monitoring_token(emu));
  ASSERT_EQ(r.exit_code, 0) << r.out.substr(0, 2000) << r.err;
  const auto doc = json::parse(r.out);
  ASSERT_EQ(doc.at("children").size(), static_cast<std::size_t>(kTargets));
  for (const auto& child : doc.at("children")) {
    EXPECT_EQ(child.at("reason"), "token_accepted") << child.dump();
  }
  // Generous on purpose (a loaded CI machine, sanitizers): the point is "not the sum".
  EXPECT_LT(r.wall.count(), 5000) << "200 x 100 ms must run in parallel, not in a row (20 s)";
}

TEST(ParallelProbes, ParallelOneStillProbesEveryTargetInOrder) {
  auto& emu = shared_emulator();
  TempDir dir;
  std::string targets;
  const std::vector<std::string> apps{"ok", "origin-502", "legacy-403", "ok", "not-found"};
  for (std::size_t i = 0; i < apps.size(); ++i) {
    targets += "t" + std::to_string(i) + " " + emu.url(apps[i], "/" + std::to_string(i)) + "\n";
  }
  auto args = emulator_args(emu, dir.write("targets", targets));
  args.insert(args.end(), {"--parallel", "1"});
  const auto r = run(CFMON_CHECK_CF_ACCESS, args, monitoring_token(emu));
  ASSERT_EQ(r.exit_code, 2) << r.out << r.err;
  const auto doc = json::parse(r.out);
  const std::vector<std::string> reasons{"token_accepted", "origin_down", "token_rejected", "token_accepted",
                                         "unexpected_status"};
  for (std::size_t i = 0; i < apps.size(); ++i) {
    EXPECT_EQ(child_named(doc, "t" + std::to_string(i)).at("reason"), reasons[i]) << r.out;
  }
}

}  // namespace
}  // namespace cfmon::testing
