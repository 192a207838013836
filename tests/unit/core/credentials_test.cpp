#include "cfmon/credentials.hpp"
#include "cfmon/dotenv.hpp"
#include "support/temp_dir.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace cfmon {
namespace {

namespace fs = std::filesystem;

class Credentials : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& content, mode_t mode = 0600) {
    const auto path = tmp_.write(name, content);
    ::chmod(path.c_str(), mode);
    return path;
  }

  // Why resolving from an .env file holding `content` (and no environment) fails.
  std::string error_with_env_file(const std::string& content) {
    CredentialSources sources;
    sources.env_file = write(".env", content);
    auto token = resolve_service_token(sources, env({}));
    EXPECT_FALSE(token.has_value());
    return token ? std::string{} : token.error().message;
  }

  EnvLookup env(std::map<std::string, std::string> values) {
    return [values](const std::string& name) -> std::optional<std::string> {
      auto it = values.find(name);
      if (it == values.end()) return std::nullopt;
      return it->second;
    };
  }

  cfmon::testing::TempDir tmp_;
  fs::path dir_ = tmp_.path();
};

TEST_F(Credentials, ReadsTheEnvironment) {
  auto token = resolve_service_token(
      {}, env({{"CF_SERVICE_TOKEN_CLIENT_ID", "id.access"}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", "s3cret"}}));
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
  const auto m = error_with_env_file("OTHER=1\n");
  const auto file = (dir_ / ".env").string();
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

TEST_F(Credentials, WarnsWhenASecretFileIsReadableByOthers) {
  const auto secret = write("secret", "s\n", 0644);
  std::vector<std::string> warnings;
  EXPECT_FALSE(check_file_trust(secret, "--client-secret-file", true, false, &warnings).has_value());
  ASSERT_EQ(warnings.size(), 1U);
  EXPECT_NE(warnings[0].find("--client-secret-file '" + secret + "'"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("chmod go-rwx " + secret), std::string::npos) << warnings[0];
  warnings.clear();
  // A targets file holds no secret: readable is fine.
  EXPECT_FALSE(check_file_trust(secret, "--targets-file", false, false, &warnings).has_value());
  EXPECT_TRUE(warnings.empty());
  ::chmod(secret.c_str(), 0600);
  EXPECT_FALSE(check_file_trust(secret, "--client-secret-file", true, false, &warnings).has_value());
  EXPECT_TRUE(warnings.empty());
}

TEST_F(Credentials, FilesOthersCanWriteAreRefusedUnlessShared) {
  // Whoever can write it chooses where the token goes.
  for (const mode_t mode : {0664U, 0666U, 0620U, 0602U}) {
    const auto file = write("targets", "https://a.example/\n", mode);
    std::vector<std::string> warnings;
    const auto error = check_file_trust(file, "--targets-file", false, false, &warnings);
    ASSERT_TRUE(error.has_value()) << std::oct << mode;
    EXPECT_EQ(error->message, "--targets-file '" + file +
                                  "' is writable by group or others, who could choose where the token goes: "
                                  "chmod go-w " +
                                  file + " (or --allow-shared-files if that is really wanted)");
    EXPECT_FALSE(check_file_trust(file, "--targets-file", false, true, &warnings).has_value());
  }
  // Default umask files are fine; a missing file or /dev/null is the reader's business.
  EXPECT_FALSE(check_file_trust(write("ok", "x", 0644), "--env-file", false, false, nullptr).has_value());
  EXPECT_FALSE(check_file_trust((dir_ / "missing").string(), "--env-file", true, false, nullptr).has_value());
  EXPECT_FALSE(check_file_trust("/dev/null", "--env-file", true, false, nullptr).has_value());
}

TEST_F(Credentials, FilesOwnedByAnotherUserAreRefusedUnlessShared) {
  const auto file = write("env", "A=1\n", 0600);
  if (::geteuid() != 0) GTEST_SKIP() << "cannot give a file away without root";
  ASSERT_EQ(::chown(file.c_str(), 65534, 65534), 0);
  const auto error = check_file_trust(file, "--env-file", true, false, nullptr);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("owned by another user (uid 65534)"), std::string::npos) << error->message;
  EXPECT_NE(error->message.find("chown "), std::string::npos) << error->message;
  EXPECT_FALSE(check_file_trust(file, "--env-file", true, true, nullptr).has_value());
  // Root's own files are trusted.
  ASSERT_EQ(::chown(file.c_str(), 0, 0), 0);
  EXPECT_FALSE(check_file_trust(file, "--env-file", true, false, nullptr).has_value());
}

TEST_F(Credentials, SecretFileFromDevZeroOrAFifoEndsPromptlyWithAnError) {
  // /dev/zero never ends: the size cap stops it, without filling memory.
  auto value = read_secret_file("/dev/zero");
  ASSERT_FALSE(value.has_value());
  EXPECT_NE(value.error().message.find("too large"), std::string::npos) << value.error().message;
  // A FIFO nobody writes to: an empty file, not a hang.
  const auto fifo = (dir_ / "fifo").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  value = read_secret_file(fifo);
  ASSERT_FALSE(value.has_value());
  EXPECT_NE(value.error().message.find("is empty"), std::string::npos) << value.error().message;
  // A FIFO whose writer never writes (this process holds it open): bounded in time.
  const int writer = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK);
  ASSERT_GE(writer, 0);
  value = read_secret_file(fifo);
  ::close(writer);
  ASSERT_FALSE(value.has_value());
  EXPECT_NE(value.error().message.find("nothing to read within"), std::string::npos) << value.error().message;
  // The CA file probe wants a regular file: neither of those.
  for (const std::string& path : {std::string("/dev/zero"), fifo}) {
    const auto error = probe_regular_file(path, "--ca-file", 1 << 20);
    ASSERT_TRUE(error.has_value()) << path;
    EXPECT_EQ(error->message, "--ca-file '" + path + "': not a regular file");
  }
  EXPECT_FALSE(probe_regular_file(write("ca.pem", "-----BEGIN CERTIFICATE-----\n"), "--ca-file", 1 << 20));
}

TEST_F(Credentials, SecretFileThroughAPipeStillWorks) {
  // --client-secret-file <(pass show cf/secret)
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ASSERT_EQ(::write(fds[1], "piped\n", 6), 6);
  ::close(fds[1]);
  auto value = read_secret_file("/dev/fd/" + std::to_string(fds[0]));
  ::close(fds[0]);
  ASSERT_TRUE(value.has_value()) << value.error().message;
  EXPECT_EQ(value->reveal(), "piped");
}

TEST_F(Credentials, ErrorsNeverContainTheSecret) {
  const auto m = error_with_env_file("CF_SERVICE_TOKEN_CLIENT_SECRET=\"topsecretvalue\n");
  EXPECT_FALSE(m.empty());
  EXPECT_EQ(m.find("topsecretvalue"), std::string::npos) << m;
}

TEST_F(Credentials, ControlCharactersInTheTokenAreRefusedWithoutShowingIt) {
  // A CR LF in a value sent as a header would inject headers of its own.
  const std::vector<std::string> bad_values{"se\r\nX-Evil: 1", "secret\n", std::string("se\0cret", 7), "se\x01cret",
                                            "se\x7f"};
  for (const auto& bad : bad_values) {
    auto token = resolve_service_token(
        {}, env({{"CF_SERVICE_TOKEN_CLIENT_ID", "id.access"}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", bad}}));
    ASSERT_FALSE(token.has_value()) << ::testing::PrintToString(bad);
    EXPECT_EQ(token.error().message, "the client secret contains control characters");
    token = resolve_service_token(
        {}, env({{"CF_SERVICE_TOKEN_CLIENT_ID", "id" + bad}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", "s3cret"}}));
    ASSERT_FALSE(token.has_value()) << ::testing::PrintToString(bad);
    EXPECT_EQ(token.error().message, "the client ID contains control characters");
  }
  // From a dotenv file too (double quotes decode \r\n).
  const auto file =
      write(".env", "CF_SERVICE_TOKEN_CLIENT_ID=id.access\nCF_SERVICE_TOKEN_CLIENT_SECRET=\"a\\r\\nX: 1\"\n");
  CredentialSources sources;
  sources.env_file = file;
  auto token = resolve_service_token(sources, env({}));
  ASSERT_FALSE(token.has_value());
  EXPECT_EQ(token.error().message, "the client secret contains control characters");
  // Tabs and non-ASCII text are not control characters of concern in a header value.
  EXPECT_FALSE(has_control_characters("a b\xC3\xA9"));
  EXPECT_TRUE(has_control_characters("a\tb"));
}

TEST_F(Credentials, HeaderNamesAreHttpTokens) {
  EXPECT_TRUE(is_header_name("Authorization"));
  EXPECT_TRUE(is_header_name("X-Token_1.a!#$%&'*+^`|~"));
  for (const std::string bad : {"", "X Token", "X:Token", "X\r\nEvil", "X\x01", "X\x7f", "X\tY", "X\xC3\xA9", "(X)"}) {
    EXPECT_FALSE(is_header_name(bad)) << ::testing::PrintToString(bad);
  }
}

TEST(SecretForms, EveryReflectedFormIsRedacted) {
  const std::string value = "a/b+c=d\"e f";
  const auto forms = reflected_forms(value);
  for (const std::string form : {"a/b+c=d\"e f", "a/b+c=d\\\"e f", "a\\/b+c=d\\\"e f", "a%2Fb%2Bc%3Dd%22e%20f",
                                 "a%2fb%2bc%3dd%22e%20f", "a%2Fb%2Bc%3Dd%22e+f"}) {
    EXPECT_EQ(redact("[" + form + "]", forms), "[<redacted>]") << form;
  }
  // A secret inside a longer one (the client secret inside the JSON header) does not
  // leave the rest of the longer one behind.
  std::vector<Secret> both{Secret("s3"), Secret("{\"id\":\"x\",\"secret\":\"s3\"}")};
  EXPECT_EQ(redact("{\"id\":\"x\",\"secret\":\"s3\"} and s3", both), "<redacted> and <redacted>");
}

TEST(SecretForms, CleanseOverwritesTheWholeBufferAndEmptiesMaps) {
  std::string text = "a secret long enough to live on the heap, not in the string itself";
  text.resize(5);  // the bytes past size() still hold the rest
  cleanse(text);
  EXPECT_TRUE(text.empty());
  ASSERT_GT(text.capacity(), 15U);
  EXPECT_EQ(std::string(text.data(), text.capacity()), std::string(text.capacity(), '\0'));
  DotenvMap values{{"CF_SERVICE_TOKEN_CLIENT_SECRET", "s3cret"}};
  cleanse(values);
  EXPECT_TRUE(values.empty());
}

}  // namespace
}  // namespace cfmon
