#include "cfmon/graphql_cache.hpp"

#include <algorithm>

#include "cache_store.hpp"

namespace cfmon::cloudflare {
namespace {

// A window end off the TTL grid (a replay with --until) is asked once and never again:
// caching it would only leave a file behind. No `until` at all: cacheable.
bool on_ttl_grid(const nlohmann::json& variables, std::chrono::seconds ttl) {
  const auto it = variables.find("until");
  if (it == variables.end()) return true;
  if (!it->is_string()) return false;
  const auto until = parse_rfc3339(it->get_ref<const std::string&>());
  if (!until) return false;
  const auto since_epoch = until->time_since_epoch();
  return since_epoch % ttl == since_epoch.zero();
}

}  // namespace

GraphqlCache::GraphqlCache(Api& inner, const ApiSettings& settings, ApiHooks hooks)
    : inner_(inner), lock_budget_(settings.timeout), deadline_(settings.deadline), hooks_(std::move(hooks)) {
  if (!hooks_.wall_now) hooks_.wall_now = [] { return std::chrono::system_clock::now(); };
  if (settings.cache.ttl <= std::chrono::seconds::zero() || settings.cache.dir.empty()) return;
  cache_ = std::make_unique<detail::CacheStore>(settings.cache.dir, detail::cache_scope(settings, "graphql"),
                                                settings.cache.ttl);
}

GraphqlCache::~GraphqlCache() = default;

ApiResult<nlohmann::json> GraphqlCache::graphql(std::string_view query, const nlohmann::json& variables) {
  if (!cache_ || !on_ttl_grid(variables, cache_->ttl())) return inner_.graphql(query, variables);
  const std::string descriptor = "graphql " + detail::sha256_hex(std::string(query) + "\n" + variables.dump());
  detail::CacheHooks hooks{hooks_.wall_now,
                           [this](const std::string& line) {
                             if (hooks_.log) hooks_.log(line);
                           },
                           [this] { ++hits_; }};
  // Waiting for a concurrent run's answer never outlasts this run's budget.
  auto budget = lock_budget_;
  if (deadline_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - std::chrono::steady_clock::now());
    budget = std::clamp(left, std::chrono::milliseconds::zero(), budget);
  }
  return detail::read_through(*cache_, descriptor, budget, hooks,
                              [&] { return inner_.graphql(query, variables); });
}

}  // namespace cfmon::cloudflare
