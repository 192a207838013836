#pragma once
// Service tokens in and out of the API's JSON (internal): what a list keeps of each
// token, the secret of a create/rotate answer taken out first, metadata read leniently.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/http.hpp"
#include "cfmon/secret.hpp"
#include "cfmon/service_tokens.hpp"

namespace cfmon::cloudflare::internal {

// The fields of ServiceTokenInfo: all a list keeps of each token (the rest of a
// hostile page is dropped as soon as it is read).
nlohmann::json trimmed_token(nlohmann::json&& item);

// The secret of a create/rotate `result`, taken out of the JSON (its copy there is
// wiped). Only a non-empty string is a secret.
std::optional<Secret> take_client_secret(nlohmann::json& result);

// The `result` of a 2xx answer that carries a client_secret, read before anything else
// is judged. Parsed with bounded depth: nothing deeper than a token's own fields is kept.
std::optional<nlohmann::json> secret_bearing_result(const http::Response& response);

// An admin answer's token as optional metadata (no property is required by the schema):
// the list's parser (parse_service_token) reads it; what it could not read becomes a
// warning naming the field (never its value), since the secret is already safe.
ServiceTokenInfo token_metadata(const nlohmann::json& object, std::vector<std::string>& warnings);

// A single-token answer: any problem makes it unusable (bad_response).
ApiResult<ServiceTokenInfo> token_from(const nlohmann::json& result);

}  // namespace cfmon::cloudflare::internal
