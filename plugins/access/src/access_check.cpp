#include "access_check.hpp"

#include <cmath>
#include <cstdio>
#include <map>

#include <nlohmann/json.hpp>

#include "cfmon/classify.hpp"
#include "cfmon/perfdata.hpp"
#include "cfmon/printable.hpp"

namespace cfmon::access {
namespace {

// Telegraf http_response result_code convention.
std::int64_t result_code_for(const std::string& reason) {
  if (reason == "token_accepted" || reason == "app_redirect") return 0;
  if (reason == "timeout") return 4;
  if (reason == "dns_error") return 5;
  if (reason == "connect_error" || reason == "tls_error" || reason == "protocol_error" || reason == "transport_error" ||
      reason == "config_error") {
    return 3;
  }
  return 6;  // response status code mismatch
}

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
  r.resolve = http::resolve_entries_for(target.url, plan.resolve);  // not all R for each of N targets
  r.ca_file = plan.ca_file;
  r.insecure = plan.insecure;
  r.ip_version = plan.ip_version;
  r.user_agent = plan.user_agent;
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
  std::size_t redirects = 0;  // followed inside the origin before this answer
  std::string url;            // where the answer came from
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
  r.perfdata.push_back(PerfDatum{"time", t.total, "s", plan.warning, plan.critical, 0.0, std::nullopt});
  r.perfdata.push_back(PerfDatum{"time_connect", t.connect, "s", std::nullopt, std::nullopt, 0.0, std::nullopt});
  r.perfdata.push_back(PerfDatum{"time_tls", t.tls, "s", std::nullopt, std::nullopt, 0.0, std::nullopt});
  r.perfdata.push_back(PerfDatum{"time_firstbyte", t.firstbyte, "s", std::nullopt, std::nullopt, 0.0, std::nullopt});
  r.perfdata.push_back(
      PerfDatum{"size", static_cast<double>(probe.content_length), "B", std::nullopt, std::nullopt, 0.0, std::nullopt});

  r.tags = {{"server", host_of(target.url)}, {"method", plan.method}, {"result", r.reason}};
  r.fields = {
      Field{"http_response_code", std::int64_t{probe.status}, "http_status"},
      Field{"response_time", t.total, ""},
      Field{"result_code", result_code_for(r.reason), "-"},
      Field{"token_accepted", probe.verdict.token_accepted.value_or(false), ""},
      Field{"content_length", probe.content_length, ""},
      Field{"time_connect", t.connect, ""},
      Field{"time_tls", t.tls, ""},
      Field{"time_firstbyte", t.firstbyte, ""},
  };
  if (anonymous) {
    r.fields.push_back(Field{"protected", anonymous->verdict.state == State::ok, ""});
  }
  return r;
}

std::string summary(const Result& root) {
  std::map<int, std::size_t> counts;
  for (const auto& child : root.children) ++counts[static_cast<int>(child.state)];
  std::string text = std::to_string(root.children.size()) + (root.children.size() == 1 ? " app:" : " apps:");
  bool first = true;
  for (const State s : {State::critical, State::warning, State::unknown, State::ok}) {
    const auto it = counts.find(static_cast<int>(s));
    if (it == counts.end()) continue;
    std::string name(state_name(s));
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    text += (first ? " " : ", ") + std::to_string(it->second) + " " + name;
    first = false;
  }
  return text;
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

Report run_access_check(const AccessPlan& plan, http::Client& client) {
  Report report;
  report.label = "CF-ACCESS";
  report.measurement = "cf_access";

  auto requests = build_requests(plan);
  // One budget for the whole run: whatever N, --parallel and --expect-protected, -t holds.
  const auto deadline = std::chrono::steady_clock::now() + plan.timeout;
  for (auto& r : requests) r.deadline = deadline;
  const auto outcomes = client.perform(requests, plan.parallel);
  const std::size_t n = plan.targets.size();

  for (std::size_t i = 0; i < n; ++i) {
    const Probe probe = evaluate(outcomes.at(i), plan, false);
    std::optional<Probe> anonymous;
    if (plan.expect_protected) anonymous = evaluate(outcomes.at(n + i), plan, true);
    report.root.children.push_back(target_result(plan, plan.targets[i], probe, anonymous));
  }
  report.root.aggregate_from_children();
  report.root.reason = report.root.children.size() == 1 ? report.root.children.front().reason : "summary";
  report.root.message = summary(report.root);
  return report;
}

}  // namespace cfmon::access
