// Access applications as the API gives them: every field optional, which application
// covers a hostname and path (most specific wins), and how policies treat a token.
#include "cfmon/access_apps.hpp"

#include <gtest/gtest.h>

namespace cfmon::cloudflare {
namespace {

using nlohmann::json;

AccessAppInfo app(const json& object) {
  auto parsed = parse_access_app(object);
  EXPECT_TRUE(parsed.has_value());
  return *parsed;
}

TEST(AccessApps, PatternsCoverAsAccessDocumentsThem) {
  EXPECT_TRUE(pattern_covers("example.com", "example.com", "/"));
  EXPECT_TRUE(pattern_covers("example.com", "EXAMPLE.com", "/any/path"));
  EXPECT_TRUE(pattern_covers("*.example.com", "alpha.example.com", "/"));
  EXPECT_FALSE(pattern_covers("*.example.com", "example.com", "/"));
  EXPECT_FALSE(pattern_covers("*.example.com", "foo.bar.example.com", "/"));
  EXPECT_TRUE(pattern_covers("*test.example.com", "test.example.com", "/"));
  EXPECT_TRUE(pattern_covers("*test.example.com", "alphatest.example.com", "/"));
  EXPECT_TRUE(pattern_covers("example.com/alpha/*", "example.com", "/alpha/one"));
  EXPECT_FALSE(pattern_covers("example.com/alpha/*", "example.com", "/alpha"));
  EXPECT_TRUE(pattern_covers("example.com/foo*/bar", "example.com", "/foo/x/y/bar"));
  EXPECT_TRUE(pattern_covers("example.com/admin", "example.com", "/admin/users"));
  EXPECT_FALSE(pattern_covers("example.com/admin", "example.com", "/administrator"));
  EXPECT_FALSE(pattern_covers("example.com/admin", "example.com", "/"));
}

TEST(AccessApps, TheMostSpecificApplicationWins) {
  const std::vector<AccessAppInfo> apps{
      app({{"name", "site"}, {"domain", "example.com"}}), app({{"name", "admin"}, {"domain", "example.com/admin"}}),
      app({{"name", "wild"}, {"domain", "*.example.com"}}), app({{"name", "shop"}, {"domain", "shop.example.com"}})};
  EXPECT_EQ(app_covering(apps, "example.com", "/admin/x")->name, "admin");
  EXPECT_EQ(app_covering(apps, "example.com", "/blog")->name, "site");
  EXPECT_EQ(app_covering(apps, "shop.example.com", "/")->name, "shop");
  EXPECT_EQ(app_covering(apps, "wiki.example.com", "/")->name, "wild");
  EXPECT_EQ(app_covering(apps, "other.test", "/"), nullptr);
}

TEST(AccessApps, DestinationsSupersedeSelfHostedDomainsAndEveryFieldIsOptional) {
  const auto a = app({{"domain", "a.example.com"},
                      {"destinations", json::array({{{"type", "public"}, {"uri", "b.example.com/api/*"}},
                                                    {{"type", "private"}, {"cidr", "10.0.0.0/8"}}})},
                      {"self_hosted_domains", json::array({"c.example.com"})}});
  EXPECT_EQ(a.covers, (std::vector<std::string>{"a.example.com", "b.example.com/api/*"}));
  const auto legacy = app({{"self_hosted_domains", json::array({"c.example.com"})}});
  EXPECT_EQ(legacy.covers, (std::vector<std::string>{"c.example.com"}));
  const auto odd = app({{"name", 5}, {"aud", nullptr}});
  EXPECT_EQ(odd.problems, (std::vector<std::string>{"'name' is a number, not a string"}));
  EXPECT_FALSE(parse_access_app(json::array()).has_value());
}

AccessPolicyInfo policy(const json& object) {
  auto parsed = parse_access_policy(object);
  EXPECT_TRUE(parsed.has_value());
  return *parsed;
}

json token_rule(const std::string& id) {
  return {{"service_token", {{"token_id", id}}}};
}
const json kAny = {{"any_valid_service_token", json::object()}};
const json kEveryone = {{"everyone", json::object()}};

TEST(AccessApps, TokenStandingFollowsIncludeAndExclude) {
  const std::vector<AccessPolicyInfo> policies{
      policy({{"name", "ci"}, {"decision", "non_identity"}, {"include", {token_rule("t1")}}}),
      policy({{"name", "any"}, {"decision", "non_identity"}, {"include", {kAny}}, {"exclude", {token_rule("t2")}}}),
      policy({{"name", "staff"}, {"decision", "allow"}, {"include", {token_rule("t3")}}})};
  const auto t1 = token_standing(policies, "t1");
  ASSERT_EQ(t1.admitting.size(), 2U);
  EXPECT_EQ(t1.admitting[0]->name, "ci");
  EXPECT_EQ(t1.admitting_any.size(), 1U);
  EXPECT_TRUE(token_standing(policies, "t2").admitting.empty()) << "excluded from the only policy that names it";
  const auto t3 = token_standing(policies, "t3");
  EXPECT_EQ(t3.admitting.size(), 1U);  // any valid service token
  EXPECT_EQ(t3.allow_naming.size(), 1U);
  EXPECT_EQ(named_token_ids(policies[1]), std::vector<std::string>{"t2"});
}

TEST(AccessApps, OpenToEveryoneAndAllowEveryone) {
  EXPECT_TRUE(opens_to_everyone(policy({{"decision", "bypass"}, {"include", {kEveryone}}})));
  EXPECT_TRUE(opens_to_everyone(policy({{"decision", "bypass"}, {"include", {{{"ip", {{"ip", "::/0"}}}}}}})));
  EXPECT_TRUE(opens_to_everyone(policy({{"decision", "bypass"}, {"include", {{{"ip", {{"ip", "0.0.0.0/0"}}}}}}})));
  EXPECT_FALSE(opens_to_everyone(policy({{"decision", "bypass"}, {"include", {{{"ip", {{"ip", "10.0.0.0/8"}}}}}}})));
  EXPECT_FALSE(opens_to_everyone(policy({{"decision", "allow"}, {"include", {kEveryone}}})));
  EXPECT_TRUE(allows_everyone(policy({{"decision", "allow"}, {"include", {kEveryone}}})));
  EXPECT_EQ(policy({{"decision", "permit"}}).problems, std::vector<std::string>{"its decision 'permit' is unknown"});
}

}  // namespace
}  // namespace cfmon::cloudflare
