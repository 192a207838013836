#pragma once
// GraphQL answers through the on-disk API cache. Cloudflare's GraphQL budget is at most
// 320 queries per 5 minutes, by query cost (separate from the REST budget), and every login check
// would spend one per run: with a TTL, every check run with the same query and
// variables within it shares one answer. Same directory, scope rules and locking as
// ApiClient's cache (cloudflare_api.hpp); the query and variables are the key, so a
// caller wanting hits must send identical variables (e.g. a window end rounded to
// the TTL); a `until` variable off the TTL grid (a replay) is never cached. Everything
// but graphql() is passed through unchanged.
#include <memory>

#include "cfmon/cloudflare_api.hpp"

namespace cfmon::detail {
class CacheStore;
}

namespace cfmon::cloudflare {

class GraphqlCache final : public Api {
 public:
  // `settings.cache.ttl` 0 (or no directory): no caching, graphql() goes straight through.
  // `hooks`: wall_now (the cache's clock) and log; the rest is unused.
  GraphqlCache(Api& inner, const ApiSettings& settings, ApiHooks hooks = {});
  ~GraphqlCache() override;
  GraphqlCache(const GraphqlCache&) = delete;
  GraphqlCache& operator=(const GraphqlCache&) = delete;

  ApiResult<std::vector<ServiceTokenInfo>> list_service_tokens(const ListQuery& query) override {
    return inner_.list_service_tokens(query);
  }
  ApiResult<ServiceTokenInfo> get_service_token(std::string_view id) override { return inner_.get_service_token(id); }
  ApiResult<CreatedToken> create_service_token(std::string_view name, const std::optional<std::string>& duration) override {
    return inner_.create_service_token(name, duration);
  }
  ApiResult<ServiceTokenInfo> update_service_token(std::string_view id, const TokenUpdate& update) override {
    return inner_.update_service_token(id, update);
  }
  ApiResult<CreatedToken> rotate_service_token(std::string_view id,
                                               const std::optional<TimePoint>& previous_expires_at) override {
    return inner_.rotate_service_token(id, previous_expires_at);
  }
  ApiResult<ServiceTokenInfo> refresh_service_token(std::string_view id) override {
    return inner_.refresh_service_token(id);
  }
  ApiResult<ServiceTokenInfo> delete_service_token(std::string_view id) override { return inner_.delete_service_token(id); }
  ApiResult<nlohmann::json> graphql(std::string_view query, const nlohmann::json& variables) override;

  [[nodiscard]] std::size_t cache_hits() const noexcept { return hits_; }

 private:
  Api& inner_;
  std::unique_ptr<detail::CacheStore> cache_;
  std::chrono::milliseconds lock_budget_;
  std::optional<std::chrono::steady_clock::time_point> deadline_;  // the run's (settings.deadline)
  ApiHooks hooks_;
  std::size_t hits_ = 0;
};

}  // namespace cfmon::cloudflare
