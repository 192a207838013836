#include "access_policy.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <functional>

#include "cfmon/tables.hpp"

namespace cfmon::emulator {
namespace {

using nlohmann::json;

constexpr cfmon::EnumNames<PolicyDecision, 4> kDecisionNames{{"allow", "deny", "non_identity", "bypass"}};
static_assert(kDecisionNames.ends_with(PolicyDecision::bypass));

// The access_rule variants of the schema excerpt (one key each).
constexpr std::array<std::string_view, 26> kRuleTypes{"everyone",
                                                      "service_token",
                                                      "any_valid_service_token",
                                                      "ip",
                                                      "ip_list",
                                                      "email",
                                                      "email_domain",
                                                      "email_list",
                                                      "group",
                                                      "geo",
                                                      "certificate",
                                                      "common_name",
                                                      "login_method",
                                                      "auth_method",
                                                      "device_posture",
                                                      "external_evaluation",
                                                      "azureAD",
                                                      "auth_context",
                                                      "okta",
                                                      "gsuite",
                                                      "github-organization",
                                                      "saml",
                                                      "oidc",
                                                      "linked_app_token",
                                                      "user_risk_score",
                                                      "cloudflare_account_member"};

std::string check_rules(const json& rules, std::string_view key) {
  if (!rules.is_array()) return "\"" + std::string(key) + "\" must be an array of rules";
  for (const auto& rule : rules) {
    if (!rule.is_object() || rule.size() != 1 || !rule.begin().value().is_object()) {
      return "\"" + std::string(key) + "\" rules must be objects with one key, such as {\"everyone\": {}}";
    }
    const std::string& type = rule.begin().key();
    if (std::find(kRuleTypes.begin(), kRuleTypes.end(), type) == kRuleTypes.end()) {
      return "\"" + std::string(key) + "\" has an unknown rule type \"" + type + "\"";
    }
  }
  return {};
}

std::string string_field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool all_match(const json& rules, const RequestFacts& facts) {
  return std::all_of(rules.begin(), rules.end(), [&](const json& rule) { return rule_matches(rule, facts); });
}
bool any_match(const json& rules, const RequestFacts& facts) {
  return std::any_of(rules.begin(), rules.end(), [&](const json& rule) { return rule_matches(rule, facts); });
}

bool policy_matches(const AccessPolicy& policy, const RequestFacts& facts) {
  return any_match(policy.include, facts) && !any_match(policy.exclude, facts) && all_match(policy.require, facts);
}

json base_policy_json(const AccessPolicy& policy) {
  return {{"id", policy.id},           {"name", policy.name},       {"decision", policy_decision_name(policy.decision)},
          {"include", policy.include}, {"exclude", policy.exclude}, {"require", policy.require}};
}

}  // namespace

std::optional<PolicyDecision> parse_policy_decision(std::string_view text) {
  return kDecisionNames.parse(text);
}

std::string_view policy_decision_name(PolicyDecision decision) noexcept {
  return kDecisionNames(decision, "allow");
}

ParsedPolicy parse_access_policy(const json& node, std::string fallback_id) {
  ParsedPolicy parsed;
  if (!node.is_object()) {
    parsed.problem = "a policy must be a JSON object";
    return parsed;
  }
  for (const auto& item : node.items()) {
    static constexpr std::array<std::string_view, 6> kKeys{"id", "name", "decision", "include", "exclude", "require"};
    if (std::find(kKeys.begin(), kKeys.end(), item.key()) == kKeys.end()) {
      parsed.problem = "policy: unknown key \"" + item.key() + "\"";
      return parsed;
    }
  }
  AccessPolicy policy;
  policy.id = node.contains("id") ? string_field(node, "id") : std::move(fallback_id);
  policy.name = string_field(node, "name");
  if (policy.id.empty() || policy.name.empty()) {
    parsed.problem = "policy: \"name\" (and \"id\" when given) must be non-empty strings";
    return parsed;
  }
  const auto decision = parse_policy_decision(string_field(node, "decision"));
  if (!decision) {
    parsed.problem = "policy \"" + policy.name + "\": \"decision\" must be allow, deny, non_identity or bypass";
    return parsed;
  }
  policy.decision = *decision;
  for (auto [key, target] : {std::pair{"include", &policy.include}, std::pair{"exclude", &policy.exclude},
                             std::pair{"require", &policy.require}}) {
    if (!node.contains(key)) continue;
    if (auto problem = check_rules(node[key], key); !problem.empty()) {
      parsed.problem = "policy \"" + policy.name + "\": " + problem;
      return parsed;
    }
    *target = node[key];
  }
  if (policy.include.empty()) {
    parsed.problem = "policy \"" + policy.name + "\": needs at least one \"include\" rule";
    return parsed;
  }
  parsed.policy = std::move(policy);
  return parsed;
}

json app_policy_json(const AccessPolicy& policy, int precedence, const std::string& account_id) {
  json j = base_policy_json(policy);
  j["precedence"] = precedence;
  j["account_id"] = account_id;
  return j;
}

json reusable_policy_json(const AccessPolicy& policy, int app_count) {
  json j = base_policy_json(policy);
  j["reusable"] = true;
  j["app_count"] = app_count;
  return j;
}

bool rule_matches(const json& rule, const RequestFacts& facts) {
  if (!rule.is_object() || rule.size() != 1) return false;
  const std::string& type = rule.begin().key();
  const json& value = rule.begin().value();
  if (type == "everyone") return true;
  if (type == "any_valid_service_token") return facts.token_id.has_value();
  if (type == "service_token") return facts.token_id && string_field(value, "token_id") == *facts.token_id;
  if (type == "ip") return ip_in_cidr(facts.client_ip, string_field(value, "ip"));
  return false;  // identity, device and list rules: a service-token request has none of them
}

AdmissionResult decide_admission(const std::vector<AccessPolicy>& policies, const RequestFacts& facts) {
  for (const auto& policy : policies) {
    if (policy.decision != PolicyDecision::bypass && policy.decision != PolicyDecision::non_identity) continue;
    if (!policy_matches(policy, facts)) continue;
    return {policy.decision == PolicyDecision::bypass ? Admission::bypassed : Admission::granted, policy.name};
  }
  for (const auto& policy : policies) {
    if (policy.decision == PolicyDecision::allow) return {Admission::login, policy.name};
    if (policy.decision == PolicyDecision::deny && policy_matches(policy, facts))
      return {Admission::denied, policy.name};
  }
  return {};
}

bool ip_in_cidr(std::string_view ip, std::string_view cidr) {
  const auto slash = cidr.find('/');
  const std::string network(cidr.substr(0, slash));
  const std::string address(ip);
  std::array<unsigned char, 16> net{};
  std::array<unsigned char, 16> addr{};
  int bits = 0;
  if (inet_pton(AF_INET, network.c_str(), net.data()) == 1) {
    if (inet_pton(AF_INET, address.c_str(), addr.data()) != 1) return false;
    bits = 32;
  } else if (inet_pton(AF_INET6, network.c_str(), net.data()) == 1) {
    if (inet_pton(AF_INET6, address.c_str(), addr.data()) != 1) return false;
    bits = 128;
  } else {
    return false;
  }
  int prefix = bits;
  if (slash != std::string_view::npos) {
    const std::string_view digits = cidr.substr(slash + 1);
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (r.ec != std::errc{} || r.ptr != digits.data() + digits.size() || prefix < 0 || prefix > bits) return false;
  }
  for (int i = 0; i < prefix; ++i) {
    const auto byte = static_cast<std::size_t>(i / 8);
    const auto mask = static_cast<unsigned char>(0x80U >> static_cast<unsigned>(i % 8));
    if ((net[byte] & mask) != (addr[byte] & mask)) return false;
  }
  return true;
}

std::string derived_uuid(std::string_view seed) {
  const std::hash<std::string_view> hash;
  const auto a = static_cast<std::uint64_t>(hash(seed));
  const auto b = static_cast<std::uint64_t>(hash(std::string(seed) + "#2"));
  char text[40];
  std::snprintf(text, sizeof text, "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32U),
                static_cast<unsigned>((a >> 16U) & 0xffffU), static_cast<unsigned>(a & 0xfffU),
                static_cast<unsigned>((b >> 48U) & 0xfffU), static_cast<unsigned long long>(b & 0xffffffffffffULL));
  return text;
}

}  // namespace cfmon::emulator
