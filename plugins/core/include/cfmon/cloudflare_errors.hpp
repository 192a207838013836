#pragma once
// Errors of the Cloudflare API client, as values: what went wrong (a stable kind, also
// the reason code checks report), one printable line, and what the API said.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/expected.hpp"

namespace cfmon::cloudflare {

struct ApiMessage {
  std::int64_t code = 0;
  std::string message;
};

enum class ApiErrorKind {
  config,           // bad settings (per_page, URL, missing credentials)
  transport,        // DNS, connect, TLS, protocol
  timeout,          // no complete answer within the operation's budget
  rate_limited,     // 429 and the wait does not fit (or retries exhausted)
  unauthorized,     // 9109 / 1000 / HTTP 401: invalid or revoked API token, wrong account
  forbidden,        // 10000: the API token lacks a permission
  no_organization,  // 9999: Access not enabled for the account
  not_found,        // 12135 / 11021 / HTTP 404
  bad_request,      // 7003 (bad path, malformed id) / other 400
  server_error,     // 5xx
  bad_response,     // not JSON, truncated, too large, not an envelope, success:false without codes
  api_error,        // any other error the API reported
};

// "config_error", "api_unreachable", ... (stable: used as reason codes).
std::string_view api_error_kind_name(ApiErrorKind kind) noexcept;

struct ApiError {
  ApiErrorKind kind = ApiErrorKind::api_error;
  std::string message;                              // one printable line, never a secret
  long http_status = 0;                             // 0 when no answer
  std::vector<ApiMessage> errors;                   // as the API sent them
  std::optional<std::chrono::seconds> retry_after;  // on rate_limited, when known

  [[nodiscard]] Error to_error() const { return Error{message}; }
};

// Errors as values, with the richer ApiError (checks map not_found to "token missing").
template <class T>
using ApiResult = Expected<T, ApiError>;

}  // namespace cfmon::cloudflare
