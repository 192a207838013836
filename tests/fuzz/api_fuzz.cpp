// The Cloudflare v4 API client against a hostile server: every answer (status, headers,
// body, truncation, transport failure) comes from the fuzz input, through a fake
// http::Client and a fake clock. Whatever the answers:
//   - no exception escapes and nothing hangs: requests and waits stay within the page
//     cap, the retry limit and the operation's budget;
//   - success is only ever built from a real v4 envelope: created and rotated tokens have
//     a secret (from any 2xx answer carrying one: every other field is optional), with
//     warnings that are printable lines without the API token or the secret; a returned
//     token (get, refresh, ...) has no problems, a listed one may carry problems, each one
//     printable line without the API token (every token field is optional);
//   - however deep the answer nests (up to 200 000 levels here), no stack overflow: it is
//     a bad_response;
//   - an error is one printable line that never holds the API token, even when the server
//     echoes it back (in a body, a header or a transport error); -v log lines neither.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cfmon/cloudflare_api.hpp"
#include "fuzz_support.hpp"

namespace {

namespace cf = cfmon::cloudflare;
namespace http = cfmon::http;
using cfmon::fuzz::visible;
using namespace std::chrono_literals;

constexpr std::string_view kToken = "canary-api-token-0123456789";
constexpr std::string_view kAccount = "0123456789abcdef0123456789abcdef";
constexpr unsigned kMaxPages = 4;
constexpr unsigned kRetries = 2;

struct Clock {
  std::chrono::steady_clock::time_point steady{std::chrono::hours(1000)};
  cf::TimePoint wall = cf::TimePoint{} + std::chrono::hours(24 * 365 * 55);
  std::chrono::milliseconds slept{0};
};

// Answers come from the input; once it is used up, every request is refused (connect).
class HostileServer final : public http::Client {
 public:
  HostileServer(FuzzedDataProvider& in, Clock& clock) : in_(in), clock_(clock) {}

  std::vector<http::Outcome> perform(const std::vector<http::Request>& requests, std::size_t parallel) override {
    CFMON_FUZZ_CHECK(parallel == 1 && requests.size() == 1, "one request at a time");
    for (const auto& r : requests) {
      for (const auto& [name, value] : r.headers) {
        CFMON_FUZZ_CHECK(value.find(kToken) == std::string::npos, "token in a public header " + name);
      }
      CFMON_FUZZ_CHECK(r.url.find(kToken) == std::string::npos, visible(r.url));
    }
    ++requests_;
    clock_.steady += 5ms;
    return {answer()};
  }

  [[nodiscard]] std::size_t requests() const { return requests_; }

 private:
  // The server may reflect the API token: replace a marker by it.
  std::string with_echo(std::string s) const {
    for (std::size_t at = s.find("$TOKEN"); at != std::string::npos; at = s.find("$TOKEN", at)) {
      s.replace(at, 6, kToken);
      at += kToken.size();
    }
    return s;
  }

  http::Outcome answer() {
    if (in_.remaining_bytes() == 0) {
      return http::TransportError{http::ErrorKind::connect, 7, "connection refused", {}};
    }
    if (in_.ConsumeIntegralInRange<int>(0, 15) == 0) {
      http::TransportError e;
      e.kind = static_cast<http::ErrorKind>(in_.ConsumeIntegralInRange<int>(0, 7));
      e.message = with_echo(cfmon::fuzz::text(in_, 64));
      return e;
    }
    static constexpr long kStatuses[] = {200, 200, 200, 200, 400, 401, 403, 404, 429, 429, 500, 502, 503, 301};
    http::Response r;
    const int pick = in_.ConsumeIntegralInRange<int>(0, 15);
    r.status = pick < 14 ? kStatuses[pick] : in_.ConsumeIntegralInRange<long>(0, 999);
    static constexpr const char* kHeaders[] = {"content-type", "retry-after", "ratelimit", "x-ratelimit-reset"};
    for (int n = in_.ConsumeIntegralInRange<int>(0, 3); n > 0; --n) {
      r.headers.emplace_back(kHeaders[in_.ConsumeIntegralInRange<int>(0, 3)], with_echo(cfmon::fuzz::text(in_, 40)));
    }
    if (in_.ConsumeIntegralInRange<int>(0, 31) == 0) {
      // Deep nesting, built from a few input bytes: too deep for any recursive copy.
      const auto depth = in_.ConsumeIntegralInRange<std::size_t>(1, 200000);
      r.body = R"({"success":true,"errors":[],"messages":[],"result":)" + std::string(depth, '[') +
               std::string(depth, ']') + "}";
    } else {
      r.body = with_echo(in_.ConsumeRandomLengthString(4096));
    }
    r.body_bytes = r.body.size();
    r.body_truncated = in_.ConsumeIntegralInRange<int>(0, 15) == 0;
    return r;
  }

  FuzzedDataProvider& in_;
  Clock& clock_;
  std::size_t requests_ = 0;
};

// CFMON_FUZZ_VERBOSE=1: what each input did, to check what a seed exercises.
const bool kVerbose = std::getenv("CFMON_FUZZ_VERBOSE") != nullptr;

template <class T>
void check_error(const cf::ApiResult<T>& result) {
  if (kVerbose) std::fprintf(stderr, "-> %s\n", result ? "ok" : visible(result.error().message).c_str());
  if (result) return;
  const std::string& m = result.error().message;
  CFMON_FUZZ_CHECK(!m.empty() && !cfmon::fuzz::has_control(m), visible(m));
  CFMON_FUZZ_CHECK(m.find(kToken) == std::string::npos, visible(m));
  CFMON_FUZZ_CHECK(!cf::api_error_kind_name(result.error().kind).empty(), visible(m));
}

// A token from a single-token answer: no problems (they make the answer an error).
void check_token(const cf::ServiceTokenInfo& t) {
  CFMON_FUZZ_CHECK(t.problems.empty(), visible(t.problems.front()));
}

// A listed token may carry problems: each a printable line without the API token.
void check_listed(const cf::ServiceTokenInfo& t) {
  for (const auto& p : t.problems) {
    CFMON_FUZZ_CHECK(!p.empty() && !cfmon::fuzz::has_control(p), visible(p));
    CFMON_FUZZ_CHECK(p.find(kToken) == std::string::npos, visible(p));
  }
}

void check_created(const cf::CreatedToken& created) {
  CFMON_FUZZ_CHECK(!created.client_secret.reveal().empty(), "created or rotated without a secret");
  for (const auto& w : created.warnings) {
    CFMON_FUZZ_CHECK(!w.empty() && !cfmon::fuzz::has_control(w), visible(w));
    CFMON_FUZZ_CHECK(w.find(kToken) == std::string::npos, visible(w));
    CFMON_FUZZ_CHECK(w.find(created.client_secret.reveal()) == std::string::npos, "the secret in a warning");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  Clock clock;
  HostileServer server(in, clock);
  std::vector<std::string> log;

  cf::ApiSettings settings;
  settings.base_url = "https://api.example.test/client/v4";
  settings.credentials.account_id = std::string(kAccount);
  settings.credentials.api_token = cfmon::Secret(std::string(kToken));
  // The seeds' first byte picks one of these (tests/fuzz/make-seeds.py PER_PAGE).
  static constexpr unsigned kPerPage[] = {1, 5, 10, 20, 25, 50, 100, 1000};
  settings.per_page = kPerPage[in.ConsumeIntegralInRange<std::size_t>(0, 7)];
  settings.max_pages = kMaxPages;
  settings.max_rate_limit_retries = kRetries;
  settings.timeout = 10s;

  cf::ApiHooks hooks;
  hooks.steady_now = [&] { return clock.steady; };
  hooks.wall_now = [&] { return clock.wall; };
  hooks.sleep = [&](std::chrono::milliseconds d) {
    CFMON_FUZZ_CHECK(d >= 0ms, std::to_string(d.count()));
    clock.slept += d;
    clock.steady += d;
    clock.wall += d;
  };
  hooks.log = [&](std::string_view line) { log.emplace_back(line); };
  cf::ApiClient api(server, settings, hooks);

  std::string id = in.ConsumeBool() ? "00000001-0000-4000-8000-000000000000" : cfmon::fuzz::text(in, 40);
  // The caller's own arguments may say anything; the API token must come only from us.
  if (id.find(kToken) != std::string::npos) id = "00000001-0000-4000-8000-000000000000";
  switch (in.ConsumeIntegralInRange<int>(0, 6)) {
    case 0: {
      auto r = api.list_service_tokens({});
      check_error(r);
      if (r) {
        for (const auto& t : *r) check_listed(t);
      }
      break;
    }
    case 1: {
      auto r = api.get_service_token(id);
      check_error(r);
      if (r) check_token(*r);
      break;
    }
    case 2: {
      auto r = api.create_service_token("monitoring", std::nullopt);
      check_error(r);
      if (r) check_created(*r);
      break;
    }
    case 3: {
      auto r = api.rotate_service_token(id, clock.wall + 1h);
      check_error(r);
      if (r) check_created(*r);
      break;
    }
    case 4: {
      auto r = api.refresh_service_token(id);
      check_error(r);
      if (r) CFMON_FUZZ_CHECK(!r->id.empty(), "refreshed without an id");
      break;
    }
    case 5: {
      auto r = api.delete_service_token(id);
      check_error(r);
      if (r) CFMON_FUZZ_CHECK(!r->id.empty(), "deleted without an id");
      break;
    }
    default: {
      auto r = api.graphql("{ viewer { accounts { id } } }", nlohmann::json::object());
      check_error(r);
      break;
    }
  }

  // Bounded: pages x (1 + retries) requests, waits inside the budget.
  CFMON_FUZZ_CHECK(server.requests() <= kMaxPages * (1 + kRetries), std::to_string(server.requests()));
  CFMON_FUZZ_CHECK(api.requests_sent() == server.requests(), std::to_string(api.requests_sent()));
  CFMON_FUZZ_CHECK(clock.slept <= settings.timeout, std::to_string(clock.slept.count()));
  for (const auto& line : log) {
    CFMON_FUZZ_CHECK(line.find(kToken) == std::string::npos, visible(line));
  }
  return 0;
}
