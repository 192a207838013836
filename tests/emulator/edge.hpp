#pragma once
// The Cloudflare Access edge as a pure decision: (config, request, token store, now,
// ray id) -> a description of the response. No sockets, clock or randomness, so every
// row of the spec's behaviour table is a plain unit test. server.cpp adds the I/O.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "access_apps.hpp"
#include "auth_log.hpp"
#include "cfmon/printable.hpp"
#include "config.hpp"
#include "time_format.hpp"
#include "token_store.hpp"

namespace cfmon::emulator {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// First header with that name (case-insensitive), or nullptr.
const std::string* find_header(const HeaderList& headers, std::string_view name);

struct EdgeRequest {
  std::string method = "GET";
  std::string target = "/";  // path and query exactly as sent
  HeaderList headers;        // as received (the transport's pseudo-headers removed)
  std::string remote_addr;

  [[nodiscard]] const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

struct EdgeResponse {
  int status = 200;
  HeaderList headers;  // in send order; Content-Length is the transport's business
  std::string body;
  std::chrono::milliseconds delay{0};   // origin latency to wait before answering
  std::optional<AuthEvent> auth_event;  // set when the request presented credentials
  std::string verdict;                  // short code for the -v log line, e.g. "granted", "login_redirect"

  [[nodiscard]] const std::string* header(std::string_view name) const { return find_header(headers, name); }
};

// A token as the request carried it. Not well formed = something was presented but it
// cannot be a token (one of the two headers missing, the JSON header unparsable).
struct PresentedCredentials {
  std::string client_id;
  std::string client_secret;
  bool well_formed = false;
};

// nullopt = no token at all. Reads app.token_header as JSON when set, else the
// CF-Access-Client-Id / CF-Access-Client-Secret pair.
std::optional<PresentedCredentials> extract_credentials(const AppConfig& app, const EdgeRequest& request);

// The whole edge: Host -> app, WAF, Access, origin. `ray_id` is 16 hex characters;
// the response's cf-ray is "<ray_id>-<colo>". Access decides from the app's policies:
// those of `access` (changed at run time through the API's admin endpoints) when given,
// else those of the config. With `tunnels`, an app whose host is in the ingress of a
// tunnel without connections answers 530 / 1033.
EdgeResponse handle_edge_request(const EmulatorConfig& config, const EdgeRequest& request, const TokenStore& tokens,
                                 TimePoint now, std::string_view ray_id, const AccessDirectory* access = nullptr,
                                 const TunnelStore* tunnels = nullptr);

// Percent-encodes everything but RFC 3986 unreserved characters ("/" -> "%2F").
using cfmon::url_encode;

}  // namespace cfmon::emulator
