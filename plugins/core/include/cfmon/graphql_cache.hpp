#pragma once
// GraphQL answers through the on-disk API cache. Cloudflare's GraphQL budget is at most
// 320 queries per 5 minutes, by query cost (separate from the REST budget), and every login check
// would spend one per run: with a TTL, every check run with the same query and
// variables within it shares one answer. The same read-through cache as ApiClient's REST
// reads (same directory, scope rules and locking, its own scope); the query and variables
// are the key, so a caller wanting hits must send identical variables (e.g. a window end
// rounded to the TTL); a `until` variable off the TTL grid (a replay) is never cached.
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>

#include "cfmon/cloudflare_api.hpp"

namespace cfmon::cloudflare {

namespace internal {
class ReadCache;
}

class GraphqlCache final : public GraphqlApi {
 public:
  // `settings.cache.ttl` 0 (or no directory): no caching, graphql() goes straight through.
  // `hooks`: the clocks and log of the cache; sleep is unused.
  GraphqlCache(GraphqlApi& inner, const ApiSettings& settings, ApiHooks hooks = {});
  ~GraphqlCache() override;
  GraphqlCache(const GraphqlCache&) = delete;
  GraphqlCache& operator=(const GraphqlCache&) = delete;

  ApiResult<nlohmann::json> graphql(std::string_view query, const nlohmann::json& variables) override;

  [[nodiscard]] std::size_t cache_hits() const noexcept;

 private:
  GraphqlApi& inner_;
  ApiHooks hooks_;
  std::chrono::milliseconds timeout_;                              // one query's budget (settings.timeout)
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // the run's (settings.deadline)
  std::unique_ptr<internal::ReadCache> cache_;
};

}  // namespace cfmon::cloudflare
