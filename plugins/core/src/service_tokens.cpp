#include <algorithm>

#include "api_client_impl.hpp"
#include "cfmon/printable.hpp"
#include "cfmon/text_util.hpp"
#include "service_token_json.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;
using namespace internal;

// A malformed id, refused before a request is sent.
std::optional<ApiError> refuse_id(std::string_view id) {
  if (is_safe_id(id)) return std::nullopt;
  return make_api_error(ApiErrorKind::bad_request, "malformed service token ID '" + detail::printable(id) + "'");
}

std::string short_object(std::string_view id) {
  return "service token " + detail::printable(id, 64);
}

constexpr ListWords kTokenListWords{"service token list", "token list", "tokens", "service tokens"};

}  // namespace

ApiResult<CreatedToken> ApiClient::Impl::call_for_secret(const std::string& method, const std::string& url,
                                                         const std::string& body, const Op& op,
                                                         const std::string& what) {
  auto response = transport.exchange(method, url, body, transport.deadline());
  if (!response) return response.error();
  std::optional<CreatedToken> created;
  if (auto result = secret_bearing_result(*response)) {
    created.emplace();
    created->client_secret = *take_client_secret(*result);
    created->info = token_metadata(*result, created->warnings);
  }
  auto env = transport.envelope_of(*response, op);
  wipe(response->body);
  if (env) (void)take_client_secret(env->result);  // wipes the envelope's copy
  if (!created) {
    if (!env) return env.error();
    after_write();
    std::string message = "the " + what + " answer carries no client_secret";
    if (what == "rotate") message += ": if Cloudflare rotated, the new secret is unknown; rotate again";
    return make_api_error(ApiErrorKind::bad_response, message, response->status);
  }
  after_write();
  if (!env) {
    // The API's own words may quote anything, the secret too.
    std::string why = redact("the " + what + " answer is not a proper API answer (" + env.error().message +
                                 "), but it carries the new secret: kept",
                             {&created->client_secret});
    created->warnings.insert(created->warnings.begin(), std::move(why));
  }
  return std::move(*created);
}

ApiResult<ServiceTokenInfo> ApiClient::Impl::call_for_token(const std::string& method, const std::string& url,
                                                            const std::string& body, std::string_view id) {
  auto env =
      transport.call(method, url, body, write_op("service token " + detail::printable(id, 64)), transport.deadline());
  if (!env) return env.error();
  after_write();
  std::vector<std::string> warnings;
  ServiceTokenInfo info = token_metadata(env->result, warnings);
  for (const auto& w : warnings) transport.log(w);
  if (info.id.empty()) info.id = std::string(id);
  return info;
}

ApiClient::ApiClient(http::Client& http, ApiSettings settings, ApiHooks hooks)
    : impl_(std::make_unique<Impl>(http, std::move(settings), std::move(hooks))) {}

ApiClient::~ApiClient() = default;

std::size_t ApiClient::requests_sent() const noexcept {
  return impl_->transport.sent();
}
std::size_t ApiClient::cache_hits() const noexcept {
  return impl_->cache.hits();
}
std::optional<ApiBudget> ApiClient::budget() const {
  return impl_->transport.budget();
}

ApiResult<std::vector<ServiceTokenInfo>> ApiClient::list_service_tokens(const ListQuery& query) {
  if (auto e = impl_->check_config()) return *e;
  const auto deadline = impl_->transport.deadline();
  const std::string descriptor = "list service_tokens name=" + query.name + " search=" + query.search +
                                 " per_page=" + std::to_string(impl_->settings().per_page);
  std::string filters;
  if (!query.name.empty()) filters += "&name=" + url_encode(query.name);
  if (!query.search.empty()) filters += "&search=" + url_encode(query.search);
  auto raw = impl_->cache.read(descriptor, deadline, [&] {
    return impl_->transport.list_all(impl_->tokens_path(), filters, Impl::read_op(), deadline, kTokenListWords,
                                     [](Json&& item) { return trimmed_token(std::move(item)); });
  });
  if (!raw) return raw.error();
  if (!raw->is_array()) return make_api_error(ApiErrorKind::bad_response, "the service token list is not an array");
  // A malformed token stays in the list with its problems: the caller reports it and
  // still judges the others.
  std::vector<ServiceTokenInfo> tokens;
  for (const auto& item : *raw) {
    auto info = parse_service_token(item);
    if (!info) {
      ServiceTokenInfo unreadable;
      unreadable.problems.push_back(info.error().message);
      tokens.push_back(std::move(unreadable));
      continue;
    }
    tokens.push_back(std::move(*info));
  }
  return tokens;
}

ApiResult<ServiceTokenInfo> ApiClient::get_service_token(std::string_view id) {
  if (auto e = impl_->check_config()) return *e;
  if (auto e = refuse_id(id)) return *e;
  const auto deadline = impl_->transport.deadline();
  const std::string url = impl_->tokens_path() + "/" + std::string(id);
  auto raw = impl_->cache.read("get service_token " + std::string(id), deadline, [&]() -> ApiResult<Json> {
    auto env = impl_->transport.call("GET", url, "", Impl::read_op(short_object(id)), deadline);
    if (!env) return env.error();
    return std::move(env->result);
  });
  if (!raw) return raw.error();
  return token_from(*raw);
}

ApiResult<CreatedToken> ApiClient::create_service_token(std::string_view name,
                                                        const std::optional<std::string>& duration) {
  if (auto e = impl_->check_config()) return *e;
  if (name.empty()) return make_api_error(ApiErrorKind::bad_request, "a service token needs a name");
  Json body = {{"name", std::string(name)}};
  if (duration) body["duration"] = *duration;
  return impl_->call_for_secret("POST", impl_->tokens_path(), body.dump(),
                                Impl::write_op("service token '" + detail::printable(name) + "'"), "create");
}

ApiResult<CreatedToken> ApiClient::rotate_service_token(
    std::string_view id, const std::optional<TimePoint>& previous_client_secret_expires_at) {
  if (auto e = impl_->check_config()) return *e;
  if (auto e = refuse_id(id)) return *e;
  Json body = Json::object();
  if (previous_client_secret_expires_at) {
    body["previous_client_secret_expires_at"] = format_rfc3339(*previous_client_secret_expires_at);
  }
  return impl_->call_for_secret("POST", impl_->tokens_path() + "/" + std::string(id) + "/rotate", body.dump(),
                                Impl::write_op(short_object(id)), "rotate");
}

ApiResult<ServiceTokenInfo> ApiClient::refresh_service_token(std::string_view id) {
  if (auto e = impl_->check_config()) return *e;
  if (auto e = refuse_id(id)) return *e;
  // The schema declares no request body for refresh (a schema mock answers 415 to "{}").
  return impl_->call_for_token("POST", impl_->tokens_path() + "/" + std::string(id) + "/refresh", "", id);
}

ApiResult<ServiceTokenInfo> ApiClient::delete_service_token(std::string_view id) {
  if (auto e = impl_->check_config()) return *e;
  if (auto e = refuse_id(id)) return *e;
  return impl_->call_for_token("DELETE", impl_->tokens_path() + "/" + std::string(id), "", id);
}

}  // namespace cfmon::cloudflare
