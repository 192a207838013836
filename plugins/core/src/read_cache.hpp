#pragma once
// The one read-through cache of the API client (internal), used by REST reads and
// GraphQL queries alike: a fresh entry of the on-disk store (cache_store.hpp), else,
// under the entry's lock so that concurrent misses ask the API once, the fetch, whose
// success is stored. Errors are never cached. Its clocks are the client's hooks.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "cfmon/cache_store.hpp"
#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/cloudflare_settings.hpp"

namespace cfmon::cloudflare::internal {

// The 16-character scope of a cache of `settings`: a hash of everything that decides
// whom an answer came from and how far it can be trusted (API URL, account, a hash of
// the API token, -k, --ca-file, --resolve); `purpose` separates the REST and GraphQL caches.
std::string cache_scope(const ApiSettings& settings, std::string_view purpose);

class ReadCache {
 public:
  using SteadyPoint = std::chrono::steady_clock::time_point;

  // Off when settings.cache has no TTL or no directory. `hooks` must have every clock set.
  ReadCache(const ApiSettings& settings, std::string_view purpose, const ApiHooks& hooks);

  [[nodiscard]] bool enabled() const { return store_.has_value(); }
  [[nodiscard]] std::chrono::seconds ttl() const { return store_ ? store_->ttl() : std::chrono::seconds::zero(); }
  [[nodiscard]] std::size_t hits() const noexcept { return hits_.load(); }

  // `fetch()` (an ApiResult<nlohmann::json>) runs only on a miss, or when the cache is off.
  // Waiting for a concurrent run's refresh never outlasts `deadline`.
  template <class Fetch>
  ApiResult<nlohmann::json> read(const std::string& request, SteadyPoint deadline, Fetch&& fetch) {
    if (!store_) return fetch();
    const auto budget = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - hooks_.steady_now()),
                                 std::chrono::milliseconds::zero());
    std::string problem;
    if (auto entry = store_->read(request, hooks_.wall_now(), &problem)) return hit(*entry, "cache hit: ", request);
    if (!problem.empty()) trouble(problem);
    if (!store_->usable()) return fetch();
    auto lock = store_->lock(request, budget, &problem);
    if (!lock) {
      log("cache: " + problem + "; asking the API directly");
      return fetch();
    }
    if (auto entry = store_->read(request, hooks_.wall_now(), &problem)) {
      return hit(*entry, "cache hit after waiting: ", request);
    }
    auto fresh = fetch();
    if (fresh && !store_->write(request, *fresh, hooks_.wall_now(), &problem)) log("cache: " + problem);
    return fresh;
  }

  // Drops every entry of this scope (after a write through the API).
  void invalidate();

 private:
  ApiResult<nlohmann::json> hit(nlohmann::json& data, const char* how, const std::string& request);
  void log(const std::string& line) const;
  // A cache problem: at -v; and once, at any verbosity, when it turns the cache off.
  void trouble(const std::string& problem);

  std::optional<cfmon::detail::CacheStore> store_;
  ApiHooks hooks_;
  std::atomic<std::size_t> hits_{0};
  std::atomic<bool> warned_{false};
};

}  // namespace cfmon::cloudflare::internal
