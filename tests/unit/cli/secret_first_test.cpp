// "Save the secret before anything else; print it once on failure": the secret of a
// create or rotate answer is in the .env before anything else is said about the
// answer; a save that fails prints it once on stdout (the read-back client ID after
// it) and says so in the exit code; stderr never holds it.
#include "secret_first.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "cfmon/dotenv.hpp"
#include "support/temp_dir.hpp"

namespace cfmon::cli {
namespace {

using cloudflare::ApiResult;
using cloudflare::CreatedToken;
using cloudflare::ServiceTokenInfo;

constexpr const char* kSecret = "s3cr3t-canary-5ec7e7-0000000000000000000000000000000000000000000001";
constexpr const char* kClientId = "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0.access";

const char* const kBanner =
    "###########################################################################\n"
    "# WARNING: THIS SECRET WAS NOT SAVED ANYWHERE. Cloudflare shows it only once.\n"
    "# Copy these lines into your .env or secret store NOW.\n"
    "###########################################################################\n";

// A stream that calls back before each piece of text written to it.
class ObservedBuf final : public std::stringbuf {
 public:
  std::function<void()> before_write;

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (before_write) before_write();
    return std::stringbuf::xsputn(s, n);
  }
  int_type overflow(int_type c) override {
    if (before_write) before_write();
    return std::stringbuf::overflow(c);
  }
};

std::size_t count_of(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

CreatedToken answer(std::string client_id, std::vector<std::string> warnings = {}) {
  CreatedToken created;
  created.info.id = "99999999-9999-4999-8999-999999999999";
  created.info.client_id = std::move(client_id);
  created.client_secret = Secret(kSecret);
  created.warnings = std::move(warnings);
  return created;
}

class SecretFirstTest : public ::testing::Test {
 protected:
  SecretFirst keeper() { return SecretFirst(out_, err_, "cf-service-token create", {}); }
  std::string env_path() const { return dir_.path() + "/.env"; }
  // The lock file's name is taken by a directory: every write fails, for root too.
  void break_saving() { ASSERT_EQ(::mkdir((dir_.path() + "/..env.lock").c_str(), 0700), 0); }

  cfmon::testing::TempDir dir_;
  ObservedBuf out_buf_;
  ObservedBuf err_buf_;
  std::ostream out_{&out_buf_};
  std::ostream err_{&err_buf_};
};

TEST_F(SecretFirstTest, TheSecretIsInTheFileBeforeAnythingOfTheAnswerIsSaid) {
  ASSERT_EQ(::chmod(dir_.write(".env", "A=1\n").c_str(), 0600), 0);
  std::size_t writes = 0;
  std::size_t writes_before_saved = 0;
  const auto observe = [&] {
    ++writes;
    if (testing::slurp(env_path()).find(kSecret) == std::string::npos) ++writes_before_saved;
  };
  out_buf_.before_write = observe;
  err_buf_.before_write = observe;
  bool read_back = false;
  const auto saved =
      keeper().save(env_path(), KeyChoice{}, kClientId, answer(kClientId, {"'created_at' is not an RFC 3339 date"}),
                    {default_env_keys("")}, [&]() -> ApiResult<ServiceTokenInfo> {
                      read_back = true;
                      return ServiceTokenInfo{};
                    });
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(saved->size(), 1U);
  EXPECT_EQ(saved->front().secret, "CF_SERVICE_TOKEN_CLIENT_SECRET");
  EXPECT_EQ(testing::slurp(env_path()), std::string("A=1\nCF_SERVICE_TOKEN_CLIENT_ID=") + kClientId +
                                            "\nCF_SERVICE_TOKEN_CLIENT_SECRET=" + kSecret + "\n");
  EXPECT_EQ(err_buf_.str(), "warning: 'created_at' is not an RFC 3339 date\n") << "the answer's warnings follow";
  EXPECT_GT(writes, 0U);
  EXPECT_EQ(writes_before_saved, 0U) << "nothing is said before the secret is in the file";
  EXPECT_EQ(out_buf_.str(), "") << "a saved secret is not printed";
  EXPECT_FALSE(read_back) << "the client ID was in the answer";
}

TEST_F(SecretFirstTest, TheKeysArePickedInTheFileAsItIsUnderTheLock) {
  // The token's client ID is held under another name: the secret goes beside it.
  dir_.write(".env", std::string("MY_CLIENT_ID=") + kClientId + "\nMY_CLIENT_SECRET=old\n");
  const auto saved = keeper().save(env_path(), KeyChoice{}, kClientId, answer(kClientId), {default_env_keys("")});
  ASSERT_TRUE(saved.has_value()) << err_buf_.str();
  ASSERT_EQ(saved->size(), 1U);
  EXPECT_EQ(saved->front().secret, "MY_CLIENT_SECRET");
  EXPECT_EQ(read_dotenv_file(env_path())->at("MY_CLIENT_SECRET"), kSecret);
  EXPECT_EQ(key_list(*saved), "MY_CLIENT_ID, MY_CLIENT_SECRET");
}

TEST_F(SecretFirstTest, AFailedSavePrintsTheSecretOnceThenTheClientIdReadBack) {
  dir_.write(".env", "A=1\n");
  break_saving();
  std::string out_when_read_back;
  const auto saved = keeper().save(env_path(), KeyChoice{}, "", answer("", {"the answer holds no 'client_id'"}),
                                   {default_env_keys("")}, [&]() -> ApiResult<ServiceTokenInfo> {
                                     out_when_read_back = out_buf_.str();
                                     ServiceTokenInfo read;
                                     read.client_id = kClientId;
                                     return read;
                                   });
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(saved.error().exit_code, kExitNotPersisted);
  EXPECT_NE(saved.error().exit_code, kExitOk);
  const std::string out = out_buf_.str();
  EXPECT_EQ(out, std::string(kBanner) +
                     "# CF_SERVICE_TOKEN_CLIENT_ID: not in Cloudflare's answer; find it with 'cf-service-token list'\n"
                     "CF_SERVICE_TOKEN_CLIENT_SECRET=" +
                     kSecret + "\nCF_SERVICE_TOKEN_CLIENT_ID=" + kClientId + "\n");
  EXPECT_EQ(count_of(out, kSecret), 1U) << "printed once";
  EXPECT_NE(out_when_read_back.find(kSecret), std::string::npos) << "the secret is out before the API is asked again";
  const std::string err = err_buf_.str();
  EXPECT_EQ(err.find(kSecret), std::string::npos) << err;
  EXPECT_EQ(err.rfind("cf-service-token create: ERROR: the new secret could not be saved: ", 0), 0U) << err;
  EXPECT_NE(err.find("cf-service-token create: it is printed ONCE on stdout; copy it now\n"), std::string::npos);
  EXPECT_NE(err.find("warning: the answer holds no 'client_id'\n"), std::string::npos) << err;
  EXPECT_EQ(testing::slurp(env_path()), "A=1\n");

  // The printed lines are a .env that gives the credentials back exactly.
  const auto printed = read_dotenv_file(dir_.write("printed.env", out));
  ASSERT_TRUE(printed.has_value());
  EXPECT_EQ(printed->at("CF_SERVICE_TOKEN_CLIENT_SECRET"), kSecret);
  EXPECT_EQ(printed->at("CF_SERVICE_TOKEN_CLIENT_ID"), kClientId);
}

TEST_F(SecretFirstTest, AFailedSaveWithTheClientIdPrintsBothAndAsksNothing) {
  break_saving();
  bool read_back = false;
  const auto saved = keeper().save(env_path(), KeyChoice{"NEW_", false}, kClientId, answer(kClientId),
                                   {default_env_keys("NEW_")}, [&]() -> ApiResult<ServiceTokenInfo> {
                                     read_back = true;
                                     return ServiceTokenInfo{};
                                   });
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(saved.error().exit_code, kExitNotPersisted);
  EXPECT_EQ(out_buf_.str(), std::string(kBanner) + "NEW_CF_SERVICE_TOKEN_CLIENT_ID=" + kClientId +
                                "\nNEW_CF_SERVICE_TOKEN_CLIENT_SECRET=" + kSecret + "\n");
  EXPECT_FALSE(read_back);
  EXPECT_EQ(err_buf_.str().find(kSecret), std::string::npos);
}

TEST_F(SecretFirstTest, AFailedSaveWhoseReadBackFailsSaysWhereToFindTheClientId) {
  break_saving();
  const auto saved = keeper().save(env_path(), KeyChoice{}, "", answer(""), {default_env_keys("")},
                                   []() -> ApiResult<ServiceTokenInfo> {
                                     cloudflare::ApiError e;
                                     e.message = "HTTP 500";
                                     return e;
                                   });
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(count_of(out_buf_.str(), kSecret), 1U);
  EXPECT_EQ(count_of(out_buf_.str(), "CF_SERVICE_TOKEN_CLIENT_ID="), 0U) << out_buf_.str();
  EXPECT_NE(err_buf_.str().find("warning: cannot read the new token back for its client ID; find it with "
                                "'cf-service-token list'\n"),
            std::string::npos)
      << err_buf_.str();
  EXPECT_EQ(err_buf_.str().find(kSecret), std::string::npos);
}

TEST_F(SecretFirstTest, AnotherTokensSecretWrittenMeanwhileIsNeverOverwritten) {
  // Found under the lock (after the pre-flight check): the save fails, the secret is printed.
  const std::string before = "CF_SERVICE_TOKEN_CLIENT_SECRET=another-tokens-secret\n";
  dir_.write(".env", before);
  const auto saved = keeper().save(env_path(), KeyChoice{}, kClientId, answer(kClientId), {default_env_keys("")});
  ASSERT_FALSE(saved.has_value());
  EXPECT_EQ(testing::slurp(env_path()), before);
  EXPECT_EQ(count_of(out_buf_.str(), kSecret), 1U);
  EXPECT_EQ(err_buf_.str().find(kSecret), std::string::npos);
  EXPECT_EQ(err_buf_.str().find("another-tokens-secret"), std::string::npos) << err_buf_.str();

  // --overwrite replaces it.
  out_buf_.str("");
  const auto overwritten =
      keeper().save(env_path(), KeyChoice{std::nullopt, true}, kClientId, answer(kClientId), {default_env_keys("")});
  ASSERT_TRUE(overwritten.has_value()) << err_buf_.str();
  EXPECT_EQ(read_dotenv_file(env_path())->at("CF_SERVICE_TOKEN_CLIENT_SECRET"), kSecret);
  EXPECT_EQ(out_buf_.str(), "");
}

TEST_F(SecretFirstTest, WithoutAFileThereIsNothingToSave) {
  const auto saved =
      keeper().save(std::nullopt, KeyChoice{}, kClientId, answer(kClientId, {"odd"}), {default_env_keys("P_")});
  ASSERT_TRUE(saved.has_value());
  EXPECT_EQ(key_list(*saved), "P_CF_SERVICE_TOKEN_CLIENT_ID, P_CF_SERVICE_TOKEN_CLIENT_SECRET");
  EXPECT_EQ(out_buf_.str(), "");
  EXPECT_EQ(err_buf_.str(), "warning: odd\n");
}

TEST_F(SecretFirstTest, TheClientIdReadBackCompletesOnlyPairsThatStillHoldOurSecret) {
  dir_.write(".env", std::string("CF_SERVICE_TOKEN_CLIENT_SECRET=") + kSecret +
                         "\nOLD_CF_SERVICE_TOKEN_CLIENT_SECRET=someone-else\n");
  const std::vector<EnvKeys> keys = {default_env_keys(""), default_env_keys("OLD_")};
  const auto done = keeper().complete_client_id(env_path(), keys, kClientId, Secret(kSecret));
  ASSERT_TRUE(done.has_value()) << done.error().message;
  const auto env = read_dotenv_file(env_path());
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->at("CF_SERVICE_TOKEN_CLIENT_ID"), kClientId);
  EXPECT_EQ(env->count("OLD_CF_SERVICE_TOKEN_CLIENT_ID"), 0U);
}

TEST(KeyChoice, APrefixPicksExactlyItsKeysElseTheKeysHoldingTheClientId) {
  const DotenvMap env = {{"X_CLIENT_ID", kClientId}, {"X_CLIENT_SECRET", "s"}};
  EXPECT_EQ(key_list(KeyChoice{}.keys_in(env, kClientId)), "X_CLIENT_ID, X_CLIENT_SECRET");
  EXPECT_EQ(key_list(KeyChoice{}.keys_in(env, "")), "CF_SERVICE_TOKEN_CLIENT_ID, CF_SERVICE_TOKEN_CLIENT_SECRET");
  EXPECT_EQ(key_list(KeyChoice{"N_", false}.keys_in(env, kClientId)),
            "N_CF_SERVICE_TOKEN_CLIENT_ID, N_CF_SERVICE_TOKEN_CLIENT_SECRET");
  const DotenvMap taken = {{"CF_SERVICE_TOKEN_CLIENT_ID", "other.access"}};
  const auto keys = KeyChoice{}.keys_in(taken, kClientId);
  EXPECT_NE(KeyChoice{}.conflict_in(taken, keys, kClientId), "");
  EXPECT_EQ((KeyChoice{std::nullopt, true}.conflict_in(taken, keys, kClientId)), "");
}

TEST_F(SecretFirstTest, PreflightFindsWhatWouldMakeTheSaveFail) {
  DotenvMap current;
  EXPECT_EQ(preflight_env_file(env_path(), current), std::nullopt) << "a file to create";
  EXPECT_TRUE(current.empty());
  dir_.write(".env", "A=1\n");
  EXPECT_EQ(preflight_env_file(env_path(), current), std::nullopt);
  EXPECT_EQ(current.at("A"), "1");
  const auto directory = preflight_env_file(dir_.path(), current);
  ASSERT_TRUE(directory.has_value());
  EXPECT_NE(directory->find("is a directory"), std::string::npos) << *directory;
  const auto no_dir = preflight_env_file(dir_.path() + "/missing/.env", current);
  ASSERT_TRUE(no_dir.has_value());
  EXPECT_NE(no_dir->find("does not exist"), std::string::npos) << *no_dir;
}

}  // namespace
}  // namespace cfmon::cli
