// check_cf_access_apps on fixed API answers: every state, the selectors, --orphans.
#include "apps_check.hpp"

#include <gtest/gtest.h>

#include <map>

#include "support/fake_cloudflare.hpp"

namespace cfmon::apps {
namespace {

using cloudflare::AccessAppInfo;
using cloudflare::AccessPolicyInfo;
using cloudflare::ApiError;
using cloudflare::ApiErrorKind;
using nlohmann::json;

const std::string kTokenId = "11111111-1111-4111-8111-111111111111";

cloudflare::ServiceTokenInfo token(const std::string& name, const std::string& id) {
  cloudflare::ServiceTokenInfo t;
  t.id = id;
  t.name = name;
  t.client_id = name + ".access";
  return t;
}

class FakeApps : public cloudflare::AccessAppDirectory {
 public:
  cloudflare::ApiResult<std::vector<AccessAppInfo>> list_access_apps() override { return apps; }
  cloudflare::ApiResult<std::vector<AccessPolicyInfo>> list_app_policies(std::string_view app_id) override {
    ++policy_reads;
    const auto it = policies.find(std::string(app_id));
    if (it == policies.end()) return ApiError{ApiErrorKind::not_found, "no such application", 404, {}, std::nullopt};
    return it->second;
  }
  void add(const std::string& name, const std::string& domain, const std::vector<json>& app_policies) {
    AccessAppInfo app = *cloudflare::parse_access_app(
        {{"id", name + "-id"}, {"name", name}, {"type", "self_hosted"}, {"domain", domain}, {"aud", name + "-aud"}});
    apps.push_back(app);
    std::vector<AccessPolicyInfo> parsed;
    for (const auto& p : app_policies) parsed.push_back(*cloudflare::parse_access_policy(p));
    policies[app.id] = parsed;
  }

  std::vector<AccessAppInfo> apps;
  std::map<std::string, std::vector<AccessPolicyInfo>> policies;
  int policy_reads = 0;
};

json service_auth(const std::string& name, const json& include) {
  return {{"name", name}, {"decision", "non_identity"}, {"include", include}};
}
const json kMonitoring = json::array({{{"service_token", {{"token_id", kTokenId}}}}});
const json kEveryone = json::array({{{"everyone", json::object()}}});

struct Fixture {
  Fixture()
      : tokens(std::vector<cloudflare::ServiceTokenInfo>{token("monitoring", kTokenId),
                                                         token("spare", "22222222-2222-4222-8222-222222222222")}) {
    plan.token = {plugin::TokenSelector::Kind::name, "monitoring", "--name monitoring"};
  }
  Report run() { return run_apps_check(plan, tokens, apps); }
  const Result& child(const Report& report, const std::string& name) {
    for (const auto& c : report.root.children) {
      if (c.name == name) return c;
    }
    ADD_FAILURE() << "no child " << name;
    return report.root;
  }

  AppsPlan plan;
  cfmon::testing::FakeCloudflare tokens;
  FakeApps apps;
};

TEST(AppsCheck, OkNamesThePolicyThatAdmitsTheTokenWithTheAudAsTag) {
  Fixture f;
  f.apps.add("grafana", "grafana.example.com", {service_auth("CI", kMonitoring)});
  const auto report = f.run();
  EXPECT_EQ(report.root.state, State::ok);
  EXPECT_EQ(report.root.reason, "token_allowed");
  EXPECT_EQ(report.root.message, "token 'monitoring' admitted by Service Auth policy 'CI'");
  const auto& app = f.child(report, "grafana");
  EXPECT_NE(std::find(app.tags.begin(), app.tags.end(), std::pair<std::string, std::string>{"aud", "grafana-aud"}),
            app.tags.end());
}

TEST(AppsCheck, EveryStateOfAnApp) {
  Fixture f;
  f.apps.add(
      "open", "open.example.com",
      {json{{"name", "Public"}, {"decision", "bypass"}, {"include", kEveryone}}, service_auth("CI", kMonitoring)});
  f.apps.add("nobody", "nobody.example.com", {});
  f.apps.add("allow-only", "allow.example.com",
             {json{{"name", "Staff"}, {"decision", "allow"}, {"include", kMonitoring}}});
  f.apps.add("any", "any.example.com",
             {service_auth("Any", json::array({{{"any_valid_service_token", json::object()}}}))});
  f.apps.add("everyone", "everyone.example.com",
             {service_auth("CI", kMonitoring), json{{"name", "All"}, {"decision", "allow"}, {"include", kEveryone}}});
  f.apps.add("excluded", "excluded.example.com",
             {json{{"name", "CI"}, {"decision", "non_identity"}, {"include", kMonitoring}, {"exclude", kMonitoring}}});
  const auto report = f.run();
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(f.child(report, "open").reason, "open_to_everyone");
  EXPECT_EQ(f.child(report, "nobody").reason, "token_not_allowed");
  EXPECT_EQ(f.child(report, "excluded").reason, "token_not_allowed");
  const auto& allow_only = f.child(report, "allow-only");
  EXPECT_EQ(allow_only.state, State::critical);
  EXPECT_EQ(allow_only.reason, "token_not_allowed");
  EXPECT_NE(allow_only.message.find("named only in Allow policy 'Staff'"), std::string::npos) << allow_only.message;
  EXPECT_EQ(f.child(report, "any").state, State::warning);
  EXPECT_EQ(f.child(report, "any").reason, "any_service_token");
  EXPECT_EQ(f.child(report, "everyone").state, State::warning);
  EXPECT_EQ(f.child(report, "everyone").reason, "allow_everyone");
}

TEST(AppsCheck, DomainsPickTheMostSpecificAppAndUncoveredHostsAreCritical) {
  Fixture f;
  f.apps.add("site", "example.com", {});
  f.apps.add("api", "example.com/api", {service_auth("CI", kMonitoring)});
  f.plan.locations = {*location_of("example.com/api/v1", "example.com/api/v1"),
                      *location_of("t", "https://nothing.example.com:8443/x?q=1")};
  const auto report = f.run();
  ASSERT_EQ(report.root.children.size(), 2U);
  EXPECT_EQ(f.child(report, "api").state, State::ok);
  const auto& uncovered = f.child(report, "t");
  EXPECT_EQ(uncovered.reason, "no_access_app");
  EXPECT_EQ(uncovered.message, "nothing.example.com/x is covered by no Access application: anyone reaches it");
  EXPECT_EQ(f.apps.policy_reads, 1) << "only the selected app's policies are read";
}

TEST(AppsCheck, AppsByNameAndOrphans) {
  Fixture f;
  f.apps.add("grafana", "grafana.example.com", {service_auth("CI", kMonitoring)});
  f.apps.add("wiki", "wiki.example.com", {});
  f.plan.app_names = {"grafana", "gone"};
  f.plan.orphans = true;
  const auto report = f.run();
  EXPECT_EQ(f.child(report, "grafana").state, State::ok);
  EXPECT_EQ(f.child(report, "gone").reason, "no_access_app");
  const auto& orphans = f.child(report, "orphans");
  EXPECT_EQ(orphans.state, State::warning);
  EXPECT_EQ(orphans.reason, "orphan_tokens");
  EXPECT_NE(orphans.message.find(": spare"), std::string::npos) << orphans.message;
}

TEST(AppsCheck, NeverOkWithoutEvidence) {
  Fixture f;
  EXPECT_EQ(f.run().root.reason, "empty_list") << "no apps listed: UNKNOWN, the permission may be missing";
  f.apps.add("grafana", "grafana.example.com", {service_auth("CI", kMonitoring)});
  f.apps.policies.clear();
  auto report = f.run();
  EXPECT_EQ(report.root.state, State::unknown);
  EXPECT_EQ(report.root.reason, "api_not_found");
  f.apps.add("odd", "odd.example.com", {json{{"name", "X"}, {"decision", "permit"}, {"include", kMonitoring}}});
  f.plan.app_names = {"odd"};
  report = f.run();
  EXPECT_EQ(report.root.state, State::critical) << "nothing admits the token; the unknown policy is named";
  EXPECT_NE(report.root.message.find("policy 'X' cannot be judged"), std::string::npos) << report.root.message;
}

TEST(AppsCheck, AMissingTokenIsCritical) {
  Fixture f;
  f.apps.add("grafana", "grafana.example.com", {service_auth("CI", kMonitoring)});
  f.plan.token = {plugin::TokenSelector::Kind::name, "deleted", "--name deleted"};
  const auto report = f.run();
  EXPECT_EQ(report.root.state, State::critical);
  EXPECT_EQ(report.root.reason, "token_missing");
}

TEST(AppsCheck, LocationsFromUrlsAndDomains) {
  const auto url = location_of("n", "https://App.Example.com:8443/a/b?x#y");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "app.example.com");
  EXPECT_EQ(url->path, "/a/b");
  const auto bare = location_of("d", "example.com");
  EXPECT_EQ(bare->path, "/");
  EXPECT_FALSE(location_of("e", "https:///x"));
}

}  // namespace
}  // namespace cfmon::apps
