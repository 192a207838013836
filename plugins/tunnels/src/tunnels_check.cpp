#include "tunnels_check.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <set>

#include "cfmon/findings.hpp"

namespace cfmon::tunnels {
namespace {

using cloudflare::TimePoint;
using cloudflare::TunnelConnector;
using cloudflare::TunnelInfo;

std::string when_text(TimePoint t, TimePoint now) {
  return cloudflare::format_rfc3339(t).substr(0, 16) + "Z, " +
         span_text(std::max(std::chrono::seconds{0}, seconds_between(t, now))) + " ago";
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

const Metric kConnections{.field = "connections", .perf_label = "connections", .min = 0.0};
const Metric kConnectors{.field = "connectors", .perf_label = "connectors", .min = 0.0};
const Metric kColos{.field = "colos", .perf_label = "colos", .min = 0.0};
const Metric kPending{.field = "pending_reconnect", .perf_label = "pending_reconnect", .min = 0.0};
const Metric kInactiveSeconds{.field = "inactive_seconds", .perf_label = "inactive", .unit = Unit::seconds, .min = 0.0};
const Metric kStatus{.field = "status"};

Range at_least(int n) {
  return Range{static_cast<double>(n), std::numeric_limits<double>::infinity(), false, std::to_string(n) + ":"};
}

// How a tunnel came to be checked: explicitly (name, id, hostname) or by listing all.
enum class Picked { explicitly, by_listing };

Result unknown_child(const std::string& name, std::string reason, std::string message) {
  Result r;
  r.name = name;
  r.state = State::unknown;
  r.reason = std::move(reason);
  r.message = std::move(message);
  return r;
}

std::string display_name(const TunnelInfo& t) {
  if (!t.name.empty()) return t.name;
  if (!t.id.empty()) return t.id;
  return "(unnamed tunnel)";
}

}  // namespace

std::optional<Version> parse_version(std::string_view text) {
  Version v;
  while (!text.empty()) {
    const auto dot = text.find('.');
    const auto part = text.substr(0, dot);
    int n = 0;
    const auto r = std::from_chars(part.data(), part.data() + part.size(), n);
    if (part.empty() || r.ec != std::errc{} || r.ptr != part.data() + part.size() || n < 0) return std::nullopt;
    v.push_back(n);
    if (dot == std::string_view::npos) break;
    text.remove_prefix(dot + 1);
    if (text.empty()) return std::nullopt;
  }
  if (v.empty() || v.size() > 4) return std::nullopt;
  return v;
}

namespace {

// One tunnel judged from its list entry and its connectors.
Result tunnel_result(const TunnelsPlan& plan, const TunnelInfo& t, const std::vector<TunnelConnector>& connectors,
                     Picked picked, TimePoint now) {
  Result r;
  r.name = display_name(t);
  r.tags = {{"tunnel_id", t.id}};
  std::vector<std::string> problems = t.problems;
  int active = 0;
  int pending = 0;
  bool pending_reported = false;
  int live_connectors = 0;
  std::set<std::string> colos;
  std::set<std::string> versions;
  std::optional<TimePoint> oldest;
  std::vector<std::string> outdated;
  for (const auto& c : connectors) {
    for (const auto& p : c.problems) problems.push_back("connector " + c.id + ": " + p);
    int live = 0;
    for (const auto& conn : c.conns) {
      if (conn.is_pending_reconnect) pending_reported = true;
      if (conn.is_pending_reconnect.value_or(false)) {
        ++pending;
        continue;
      }
      ++live;
      if (!conn.colo_name.empty()) colos.insert(conn.colo_name);
      if (conn.opened_at && (!oldest || *conn.opened_at < *oldest)) oldest = conn.opened_at;
    }
    active += live;
    if (live == 0) continue;
    ++live_connectors;
    versions.insert(c.version.empty() ? std::string("version unknown") : c.version);
    if (plan.min_version) {
      const auto v = parse_version(c.version);
      if (!v || *v < *plan.min_version) {
        outdated.push_back((c.id.empty() ? std::string("a connector") : "connector " + c.id.substr(0, 8)) + " runs " +
                           (c.version.empty() ? std::string("an unknown version") : c.version));
      }
    }
  }

  std::vector<Finding> findings;
  if (!problems.empty()) {
    std::string text;
    for (const auto& p : problems) text += (text.empty() ? "" : "; ") + p;
    findings.push_back({State::unknown, "api_bad_response", "the API's answer for this tunnel is unusable: " + text});
  }
  const bool never_connected = !t.conns_active_at && (t.status == "inactive" || t.status.empty());
  std::optional<std::chrono::seconds> inactive_for;
  if (!problems.empty()) {
    // An answer that cannot be read is judged no further: UNKNOWN, never a guess.
  } else if (active == 0 && (t.status == "inactive" || never_connected)) {
    findings.push_back({picked == Picked::explicitly ? State::critical : State::warning, "inactive",
                        "inactive: never connected (cloudflared has never run for it)"});
  } else if (active == 0 || t.status == "down") {
    std::string text = "down: no connection to Cloudflare";
    if (t.conns_inactive_at) {
      inactive_for = std::chrono::duration_cast<std::chrono::seconds>(now - *t.conns_inactive_at);
      text += " since " + when_text(*t.conns_inactive_at, now);
    }
    if (active > 0) text += " (the API says down although it lists " + std::to_string(active) + " connections)";
    findings.push_back({State::critical, "down", text});
  } else {
    if (t.status == "degraded") {
      findings.push_back(
          {State::warning, "degraded", "degraded: serving, but at least one connection failed (Cloudflare's status)"});
    } else if (t.status != "healthy") {
      findings.push_back({State::warning, "status_unknown",
                          "the API gives no known status for it; " + std::to_string(active) + " connections listed"});
    }
    if (active < plan.min_connections) {
      findings.push_back(
          {State::warning, "few_connections",
           std::to_string(active) + " active connections, fewer than " + std::to_string(plan.min_connections)});
    }
    if (live_connectors < plan.min_connectors) {
      findings.push_back({State::warning, "few_connectors",
                          std::to_string(live_connectors) + " connector" + (live_connectors == 1 ? "" : "s") +
                              ", fewer than " + std::to_string(plan.min_connectors) + " (no redundancy)"});
    }
    if (!outdated.empty()) {
      std::string text;
      for (const auto& o : outdated) text += (text.empty() ? "" : ", ") + o;
      findings.push_back(
          {State::warning, "outdated_connector", text + ", older than " + plan.min_version_text + " of cloudflared"});
    }
  }

  std::string facts = std::to_string(live_connectors) + " connector" + (live_connectors == 1 ? "" : "s");
  if (!versions.empty()) facts += " (" + join(versions) + ")";
  facts += ", " + std::to_string(active) + " connection" + (active == 1 ? "" : "s");
  if (!colos.empty()) facts += " in " + join(colos);
  if (pending > 0) facts += ", " + std::to_string(pending) + " pending reconnect";
  if (oldest) facts += "; oldest connection opened " + when_text(*oldest, now);

  if (!fold_findings(r, std::move(findings))) {
    r.state = State::ok;
    r.reason = "healthy";
    r.message = "healthy: " + facts;
  } else if (active > 0) {
    r.message += " [" + facts + "]";
  }

  r.add(kStatus, t.status.empty() ? std::string("unknown") : t.status);
  r.add(kConnections, active, at_least(plan.min_connections));
  r.add(kConnectors, live_connectors, at_least(plan.min_connectors));
  r.add(kColos, static_cast<int>(colos.size()));
  if (pending_reported) r.add(kPending, pending);
  if (inactive_for)
    r.add(kInactiveSeconds, static_cast<std::int64_t>(std::max<std::int64_t>(0, inactive_for->count())));
  return r;
}

Result judge(const TunnelsPlan& plan, cloudflare::TunnelDirectory& api, const TunnelInfo& t, Picked picked,
             TimePoint now) {
  if (t.id.empty()) {
    return unknown_child(display_name(t), "api_bad_response",
                         "the API lists this tunnel without an id: its connectors cannot be read" +
                             (t.problems.empty() ? std::string() : " (" + t.problems.front() + ")"));
  }
  auto connectors = api.tunnel_connectors(t.id);
  if (!connectors) {
    return unknown_child(display_name(t), std::string(cloudflare::api_error_kind_name(connectors.error().kind)),
                         "cannot read its connectors: " + connectors.error().message);
  }
  return tunnel_result(plan, t, *connectors, picked, now);
}

Result error_root(const cloudflare::ApiError& e) {
  Result r;
  r.state = State::unknown;
  r.reason = std::string(cloudflare::api_error_kind_name(e.kind));
  r.message = e.message;
  return r;
}

}  // namespace

HostLookup find_tunnel_serving(cloudflare::TunnelDirectory& api, const std::vector<TunnelInfo>& tunnels,
                               std::string_view host) {
  HostLookup out;
  for (const auto& t : tunnels) {
    if (t.config_src == "local") {
      ++out.locally_managed;
      continue;
    }
    if (t.id.empty()) continue;
    auto config = api.tunnel_configuration(t.id);
    if (!config) {
      out.unverified.push_back("tunnel " + display_name(t) + ": " + config.error().message);
      continue;
    }
    if (std::any_of(config->ingress.begin(), config->ingress.end(),
                    [&](const cloudflare::IngressRule& rule) { return cloudflare::ingress_serves(rule, host); })) {
      out.tunnel = t;
      return out;
    }
  }
  return out;
}

namespace {

// The sentence for a hostname no tunnel serves, with what could not be verified.
std::string unserved_text(std::string_view host, const HostLookup& lookup) {
  std::string text =
      "no tunnel serves " + std::string(host) + " (no ingress rule of a remotely managed tunnel names it)";
  if (!lookup.unverified.empty()) {
    text += "; unverified: ";
    for (std::size_t i = 0; i < lookup.unverified.size(); ++i) text += (i ? "; " : "") + lookup.unverified[i];
  }
  if (lookup.locally_managed > 0) {
    text += "; " + std::to_string(lookup.locally_managed) +
            " locally managed tunnel(s) keep their ingress in cloudflared's own file, not checked";
  }
  return text;
}

}  // namespace

Report run_tunnels_check(const TunnelsPlan& plan, cloudflare::TunnelDirectory& api, TimePoint now) {
  Report report;
  auto list = api.list_tunnels();
  if (!list) {
    report.root = error_root(list.error());
    return report;
  }
  std::set<std::string> judged;  // tunnel ids, so a tunnel selected twice is one child
  auto add = [&](const TunnelInfo& t, Picked picked) {
    if (!t.id.empty() && !judged.insert(t.id).second) return;
    report.root.children.push_back(judge(plan, api, t, picked, now));
  };
  if (plan.selects_all()) {
    if (list->empty()) {
      report.root.state = State::unknown;
      report.root.reason = "empty_list";
      report.root.message = "the account has no tunnels (deleted ones are not listed)";
      return report;
    }
    for (const auto& t : *list) add(t, Picked::by_listing);
  }
  auto missing = [&](const std::string& what, const std::string& value) {
    Result r;
    r.name = value;
    r.state = State::critical;
    r.reason = "tunnel_missing";
    r.message = "no tunnel with " + what + " " + value + " is listed: deleted, or never created";
    report.root.children.push_back(std::move(r));
  };
  for (const auto& name : plan.names) {
    const auto it = std::find_if(list->begin(), list->end(), [&](const TunnelInfo& t) { return t.name == name; });
    if (it == list->end()) {
      missing("name", name);
    } else {
      add(*it, Picked::explicitly);
    }
  }
  for (const auto& id : plan.ids) {
    const auto it = std::find_if(list->begin(), list->end(), [&](const TunnelInfo& t) { return t.id == id; });
    if (it == list->end()) {
      missing("id", id);
    } else {
      add(*it, Picked::explicitly);
    }
  }
  for (const auto& host : plan.hostnames) {
    const auto lookup = find_tunnel_serving(api, *list, host);
    if (!lookup.tunnel) {
      report.root.children.push_back(unknown_child(host, "no_tunnel", unserved_text(host, lookup)));
    } else {
      add(*lookup.tunnel, Picked::explicitly);
    }
  }
  fold_children(report.root, "tunnel", "tunnels", SingleChild::speaks);
  return report;
}

Expected<Result> tunnel_state_for_host(cloudflare::TunnelDirectory& api, std::string_view host, TimePoint now) {
  auto list = api.list_tunnels();
  if (!list) return list.error().to_error();
  const auto lookup = find_tunnel_serving(api, *list, host);
  if (!lookup.tunnel) return make_error(unserved_text(host, lookup));
  const TunnelsPlan defaults;
  return judge(defaults, api, *lookup.tunnel, Picked::explicitly, now);
}

Expected<std::vector<TunnelInfo>> discover_tunnels(const TunnelsPlan& plan, cloudflare::TunnelDirectory& api) {
  auto list = api.list_tunnels();
  if (!list) return list.error().to_error();
  std::vector<TunnelInfo> out;
  for (const auto& t : *list) {
    const bool chosen = plan.selects_all() ||
                        std::find(plan.names.begin(), plan.names.end(), t.name) != plan.names.end() ||
                        std::find(plan.ids.begin(), plan.ids.end(), t.id) != plan.ids.end();
    if (chosen && !t.id.empty()) out.push_back(t);
  }
  for (const auto& host : plan.hostnames) {
    const auto lookup = find_tunnel_serving(api, *list, host);
    if (lookup.tunnel &&
        std::none_of(out.begin(), out.end(), [&](const TunnelInfo& t) { return t.id == lookup.tunnel->id; })) {
      out.push_back(*lookup.tunnel);
    }
  }
  // An empty discovery would make Zabbix delete every discovered item: refuse it.
  if (out.empty()) return make_error("no tunnel selected or listed: nothing to discover");
  return out;
}

}  // namespace cfmon::tunnels
