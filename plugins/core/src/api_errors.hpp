#pragma once
// How the API client words its errors (internal): the known Cloudflare error codes and
// HTTP statuses mapped to one clear line each.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/secret.hpp"

namespace cfmon::cloudflare::internal {

ApiError make_api_error(ApiErrorKind kind, std::string message, long status = 0);

// What an operation is, for its error messages.
struct Op {
  std::string permission;  // "Access: Service Tokens Read"
  std::string object;      // "service token 1234…", "" for lists
  bool write = false;
};

// The API's own text, made safe for one printed line (the API token redacted).
std::string api_text(std::string_view message, const Secret& token);

// One clear line per known code; unknown codes keep the API's words.
ApiError map_api_errors(long status, std::vector<ApiMessage> errors, const Op& op, const Secret& token,
                        std::string_view account_id);

// The `errors` (or `messages`) array of an answer; anything but objects is skipped.
std::vector<ApiMessage> parse_messages(const nlohmann::json& array);

}  // namespace cfmon::cloudflare::internal
