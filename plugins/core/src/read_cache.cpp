#include "read_cache.hpp"

namespace cfmon::cloudflare::internal {

std::string cache_scope(const ApiSettings& settings, std::string_view purpose) {
  using cfmon::detail::sha256_hex;
  std::string base = settings.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  // The API token only by hash: it never reaches the disk, and two tokens never share.
  std::string key = base + "\n" + settings.credentials.account_id + "\n" +
                    sha256_hex(settings.credentials.api_token.reveal()) + "\n" + std::string(purpose);
  // What decides whom the answer came from and whether it was verified.
  key += settings.cache.trust;
  return sha256_hex(key, cfmon::detail::kScopeChars);
}

ReadCache::ReadCache(const ApiSettings& settings, std::string_view purpose, const ApiHooks& hooks) : hooks_(hooks) {
  if (settings.cache.ttl > std::chrono::seconds::zero() && !settings.cache.dir.empty()) {
    // Scope: one API, one account, one API token, one way of trusting the answer.
    std::vector<std::string> dirs{settings.cache.dir};
    dirs.insert(dirs.end(), settings.cache.fallbacks.begin(), settings.cache.fallbacks.end());
    store_.emplace(std::move(dirs), cache_scope(settings, purpose), settings.cache.ttl);
  }
}

void ReadCache::invalidate() {
  if (!store_) return;
  std::string problem;
  if (!store_->invalidate_scope(&problem)) log("cache: " + problem);
}

ApiResult<nlohmann::json> ReadCache::hit(nlohmann::json& data, const char* how, const std::string& request) {
  ++hits_;
  log(std::string(how) + request);
  return std::move(data);
}

void ReadCache::trouble(const std::string& problem) {
  log("cache: " + problem);
  if (!store_->usable() && hooks_.warn && !warned_.exchange(true)) {
    hooks_.warn("API cache off, every run asks the API: " + problem);
  }
}

void ReadCache::log(const std::string& line) const {
  if (hooks_.log) hooks_.log(line);
}

}  // namespace cfmon::cloudflare::internal
