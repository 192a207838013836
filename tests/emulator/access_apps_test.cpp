// Access applications and policies: the decision from policies, the config, the v4 API
// answers (checked against the published schema excerpt) and the admin endpoints, which
// change what the API lists and what the edge admits in one step.
#include "access_apps.hpp"

#include <gtest/gtest.h>

#include "api.hpp"
#include "contract.hpp"
#include "edge.hpp"
#include "support/emulator_defaults.hpp"

namespace cfmon::emulator {
namespace {

using nlohmann::json;

const std::string& kAdmin = testing::kEmulatorAdminToken;
const std::string& kNoRead = testing::kEmulatorNoReadToken;
const std::string& kMonitoringId = testing::kMonitoringTokenId;
const std::string& kOtherTeamId = testing::kOtherTeamTokenId;
using testing::kMonitoringClientId;
using testing::kMonitoringSecret;
const std::string kAccess = "/client/v4/accounts/" + testing::kEmulatorAccount + "/access";

AccessPolicy policy(PolicyDecision decision, json include, json exclude = json::array(), json require = json::array()) {
  AccessPolicy p;
  p.id = derived_uuid(include.dump());
  p.name = std::string(policy_decision_name(decision));
  p.decision = decision;
  p.include = std::move(include);
  p.exclude = std::move(exclude);
  p.require = std::move(require);
  return p;
}

json token_rule(const std::string& id) {
  return json::array({{{"service_token", {{"token_id", id}}}}});
}
const json kEveryone = json::array({{{"everyone", json::object()}}});

RequestFacts token(const std::string& id, std::string ip = "192.0.2.7") {
  return {id, std::move(ip)};
}

TEST(AccessPolicies, ServiceAuthAdmitsOnlyTheTokensItNames) {
  const std::vector<AccessPolicy> policies{policy(PolicyDecision::non_identity, token_rule(kMonitoringId))};
  EXPECT_EQ(decide_admission(policies, token(kMonitoringId)).admission, Admission::granted);
  EXPECT_EQ(decide_admission(policies, token(kOtherTeamId)).admission, Admission::no_policy);
  EXPECT_EQ(decide_admission(policies, RequestFacts{std::nullopt, "192.0.2.7"}).admission, Admission::no_policy);
}

TEST(AccessPolicies, ServiceAuthAndBypassComeBeforeAllowWhateverTheOrder) {
  const std::vector<AccessPolicy> policies{policy(PolicyDecision::allow, kEveryone),
                                           policy(PolicyDecision::non_identity, token_rule(kMonitoringId))};
  EXPECT_EQ(decide_admission(policies, token(kMonitoringId)).admission, Admission::granted);
  // Another token meets the Allow policy: it needs an identity, so the login page.
  const auto other = decide_admission(policies, token(kOtherTeamId));
  EXPECT_EQ(other.admission, Admission::login);
  EXPECT_EQ(other.policy, "allow");
}

TEST(AccessPolicies, ExcludeAndRequireNarrowAPolicy) {
  const json any_token = json::array({{{"any_valid_service_token", json::object()}}});
  const json office = json::array({{{"ip", {{"ip", "198.51.100.0/24"}}}}});
  const std::vector<AccessPolicy> excluding{policy(PolicyDecision::non_identity, any_token, token_rule(kOtherTeamId))};
  EXPECT_EQ(decide_admission(excluding, token(kMonitoringId)).admission, Admission::granted);
  EXPECT_EQ(decide_admission(excluding, token(kOtherTeamId)).admission, Admission::no_policy);
  const std::vector<AccessPolicy> requiring{policy(PolicyDecision::non_identity, any_token, json::array(), office)};
  EXPECT_EQ(decide_admission(requiring, token(kMonitoringId, "198.51.100.9")).admission, Admission::granted);
  EXPECT_EQ(decide_admission(requiring, token(kMonitoringId, "203.0.113.9")).admission, Admission::no_policy);
}

TEST(AccessPolicies, BypassForEveryoneAdmitsWithoutAnyToken) {
  const std::vector<AccessPolicy> policies{policy(PolicyDecision::bypass, kEveryone)};
  EXPECT_EQ(decide_admission(policies, RequestFacts{std::nullopt, "203.0.113.1"}).admission, Admission::bypassed);
}

TEST(AccessPolicies, BlockRefusesWhatItMatchesAndIdentityRulesNeverMatchAToken) {
  const std::vector<AccessPolicy> block{policy(PolicyDecision::deny, kEveryone)};
  EXPECT_EQ(decide_admission(block, token(kMonitoringId)).admission, Admission::denied);
  const json email = json::array({{{"email", {{"email", "ops@example.com"}}}}});
  const std::vector<AccessPolicy> by_email{policy(PolicyDecision::non_identity, email)};
  EXPECT_EQ(decide_admission(by_email, token(kMonitoringId)).admission, Admission::no_policy);
}

TEST(AccessPolicies, IpRanges) {
  EXPECT_TRUE(ip_in_cidr("198.51.100.7", "198.51.100.0/24"));
  EXPECT_FALSE(ip_in_cidr("198.51.101.7", "198.51.100.0/24"));
  EXPECT_TRUE(ip_in_cidr("203.0.113.1", "0.0.0.0/0"));
  EXPECT_TRUE(ip_in_cidr("2001:db8::1", "::/0"));
  EXPECT_TRUE(ip_in_cidr("2001:db8::1", "2001:db8::/32"));
  EXPECT_FALSE(ip_in_cidr("2001:db9::1", "2001:db8::/32"));
  EXPECT_TRUE(ip_in_cidr("192.0.2.7", "192.0.2.7"));
  EXPECT_FALSE(ip_in_cidr("192.0.2.7", "::/0"));  // families never mix
  EXPECT_FALSE(ip_in_cidr("192.0.2.7", "192.0.2.0/33"));
  EXPECT_FALSE(ip_in_cidr("not an ip", "0.0.0.0/0"));
}

TEST(AccessPolicies, ParseRefusesWhatTheApiWouldNot) {
  EXPECT_TRUE(parse_access_policy(json{{"name", "n"}, {"decision", "allow"}, {"include", kEveryone}}, "id").policy);
  const auto problem = [](const json& node) { return parse_access_policy(node, "id").problem; };
  EXPECT_EQ(problem(json{{"name", "n"}, {"decision", "permit"}, {"include", kEveryone}}),
            "policy \"n\": \"decision\" must be allow, deny, non_identity or bypass");
  EXPECT_EQ(problem(json{{"name", "n"}, {"decision", "allow"}}), "policy \"n\": needs at least one \"include\" rule");
  EXPECT_EQ(
      problem(json{{"name", "n"}, {"decision", "allow"}, {"include", json::array({{{"nobody", json::object()}}})}}),
      "policy \"n\": \"include\" has an unknown rule type \"nobody\"");
  EXPECT_EQ(problem(json{{"name", "n"}, {"decision", "allow"}, {"include", kEveryone}, {"reusable", true}}),
            "policy: unknown key \"reusable\"");
}

constexpr std::string_view kTokens =
    R"("tokens": [{"id": "t1", "name": "n", "client_id": "c.access", "client_secret": "s"}])";

std::string config_error(const std::string& apps) {
  try {
    parse_config(R"({"team_domain": "acme.cloudflareaccess.com", )" + std::string(kTokens) + ", " + apps + "}",
                 Clock::now());
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(AccessConfig, PoliciesAndTheShorthandAreExclusiveAndNamesAreChecked) {
  EXPECT_EQ(config_error(R"("apps": [{"name": "a", "host": "a.test", "aud": "x", "service_auth_tokens": ["t1"],
      "policies": []}])"),
            "apps[0] (a): \"policies\" replaces \"service_auth_tokens\" and \"identity_login\": give one or the other");
  EXPECT_EQ(config_error(R"("apps": [{"name": "a", "host": "a.test", "aud": "x", "policies": ["nope"]}])"),
            "apps[0] (a): \"policies\" names unknown reusable policy \"nope\"");
  EXPECT_EQ(config_error(R"("apps": [{"name": "a", "host": "a.test", "aud": "x", "policies": [{"name": "p",
      "decision": "non_identity", "include": [{"service_token": {"token_id": "t9"}}]}]}])"),
            "apps[0] (a): policy \"p\" names unknown token id \"t9\"");
  EXPECT_EQ(config_error(R"("access_policies": [{"id": "r", "name": "r", "decision": "bypass",
      "include": [{"everyone": {}}]}], "apps": [{"name": "a", "host": "a.test", "aud": "x", "policies": ["r"]}])"),
            "(no error)");
}

// The default config's API and edge over one directory, every API answer checked
// against the published schema excerpt.
struct Fixture {
  Fixture()
      : config(load_config_file(CFEMU_DEFAULT_CONFIG, Clock::now())),
        tokens(std::make_shared<TokenStore>()),
        access(std::make_shared<AccessDirectory>(config)),
        api(config.api, tokens, std::make_shared<ControlledClock>()),
        schema(contract::Contract::load_file(CFMON_ACCESS_APPS_SCHEMA)) {
    for (const auto& t : config.tokens) tokens->insert(t);
    api.set_access_directory(access);
  }

  ApiHttpResponse call(const std::string& method, const std::string& target, const std::string& body = "",
                       const std::string& bearer = kAdmin) {
    ApiHttpRequest r;
    r.method = method;
    r.target = target;
    if (!bearer.empty()) r.headers.emplace_back("Authorization", "Bearer " + bearer);
    r.body = body;
    auto response = api.handle(r);
    if (method == "GET" && target.starts_with("/client/v4/")) {
      const std::string path = target.substr(std::string("/client/v4").size());
      for (const auto& problem : schema.check_response("GET", target, response.status, response.headers, response.body))
        ADD_FAILURE() << path << ": " << problem;
    }
    return response;
  }

  json get(const std::string& target) {
    const auto r = call("GET", target);
    EXPECT_EQ(r.status, 200) << target << ": " << r.body;
    return json::parse(r.body);
  }

  json app(const std::string& name) {
    const json body = get(kAccess + "/apps");
    for (const auto& a : body["result"]) {
      if (a["name"] == name) return a;
    }
    return nullptr;
  }

  int edge_status(const std::string& app_name) {
    EdgeRequest request;
    request.headers = {{"Host", app_name + ".cfemu.test"},
                       {"CF-Access-Client-Id", kMonitoringClientId},
                       {"CF-Access-Client-Secret", kMonitoringSecret}};
    request.remote_addr = "192.0.2.7";
    return handle_edge_request(config, request, *tokens, Clock::now(), "0123456789abcdef", access.get()).status;
  }

  EmulatorConfig config;
  std::shared_ptr<TokenStore> tokens;
  std::shared_ptr<AccessDirectory> access;
  ApiEmulator api;
  contract::Contract schema;
};

TEST(AccessApi, ListsTheProtectedAppsWithTheirPoliciesInTheEnvelope) {
  Fixture f;
  const json body = f.get(kAccess + "/apps");
  EXPECT_TRUE(body["success"].get<bool>());
  std::size_t protected_apps = 0;
  for (const auto& a : f.config.apps) protected_apps += a.is_protected ? 1 : 0;
  EXPECT_EQ(body["result"].size(), protected_apps);
  EXPECT_EQ(body["result_info"]["total_count"], protected_apps);
  EXPECT_EQ(f.app("unprotected"), nullptr) << "an app without Access is no Access application";
  const json ok = f.app("ok");
  ASSERT_TRUE(ok.is_object());
  EXPECT_EQ(ok["domain"], "ok.cfemu.test");
  EXPECT_EQ(ok["aud"], f.config.find_app("ok.cfemu.test")->aud);
  EXPECT_EQ(ok["type"], "self_hosted");
  ASSERT_EQ(ok["policies"].size(), 1U);
  EXPECT_EQ(ok["policies"][0]["decision"], "non_identity");
  EXPECT_EQ(ok["policies"][0]["include"][0]["service_token"]["token_id"], kMonitoringId);
  EXPECT_EQ(ok["policies"][0]["precedence"], 1);
  EXPECT_EQ(f.app("single-header")["read_service_tokens_from_header"], "Authorization");
}

TEST(AccessApi, PagesEveryList) {
  Fixture f;
  const json all = f.get(kAccess + "/apps");
  const json second = f.get(kAccess + "/apps?per_page=2&page=2");
  ASSERT_EQ(second["result"].size(), 2U);
  EXPECT_EQ(second["result"][0]["id"], all["result"][2]["id"]);
  EXPECT_EQ(second["result_info"]["per_page"], 2);
  EXPECT_EQ(second["result_info"]["total_pages"], (all["result"].size() + 1) / 2);
  EXPECT_EQ(f.call("GET", kAccess + "/apps?per_page=1001").status, 400);
  const std::string id = f.app("allow-everyone")["id"];
  const json policies = f.get(kAccess + "/apps/" + id + "/policies?per_page=1&page=2");
  ASSERT_EQ(policies["result"].size(), 1U);
  EXPECT_EQ(policies["result"][0]["decision"], "allow");
  EXPECT_EQ(policies["result_info"]["per_page"], 1);
  EXPECT_EQ(f.get(kAccess + "/apps/" + id + "/policies")["result_info"]["per_page"], 200);
  EXPECT_EQ(f.get(kAccess + "/policies")["result_info"]["per_page"], 100);
}

TEST(AccessApi, ReusablePoliciesCarryTheirAppCountAndAppearInTheAppsThatUseThem) {
  Fixture f;
  const json reusable = f.get(kAccess + "/policies")["result"];
  ASSERT_EQ(reusable.size(), 1U);
  EXPECT_EQ(reusable[0]["name"], "CI monitoring");
  EXPECT_EQ(reusable[0]["reusable"], true);
  EXPECT_EQ(reusable[0]["app_count"], 1);
  const json app = f.app("reusable-ok");
  const json policies = f.get(kAccess + "/apps/" + app["id"].get<std::string>() + "/policies")["result"];
  ASSERT_EQ(policies.size(), 1U);
  EXPECT_EQ(policies[0]["id"], reusable[0]["id"]);
  EXPECT_FALSE(policies[0].contains("reusable")) << "not a field of access_app_policy_response";
  EXPECT_EQ(f.get(kAccess + "/policies/" + reusable[0]["id"].get<std::string>())["result"]["name"], "CI monitoring");
}

TEST(AccessApi, RefusesWhatCloudflareRefuses) {
  Fixture f;
  EXPECT_EQ(f.call("GET", kAccess + "/apps/00000000-0000-4000-8000-000000000000").status, 404);
  EXPECT_EQ(f.call("POST", kAccess + "/apps").status, 405);
  EXPECT_EQ(f.call("GET", "/client/v4/accounts/0badacc00badacc00badacc00badacc0/access/apps").status, 403);
  EXPECT_EQ(f.call("GET", kAccess + "/apps", "", "").status, 401);
  const auto hidden = f.call("GET", kAccess + "/apps", "", kNoRead);
  EXPECT_EQ(json::parse(hidden.body)["result"].size(), 0U) << "without the permission: an empty list";
}

TEST(AccessEdge, DecidesFromTheDefaultAppsPolicies) {
  Fixture f;
  EXPECT_EQ(f.edge_status("ok"), 200);
  EXPECT_EQ(f.edge_status("reusable-ok"), 200);
  EXPECT_EQ(f.edge_status("allow-everyone"), 200);
  EXPECT_EQ(f.edge_status("allow-only"), 302) << "Access sends service tokens of an Allow policy to the login page";
  EXPECT_EQ(f.edge_status("login-redirect"), 302);
  EXPECT_EQ(f.edge_status("legacy-403"), 403);
  EdgeRequest anonymous;
  anonymous.headers = {{"Host", "bypass-everyone.cfemu.test"}};
  const auto open =
      handle_edge_request(f.config, anonymous, *f.tokens, Clock::now(), "0123456789abcdef", f.access.get());
  EXPECT_EQ(open.status, 200) << "Bypass for everyone: no token needed";
  EXPECT_EQ(open.header("Set-Cookie"), nullptr);
}

TEST(AccessAdmin, ABrokenPolicyChangesTheApiAndTheEdgeTogetherUntilReset) {
  Fixture f;
  const std::string allow_only =
      R"j({"policies": [{"name": "Monitoring (Allow)", "decision": "allow",
          "include": [{"service_token": {"token_id": ")j" +
      kMonitoringId + R"("}}]}]})";
  EXPECT_EQ(f.call("PUT", "/__emulator/access/apps/ok/policies", allow_only).status, 200);
  EXPECT_EQ(f.app("ok")["policies"][0]["decision"], "allow");
  EXPECT_EQ(f.edge_status("ok"), 302);
  EXPECT_EQ(f.call("DELETE", "/__emulator/access").status, 200);
  EXPECT_EQ(f.app("ok")["policies"][0]["decision"], "non_identity");
  EXPECT_EQ(f.edge_status("ok"), 200);
  EXPECT_EQ(f.call("PUT", "/__emulator/access/apps/ok/policies", R"({"policies": [{"name": "x"}]})").status, 400);
  EXPECT_EQ(f.call("PUT", "/__emulator/access/apps/nope/policies", R"({"policies": []})").status, 404);
}

TEST(AccessAdmin, ChangingAReusablePolicyChangesEveryAppUsingIt) {
  Fixture f;
  const std::string id = f.get(kAccess + "/policies")["result"][0]["id"];
  const std::string other_team = R"({"name": "CI monitoring", "decision": "non_identity",
      "include": [{"service_token": {"token_id": ")" +
                                 kOtherTeamId + R"("}}]})";
  EXPECT_EQ(f.call("PUT", "/__emulator/access/policies/" + id, other_team).status, 200);
  EXPECT_EQ(f.app("reusable-ok")["policies"][0]["include"][0]["service_token"]["token_id"], kOtherTeamId);
  EXPECT_EQ(f.edge_status("reusable-ok"), 403);
}

}  // namespace
}  // namespace cfmon::emulator
