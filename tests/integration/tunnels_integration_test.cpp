// check_cf_tunnels end to end against the emulator's tunnels: every state and selector,
// a hostname no tunnel serves, a deleted tunnel, pagination, an API token without
// Cloudflare Tunnel Read, and the edge tie (a tunnel taken down at run time: this check
// says down, check_cf_access says tunnel_down). Tests that change the emulator get their own.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "support/emulator_defaults.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

RunResult tunnels(Emulator& emu, std::vector<std::string> words, const std::string& api_token = "admin") {
  auto args = emu.api_args();
  args.insert(args.end(), words.begin(), words.end());
  return run(CFMON_CHECK_CF_TUNNELS, args, emu.api_env(api_token));
}

// The child of a JSON answer named `name`.
json child(const RunResult& r, const std::string& name) {
  const auto j = json::parse(r.out);
  for (const auto& c : j["children"]) {
    if (c["name"] == name) return c;
  }
  ADD_FAILURE() << "no child " << name << " in " << r.out;
  return json::object();
}

// POST/DELETE /__emulator/tunnels/...: the admin endpoints, through curl.
void control(Emulator& emu, const std::string& method, const std::string& what, const std::string& body = "{}") {
  const std::string port = std::to_string(emu.port());
  const auto r = run("/usr/bin/curl",
                     {"-sS", "--fail", "--cacert", emu.ca_file(), "--resolve", "api.cfemu.test:" + port + ":127.0.0.1",
                      "-X", method, "-d", body, "https://api.cfemu.test:" + port + "/__emulator/tunnels" + what});
  ASSERT_EQ(r.exit_code, 0) << r.err;
}

TEST(Tunnels, EveryTunnelOfTheAccountWithItsState) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--format", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_EQ(child(r, "prod-web")["reason"], "healthy");
  EXPECT_EQ(child(r, "batch")["reason"], "degraded");
  EXPECT_EQ(child(r, "batch")["state_text"], "WARNING");
  EXPECT_EQ(child(r, "batch")["fields"]["pending_reconnect"], 1);
  EXPECT_EQ(child(r, "batch")["fields"]["connections"], 3);
  EXPECT_EQ(child(r, "legacy-vpn")["reason"], "down");
  EXPECT_EQ(child(r, "legacy-vpn")["state_text"], "CRITICAL");
  EXPECT_GT(child(r, "legacy-vpn")["fields"]["inactive_seconds"].get<long long>(), 86400);
  // Found by listing all, a never-connected tunnel is a WARNING...
  EXPECT_EQ(child(r, "new-site")["state_text"], "WARNING");
  EXPECT_EQ(child(r, "new-site")["reason"], "inactive");
  // ...and a deleted one is not there at all.
  EXPECT_EQ(r.out.find("retired"), std::string::npos);
}

TEST(Tunnels, HealthyNamesConnectorsDataCentresAndTheOldestConnection) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--name", "prod-web"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("CF-TUNNELS OK - prod-web: healthy: 2 connectors"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("AMS, CDG, FRA, LHR"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("oldest connection opened 2026-11-30"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("connections=8;2:"), std::string::npos) << r.out;
}

TEST(Tunnels, SelectedInactiveTunnelIsCritical) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--name", "new-site"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("inactive: never connected"), std::string::npos) << r.out;
}

TEST(Tunnels, ById) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--id", "6b2f1d3e-8c4a-4d9f-8e2b-3c4d5e6f7a81"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("legacy-vpn: down: no connection to Cloudflare since 2026-11-01"), std::string::npos) << r.out;
}

TEST(Tunnels, DeletedTunnelSelectedByNameIsMissing) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--name", "retired"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("retired: no tunnel with name retired is listed: deleted, or never created"), std::string::npos)
      << r.out;
}

TEST(Tunnels, ByHostnameFindsTheTunnelOfTheIngress) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--hostname", "tunnel-down.cfemu.test"});
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("legacy-vpn: down"), std::string::npos) << r.out;
}

TEST(Tunnels, HostnameServedByNoTunnelIsUnknown) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--hostname", "nowhere.cfemu.test"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("no tunnel serves nowhere.cfemu.test"), std::string::npos) << r.out;
  // A deleted tunnel's ingress serves nothing.
  EXPECT_EQ(tunnels(emu, {"--hostname", "retired.cfemu.test"}).exit_code, 3);
}

TEST(Tunnels, TargetsFileSelectsTheTunnelsBehindTheApps) {
  auto& emu = shared_emulator();
  TempDir dir;
  const auto file = dir.write("targets", "shop " + emu.url("ok") + "\nstrict " + emu.url("strict-ok") + "\n");
  const auto r = tunnels(emu, {"--targets-file", file, "--format", "json"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(child(r, "prod-web")["reason"], "healthy");
  EXPECT_EQ(child(r, "old-cloudflared")["reason"], "healthy");
}

TEST(Tunnels, OutdatedConnectorAndTooFewConnectorsWarn) {
  auto& emu = shared_emulator();
  const auto old = tunnels(emu, {"--name", "old-cloudflared", "--min-version", "2024.1.0"});
  EXPECT_EQ(old.exit_code, 1) << old.out;
  EXPECT_NE(old.out.find("runs 2023.2.1, older than 2024.1.0 of cloudflared"), std::string::npos) << old.out;
  const auto lonely = tunnels(emu, {"--name", "old-cloudflared", "--min-connectors", "2"});
  EXPECT_EQ(lonely.exit_code, 1) << lonely.out;
  EXPECT_NE(lonely.out.find("1 connector, fewer than 2 (no redundancy)"), std::string::npos) << lonely.out;
  const auto few = tunnels(emu, {"--name", "old-cloudflared", "--min-connections", "5"});
  EXPECT_EQ(few.exit_code, 1) << few.out;
  EXPECT_NE(few.out.find("4 active connections, fewer than 5"), std::string::npos) << few.out;
}

TEST(Tunnels, PaginationReadsEveryPage) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--per-page", "2", "--name", "old-cloudflared"});
  EXPECT_EQ(r.exit_code, 0) << r.out;  // the fifth tunnel is on page 3
  const auto all = tunnels(emu, {"--per-page", "1"});
  EXPECT_NE(all.out.find("5 tunnels"), std::string::npos) << all.out;
}

TEST(Tunnels, TokenWithoutTunnelReadIsOneClearUnknownLine) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {}, "read-only");
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_EQ(r.out,
            "CF-TUNNELS UNKNOWN - the API token lacks Cloudflare Tunnel Read (Cloudflare error 10000: "
            "Authentication error)\n");
}

TEST(Tunnels, BadArgumentsAreUnknown) {
  auto& emu = shared_emulator();
  const auto r = tunnels(emu, {"--min-version", "latest"});
  EXPECT_EQ(r.exit_code, 3) << r.out;
  EXPECT_NE(r.out.find("--min-version takes a cloudflared version"), std::string::npos) << r.out;
}

TEST(TunnelsEdge, TakingATunnelDownShowsInBothChecks) {
  Emulator emu(CFMON_EMULATOR_CONFIG);
  auto access = [&] {
    auto args = emu.connection_args("ok");
    args.insert(args.end(), {"-u", emu.url("ok")});
    return run(CFMON_CHECK_CF_ACCESS, args,
               {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
                {"CF_SERVICE_TOKEN_CLIENT_SECRET", emu.client_secret("monitoring")}});
  };
  ASSERT_EQ(access().exit_code, 0);
  ASSERT_EQ(tunnels(emu, {"--hostname", "ok.cfemu.test"}).exit_code, 0);

  control(emu, "DELETE", "/prod-web/connectors");
  const auto down = tunnels(emu, {"--hostname", "ok.cfemu.test"});
  EXPECT_EQ(down.exit_code, 2) << down.out;
  EXPECT_NE(down.out.find("prod-web: down: no connection to Cloudflare since"), std::string::npos) << down.out;
  const auto app = access();
  EXPECT_EQ(app.exit_code, 1) << app.out;
  EXPECT_NE(app.out.find("1033"), std::string::npos) << app.out;

  // One connector with one connection back: serving, but below --min-connections.
  control(emu, "POST", "/prod-web/connectors", R"({"connections": 1})");
  const auto weak = tunnels(emu, {"--name", "prod-web"});
  EXPECT_EQ(weak.exit_code, 1) << weak.out;
  EXPECT_NE(weak.out.find("degraded"), std::string::npos) << weak.out;
  EXPECT_EQ(access().exit_code, 0);
}

}  // namespace
}  // namespace cfmon::testing
