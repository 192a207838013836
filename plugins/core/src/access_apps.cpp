#include "cfmon/access_apps.hpp"

#include <algorithm>

#include "cfmon/printable.hpp"
#include "cfmon/service_tokens.hpp"

namespace cfmon::cloudflare {
namespace {

using Json = nlohmann::json;

// A string field: absent or null -> empty; another type -> a problem naming it.
std::string string_field(const Json& object, const char* key, std::vector<std::string>& problems) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return {};
  if (!it->is_string()) {
    problems.push_back("'" + std::string(key) + "' is " + json_type_text(*it) + ", not a string");
    return {};
  }
  return it->get<std::string>();
}

std::vector<Json> rules_field(const Json& object, const char* key, std::vector<std::string>& problems) {
  std::vector<Json> rules;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return rules;
  if (!it->is_array()) {
    problems.push_back("'" + std::string(key) + "' is " + json_type_text(*it) + ", not an array of rules");
    return rules;
  }
  for (const auto& rule : *it) {
    if (!rule.is_object() || rule.size() != 1) {
      problems.push_back("'" + std::string(key) + "' holds a rule that is not an object with one key");
      continue;
    }
    rules.push_back(rule);
  }
  return rules;
}

std::string_view rule_type(const Json& rule) {
  return rule.is_object() && rule.size() == 1 ? std::string_view(rule.begin().key()) : std::string_view();
}

// The token id of a {"service_token": {"token_id": ...}} rule, or empty.
std::string rule_token_id(const Json& rule) {
  if (rule_type(rule) != "service_token") return {};
  const Json& value = rule.begin().value();
  if (!value.is_object()) return {};
  const auto id = value.find("token_id");
  return id != value.end() && id->is_string() ? id->get<std::string>() : std::string();
}

bool names_token(const std::vector<Json>& rules, std::string_view token_id, bool any_counts) {
  return std::any_of(rules.begin(), rules.end(), [&](const Json& rule) {
    return (any_counts && rule_type(rule) == "any_valid_service_token") || rule_token_id(rule) == token_id;
  });
}

bool has_rule(const std::vector<Json>& rules, std::string_view type) {
  return std::any_of(rules.begin(), rules.end(), [&](const Json& rule) { return rule_type(rule) == type; });
}

bool includes_all_addresses(const std::vector<Json>& rules) {
  return std::any_of(rules.begin(), rules.end(), [](const Json& rule) {
    if (rule_type(rule) != "ip" || !rule.begin().value().is_object()) return false;
    const auto ip = rule.begin().value().find("ip");
    return ip != rule.begin().value().end() && ip->is_string() && (*ip == "0.0.0.0/0" || *ip == "::/0");
  });
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Glob with '*' = any run of characters except `stop` ('\0': none).
bool glob(std::string_view pattern, std::string_view text, char stop) {
  if (pattern.empty()) return text.empty();
  if (pattern.front() == '*') {
    for (std::size_t skip = 0; skip <= text.size(); ++skip) {
      if (glob(pattern.substr(1), text.substr(skip), stop)) return true;
      if (skip < text.size() && text[skip] == stop) break;
    }
    return false;
  }
  return !text.empty() && pattern.front() == text.front() && glob(pattern.substr(1), text.substr(1), stop);
}

struct Pattern {
  std::string_view host;
  std::string_view path;  // without the leading '/'; "" or "*" = every path
};

Pattern split_pattern(std::string_view pattern) {
  const auto slash = pattern.find('/');
  if (slash == std::string_view::npos) return {pattern, {}};
  return {pattern.substr(0, slash), pattern.substr(slash + 1)};
}

// Longer literal paths, then literal hosts, then longer hosts: more specific.
std::tuple<std::size_t, bool, std::size_t> specificity(std::string_view pattern) {
  const Pattern p = split_pattern(pattern);
  const auto literal_path = p.path.size() - static_cast<std::size_t>(std::count(p.path.begin(), p.path.end(), '*'));
  return {literal_path, p.host.find('*') == std::string_view::npos, p.host.size()};
}

}  // namespace

Expected<AccessAppInfo> parse_access_app(const Json& object) {
  if (!object.is_object()) return make_error("an Access application is " + json_type_text(object) + ", not an object");
  AccessAppInfo app;
  app.id = string_field(object, "id", app.problems);
  app.name = string_field(object, "name", app.problems);
  app.type = string_field(object, "type", app.problems);
  app.aud = string_field(object, "aud", app.problems);
  app.domain = lower(string_field(object, "domain", app.problems));
  if (!app.domain.empty()) app.covers.push_back(app.domain);
  std::vector<std::string> from_destinations;
  if (const auto it = object.find("destinations"); it != object.end() && it->is_array()) {
    for (const auto& d : *it) {
      if (!d.is_object() || d.value("type", std::string("public")) != "public") continue;
      const auto uri = d.find("uri");
      if (uri != d.end() && uri->is_string()) from_destinations.push_back(lower(uri->get<std::string>()));
    }
  }
  std::vector<std::string> from_domains;
  if (const auto it = object.find("self_hosted_domains"); it != object.end() && it->is_array()) {
    for (const auto& d : *it) {
      if (d.is_string()) from_domains.push_back(lower(d.get<std::string>()));
    }
  }
  // "If destinations are provided, then self_hosted_domains will be ignored."
  for (auto& c : from_destinations.empty() ? from_domains : from_destinations) {
    if (std::find(app.covers.begin(), app.covers.end(), c) == app.covers.end()) app.covers.push_back(std::move(c));
  }
  return app;
}

Expected<AccessPolicyInfo> parse_access_policy(const Json& object) {
  if (!object.is_object()) return make_error("an Access policy is " + json_type_text(object) + ", not an object");
  AccessPolicyInfo policy;
  policy.id = string_field(object, "id", policy.problems);
  policy.name = string_field(object, "name", policy.problems);
  policy.decision = string_field(object, "decision", policy.problems);
  static constexpr std::string_view kDecisions[] = {"allow", "deny", "non_identity", "bypass"};
  if (std::find(std::begin(kDecisions), std::end(kDecisions), policy.decision) == std::end(kDecisions)) {
    policy.problems.push_back(policy.decision.empty()
                                  ? std::string("it has no decision")
                                  : "its decision '" + cfmon::printable(policy.decision, 40) + "' is unknown");
  }
  policy.include = rules_field(object, "include", policy.problems);
  policy.exclude = rules_field(object, "exclude", policy.problems);
  policy.require = rules_field(object, "require", policy.problems);
  if (const auto it = object.find("precedence"); it != object.end() && it->is_number_integer()) {
    policy.precedence = it->get<long long>();
  }
  return policy;
}

bool pattern_covers(std::string_view pattern, std::string_view host, std::string_view path) {
  const Pattern p = split_pattern(pattern);
  if (!glob(p.host, lower(host), '.')) return false;
  std::string_view rest = path;
  while (rest.starts_with('/')) rest.remove_prefix(1);
  if (p.path.empty() || p.path == "*") return true;
  if (p.path.find('*') != std::string_view::npos) return glob(p.path, rest, '\0');
  // A literal path covers itself and everything below it.
  return rest == p.path || (rest.starts_with(p.path) && rest.substr(p.path.size()).starts_with('/'));
}

const AccessAppInfo* app_covering(const std::vector<AccessAppInfo>& apps, std::string_view host,
                                  std::string_view path) {
  const AccessAppInfo* best = nullptr;
  std::tuple<std::size_t, bool, std::size_t> best_rank{};
  for (const auto& app : apps) {
    for (const auto& pattern : app.covers) {
      if (!pattern_covers(pattern, host, path)) continue;
      const auto rank = specificity(pattern);
      if (best == nullptr || rank > best_rank) {
        best = &app;
        best_rank = rank;
      }
    }
  }
  return best;
}

TokenStanding token_standing(const std::vector<AccessPolicyInfo>& policies, std::string_view token_id) {
  TokenStanding standing;
  for (const auto& policy : policies) {
    if (policy.decision == "non_identity") {
      if (!names_token(policy.include, token_id, true) || names_token(policy.exclude, token_id, true)) continue;
      standing.admitting.push_back(&policy);
      if (!names_token(policy.include, token_id, false)) standing.admitting_any.push_back(&policy);
    } else if (policy.decision == "allow" && names_token(policy.include, token_id, true)) {
      standing.allow_naming.push_back(&policy);
    }
  }
  return standing;
}

bool opens_to_everyone(const AccessPolicyInfo& policy) {
  return policy.decision == "bypass" &&
         (has_rule(policy.include, "everyone") || includes_all_addresses(policy.include));
}

bool allows_everyone(const AccessPolicyInfo& policy) {
  return policy.decision == "allow" && has_rule(policy.include, "everyone");
}

std::vector<std::string> named_token_ids(const AccessPolicyInfo& policy) {
  std::vector<std::string> ids;
  for (const auto* rules : {&policy.include, &policy.exclude, &policy.require}) {
    for (const auto& rule : *rules) {
      if (auto id = rule_token_id(rule); !id.empty()) ids.push_back(std::move(id));
    }
  }
  return ids;
}

}  // namespace cfmon::cloudflare
