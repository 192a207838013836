#include "cfmon/cloudflare_api.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "api_test_support.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::cloudflare {
namespace {

using namespace test_support;
using namespace std::chrono_literals;

// ---------------------------------------------------------------- credentials

TEST(CloudflareCredentials, ExplicitBeatsEnvFileBeatsEnvironment) {
  testing::TempDir tmp;
  const auto env_file = tmp.write(".env", "CF_API_TOKEN=from-file\nCF_ACCOUNT_ID=fileaccount\n");
  const auto token_file = tmp.write("token", "from-token-file\n");
  const EnvLookup env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "CF_API_TOKEN") return "from-env";
    if (name == "CF_ACCOUNT_ID") return "envaccount";
    return std::nullopt;
  };
  auto c = resolve_api_credentials({}, env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_token.reveal(), "from-env");
  EXPECT_EQ(c->account_id, "envaccount");
  c = resolve_api_credentials({std::nullopt, std::nullopt, env_file}, env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_token.reveal(), "from-file");
  EXPECT_EQ(c->account_id, "fileaccount");
  c = resolve_api_credentials({token_file, std::string("argaccount"), env_file}, env);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_token.reveal(), "from-token-file");
  EXPECT_EQ(c->account_id, "argaccount");
}

TEST(CloudflareCredentials, MissingPartsNameEveryPlaceLooked) {
  auto c = resolve_api_credentials({}, [](const std::string&) { return std::nullopt; });
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "missing Cloudflare API token (looked in --api-token-file, environment variable CF_API_TOKEN) and "
            "account ID (looked in --account-id, environment variable CF_ACCOUNT_ID)");
  testing::TempDir tmp;
  const auto empty = tmp.write("token", "\n");
  c = resolve_api_credentials({empty, std::string("a"), std::nullopt}, nullptr);
  ASSERT_FALSE(c);
  EXPECT_NE(c.error().message.find("is empty"), std::string::npos);
  const auto two_lines = tmp.write("token2", "secret-one\nsecret-two\n");
  c = resolve_api_credentials({two_lines, std::string("a"), std::nullopt}, nullptr);
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message.find("secret-one"), std::string::npos);
}

TEST(CloudflareCredentials, DefaultCacheDirsFollowXdgThenHomeThenSystemPlaces) {
  auto env_of = [](std::map<std::string, std::string> values) -> EnvLookup {
    return [values](const std::string& name) -> std::optional<std::string> {
      auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  };
  using Dirs = std::vector<std::string>;
  EXPECT_EQ(default_cache_dirs(env_of({{"XDG_CACHE_HOME", "/x/cache"}, {"HOME", "/home/u"}}), 1000),
            (Dirs{"/x/cache/cfmon", "/var/cache/cfmon/1000", "/tmp/cfmon-1000"}));
  EXPECT_EQ(default_cache_dirs(env_of({{"XDG_CACHE_HOME", "relative"}, {"HOME", "/home/u"}}), 7),
            (Dirs{"/home/u/.cache/cfmon", "/var/cache/cfmon/7", "/tmp/cfmon-7"}));
  // A system daemon's environment (Debian's units set no HOME): still somewhere to go.
  EXPECT_EQ(default_cache_dirs(env_of({}), 105), (Dirs{"/var/cache/cfmon/105", "/tmp/cfmon-105"}));
  EXPECT_EQ(default_cache_dirs(env_of({{"TMPDIR", "/run/user/105/"}, {"HOME", "nowhere"}}), 105),
            (Dirs{"/var/cache/cfmon/105", "/run/user/105/cfmon-105"}));
}

TEST(CloudflareSettings, ValidationRefusesWhatWouldLeakOrMisbehave) {
  auto s = settings();
  EXPECT_FALSE(validate_settings(s));
  s.base_url = "http://api.example.test/client/v4";
  ASSERT_TRUE(validate_settings(s));
  EXPECT_NE(validate_settings(s)->message.find("https://"), std::string::npos);
  s = settings();
  s.credentials.account_id = "abc/../def";
  EXPECT_TRUE(validate_settings(s));
  s = settings();
  s.credentials.api_token = Secret("abc\r\nX-Injected: 1");
  ASSERT_TRUE(validate_settings(s));
  EXPECT_EQ(validate_settings(s)->message.find("Injected"), std::string::npos);
}

}  // namespace
}  // namespace cfmon::cloudflare
