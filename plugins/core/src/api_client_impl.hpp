#pragma once
// ApiClient's state (internal), shared by its service token and GraphQL units.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "api_errors.hpp"
#include "api_transport.hpp"
#include "cfmon/cloudflare_api.hpp"
#include "read_cache.hpp"

namespace cfmon::cloudflare {

namespace internal {

// An id goes into a URL path: anything beyond these characters is refused
// before a request is sent (a '/' or '?' would silently address something else).
inline bool is_safe_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

}  // namespace internal

struct ApiClient::Impl {
  internal::Transport transport;
  internal::ReadCache cache;  // REST reads (list, get)

  Impl(http::Client& http, ApiSettings settings, ApiHooks hooks)
      : transport(http, std::move(settings), std::move(hooks)),
        cache(transport.settings(), "rest", transport.hooks()) {}

  [[nodiscard]] const ApiSettings& settings() const { return transport.settings(); }

  [[nodiscard]] std::optional<ApiError> check_config() const {
    if (auto e = validate_settings(settings())) return internal::make_api_error(ApiErrorKind::config, e->message);
    return std::nullopt;
  }

  // A successful write drops this scope's cached reads.
  void after_write() { cache.invalidate(); }

  [[nodiscard]] std::string tokens_path() const {
    return transport.base() + "/accounts/" + settings().credentials.account_id + "/access/service_tokens";
  }

  [[nodiscard]] std::string access_path() const {
    return transport.base() + "/accounts/" + settings().credentials.account_id + "/access";
  }

  [[nodiscard]] std::string tunnels_path() const {
    return transport.base() + "/accounts/" + settings().credentials.account_id + "/cfd_tunnel";
  }

  // One GET's `result`, through the read cache (keyed by `cache_key`).
  ApiResult<nlohmann::json> read_result(const std::string& cache_key, const std::string& url, const internal::Op& op) {
    const auto deadline = transport.deadline();
    return cache.read(cache_key, deadline, [&]() -> ApiResult<nlohmann::json> {
      auto env = transport.call("GET", url, "", op, deadline);
      if (!env) return env.error();
      return std::move(env->result);
    });
  }

  static internal::Op read_op(std::string object = {}) {
    return internal::Op{"Access: Service Tokens Read", std::move(object), false};
  }
  static internal::Op write_op(std::string object = {}) {
    return internal::Op{"Access: Service Tokens Write", std::move(object), true};
  }

  // Create and rotate: Cloudflare shows the new secret once. From a 2xx answer that
  // carries one it is taken before anything else is judged; whatever else is wrong with
  // the answer (envelope, metadata) becomes a warning, never a lost secret.
  ApiResult<CreatedToken> call_for_secret(const std::string& method, const std::string& url, const std::string& body,
                                          const internal::Op& op, const std::string& what);

  // Refresh and delete: the envelope says whether it happened; the token in the answer
  // is optional metadata (the schema requires none of it, the id included).
  ApiResult<ServiceTokenInfo> call_for_token(const std::string& method, const std::string& url, const std::string& body,
                                             std::string_view id);
};

}  // namespace cfmon::cloudflare
