#pragma once
// The contract test's validator: Cloudflare's published OpenAPI schema (the excerpt in
// cloudflare-service-tokens.openapi.yaml, with its source commit in its header) read
// with yaml-cpp, and every request and answer checked against it.
//
// Stricter than OpenAPI on one point, on purpose: an object whose schema lists
// `properties` may hold only those (as if additionalProperties were false). Since no
// response property is `required`, that is what makes a renamed field fail on either
// side: `client_secret` sent back as `clientSecret`, or `duration` sent as `durations`.
//
// Checked: path templates and methods; path and query parameters (declared names only,
// types, maxLength, maximum); the security header; a request body only where one is
// declared (refresh declares none), JSON, closed objects; answer status against the
// declared ones (exact, then 4XX/5XX), JSON content type, the body against its schema:
// type, nullable, enum, required, maxLength/minLength, minimum/maximum, date-time format,
// items, allOf and $ref. Not checked: uniqueItems, example/default values.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace cfmon::contract {

using Headers = std::vector<std::pair<std::string, std::string>>;

// Percent-decoding of a query or path part ('+' is a space); the emulator uses it too.
std::string url_decode(std::string_view text);
// "/a//b/c" -> {"a", "b", "c"}; views into `path`.
std::vector<std::string_view> path_segments(std::string_view path);

class Contract {
 public:
  // Throws std::runtime_error naming the file or the YAML problem.
  static Contract load_file(const std::string& path);
  static Contract from_yaml(const std::string& text);

  // True when `target` (path and query as sent, e.g. "/client/v4/accounts/…?page=1")
  // is one of the schema's paths: the others (GraphQL, test controls) are not its business.
  [[nodiscard]] bool covers(std::string_view target) const;

  // One line per violation; empty: the request conforms.
  [[nodiscard]] std::vector<std::string> check_request(std::string_view method, std::string_view target,
                                                       const Headers& headers, const std::string& body) const;
  [[nodiscard]] std::vector<std::string> check_response(std::string_view method, std::string_view target, int status,
                                                        const Headers& headers, const std::string& body) const;

  // `value` against a schema object of the document (a $ref is followed); `where`
  // prefixes each line.
  [[nodiscard]] std::vector<std::string> validate(const nlohmann::json& value, const nlohmann::json& schema,
                                                  const std::string& where) const;
  // The schema at "#/components/schemas/<name>".
  [[nodiscard]] const nlohmann::json& schema(const std::string& name) const;

 private:
  struct Match {
    const nlohmann::json* path_item = nullptr;
    std::vector<std::pair<std::string, std::string>> params;  // path parameters by name
  };
  explicit Contract(nlohmann::json document);
  [[nodiscard]] Match match(std::string_view path) const;
  [[nodiscard]] const nlohmann::json& resolve(const nlohmann::json& node) const;
  void flatten(const nlohmann::json& schema, std::vector<const nlohmann::json*>& out) const;
  // An application/json body (if `content` declares one): content type, JSON, schema.
  void check_json_body(const nlohmann::json& content, const Headers& headers, const std::string& body,
                       const std::string& where, std::vector<std::string>& problems) const;
  void check(const nlohmann::json& value, const std::vector<const nlohmann::json*>& schemas, const std::string& where,
             std::vector<std::string>& problems) const;

  nlohmann::json doc_;
  std::string base_path_;  // "/client/v4", from servers[0].url
};

}  // namespace cfmon::contract
