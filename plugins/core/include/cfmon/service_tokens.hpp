#pragma once
// Access service tokens as the API describes them, and the two roles that use them:
// a directory to read (checks) and an admin to change them (cf-service-token).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/expected.hpp"
#include "cfmon/secret.hpp"
#include "cfmon/time_text.hpp"

namespace cfmon::cloudflare {

struct ServiceTokenInfo {
  std::string id;         // UUID
  std::string client_id;  // "<32 hex>.access"
  std::string name;
  std::string duration;                 // Go duration ("8760h") or "forever"; may be empty when absent
  std::optional<TimePoint> expires_at;  // absent: no expiry known (e.g. forever)
  std::optional<TimePoint> created_at;
  std::optional<TimePoint> updated_at;
  std::optional<TimePoint> last_seen_at;  // absent or null: never used
  bool enabled = true;                    // absent in older responses: enabled
  // Why this token's part of the answer cannot be trusted (a field of the wrong type,
  // a malformed or contradictory date), one plain line each, naming the field. Every
  // field is optional (the schema requires none): absent is not a problem. A list keeps
  // such tokens, so a check reports them and still judges the others; single-token
  // answers with a problem are an error (bad_response).
  std::vector<std::string> problems;
};

// Create and rotate are the only answers carrying the secret: persist it first.
// No property of these answers is required by Cloudflare's schema: a 2xx answer with
// a client_secret is a success whatever else it holds. `info` has what could be read
// (client_id may be empty: the rotated token's is unchanged; create/rotate answers
// never hold expires_at); `warnings` name what could not (one line each, no secret).
struct CreatedToken {
  ServiceTokenInfo info;
  Secret client_secret;
  std::vector<std::string> warnings;
};

struct ListQuery {
  std::string name;    // exact-name filter (?name=), empty = none
  std::string search;  // substring filter (?search=), empty = none
};

// Reading service tokens: what the checks (and token selection) use; tests fake it.
class TokenDirectory {
 public:
  virtual ~TokenDirectory() = default;
  virtual ApiResult<std::vector<ServiceTokenInfo>> list_service_tokens(const ListQuery& query) = 0;
  virtual ApiResult<ServiceTokenInfo> get_service_token(std::string_view id) = 0;
};

// Changing service tokens: cf-service-token. Every change starts by finding the token,
// so an admin is a directory too.
class TokenAdmin : public TokenDirectory {
 public:
  // duration: nullopt = the API's default (8760h).
  virtual ApiResult<CreatedToken> create_service_token(std::string_view name,
                                                       const std::optional<std::string>& duration) = 0;
  // Without previous_client_secret_expires_at the old secret stops working at once.
  virtual ApiResult<CreatedToken> rotate_service_token(
      std::string_view id, const std::optional<TimePoint>& previous_client_secret_expires_at) = 0;
  // Refresh and delete answers may hold only the id: every other field can be empty.
  virtual ApiResult<ServiceTokenInfo> refresh_service_token(std::string_view id) = 0;
  // Returns the deleted token.
  virtual ApiResult<ServiceTokenInfo> delete_service_token(std::string_view id) = 0;
};

// Parses a service token object of the API. Every field is optional; a field of the
// wrong type or a malformed or contradictory date goes to `problems`. Error only when
// `object` is not a JSON object.
Expected<ServiceTokenInfo> parse_service_token(const nlohmann::json& object);

// What a JSON value is, for a line naming a field of the wrong type: "null", "a number",
// "a string", "an array", ...
std::string json_type_text(const nlohmann::json& value);

}  // namespace cfmon::cloudflare
