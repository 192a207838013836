#include "classify.hpp"

#include <algorithm>
#include <string_view>

#include "cfmon/printable.hpp"
#include "cfmon/tables.hpp"

namespace cfmon {
namespace {

std::string_view location_path(std::string_view location) {
  // Absolute URL: skip "scheme://host"; protocol-relative: skip "//host"; relative:
  // already a path.
  std::size_t host_start = std::string_view::npos;
  if (const auto scheme = location.find("://"); scheme != std::string_view::npos) {
    host_start = scheme + 3;
  } else if (location.starts_with("//")) {
    host_start = 2;
  }
  if (host_start != std::string_view::npos) {
    const auto slash = location.find('/', host_start);
    return slash == std::string_view::npos ? std::string_view("/") : location.substr(slash);
  }
  return location;
}

// Server text echoed in a message: bounded, printable, never a '|'.
std::string sanitise(std::string_view text, std::size_t max = 120) {
  return printable(text, max, kVerdictText);
}

constexpr CodeNames<long, 9> kOriginErrorNames{{{{502, "bad gateway"},
                                                 {504, "gateway timeout"},
                                                 {520, "unknown origin error"},
                                                 {521, "origin refused the connection"},
                                                 {522, "connection to origin timed out"},
                                                 {523, "origin unreachable"},
                                                 {524, "origin did not answer in time"},
                                                 {525, "TLS handshake with origin failed"},
                                                 {526, "invalid origin certificate"}}}};

std::string origin_error_name(long status) {
  return std::string(kOriginErrorNames(status, "origin error"));
}

std::string_view skip_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

// `"error_code": 1033` in a JSON error body, compact or pretty-printed (Cloudflare's
// documented samples are), and not 10330.
bool json_names_error(std::string_view body, std::string_view code) {
  constexpr std::string_view key = "\"error_code\"";
  for (auto pos = body.find(key); pos != std::string_view::npos; pos = body.find(key, pos + 1)) {
    std::string_view rest = skip_spaces(body.substr(pos + key.size()));
    if (rest.empty() || rest.front() != ':') continue;
    rest = skip_spaces(rest.substr(1));
    if (rest.starts_with(code) && (rest.size() == code.size() || rest[code.size()] < '0' || rest[code.size()] > '9')) {
      return true;
    }
  }
  return false;
}

bool body_names_error(const http::Response& r, std::string_view code) {
  return r.body.find(std::string("error code: ") + std::string(code)) != std::string::npos ||
         json_names_error(r.body, code) || r.body.find(std::string("Error ") + std::string(code)) != std::string::npos;
}

// curl's (and OpenSSL's) words for common failures, as an on-call person would put
// them; empty when there is nothing plainer to say. curl's own text follows in brackets.
std::string_view plain_words(std::string_view detail) {
  struct Hint {
    std::string_view fragment;
    std::string_view words;
  };
  static constexpr Hint kHints[] = {
      {"certificate has expired", "certificate expired"},
      {"unable to get local issuer certificate", "certificate signed by an untrusted CA"},
      {"self-signed certificate", "self-signed certificate, not trusted"},
      {"self signed certificate", "self-signed certificate, not trusted"},
      {"no alternative certificate subject name matches", "certificate is for another host name"},
      {"does not match target host name", "certificate is for another host name"},
      {"wrong version number", "the server does not speak TLS there"},
      {"SSL_connect: SSL_ERROR_SYSCALL", "connection closed during the TLS handshake"},
      {"Connection reset by peer", "connection reset by the server"},
      {"HTTP/0.9", "no HTTP status line"},
      {"Unsupported response code", "malformed HTTP status line"},
      {"Weird server reply", "malformed HTTP reply"},
      {"Empty reply from server", "connection closed without an answer"},
  };
  for (const auto& hint : kHints) {
    if (detail.find(hint.fragment) != std::string_view::npos) return hint.words;
  }
  return {};
}

// "what: plain words (curl's detail)" or "what (curl's detail)".
std::string explained(std::string_view what, const std::string& detail) {
  const std::string_view words = plain_words(detail);
  return std::string(what) + (words.empty() ? std::string() : ": " + std::string(words)) + " (" + detail + ")";
}

Verdict verdict(State state, std::string reason, std::string meaning, std::optional<bool> accepted) {
  return Verdict{state, std::move(reason), std::move(meaning), accepted};
}

// Access sets CF_Authorization on the answer to a request it let through: the only
// evidence in a redirect that the token was accepted.
bool sets_access_cookie(const http::Response& r) {
  constexpr std::string_view cookie = "CF_Authorization=";
  return std::any_of(r.headers.begin(), r.headers.end(), [&](const auto& header) {
    const std::string_view value = skip_spaces(header.second);
    return header.first == "set-cookie" && value.starts_with(cookie) && value.size() > cookie.size() &&
           value[cookie.size()] != ';';
  });
}

// A 3xx that is not the login page and that the probe did not follow (see http.hpp):
// a loop, too many hops, or a redirect to another origin, which Cloudflare may send
// before Access ever looks at the token (Always Use HTTPS, Redirect Rules).
Verdict classify_redirect(const http::Response& r) {
  const auto location = r.header("location");
  const std::optional<std::string> target =
      location ? http::resolve_location(r.url, *location) : std::optional<std::string>{};
  const std::string shown = sanitise(target ? *target : std::string(location.value_or("")));
  if (r.redirect_stop == http::RedirectStop::loop) {
    return verdict(State::critical, "redirect_loop",
                   "redirect loop: " + sanitise(r.url) + " redirects back to " + shown, std::nullopt);
  }
  if (r.redirect_stop == http::RedirectStop::limit) {
    return verdict(State::critical, "redirect_loop",
                   "still redirecting after " + std::to_string(r.redirects) +
                       (r.redirects == 1 ? " redirect" : " redirects") + " (--max-redirects), next to " + shown,
                   std::nullopt);
  }
  if (sets_access_cookie(r)) {
    return verdict(State::ok, "app_redirect",
                   "token accepted (Access set CF_Authorization), app redirects" +
                       (shown.empty() ? std::string() : " to " + shown),
                   true);
  }
  if (!location) {
    return verdict(State::warning, "redirect_unverified",
                   "redirect without a Location: cannot tell whether the token was accepted", std::nullopt);
  }
  const auto here = http::origin_of(r.url);
  const auto there = target ? http::origin_of(*target) : std::optional<std::string>{};
  if (there && here == there) {
    return verdict(
        State::warning, "redirect_unverified",
        "redirect to " + shown + " not followed: cannot tell whether the token was accepted; probe the final URL",
        std::nullopt);
  }
  return verdict(
      State::warning, "redirect_unverified",
      "redirect to " + (there ? sanitise(*there) : shown) + " before the token could be checked; probe the final URL",
      std::nullopt);
}

}  // namespace

bool is_access_login_url(std::string_view location) {
  return location_path(location).starts_with("/cdn-cgi/access/login");
}

bool is_access_login_redirect(const http::Response& r) {
  if (r.status < 300 || r.status > 399) return false;
  const auto location = r.header("location");
  return location && is_access_login_url(*location);
}

bool has_access_headers(const http::Response& r) {
  return r.header("cf-access-aud").has_value() || r.header("cf-access-domain").has_value();
}

Verdict classify_access_response(const http::Response& r, const StatusMap& overrides) {
  const long s = r.status;
  Verdict v;
  if (s >= 200 && s <= 299) {
    v = verdict(State::ok, "token_accepted", "token accepted", true);
  } else if (is_access_login_redirect(r)) {
    v = verdict(State::critical, "login_redirect",
                "token not accepted: Access sent the login page (invalid/expired token, or no Service Auth policy)",
                false);
  } else if (s >= 300 && s <= 399) {
    v = classify_redirect(r);
  } else if (s == 401) {
    v = has_access_headers(r)
            ? verdict(State::critical, "token_invalid",
                      "token cannot authenticate: Access answered 401 (invalid, expired, revoked or disabled token)",
                      false)
            : verdict(State::critical, "unauthorized",
                      "token cannot authenticate: 401 from the origin, not from Access", false);
  } else if (s == 403) {
    if (has_access_headers(r)) {
      v = verdict(State::critical, "token_rejected",
                  "token rejected by Access (invalid/expired/revoked token, or no Service Auth policy for it)", false);
    } else if (body_names_error(r, "1010")) {
      v = verdict(State::critical, "forbidden_waf",
                  "forbidden by a Cloudflare firewall rule (error 1010, browser signature), not by Access",
                  std::nullopt);
    } else {
      v = verdict(State::critical, "forbidden_not_access", "forbidden by the origin or a firewall rule, not by Access",
                  std::nullopt);
    }
  } else if (s == 502 || s == 504 || (s >= 520 && s <= 526)) {
    v = verdict(State::warning, "origin_down", "token accepted, origin down (" + origin_error_name(s) + ")", true);
  } else if (s == 530) {
    v = body_names_error(r, "1033")
            ? verdict(State::warning, "tunnel_down",
                      "token accepted, origin unreachable (error 1033: Cloudflare Tunnel has no healthy connector)",
                      true)
            : verdict(State::warning, "origin_unreachable", "token accepted, origin unreachable (Cloudflare error 530)",
                      true);
  } else if (s >= 400 && s <= 599) {
    v = verdict(State::warning, "unexpected_status", "token accepted, unexpected status", true);
  } else {
    v = verdict(State::warning, "unexpected_status", "unexpected HTTP status", std::nullopt);
  }
  if (const auto mapped = overrides.lookup(static_cast<int>(s))) {
    if (*mapped != v.state) {
      v.meaning += " [state set by --status-map]";
      v.state = *mapped;
    }
  }
  return v;
}

Verdict classify_transport_error(const http::TransportError& e, State timeout_state) {
  const std::string detail = sanitise(e.message, 200);
  switch (e.kind) {
    case http::ErrorKind::dns:
      return verdict(State::critical, "dns_error", "cannot reach the edge: DNS lookup failed (" + detail + ")",
                     std::nullopt);
    case http::ErrorKind::connect:
      return verdict(State::critical, "connect_error", "cannot reach the edge: connection failed (" + detail + ")",
                     std::nullopt);
    case http::ErrorKind::tls:
      return verdict(State::critical, "tls_error", explained("cannot reach the edge: TLS failed", detail),
                     std::nullopt);
    case http::ErrorKind::timeout:
      return verdict(timeout_state, "timeout", "no complete answer in time (" + detail + ")", std::nullopt);
    case http::ErrorKind::protocol:
      return verdict(State::critical, "protocol_error", explained("broken HTTP answer", detail), std::nullopt);
    case http::ErrorKind::too_large:
      return verdict(State::critical, "protocol_error", "oversized answer (" + detail + ")", std::nullopt);
    case http::ErrorKind::config:
      return verdict(State::unknown, "config_error", "cannot run the probe (" + detail + ")", std::nullopt);
    case http::ErrorKind::other:
      break;
  }
  return verdict(State::critical, "transport_error", "request failed (" + detail + ")", std::nullopt);
}

Verdict classify_anonymous_response(const http::Response& r) {
  if (is_access_login_redirect(r)) {
    return verdict(State::ok, "protected", "Access blocks anonymous requests (login redirect)", std::nullopt);
  }
  if ((r.status == 401 || r.status == 403) && has_access_headers(r)) {
    return verdict(State::ok, "protected", "Access blocks anonymous requests (HTTP " + std::to_string(r.status) + ")",
                   std::nullopt);
  }
  return verdict(State::critical, "unprotected",
                 "NOT PROTECTED: app answered HTTP " + std::to_string(r.status) +
                     " to a request without a token, Access did not block it",
                 std::nullopt);
}

}  // namespace cfmon
