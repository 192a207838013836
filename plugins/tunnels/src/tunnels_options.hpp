#pragma once
// check_cf_tunnels's own options and their validation into a TunnelsPlan.
#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cfmon/api_options.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/plugin.hpp"
#include "tunnels_check.hpp"

namespace cfmon::tunnels {

struct TunnelsOptions {
  std::vector<std::string> names;
  std::vector<std::string> ids;
  std::vector<std::string> hostnames;
  std::optional<std::string> targets_file;
  int min_connections = kDefaultMinConnections;
  int min_connectors = kDefaultMinConnectors;
  std::optional<std::string> min_version;
  bool discover = false;
  plugin::ApiOptions api;
};

// check_cf_tunnels's group plus the shared Cloudflare API group.
boost::program_options::options_description tunnels_options(TunnelsOptions& options);

// Copies the optional values out of a parsed variables_map.
void tunnels_options_from(const boost::program_options::variables_map& vm, TunnelsOptions& options);

// Everything validated; the hosts of --targets-file become hostnames; API credentials
// resolved through `env` and the files named.
Expected<TunnelsPlan> make_plan(const TunnelsOptions& options, const plugin::CommonConfig& common, const EnvLookup& env,
                                std::vector<std::string>* warnings);

// "https://app.example.com:8443/x" -> "app.example.com" (lowercase).
std::string host_of_url(std::string_view url);

extern const char* const kUsage;
extern const char* const kHelpEpilog;

}  // namespace cfmon::tunnels
