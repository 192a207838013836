#include "api_transport.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <set>
#include <thread>

#include "cfmon/cloudflare_api.hpp"
#include "cfmon/text_util.hpp"
#include "json_bounded.hpp"

namespace cfmon::cloudflare {

namespace internal {
namespace {

using Json = nlohmann::json;

std::string seconds_text(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", s);
  return buffer;
}

}  // namespace

std::string budget_text(std::chrono::milliseconds budget) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", std::chrono::duration<double>(budget).count());
  return buffer;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
  s.clear();
}

Transport::Transport(http::Client& http, ApiSettings settings, ApiHooks hooks)
    : http_(http), settings_(std::move(settings)), hooks_(with_defaults(std::move(hooks))) {
  base_ = settings_.base_url;
  while (!base_.empty() && base_.back() == '/') base_.pop_back();
}

void Transport::log(const std::string& line) const {
  if (hooks_.log) hooks_.log(line);
}

SteadyPoint Transport::deadline() const {
  const SteadyPoint own = hooks_.steady_now() + settings_.timeout;
  return settings_.deadline ? std::min(own, *settings_.deadline) : own;
}

http::Request Transport::make_request(const std::string& method, const std::string& url, std::string body,
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
                                Secret("Bearer " + std::string(settings_.credentials.api_token.reveal())));
  r.timeout = timeout;
  r.max_body_bytes = settings_.max_response_bytes;
  return r;
}

// One HTTP exchange, with 429 waits that fit before `deadline`. Returns the raw
// response (any status) or a transport/timeout/rate-limit error.
ApiResult<http::Response> Transport::exchange(const std::string& method, const std::string& url,
                                              const std::string& body, SteadyPoint deadline) {
  using namespace std::chrono;
  unsigned retries = 0;
  for (;;) {
    const auto remaining = duration_cast<milliseconds>(deadline - hooks_.steady_now());
    if (remaining <= milliseconds::zero()) {
      return make_api_error(ApiErrorKind::timeout,
                            "no answer from the Cloudflare API within " + budget_text(settings_.timeout) + " s");
    }
    auto request = make_request(method, url, body, remaining);
    ++sent_;
    auto outcomes = http_.perform({request}, 1);
    if (outcomes.empty()) return make_api_error(ApiErrorKind::transport, "the HTTP client returned nothing");
    auto& outcome = outcomes.front();
    if (auto* error = std::get_if<http::TransportError>(&outcome)) {
      std::string line = method;
      line.append(" ").append(url).append(" -> ").append(http::error_kind_name(error->kind));
      log(line);
      const Secret& token = settings_.credentials.api_token;
      const std::string detail = detail::printable(redact(error->message, {&token}), 200);
      if (error->kind == http::ErrorKind::timeout) {
        return make_api_error(ApiErrorKind::timeout,
                              "no complete answer from the Cloudflare API in time (" + detail + ")");
      }
      return make_api_error(ApiErrorKind::transport, "cannot reach the Cloudflare API at " + base_ + ": " +
                                                         std::string(http::error_kind_name(error->kind)) + " (" +
                                                         detail + ")");
    }
    auto& response = std::get<http::Response>(outcome);
    std::string line = method;
    line.append(" ").append(url).append(" -> ").append(std::to_string(response.status));
    line.append(" in ").append(seconds_text(response.timings.total)).append(" s");
    log(line);
    if (auto seen = budget_of(response)) {
      const std::lock_guard<std::mutex> lock(budget_mutex_);
      merge_budget(budget_, *seen);
    }
    if (response.status != 429) return std::move(response);

    const auto wait = retry_after_of(response, hooks_.wall_now());
    ApiError e = make_api_error(ApiErrorKind::rate_limited, "", 429);
    e.retry_after = wait;
    const std::string limit =
        "rate limited by the Cloudflare API (1200 requests per 5 minutes per user, shared by all of that user's "
        "API tokens)";
    if (!wait) {
      e.message = limit + " and it did not say for how long; use --cache-ttl to spend fewer requests";
      return e;
    }
    const auto left = duration_cast<milliseconds>(deadline - hooks_.steady_now());
    // The retry itself needs time too: only wait when some remains afterwards.
    const auto margin = std::min(milliseconds{1000}, duration_cast<milliseconds>(settings_.timeout) / 4);
    if (retries >= settings_.max_rate_limit_retries || duration_cast<milliseconds>(*wait) + margin > left) {
      e.message = limit + ": retry in " + std::to_string(wait->count()) + " s, beyond this run's " +
                  budget_text(settings_.timeout) + " s budget; use --cache-ttl to spend fewer requests";
      return e;
    }
    ++retries;
    log("rate limited: waiting " + std::to_string(wait->count()) + " s as the API asked");
    hooks_.sleep(duration_cast<milliseconds>(*wait));
  }
}

ApiError Transport::too_deep_error(long status) {
  return make_api_error(ApiErrorKind::bad_response,
                        "the API answered HTTP " + std::to_string(status) + " with JSON nested deeper than " +
                            std::to_string(detail::kMaxJsonDepth) + " levels, not an API answer",
                        status);
}

// The envelope checks every answer goes through.
ApiResult<Envelope> Transport::envelope_of(http::Response& response, const Op& op) const {
  const long status = response.status;
  const Secret& token = settings_.credentials.api_token;
  if (response.body_truncated) {
    return make_api_error(ApiErrorKind::bad_response,
                          "the API answer is larger than " + std::to_string(settings_.max_response_bytes) +
                              " bytes (HTTP " + std::to_string(status) + "); refusing to use it",
                          status);
  }
  detail::JsonParse parsed = detail::JsonParse::ok;
  Json json = detail::parse_json_bounded(response.body, &parsed);
  if (parsed == detail::JsonParse::too_deep) return too_deep_error(status);
  if (json.is_discarded()) {
    const auto type = response.header("content-type").value_or("");
    const auto first = response.body.find_first_not_of(" \t\r\n");
    const bool html =
        lower(type).find("html") != std::string::npos || (first != std::string::npos && response.body[first] == '<');
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
                              (html                    ? "an HTML page"
                               : response.body.empty() ? "an empty body"
                                                       : "invalid or truncated JSON") +
                              ", not an API answer",
                          status);
  }
  if (!json.is_object() || !json.contains("success") || !json["success"].is_boolean()) {
    if (status >= 500) {
      return make_api_error(ApiErrorKind::server_error,
                            "the Cloudflare API failed (HTTP " + std::to_string(status) + "); try again later", status);
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
    return map_api_errors(status, std::move(errors), op, token, settings_.credentials.account_id);
  }
  Envelope env;
  env.bytes = response.body.size();
  if (auto it = json.find("result"); it != json.end()) env.result = std::move(*it);
  if (auto it = json.find("result_info"); it != json.end()) env.result_info = std::move(*it);
  return env;
}

ApiResult<Envelope> Transport::call(const std::string& method, const std::string& url, const std::string& body,
                                    const Op& op, SteadyPoint deadline) {
  auto response = exchange(method, url, body, deadline);
  if (!response) return response.error();
  auto env = envelope_of(*response, op);
  wipe(response->body);  // create/rotate bodies hold a secret
  return env;
}

ApiResult<Json> Transport::list_all(const std::string& url, const std::string& query, const Op& op,
                                    SteadyPoint deadline, const ListWords& words,
                                    const std::function<Json(Json&&)>& keep) {
  const unsigned per_page = settings_.per_page;
  Json items = Json::array();
  std::set<std::string> seen_ids;
  std::size_t bytes = 0;
  for (unsigned page = 1;; ++page) {
    if (page > settings_.max_pages) {
      return make_api_error(ApiErrorKind::bad_response, "the API kept paginating past " +
                                                            std::to_string(settings_.max_pages) + " pages of " +
                                                            std::to_string(per_page) + "; gave up");
    }
    std::string page_url = url;
    page_url.append("?page=").append(std::to_string(page)).append("&per_page=").append(std::to_string(per_page));
    page_url.append(query);
    auto env = call("GET", page_url, "", op, deadline);
    if (!env) {
      ApiError e = env.error();
      if (e.kind == ApiErrorKind::timeout && page > 1) {
        e.message = "the " + std::string(words.short_list) + " was still incomplete after " + std::to_string(page - 1) +
                    " pages when the " + budget_text(settings_.timeout) +
                    " s budget ran out (does the API keep paginating?)";
      }
      return e;
    }
    if (!env->result.is_array()) {
      return make_api_error(ApiErrorKind::bad_response,
                            "the " + std::string(words.list) + " answer has no result array");
    }
    const std::size_t n = env->result.size();
    bytes += env->bytes;
    if (bytes > settings_.max_list_bytes || items.size() + n > settings_.max_list_items) {
      return make_api_error(ApiErrorKind::bad_response,
                            "the " + std::string(words.list) + " passed " +
                                (bytes > settings_.max_list_bytes
                                     ? std::to_string(settings_.max_list_bytes / 1024) + " KiB"
                                     : std::to_string(settings_.max_list_items) + " " + std::string(words.items)) +
                                " by page " + std::to_string(page) + "; refusing to read more");
    }
    std::size_t fresh = 0;
    for (auto& item : env->result) {
      // Without a string id an item cannot be told from another: count it as new
      // (the page cap still bounds an API that ignores `page`).
      const auto id = item.is_object() ? item.find("id") : item.end();
      if (id == item.end() || !id->is_string() || seen_ids.insert(id->get<std::string>()).second) ++fresh;
      items.push_back(keep(std::move(item)));
    }
    env->result = Json();  // what was not kept goes now, not with the next page
    if (n > 0 && fresh == 0) {
      // An API that ignores `page` would otherwise be asked until the page cap.
      return make_api_error(ApiErrorKind::bad_response, "the API returned the same " + std::string(words.plural) +
                                                            " again on page " + std::to_string(page) +
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
      if (auto total = number("total_count");
          total && items.size() >= static_cast<std::size_t>(std::max<std::int64_t>(*total, 0))) {
        break;
      }
      if (auto count = number("count"); count && *count < static_cast<std::int64_t>(per_page)) break;
    }
  }
  return items;
}

}  // namespace internal

namespace {

// A non-negative whole number, the whole text; nullopt otherwise.
std::optional<long long> count_of(std::string_view text) {
  text = detail::trim_blanks(text);
  long long value = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || r.ec != std::errc{} || r.ptr != text.data() + text.size() || value < 0) return std::nullopt;
  return value;
}

// The value of `key=` among the `;`-separated parameters of a structured header
// (`"default";r=40;t=30`).
std::optional<long long> parameter_of(std::string_view header, std::string_view key) {
  std::string_view rest = header;
  while (!rest.empty()) {
    const auto semi = rest.find(';');
    const auto part = detail::trim_blanks(rest.substr(0, semi));
    if (part.size() > key.size() && part.starts_with(key) && part[key.size()] == '=') {
      return count_of(part.substr(key.size() + 1));
    }
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  return std::nullopt;
}

}  // namespace

std::optional<ApiBudget> budget_of(const http::Response& response) {
  std::optional<long long> remaining;
  if (auto header = response.header("ratelimit")) remaining = parameter_of(*header, "r");
  if (!remaining) {
    if (auto header = response.header("x-ratelimit-remaining")) remaining = count_of(*header);
  }
  if (!remaining) return std::nullopt;
  ApiBudget budget;
  budget.remaining = *remaining;
  if (auto header = response.header("ratelimit-policy")) {
    budget.quota = parameter_of(*header, "q");
    budget.window_seconds = parameter_of(*header, "w");
  }
  if (!budget.quota) {
    if (auto header = response.header("x-ratelimit-limit")) budget.quota = count_of(*header);
  }
  return budget;
}

void merge_budget(std::optional<ApiBudget>& lowest, const ApiBudget& seen) {
  if (!lowest) {
    lowest = seen;
    return;
  }
  if (seen.remaining < lowest->remaining) {
    ApiBudget next = seen;
    if (!next.quota) next.quota = lowest->quota;
    if (!next.window_seconds) next.window_seconds = lowest->window_seconds;
    lowest = next;
    return;
  }
  if (!lowest->quota) lowest->quota = seen.quota;
  if (!lowest->window_seconds) lowest->window_seconds = seen.window_seconds;
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

}  // namespace cfmon::cloudflare
