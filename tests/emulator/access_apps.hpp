#pragma once
// Access applications and their policies at run time: what the v4 API lists
// (/accounts/{id}/access/apps, .../apps/{id}/policies, .../access/policies) and what the
// edge enforces, one state. Starts as the config says; the admin endpoints
// (/__emulator/access/...) replace an app's policies or a reusable policy while the
// emulator runs, so a test can break a policy and watch both the API and the edge follow.
// Thread-safe; every method returns copies.
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "access_policy.hpp"
#include "config.hpp"

namespace cfmon::emulator {

// One answer of the directory, before the API adds the envelope and pages lists.
struct AccessAnswer {
  int status = 200;
  nlohmann::json result;     // an array for a list, an object for one item
  int default_per_page = 0;  // > 0: a list, paged with this default
  int error_code = 0;        // Cloudflare's error code when status is not 200
  std::string message;       // the error's message, or what the admin endpoint did
};

class AccessDirectory {
 public:
  explicit AccessDirectory(const EmulatorConfig& config);

  // The app's policies now, in precedence order; the config's for an app it does not hold.
  [[nodiscard]] std::vector<AccessPolicy> policies_of(const AppConfig& app) const;

  // GET under /accounts/{account_id}/access/: `parts` starts after "access" ("apps", id,
  // "policies", id | "policies", id). `can_read` false: lists are empty, as the API
  // answers a token without the permission.
  [[nodiscard]] AccessAnswer read(const std::vector<std::string_view>& parts, const std::string& account_id,
                                  bool can_read) const;

  // The admin endpoints; `parts` starts after "/__emulator/access/":
  //   PUT apps/{id or name}/policies  {"policies": [policy objects, reusable policy ids]}
  //   PUT policies/{id}               a reusable policy (created or replaced; apps using it follow)
  //   DELETE (no parts)               back to the config's policies
  AccessAnswer control(std::string_view method, const std::vector<std::string_view>& parts, const nlohmann::json& body);

 private:
  struct State {
    std::vector<AppConfig> apps;  // the protected ones: Access applications
    std::vector<AccessPolicy> reusable;
  };

  [[nodiscard]] nlohmann::json app_json(const AppConfig& app, const std::string& account_id) const;
  [[nodiscard]] int app_count(const std::string& policy_id) const;

  State initial_;
  mutable std::shared_mutex mutex_;  // guards state_
  State state_;
};

}  // namespace cfmon::emulator
