#include "logins_check.hpp"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>

#include "cfmon/findings.hpp"

namespace cfmon::logins {

const char* const kLoginsQuery =
    "query LoginEvents($accountTag: string, $since: Time, $until: Time, $limit: uint64) {\n"
    "  viewer { accounts(filter: {accountTag: $accountTag}) {\n"
    "    accessLoginRequestsAdaptiveGroups(limit: $limit,\n"
    "      filter: {datetime_geq: $since, datetime_leq: $until, identityProvider: \"nonidentity\"},\n"
    "      orderBy: [datetime_DESC]) {\n"
    "      count\n"
    "      dimensions { datetime isSuccessfulLogin ipAddress serviceTokenId approvingPolicyId\n"
    "                   cfRayId country identityProvider } } } } }";

namespace {

using cloudflare::ServiceTokenInfo;
using cloudflare::TimePoint;
using nlohmann::json;

// No group of one query window counts more logins than this: a bigger count is a bad
// answer, not traffic (a trillion logins in one group).
constexpr std::int64_t kMaxGroupCount = 1'000'000'000'000;

struct Outside {
  std::string ip;
  std::string time;
  std::int64_t count = 0;
};

struct Activity {
  std::int64_t logins = 0;
  std::int64_t failures = 0;
  std::set<std::string> ips;
  std::vector<Outside> outside;  // newest first, one per address
};

// A row of the dataset; nullopt when it is not a service-token event.
struct Row {
  std::string token_id;
  bool success = false;
  std::string ip;
  std::string time;
  std::int64_t count = 0;
};

Report unknown(std::string reason, std::string message) {
  Report report;
  report.root.state = State::unknown;
  report.root.reason = std::move(reason);
  report.root.message = std::move(message);
  return report;
}

std::optional<std::int64_t> integer_of(const json& v) {
  if (v.is_number_unsigned()) {
    // Above INT64_MAX it would wrap negative: clamp (absurd as a count either way).
    return static_cast<std::int64_t>(
        std::min<std::uint64_t>(v.get<std::uint64_t>(), std::numeric_limits<std::int64_t>::max()));
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_boolean()) return v.get<bool>() ? 1 : 0;
  return std::nullopt;
}

// The member `key` of an object, or nullptr: by reference, never a copy of a sub-tree.
const json* member(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string type_text(const json* v) {
  return v == nullptr ? "absent" : cloudflare::json_type_text(*v);
}

// The groups of the answer, or an error line (naming the field) when its shape is
// not the dataset's.
Expected<std::vector<Row>> rows_of(const json& data) {
  const auto bad = [](const std::string& what) {
    return make_error("the GraphQL answer is not login events: " + what);
  };
  const json* viewer = member(data, "viewer");
  if (viewer == nullptr || !viewer->is_object()) return bad("no viewer");
  const json* accounts = member(*viewer, "accounts");
  if (accounts == nullptr || !accounts->is_array())
    return bad("viewer.accounts is " + type_text(accounts) + ", not an array");
  std::vector<Row> rows;
  if (accounts->empty()) return rows;  // an account without events may answer no account entry
  if (!accounts->front().is_object()) return bad("accounts[0] is " + type_text(&accounts->front()) + ", not an object");
  const json* groups = member(accounts->front(), "accessLoginRequestsAdaptiveGroups");
  if (groups == nullptr || !groups->is_array()) {
    return bad("accessLoginRequestsAdaptiveGroups is " + type_text(groups) + ", not an array");
  }
  for (const auto& g : *groups) {
    const json* d = member(g, "dimensions");
    if (d == nullptr || !d->is_object()) return bad("a group without dimensions");
    const json* count_field = member(g, "count");
    const auto count = count_field != nullptr ? integer_of(*count_field) : std::nullopt;
    if (!count) return bad("a group's count is " + type_text(count_field) + ", not an integer");
    if (*count < 0 || *count > kMaxGroupCount) return bad("a group counts " + count_field->dump() + " logins");
    Row r;
    r.count = *count;
    // Identity logins share the dataset: only rows naming a service token count here.
    const json* token = member(*d, "serviceTokenId");
    if (token == nullptr || !token->is_string() || token->get_ref<const std::string&>().empty()) {
      rows.push_back(Row{});
      continue;
    }
    r.token_id = token->get<std::string>();
    const json* success_field = member(*d, "isSuccessfulLogin");
    const auto success = success_field != nullptr ? integer_of(*success_field) : std::nullopt;
    if (!success) return bad("a group's isSuccessfulLogin is " + type_text(success_field) + ", not a boolean");
    r.success = *success != 0;
    const json* ip = member(*d, "ipAddress");
    if (ip != nullptr && ip->is_string()) r.ip = ip->get<std::string>();
    const json* when = member(*d, "datetime");
    if (when != nullptr && when->is_string()) r.time = when->get<std::string>();
    rows.push_back(std::move(r));
  }
  return rows;
}

// Counts are bounded per group, and sums saturate: never wrap into negative logins.
void add_count(std::int64_t& total, std::int64_t n) {
  if (__builtin_add_overflow(total, n, &total)) total = std::numeric_limits<std::int64_t>::max();
}

bool allowed(const LoginsPlan& plan, const std::string& ip) {
  if (plan.allowed.empty()) return true;
  const auto address = parse_ip_address(ip);
  if (!address) return false;  // an address we cannot read is not one we allowed
  return std::any_of(plan.allowed.begin(), plan.allowed.end(), [&](const Cidr& c) { return c.contains(*address); });
}

std::string plural(std::int64_t n, const char* one, const char* many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// The metrics of one token, each declared once (in field order).
const Metric kLogins{.field = "logins", .perf_label = "logins", .unit = Unit::counter, .min = 0.0};
const Metric kFailures{.field = "failures", .perf_label = "failures", .unit = Unit::counter, .min = 0.0};
const Metric kDistinctIps{.field = "distinct_ips", .perf_label = "distinct_ips", .min = 0.0};
const Metric kOutsideLogins{.field = "outside_logins"};
const Metric kClientId{.field = "client_id"};

Result token_result(const LoginsPlan& plan, const std::string& name, const std::string& id,
                    const std::string& client_id, const Activity& a) {
  Result r;
  r.name = name;
  std::vector<Finding> findings;
  const std::string window = "in the last " + plan.window_text;
  if (!a.outside.empty()) {
    std::string text = "login from outside the allowed networks: ";
    for (std::size_t i = 0; i < a.outside.size() && i < 3; ++i) {
      text += (i ? ", " : "") + (a.outside[i].ip.empty() ? std::string("(no address)") : a.outside[i].ip) + " at " +
              a.outside[i].time;
      if (a.outside[i].count > 1) text += " (" + std::to_string(a.outside[i].count) + "x)";
    }
    if (a.outside.size() > 3) text += " and " + std::to_string(a.outside.size() - 3) + " more addresses";
    findings.push_back({State::critical, "outside_allowed_cidr", text});
  }
  const auto failures = static_cast<double>(a.failures);
  if (plan.critical_failures && plan.critical_failures->alerts(failures)) {
    findings.push_back(
        {State::critical, "failed_logins", plural(a.failures, "failed login", "failed logins") + " " + window});
  } else if (plan.warning_failures && plan.warning_failures->alerts(failures)) {
    findings.push_back(
        {State::warning, "failed_logins", plural(a.failures, "failed login", "failed logins") + " " + window});
  }
  if (plan.max_logins && a.logins > *plan.max_logins) {
    findings.push_back({State::warning, "too_many_logins",
                        plural(a.logins, "login", "logins") + " " + window + ", more than --max-logins " +
                            std::to_string(*plan.max_logins) + " (abuse or a runaway script?)"});
  }
  if (plan.expect_activity && a.logins == 0) {
    findings.push_back({State::warning, "no_activity",
                        "no successful login " + window +
                            ": the automation that should use the token has stopped, or no longer uses it"});
  }
  const std::string counts = plural(a.logins, "login", "logins") + ", " + plural(a.failures, "failure", "failures") +
                             " from " + plural(static_cast<std::int64_t>(a.ips.size()), "address", "addresses") + " " +
                             window;
  if (fold_findings(r, std::move(findings))) {
    r.message += " (" + counts + ")";
  } else {
    r.state = State::ok;
    r.reason = a.logins == 0 && a.failures == 0 ? "no_events" : "logins_ok";
    r.message = counts;
  }
  std::optional<Range> max_range;
  if (plan.max_logins) {
    max_range = Range{0.0, static_cast<double>(*plan.max_logins), false, std::to_string(*plan.max_logins)};
  }
  r.tags = {{"token_id", id}};
  r.add(kLogins, a.logins, max_range);
  r.add(kFailures, a.failures, plan.warning_failures, plan.critical_failures);
  r.add(kDistinctIps, static_cast<std::int64_t>(a.ips.size()));
  std::int64_t outside = 0;
  for (const auto& o : a.outside) add_count(outside, o.count);
  r.add(kOutsideLogins, outside);
  r.add(kClientId, client_id);
  return r;
}

}  // namespace

std::pair<TimePoint, TimePoint> window_of(const LoginsPlan& plan, TimePoint now) {
  TimePoint until = now;
  if (plan.until_at) {
    until = *plan.until_at;
  } else if (plan.until_ago) {
    until = now - *plan.until_ago;
  } else if (plan.api.cache.ttl > std::chrono::seconds::zero() && !plan.api.cache.dir.empty()) {
    const auto ttl = plan.api.cache.ttl;
    until = TimePoint(std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()) / ttl * ttl);
  }
  until = std::chrono::floor<std::chrono::seconds>(until);
  return {until - plan.window, until};
}

const std::vector<Metric>& login_metrics() {
  static const std::vector<Metric> all{kLogins, kFailures, kDistinctIps, kOutsideLogins, kClientId};
  return all;
}

Report run_logins_check(const LoginsPlan& plan, cloudflare::TokenDirectory& tokens, cloudflare::GraphqlApi& graphql,
                        TimePoint now) {
  // Token names and client IDs for the message, and the IDs a selection stands for.
  auto list = tokens.list_service_tokens({});
  if (!list) return unknown(std::string(cloudflare::api_error_kind_name(list.error().kind)), list.error().message);

  struct Target {
    std::string name;
    std::string id;
    std::string client_id;
  };
  std::vector<Target> targets;
  std::vector<Result> unreadable;  // tokens of the list without an id: their logins cannot be told
  std::set<std::string> wanted;
  const auto selection = plugin::select_tokens(plan.selectors, *list);
  const auto names = plugin::display_names(selection.found, *list);
  for (std::size_t i = 0; i < selection.found.size(); ++i) {
    const ServiceTokenInfo& t = *selection.found[i];
    if (!t.id.empty()) {
      if (wanted.insert(t.id).second) targets.push_back({names[i], t.id, t.client_id});
      continue;
    }
    Result r;
    r.name = !t.name.empty()        ? t.name
             : !t.client_id.empty() ? t.client_id
                                    : "token #" + std::to_string(&t - list->data() + 1) + " of the list";
    r.state = State::unknown;
    r.reason = "api_bad_response";
    r.message = "the token list gives this token no readable id, so its logins cannot be counted";
    if (!t.problems.empty()) r.message += " (" + t.problems.front() + ")";
    unreadable.push_back(std::move(r));
  }

  const auto [since, until] = window_of(plan, now);
  const json variables = {{"accountTag", plan.api.credentials.account_id},
                          {"since", cloudflare::format_rfc3339(since)},
                          {"until", cloudflare::format_rfc3339(until)},
                          {"limit", plan.limit}};
  auto data = graphql.graphql(kLoginsQuery, variables);
  if (!data) {
    const auto& e = data.error();
    return unknown(e.kind == cloudflare::ApiErrorKind::api_error ? "graphql_error"
                                                                 : std::string(cloudflare::api_error_kind_name(e.kind)),
                   e.message);
  }
  auto rows = rows_of(*data);
  if (!rows) return unknown("bad_response", rows.error().message);

  std::map<std::string, Activity> activity;
  for (const auto& row : *rows) {
    if (row.token_id.empty()) continue;
    // Tokens deleted since (not in the list) still show up when watching them all.
    if (plan.selectors.empty() && wanted.insert(row.token_id).second) {
      targets.push_back({row.token_id, row.token_id, ""});
    }
    if (wanted.count(row.token_id) == 0) continue;
    Activity& a = activity[row.token_id];
    if (!row.ip.empty()) a.ips.insert(row.ip);
    if (!row.success) {
      add_count(a.failures, row.count);
      continue;
    }
    add_count(a.logins, row.count);
    if (!allowed(plan, row.ip)) {
      auto it = std::find_if(a.outside.begin(), a.outside.end(), [&](const Outside& o) { return o.ip == row.ip; });
      if (it == a.outside.end()) {
        a.outside.push_back({row.ip, row.time, row.count});  // rows come newest first
      } else {
        add_count(it->count, row.count);
      }
    }
  }

  Report report;
  for (const auto& t : targets)
    report.root.children.push_back(token_result(plan, t.name, t.id, t.client_id, activity[t.id]));
  for (auto& r : unreadable) report.root.children.push_back(std::move(r));
  for (std::size_t i = 0; i < selection.missing.size(); ++i) {
    report.root.children.push_back(plugin::missing_token_result(*selection.missing[i], selection.unreadable[i]));
  }
  if (report.root.children.empty()) {
    return unknown("empty_list", "the API listed no service tokens and no login events in the last " +
                                     plan.window_text + ": the API token may lack Access: Service Tokens Read");
  }
  fold_children(report.root, "token", "tokens", SingleChild::speaks);
  // A full answer may have left older groups out: counts are lower bounds.
  if (rows->size() >= plan.limit) {
    if (severity(report.root.state) < severity(State::warning)) {
      report.root.state = State::warning;
      report.root.reason = "limit_reached";
    }
    report.root.message += "; the answer reached --limit " + std::to_string(plan.limit) +
                           " groups, so older events were left out: shorten --since or raise --limit";
  }
  return report;
}

}  // namespace cfmon::logins
