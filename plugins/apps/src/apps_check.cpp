#include "apps_check.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "cfmon/findings.hpp"

namespace cfmon::apps {
namespace {

using cloudflare::AccessAppInfo;
using cloudflare::AccessPolicyInfo;

const Metric kPolicies{.field = "policies", .perf_label = "policies", .min = 0.0};
const Metric kServiceAuthPolicies{.field = "service_auth_policies", .perf_label = "service_auth_policies", .min = 0.0};
const Metric kAud{.field = "aud", .in_zabbix = true};
const Metric kOrphans{.field = "orphan_tokens", .perf_label = "orphan_tokens", .min = 0.0};

std::string quoted(const AccessPolicyInfo& policy) {
  return "'" + (policy.name.empty() ? policy.id : policy.name) + "'";
}

std::string quoted_list(const std::vector<const AccessPolicyInfo*>& policies) {
  std::string text;
  for (const auto* p : policies) text += (text.empty() ? "" : ", ") + quoted(*p);
  return text;
}

std::string app_name(const AccessAppInfo& app) {
  return app.name.empty() ? (app.id.empty() ? app.domain : app.id) : app.name;
}

Result unknown_result(std::string name, std::string reason, std::string message) {
  Result r;
  r.name = std::move(name);
  r.state = State::unknown;
  r.reason = std::move(reason);
  r.message = std::move(message);
  return r;
}

Result api_failure(std::string name, const cloudflare::ApiError& error) {
  return unknown_result(std::move(name), std::string(cloudflare::api_error_kind_name(error.kind)), error.message);
}

// The findings of one app's policies for the token.
Result judge_app(const AccessAppInfo& app, const std::vector<AccessPolicyInfo>& policies,
                 const cloudflare::ServiceTokenInfo& token, const std::string& token_name) {
  Result r;
  r.name = app_name(app);
  std::vector<Finding> findings;
  for (const auto& policy : policies) {
    for (const auto& problem : policy.problems) {
      findings.push_back(
          {State::unknown, "api_bad_response", "policy " + quoted(policy) + " cannot be judged: " + problem});
    }
    if (cloudflare::opens_to_everyone(policy)) {
      findings.push_back({State::critical, "open_to_everyone",
                          "Bypass policy " + quoted(policy) + " includes everyone: anyone reaches it without Access"});
    }
    if (cloudflare::allows_everyone(policy)) {
      findings.push_back({State::warning, "allow_everyone",
                          "Allow policy " + quoted(policy) + " includes everyone (any identity any IdP accepts)"});
    }
  }
  const auto standing = cloudflare::token_standing(policies, token.id);
  if (standing.admitting.empty()) {
    findings.push_back({State::critical, "token_not_allowed",
                        "no Service Auth policy includes token " + token_name +
                            ": the probe will be redirected to the login page or refused"});
    if (!standing.allow_naming.empty()) {
      findings.push_back({State::warning, "token_only_in_allow",
                          "the token is named only in Allow policy " + quoted_list(standing.allow_naming) +
                              " (Access sends service tokens there to the login page: use Service Auth)"});
    }
  } else if (standing.admitting_any.size() == standing.admitting.size()) {
    findings.push_back({State::warning, "any_service_token",
                        "admits any valid service token of the account (Service Auth policy " +
                            quoted_list(standing.admitting_any) + ")"});
  }
  if (!fold_findings(r, std::move(findings))) {
    r.state = State::ok;
    r.reason = "token_allowed";
    r.message = "token " + token_name + " admitted by Service Auth policy " + quoted_list(standing.admitting);
  }
  const auto service_auth = std::count_if(policies.begin(), policies.end(),
                                          [](const AccessPolicyInfo& p) { return p.decision == "non_identity"; });
  r.tags = {{"app", r.name}};
  if (!app.aud.empty()) r.tags.emplace_back("aud", app.aud);
  r.add(kPolicies, static_cast<std::int64_t>(policies.size()));
  r.add(kServiceAuthPolicies, static_cast<std::int64_t>(service_auth));
  if (!app.aud.empty()) r.add(kAud, app.aud);
  return r;
}

bool self_hosted(const AccessAppInfo& app) {
  return app.type == "self_hosted" || (app.type.empty() && !app.covers.empty());
}

struct Selected {
  std::vector<const AccessAppInfo*> apps;  // no repeats, in the order asked
  std::vector<Result> missing;             // names and locations no app answers for
};

Selected select_apps(const AppsPlan& plan, const std::vector<AccessAppInfo>& apps) {
  Selected selected;
  auto add = [&](const AccessAppInfo* app) {
    if (std::find(selected.apps.begin(), selected.apps.end(), app) == selected.apps.end()) selected.apps.push_back(app);
  };
  for (const auto& name : plan.app_names) {
    const auto it = std::find_if(apps.begin(), apps.end(), [&](const AccessAppInfo& a) { return a.name == name; });
    if (it != apps.end()) {
      add(&*it);
      continue;
    }
    Result r;
    r.name = name;
    r.state = State::critical;
    r.reason = "no_access_app";
    r.message = "no Access application is named '" + name + "'";
    selected.missing.push_back(std::move(r));
  }
  for (const auto& location : plan.locations) {
    if (const auto* app = cloudflare::app_covering(apps, location.host, location.path)) {
      add(app);
      continue;
    }
    Result r;
    r.name = location.label;
    r.state = State::critical;
    r.reason = "no_access_app";
    r.message = location.host + (location.path == "/" ? std::string() : location.path) +
                " is covered by no Access application: anyone reaches it";
    selected.missing.push_back(std::move(r));
  }
  if (plan.app_names.empty() && plan.locations.empty()) {
    for (const auto& app : apps) {
      if (self_hosted(app) || !app.problems.empty()) add(&app);
    }
  }
  return selected;
}

// --orphans: tokens no policy of any app names. Reads every app's policies (`cache`
// holds those already read).
Result orphans_result(const std::vector<AccessAppInfo>& apps, const std::vector<cloudflare::ServiceTokenInfo>& tokens,
                      cloudflare::AccessAppDirectory& api,
                      std::map<std::string, std::vector<AccessPolicyInfo>>& cache) {
  Result r;
  r.name = "orphans";
  std::set<std::string> named;
  for (const auto& app : apps) {
    auto it = cache.find(app.id);
    if (it == cache.end()) {
      auto policies = api.list_app_policies(app.id);
      if (!policies) {
        return unknown_result("orphans", std::string(cloudflare::api_error_kind_name(policies.error().kind)),
                              "cannot tell which tokens no policy names: the policies of " + app_name(app) +
                                  " are unreadable (" + policies.error().message + ")");
      }
      it = cache.emplace(app.id, std::move(*policies)).first;
    }
    for (const auto& policy : it->second) {
      for (auto& id : cloudflare::named_token_ids(policy)) named.insert(std::move(id));
    }
  }
  std::vector<std::string> orphans;
  for (const auto& token : tokens) {
    if (!token.id.empty() && named.count(token.id) == 0) orphans.push_back(token.name.empty() ? token.id : token.name);
  }
  r.add(kOrphans, static_cast<std::int64_t>(orphans.size()));
  if (orphans.empty()) {
    r.state = State::ok;
    r.reason = "no_orphans";
    r.message = "every service token is named by a policy";
    return r;
  }
  std::string list;
  for (const auto& name : orphans) list += (list.empty() ? "" : ", ") + name;
  r.state = State::warning;
  r.reason = "orphan_tokens";
  r.message = std::to_string(orphans.size()) + (orphans.size() == 1 ? " token" : " tokens") +
              " named by no policy (they serve nothing and widen the attack surface): " + list;
  return r;
}

std::string empty_apps_message() {
  return "the API listed no Access applications: the API token may lack Access: Apps and Policies Read";
}

}  // namespace

std::optional<Location> location_of(std::string label, std::string_view text) {
  if (const auto scheme = text.find("://"); scheme != std::string_view::npos) text.remove_prefix(scheme + 3);
  text = text.substr(0, text.find_first_of("?#"));
  const auto slash = text.find('/');
  std::string_view host = text.substr(0, slash);
  if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
  if (!host.starts_with('[')) host = host.substr(0, host.find(':'));  // the port: not part of an app's domain
  if (host.empty()) return std::nullopt;
  Location location;
  location.label = std::move(label);
  location.host = std::string(host);
  std::transform(location.host.begin(), location.host.end(), location.host.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (slash != std::string_view::npos) location.path = std::string(text.substr(slash));
  return location;
}

Report run_apps_check(const AppsPlan& plan, cloudflare::TokenDirectory& tokens, cloudflare::AccessAppDirectory& api) {
  Report report;
  auto fail = [&](std::string reason, std::string message) {
    report.root.state = State::unknown;
    report.root.reason = std::move(reason);
    report.root.message = std::move(message);
    return report;
  };
  auto token_list = tokens.list_service_tokens({});
  if (!token_list) {
    return fail(std::string(cloudflare::api_error_kind_name(token_list.error().kind)), token_list.error().message);
  }
  if (token_list->empty()) {
    return fail("empty_list",
                "the API listed no service tokens: the API token may lack Access: Service Tokens Read "
                "(Cloudflare answers an empty list rather than an error)");
  }
  const auto selection = plugin::select_tokens({plan.token}, *token_list);
  if (selection.found.empty()) {
    report.root.children.push_back(
        plugin::missing_token_result(plan.token, selection.unreadable.empty() ? 0 : selection.unreadable[0]));
    fold_children(report.root, "app", "apps", SingleChild::speaks);
    return report;
  }
  const auto& token = *selection.found[0];
  const std::string token_name = "'" + plugin::display_names(selection.found, *token_list)[0] + "'";

  auto apps = api.list_access_apps();
  if (!apps) return fail(std::string(cloudflare::api_error_kind_name(apps.error().kind)), apps.error().message);
  if (apps->empty() && plan.locations.empty() && plan.app_names.empty())
    return fail("empty_list", empty_apps_message());

  Selected selected = select_apps(plan, *apps);
  std::map<std::string, std::vector<AccessPolicyInfo>> policies_by_app;
  for (const auto* app : selected.apps) {
    if (!app->problems.empty()) {
      std::string why;
      for (const auto& p : app->problems) why += (why.empty() ? "" : "; ") + p;
      report.root.children.push_back(unknown_result(app_name(*app), "api_bad_response",
                                                    "the API's answer for this application is unusable: " + why));
      continue;
    }
    auto policies = api.list_app_policies(app->id);
    if (!policies) {
      report.root.children.push_back(api_failure(app_name(*app), policies.error()));
      continue;
    }
    report.root.children.push_back(judge_app(*app, *policies, token, token_name));
    policies_by_app.emplace(app->id, std::move(*policies));
  }
  for (auto& missing : selected.missing) report.root.children.push_back(std::move(missing));
  if (plan.orphans) report.root.children.push_back(orphans_result(*apps, *token_list, api, policies_by_app));
  if (report.root.children.empty()) return fail("empty_list", "no self-hosted Access application to judge");
  fold_children(report.root, "app", "apps", SingleChild::speaks);
  return report;
}

Expected<std::vector<AccessAppInfo>> discover_apps(const AppsPlan& plan, cloudflare::AccessAppDirectory& api) {
  auto apps = api.list_access_apps();
  if (!apps) return apps.error().to_error();
  if (apps->empty()) return make_error(empty_apps_message());
  const Selected selected = select_apps(plan, *apps);
  if (selected.apps.empty()) return make_error("none of the selected Access applications exists");
  std::vector<AccessAppInfo> out;
  for (const auto* app : selected.apps) out.push_back(*app);
  return out;
}

}  // namespace cfmon::apps
