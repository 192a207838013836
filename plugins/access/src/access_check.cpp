#include "access_check.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "cfmon/findings.hpp"
#include "cfmon/metric.hpp"
#include "cfmon/printable.hpp"
#include "classify.hpp"

namespace cfmon::access {
namespace {

// The metrics of one app, each declared once: fields follow inputs.http_response, perfdata
// check_http (the times, then the size).
const Metric kHttpStatus{.field = "http_response_code", .zabbix_key = "http_status"};
const Metric kResponseTime{.field = "response_time", .perf_label = "time", .unit = Unit::seconds, .min = 0.0};
const Metric kTokenAccepted{.field = "token_accepted"};
const Metric kContentLength{
    .field = "content_length", .perf_label = "size", .unit = Unit::bytes, .min = 0.0, .perf_rank = 1};
const Metric kTimeConnect{.field = "time_connect", .perf_label = "time_connect", .unit = Unit::seconds, .min = 0.0};
const Metric kTimeTls{.field = "time_tls", .perf_label = "time_tls", .unit = Unit::seconds, .min = 0.0};
const Metric kTimeFirstbyte{
    .field = "time_firstbyte", .perf_label = "time_firstbyte", .unit = Unit::seconds, .min = 0.0};
const Metric kProtected{.field = "protected"};

std::string seconds_text(double s) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.3f", s);
  return buffer;
}

std::string host_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  const auto end = url.find_first_of("/?#", start);
  return url.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

http::Request base_request(const AccessPlan& plan, const Target& target) {
  http::Request r;
  r.url = target.url;
  r.method = plan.method;
  r.timeout = plan.timeout;
  r.max_body_bytes = plan.max_body_bytes;
  r.max_redirects = plan.max_redirects;
  r.is_final_redirect = &is_access_login_url;  // the verdict itself, never a hop
  return r;
}

void add_credentials(const AccessPlan& plan, http::Request& r) {
  if (plan.token_header.empty()) {
    r.headers.emplace_back("CF-Access-Client-Id", plan.token.client_id);
    r.secret_headers.emplace_back("CF-Access-Client-Secret", plan.token.client_secret);
    return;
  }
  // One header holding both values, as apps with read_service_tokens_from_header expect.
  nlohmann::json value = {{"cf-access-client-id", plan.token.client_id},
                          {"cf-access-client-secret", std::string(plan.token.client_secret.reveal())}};
  std::string text = value.dump();
  r.secret_headers.emplace_back(plan.token_header, Secret(text));
  r.secret_parts.push_back(plan.token.client_secret);  // an app may reflect the secret alone
  std::fill(text.begin(), text.end(), '\0');
}

struct Probe {
  Verdict verdict;
  long status = 0;
  http::Timings timings;
  std::int64_t content_length = 0;
  bool answered = false;
  std::size_t redirects = 0;       // followed inside the origin before this answer
  std::string url;                 // where the answer came from
  std::optional<std::string> jwt;  // the CF_Authorization cookie Access set, if any
};

Probe evaluate(const http::Outcome& outcome, const AccessPlan& plan, bool anonymous) {
  Probe p;
  if (const auto* response = std::get_if<http::Response>(&outcome)) {
    p.answered = true;
    p.status = response->status;
    p.timings = response->timings;
    p.redirects = response->redirects;
    p.url = response->url;
    p.verdict =
        anonymous ? classify_anonymous_response(*response) : classify_access_response(*response, plan.status_map);
    if (!anonymous) p.jwt = cf_authorization_cookie(*response);
    p.content_length = static_cast<std::int64_t>(response->body_bytes);
    if (auto length = response->header("content-length")) {
      try {
        p.content_length = std::stoll(std::string(*length));
      } catch (const std::exception&) {
        // A malformed Content-Length is not worth a state; keep the bytes we saw.
      }
    }
  } else {
    const auto& error = std::get<http::TransportError>(outcome);
    p.timings = error.timings;
    p.verdict = classify_transport_error(error, plan.timeout_state);
  }
  return p;
}

std::string describe(const Probe& p) {
  if (p.answered) {
    std::string where;
    if (p.redirects > 0) {
      where = " after " + std::to_string(p.redirects) + (p.redirects == 1 ? " redirect" : " redirects") + ", at " +
              printable_text(p.url, 200);
    }
    return p.verdict.meaning + " (HTTP " + std::to_string(p.status) + where + ") in " + seconds_text(p.timings.total) +
           " s";
  }
  return p.verdict.meaning + " after " + seconds_text(p.timings.total) + " s";
}

Result target_result(const AccessPlan& plan, const Target& target, const Probe& probe,
                     const std::optional<Probe>& anonymous) {
  Result r;
  r.name = target.name;
  r.state = probe.verdict.state;
  r.reason = probe.verdict.reason;
  r.message = describe(probe);

  // Response-time thresholds apply only to a real answer that is otherwise fine.
  if (probe.answered && r.state != State::critical) {
    const double t = probe.timings.total;
    if (plan.critical && plan.critical->alerts(t)) {
      r.state = State::critical;
      r.message += ", slower than -c " + plan.critical->text;
    } else if (plan.warning && plan.warning->alerts(t) && r.state == State::ok) {
      r.state = State::warning;
      r.message += ", slower than -w " + plan.warning->text;
    }
  }

  if (anonymous) {
    if (anonymous->verdict.state == State::ok) {
      r.message += "; " + anonymous->verdict.meaning;
    } else {
      // An app reachable without a token is the headline, whatever the token probe said.
      r.state = worst(r.state, anonymous->verdict.state);
      r.reason = anonymous->verdict.reason;
      r.message = (anonymous->answered ? anonymous->verdict.meaning : "anonymous probe: " + describe(*anonymous)) +
                  "; with token: " + describe(probe);
    }
  }

  const auto& t = probe.timings;
  r.tags = {{"server", host_of(target.url)}, {"method", plan.method}};
  r.add(kHttpStatus, std::int64_t{probe.status});
  r.add(kResponseTime, t.total, plan.warning, plan.critical);
  r.add(kResultCodeMetric);
  r.add(kTokenAccepted, probe.verdict.token_accepted.value_or(false));
  r.add(kContentLength, probe.content_length);
  r.add(kTimeConnect, t.connect);
  r.add(kTimeTls, t.tls);
  r.add(kTimeFirstbyte, t.firstbyte);
  if (anonymous) r.add(kProtected, anonymous->verdict.state == State::ok);
  return r;
}

// A finding about the answer that outranks what the probe said of it: the headline.
// Unless the result already says something worse (an app reachable without a token).
void raise(Result& r, State state, const char* reason, const std::string& text) {
  if (worst(r.state, state) != state) {
    r.message += "; " + text;
    return;
  }
  r.state = state;
  r.reason = reason;
  r.message = text + "; " + r.message;
}

// --expect-aud: an answered 2xx is OK only when it carries the application's Access JWT.
void judge_jwt(Result& r, const Probe& p, TeamKeySource& source, const AccessPlan& plan,
               std::chrono::system_clock::time_point now) {
  const std::string answered = "answered HTTP " + std::to_string(p.status);
  if (!p.jwt) {
    if (plan.jwt.optional) {
      r.message += "; no Access JWT to verify (--jwt-optional)";
    } else {
      raise(r, State::warning, "unverifiable",
            answered +
                " but Access set no CF_Authorization cookie: nothing ties the answer to the application "
                "(strict orgs issue none: --jwt-optional)");
    }
    return;
  }
  std::string problem;
  const TeamKeys* keys = source.keys(&problem);
  if (keys == nullptr) {
    raise(r, State::unknown, "jwt_keys_unavailable", "cannot verify the Access JWT: " + problem);
    return;
  }
  const JwtExpectations expect{plan.jwt.audiences, "https://" + plan.jwt.team_domain, plan.token.client_id, now};
  auto check = verify_access_jwt(*p.jwt, *keys, expect);
  if (check.outcome == JwtCheck::Outcome::unknown_key) {
    // Keys rotate: a kid we do not know sends us to fetch the set again, once.
    keys = source.refreshed(&problem);
    if (keys == nullptr) {
      raise(r, State::unknown, "jwt_keys_unavailable", "cannot verify the Access JWT: " + problem);
      return;
    }
    check = verify_access_jwt(*p.jwt, *keys, expect);
  }
  if (check.outcome != JwtCheck::Outcome::valid) {
    raise(r, State::critical, "not_through_access",
          answered + " without a valid Access token for this application (" + check.problem +
              "): a Bypass policy, another application, or not Cloudflare");
    return;
  }
  r.message += "; Access JWT verified";
}

}  // namespace

std::string printable_text(std::string_view text, std::size_t max_chars) {
  return printable(text, max_chars, kQuotedTarget);
}

std::vector<http::Request> build_requests(const AccessPlan& plan) {
  std::vector<http::Request> requests;
  requests.reserve(plan.targets.size() * (plan.expect_protected ? 2 : 1));
  for (const auto& target : plan.targets) {
    auto r = base_request(plan, target);
    add_credentials(plan, r);
    requests.push_back(std::move(r));
  }
  if (plan.expect_protected) {
    for (const auto& target : plan.targets) requests.push_back(base_request(plan, target));
  }
  return requests;
}

const std::vector<Metric>& app_metrics() {
  static const std::vector<Metric> all{kHttpStatus,  kResponseTime, kResultCodeMetric, kTokenAccepted, kContentLength,
                                       kTimeConnect, kTimeTls,      kTimeFirstbyte,    kProtected};
  return all;
}

Report run_access_check(const AccessPlan& plan, http::Client& client, std::chrono::system_clock::time_point now,
                        Explainer* explainer) {
  Report report;
  auto requests = build_requests(plan);
  // One budget for the whole run: whatever N, --parallel and --expect-protected, -t holds.
  const auto deadline = std::chrono::steady_clock::now() + plan.timeout;
  for (auto& r : requests) r.deadline = deadline;
  const auto outcomes = client.perform(requests, plan.parallel);
  const std::size_t n = plan.targets.size();
  std::optional<TeamKeySource> keys;
  if (plan.jwt.enabled()) keys.emplace(plan.jwt, client, plan.timeout, deadline, now);

  for (std::size_t i = 0; i < n; ++i) {
    const Probe probe = evaluate(outcomes.at(i), plan, false);
    std::optional<Probe> anonymous;
    if (plan.expect_protected) anonymous = evaluate(outcomes.at(n + i), plan, true);
    Result r = target_result(plan, plan.targets[i], probe, anonymous);
    if (keys && probe.answered && probe.verdict.state == State::ok && probe.status >= 200 && probe.status <= 299) {
      judge_jwt(r, probe, *keys, plan, now);
    }
    if (explainer != nullptr) {
      if (auto cause = explainer->cause(probe.verdict.reason, plan.targets[i].url)) r.message += "; " + *cause;
    }
    report.root.children.push_back(std::move(r));
  }
  fold_children(report.root, "app", "apps", SingleChild::counted);
  return report;
}

}  // namespace cfmon::access
