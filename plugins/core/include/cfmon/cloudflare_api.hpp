#pragma once
// The Cloudflare v4 REST API, as far as the checks and the admin CLI need it:
// service tokens (list, get, create, update, rotate, refresh, delete) and a raw
// GraphQL query. Built on http::Client, one request at a time.
//
// What it guarantees (see cloudflare-access.md §2):
//   - every response is checked as a v4 envelope; HTML, garbage, truncated or
//     oversized bodies, JSON nested deeper than 64 levels and `success: false` are
//     errors, never data; a field of the wrong type is a line naming it, never an
//     exception;
//   - pagination asks per_page 1..1000 (the schema: an integer, default and maximum
//     1000) and stops on a short page, on count/total_count/total_pages, or at a hard
//     page cap; it can never run past the operation's deadline (nor the run's,
//     ApiSettings::deadline), nor past max_list_bytes / max_list_items;
//   - 429 answers are retried only when the wait (Retry-After, `Ratelimit: ...;t=`,
//     x-ratelimit-reset) fits inside the operation's deadline; otherwise a clear error;
//   - the known error codes become one clear line (10000 → which permission is missing);
//   - the API token lives in a Secret and travels as a redacted header; it never
//     appears in a message, a log line or a cache file name.
//
// Cache: with ttl > 0, successful reads (list, get) are kept on disk, one file per
// request, in a private directory (0700, files 0600), written atomically (temp file +
// rename) and refreshed by one process at a time (flock), so N concurrent checks
// within the TTL cost one API call. Budget: Cloudflare allows 1200 requests per
// 5 minutes per user, shared by all of that user's API tokens (GraphQL separately: at
// most 320 per 5 minutes, by query cost). Every check of the token list costs one
// request per page (per_page 100 by default: one page for most accounts), so without a
// cache a token check scheduled every minute for S services costs 5*S requests per 5
// minutes: 240 services exhaust the budget alone, and the CLI, a login check and every
// other tool of the same user share it. With a
// TTL of T seconds all those services share one list request per T seconds
// (300/T per 5 minutes, e.g. 5 with T=60) whatever S is, since every selection
// (--name, --id, --client-id) is answered from the same cached full list.
// A successful write through the same client drops that account's cached entries.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/credentials.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/http.hpp"
#include "cfmon/secret.hpp"

namespace cfmon::cloudflare {

using TimePoint = std::chrono::system_clock::time_point;

inline constexpr std::string_view kDefaultApiUrl = "https://api.cloudflare.com/client/v4";
inline constexpr std::string_view kApiTokenVariable = "CF_API_TOKEN";
inline constexpr std::string_view kAccountIdVariable = "CF_ACCOUNT_ID";

// per_page of list requests: an integer of at most 1000 (the schema's default and maximum).
inline constexpr unsigned kMaxPerPage = 1000;

// ---------------------------------------------------------------- credentials

struct ApiCredentials {
  std::string account_id;  // not a secret
  Secret api_token;
};

struct ApiCredentialSources {
  std::optional<std::string> api_token_file;  // --api-token-file: the token alone on one line
  std::optional<std::string> account_id;      // --account-id
  std::optional<std::string> env_file;        // --env-file: CF_API_TOKEN, CF_ACCOUNT_ID
};

// Precedence, most explicit first:
//   API token:  --api-token-file, then CF_API_TOKEN in --env-file, then the environment
//   account ID: --account-id, then CF_ACCOUNT_ID in --env-file, then the environment
// A missing part is an error naming every place looked; never one holding a value.
Expected<ApiCredentials> resolve_api_credentials(const ApiCredentialSources& sources, const EnvLookup& env,
                                                 std::vector<std::string>* warnings = nullptr);

// $XDG_CACHE_HOME/cfmon, else $HOME/.cache/cfmon; empty when neither is set.
std::string default_cache_dir(const EnvLookup& env);

// ---------------------------------------------------------------- settings

struct CacheSettings {
  std::chrono::seconds ttl{0};  // 0 = no cache
  std::string dir;              // created 0700 when missing; must not be group/world-writable
};

struct ApiSettings {
  std::string base_url = std::string(kDefaultApiUrl);  // no trailing slash needed
  ApiCredentials credentials;
  // Budget of one operation (all its pages and 429 waits), connect included.
  std::chrono::milliseconds timeout{10000};
  unsigned per_page = 100;       // 1..kMaxPerPage
  unsigned max_pages = 100;      // hard stop for a list that never ends
  std::size_t max_response_bytes = 4 * 1024 * 1024;
  // A token list, all pages together: a few hundred bytes per token, so 8 MiB and
  // 10 000 tokens are far beyond any account, yet keep a hostile API from filling
  // memory page after page (only the fields of ServiceTokenInfo are kept).
  std::size_t max_list_bytes = 8 * 1024 * 1024;
  std::size_t max_list_items = 10000;
  unsigned max_rate_limit_retries = 3;
  CacheSettings cache;
  // The budget of the whole run (-t): when set, no operation, page, 429 wait or cache
  // lock wait goes past it, whatever `timeout` says; on the hooks' steady clock.
  std::optional<std::chrono::steady_clock::time_point> deadline;
  // Transport, as for the edge probes.
  std::vector<std::string> resolve;
  std::string ca_file;
  bool insecure = false;
  int ip_version = 0;
  std::string user_agent;
};

// `settings` with `timeout` made the budget of the whole run from now on (deadline
// set): for a check whose -t bounds every API call it makes together.
ApiSettings for_whole_run(ApiSettings settings);

// Checks per_page, URL scheme, account ID shape, token presence. Pure.
std::optional<Error> validate_settings(const ApiSettings& settings);

// Injected so tests control time; defaults: steady_clock, system_clock, sleep_for.
struct ApiHooks {
  std::function<std::chrono::steady_clock::time_point()> steady_now;
  std::function<TimePoint()> wall_now;
  std::function<void(std::chrono::milliseconds)> sleep;
  // One line per request for -v ("GET …/service_tokens?page=1 -> 200 in 0.084 s",
  // "cache hit …"); never holds a secret. Empty = silent.
  std::function<void(std::string_view)> log;
};

// ---------------------------------------------------------------- results

struct ServiceTokenInfo {
  std::string id;         // UUID
  std::string client_id;  // "<32 hex>.access"
  std::string name;
  std::string duration;   // Go duration ("8760h") or "forever"; may be empty when absent
  std::optional<TimePoint> expires_at;    // absent: no expiry known (e.g. forever)
  std::optional<TimePoint> created_at;
  std::optional<TimePoint> updated_at;
  std::optional<TimePoint> last_seen_at;  // absent or null: never used
  bool enabled = true;                    // absent in older responses: enabled
  // Why this token's part of the answer cannot be trusted (a field of the wrong type,
  // a malformed or contradictory date), one plain line each, naming the field. Every
  // field is optional (the schema requires none): absent is not a problem. A list keeps
  // such tokens, so a check reports them and still judges the others; single-token
  // answers with a problem are an error (bad_response).
  std::vector<std::string> problems;
};

// Create and rotate are the only answers carrying the secret: persist it first.
// No property of these answers is required by Cloudflare's schema: a 2xx answer with
// a client_secret is a success whatever else it holds. `info` has what could be read
// (client_id may be empty: the rotated token's is unchanged; create/rotate answers
// never hold expires_at); `warnings` name what could not (one line each, no secret).
struct CreatedToken {
  ServiceTokenInfo info;
  Secret client_secret;
  std::vector<std::string> warnings;
};

struct ListQuery {
  std::string name;    // exact-name filter (?name=), empty = none
  std::string search;  // substring filter (?search=), empty = none
};

// PUT body: only the fields set are sent.
struct TokenUpdate {
  std::optional<std::string> name;
  std::optional<std::string> duration;
  std::optional<bool> enabled;
};

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

// "config", "transport", ... (stable: used as reason codes).
std::string_view api_error_kind_name(ApiErrorKind kind) noexcept;

struct ApiError {
  ApiErrorKind kind = ApiErrorKind::api_error;
  std::string message;               // one printable line, never a secret
  long http_status = 0;              // 0 when no answer
  std::vector<ApiMessage> errors;    // as the API sent them
  std::optional<std::chrono::seconds> retry_after;  // on rate_limited, when known

  [[nodiscard]] Error to_error() const { return Error{message}; }
};

// Errors as values, with the richer ApiError (checks map not_found to "token missing").
template <class T>
using ApiResult = Expected<T, ApiError>;

// ---------------------------------------------------------------- the API

// What checks and the CLI depend on; tests fake it.
class Api {
 public:
  virtual ~Api() = default;
  virtual ApiResult<std::vector<ServiceTokenInfo>> list_service_tokens(const ListQuery& query) = 0;
  virtual ApiResult<ServiceTokenInfo> get_service_token(std::string_view id) = 0;
  // duration: nullopt = the API's default (8760h).
  virtual ApiResult<CreatedToken> create_service_token(std::string_view name,
                                                       const std::optional<std::string>& duration) = 0;
  virtual ApiResult<ServiceTokenInfo> update_service_token(std::string_view id, const TokenUpdate& update) = 0;
  // Without previous_client_secret_expires_at the old secret stops working at once.
  virtual ApiResult<CreatedToken> rotate_service_token(
      std::string_view id, const std::optional<TimePoint>& previous_client_secret_expires_at) = 0;
  // Refresh and delete answers may hold only the id: every other field can be empty.
  virtual ApiResult<ServiceTokenInfo> refresh_service_token(std::string_view id) = 0;
  // Returns the deleted token.
  virtual ApiResult<ServiceTokenInfo> delete_service_token(std::string_view id) = 0;
  // POST /graphql; returns `data`. A non-empty `errors` array is an error.
  virtual ApiResult<nlohmann::json> graphql(std::string_view query, const nlohmann::json& variables) = 0;
};

class ApiClient final : public Api {
 public:
  // `settings` should have passed validate_settings(); operations re-check and
  // answer ApiErrorKind::config otherwise.
  ApiClient(http::Client& http, ApiSettings settings, ApiHooks hooks = {});
  ~ApiClient() override;
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  ApiResult<std::vector<ServiceTokenInfo>> list_service_tokens(const ListQuery& query) override;
  ApiResult<ServiceTokenInfo> get_service_token(std::string_view id) override;
  ApiResult<CreatedToken> create_service_token(std::string_view name,
                                               const std::optional<std::string>& duration) override;
  ApiResult<ServiceTokenInfo> update_service_token(std::string_view id, const TokenUpdate& update) override;
  ApiResult<CreatedToken> rotate_service_token(
      std::string_view id, const std::optional<TimePoint>& previous_client_secret_expires_at) override;
  ApiResult<ServiceTokenInfo> refresh_service_token(std::string_view id) override;
  ApiResult<ServiceTokenInfo> delete_service_token(std::string_view id) override;
  ApiResult<nlohmann::json> graphql(std::string_view query, const nlohmann::json& variables) override;

  // HTTP requests actually sent (cache hits excluded), for -v and tests.
  [[nodiscard]] std::size_t requests_sent() const noexcept;
  [[nodiscard]] std::size_t cache_hits() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------- helpers

// Parses a service token object of the API. Every field is optional; a field of the
// wrong type or a malformed or contradictory date goes to `problems`. Error only when
// `object` is not a JSON object.
Expected<ServiceTokenInfo> parse_service_token(const nlohmann::json& object);

// What a JSON value is, for a line naming a field of the wrong type: "null", "a number",
// "a string", "an array", ...
std::string json_type_text(const nlohmann::json& value);

// RFC 3339 ("2030-01-01T00:00:00Z", fractions, offsets); nullopt when malformed.
std::optional<TimePoint> parse_rfc3339(std::string_view text);
// UTC, second precision: "2030-01-01T00:00:00Z".
std::string format_rfc3339(TimePoint time);

// Go duration subset Cloudflare uses ("8760h", "60m", "1h30m", "300ms", "1.5h");
// nullopt when malformed. "forever" is not a duration: test it first.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// The wait a rate-limited answer asks for: Retry-After (seconds or HTTP date),
// then `Ratelimit: "default";r=..;t=<s>`, then x-ratelimit-reset (seconds or epoch).
std::optional<std::chrono::seconds> retry_after_of(const http::Response& response, TimePoint now);

}  // namespace cfmon::cloudflare
