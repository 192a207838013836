#pragma once
// HTTP probing behind one interface. CurlClient drives libcurl's multi interface:
// many transfers in one thread, a shared DNS and TLS-session cache, per-transfer
// deadlines, and a cap on the body read. Redirects are followed only when a request
// asks, hop by hop, and only inside its own origin: headers (credentials) never reach
// another host.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "cfmon/secret.hpp"

namespace cfmon::http {

// Seconds since the transfer started, cumulative as curl reports them
// (connect includes DNS, tls includes connect, firstbyte includes tls).
struct Timings {
  double namelookup = 0.0;
  double connect = 0.0;
  double tls = 0.0;
  double firstbyte = 0.0;
  double total = 0.0;
};

// How every transfer of a client reaches and trusts its peers (--resolve, --ca-file, -k,
// -4/-6, -A): parsed once, handed to the client's constructor, applied to each request.
struct Transport {
  std::vector<std::string> resolve;  // curl --resolve entries; each transfer gets those for its host
  std::string ca_file;               // empty = system store
  bool insecure = false;             // skip TLS verification
  int ip_version = 0;                // 0 any, 4, 6
  std::string user_agent;
};

// What of `transport` decides whom an answer came from and whether it was verified
// (-k, --ca-file, --resolve), as text for a cache scope.
std::string trust_key(const Transport& transport);

struct Request {
  std::string url;
  std::string method = "GET";                                  // GET, HEAD, POST, PUT, DELETE, ...
  std::string body;                                            // request body (POST/PUT)
  std::vector<std::pair<std::string, std::string>> headers;    // public headers
  std::vector<std::pair<std::string, Secret>> secret_headers;  // redacted in every log
  std::chrono::milliseconds timeout{10000};                    // whole transfer, connect included
  std::size_t max_body_bytes = std::size_t{64} * 1024;         // read at most this much body
  std::size_t max_header_bytes = std::size_t{64} * 1024;       // headers beyond this: protocol error
  // Redirects followed inside the request's origin (same scheme, host and port), each
  // hop with the same headers, all hops within `timeout`; 0 = none. A redirect to another
  // origin is never followed: it is the answer.
  int max_redirects = 0;
  // A redirect to a URL this accepts is the answer too, never followed (Access's login page).
  bool (*is_final_redirect)(std::string_view absolute_url) = nullptr;
  // No part of the request runs past this (the whole run's budget); a request that has
  // not started by then fails with ErrorKind::timeout without being sent.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Secrets inside a secret header's value (the client secret in a JSON header): redacted
  // too, in every form a server may reflect them (see reflected_forms), like the headers.
  std::vector<Secret> secret_parts;
};

// Why a 3xx answer was not followed although it stayed inside the origin.
enum class RedirectStop {
  none,   // not a redirect, or one to another origin, or the request follows none
  loop,   // its Location was already requested in this chain
  limit,  // max_redirects hops were followed and it still redirects
};

struct Response {
  long status = 0;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased, final response only
  std::string body;                                          // at most max_body_bytes
  bool body_truncated = false;                               // we stopped reading at the cap
  std::size_t body_bytes = 0;                                // body bytes kept
  Timings timings;
  std::string http_version;   // "1.1", "2", ...
  std::string url;            // the URL that gave this answer (differs from the request's after redirects)
  std::size_t redirects = 0;  // same-origin redirects followed to get here
  RedirectStop redirect_stop = RedirectStop::none;

  // First header with this (case-insensitive) name.
  [[nodiscard]] std::optional<std::string_view> header(std::string_view name) const;
};

enum class ErrorKind { dns, connect, tls, timeout, protocol, too_large, config, other };

struct TransportError {
  ErrorKind kind = ErrorKind::other;
  int curl_code = 0;
  std::string message;  // one line, secrets redacted
  Timings timings;
};

using Outcome = std::variant<Response, TransportError>;

// Something that performs requests; the checks depend on this, tests fake it.
class Client {
 public:
  virtual ~Client() = default;
  // Performs every request, at most `parallel` at a time; outcomes in request order.
  virtual std::vector<Outcome> perform(const std::vector<Request>& requests, std::size_t parallel) = 0;
};

// Diagnostics sink for verbose output (headers, connection info), already redacted.
using DebugSink = void (*)(std::string_view line);

class CurlClient final : public Client {
 public:
  // Every transfer uses `transport`; verbosity >= 3 sends redacted curl traces to `sink`.
  explicit CurlClient(Transport transport, int verbosity = 0, DebugSink sink = nullptr);
  ~CurlClient() override;
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  std::vector<Outcome> perform(const std::vector<Request>& requests, std::size_t parallel) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string_view error_kind_name(ErrorKind kind) noexcept;

// The entries of `resolve` (curl --resolve syntax: [+-]HOST:PORT:ADDR, HOST may be '*')
// that can apply to `url`'s host and port: all a request to `url` needs. N targets and
// R entries then cost N + R instead of N x R (all of them unless the URL parses).
std::vector<std::string> resolve_entries_for(const std::string& url, const std::vector<std::string>& resolve);

// `location` (absolute, relative or protocol-relative) resolved against `base`, as curl
// would request it (no fragment); nullopt when it does not make an http(s) URL.
std::optional<std::string> resolve_location(const std::string& base, std::string_view location);

// "scheme://host:port" of an http(s) URL, host lower-cased and the default port spelled
// out, so two URLs share an origin exactly when these are equal; nullopt if unparsable.
std::optional<std::string> origin_of(const std::string& url);

// The host (lower-cased, no port) and path ("/" when empty, no query) of an http(s)
// URL: where Access decides which application covers a request; nullopt if unparsable.
struct HostPath {
  std::string host;
  std::string path;
};
std::optional<HostPath> host_and_path(const std::string& url);

}  // namespace cfmon::http
