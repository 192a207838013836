#include "api_errors.hpp"

#include <array>
#include <cstdint>
#include <string>

#include "cfmon/printable.hpp"
#include "cfmon/tables.hpp"

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

namespace {

// The Cloudflare error codes whose meaning we know, and the sentence each becomes
// (`what` names the object of the call, `account` the account ID).
struct KnownCode {
  std::int64_t code;
  ApiErrorKind kind;
  std::string (*text)(const Op& op, const std::string& what, std::string_view account);
};

constexpr std::array<KnownCode, 7> kKnownCodes{{
    {10000, ApiErrorKind::forbidden,
     [](const Op& op, const std::string&, std::string_view) { return "the API token lacks " + op.permission; }},
    {9109, ApiErrorKind::unauthorized,
     [](const Op&, const std::string&, std::string_view account) {
       return "the API token is invalid or revoked, or not allowed on account " + std::string(account);
     }},
    {1000, ApiErrorKind::unauthorized,
     [](const Op&, const std::string&, std::string_view) { return std::string("invalid API token"); }},
    {9999, ApiErrorKind::no_organization,
     [](const Op&, const std::string&, std::string_view account) {
       return "account " + std::string(account) + " has no Access organization (Zero Trust not set up)";
     }},
    {7003, ApiErrorKind::bad_request,
     [](const Op&, const std::string&, std::string_view) {
       return std::string("the API does not know this path: bad --api-url or account ID, or a malformed ID");
     }},
    {12135, ApiErrorKind::not_found,
     [](const Op&, const std::string& what, std::string_view) { return what + " not found"; }},
    {11021, ApiErrorKind::not_found,
     [](const Op&, const std::string& what, std::string_view) { return what + " not found"; }},
}};

// Without a known code, the HTTP status decides; `detail` is the API's first message.
struct KnownStatus {
  long status;
  ApiErrorKind kind;
  std::string (*text)(const Op& op, const std::string& what, const std::string& detail);
};

constexpr std::array<KnownStatus, 4> kKnownStatuses{{
    {401, ApiErrorKind::unauthorized,
     [](const Op&, const std::string&, const std::string& detail) {
       return "the API refused the API token (" + detail + ")";
     }},
    {403, ApiErrorKind::forbidden,
     [](const Op& op, const std::string&, const std::string& detail) {
       return "the API token is not allowed to do this; it needs " + op.permission + " (" + detail + ")";
     }},
    {404, ApiErrorKind::not_found,
     [](const Op&, const std::string& what, const std::string& detail) {
       return what + " not found (" + detail + ")";
     }},
    {400, ApiErrorKind::bad_request,
     [](const Op&, const std::string&, const std::string& detail) {
       return "the API refused the request (" + detail + ")";
     }},
}};

}  // namespace

ApiError map_api_errors(long status, std::vector<ApiMessage> errors, const Op& op, const Secret& token,
                        std::string_view account_id) {
  ApiError e;
  e.http_status = status;
  e.errors = std::move(errors);
  const std::string what = op.object.empty() ? "the object" : op.object;
  for (const auto& m : e.errors) {
    for (const auto& known : kKnownCodes) {
      if (known.code != m.code) continue;
      e.kind = known.kind;
      e.message = known.text(op, what, account_id) + " (Cloudflare error " + std::to_string(m.code) +
                  (m.message.empty() ? "" : ": " + api_text(m.message, token)) + ")";
      return e;
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
  if (status >= 500) {
    e.kind = ApiErrorKind::server_error;
    e.message = "the Cloudflare API failed (" + detail + "); try again later";
    return e;
  }
  for (const auto& known : kKnownStatuses) {
    if (known.status != status) continue;
    e.kind = known.kind;
    e.message = known.text(op, what, detail);
    return e;
  }
  e.kind = ApiErrorKind::api_error;
  e.message = "the API reported an error (" + detail + ")";
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
