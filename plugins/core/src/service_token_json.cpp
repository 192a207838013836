#include "service_token_json.hpp"

#include <array>

#include "api_errors.hpp"
#include "api_transport.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;

// The Go zero time (0001-01-01) and the epoch are no real instants: placeholders.
bool placeholder_time(TimePoint t) {
  return t <= TimePoint{} + std::chrono::seconds{86400};
}

}  // namespace

std::string json_type_text(const nlohmann::json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "a number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "not a JSON value";
  }
}

Expected<ServiceTokenInfo> parse_service_token(const nlohmann::json& object) {
  if (!object.is_object()) {
    return make_error("a service token in the answer is " + json_type_text(object) + ", not a JSON object");
  }
  ServiceTokenInfo info;
  const auto wrong_type = [&](const char* key, const Json& value, const char* expected) {
    info.problems.push_back("'" + std::string(key) + "' is " + json_type_text(value) + ", not " + expected);
  };
  // Absent, null or "": not given. Anything but a string: a problem.
  const auto text = [&](const char* key) -> std::string {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return {};
    if (!it->is_string()) {
      wrong_type(key, *it, "a string");
      return {};
    }
    return it->get<std::string>();
  };
  // The raw text of a time field, and the instant it names (nullopt: not given or malformed).
  std::string raw_time;
  const auto time = [&](const char* key) -> std::optional<TimePoint> {
    raw_time = text(key);
    if (raw_time.empty()) return std::nullopt;
    auto t = parse_rfc3339(raw_time);
    // Not quoted: a problem line never repeats free text of the answer (it could echo a secret).
    if (!t) info.problems.push_back("'" + std::string(key) + "' is not an RFC 3339 time");
    return t;
  };
  info.id = text("id");
  info.client_id = text("client_id");
  info.name = text("name");
  info.duration = text("duration");
  if (auto t = time("expires_at")) {
    if (!placeholder_time(*t)) {
      info.expires_at = t;
    } else if (info.duration != "forever") {
      // 0001-01-01 or 1970-01-01 may stand for "never", but only a duration of
      // "forever" says so: otherwise the answer contradicts itself. (The date parsed: only
      // digits and separators, safe to repeat.)
      info.problems.push_back("'expires_at' " + raw_time + " is no real expiry, yet 'duration' is " +
                              (info.duration.empty() ? "absent" : "not 'forever'"));
    }
  }
  if (auto t = time("last_seen_at"); t && !placeholder_time(*t)) info.last_seen_at = t;  // placeholder: never used
  if (auto t = time("created_at"); t && !placeholder_time(*t)) info.created_at = t;
  if (auto t = time("updated_at"); t && !placeholder_time(*t)) info.updated_at = t;
  if (const auto it = object.find("enabled"); it != object.end()) {
    // "false" or null must not read as enabled: only a boolean says.
    if (it->is_boolean()) {
      info.enabled = it->get<bool>();
    } else {
      wrong_type("enabled", *it, "a boolean");
    }
  }
  return info;
}

namespace internal {

// The fields of ServiceTokenInfo.
constexpr std::array<const char*, 9> kTokenFields = {
    "id", "client_id", "name", "duration", "expires_at", "created_at", "updated_at", "last_seen_at", "enabled"};

Json trimmed_token(Json&& item) {
  if (!item.is_object()) return Json(item.type());  // its type is all a message needs
  Json out = Json::object();
  for (const char* key : kTokenFields) {
    if (auto it = item.find(key); it != item.end()) out[key] = std::move(*it);
  }
  return out;
}

std::optional<Secret> take_client_secret(Json& result) {
  if (!result.is_object()) return std::nullopt;
  const auto it = result.find("client_secret");
  if (it == result.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return std::nullopt;
  Secret secret(it->get<std::string>());
  wipe(it->get_ref<std::string&>());
  return secret;
}

std::optional<Json> secret_bearing_result(const http::Response& response) {
  if (response.status < 200 || response.status >= 300 || response.body_truncated) return std::nullopt;
  Json json = Json::parse(
      response.body, [](int depth, Json::parse_event_t, Json&) { return depth <= 2; }, false);
  if (!json.is_object()) return std::nullopt;
  const auto it = json.find("result");
  if (it == json.end() || !it->is_object()) return std::nullopt;
  const auto secret = it->find("client_secret");
  if (secret == it->end() || !secret->is_string() || secret->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return std::move(*it);
}

ServiceTokenInfo token_metadata(const Json& object, std::vector<std::string>& warnings) {
  if (!object.is_object()) {
    if (!object.is_null()) warnings.emplace_back("the answer's result is not a JSON object; ignored");
    return {};
  }
  auto parsed = parse_service_token(object);
  if (!parsed) {
    warnings.push_back(parsed.error().message + "; ignored");
    return {};
  }
  for (auto& problem : parsed->problems) warnings.push_back("the answer's " + problem + "; ignored");
  parsed->problems.clear();
  return std::move(*parsed);
}

ApiResult<ServiceTokenInfo> token_from(const Json& result) {
  auto info = parse_service_token(result);
  if (!info) return make_api_error(ApiErrorKind::bad_response, "the API answer is unusable: " + info.error().message);
  if (!info->problems.empty()) {
    return make_api_error(ApiErrorKind::bad_response, "the API answer is unusable: " + info->problems.front());
  }
  return std::move(*info);
}

}  // namespace internal
}  // namespace cfmon::cloudflare
