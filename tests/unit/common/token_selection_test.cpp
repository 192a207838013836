// Token selection, shared by check_cf_service_tokens and check_cf_access_logins.
#include "cfmon/token_selection.hpp"

#include <gtest/gtest.h>

#include "support/results.hpp"

#include <filesystem>
#include <fstream>

#include <unistd.h>

namespace cfmon::plugin {
namespace {

using cloudflare::ServiceTokenInfo;

ServiceTokenInfo token(std::string name, std::string id, std::string client_id) {
  ServiceTokenInfo t;
  t.name = std::move(name);
  t.id = std::move(id);
  t.client_id = std::move(client_id);
  return t;
}

TEST(TokenSelection, NothingSelectedIsEveryToken) {
  const std::vector<ServiceTokenInfo> list = {token("ci", "1", "a"), token("backup", "2", "b")};
  const auto s = select_tokens({}, list);
  EXPECT_EQ(s.found.size(), 2U);
  EXPECT_TRUE(s.missing.empty());
}

TEST(TokenSelection, EachKindMatchesItsKeyAndATokenIsFoundOnce) {
  const std::vector<ServiceTokenInfo> list = {token("ci", "1", "a"), token("backup", "2", "b")};
  const std::vector<TokenSelector> selectors = {{TokenSelector::Kind::name, "ci", "--name ci"},
                                                {TokenSelector::Kind::client_id, "a", "--client-id a"},
                                                {TokenSelector::Kind::id, "2", "--id 2"}};
  const auto s = select_tokens(selectors, list);
  ASSERT_EQ(s.found.size(), 2U);
  EXPECT_EQ(s.found[0]->name, "ci");
  EXPECT_EQ(s.found[1]->name, "backup");
  EXPECT_TRUE(s.missing.empty());
}

TEST(TokenSelection, AMissingTokenIsCriticalUnlessUnreadableTokensMightBeIt) {
  std::vector<ServiceTokenInfo> list = {token("ci", "1", "a")};
  const std::vector<TokenSelector> selectors = {{TokenSelector::Kind::name, "gone", "--name gone"}};
  auto s = select_tokens(selectors, list);
  ASSERT_EQ(s.missing.size(), 1U);
  const auto missing = missing_token_result(*s.missing[0], s.unreadable[0]);
  EXPECT_TRUE(cfmon::testing::says(
      missing, State::critical, "token_missing",
      "no service token with --name gone: it may have been deleted, or cleaned up by Cloudflare for inactivity"));

  auto unreadable = token("", "2", "b");
  unreadable.problems.push_back("'name' is not a string");
  list.push_back(unreadable);
  s = select_tokens(selectors, list);
  ASSERT_EQ(s.missing.size(), 1U);
  const auto unsure = missing_token_result(*s.missing[0], s.unreadable[0]);
  EXPECT_EQ(unsure.state, State::unknown);
  EXPECT_EQ(unsure.reason, "api_bad_response");
}

TEST(TokenSelection, DisplayNamesTellTokensThatShareANameApart) {
  const std::vector<ServiceTokenInfo> list = {token("ci", "11111111-aaaa", "a"), token("ci", "22222222-bbbb", "b"),
                                              token("", "33333333-cccc", "c"), token("", "", "")};
  const auto s = select_tokens({}, list);
  EXPECT_EQ(display_names(s.found, list),
            (std::vector<std::string>{"ci/11111111", "ci/22222222", "33333333-cccc", "token #4 of the answer"}));
}

TEST(TokenSelection, RefusesEmptyOrMultiLineValuesAndAnEnvSuffixWithoutAnEnvFile) {
  TokenSelectionOptions o;
  o.names = {""};
  EXPECT_FALSE(make_selectors(o, std::nullopt));
  o.names = {"a\nb"};
  EXPECT_FALSE(make_selectors(o, std::nullopt));
  o.names = {"ci"};
  o.env_suffix = "NEW";
  const auto refused = make_selectors(o, std::nullopt);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, "--env-suffix needs --env-file");
}

TEST(TokenSelection, TheEnvFileSelectsTheClientIdItHolds) {
  const auto path = std::filesystem::temp_directory_path() / ("cfmon-selection-" + std::to_string(::getpid()) + ".env");
  {
    std::ofstream out(path);
    out << "CF_SERVICE_TOKEN_CLIENT_ID=abc.access\nCF_SERVICE_TOKEN_CLIENT_ID_NEW=def.access\n";
  }
  TokenSelectionOptions o;
  auto selectors = make_selectors(o, path.string());
  ASSERT_TRUE(selectors) << selectors.error().message;
  ASSERT_EQ(selectors->size(), 1U);
  EXPECT_EQ((*selectors)[0].kind, TokenSelector::Kind::client_id);
  EXPECT_EQ((*selectors)[0].value, "abc.access");
  o.env_suffix = "NEW";
  selectors = make_selectors(o, path.string());
  ASSERT_TRUE(selectors);
  EXPECT_EQ((*selectors)[0].value, "def.access");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace cfmon::plugin
