#pragma once
// The Cloudflare v4 REST API, as far as the checks and the admin CLI need it:
// service tokens (list, get, create, rotate, refresh, delete), a raw GraphQL
// query and tunnels (tunnels.hpp: list, connectors, ingress). Built on http::Client, one request at a time. Its parts:
// settings (cloudflare_settings.hpp), errors (cloudflare_errors.hpp), service tokens and their roles
// (service_tokens.hpp), GraphQL (below and graphql_cache.hpp).
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
#include <memory>
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cfmon/access_apps.hpp"
#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/cloudflare_settings.hpp"
#include "cfmon/http.hpp"
#include "cfmon/service_tokens.hpp"
#include "cfmon/time_text.hpp"
#include "cfmon/tunnels.hpp"

namespace cfmon::cloudflare {

using cfmon::format_rfc3339;
using cfmon::parse_go_duration;
using cfmon::parse_rfc3339;

// The rate-limit budget one answer announced: `Ratelimit: "default";r=<remaining>;t=<s>`
// (else x-ratelimit-remaining), with `Ratelimit-Policy: "burst";q=<quota>;w=<window s>`
// (else x-ratelimit-limit).
struct ApiBudget {
  long long remaining = 0;
  std::optional<long long> quota;
  std::optional<long long> window_seconds;
  friend bool operator==(const ApiBudget&, const ApiBudget&) = default;
};

// The budget of one answer; nullopt without a (well-formed) remaining count.
// Malformed headers are ignored.
std::optional<ApiBudget> budget_of(const http::Response& response);

// Keeps the lowest remaining count; quota and window from the answer that had it,
// else from the one seen before.
void merge_budget(std::optional<ApiBudget>& lowest, const ApiBudget& seen);

// Raw GraphQL queries: the logins check.
class GraphqlApi {
 public:
  virtual ~GraphqlApi() = default;
  // POST /graphql; returns `data`. A non-empty `errors` array is an error.
  virtual ApiResult<nlohmann::json> graphql(std::string_view query, const nlohmann::json& variables) = 0;
};

// The client: every role, over HTTP.
class ApiClient final : public TokenAdmin, public GraphqlApi, public AccessAppDirectory, public TunnelDirectory {
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
  ApiResult<CreatedToken> rotate_service_token(
      std::string_view id, const std::optional<TimePoint>& previous_client_secret_expires_at) override;
  ApiResult<ServiceTokenInfo> refresh_service_token(std::string_view id) override;
  ApiResult<ServiceTokenInfo> delete_service_token(std::string_view id) override;
  ApiResult<nlohmann::json> graphql(std::string_view query, const nlohmann::json& variables) override;
  ApiResult<std::vector<AccessAppInfo>> list_access_apps() override;
  ApiResult<std::vector<AccessPolicyInfo>> list_app_policies(std::string_view app_id) override;
  ApiResult<std::vector<TunnelInfo>> list_tunnels() override;
  ApiResult<std::vector<TunnelConnector>> tunnel_connectors(std::string_view tunnel_id) override;
  ApiResult<TunnelConfiguration> tunnel_configuration(std::string_view tunnel_id) override;

  // HTTP requests actually sent (cache hits excluded), for -v and tests.
  [[nodiscard]] std::size_t requests_sent() const noexcept;
  [[nodiscard]] std::size_t cache_hits() const noexcept;
  // What the answers of this run said about the rate-limit budget: the lowest
  // remaining count seen, with the quota and window when given. nullopt when no
  // answer carried the headers (cache hits carry none).
  [[nodiscard]] std::optional<ApiBudget> budget() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The wait a rate-limited answer asks for: Retry-After (seconds or HTTP date),
// then `Ratelimit: "default";r=..;t=<s>`, then x-ratelimit-reset (seconds or epoch).
std::optional<std::chrono::seconds> retry_after_of(const http::Response& response, TimePoint now);

}  // namespace cfmon::cloudflare
