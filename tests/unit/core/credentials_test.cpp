#include "cfmon/credentials.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace cfmon {
namespace {

namespace fs = std::filesystem;

class Credentials : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cfmon-cred-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) {
    const auto path = (dir_ / name).string();
    std::ofstream(path) << content;
    ::chmod(path.c_str(), mode);
    return path;
  }

  EnvLookup env(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
      auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  }

  fs::path dir_;
};

TEST_F(Credentials, ReadsTheEnvironment) {
  auto token = resolve_service_token({}, env({{"CF_SERVICE_TOKEN_CLIENT_ID", "id.access"},
                                             {"CF_SERVICE_TOKEN_CLIENT_SECRET", "s3cret"}}));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->client_id, "id.access");
  EXPECT_EQ(token->client_secret.reveal(), "s3cret");
}

TEST_F(Credentials, EnvFileBeatsEnvironmentAndSuffixPicksTheRotationPair) {
  const auto file = write(".env",
                          "CF_SERVICE_TOKEN_CLIENT_ID=old.access\nCF_SERVICE_TOKEN_CLIENT_SECRET=old\n"
                          "CF_SERVICE_TOKEN_CLIENT_ID_NEW=new.access\nCF_SERVICE_TOKEN_CLIENT_SECRET_NEW=new\n");
  CredentialSources sources;
  sources.env_file = file;
  auto token = resolve_service_token(sources, env({{"CF_SERVICE_TOKEN_CLIENT_ID", "env.access"}}));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->client_id, "old.access");
  sources.env_suffix = "NEW";
  token = resolve_service_token(sources, env({}));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->client_id, "new.access");
  EXPECT_EQ(token->client_secret.reveal(), "new");
  sources.env_suffix = "_NEW";
  EXPECT_EQ(resolve_service_token(sources, env({}))->client_id, "new.access");
}

TEST_F(Credentials, OptionsBeatFilesAndSecretFileIsTrimmed) {
  const auto secret = write("secret", "from-file\n");
  CredentialSources sources;
  sources.client_id = "cli.access";
  sources.client_secret_file = secret;
  auto token = resolve_service_token(sources, env({{"CF_SERVICE_TOKEN_CLIENT_SECRET", "env"}}));
  ASSERT_TRUE(token.has_value()) << token.error().message;
  EXPECT_EQ(token->client_id, "cli.access");
  EXPECT_EQ(token->client_secret.reveal(), "from-file");
  // -v tells where each part came from, never the values.
  EXPECT_EQ(token->origin, "client ID from --client-id, client secret from " + secret);
}

TEST_F(Credentials, MissingCredentialsNameEveryPlaceLooked) {
  const auto file = write(".env", "OTHER=1\n");
  CredentialSources sources;
  sources.env_file = file;
  auto token = resolve_service_token(sources, env({}));
  ASSERT_FALSE(token.has_value());
  const auto& m = token.error().message;
  EXPECT_NE(m.find("--client-id"), std::string::npos) << m;
  EXPECT_NE(m.find("--client-secret-file"), std::string::npos) << m;
  EXPECT_NE(m.find(file), std::string::npos) << m;
  EXPECT_NE(m.find("environment variable CF_SERVICE_TOKEN_CLIENT_SECRET"), std::string::npos) << m;
}

TEST_F(Credentials, UnreadableSecretFileIsAnErrorNamingThePath) {
  CredentialSources sources;
  sources.client_id = "x.access";
  sources.client_secret_file = (dir_ / "missing").string();
  auto token = resolve_service_token(sources, env({}));
  ASSERT_FALSE(token.has_value());
  EXPECT_NE(token.error().message.find("missing"), std::string::npos);
  sources.client_secret_file = dir_.string();
  token = resolve_service_token(sources, env({}));
  ASSERT_FALSE(token.has_value());
  EXPECT_NE(token.error().message.find("directory"), std::string::npos);
}

TEST_F(Credentials, WarnsWhenAFileIsReadableByOthers) {
  const auto secret = write("secret", "s\n", 0644);
  std::vector<std::string> warnings;
  auto value = read_secret_file(secret, &warnings);
  ASSERT_TRUE(value.has_value());
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("chmod 600"), std::string::npos);
  warnings.clear();
  ::chmod(secret.c_str(), 0600);
  ASSERT_TRUE(read_secret_file(secret, &warnings).has_value());
  EXPECT_TRUE(warnings.empty());
}

TEST_F(Credentials, ErrorsNeverContainTheSecret) {
  const auto file = write(".env", "CF_SERVICE_TOKEN_CLIENT_SECRET=\"topsecretvalue\n");
  CredentialSources sources;
  sources.env_file = file;
  auto token = resolve_service_token(sources, env({}));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().message.find("topsecretvalue"), std::string::npos) << token.error().message;
}

}  // namespace
}  // namespace cfmon
