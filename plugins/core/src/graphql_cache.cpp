#include "cfmon/graphql_cache.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>

#include "cache_store.hpp"

namespace cfmon::cloudflare {
namespace {

std::string sha256_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr) != 1) return {};
  std::string hex;
  char buffer[3];
  for (unsigned int i = 0; i < size; ++i) {
    std::snprintf(buffer, sizeof buffer, "%02x", digest[i]);
    hex += buffer;
  }
  return hex;
}

}  // namespace

GraphqlCache::GraphqlCache(Api& inner, const ApiSettings& settings, std::function<void(std::string_view)> log)
    : inner_(inner), lock_budget_(settings.timeout), deadline_(settings.deadline), log_(std::move(log)) {
  if (settings.cache.ttl <= std::chrono::seconds::zero() || settings.cache.dir.empty()) return;
  std::string base = settings.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  // The API token only by hash: it never reaches the disk, and two tokens never share.
  const std::string scope = sha256_hex(base + "\n" + settings.credentials.account_id + "\n" +
                                       sha256_hex(settings.credentials.api_token.reveal()) + "\ngraphql");
  cache_ = std::make_unique<detail::CacheStore>(settings.cache.dir, scope.substr(0, 16), settings.cache.ttl);
}

GraphqlCache::~GraphqlCache() = default;

ApiResult<nlohmann::json> GraphqlCache::graphql(std::string_view query, const nlohmann::json& variables) {
  if (!cache_) return inner_.graphql(query, variables);
  const std::string descriptor = "graphql " + sha256_hex(std::string(query) + "\n" + variables.dump());
  auto log = [&](const std::string& line) {
    if (log_) log_(line);
  };
  std::string problem;
  if (auto hit = cache_->read(descriptor, std::chrono::system_clock::now(), &problem)) {
    ++hits_;
    log("cache hit: " + descriptor);
    return std::move(*hit);
  }
  if (!problem.empty()) log("cache: " + problem);
  // One process asks, concurrent ones wait for its answer.
  auto budget = lock_budget_;
  if (deadline_) {
    budget = std::min(budget, std::chrono::duration_cast<std::chrono::milliseconds>(*deadline_ - std::chrono::steady_clock::now()));
    budget = std::max(budget, std::chrono::milliseconds::zero());
  }
  auto lock = cache_->lock(descriptor, budget, &problem);
  if (lock) {
    if (auto hit = cache_->read(descriptor, std::chrono::system_clock::now(), &problem)) {
      ++hits_;
      log("cache hit after waiting: " + descriptor);
      return std::move(*hit);
    }
  } else {
    log("cache: " + problem + "; asking the API directly");
  }
  auto fresh = inner_.graphql(query, variables);
  // Errors are not cached: the next run asks again.
  if (fresh && !cache_->write(descriptor, *fresh, std::chrono::system_clock::now(), &problem)) log("cache: " + problem);
  return fresh;
}

}  // namespace cfmon::cloudflare
