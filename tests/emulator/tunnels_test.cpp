// Tunnels in the emulator: the default config's tunnels through the v4 API (status,
// pagination, deleted ones, the permission), the control endpoints that add, drop and
// age connectors, and the edge answering 530 / 1033 for an app behind a tunnel that
// lost its connectors.
#include "tunnels.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "api.hpp"
#include "config.hpp"
#include "edge.hpp"

namespace cfmon::emulator {
namespace {

using nlohmann::json;

const std::string kAccount = "a11ce5eda11ce5eda11ce5eda11ce5ed";
const std::string kAdmin = "cfemu-admin-0123456789abcdef0123456789abcd";
const std::string kReadOnly = "cfemu-readonly-0123456789abcdef0123456789";
const std::string kTunnels = "/client/v4/accounts/" + kAccount + "/cfd_tunnel";
const std::string kProdWeb = "c1744f8b-faa1-48a4-9e5c-02ac921467fa";

struct Fixture {
  Fixture()
      : config(load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now())),
        tokens(std::make_shared<TokenStore>()),
        clock(std::make_shared<ControlledClock>()),
        tunnels(std::make_shared<TunnelStore>(config.tunnels, config.api.account_id, config.api.default_per_page)),
        api(config.api, tokens, clock) {
    for (const auto& t : config.tokens) tokens->insert(t);
    api.set_tunnels(tunnels);
  }

  json get(const std::string& target, const std::string& token = kAdmin, int expect_status = 200) {
    ApiHttpRequest r;
    r.target = target;
    r.headers.emplace_back("Authorization", "Bearer " + token);
    auto response = api.handle(r);
    EXPECT_EQ(response.status, expect_status) << target << ": " << response.body;
    return json::parse(response.body);
  }

  json control(const std::string& method, const std::string& what, const json& body = json::object()) {
    ApiHttpRequest r;
    r.method = method;
    r.target = "/__emulator/tunnels" + what;
    r.body = body.dump();
    auto response = api.handle(r);
    EXPECT_EQ(response.status, 200) << what << ": " << response.body;
    return json::parse(response.body);
  }

  int edge_status(const std::string& host) {
    EdgeRequest r;
    r.headers = {{"Host", host},
                 {"CF-Access-Client-Id", "feedfacefeedfacefeedfacefeedface.access"},
                 {"CF-Access-Client-Secret", "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef"}};
    return handle_edge_request(config, r, *tokens, clock->now(), "0123456789abcdef", nullptr, tunnels.get()).status;
  }

  EmulatorConfig config;
  std::shared_ptr<TokenStore> tokens;
  std::shared_ptr<ControlledClock> clock;
  std::shared_ptr<TunnelStore> tunnels;
  ApiEmulator api;
};

std::map<std::string, std::string> statuses(const json& list) {
  std::map<std::string, std::string> out;
  for (const auto& t : list["result"]) out[t["name"]] = t["status"];
  return out;
}

TEST(Tunnels, DefaultConfigHasEveryStatusAndTheDeletedOneOnlyOnRequest) {
  Fixture f;
  const auto listed = f.get(kTunnels + "?is_deleted=false");
  EXPECT_EQ(statuses(listed), (std::map<std::string, std::string>{{"prod-web", "healthy"},
                                                                  {"batch", "degraded"},
                                                                  {"legacy-vpn", "down"},
                                                                  {"new-site", "inactive"},
                                                                  {"old-cloudflared", "healthy"}}));
  EXPECT_EQ(listed["result_info"]["total_count"], 5);
  const auto deleted = f.get(kTunnels + "?is_deleted=true");
  ASSERT_EQ(deleted["result"].size(), 1U);
  EXPECT_EQ(deleted["result"][0]["name"], "retired");
  EXPECT_TRUE(deleted["result"][0].contains("deleted_at"));
  // Dates the schema does not mark nullable are absent, never null.
  for (const auto& t : listed["result"]) EXPECT_FALSE(t.contains("deleted_at")) << t;
}

TEST(Tunnels, ListPagesWithResultInfo) {
  Fixture f;
  std::set<std::string> seen;
  for (int page = 1; page <= 3; ++page) {
    const auto body = f.get(kTunnels + "?is_deleted=false&per_page=2&page=" + std::to_string(page));
    EXPECT_EQ(body["result_info"]["page"], page);
    EXPECT_EQ(body["result_info"]["per_page"], 2);
    EXPECT_EQ(body["result_info"]["count"], page < 3 ? 2 : 1);
    for (const auto& t : body["result"]) seen.insert(t["id"]);
  }
  EXPECT_EQ(seen.size(), 5U);
  f.get(kTunnels + "?per_page=0", kAdmin, 400);
}

TEST(Tunnels, ConnectionsAndConfigurationOfOneTunnel) {
  Fixture f;
  const auto connectors = f.get(kTunnels + "/" + kProdWeb + "/connections");
  ASSERT_EQ(connectors["result"].size(), 2U);
  EXPECT_EQ(connectors["result"][0]["conns"].size(), 4U);
  EXPECT_EQ(connectors["result"][0]["conns"][0]["client_id"], connectors["result"][0]["id"]);
  const auto configuration = f.get(kTunnels + "/" + kProdWeb + "/configurations");
  EXPECT_EQ(configuration["result"]["config"]["ingress"][0]["hostname"], "ok.cfemu.test");
  const auto one = f.get(kTunnels + "/" + kProdWeb);
  EXPECT_EQ(one["result"]["name"], "prod-web");
  f.get(kTunnels + "/00000000-0000-4000-8000-000000000000", kAdmin, 404);
}

TEST(Tunnels, PendingReconnectIsSentOnlyWhereConfigured) {
  Fixture f;
  const auto batch = f.get(kTunnels + "?name=batch")["result"][0]["id"].get<std::string>();
  const auto conns = f.get(kTunnels + "/" + batch + "/connections")["result"][0]["conns"];
  int flagged = 0;
  for (const auto& c : conns) flagged += c.contains("is_pending_reconnect") ? 1 : 0;
  EXPECT_EQ(flagged, 1);
  const auto prod_web = f.get(kTunnels + "/" + kProdWeb + "/connections");  // alive through the loop
  for (const auto& c : prod_web["result"][0]["conns"]) {
    EXPECT_FALSE(c.contains("is_pending_reconnect"));
  }
}

TEST(Tunnels, ApiTokenWithoutTunnelReadGetsAuthenticationError) {
  Fixture f;
  const auto body = f.get(kTunnels, kReadOnly, 403);
  EXPECT_EQ(body["success"], false);
  EXPECT_EQ(body["errors"][0]["code"], 10000);
}

TEST(Tunnels, DroppingEveryConnectorTakesTheTunnelAndItsAppsDown) {
  Fixture f;
  EXPECT_EQ(f.edge_status("ok.cfemu.test"), 200);
  const auto down = f.control("DELETE", "/prod-web/connectors");
  EXPECT_EQ(down["status"], "down");
  EXPECT_TRUE(down.contains("conns_inactive_at"));
  EXPECT_EQ(f.get(kTunnels + "/" + kProdWeb)["result"]["status"], "down");
  EXPECT_EQ(f.edge_status("ok.cfemu.test"), 530);
  EXPECT_EQ(f.edge_status("strict-ok.cfemu.test"), 200);  // another tunnel's app

  const auto up = f.control("POST", "/prod-web/connectors", {{"version", "2026.8.0"}, {"colos", {"AMS"}}});
  EXPECT_EQ(up["status"], "healthy");
  EXPECT_FALSE(up.contains("conns_inactive_at"));
  EXPECT_EQ(f.edge_status("ok.cfemu.test"), 200);
}

TEST(Tunnels, DroppingOneConnectorAndAddingAWeakOneDegrades) {
  Fixture f;
  f.control("DELETE", "/prod-web/connectors/2cfed61e-53c4-484d-8219-0a4e21d1ea36");
  EXPECT_EQ(f.get(kTunnels + "/" + kProdWeb + "/connections")["result"].size(), 1U);
  const auto weak = f.control("POST", "/prod-web/connectors", {{"connections", 1}});
  EXPECT_EQ(weak["status"], "degraded");
}

TEST(Tunnels, AgingMovesConnectionTimesBack) {
  Fixture f;
  const auto before = f.get(kTunnels + "/" + kProdWeb + "/connections")["result"][0]["run_at"].get<std::string>();
  f.control("POST", "/prod-web/age", {{"seconds", 86400}});
  const auto after = f.get(kTunnels + "/" + kProdWeb + "/connections")["result"][0]["run_at"].get<std::string>();
  EXPECT_EQ(*parse_rfc3339(before) - *parse_rfc3339(after), std::chrono::seconds(86400));
}

TEST(Tunnels, DeletedTunnelDoesNotTakeItsHostDown) {
  Fixture f;
  EXPECT_FALSE(f.tunnels->host_down("retired.cfemu.test"));
  EXPECT_TRUE(f.tunnels->host_down("tunnel-down.cfemu.test"));
}

TEST(Tunnels, ConfigErrorsNameTheTunnel) {
  EXPECT_THROW(parse_tunnels(json::parse(R"([{"id": "x"}])"), Clock::now()), ConfigError);
  EXPECT_THROW(parse_tunnels(json::parse(R"([{"id": "x", "name": "a", "config_src": "yaml"}])"), Clock::now()),
               ConfigError);
  try {
    parse_tunnels(json::parse(R"([{"id": "x", "name": "a", "connectors": [{"conns": 3}]}])"), Clock::now());
    FAIL() << "accepted conns: 3";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tunnels[0].connectors[0]"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace cfmon::emulator
