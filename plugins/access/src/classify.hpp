#pragma once
// What Cloudflare Access answered, as a verdict a tired on-call person understands.
// One function per kind of outcome; the table of cases lives in classify.cpp and
// is pinned by classify_test.cpp.
#include <optional>
#include <string>

#include "cfmon/http.hpp"
#include "cfmon/state.hpp"
#include "status_map.hpp"

namespace cfmon {

struct Verdict {
  State state = State::unknown;
  std::string reason;                  // token_accepted, login_redirect, token_rejected, origin_down, ...
  std::string meaning;                 // one line, no secrets, may echo sanitised server text
  std::optional<bool> token_accepted;  // nullopt when we never got an answer
};

// A response to a request that carried the service token. A 3xx is proof of nothing
// unless Access set CF_Authorization on it: redirects inside the origin are followed by
// the client (see http::Request::max_redirects), so one here is a loop, too many hops,
// or a redirect to another origin that may have come before Access checked the token.
Verdict classify_access_response(const http::Response& response, const StatusMap& overrides = {});

// A request that never got an HTTP answer. Timeouts take `timeout_state`.
Verdict classify_transport_error(const http::TransportError& error, State timeout_state);

// A response to a request WITHOUT credentials (--expect-protected): OK only when
// Access blocked it; anything the app answered itself is CRITICAL.
Verdict classify_anonymous_response(const http::Response& response);

// True for a 3xx whose Location path starts with /cdn-cgi/access/login, whether the
// Location is absolute, relative or protocol-relative (//team.cloudflareaccess.com/...).
bool is_access_login_redirect(const http::Response& response);

// True for a URL or Location whose path is Access's login page.
bool is_access_login_url(std::string_view location);

// True when a 401/403 carries the CF-Access-Aud / CF-Access-Domain headers Access adds.
bool has_access_headers(const http::Response& response);

}  // namespace cfmon
