#include "api_errors.hpp"

#include "cfmon/enum_names.hpp"
#include "cfmon/printable.hpp"

namespace cfmon::cloudflare {

namespace {

constexpr EnumNames<ApiErrorKind, 12> kApiErrorNames{
    {"config_error", "api_unreachable", "api_timeout", "api_rate_limited", "api_unauthorized", "api_forbidden",
     "api_no_organization", "api_not_found", "api_bad_request", "api_server_error", "api_bad_response", "api_error"}};
static_assert(kApiErrorNames.ends_with(ApiErrorKind::api_error));

}  // namespace

std::string_view api_error_kind_name(ApiErrorKind kind) noexcept {
  return kApiErrorNames(kind, "api_error");
}

namespace internal {

ApiError make_api_error(ApiErrorKind kind, std::string message, long status) {
  ApiError e;
  e.kind = kind;
  e.message = std::move(message);
  e.http_status = status;
  return e;
}

std::string api_text(std::string_view message, const Secret& token) {
  return printable(redact(std::string(message), {&token}), 160);
}

ApiError map_api_errors(long status, std::vector<ApiMessage> errors, const Op& op, const Secret& token,
                        std::string_view account_id) {
  ApiError e;
  e.http_status = status;
  e.errors = std::move(errors);
  const std::string what = op.object.empty() ? "the object" : op.object;
  for (const auto& m : e.errors) {
    const std::string suffix = " (Cloudflare error " + std::to_string(m.code) +
                               (m.message.empty() ? "" : ": " + api_text(m.message, token)) + ")";
    switch (m.code) {
      case 10000:
        e.kind = ApiErrorKind::forbidden;
        e.message = "the API token lacks " + op.permission + suffix;
        return e;
      case 9109:
        e.kind = ApiErrorKind::unauthorized;
        e.message =
            "the API token is invalid or revoked, or not allowed on account " + std::string(account_id) + suffix;
        return e;
      case 1000:
        e.kind = ApiErrorKind::unauthorized;
        e.message = "invalid API token" + suffix;
        return e;
      case 9999:
        e.kind = ApiErrorKind::no_organization;
        e.message =
            "account " + std::string(account_id) + " has no Access organization (Zero Trust not set up)" + suffix;
        return e;
      case 7003:
        e.kind = ApiErrorKind::bad_request;
        e.message = "the API does not know this path: bad --api-url or account ID, or a malformed ID" + suffix;
        return e;
      case 12135:
      case 11021:
        e.kind = ApiErrorKind::not_found;
        e.message = what;
        e.message.append(" not found").append(suffix);
        return e;
      default:
        break;
    }
  }
  // No known code: classify by HTTP status, keep the API's first message.
  std::string detail;
  if (!e.errors.empty()) {
    detail = "Cloudflare error " + std::to_string(e.errors.front().code);
    if (!e.errors.front().message.empty()) detail += ": " + api_text(e.errors.front().message, token);
  } else {
    detail = "HTTP " + std::to_string(status);
  }
  if (status == 401) {
    e.kind = ApiErrorKind::unauthorized;
    e.message = "the API refused the API token (" + detail + ")";
  } else if (status == 403) {
    e.kind = ApiErrorKind::forbidden;
    e.message = "the API token is not allowed to do this; it needs " + op.permission + " (" + detail + ")";
  } else if (status == 404) {
    e.kind = ApiErrorKind::not_found;
    e.message = what + " not found (" + detail + ")";
  } else if (status >= 500) {
    e.kind = ApiErrorKind::server_error;
    e.message = "the Cloudflare API failed (" + detail + "); try again later";
  } else if (status == 400) {
    e.kind = ApiErrorKind::bad_request;
    e.message = "the API refused the request (" + detail + ")";
  } else {
    e.kind = ApiErrorKind::api_error;
    e.message = "the API reported an error (" + detail + ")";
  }
  return e;
}

std::vector<ApiMessage> parse_messages(const nlohmann::json& array) {
  std::vector<ApiMessage> out;
  if (!array.is_array()) return out;
  for (const auto& item : array) {
    if (!item.is_object()) continue;
    ApiMessage m;
    if (auto it = item.find("code"); it != item.end() && it->is_number_integer()) m.code = it->get<std::int64_t>();
    if (auto it = item.find("message"); it != item.end() && it->is_string()) m.message = it->get<std::string>();
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace internal
}  // namespace cfmon::cloudflare
