#include "tunnels_options.hpp"

#include <algorithm>
#include <cctype>

#include "cfmon/targets.hpp"

namespace po = boost::program_options;

namespace cfmon::tunnels {

const char* const kUsage =
    R"(Usage: check_cf_tunnels [--name NAME | --id ID | --hostname HOST ... | --targets-file FILE]
         [--env-file FILE] [--api-token-file FILE] [--account-id ID]
         [--min-connections N] [--min-connectors N] [--min-version X.Y.Z]
         [--cache-ttl SECONDS] [--format nagios|influx|zabbix|json|openmetrics]
)";

const char* const kHelpEpilog =
    R"(Selection: --name, --id and --hostname are repeatable; --hostname selects the tunnel
whose ingress serves that host, --targets-file the tunnels behind the hosts of a
check_cf_access targets file. Nothing selected: every tunnel of the account (deleted
ones are never listed). The API token needs Cloudflare Tunnel Read.

States: down (no connection) CRITICAL; inactive (never connected) CRITICAL when selected,
WARNING when found by listing all; a selected tunnel not listed (deleted) CRITICAL;
degraded WARNING; fewer active connections than --min-connections or fewer connectors
than --min-connectors WARNING; a connector older than --min-version WARNING; a hostname
no tunnel serves, API errors and bad arguments UNKNOWN. Connections pending reconnect
are counted (not active) when the API reports them.
-t is the budget of the whole run: every request and any wait share it.
)";

po::options_description tunnels_options(TunnelsOptions& o) {
  po::options_description group("check_cf_tunnels options");
  // clang-format off
  group.add_options()
    ("name", po::value(&o.names)->value_name("NAME")->composing(), "select the tunnel of this name (repeatable)")
    ("id", po::value(&o.ids)->value_name("ID")->composing(), "select the tunnel of this UUID (repeatable)")
    ("hostname", po::value(&o.hostnames)->value_name("HOST")->composing(),
       "select the tunnel whose ingress serves HOST (repeatable)")
    ("targets-file", po::value<std::string>()->value_name("FILE"),
       "select the tunnels serving the hosts of a check_cf_access targets file")
    ("min-connections", po::value(&o.min_connections)->value_name("N")->default_value(kDefaultMinConnections),
       "WARNING below this many active connections")
    ("min-connectors", po::value(&o.min_connectors)->value_name("N")->default_value(kDefaultMinConnectors),
       "WARNING below this many connectors (cloudflared processes)")
    ("min-version", po::value<std::string>()->value_name("X.Y.Z"),
       "WARNING when a connector runs an older cloudflared")
    ("discover", po::bool_switch(&o.discover), "list the selected tunnels (Zabbix LLD with --format zabbix)");
  // clang-format on
  group.add(plugin::api_options(o.api));
  return group;
}

void tunnels_options_from(const po::variables_map& vm, TunnelsOptions& o) {
  plugin::api_options_from(vm, o.api);
  if (vm.count("targets-file") != 0U) o.targets_file = vm["targets-file"].as<std::string>();
  if (vm.count("min-version") != 0U) o.min_version = vm["min-version"].as<std::string>();
}

std::string host_of_url(std::string_view url) {
  const auto scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  if (url.starts_with("[")) return std::string(url.substr(0, url.find(']') + 1));
  std::string host(url.substr(0, url.find(':')));
  std::transform(host.begin(), host.end(), host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return host;
}

namespace {

bool valid_hostname(std::string_view host) {
  return !host.empty() && host.size() <= 253 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.' || c == '_' || c == '*';
  });
}

void add_unique(std::vector<std::string>& to, std::string value) {
  if (std::find(to.begin(), to.end(), value) == to.end()) to.push_back(std::move(value));
}

}  // namespace

Expected<TunnelsPlan> make_plan(const TunnelsOptions& o, const plugin::CommonConfig& common, const EnvLookup& env,
                                std::vector<std::string>* warnings) {
  TunnelsPlan plan;
  if (o.min_connections < 0 || o.min_connections > 1000) {
    return make_error("--min-connections must be between 0 and 1000");
  }
  if (o.min_connectors < 0 || o.min_connectors > 1000) return make_error("--min-connectors must be between 0 and 1000");
  plan.min_connections = o.min_connections;
  plan.min_connectors = o.min_connectors;
  if (o.min_version) {
    plan.min_version = parse_version(*o.min_version);
    if (!plan.min_version) return make_error("--min-version takes a cloudflared version such as 2024.6.1");
    plan.min_version_text = *o.min_version;
  }
  for (const auto& name : o.names) {
    if (name.empty()) return make_error("--name must not be empty");
    add_unique(plan.names, name);
  }
  for (const auto& id : o.ids) {
    if (id.empty() || !std::all_of(id.begin(), id.end(), [](char c) {
          return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == '-';
        })) {
      return make_error("--id takes a tunnel UUID, not '" + id + "'");
    }
    add_unique(plan.ids, id);
  }
  for (const auto& host : o.hostnames) {
    std::string lower = host_of_url(host);
    if (!valid_hostname(lower)) return make_error("--hostname takes a bare hostname, not '" + host + "'");
    add_unique(plan.hostnames, std::move(lower));
  }
  if (o.targets_file) {
    auto targets = read_targets_file(*o.targets_file);
    if (!targets) return targets.error();
    if (targets->empty()) return make_error("targets file '" + *o.targets_file + "' holds no target");
    for (const auto& t : *targets) add_unique(plan.hostnames, host_of_url(t.url));
  }
  auto settings = plugin::make_api_settings(o.api, common, env, warnings);
  if (!settings) return settings.error();
  plan.api = std::move(*settings);
  return plan;
}

}  // namespace cfmon::tunnels
