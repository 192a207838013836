#pragma once
// check_cf_tunnels as a pure function: a validated plan, the Cloudflare API (its tunnel
// role) and the current time in, a Result tree out (one child per tunnel).
#include <optional>
#include <string>
#include <vector>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/result.hpp"

namespace cfmon::tunnels {

inline constexpr int kDefaultMinConnections = 2;
inline constexpr int kDefaultMinConnectors = 1;

// A cloudflared version "2026.7.0" as numbers; nullopt when it is not X.Y.Z digits.
using Version = std::vector<int>;
std::optional<Version> parse_version(std::string_view text);

struct TunnelsPlan {
  std::vector<std::string> names;      // --name
  std::vector<std::string> ids;        // --id
  std::vector<std::string> hostnames;  // --hostname and the hosts of --targets-file
  int min_connections = kDefaultMinConnections;
  int min_connectors = kDefaultMinConnectors;
  std::optional<Version> min_version;
  std::string min_version_text;
  cloudflare::ApiSettings api;  // for main(); the check only uses a `TunnelDirectory&`

  [[nodiscard]] bool selects_all() const { return names.empty() && ids.empty() && hostnames.empty(); }
};

Report run_tunnels_check(const TunnelsPlan& plan, cloudflare::TunnelDirectory& api, cloudflare::TimePoint now);

// The tunnel whose ingress serves `host`, among `tunnels` (not deleted). nullopt: none
// does (then `unverified` names the tunnels whose ingress could not be read, if any).
struct HostLookup {
  std::optional<cloudflare::TunnelInfo> tunnel;
  std::vector<std::string> unverified;  // one line each: "tunnel NAME: why"
  std::size_t locally_managed = 0;      // tunnels whose ingress the API does not hold
};
HostLookup find_tunnel_serving(cloudflare::TunnelDirectory& api, const std::vector<cloudflare::TunnelInfo>& tunnels,
                               std::string_view host);

// For check_cf_access --explain: the tunnel serving `host` and its state judged with
// the default thresholds (a Result named after the tunnel). Error: the API failed, or
// no tunnel serves the host (the message says which and why).
Expected<Result> tunnel_state_for_host(cloudflare::TunnelDirectory& api, std::string_view host,
                                       cloudflare::TimePoint now);

// --discover: the selected tunnels (never an empty list: an error instead).
Expected<std::vector<cloudflare::TunnelInfo>> discover_tunnels(const TunnelsPlan& plan,
                                                               cloudflare::TunnelDirectory& api);

}  // namespace cfmon::tunnels
