#include "cfmon/graphql_cache.hpp"

#include <algorithm>

#include "cfmon/cache_store.hpp"
#include "read_cache.hpp"

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

GraphqlCache::GraphqlCache(GraphqlApi& inner, const ApiSettings& settings, ApiHooks hooks)
    : inner_(inner),
      hooks_(with_defaults(std::move(hooks))),
      timeout_(settings.timeout),
      deadline_(settings.deadline),
      cache_(std::make_unique<internal::ReadCache>(settings, "graphql", hooks_)) {}

GraphqlCache::~GraphqlCache() = default;

std::size_t GraphqlCache::cache_hits() const noexcept {
  return cache_->hits();
}

ApiResult<nlohmann::json> GraphqlCache::graphql(std::string_view query, const nlohmann::json& variables) {
  if (!cache_->enabled() || !on_ttl_grid(variables, cache_->ttl())) return inner_.graphql(query, variables);
  const std::string request = "graphql " + detail::sha256_hex(std::string(query) + "\n" + variables.dump());
  const auto own = hooks_.steady_now() + timeout_;
  const auto deadline = deadline_ ? std::min(own, *deadline_) : own;
  return cache_->read(request, deadline, [&] { return inner_.graphql(query, variables); });
}

}  // namespace cfmon::cloudflare
