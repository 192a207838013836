#pragma once
// The reports every formatter's golden tests render, so the five outputs of one case can be
// read side by side. Ranges are built field by field: formatters only print Range::text.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "cfmon/result.hpp"

namespace cfmon::testing {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline Range make_range(std::string text, double start, double end, bool inside = false) {
  Range r;
  r.start = start;
  r.end = end;
  r.inside = inside;
  r.text = std::move(text);
  return r;
}

// The metrics of check_cf_access, as the fixtures use them.
inline const Metric kTime{
    .field = "response_time", .perf_label = "time", .unit = Unit::seconds, .zabbix_key = "time", .min = 0.0};
inline const Metric kSize{.perf_label = "size", .unit = Unit::bytes, .min = 0.0};
inline const Metric kHttpResponseCode{.field = "http_response_code"};
inline const Metric kTokenAccepted{.field = "token_accepted"};

// A metric that is only a field (the same name everywhere), or only perfdata.
inline Metric field_metric(std::string key, std::string zabbix_key = {}) {
  Metric m;
  m.field = std::move(key);
  m.zabbix_key = std::move(zabbix_key);
  return m;
}
inline Metric perf_metric(std::string label, Unit unit, std::optional<double> min = std::nullopt,
                          std::optional<double> max = std::nullopt) {
  Metric m;
  m.perf_label = std::move(label);
  m.unit = unit;
  m.min = min;
  m.max = max;
  return m;
}

// The response time, NaN when unknown (perfdata "U", no line-protocol field, Zabbix null).
inline void add_time(Result& r, std::optional<double> seconds) {
  r.add(kTime, seconds.value_or(std::nan("")), make_range("1", 0, 1), make_range("2", 0, 2));
}

// A target the way check_cf_access reports one.
inline Result app_result(std::string name, State state, std::string reason, std::string message,
                         std::optional<double> seconds, std::int64_t status) {
  Result r;
  r.name = std::move(name);
  r.state = state;
  r.reason = std::move(reason);
  r.message = std::move(message);
  add_time(r, seconds);
  r.add(kSize, std::int64_t{5120});
  r.add(kHttpResponseCode, status);
  r.add(kResultCodeMetric);
  r.add(kTokenAccepted, state == State::ok);
  r.tags = {{"server", "https://" + r.name + ".example.com/health"}};
  return r;
}

inline Report base_report() {
  Report report;
  report.label = "CF-ACCESS";
  report.measurement = "cf_access";
  report.timestamp_ns = 1700000000000000000;
  return report;
}

inline Report single_ok_report() {
  Report report = base_report();
  report.root.message = "1 app: 1 ok";
  report.root.reason = "ok";
  report.root.children.push_back(
      app_result("app1", State::ok, "token_accepted", "HTTP 200 in 0.123s", 0.123456789, 200));
  report.root.aggregate_from_children();
  return report;
}

inline Report mixed_report() {
  Report report = base_report();
  report.root.message = "4 apps: 1 critical, 1 warning, 1 unknown, 1 ok";
  report.root.reason = "critical";
  auto& c = report.root.children;
  c.push_back(app_result("wiki", State::ok, "token_accepted", "HTTP 200 in 0.080s", 0.08, 200));
  c.push_back(app_result("grafana", State::critical, "login_redirect",
                         "redirected to the Access login page: token rejected", 0.2, 302));
  c.push_back(app_result("jira", State::unknown, "timeout", "no answer within 10s", std::nullopt, 0));
  c.push_back(app_result("ci", State::warning, "slow", "HTTP 200 in 1.500s (> 1s)", 1.5, 200));
  report.root.aggregate_from_children();
  return report;
}

// Names and messages that try to break every format.
inline Report nasty_report() {
  Report report = base_report();
  report.label = "CF|ACCESS\n";
  report.root.message = "8 apps | 2 critical\nsecond line";
  report.root.add(perf_metric("total 'time'|=\n", Unit::seconds), 1.5);
  auto& c = report.root.children;
  c.push_back(app_result("my app", State::ok, "token_accepted", "HTTP 200 | fine", 0.1, 200));
  c.push_back(app_result("a,b=c", State::critical, "origin_down", "HTTP 502\r\nBad Gateway", 0.2, 502));
  c.push_back(app_result("quote's \"dq\"", State::warning, "slow", "took 'long' \"very\"", 1.25, 200));
  c.push_back(app_result("pipe|name", State::ok, "token_accepted", "ok", 0.3, 200));
  c.push_back(app_result("pipename", State::ok, "token_accepted", "collides with pipe|name", 0.4, 200));
  c.push_back(app_result("new\nline", State::critical, "tls_error", "certificate\tverify failed", 0.5, 0));
  c.push_back(app_result("ünïcødé ✓", State::ok, "token_accepted", "zoë says \xff invalid", 0.6, 200));
  c.push_back(app_result("back\\slash\\", State::unknown, "dns_error", "C:\\path\\ end\\", std::nullopt, 0));
  c[0].tags.emplace_back("path", "/a b,c=d");
  c[0].tags.emplace_back("empty", "");
  c[0].tags.emplace_back("", "no key");
  c[1].add(field_metric("body"), std::string("<h1>\"Bad\"\\ Gateway</h1>\nline 2"));
  c[1].add(field_metric("field with space,comma=eq", "field.key"), std::int64_t{-7});
  report.root.aggregate_from_children();
  return report;
}

// A configuration error: nothing was probed.
inline Report unknown_root_report() {
  Report report = base_report();
  report.root.state = State::unknown;
  report.root.reason = "config_error";
  report.root.message = "missing CF_ACCESS_CLIENT_ID (set it in the environment or --env-file)";
  return report;
}

// A root without children that carries its own perfdata, with undeterminable values.
inline Report u_values_report() {
  Report report = base_report();
  report.timestamp_ns = 0;
  report.root.name = "app1";
  report.root.state = State::critical;
  report.root.reason = "timeout";
  report.root.message = "no answer within 10s";
  Metric time = kTime;
  time.field.clear();  // only perfdata: the field below is separate
  report.root.add(time, std::nullopt, make_range("1", 0, 1), make_range("2", 0, 2));
  report.root.add(perf_metric("size", Unit::bytes, 0.0, std::numeric_limits<double>::infinity()),
                  std::numeric_limits<double>::quiet_NaN());
  report.root.add(field_metric("response_time"), std::numeric_limits<double>::quiet_NaN());
  report.root.add(field_metric("timeout"), true);
  return report;
}

// Every threshold shape Nagios knows, plus min/max.
inline Report thresholds_report() {
  Report report = base_report();
  report.root.message = "2 apps: 2 ok";
  report.root.children.push_back(
      app_result("app1", State::ok, "token_accepted", "HTTP 200 in 0.001s", 0.0012345678, 200));
  report.root.children.push_back(app_result("app2", State::ok, "token_accepted", "HTTP 200 in 12.500s", 12.5, 200));
  auto& app1 = report.root.children[0];
  app1.add(perf_metric("cert days left", Unit::percent, 0.0, 100.0), 42.0, make_range("~:10", -kInf, 10),
           make_range("@10:20", 10, 20, true));
  app1.add(perf_metric("errors", Unit::counter), 3.0, std::nullopt, make_range("10:", 10, kInf));
  app1.add(perf_metric("skew", Unit::seconds), -0.0000004, make_range("-5:5", -5, 5));
  report.root.aggregate_from_children();
  return report;
}

// Enough targets to overflow Nagios' 8 KB output buffer.
inline Report many_targets_report(int count) {
  Report report = base_report();
  report.root.message = std::to_string(count) + " apps: 2 critical, " + std::to_string(count - 2) + " ok";
  for (int i = 0; i < count; ++i) {
    const bool bad = i == 7 || i == count - 3;
    report.root.children.push_back(app_result("application-number-" + std::to_string(i),
                                              bad ? State::critical : State::ok, bad ? "origin_down" : "token_accepted",
                                              bad ? "HTTP 503 from the origin behind the tunnel" : "HTTP 200 in 0.050s",
                                              0.05 + i / 1000.0, bad ? 503 : 200));
  }
  report.root.aggregate_from_children();
  return report;
}

// The samples every formatter has a golden file for (named after it), with the exit code
// the Nagios-style formatters give each: its worst state.
struct SampleReport {
  const char* name;
  Report (*make)();
  int exit_code;
};

inline const std::vector<SampleReport>& sample_reports() {
  static const std::vector<SampleReport> all{
      {"single_ok", single_ok_report, 0},       {"mixed", mixed_report, 2},       {"nasty", nasty_report, 2},
      {"unknown_root", unknown_root_report, 3}, {"u_values", u_values_report, 2}, {"thresholds", thresholds_report, 0}};
  return all;
}

// NOLINTNEXTLINE(readability-identifier-naming): gtest looks this name up.
inline void PrintTo(const SampleReport& sample, std::ostream* os) {
  *os << sample.name;
}

inline std::string sample_name(const ::testing::TestParamInfo<SampleReport>& info) {
  return info.param.name;
}

}  // namespace cfmon::testing
