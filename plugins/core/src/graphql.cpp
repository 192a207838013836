#include "api_client_impl.hpp"
#include "json_bounded.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;
using namespace internal;

}  // namespace

ApiResult<nlohmann::json> ApiClient::graphql(std::string_view query, const nlohmann::json& variables) {
  if (auto e = impl_->check_config()) return *e;
  const Json body = {{"query", std::string(query)}, {"variables", variables}};
  const Op op{"Account Analytics Read", "", false};
  auto response =
      impl_->transport.exchange("POST", impl_->transport.base() + "/graphql", body.dump(), impl_->transport.deadline());
  if (!response) return response.error();
  const long status = response->status;
  detail::JsonParse parsed = detail::JsonParse::invalid;
  Json json =
      response->body_truncated ? Json(Json::value_t::discarded) : detail::parse_json_bounded(response->body, &parsed);
  if (parsed == detail::JsonParse::too_deep) return Transport::too_deep_error(status);
  // GraphQL has its own shape ({data, errors}); failures before it (auth) use the v4 envelope.
  if (json.is_object() && json.contains("success") && json["success"].is_boolean() && !json.contains("data")) {
    auto env = impl_->transport.envelope_of(*response, op);
    if (!env) return env.error();
    return make_api_error(ApiErrorKind::bad_response, "the GraphQL answer has no data");
  }
  if (json.is_discarded() || !json.is_object()) {
    auto env = impl_->transport.envelope_of(*response, op);  // words the failure like any other
    if (!env) return env.error();
    return make_api_error(ApiErrorKind::bad_response, "the GraphQL answer is not a JSON object", status);
  }
  if (auto it = json.find("errors"); it != json.end() && it->is_array() && !it->empty()) {
    const Json& first = it->front();
    const auto said = first.is_object() ? first.find("message") : first.end();
    if (said != first.end() && !said->is_string()) {
      return make_api_error(ApiErrorKind::bad_response,
                            "the GraphQL answer's errors[0].message is " + json_type_text(*said) + ", not a string",
                            status);
    }
    const std::string message = said != first.end() ? said->get<std::string>() : std::string("unknown error");
    const std::string text = lower(message);
    ApiError e;
    e.http_status = status;
    e.errors = parse_messages(*it);
    if (text.find("not authorized") != std::string::npos || text.find("authz") != std::string::npos ||
        text.find("permission") != std::string::npos) {
      e.kind = ApiErrorKind::forbidden;
      e.message = "the API token lacks Account Analytics Read (GraphQL: " +
                  api_text(message, impl_->settings().credentials.api_token) + ")";
    } else {
      e.kind = ApiErrorKind::api_error;
      e.message = "the GraphQL query failed: " + api_text(message, impl_->settings().credentials.api_token);
    }
    return e;
  }
  if (status < 200 || status >= 300) {
    return map_api_errors(status, {}, op, impl_->settings().credentials.api_token,
                          impl_->settings().credentials.account_id);
  }
  auto data = json.find("data");
  if (data == json.end() || data->is_null()) {
    return make_api_error(ApiErrorKind::bad_response, "the GraphQL answer has no data", status);
  }
  return std::move(*data);
}

}  // namespace cfmon::cloudflare
