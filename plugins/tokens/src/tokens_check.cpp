#include "tokens_check.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

#include "cfmon/findings.hpp"

namespace cfmon::tokens {
namespace {

using cloudflare::ServiceTokenInfo;
using cloudflare::TimePoint;

constexpr double kSecondsPerDay = 86400.0;
constexpr double kForeverDays = 36500;  // an expiry beyond a century is no expiry

double days_between(TimePoint from, TimePoint to) {
  return std::chrono::duration<double>(to - from).count() / kSecondsPerDay;
}

// "20 days", "1 day", "5 hours", "less than an hour": what a person reads.
std::string span_text(double days) {
  const double d = std::fabs(days);
  if (d >= 2) return std::to_string(static_cast<long long>(std::floor(d))) + " days";
  if (d >= 1) return "1 day";
  const auto hours = static_cast<long long>(std::floor(d * 24));
  if (hours >= 2) return std::to_string(hours) + " hours";
  if (hours == 1) return "1 hour";
  return "less than an hour";
}

std::string date_text(TimePoint t) {
  return cloudflare::format_rfc3339(t).substr(0, 10);
}

std::string number_text(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v);
  return buffer;
}

double rounded(double v) {
  return std::round(v * 100.0) / 100.0;
}

// Nagios ranges matching the check's own comparisons, for perfdata.
Range at_least(double days) {
  return Range{days, std::numeric_limits<double>::infinity(), false, number_text(days) + ":"};
}
Range at_most(double days) {
  return Range{0.0, days, false, number_text(days)};
}

// A token's lifetime in days: its duration, else expires_at - created_at; nullopt = unbounded.
std::optional<double> lifetime_days(const ServiceTokenInfo& t) {
  if (t.duration == "forever") return std::nullopt;
  if (auto d = cloudflare::parse_go_duration(t.duration)) {
    return std::chrono::duration<double>(*d).count() / kSecondsPerDay;
  }
  if (t.expires_at && t.created_at) return days_between(*t.created_at, *t.expires_at);
  if (!t.expires_at) return std::nullopt;
  return 0.0;  // an expiry without a known start: nothing to say about its length
}

// The metrics of one token, each declared once (in field order).
const Metric kFound{.field = "found"};
const Metric kEnabled{.field = "enabled"};
const Metric kExpired{.field = "expired"};
const Metric kNeverExpires{.field = "never_expires"};
const Metric kDaysLeft{
    .field = "days_left", .perf_label = "days_left", .unit = Unit::days, .prometheus = "token_expires_in_seconds"};
const Metric kNeverUsed{.field = "never_used"};
const Metric kIdleDays{.field = "idle_days",
                       .perf_label = "idle_days",
                       .unit = Unit::days,
                       .min = 0.0,
                       .prometheus = "token_idle_seconds"};
const Metric kClientId{.field = "client_id"};
const Metric kExpiresAt{.field = "expires_at"};

std::optional<FieldValue> rounded(const std::optional<double>& v) {
  if (!v) return std::nullopt;
  return FieldValue{rounded(*v)};
}

Result token_result(const TokensPlan& plan, const ServiceTokenInfo& t, const std::string& name, TimePoint now) {
  Result r;
  r.name = name;
  std::vector<Finding> findings;
  std::string expiry_text;
  std::optional<double> days_left;
  // "forever" tokens may carry an expires_at far in the future (9999-12-31): no expiry.
  // A plain time point plus a flag: GCC 12 at -O2 misreads a copied optional<time_point>
  // as maybe-uninitialized.
  const bool has_expiry =
      t.expires_at.has_value() && !(t.duration == "forever" && days_between(now, *t.expires_at) > kForeverDays);
  const TimePoint expiry = has_expiry ? t.expires_at.value_or(TimePoint{}) : TimePoint{};
  const bool never_expires = !has_expiry;
  bool expired = false;

  if (!t.enabled) {
    findings.push_back({State::critical, "token_disabled", "disabled (enabled: false): Access refuses it"});
  }
  if (has_expiry) {
    days_left = days_between(now, expiry);
    if (*days_left <= 0) {
      expired = true;
      findings.push_back(
          {State::critical, "token_expired", "expired " + span_text(*days_left) + " ago (" + date_text(expiry) + ")"});
    } else if (*days_left < plan.critical_days) {
      findings.push_back(
          {State::critical, "expires_soon", "expires in " + span_text(*days_left) + " (" + date_text(expiry) + ")"});
    } else if (*days_left < plan.warning_days) {
      findings.push_back(
          {State::warning, "expires_soon", "expires in " + span_text(*days_left) + " (" + date_text(expiry) + ")"});
    } else {
      expiry_text = "expires in " + span_text(*days_left) + " (" + date_text(expiry) + ")";
    }
  } else {
    expiry_text = "never expires (duration " + (t.duration.empty() ? std::string("unknown") : t.duration) + ")";
  }
  if (plan.max_lifetime_days) {
    const auto lifetime = lifetime_days(t);
    if (!lifetime) {
      findings.push_back({State::warning, "lifetime_too_long",
                          "never expires, but --max-lifetime-days is " + number_text(*plan.max_lifetime_days) +
                              ": rotate it into a token with an expiry"});
    } else if (*lifetime > *plan.max_lifetime_days) {
      findings.push_back({State::warning, "lifetime_too_long",
                          "lifetime " + span_text(*lifetime) + " (duration " + t.duration + ") exceeds " +
                              number_text(*plan.max_lifetime_days) + " days"});
    }
  }
  std::optional<double> idle_days;
  if (t.last_seen_at) idle_days = std::max(0.0, days_between(*t.last_seen_at, now));
  if (plan.max_idle_days) {
    if (!idle_days) {
      findings.push_back({State::warning, "never_used", "never used (Cloudflare may clean up unused tokens)"});
    } else if (*idle_days > *plan.max_idle_days) {
      findings.push_back({State::warning, "token_idle",
                          "last used " + span_text(*idle_days) + " ago (" + date_text(*t.last_seen_at) +
                              "; Cloudflare may clean up unused tokens)"});
    }
  }

  if (!fold_findings(r, std::move(findings))) {
    r.state = State::ok;
    r.reason = never_expires ? "never_expires" : "token_valid";
    r.message = expiry_text;
    if (idle_days)
      r.message += ", last used " + (*idle_days < 1 ? std::string("today") : span_text(*idle_days) + " ago");
  }

  // The id is the series key in line protocol; the client ID rides along as a field.
  r.tags = {{"token_id", t.id}};
  r.add(kFound, true);
  r.add(kEnabled, t.enabled);
  r.add(kExpired, expired);
  r.add(kNeverExpires, never_expires);
  if (days_left) r.add(kDaysLeft, rounded(days_left), at_least(plan.warning_days), at_least(plan.critical_days));
  r.add(kNeverUsed, !t.last_seen_at);
  // Never used: "U" in perfdata, so a graph shows a gap rather than a made-up number; no field.
  if (plan.max_idle_days || idle_days) {
    std::optional<Range> warn;
    if (plan.max_idle_days) warn = at_most(*plan.max_idle_days);
    r.add(kIdleDays, rounded(idle_days), warn);
  }
  r.add(kClientId, t.client_id);
  if (has_expiry) r.add(kExpiresAt, cloudflare::format_rfc3339(expiry));
  return r;
}

// What could be wrong with a token's answer before judging it; empty when nothing.
std::string unusable(const ServiceTokenInfo& t) {
  std::string text;
  for (const auto& p : t.problems) text += (text.empty() ? "" : "; ") + p;
  if (t.id.empty() && t.client_id.empty() && t.name.empty() && text.empty()) {
    text = "it has no id, client_id or name";
  }
  // An expiry is what this check is for: a finite duration without one cannot be judged.
  if (text.empty() && !t.expires_at && t.duration != "forever") {
    if (t.duration.empty()) {
      text = "it has neither expires_at nor duration: its expiry is unknown";
    } else {
      text = "'duration' is '" + t.duration + "' but there is no expires_at: its expiry is unknown";
    }
  }
  return text;
}

// A token whose part of the answer is malformed or contradicts itself: UNKNOWN, never OK.
Result unusable_result(const ServiceTokenInfo& t, const std::string& name, const std::string& why) {
  Result r;
  r.name = name;
  r.state = State::unknown;
  r.reason = "api_bad_response";
  r.message = "the API's answer for this token is unusable: " + why;
  r.tags = {{"token_id", t.id}};
  r.add(kFound, true);
  if (!t.client_id.empty()) r.add(kClientId, t.client_id);
  return r;
}

std::string empty_list_message() {
  return "the API listed no service tokens: the API token may lack Access: Service Tokens Read "
         "(Cloudflare answers an empty list rather than an error)";
}

}  // namespace

const std::vector<Metric>& token_metrics() {
  static const std::vector<Metric> all{kFound,     kEnabled,  kExpired,  kNeverExpires, kDaysLeft,
                                       kNeverUsed, kIdleDays, kClientId, kExpiresAt};
  return all;
}

Report run_tokens_check(const TokensPlan& plan, cloudflare::TokenDirectory& api, TimePoint now) {
  Report report;
  auto list = api.list_service_tokens({});
  if (!list) {
    report.root.state = State::unknown;
    report.root.reason = std::string(cloudflare::api_error_kind_name(list.error().kind));
    report.root.message = list.error().message;
    return report;
  }
  if (list->empty()) {
    report.root.state = State::unknown;
    report.root.reason = "empty_list";
    report.root.message = empty_list_message();
    return report;
  }
  const auto selection = plugin::select_tokens(plan.selectors, *list);
  const auto names = plugin::display_names(selection.found, *list);
  for (std::size_t i = 0; i < selection.found.size(); ++i) {
    const auto* t = selection.found[i];
    const auto& name = names[i];
    if (const std::string why = unusable(*t); !why.empty()) {
      report.root.children.push_back(unusable_result(*t, name, why));
    } else {
      report.root.children.push_back(token_result(plan, *t, name, now));
    }
  }
  for (std::size_t i = 0; i < selection.missing.size(); ++i) {
    auto r = plugin::missing_token_result(*selection.missing[i], selection.unreadable[i]);
    if (selection.unreadable[i] == 0) r.add(kFound, false);
    report.root.children.push_back(std::move(r));
  }
  fold_children(report.root, "token", "tokens", SingleChild::speaks);
  return report;
}

Expected<std::vector<cloudflare::ServiceTokenInfo>> discover_tokens(const TokensPlan& plan,
                                                                    cloudflare::TokenDirectory& api) {
  auto list = api.list_service_tokens({});
  if (!list) return list.error().to_error();
  // An empty discovery would make Zabbix delete every discovered item: refuse it.
  if (list->empty()) return make_error(empty_list_message());
  const auto selection = plugin::select_tokens(plan.selectors, *list);
  if (selection.found.empty()) return make_error("none of the selected service tokens exists");
  std::vector<cloudflare::ServiceTokenInfo> out;
  for (const auto* t : selection.found) out.push_back(*t);
  return out;
}

}  // namespace cfmon::tokens
