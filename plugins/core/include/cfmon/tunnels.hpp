#pragma once
// Cloudflare Tunnels (cfd_tunnel) as the API describes them, and the role that reads
// them (permission Cloudflare Tunnel Read): the tunnels of the account, a tunnel's
// connectors (cloudflared processes) with their connections, and the ingress rules of a
// remotely managed tunnel. Every field is optional (the schema requires none); a field
// of the wrong type or a malformed date is a line in `problems`, never an exception.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/time_text.hpp"

namespace cfmon::cloudflare {

struct TunnelInfo {
  std::string id;
  std::string name;
  std::string status;      // "inactive", "degraded", "healthy", "down"; empty when absent
  std::string config_src;  // "cloudflare" (remote ingress) or "local"; empty when absent
  std::optional<TimePoint> conns_active_at;
  std::optional<TimePoint> conns_inactive_at;
  std::optional<TimePoint> deleted_at;
  std::vector<std::string> problems;
};

struct TunnelConnection {
  std::string id;
  std::string colo_name;
  std::string client_version;
  std::optional<TimePoint> opened_at;
  std::optional<bool> is_pending_reconnect;  // absent from the newest schema: counted only when given
};

// One cloudflared process and its connections to Cloudflare's data centres.
struct TunnelConnector {
  std::string id;
  std::string version;  // cloudflared version, e.g. "2026.7.0"
  std::string arch;
  std::optional<TimePoint> run_at;
  std::vector<TunnelConnection> conns;
  std::vector<std::string> problems;
};

struct IngressRule {
  std::string hostname;  // empty: a catch-all rule
  std::string path;
  std::string service;
};

struct TunnelConfiguration {
  std::vector<IngressRule> ingress;
  std::vector<std::string> problems;
};

// Reading tunnels: what check_cf_tunnels (and the hostname lookup) use; tests fake it.
class TunnelDirectory {
 public:
  virtual ~TunnelDirectory() = default;
  // Every tunnel that is not deleted (?is_deleted=false), all pages.
  virtual ApiResult<std::vector<TunnelInfo>> list_tunnels() = 0;
  // GET .../cfd_tunnel/{id}/connections (one page, as the SDK reads it).
  virtual ApiResult<std::vector<TunnelConnector>> tunnel_connectors(std::string_view tunnel_id) = 0;
  // GET .../cfd_tunnel/{id}/configurations (remotely managed tunnels).
  virtual ApiResult<TunnelConfiguration> tunnel_configuration(std::string_view tunnel_id) = 0;
};

// Parsers of the API's objects (lenient: every field optional, problems named).
Expected<TunnelInfo> parse_tunnel(const nlohmann::json& object);
Expected<TunnelConnector> parse_tunnel_connector(const nlohmann::json& object);
Expected<TunnelConfiguration> parse_tunnel_configuration(const nlohmann::json& object);

// True when `rule` serves `host` (case-insensitive; "*.example.com" matches one label).
bool ingress_serves(const IngressRule& rule, std::string_view host);

}  // namespace cfmon::cloudflare
