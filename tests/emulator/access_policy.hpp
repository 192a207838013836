#pragma once
// Access policies as the v4 API writes them (docs: cloudflare-apps-jwt-tunnels.md A.4),
// and the decision the edge takes from an app's policies for one request. Pure: no
// config, no locks; the config parser, the edge and the API share it, so what the API
// shows is what the edge enforces.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cfmon::emulator {

enum class PolicyDecision { allow, deny, non_identity, bypass };

// "allow", "deny", "non_identity", "bypass"; nullopt if unknown.
std::optional<PolicyDecision> parse_policy_decision(std::string_view text);
std::string_view policy_decision_name(PolicyDecision decision) noexcept;

struct AccessPolicy {
  std::string id;  // UUID
  std::string name;
  PolicyDecision decision = PolicyDecision::allow;
  // Rules exactly as the API writes them: single-key objects such as {"everyone": {}}.
  nlohmann::json include = nlohmann::json::array();
  nlohmann::json exclude = nlohmann::json::array();
  nlohmann::json require = nlohmann::json::array();
  bool reusable = false;  // account-level policy, shared by apps
};

// A policy object in the API's shape ({"id"?, "name", "decision", "include", "exclude"?,
// "require"?}). `fallback_id` is used when "id" is absent. Returns the problem as one line
// (never echoing values) instead of throwing, so the config and the admin endpoint share it.
struct ParsedPolicy {
  std::optional<AccessPolicy> policy;
  std::string problem;
};
ParsedPolicy parse_access_policy(const nlohmann::json& node, std::string fallback_id);

// The policy as an answer of the API: app-scoped answers carry precedence and account_id,
// reusable ones reusable and app_count (access_app_policy_response / access_reusable_policy_resp).
nlohmann::json app_policy_json(const AccessPolicy& policy, int precedence, const std::string& account_id);
nlohmann::json reusable_policy_json(const AccessPolicy& policy, int app_count);

// What the edge knows about one request: the service token it authenticated (nullopt:
// none, or not a valid one) and the client's address.
struct RequestFacts {
  std::optional<std::string> token_id;
  std::string client_ip;
};

enum class Admission {
  granted,    // a Service Auth (non_identity) policy admits the token
  bypassed,   // a Bypass policy matches: no authentication at all
  login,      // an Allow policy needs an identity: the login page
  denied,     // a Block (deny) policy matches
  no_policy,  // nothing matched: deny by default
};

struct AdmissionResult {
  Admission admission = Admission::no_policy;
  std::string policy;  // name of the deciding policy, empty for no_policy
};

// Access's order: Bypass and Service Auth first (in precedence order), then Block and
// Allow. A service-token request carries no identity, so an Allow policy sends it to the
// login page (Access 302s service tokens there); a Block policy it matches refuses it.
AdmissionResult decide_admission(const std::vector<AccessPolicy>& policies, const RequestFacts& facts);

// Whether one rule ({"everyone": {}}, {"ip": {"ip": CIDR}}, {"service_token": {"token_id"}},
// {"any_valid_service_token": {}}; identity rules never match a service-token request).
bool rule_matches(const nlohmann::json& rule, const RequestFacts& facts);

// "198.51.100.7" in "198.51.100.0/24" (IPv4 or IPv6; a bare address is a /32 or /128).
bool ip_in_cidr(std::string_view ip, std::string_view cidr);

// A stable UUID-shaped id derived from a seed (for apps and policies the config names only).
std::string derived_uuid(std::string_view seed);

}  // namespace cfmon::emulator
