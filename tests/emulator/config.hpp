#pragma once
// The emulator's configuration file (JSON; see README.md and default-config.json).
// Parsed once at start and immutable afterwards, so request threads share it freely.
#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access_policy.hpp"
#include "time_format.hpp"
#include "token_store.hpp"
#include "tunnels.hpp"

namespace cfmon::emulator {

// A config problem, as one printable line. Never contains a secret.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// "legacy": orgs before 2026-10-05; "strict": strict_service_token_auth.
enum class Behaviour { legacy, strict };

// What the application behind Access answers once a request gets through.
struct OriginConfig {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds delay{0};
  std::optional<int> cf_error;        // 530 only: the 1xxx error Cloudflare names (1033)
  std::optional<int> retry_after;     // seconds, sent as Retry-After
  bool echo_request_headers = false;  // body = the request headers as received
};

struct AppConfig {
  std::string id;  // the Access application's UUID (derived from the name when not given)
  std::string name;
  std::string host;  // lowercase, no port
  Behaviour behaviour = Behaviour::legacy;
  bool is_protected = true;                // false = no Access application in front
  bool service_auth_401_redirect = false;  // Service-Auth-only apps answer 401, not 403
  // The app's policies in precedence order, reusable ones included (copies): the edge
  // decides from them and the API lists them (access_apps.hpp).
  std::vector<AccessPolicy> policies;
  std::optional<std::string> token_header;  // read_service_tokens_from_header
  std::string aud;
  bool waf_block = false;  // a WAF rule answers 403 "error code: 1010" before Access
  OriginConfig origin;
};

// Switchable misbehaviour of the v4 API emulator (api.hpp), per API token or global.
enum class ApiFault {
  none,
  server_error,        // 500 with an error envelope
  invalid_json,        // 200, body is not JSON
  truncated_json,      // 200, a valid answer cut in half
  success_false,       // 200, {"success": false, "errors": []}
  html,                // 200, an HTML page
  endless_pagination,  // lists never end: every page is full, no totals
  slow,                // answers after ApiConfig::slow_delay
};

// "none", "server_error", ... ("500" is accepted as server_error); nullopt if unknown.
std::optional<ApiFault> parse_api_fault(std::string_view text);
std::string_view api_fault_name(ApiFault fault) noexcept;

struct ApiTokenConfig {
  std::string name;               // for logs and the stats endpoint; never the token
  std::string token;              // the bearer value
  bool can_read = true;           // permissions contain "read"
  bool can_write = true;          // permissions contain "write"
  bool can_read_tunnels = false;  // permissions contain "tunnel_read" (Cloudflare Tunnel Read)
  std::string account_id;         // the account it belongs to (default: ApiConfig::account_id)
  bool revoked = false;           // 403 / 9109 on every request
  ApiFault fault = ApiFault::none;
  std::string user;  // whose rate limit it spends (default: its own name)
};

struct ApiConfig {
  bool enabled = false;  // an "api" section is present
  std::string host = "api.cfemu.test";
  std::string account_id;
  std::vector<std::string> no_access_accounts;  // accounts without Zero Trust: 9999
  std::vector<ApiTokenConfig> tokens;
  int rate_limit_requests = 1200;  // per user and window, as Cloudflare
  int rate_limit_window_seconds = 300;
  int default_per_page = 1000;  // as the schema: default 1000, at most 1000
  // Schema-minimal answers (off by default until the clients read them): create and
  // rotate without client_id and last_seen_at, delete with only id, refresh with a
  // request body refused (415).
  bool schema_strict = false;
  std::chrono::milliseconds slow_delay{3000};

  [[nodiscard]] const ApiTokenConfig* find_token(std::string_view bearer) const;
};

class AccessKeys;

struct EmulatorConfig {
  std::string team_domain;  // "acme.cloudflareaccess.com"
  // The team's signing keys (set by the emulator at start; not in the config file): the
  // CF_Authorization JWT is signed with them, else it carries a fake signature.
  std::shared_ptr<AccessKeys> access_keys;
  std::string colo;  // suffix of cf-ray, e.g. "AMS"
  std::vector<ServiceToken> tokens;
  std::vector<AppConfig> apps;
  std::vector<AccessPolicy> reusable_policies;  // "access_policies": account-level, shared by apps
  ApiConfig api;
  std::vector<TunnelConfig> tunnels;  // "tunnels" (tunnels.hpp): served by the API, tied to the edge

  // Host header value (any case, optional :port) -> app, or nullptr.
  [[nodiscard]] const AppConfig* find_app(std::string_view host_header) const;
  // Every app host, for the server certificate's subjectAltName.
  [[nodiscard]] std::vector<std::string> app_hosts() const;
  // app_hosts(), the team domain, and the API host when the API is enabled.
  [[nodiscard]] std::vector<std::string> certificate_hosts() const;
};

// Parses and validates; `now` stamps created_at/updated_at of tokens that lack them.
// Throws ConfigError. JSON comments are accepted.
EmulatorConfig parse_config(std::string_view json_text, TimePoint now);
EmulatorConfig load_config_file(const std::string& path, TimePoint now);

// "ok.cfemu.test:8443" -> "ok.cfemu.test"; "[::1]:443" -> "::1"; lowercased.
std::string normalize_host(std::string_view host_header);

}  // namespace cfmon::emulator
