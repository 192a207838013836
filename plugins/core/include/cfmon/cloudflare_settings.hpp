#pragma once
// How the Cloudflare API client is set up: where the API is, whose credentials, the
// budgets and bounds of one operation, the cache, the transport, and the injected clocks.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/credentials.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/secret.hpp"
#include "cfmon/time_text.hpp"

namespace cfmon::cloudflare {

using cfmon::TimePoint;

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

// Precedence, most explicit first (CredentialLookup, as for service tokens):
//   API token:  --api-token-file, then CF_API_TOKEN in --env-file, then the environment
//   account ID: --account-id, then CF_ACCOUNT_ID in --env-file, then the environment
// A missing part is an error naming every place looked; never one holding a value.
Expected<ApiCredentials> resolve_api_credentials(const ApiCredentialSources& sources, const EnvLookup& env,
                                                 std::vector<std::string>* warnings = nullptr);

// Where the cache goes without --cache-dir, most personal first; the first usable one
// holds it: $XDG_CACHE_HOME/cfmon, else $HOME/.cache/cfmon (when set and absolute); then,
// for a system daemon without a usable HOME (Debian's icinga2 and nagios4 units set none,
// zabbix's is /nonexistent), /var/cache/cfmon/<uid> (where an administrator made
// /var/cache/cfmon writable and sticky), then $TMPDIR/cfmon-<uid> (/tmp without TMPDIR).
std::vector<std::string> default_cache_dirs(const EnvLookup& env, unsigned uid);

// ---------------------------------------------------------------- settings

struct CacheSettings {
  std::chrono::seconds ttl{0};         // 0 = no cache
  std::string dir;                     // created 0700 when missing; must be ours, not group/world-writable
  std::vector<std::string> fallbacks;  // tried in order when `dir` is unusable (the defaults only)
  // http::trust_key of the client's transport: an answer fetched with -k, another
  // --ca-file or --resolve never serves a run that trusts its peer otherwise.
  std::string trust;
};

struct ApiSettings {
  std::string base_url = std::string(kDefaultApiUrl);  // no trailing slash needed
  ApiCredentials credentials;
  // Budget of one operation (all its pages and 429 waits), connect included.
  std::chrono::milliseconds timeout{10000};
  unsigned per_page = 100;   // 1..kMaxPerPage
  unsigned max_pages = 100;  // hard stop for a list that never ends
  std::size_t max_response_bytes = std::size_t{4} * 1024 * 1024;
  // A token list, all pages together: a few hundred bytes per token, so 8 MiB and
  // 10 000 tokens are far beyond any account, yet keep a hostile API from filling
  // memory page after page (only the fields of ServiceTokenInfo are kept).
  std::size_t max_list_bytes = std::size_t{8} * 1024 * 1024;
  std::size_t max_list_items = 10000;
  unsigned max_rate_limit_retries = 3;
  CacheSettings cache;
  // The budget of the whole run (-t): when set, no operation, page, 429 wait or cache
  // lock wait goes past it, whatever `timeout` says; on the hooks' steady clock.
  std::optional<std::chrono::steady_clock::time_point> deadline;
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
  // What the user must hear at any verbosity (stderr): the cache is off. Empty = silent.
  std::function<void(std::string_view)> warn;
};

// `hooks` with every empty clock and the sleep set to the real one.
ApiHooks with_defaults(ApiHooks hooks);

}  // namespace cfmon::cloudflare
