// check_cf_tunnels's judgement with a fake API: what the emulator cannot easily send
// (malformed fields, contradictions, catch-all and wildcard ingress, connector errors).
#include "tunnels_check.hpp"

#include <gtest/gtest.h>

#include <map>

namespace cfmon::tunnels {
namespace {

using cloudflare::TimePoint;
using nlohmann::json;

const TimePoint kNow = *cloudflare::parse_rfc3339("2026-12-06T00:00:00Z");

class FakeTunnels : public cloudflare::TunnelDirectory {
 public:
  cloudflare::ApiResult<std::vector<cloudflare::TunnelInfo>> list = std::vector<cloudflare::TunnelInfo>{};
  std::map<std::string, cloudflare::ApiResult<std::vector<cloudflare::TunnelConnector>>> connectors;
  std::map<std::string, cloudflare::TunnelConfiguration> configurations;

  cloudflare::ApiResult<std::vector<cloudflare::TunnelInfo>> list_tunnels() override { return list; }
  cloudflare::ApiResult<std::vector<cloudflare::TunnelConnector>> tunnel_connectors(std::string_view id) override {
    const auto it = connectors.find(std::string(id));
    if (it == connectors.end()) return std::vector<cloudflare::TunnelConnector>{};
    return it->second;
  }
  cloudflare::ApiResult<cloudflare::TunnelConfiguration> tunnel_configuration(std::string_view id) override {
    const auto it = configurations.find(std::string(id));
    if (it == configurations.end()) return cloudflare::TunnelConfiguration{};
    return it->second;
  }
};

cloudflare::TunnelInfo tunnel(const std::string& id, const std::string& status) {
  cloudflare::TunnelInfo t;
  t.id = id;
  t.name = "t-" + id;
  t.status = status;
  t.config_src = "cloudflare";
  t.conns_active_at = kNow - std::chrono::hours(24);
  return t;
}

cloudflare::TunnelConnector connector(int connections, std::optional<bool> pending_last = std::nullopt,
                                      const std::string& version = "2026.7.0") {
  cloudflare::TunnelConnector c;
  c.id = "c0ffee00-0000-4000-8000-000000000000";
  c.version = version;
  for (int i = 0; i < connections; ++i) {
    cloudflare::TunnelConnection conn;
    conn.colo_name = i % 2 == 0 ? "AMS" : "FRA";
    conn.opened_at = kNow - std::chrono::hours(1);
    if (i == connections - 1) conn.is_pending_reconnect = pending_last;
    c.conns.push_back(conn);
  }
  return c;
}

TEST(TunnelsCheck, HealthyStatusWithoutConnectionsIsDownNeverOk) {
  FakeTunnels api;
  api.list = std::vector{tunnel("a", "healthy")};
  const auto report = run_tunnels_check(TunnelsPlan{}, api, kNow);
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.reason, "down");
}

TEST(TunnelsCheck, PendingReconnectCountsOnlyWhenReported) {
  FakeTunnels api;
  api.list = std::vector{tunnel("a", "healthy")};
  api.connectors.insert_or_assign("a", std::vector{connector(2, true)});
  auto report = run_tunnels_check(TunnelsPlan{}, api, kNow);
  EXPECT_EQ(report.root.reason, "few_connections");  // one active of two listed
  EXPECT_NE(report.root.message.find("1 pending reconnect"), std::string::npos) << report.root.message;

  api.connectors.insert_or_assign("a", std::vector{connector(2)});
  report = run_tunnels_check(TunnelsPlan{}, api, kNow);
  EXPECT_EQ(report.root.state, State::ok) << report.root.message;
  for (const auto& m : report.root.metrics) EXPECT_NE(m.metric.field, "pending_reconnect");
}

TEST(TunnelsCheck, UnreadableFieldsAreUnknown) {
  const auto parsed = cloudflare::parse_tunnel(json{{"id", "a"}, {"status", 3}, {"conns_active_at", "yesterday"}});
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->problems.size(), 2U);
  FakeTunnels api;
  api.list = std::vector{*parsed};
  api.connectors.insert_or_assign("a", std::vector{connector(4)});
  const auto report = run_tunnels_check(TunnelsPlan{}, api, kNow);
  EXPECT_EQ(report.root.state, State::unknown);
  EXPECT_EQ(report.root.reason, "api_bad_response");
  EXPECT_NE(report.root.message.find("'status' is a number, not a string"), std::string::npos) << report.root.message;
}

TEST(TunnelsCheck, ConnectorErrorIsUnknownForThatTunnelOnly) {
  FakeTunnels api;
  api.list = std::vector{tunnel("a", "healthy"), tunnel("b", "healthy")};
  cloudflare::ApiError timed_out;
  timed_out.kind = cloudflare::ApiErrorKind::timeout;
  timed_out.message = "timed out";
  api.connectors.insert_or_assign("a", cloudflare::ApiResult<std::vector<cloudflare::TunnelConnector>>(timed_out));
  api.connectors.insert_or_assign("b", std::vector{connector(4)});
  const auto report = run_tunnels_check(TunnelsPlan{}, api, kNow);
  ASSERT_EQ(report.root.children.size(), 2U);
  EXPECT_EQ(report.root.children[0].state, State::unknown);
  EXPECT_EQ(report.root.children[1].state, State::ok);
}

TEST(TunnelsCheck, UnknownVersionIsNotNewEnough) {
  FakeTunnels api;
  api.list = std::vector{tunnel("a", "healthy")};
  api.connectors.insert_or_assign("a", std::vector{connector(4, std::nullopt, "")});
  TunnelsPlan plan;
  plan.names = {"t-a"};
  plan.min_version = parse_version("2024.1.0");
  plan.min_version_text = "2024.1.0";
  const auto report = run_tunnels_check(plan, api, kNow);
  EXPECT_EQ(report.root.reason, "outdated_connector");
}

TEST(TunnelsCheck, CatchAllRuleServesNoHostButAWildcardDoes) {
  EXPECT_FALSE(cloudflare::ingress_serves({"", "", "http_status:404"}, "app.example.com"));
  EXPECT_TRUE(cloudflare::ingress_serves({"*.example.com", "", "http://x"}, "App.Example.com"));
  EXPECT_FALSE(cloudflare::ingress_serves({"*.example.com", "", "http://x"}, "a.b.example.com"));
  FakeTunnels api;
  api.list = std::vector{tunnel("a", "healthy")};
  api.configurations["a"].ingress = {{"", "", "http_status:404"}};
  const auto lookup = find_tunnel_serving(api, *api.list, "app.example.com");
  EXPECT_FALSE(lookup.tunnel);
  api.configurations["a"].ingress = {{"*.example.com", "", "http://x"}, {"", "", "http_status:404"}};
  EXPECT_TRUE(find_tunnel_serving(api, *api.list, "app.example.com").tunnel);
}

TEST(TunnelsCheck, StateForHostIsReusable) {
  FakeTunnels api;
  api.list = std::vector{tunnel("a", "down")};
  api.configurations["a"].ingress = {{"app.example.com", "", "http://x"}};
  const auto state = tunnel_state_for_host(api, "app.example.com", kNow);
  ASSERT_TRUE(state);
  EXPECT_EQ(state->name, "t-a");
  EXPECT_EQ(state->reason, "down");
  EXPECT_FALSE(tunnel_state_for_host(api, "other.example.com", kNow));
}

TEST(TunnelsCheck, VersionsCompareNumerically) {
  EXPECT_LT(*parse_version("2023.10.0"), *parse_version("2024.1.0"));
  EXPECT_LT(*parse_version("2024.2.1"), *parse_version("2024.10.0"));
  EXPECT_FALSE(parse_version("latest"));
  EXPECT_FALSE(parse_version("2024."));
}

}  // namespace
}  // namespace cfmon::tunnels
