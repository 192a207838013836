#include "tokens_check.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <set>

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

struct Finding {
  State state;
  std::string reason;
  std::string text;
};

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

  if (findings.empty()) {
    r.state = State::ok;
    r.reason = never_expires ? "never_expires" : "token_valid";
    r.message = expiry_text;
    if (idle_days)
      r.message += ", last used " + (*idle_days < 1 ? std::string("today") : span_text(*idle_days) + " ago");
  } else {
    // The worst finding names the result; every finding is in the message.
    std::stable_sort(findings.begin(), findings.end(),
                     [](const Finding& a, const Finding& b) { return severity(a.state) > severity(b.state); });
    r.state = findings.front().state;
    r.reason = findings.front().reason;
    for (std::size_t i = 0; i < findings.size(); ++i) r.message += (i ? "; " : "") + findings[i].text;
  }

  if (days_left) {
    r.perfdata.push_back(PerfDatum{"days_left", rounded(*days_left), "", at_least(plan.warning_days),
                                   at_least(plan.critical_days), std::nullopt, std::nullopt});
  }
  if (plan.max_idle_days || idle_days) {
    std::optional<Range> warn;
    if (plan.max_idle_days) warn = at_most(*plan.max_idle_days);
    // Never used: "U", so a graph shows a gap rather than a made-up number.
    r.perfdata.push_back(PerfDatum{"idle_days", idle_days ? std::optional<double>(rounded(*idle_days)) : std::nullopt,
                                   "", warn, std::nullopt, 0.0, std::nullopt});
  }

  // The id is the series key in line protocol; the client ID rides along as a field.
  r.tags = {{"token_id", t.id}, {"result", r.reason}};
  r.fields.push_back(Field{"found", true, ""});
  r.fields.push_back(Field{"enabled", t.enabled, ""});
  r.fields.push_back(Field{"expired", expired, ""});
  r.fields.push_back(Field{"never_expires", never_expires, ""});
  if (days_left) r.fields.push_back(Field{"days_left", rounded(*days_left), ""});
  r.fields.push_back(Field{"never_used", !t.last_seen_at, ""});
  if (idle_days) r.fields.push_back(Field{"idle_days", rounded(*idle_days), ""});
  r.fields.push_back(Field{"client_id", t.client_id, ""});
  if (has_expiry) r.fields.push_back(Field{"expires_at", cloudflare::format_rfc3339(expiry), ""});
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
  r.tags = {{"token_id", t.id}, {"result", r.reason}};
  r.fields.push_back(Field{"found", true, ""});
  if (!t.client_id.empty()) r.fields.push_back(Field{"client_id", t.client_id, ""});
  return r;
}

Result missing_result(const TokenSelector& selector) {
  Result r;
  r.name = selector.value;
  r.state = State::critical;
  r.reason = "token_missing";
  r.message = "no service token with " + selector.origin +
              ": it may have been deleted, or cleaned up by Cloudflare for inactivity";
  r.tags = {{"result", r.reason}};
  r.fields.push_back(Field{"found", false, ""});
  return r;
}

// Not found among the readable tokens, but unreadable ones might be it: UNKNOWN.
Result unverifiable_result(const TokenSelector& selector, std::size_t unreadable) {
  Result r;
  r.name = selector.value;
  r.state = State::unknown;
  r.reason = "api_bad_response";
  r.message = "no readable service token with " + selector.origin + ", but " + std::to_string(unreadable) +
              (unreadable == 1 ? " token" : " tokens") +
              " in the answer could not be read: cannot tell whether it exists";
  r.tags = {{"result", r.reason}};
  return r;
}

const std::string& key_of(const TokenSelector& s, const ServiceTokenInfo& t) {
  switch (s.kind) {
    case TokenSelector::Kind::id:
      return t.id;
    case TokenSelector::Kind::client_id:
      return t.client_id;
    case TokenSelector::Kind::name:
      break;
  }
  return t.name;
}

bool matches(const TokenSelector& s, const ServiceTokenInfo& t) {
  return key_of(s, t) == s.value;
}

Report base_report() {
  Report report;
  report.label = "CF-TOKENS";
  report.measurement = "cf_service_token";
  return report;
}

std::string empty_list_message() {
  return "the API listed no service tokens: the API token may lack Access: Service Tokens Read "
         "(Cloudflare answers an empty list rather than an error)";
}

std::string summary(const Result& root) {
  std::map<int, std::size_t> counts;
  for (const auto& child : root.children) ++counts[static_cast<int>(child.state)];
  std::string text = std::to_string(root.children.size()) + " tokens:";
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

struct Selection {
  std::vector<const ServiceTokenInfo*> found;
  std::vector<const TokenSelector*> missing;
  // Per missing selector: tokens with problems whose key for it is unreadable.
  std::vector<std::size_t> unreadable;
};

Selection select(const TokensPlan& plan, const std::vector<ServiceTokenInfo>& tokens) {
  Selection s;
  if (plan.selectors.empty()) {
    for (const auto& t : tokens) s.found.push_back(&t);
    return s;
  }
  std::set<const ServiceTokenInfo*> seen;
  for (const auto& selector : plan.selectors) {
    bool any = false;
    std::size_t unreadable = 0;
    for (const auto& t : tokens) {
      if (!t.problems.empty() && key_of(selector, t).empty()) ++unreadable;
      if (!matches(selector, t)) continue;
      any = true;
      if (seen.insert(&t).second) s.found.push_back(&t);
    }
    if (!any) {
      s.missing.push_back(&selector);
      s.unreadable.push_back(unreadable);
    }
  }
  return s;
}

}  // namespace

Report run_tokens_check(const TokensPlan& plan, cloudflare::TokenDirectory& api, TimePoint now) {
  Report report = base_report();
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
  const Selection selection = select(plan, *list);
  // Names label perfdata and Zabbix objects: two tokens may share one, so add the id.
  std::map<std::string, int> name_count;
  for (const auto* t : selection.found) ++name_count[t->name];
  for (const auto* t : selection.found) {
    const auto position = static_cast<std::size_t>(t - list->data()) + 1;
    std::string name = !t->name.empty() ? t->name : !t->id.empty() ? t->id : t->client_id;
    if (name.empty()) name = "token #" + std::to_string(position) + " of the answer";
    if (!t->name.empty() && name_count[t->name] > 1) name += "/" + t->id.substr(0, 8);
    if (const std::string why = unusable(*t); !why.empty()) {
      report.root.children.push_back(unusable_result(*t, name, why));
    } else {
      report.root.children.push_back(token_result(plan, *t, name, now));
    }
  }
  for (std::size_t i = 0; i < selection.missing.size(); ++i) {
    report.root.children.push_back(selection.unreadable[i] > 0
                                       ? unverifiable_result(*selection.missing[i], selection.unreadable[i])
                                       : missing_result(*selection.missing[i]));
  }

  report.root.aggregate_from_children();
  if (report.root.children.size() == 1) {
    report.root.reason = report.root.children.front().reason;
    report.root.message = report.root.children.front().message;
  } else {
    report.root.reason = "summary";
    report.root.message = summary(report.root);
  }
  return report;
}

Expected<std::vector<cloudflare::ServiceTokenInfo>> discover_tokens(const TokensPlan& plan,
                                                                    cloudflare::TokenDirectory& api) {
  auto list = api.list_service_tokens({});
  if (!list) return list.error().to_error();
  // An empty discovery would make Zabbix delete every discovered item: refuse it.
  if (list->empty()) return make_error(empty_list_message());
  const Selection selection = select(plan, *list);
  if (selection.found.empty()) return make_error("none of the selected service tokens exists");
  std::vector<cloudflare::ServiceTokenInfo> out;
  for (const auto* t : selection.found) out.push_back(*t);
  return out;
}

}  // namespace cfmon::tokens
