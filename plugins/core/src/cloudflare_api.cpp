#include "cfmon/cloudflare_api.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <set>
#include <thread>

#include "cache_store.hpp"
#include "cfmon/dotenv.hpp"
#include "json_bounded.hpp"
#include "text_util.hpp"

namespace cfmon::cloudflare {
namespace {

using SteadyPoint = std::chrono::steady_clock::time_point;
using Json = nlohmann::json;

// A budget as people write it: "10", "2.5".
std::string budget_text(std::chrono::milliseconds budget) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", std::chrono::duration<double>(budget).count());
  return buffer;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string seconds_text(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", s);
  return buffer;
}

// Reads exactly `width` digits at text[pos]; advances pos.
std::optional<int> read_fixed_number(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect_char(std::string_view text, std::size_t& pos, char lower_or_symbol) {
  if (pos >= text.size()) return false;
  const auto c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos])));
  if (c != lower_or_symbol) return false;
  ++pos;
  return true;
}

// Percent-encodes a query value (RFC 3986 unreserved characters stay).
std::string url_encode(std::string_view s) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 0x0f];
    }
  }
  return out;
}

// An id goes into a URL path: anything beyond these characters is refused
// before a request is sent (a '/' or '?' would silently address something else).
bool is_safe_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.';
  });
}

ApiError make_api_error(ApiErrorKind kind, std::string message, long status = 0) {
  ApiError e;
  e.kind = kind;
  e.message = std::move(message);
  e.http_status = status;
  return e;
}

// What an operation is, for its error messages.
struct Op {
  std::string permission;  // "Access: Service Tokens Read"
  std::string object;      // "service token 1234…", "" for lists
  bool write = false;
};

// The API's own text, made safe for one printed line.
std::string api_text(std::string_view message, const Secret& token) {
  return detail::printable(redact(std::string(message), {&token}), 160);
}

// One clear line per known code; unknown codes keep the API's words.
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
        e.message = "the API token is invalid or revoked, or not allowed on account " + std::string(account_id) + suffix;
        return e;
      case 1000:
        e.kind = ApiErrorKind::unauthorized;
        e.message = "invalid API token" + suffix;
        return e;
      case 9999:
        e.kind = ApiErrorKind::no_organization;
        e.message = "account " + std::string(account_id) + " has no Access organization (Zero Trust not set up)" + suffix;
        return e;
      case 7003:
        e.kind = ApiErrorKind::bad_request;
        e.message = "the API does not know this path: bad --api-url or account ID, or a malformed ID" + suffix;
        return e;
      case 12135:
      case 11021:
        e.kind = ApiErrorKind::not_found;
        e.message = what + " not found" + suffix;
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

std::vector<ApiMessage> parse_messages(const Json& array) {
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

// Wipes a string that held a secret (response bodies of create/rotate).
void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

// The Go zero time (0001-01-01) and the epoch are no real instants: placeholders.
bool placeholder_time(TimePoint t) {
  return t <= TimePoint{} + std::chrono::seconds{86400};
}

// The fields of ServiceTokenInfo: all a list keeps of each token (the rest of a
// hostile page is dropped as soon as it is read).
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

// The secret of a create/rotate `result`, taken out of the JSON (its copy there is
// wiped). Only a non-empty string is a secret.
std::optional<Secret> take_client_secret(Json& result) {
  if (!result.is_object()) return std::nullopt;
  const auto it = result.find("client_secret");
  if (it == result.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return std::nullopt;
  Secret secret(it->get<std::string>());
  wipe(it->get_ref<std::string&>());
  return secret;
}

// The `result` of a 2xx answer that carries a client_secret, read before anything else
// is judged. Parsed with bounded depth: nothing deeper than a token's own fields is kept.
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

// An admin answer's token as optional metadata (no property is required by the schema):
// the list's parser (parse_service_token) reads it; what it could not read becomes a
// warning naming the field (never its value), since the secret is already safe.
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

}  // namespace

// ---------------------------------------------------------------- small helpers

std::string_view api_error_kind_name(ApiErrorKind kind) noexcept {
  switch (kind) {
    case ApiErrorKind::config: return "config_error";
    case ApiErrorKind::transport: return "api_unreachable";
    case ApiErrorKind::timeout: return "api_timeout";
    case ApiErrorKind::rate_limited: return "api_rate_limited";
    case ApiErrorKind::unauthorized: return "api_unauthorized";
    case ApiErrorKind::forbidden: return "api_forbidden";
    case ApiErrorKind::no_organization: return "api_no_organization";
    case ApiErrorKind::not_found: return "api_not_found";
    case ApiErrorKind::bad_request: return "api_bad_request";
    case ApiErrorKind::server_error: return "api_server_error";
    case ApiErrorKind::bad_response: return "api_bad_response";
    case ApiErrorKind::api_error: return "api_error";
  }
  return "api_error";
}

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  const auto y = read_fixed_number(text, pos, 4);
  if (!y || !expect_char(text, pos, '-')) return std::nullopt;
  const auto mo = read_fixed_number(text, pos, 2);
  if (!mo || !expect_char(text, pos, '-')) return std::nullopt;
  const auto d = read_fixed_number(text, pos, 2);
  if (!d || !expect_char(text, pos, 't')) return std::nullopt;
  const auto h = read_fixed_number(text, pos, 2);
  if (!h || !expect_char(text, pos, ':')) return std::nullopt;
  const auto mi = read_fixed_number(text, pos, 2);
  if (!mi || !expect_char(text, pos, ':')) return std::nullopt;
  const auto s = read_fixed_number(text, pos, 2);
  if (!s) return std::nullopt;
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (pos >= text.size() || !is_digit(text[pos])) return std::nullopt;
    std::int64_t nanos = 0;
    int digits = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (digits < 9) {
        nanos = nanos * 10 + (text[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    for (; digits < 9; ++digits) nanos *= 10;
    fraction = nanoseconds{nanos};
  }
  minutes offset{0};
  if (!expect_char(text, pos, 'z')) {
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const auto oh = read_fixed_number(text, pos, 2);
    if (!oh || !expect_char(text, pos, ':')) return std::nullopt;
    const auto om = read_fixed_number(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset = minutes{sign * (*oh * 60 + *om)};
  }
  if (pos != text.size()) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok() || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  // In whole seconds first: TimePoint counts nanoseconds in 64 bits (years 1678-2262), and
  // answers hold Go's zero time (0001-01-01, "never") or far expiries (9999-12-31). Those
  // are clamped to the ends of TimePoint instead of overflowing.
  const sys_seconds utc = sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s} - offset;
  const sys_seconds earliest = time_point_cast<seconds>(TimePoint::min()) + seconds{1};
  const sys_seconds latest = time_point_cast<seconds>(TimePoint::max()) - seconds{1};
  if (utc < earliest) return TimePoint::min();
  if (utc > latest) return TimePoint::max();
  return time_point_cast<TimePoint::duration>(utc) + duration_cast<TimePoint::duration>(fraction);
}

std::string format_rfc3339(TimePoint time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&t, &utc);
  std::array<char, 32> buffer{};
  const auto n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buffer.data(), n);
}

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  struct Unit {
    std::string_view name;
    double nanoseconds;
  };
  // Longest names first so "ms" is not read as "m" followed by garbage.
  static constexpr std::array<Unit, 7> units{
      {{"ns", 1.0}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6}, {"h", 3600e9}, {"m", 60e9}, {"s", 1e9}}};
  if (text.empty()) return std::nullopt;
  if (text == "0") return std::chrono::nanoseconds{0};
  double total = 0.0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    while (pos < text.size() && (is_digit(text[pos]) || text[pos] == '.')) ++pos;
    if (pos == start) return std::nullopt;
    double number = 0.0;
    const auto parsed = std::from_chars(text.data() + start, text.data() + pos, number);
    if (parsed.ec != std::errc{} || parsed.ptr != text.data() + pos) return std::nullopt;
    const Unit* matched = nullptr;
    for (const auto& unit : units) {
      if (text.substr(pos).starts_with(unit.name)) {
        matched = &unit;
        break;
      }
    }
    if (matched == nullptr) return std::nullopt;
    pos += matched->name.size();
    total += number * matched->nanoseconds;
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;
  return std::chrono::nanoseconds{static_cast<std::int64_t>(total)};
}

std::optional<std::chrono::seconds> retry_after_of(const http::Response& response, TimePoint now) {
  using namespace std::chrono;
  // Waits and instants stay in whole seconds: a hostile "Retry-After: 9223372036854775807"
  // or a date in year 1 must not overflow the nanosecond clock. A wait longer than this is
  // as good as forever (callers compare it with their budget).
  constexpr long long max_wait = 1'000'000'000;
  const long long now_s = duration_cast<seconds>(now.time_since_epoch()).count();
  const auto until = [&](long long at) { return seconds{at > now_s ? std::min(at - now_s, max_wait) : 0}; };
  auto whole_seconds = [](std::string_view text) -> std::optional<long long> {
    text = detail::trim_blanks(text);
    long long value = 0;
    const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
    if (r.ec != std::errc{} || r.ptr != text.data() + text.size() || value < 0) return std::nullopt;
    return std::min(value, max_wait * 10);  // still tells seconds from a Unix time below
  };
  if (auto header = response.header("retry-after")) {
    if (auto s = whole_seconds(*header)) return seconds{std::min(*s, max_wait)};
    // HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT".
    std::tm tm{};
    const std::string text(detail::trim_blanks(*header));
    const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    if (end != nullptr && *end == '\0') return until(static_cast<long long>(timegm(&tm)));
  }
  if (auto header = response.header("ratelimit")) {
    // `"default";r=0;t=30`: t is the seconds until the window resets.
    std::string_view rest = *header;
    while (!rest.empty()) {
      const auto semi = rest.find(';');
      const auto part = detail::trim_blanks(rest.substr(0, semi));
      if (part.starts_with("t=")) {
        if (auto s = whole_seconds(part.substr(2))) return seconds{std::min(*s, max_wait)};
      }
      if (semi == std::string_view::npos) break;
      rest.remove_prefix(semi + 1);
    }
  }
  if (auto header = response.header("x-ratelimit-reset")) {
    if (auto s = whole_seconds(*header)) {
      // Either seconds to wait or a Unix time: a value past 2001 is a time.
      if (*s > 1'000'000'000) return until(*s);
      return seconds{*s};
    }
  }
  return std::nullopt;
}

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

// ---------------------------------------------------------------- credentials

Expected<ApiCredentials> resolve_api_credentials(const ApiCredentialSources& sources, const EnvLookup& env,
                                                 std::vector<std::string>* /*warnings*/) {
  const std::string token_var(kApiTokenVariable);
  const std::string account_var(kAccountIdVariable);
  DotenvMap file_values;
  const CleanseOnExit cleanse_file_values{file_values};  // used or not, on every path
  if (sources.env_file) {
    auto parsed = read_dotenv_file(*sources.env_file);
    if (!parsed) return parsed.error();
    file_values = std::move(*parsed);
  }
  auto from_file = [&](const std::string& var) -> std::optional<std::string> {
    if (auto it = file_values.find(var); it != file_values.end() && !it->second.empty()) return it->second;
    return std::nullopt;
  };
  auto from_env = [&](const std::string& var) -> std::optional<std::string> {
    auto value = env ? env(var) : std::nullopt;
    if (value && value->empty()) return std::nullopt;
    return value;
  };

  ApiCredentials credentials;
  std::vector<std::string> missing;
  if (sources.api_token_file) {
    auto text = detail::read_text_file(*sources.api_token_file, 64 * 1024, "API token file");
    if (!text) return text.error();
    std::string value = std::move(*text);
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r' || value.back() == ' ' || value.back() == '\t')) {
      value.pop_back();
    }
    if (value.empty()) {
      wipe(value);
      return make_error("API token file '" + *sources.api_token_file + "' is empty");
    }
    if (value.find_first_of("\r\n") != std::string::npos) {
      wipe(value);
      return make_error("API token file '" + *sources.api_token_file + "' must hold the token alone on one line");
    }
    credentials.api_token = Secret(value);
    wipe(value);
  } else if (auto v = from_file(token_var)) {
    credentials.api_token = Secret(std::move(*v));
  } else if (auto e = from_env(token_var)) {
    credentials.api_token = Secret(std::move(*e));
  } else {
    std::string where = "--api-token-file";
    if (sources.env_file) where += ", " + token_var + " in " + *sources.env_file;
    missing.push_back("API token (looked in " + where + ", environment variable " + token_var + ")");
  }

  if (sources.account_id && !sources.account_id->empty()) {
    credentials.account_id = *sources.account_id;
  } else if (auto v = from_file(account_var)) {
    credentials.account_id = *v;
  } else if (auto e = from_env(account_var)) {
    credentials.account_id = *e;
  } else {
    std::string where = "--account-id";
    if (sources.env_file) where += ", " + account_var + " in " + *sources.env_file;
    missing.push_back("account ID (looked in " + where + ", environment variable " + account_var + ")");
  }
  if (!missing.empty()) {
    std::string message = "missing Cloudflare ";
    for (std::size_t i = 0; i < missing.size(); ++i) message += (i ? " and " : "") + missing[i];
    return make_error(message);
  }
  return credentials;
}

std::string default_cache_dir(const EnvLookup& env) {
  auto get = [&](const char* name) -> std::string {
    auto v = env ? env(name) : std::nullopt;
    return v ? *v : std::string();
  };
  // XDG: a relative XDG_CACHE_HOME is invalid and must be ignored.
  if (const auto xdg = get("XDG_CACHE_HOME"); !xdg.empty() && xdg.front() == '/') return xdg + "/cfmon";
  if (const auto home = get("HOME"); !home.empty() && home.front() == '/') return home + "/.cache/cfmon";
  return {};
}

ApiSettings for_whole_run(ApiSettings settings) {
  settings.deadline = std::chrono::steady_clock::now() + settings.timeout;
  return settings;
}

std::optional<Error> validate_settings(const ApiSettings& s) {
  if (s.per_page < 1 || s.per_page > kMaxPerPage) {
    return Error{"--per-page must be between 1 and " + std::to_string(kMaxPerPage) + " (the API's maximum)"};
  }
  if (s.max_pages < 1) return Error{"the page limit must be at least 1"};
  if (s.timeout <= std::chrono::milliseconds::zero()) return Error{"the API timeout must be positive"};
  const std::string_view url = s.base_url;
  if (!url.starts_with("https://") || url.size() <= 8) {
    // The API token travels in a header: never in clear text.
    return Error{"--api-url must be an https:// URL, not '" + detail::printable(url) + "'"};
  }
  if (url.find_first_of(" \t\r\n?#") != std::string_view::npos) {
    return Error{"--api-url must be a base URL without spaces, query or fragment"};
  }
  const auto& account = s.credentials.account_id;
  if (account.empty()) return Error{"missing Cloudflare account ID"};
  if (account.size() > 64 || !std::all_of(account.begin(), account.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0;
      })) {
    return Error{"the account ID must be letters and digits (32 hex characters), not '" +
                 detail::printable(account) + "'"};
  }
  const auto token = s.credentials.api_token.reveal();
  if (token.empty()) return Error{"missing Cloudflare API token"};
  if (std::any_of(token.begin(), token.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x21 || u == 0x7f;
      })) {
    return Error{"the API token contains spaces or control characters"};
  }
  if (s.max_response_bytes < 1024) return Error{"the response size cap must be at least 1024 bytes"};
  return std::nullopt;
}

// ---------------------------------------------------------------- the client

struct ApiClient::Impl {
  http::Client& http;
  ApiSettings settings;
  ApiHooks hooks;
  std::atomic<std::size_t> sent{0};
  std::atomic<std::size_t> hits{0};
  std::optional<detail::CacheStore> cache;
  std::string base;  // base_url without trailing '/'

  Impl(http::Client& client, ApiSettings s, ApiHooks h) : http(client), settings(std::move(s)), hooks(std::move(h)) {
    if (!hooks.steady_now) hooks.steady_now = [] { return std::chrono::steady_clock::now(); };
    if (!hooks.wall_now) hooks.wall_now = [] { return std::chrono::system_clock::now(); };
    if (!hooks.sleep) hooks.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    base = settings.base_url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (settings.cache.ttl > std::chrono::seconds::zero() && !settings.cache.dir.empty()) {
      // Scope: one API, one account, one API token, one way of trusting the answer.
      cache.emplace(settings.cache.dir, detail::cache_scope(settings, "rest"), settings.cache.ttl);
    }
  }

  void log(const std::string& line) const {
    if (hooks.log) hooks.log(line);
  }

  [[nodiscard]] std::string account_path() const { return base + "/accounts/" + settings.credentials.account_id; }

  std::optional<ApiError> check_config() const {
    if (auto e = validate_settings(settings)) return make_api_error(ApiErrorKind::config, e->message);
    return std::nullopt;
  }

  struct Envelope {
    Json result;
    Json result_info;
    std::size_t bytes = 0;  // of the body it came in
  };

  http::Request make_request(const std::string& method, const std::string& url, std::string body,
                             std::chrono::milliseconds timeout) const {
    http::Request r;
    r.url = url;
    r.method = method;
    r.body = std::move(body);
    r.headers.emplace_back("Accept", "application/json");
    if (!r.body.empty()) {
      r.headers.emplace_back("Content-Type", "application/json");
    } else if (method == "POST" || method == "PUT") {
      // No body, no type: an empty value keeps libcurl from adding its form type.
      r.headers.emplace_back("Content-Type", "");
    }
    r.secret_headers.emplace_back("Authorization",
                                  Secret("Bearer " + std::string(settings.credentials.api_token.reveal())));
    r.timeout = timeout;
    r.resolve = settings.resolve;
    r.ca_file = settings.ca_file;
    r.insecure = settings.insecure;
    r.ip_version = settings.ip_version;
    r.user_agent = settings.user_agent;
    r.max_body_bytes = settings.max_response_bytes;
    return r;
  }

  // One HTTP exchange, with 429 waits that fit before `deadline`. Returns the raw
  // response (any status) or a transport/timeout/rate-limit error.
  ApiResult<http::Response> exchange(const std::string& method, const std::string& url, const std::string& body,
                                     SteadyPoint deadline) {
    using namespace std::chrono;
    unsigned retries = 0;
    for (;;) {
      const auto remaining = duration_cast<milliseconds>(deadline - hooks.steady_now());
      if (remaining <= milliseconds::zero()) {
        return make_api_error(ApiErrorKind::timeout, "no answer from the Cloudflare API within " +
                                                         budget_text(settings.timeout) +
                                                         " s");
      }
      auto request = make_request(method, url, body, remaining);
      ++sent;
      auto outcomes = http.perform({request}, 1);
      if (outcomes.empty()) return make_api_error(ApiErrorKind::transport, "the HTTP client returned nothing");
      auto& outcome = outcomes.front();
      if (auto* error = std::get_if<http::TransportError>(&outcome)) {
        log(method + " " + url + " -> " + std::string(http::error_kind_name(error->kind)));
        const Secret& token = settings.credentials.api_token;
        const std::string detail = detail::printable(redact(error->message, {&token}), 200);
        if (error->kind == http::ErrorKind::timeout) {
          return make_api_error(ApiErrorKind::timeout,
                                "no complete answer from the Cloudflare API in time (" + detail + ")");
        }
        return make_api_error(ApiErrorKind::transport, "cannot reach the Cloudflare API at " + base + ": " +
                                                           std::string(http::error_kind_name(error->kind)) + " (" +
                                                           detail + ")");
      }
      auto& response = std::get<http::Response>(outcome);
      log(method + " " + url + " -> " + std::to_string(response.status) + " in " +
          seconds_text(response.timings.total) + " s");
      if (response.status != 429) return std::move(response);

      const auto wait = retry_after_of(response, hooks.wall_now());
      ApiError e = make_api_error(ApiErrorKind::rate_limited, "", 429);
      e.retry_after = wait;
      const std::string limit =
          "rate limited by the Cloudflare API (1200 requests per 5 minutes per user, shared by all of that user's "
          "API tokens)";
      if (!wait) {
        e.message = limit + " and it did not say for how long; use --cache-ttl to spend fewer requests";
        return e;
      }
      const auto left = duration_cast<milliseconds>(deadline - hooks.steady_now());
      // The retry itself needs time too: only wait when some remains afterwards.
      const auto margin = std::min(milliseconds{1000}, duration_cast<milliseconds>(settings.timeout) / 4);
      if (retries >= settings.max_rate_limit_retries || duration_cast<milliseconds>(*wait) + margin > left) {
        e.message = limit + ": retry in " + std::to_string(wait->count()) + " s, beyond this run's " +
                    budget_text(settings.timeout) +
                    " s budget; use --cache-ttl to spend fewer requests";
        return e;
      }
      ++retries;
      log("rate limited: waiting " + std::to_string(wait->count()) + " s as the API asked");
      hooks.sleep(duration_cast<milliseconds>(*wait));
    }
  }

  static ApiError too_deep_error(long status) {
    return make_api_error(ApiErrorKind::bad_response,
                          "the API answered HTTP " + std::to_string(status) + " with JSON nested deeper than " +
                              std::to_string(detail::kMaxJsonDepth) + " levels, not an API answer",
                          status);
  }

  // The envelope checks every answer goes through.
  ApiResult<Envelope> envelope_of(http::Response& response, const Op& op) const {
    const long status = response.status;
    const Secret& token = settings.credentials.api_token;
    if (response.body_truncated) {
      return make_api_error(ApiErrorKind::bad_response,
                            "the API answer is larger than " + std::to_string(settings.max_response_bytes) +
                                " bytes (HTTP " + std::to_string(status) + "); refusing to use it",
                            status);
    }
    detail::JsonParse parsed = detail::JsonParse::ok;
    Json json = detail::parse_json_bounded(response.body, &parsed);
    if (parsed == detail::JsonParse::too_deep) return too_deep_error(status);
    if (json.is_discarded()) {
      const auto type = response.header("content-type").value_or("");
      const auto first = response.body.find_first_not_of(" \t\r\n");
      const bool html = lower(type).find("html") != std::string::npos ||
                        (first != std::string::npos && response.body[first] == '<');
      if (status >= 500) {
        return make_api_error(ApiErrorKind::server_error,
                              "the Cloudflare API failed (HTTP " + std::to_string(status) + ", " +
                                  (html ? "an HTML page" : "not JSON") + "); try again later",
                              status);
      }
      if (status == 401 || status == 403) {
        // A proxy or WAF in front of --api-url, not the API itself.
        return make_api_error(status == 401 ? ApiErrorKind::unauthorized : ApiErrorKind::forbidden,
                              "HTTP " + std::to_string(status) + " without an API answer (" +
                                  (html ? "an HTML page" : "not JSON") + "): is --api-url right?",
                              status);
      }
      return make_api_error(ApiErrorKind::bad_response,
                            "the API answered HTTP " + std::to_string(status) + " with " +
                                (html ? "an HTML page" : response.body.empty() ? "an empty body" : "invalid or truncated JSON") +
                                ", not an API answer",
                            status);
    }
    if (!json.is_object() || !json.contains("success") || !json["success"].is_boolean()) {
      if (status >= 500) {
        return make_api_error(ApiErrorKind::server_error,
                              "the Cloudflare API failed (HTTP " + std::to_string(status) + "); try again later",
                              status);
      }
      return make_api_error(ApiErrorKind::bad_response,
                            "the API answered HTTP " + std::to_string(status) +
                                " with JSON that is not a v4 envelope (no boolean 'success')",
                            status);
    }
    const auto listed = json.find("errors");
    auto errors = listed != json.end() ? parse_messages(*listed) : std::vector<ApiMessage>{};
    const bool success = json["success"].get<bool>();
    const bool ok_status = status >= 200 && status < 300;
    if (!success || !ok_status) {
      if (ok_status && errors.empty()) {
        return make_api_error(ApiErrorKind::bad_response,
                              "the API answered success:false without saying why (HTTP " + std::to_string(status) + ")",
                              status);
      }
      return map_api_errors(status, std::move(errors), op, token, settings.credentials.account_id);
    }
    Envelope env;
    env.bytes = response.body.size();
    if (auto it = json.find("result"); it != json.end()) env.result = std::move(*it);
    if (auto it = json.find("result_info"); it != json.end()) env.result_info = std::move(*it);
    return env;
  }

  ApiResult<Envelope> call(const std::string& method, const std::string& url, const std::string& body, const Op& op,
                           SteadyPoint deadline) {
    auto response = exchange(method, url, body, deadline);
    if (!response) return response.error();
    auto env = envelope_of(*response, op);
    wipe(response->body);  // create/rotate bodies hold a secret
    return env;
  }

  // Create and rotate: Cloudflare shows the new secret once. From a 2xx answer that
  // carries one it is taken before anything else is judged; whatever else is wrong with
  // the answer (envelope, metadata) becomes a warning, never a lost secret.
  ApiResult<CreatedToken> call_for_secret(const std::string& method, const std::string& url, const std::string& body,
                                          const Op& op, const std::string& what) {
    auto response = exchange(method, url, body, deadline());
    if (!response) return response.error();
    std::optional<CreatedToken> created;
    if (auto result = secret_bearing_result(*response)) {
      created.emplace();
      created->client_secret = *take_client_secret(*result);
      created->info = token_metadata(*result, created->warnings);
    }
    auto env = envelope_of(*response, op);
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

  // Refresh and delete: the envelope says whether it happened; the token in the answer
  // is optional metadata (the schema requires none of it, the id included).
  ApiResult<ServiceTokenInfo> call_for_token(const std::string& method, const std::string& url, const std::string& body,
                                             std::string_view id) {
    auto env = call(method, url, body, write_op("service token " + detail::printable(id, 64)), deadline());
    if (!env) return env.error();
    after_write();
    std::vector<std::string> warnings;
    ServiceTokenInfo info = token_metadata(env->result, warnings);
    for (const auto& w : warnings) log(w);
    if (info.id.empty()) info.id = std::string(id);
    return info;
  }

  // A read through the cache: `fetch` runs only on a miss.
  template <class Fetch>
  ApiResult<Json> cached_read(const std::string& descriptor, SteadyPoint deadline, Fetch&& fetch) {
    if (!cache) return fetch();
    const detail::CacheHooks cache_hooks{hooks.wall_now, [this](const std::string& line) { log(line); },
                                         [this] { ++hits; }};
    const auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - hooks.steady_now());
    return detail::read_through(*cache, descriptor, budget, cache_hooks, std::forward<Fetch>(fetch));
  }

  void after_write() {
    if (!cache) return;
    std::string problem;
    if (!cache->invalidate_scope(&problem)) log("cache: " + problem);
  }

  // One operation's budget, never past the run's (settings.deadline).
  SteadyPoint deadline() const {
    const SteadyPoint own = hooks.steady_now() + settings.timeout;
    return settings.deadline ? std::min(own, *settings.deadline) : own;
  }

  std::string tokens_path() const { return account_path() + "/access/service_tokens"; }

  Op read_op(std::string object = {}) const { return Op{"Access: Service Tokens Read", std::move(object), false}; }
  Op write_op(std::string object = {}) const { return Op{"Access: Service Tokens Write", std::move(object), true}; }

  ApiResult<Json> list_raw(const ListQuery& query, SteadyPoint deadline_at) {
    const unsigned per_page = settings.per_page;
    Json items = Json::array();
    std::set<std::string> seen_ids;
    std::size_t bytes = 0;
    for (unsigned page = 1;; ++page) {
      if (page > settings.max_pages) {
        return make_api_error(ApiErrorKind::bad_response,
                              "the API kept paginating past " + std::to_string(settings.max_pages) + " pages of " +
                                  std::to_string(per_page) + "; gave up");
      }
      std::string url = tokens_path() + "?page=" + std::to_string(page) + "&per_page=" + std::to_string(per_page);
      if (!query.name.empty()) url += "&name=" + url_encode(query.name);
      if (!query.search.empty()) url += "&search=" + url_encode(query.search);
      auto env = call("GET", url, "", read_op(), deadline_at);
      if (!env) {
        ApiError e = env.error();
        if (e.kind == ApiErrorKind::timeout && page > 1) {
          e.message = "the token list was still incomplete after " + std::to_string(page - 1) + " pages when the " +
                      budget_text(settings.timeout) +
                      " s budget ran out (does the API keep paginating?)";
        }
        return e;
      }
      if (!env->result.is_array()) {
        return make_api_error(ApiErrorKind::bad_response, "the service token list answer has no result array");
      }
      const std::size_t n = env->result.size();
      bytes += env->bytes;
      if (bytes > settings.max_list_bytes || items.size() + n > settings.max_list_items) {
        return make_api_error(
            ApiErrorKind::bad_response,
            "the service token list passed " +
                (bytes > settings.max_list_bytes ? std::to_string(settings.max_list_bytes / 1024) + " KiB"
                                                 : std::to_string(settings.max_list_items) + " tokens") +
                " by page " + std::to_string(page) + "; refusing to read more");
      }
      std::size_t fresh = 0;
      for (auto& item : env->result) {
        // Without a string id a token cannot be told from another: count it as new
        // (the page cap still bounds an API that ignores `page`).
        const auto id = item.is_object() ? item.find("id") : item.end();
        if (id == item.end() || !id->is_string() || seen_ids.insert(id->get<std::string>()).second) ++fresh;
        items.push_back(trimmed_token(std::move(item)));
      }
      env->result = Json();  // what was not kept goes now, not with the next page
      if (n > 0 && fresh == 0) {
        // An API that ignores `page` would otherwise be asked until the page cap.
        return make_api_error(ApiErrorKind::bad_response,
                              "the API returned the same service tokens again on page " + std::to_string(page) +
                                  " (pagination does not advance)");
      }
      if (n < per_page) break;
      const Json& info = env->result_info;
      if (info.is_object()) {
        auto number = [&](const char* key) -> std::optional<std::int64_t> {
          auto it = info.find(key);
          if (it == info.end() || !it->is_number_integer()) return std::nullopt;
          return it->get<std::int64_t>();
        };
        if (auto total_pages = number("total_pages"); total_pages && page >= *total_pages) break;
        if (auto total = number("total_count"); total && items.size() >= static_cast<std::size_t>(std::max<std::int64_t>(*total, 0))) {
          break;
        }
        if (auto count = number("count"); count && *count < static_cast<std::int64_t>(per_page)) break;
      }
    }
    return items;
  }
};

ApiClient::ApiClient(http::Client& http, ApiSettings settings, ApiHooks hooks)
    : impl_(std::make_unique<Impl>(http, std::move(settings), std::move(hooks))) {}

ApiClient::~ApiClient() = default;

std::size_t ApiClient::requests_sent() const noexcept { return impl_->sent.load(); }
std::size_t ApiClient::cache_hits() const noexcept { return impl_->hits.load(); }

namespace {

ApiResult<ServiceTokenInfo> token_from(const Json& result) {
  auto info = parse_service_token(result);
  if (!info) return make_api_error(ApiErrorKind::bad_response, "the API answer is unusable: " + info.error().message);
  if (!info->problems.empty()) {
    return make_api_error(ApiErrorKind::bad_response, "the API answer is unusable: " + info->problems.front());
  }
  return std::move(*info);
}

std::string short_object(std::string_view id) { return "service token " + detail::printable(id, 64); }

}  // namespace

ApiResult<std::vector<ServiceTokenInfo>> ApiClient::list_service_tokens(const ListQuery& query) {
  if (auto e = impl_->check_config()) return *e;
  const auto deadline = impl_->deadline();
  const std::string descriptor = "list service_tokens name=" + query.name + " search=" + query.search +
                                 " per_page=" + std::to_string(impl_->settings.per_page);
  auto raw = impl_->cached_read(descriptor, deadline, [&] { return impl_->list_raw(query, deadline); });
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
  if (!is_safe_id(id)) return make_api_error(ApiErrorKind::bad_request, "malformed service token ID '" + detail::printable(id) + "'");
  const auto deadline = impl_->deadline();
  const std::string url = impl_->tokens_path() + "/" + std::string(id);
  auto raw = impl_->cached_read("get service_token " + std::string(id), deadline, [&]() -> ApiResult<Json> {
    auto env = impl_->call("GET", url, "", impl_->read_op(short_object(id)), deadline);
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
                                impl_->write_op("service token '" + detail::printable(name) + "'"), "create");
}

ApiResult<ServiceTokenInfo> ApiClient::update_service_token(std::string_view id, const TokenUpdate& update) {
  if (auto e = impl_->check_config()) return *e;
  if (!is_safe_id(id)) return make_api_error(ApiErrorKind::bad_request, "malformed service token ID '" + detail::printable(id) + "'");
  Json body = Json::object();
  if (update.name) body["name"] = *update.name;
  if (update.duration) body["duration"] = *update.duration;
  if (update.enabled) body["enabled"] = *update.enabled;
  auto env = impl_->call("PUT", impl_->tokens_path() + "/" + std::string(id), body.dump(),
                         impl_->write_op(short_object(id)), impl_->deadline());
  if (!env) return env.error();
  impl_->after_write();
  return token_from(env->result);
}

ApiResult<CreatedToken> ApiClient::rotate_service_token(
    std::string_view id, const std::optional<TimePoint>& previous_client_secret_expires_at) {
  if (auto e = impl_->check_config()) return *e;
  if (!is_safe_id(id)) return make_api_error(ApiErrorKind::bad_request, "malformed service token ID '" + detail::printable(id) + "'");
  Json body = Json::object();
  if (previous_client_secret_expires_at) {
    body["previous_client_secret_expires_at"] = format_rfc3339(*previous_client_secret_expires_at);
  }
  return impl_->call_for_secret("POST", impl_->tokens_path() + "/" + std::string(id) + "/rotate", body.dump(),
                                impl_->write_op(short_object(id)), "rotate");
}

ApiResult<ServiceTokenInfo> ApiClient::refresh_service_token(std::string_view id) {
  if (auto e = impl_->check_config()) return *e;
  if (!is_safe_id(id)) return make_api_error(ApiErrorKind::bad_request, "malformed service token ID '" + detail::printable(id) + "'");
  // The schema declares no request body for refresh (a schema mock answers 415 to "{}").
  return impl_->call_for_token("POST", impl_->tokens_path() + "/" + std::string(id) + "/refresh", "", id);
}

ApiResult<ServiceTokenInfo> ApiClient::delete_service_token(std::string_view id) {
  if (auto e = impl_->check_config()) return *e;
  if (!is_safe_id(id)) return make_api_error(ApiErrorKind::bad_request, "malformed service token ID '" + detail::printable(id) + "'");
  return impl_->call_for_token("DELETE", impl_->tokens_path() + "/" + std::string(id), "", id);
}

ApiResult<nlohmann::json> ApiClient::graphql(std::string_view query, const nlohmann::json& variables) {
  if (auto e = impl_->check_config()) return *e;
  const Json body = {{"query", std::string(query)}, {"variables", variables}};
  const Op op{"Account Analytics Read", "", false};
  auto response = impl_->exchange("POST", impl_->base + "/graphql", body.dump(), impl_->deadline());
  if (!response) return response.error();
  const long status = response->status;
  detail::JsonParse parsed = detail::JsonParse::invalid;
  Json json =
      response->body_truncated ? Json(Json::value_t::discarded) : detail::parse_json_bounded(response->body, &parsed);
  if (parsed == detail::JsonParse::too_deep) return Impl::too_deep_error(status);
  // GraphQL has its own shape ({data, errors}); failures before it (auth) use the v4 envelope.
  if (json.is_object() && json.contains("success") && json["success"].is_boolean() && !json.contains("data")) {
    auto env = impl_->envelope_of(*response, op);
    if (!env) return env.error();
    return make_api_error(ApiErrorKind::bad_response, "the GraphQL answer has no data");
  }
  if (json.is_discarded() || !json.is_object()) {
    auto env = impl_->envelope_of(*response, op);  // words the failure like any other
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
                  api_text(message, impl_->settings.credentials.api_token) + ")";
    } else {
      e.kind = ApiErrorKind::api_error;
      e.message = "the GraphQL query failed: " + api_text(message, impl_->settings.credentials.api_token);
    }
    return e;
  }
  if (status < 200 || status >= 300) {
    return map_api_errors(status, {}, op, impl_->settings.credentials.api_token, impl_->settings.credentials.account_id);
  }
  auto data = json.find("data");
  if (data == json.end() || data->is_null()) {
    return make_api_error(ApiErrorKind::bad_response, "the GraphQL answer has no data", status);
  }
  return std::move(*data);
}

}  // namespace cfmon::cloudflare
