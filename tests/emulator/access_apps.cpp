#include "access_apps.hpp"

#include <algorithm>

namespace cfmon::emulator {
namespace {

using nlohmann::json;

// Defaults of the schema excerpt's per_page parameters.
constexpr int kAppsPerPage = 1000;
constexpr int kAppPoliciesPerPage = 200;
constexpr int kReusablePoliciesPerPage = 100;

AccessAnswer failure(int status, int code, std::string message) {
  AccessAnswer answer;
  answer.status = status;
  answer.error_code = code;
  answer.message = std::move(message);
  return answer;
}

AccessAnswer not_found(std::string_view what) {
  return failure(404, 12135, "access.api.error.not_found: " + std::string(what) + " not found");
}

AccessAnswer list(json items, int default_per_page) {
  AccessAnswer answer;
  answer.result = std::move(items);
  answer.default_per_page = default_per_page;
  return answer;
}

AccessAnswer one(json item) {
  AccessAnswer answer;
  answer.result = std::move(item);
  return answer;
}

}  // namespace

AccessDirectory::AccessDirectory(const EmulatorConfig& config) {
  for (const auto& app : config.apps) {
    if (app.is_protected) initial_.apps.push_back(app);
  }
  initial_.reusable = config.reusable_policies;
  state_ = initial_;
}

std::vector<AccessPolicy> AccessDirectory::policies_of(const AppConfig& app) const {
  std::shared_lock lock(mutex_);
  const auto it = std::find_if(state_.apps.begin(), state_.apps.end(),
                               [&](const AppConfig& held) { return held.id == app.id && held.name == app.name; });
  return it == state_.apps.end() ? app.policies : it->policies;
}

int AccessDirectory::app_count(const std::string& policy_id) const {
  return static_cast<int>(std::count_if(state_.apps.begin(), state_.apps.end(), [&](const AppConfig& app) {
    return std::any_of(app.policies.begin(), app.policies.end(),
                       [&](const AccessPolicy& p) { return p.reusable && p.id == policy_id; });
  }));
}

json AccessDirectory::app_json(const AppConfig& app, const std::string& account_id) const {
  json policies = json::array();
  for (std::size_t i = 0; i < app.policies.size(); ++i) {
    policies.push_back(app_policy_json(app.policies[i], static_cast<int>(i) + 1, account_id));
  }
  json j = {{"id", app.id},
            {"aud", app.aud},
            {"name", app.name},
            {"type", "self_hosted"},
            {"domain", app.host},
            {"destinations", json::array({{{"type", "public"}, {"uri", app.host}}})},
            {"session_duration", "24h"},
            {"service_auth_401_redirect", app.service_auth_401_redirect},
            {"policies", std::move(policies)}};
  if (app.token_header) j["read_service_tokens_from_header"] = *app.token_header;
  return j;
}

AccessAnswer AccessDirectory::read(const std::vector<std::string_view>& parts, const std::string& account_id,
                                   bool can_read) const {
  std::shared_lock lock(mutex_);
  if (parts.empty()) return failure(404, 7003, "No route for that URI");
  if (parts[0] == "apps") {
    const auto find_app = [&](std::string_view id) {
      return std::find_if(state_.apps.begin(), state_.apps.end(), [&](const AppConfig& app) { return app.id == id; });
    };
    if (parts.size() == 1) {
      json items = json::array();
      if (can_read) {
        for (const auto& app : state_.apps) items.push_back(app_json(app, account_id));
      }
      return list(std::move(items), kAppsPerPage);
    }
    const auto app = find_app(parts[1]);
    if (!can_read || app == state_.apps.end()) return not_found("application");
    if (parts.size() == 2) return one(app_json(*app, account_id));
    if (parts[2] != "policies" || parts.size() > 4) return failure(404, 7003, "No route for that URI");
    json items = json::array();
    for (std::size_t i = 0; i < app->policies.size(); ++i) {
      json item = app_policy_json(app->policies[i], static_cast<int>(i) + 1, account_id);
      if (parts.size() == 4 && app->policies[i].id == parts[3]) return one(std::move(item));
      items.push_back(std::move(item));
    }
    if (parts.size() == 4) return not_found("policy");
    return list(std::move(items), kAppPoliciesPerPage);
  }
  if (parts[0] == "policies" && parts.size() <= 2) {
    json items = json::array();
    for (const auto& policy : state_.reusable) {
      json item = reusable_policy_json(policy, app_count(policy.id));
      if (parts.size() == 2 && policy.id == parts[1] && can_read) return one(std::move(item));
      if (can_read) items.push_back(std::move(item));
    }
    if (parts.size() == 2) return not_found("policy");
    return list(std::move(items), kReusablePoliciesPerPage);
  }
  return failure(404, 7003, "No route for that URI");
}

AccessAnswer AccessDirectory::control(std::string_view method, const std::vector<std::string_view>& parts,
                                      const json& body) {
  std::unique_lock lock(mutex_);
  if (method == "DELETE" && parts.empty()) {
    state_ = initial_;
    return one({{"reset", true}});
  }
  if (method == "PUT" && parts.size() == 3 && parts[0] == "apps" && parts[2] == "policies") {
    const auto app = std::find_if(state_.apps.begin(), state_.apps.end(),
                                  [&](const AppConfig& a) { return a.id == parts[1] || a.name == parts[1]; });
    if (app == state_.apps.end()) return not_found("application");
    const auto it = body.find("policies");
    if (it == body.end() || !it->is_array()) return failure(400, 12130, "give {\"policies\": [...]}");
    std::vector<AccessPolicy> policies;
    for (std::size_t i = 0; i < it->size(); ++i) {
      const json& node = (*it)[i];
      if (node.is_string()) {
        const auto id = node.get<std::string>();
        const auto reusable = std::find_if(state_.reusable.begin(), state_.reusable.end(),
                                           [&](const AccessPolicy& p) { return p.id == id; });
        if (reusable == state_.reusable.end()) return failure(400, 12130, "unknown reusable policy \"" + id + "\"");
        policies.push_back(*reusable);
        continue;
      }
      auto parsed = parse_access_policy(node, derived_uuid(app->name + "/admin/" + std::to_string(i)));
      if (!parsed.policy) return failure(400, 12130, parsed.problem);
      policies.push_back(std::move(*parsed.policy));
    }
    app->policies = std::move(policies);
    return one({{"app", app->name}, {"policies", app->policies.size()}});
  }
  if (method == "PUT" && parts.size() == 2 && parts[0] == "policies") {
    json node = body;
    node["id"] = std::string(parts[1]);
    auto parsed = parse_access_policy(node, std::string(parts[1]));
    if (!parsed.policy) return failure(400, 12130, parsed.problem);
    AccessPolicy policy = std::move(*parsed.policy);
    policy.reusable = true;
    const auto held = std::find_if(state_.reusable.begin(), state_.reusable.end(),
                                   [&](const AccessPolicy& p) { return p.id == policy.id; });
    if (held == state_.reusable.end()) {
      state_.reusable.push_back(policy);
    } else {
      *held = policy;
    }
    for (auto& app : state_.apps) {
      for (auto& used : app.policies) {
        if (used.reusable && used.id == policy.id) used = policy;
      }
    }
    return one({{"policy", policy.id}, {"app_count", app_count(policy.id)}});
  }
  return failure(404, 7003, "No route (access admin: PUT apps/{id|name}/policies, PUT policies/{id}, DELETE to reset)");
}

}  // namespace cfmon::emulator
