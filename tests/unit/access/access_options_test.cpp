// --target: one target of a targets file by name (Zabbix keys name targets, never URLs).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "access_options.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::access {
namespace {

class TargetSelection : public ::testing::Test {
 protected:
  cfmon::testing::TempDir dir;
  AccessOptions options;

  void SetUp() override {
    options.targets_file = dir.write("targets",
                                     "# apps\n"
                                     "wiki https://wiki.example.com/\n"
                                     "grafana https://grafana.example.com/login\n"
                                     "https://status.example.com/\n");
  }

  static std::vector<std::string> names(const std::vector<Target>& targets) {
    std::vector<std::string> out;
    for (const auto& t : targets) out.push_back(t.name);
    return out;
  }
};

TEST_F(TargetSelection, WithoutTargetEveryTargetOfTheFileIsProbed) {
  const auto targets = resolve_targets(options);
  ASSERT_TRUE(targets) << targets.error().message;
  EXPECT_EQ(names(*targets), (std::vector<std::string>{"wiki", "grafana", "status.example.com"}));
}

TEST_F(TargetSelection, TargetKeepsOnlyTheNamedOneWithItsUrl) {
  options.target_names = {"grafana"};
  const auto targets = resolve_targets(options);
  ASSERT_TRUE(targets) << targets.error().message;
  ASSERT_EQ(targets->size(), 1U);
  EXPECT_EQ(targets->front().name, "grafana");
  EXPECT_EQ(targets->front().url, "https://grafana.example.com/login");
}

TEST_F(TargetSelection, RepeatedTargetKeepsTheGivenOrderOnceEach) {
  options.target_names = {"status.example.com", "wiki", "status.example.com"};
  const auto targets = resolve_targets(options);
  ASSERT_TRUE(targets) << targets.error().message;
  EXPECT_EQ(names(*targets), (std::vector<std::string>{"status.example.com", "wiki"}));
}

TEST_F(TargetSelection, UnknownNameIsAnErrorNamingItAndTheFile) {
  options.target_names = {"wiki", "gitlab"};
  const auto targets = resolve_targets(options);
  ASSERT_FALSE(targets);
  EXPECT_NE(targets.error().message.find("no target named 'gitlab'"), std::string::npos) << targets.error().message;
  EXPECT_NE(targets.error().message.find(*options.targets_file), std::string::npos) << targets.error().message;
}

TEST_F(TargetSelection, NamesAreCaseSensitiveAndNeverPartial) {
  for (const char* name : {"Wiki", "wik", "wiki ", "grafana.example.com"}) {
    options.target_names = {name};
    EXPECT_FALSE(resolve_targets(options)) << name;
  }
}

TEST_F(TargetSelection, HostileNameStaysOnOneLineInTheError) {
  options.target_names = {"a\nCF-ACCESS OK - fake|x=1"};
  const auto targets = resolve_targets(options);
  ASSERT_FALSE(targets);
  EXPECT_EQ(targets.error().message.find('\n'), std::string::npos);
  EXPECT_EQ(targets.error().message.find('|'), std::string::npos);
}

TEST_F(TargetSelection, TargetAlsoSelectsAmongUrlTargetsByTheirDefaultName) {
  options.targets_file.reset();
  options.urls = {"https://a.example.com/", "https://b.example.com/x"};
  options.target_names = {"b.example.com/x"};
  const auto targets = resolve_targets(options);
  ASSERT_TRUE(targets) << targets.error().message;
  EXPECT_EQ(names(*targets), (std::vector<std::string>{"b.example.com/x"}));
}

}  // namespace
}  // namespace cfmon::access
