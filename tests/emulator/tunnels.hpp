#pragma once
// Cloudflare Tunnels (cfd_tunnel) as the emulator keeps them: tunnels with their
// connectors (cloudflared processes), each connector's connections to data centres,
// and the ingress rules of remotely managed tunnels (docs: cloudflare-apps-jwt-tunnels.md
// section C). One TunnelStore is shared by the v4 API (the four GET routes), the
// control endpoints (add, drop and age connectors) and the edge (an app whose hostname
// is in the ingress of a tunnel without connections answers 530 / 1033).
//
// Status is derived, never stored: no connection ever = inactive; none now = down;
// a connector with fewer than 4 active connections (cloudflared's default) = degraded;
// otherwise healthy.
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "time_format.hpp"

namespace cfmon::emulator {

inline constexpr int kConnectionsPerConnector = 4;  // cloudflared's default (--ha-connections)

struct TunnelConnection {
  std::string id;
  std::string colo_name;
  TimePoint opened_at{};
  std::string origin_ip;
  std::optional<bool> is_pending_reconnect;  // sent only when set (absent from the newest schema)
};

struct TunnelConnector {
  std::string id;
  std::string arch = "linux_amd64";
  std::string version;
  int config_version = 1;
  TimePoint run_at{};
  std::vector<TunnelConnection> conns;
};

struct IngressRule {
  std::string hostname;  // empty: the catch-all rule
  std::string path;
  std::string service;
};

struct TunnelConfig {
  std::string id;
  std::string name;
  std::string config_src = "cloudflare";  // "cloudflare" (remote ingress) or "local"
  TimePoint created_at{};
  std::optional<TimePoint> deleted_at;
  std::optional<TimePoint> conns_active_at;    // nullopt: never connected
  std::optional<TimePoint> conns_inactive_at;  // nullopt: has connections
  int config_version = 1;
  std::vector<TunnelConnector> connectors;
  std::vector<IngressRule> ingress;
};

// "inactive", "down", "degraded" or "healthy".
std::string tunnel_status(const TunnelConfig& tunnel);

// The "tunnels" array of the config file; `now` stamps times the config leaves out.
// Throws ConfigError.
std::vector<TunnelConfig> parse_tunnels(const nlohmann::json& array, TimePoint now);

// An answer of the tunnel routes: status, v4 body, a verdict for the -v log.
struct TunnelAnswer {
  int status = 200;
  nlohmann::json body;
  std::string verdict;
};

class TunnelStore {
 public:
  TunnelStore(std::vector<TunnelConfig> tunnels, std::string account_id, int default_per_page);

  // GET /accounts/{account}/cfd_tunnel[/{id}[/connections|/configurations|/connectors/{cid}]];
  // `segments` are the path segments after the account ("cfd_tunnel", ...), `params`
  // the decoded query.
  TunnelAnswer api(const std::vector<std::string_view>& segments,
                   const std::map<std::string, std::string>& params) const;

  // Control: `what` after "/__emulator/tunnels" ("", "/{id|name}/connectors[/{cid}]",
  // "/{id|name}/age"), with the request body (a JSON object).
  TunnelAnswer control(std::string_view method, std::string_view what, const nlohmann::json& body, TimePoint now);

  // True when `host` is in the ingress of a tunnel (not deleted) with no active connection.
  [[nodiscard]] bool host_down(std::string_view host) const;

  [[nodiscard]] std::vector<TunnelConfig> snapshot() const;

 private:
  TunnelConfig* find(std::string_view id_or_name);

  mutable std::mutex mutex_;
  std::vector<TunnelConfig> tunnels_;
  std::string account_id_;
  int default_per_page_;
};

}  // namespace cfmon::emulator
