#pragma once
// check_cf_access as a pure function: a validated plan and an HTTP client in,
// a Result tree out. No printing, no exit, no environment.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "access_explain.hpp"
#include "access_jwt.hpp"
#include "cfmon/cloudflare_settings.hpp"
#include "cfmon/credentials.hpp"
#include "cfmon/http.hpp"
#include "cfmon/range.hpp"
#include "cfmon/result.hpp"
#include "cfmon/targets.hpp"
#include "status_map.hpp"

namespace cfmon::access {

inline constexpr std::size_t kDefaultMaxBodyBytes = std::size_t{64} * 1024;
inline constexpr std::size_t kDefaultParallel = 50;
inline constexpr int kDefaultMaxRedirects = 5;

struct AccessPlan {
  std::vector<Target> targets;
  ServiceToken token;
  std::string token_header;  // empty: CF-Access-Client-Id + CF-Access-Client-Secret
  bool expect_protected = false;
  State timeout_state = State::critical;
  std::optional<Range> warning;  // on response time, seconds
  std::optional<Range> critical;
  StatusMap status_map;
  std::string method = "GET";
  std::size_t parallel = kDefaultParallel;
  int max_redirects = kDefaultMaxRedirects;   // followed inside the probed origin only
  std::vector<std::string> insecure_targets;  // http:// targets allowed by --allow-insecure-http
  std::chrono::milliseconds timeout{10000};   // the whole run, every target and hop included
  std::size_t max_body_bytes = kDefaultMaxBodyBytes;
  JwtPolicy jwt;                                   // --expect-aud: a 2xx is OK only with the application's Access JWT
  std::optional<cloudflare::ApiSettings> explain;  // --explain: the API to read causes from
};

// Every request shares one deadline, plan.timeout from the start: the run ends by then.
// `now` judges the expiry of Access JWTs (--expect-aud). With an `explainer` (--explain)
// the line of a failed probe ends with its cause; the state stays the probe's.
Report run_access_check(const AccessPlan& plan, http::Client& client,
                        std::chrono::system_clock::time_point now = std::chrono::system_clock::now(),
                        Explainer* explainer = nullptr);

// Every metric an app's result may carry (for tests of the formatters' names).
const std::vector<Metric>& app_metrics();

// Text from a user or a server made safe for a one-line message: control bytes and '|'
// become '?', and at most `max_chars` are kept (cfmon::printable, kQuotedTarget).
std::string printable_text(std::string_view text, std::size_t max_chars);

// The requests the plan sends, in target order (authenticated ones first, then
// the anonymous ones of --expect-protected). Exposed for tests.
std::vector<http::Request> build_requests(const AccessPlan& plan);

}  // namespace cfmon::access
