#pragma once
// Access applications and their policies as the v4 API describes them
// (cloudflare-apps-jwt-tunnels.md A.3-A.5; every field optional), the role that reads
// them, and what they mean for one service token: which application covers a hostname
// and path (most specific wins, as Access picks it) and which policies admit or name a
// token. check_cf_access_apps judges with it; check_cf_access --explain can ask the same.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "cfmon/cloudflare_errors.hpp"
#include "cfmon/expected.hpp"

namespace cfmon::cloudflare {

struct AccessPolicyInfo {
  std::string id;
  std::string name;
  std::string decision;  // "allow", "deny", "non_identity", "bypass"; empty when absent
  // Rules as the API writes them: single-key objects ({"everyone": {}}, {"service_token":
  // {"token_id": ...}}, ...). Absent lists are empty.
  std::vector<nlohmann::json> include;
  std::vector<nlohmann::json> exclude;
  std::vector<nlohmann::json> require;
  std::optional<long long> precedence;
  // Fields of the wrong type, an unknown decision: this policy cannot be judged.
  std::vector<std::string> problems;
};

struct AccessAppInfo {
  std::string id;
  std::string name;
  std::string type;    // "self_hosted", "saas", ...; empty when absent
  std::string aud;     // the AUD tag
  std::string domain;  // primary "host[/path]"
  // Every "host[/path]" the app covers: `domain`, public destinations (which supersede
  // self_hosted_domains) or self_hosted_domains.
  std::vector<std::string> covers;
  std::vector<std::string> problems;
};

// Reading Access applications: check_cf_access_apps; tests fake it.
class AccessAppDirectory {
 public:
  virtual ~AccessAppDirectory() = default;
  // GET /accounts/{account_id}/access/apps, every page.
  virtual ApiResult<std::vector<AccessAppInfo>> list_access_apps() = 0;
  // GET /accounts/{account_id}/access/apps/{app_id}/policies, every page: app-scoped
  // and reusable policies, in the order the API gives (precedence).
  virtual ApiResult<std::vector<AccessPolicyInfo>> list_app_policies(std::string_view app_id) = 0;
};

// Every field optional; wrong types go to `problems`. Error only when not an object.
Expected<AccessAppInfo> parse_access_app(const nlohmann::json& object);
Expected<AccessPolicyInfo> parse_access_policy(const nlohmann::json& object);

// ---- what it means ------------------------------------------------------------------

// Whether the app pattern "host[/path]" (with '*' wildcards: one per label in the host,
// any run of characters in the path) covers `host` and `path` (path "/" or "/a/b").
bool pattern_covers(std::string_view pattern, std::string_view host, std::string_view path);

// The app Access picks for host and path: of the apps covering it, the most specific
// pattern (the longest path, then a host without wildcard, then the longest host).
// nullptr: no application covers it, so Access is not in front of it.
const AccessAppInfo* app_covering(const std::vector<AccessAppInfo>& apps, std::string_view host, std::string_view path);

// How an app's policies treat one service token (by its token ID).
struct TokenStanding {
  // Service Auth (non_identity) policies that include the token (service_token or
  // any_valid_service_token) without excluding it: the probe passes through them.
  std::vector<const AccessPolicyInfo*> admitting;
  // Of those, the ones that admit it only as "any valid service token".
  std::vector<const AccessPolicyInfo*> admitting_any;
  // Allow policies that name the token: Access sends service tokens there to the login page.
  std::vector<const AccessPolicyInfo*> allow_naming;
};
TokenStanding token_standing(const std::vector<AccessPolicyInfo>& policies, std::string_view token_id);

// A Bypass policy including everyone, 0.0.0.0/0 or ::/0: the app is open to anyone.
bool opens_to_everyone(const AccessPolicyInfo& policy);
// An Allow policy including everyone: any identity any IdP accepts.
bool allows_everyone(const AccessPolicyInfo& policy);
// The token IDs a policy names in service_token rules (include, exclude or require).
std::vector<std::string> named_token_ids(const AccessPolicyInfo& policy);

}  // namespace cfmon::cloudflare
