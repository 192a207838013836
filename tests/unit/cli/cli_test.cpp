// cf-service-token against a fake API: name resolution, confirmation, where
// the secret goes (and where it never goes), exit codes.
#include "cli.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "cfmon/api_options.hpp"
#include "cfmon/dotenv.hpp"
#include "support/fake_http.hpp"
#include "support/temp_dir.hpp"
#include "token_view.hpp"

namespace cfmon::cli {
namespace {

using cloudflare::ApiResult;
using cloudflare::CreatedToken;
using cloudflare::ServiceTokenInfo;
using cloudflare::TimePoint;

constexpr const char* kCanary = "canary5ec7e70000000000000000000000000000000000000000000000000001";

ServiceTokenInfo token(std::string id, std::string name, std::string client_id) {
  ServiceTokenInfo t;
  t.id = std::move(id);
  t.name = std::move(name);
  t.client_id = std::move(client_id);
  t.duration = "8760h";
  t.expires_at = TimePoint{} + std::chrono::hours(24 * 365 * 60);
  return t;
}

class FakeApi final : public cloudflare::TokenAdmin {
 public:
  std::vector<ServiceTokenInfo>* tokens = nullptr;
  std::vector<std::string>* calls = nullptr;

  ApiResult<std::vector<ServiceTokenInfo>> list_service_tokens(const cloudflare::ListQuery&) override {
    calls->push_back("list");
    return *tokens;
  }
  ApiResult<ServiceTokenInfo> get_service_token(std::string_view) override { return not_found(); }
  ApiResult<CreatedToken> create_service_token(std::string_view name, const std::optional<std::string>&) override {
    calls->push_back("create " + std::string(name));
    auto t =
        token("99999999-9999-4999-8999-999999999999", std::string(name), "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0.access");
    tokens->push_back(t);
    // As Cloudflare's create answer: no expires_at (and here no duration either).
    t.expires_at.reset();
    t.duration.clear();
    return CreatedToken{t, Secret(kCanary), {}};
  }
  ApiResult<CreatedToken> rotate_service_token(std::string_view id, const std::optional<TimePoint>& grace) override {
    calls->push_back("rotate " + std::string(id) + (grace ? " grace" : ""));
    for (const auto& t : *tokens) {
      if (t.id == id) return CreatedToken{t, Secret(kCanary), {}};
    }
    return not_found();
  }
  ApiResult<ServiceTokenInfo> refresh_service_token(std::string_view id) override {
    calls->push_back("refresh " + std::string(id));
    for (const auto& t : *tokens) {
      if (t.id == id) return t;
    }
    return not_found();
  }
  ApiResult<ServiceTokenInfo> delete_service_token(std::string_view id) override {
    calls->push_back("delete " + std::string(id));
    for (auto it = tokens->begin(); it != tokens->end(); ++it) {
      if (it->id == id) {
        auto t = *it;
        tokens->erase(it);
        return t;
      }
    }
    return not_found();
  }

 private:
  static cloudflare::ApiError not_found() {
    cloudflare::ApiError e;
    e.kind = cloudflare::ApiErrorKind::not_found;
    e.message = "not found";
    return e;
  }
};

class Cli : public ::testing::Test {
 protected:
  void SetUp() override {
    tokens_ = {token("11111111-1111-4111-8111-111111111111", "monitoring", "feedfacefeedfacefeedfacefeedface.access"),
               token("22222222-2222-4222-8222-222222222222", "dup", "aaaa0000aaaa0000aaaa0000aaaa0000.access"),
               token("33333333-3333-4333-8333-333333333333", "dup", "bbbb0000bbbb0000bbbb0000bbbb0000.access")};
  }

  int run(std::vector<std::string> args, bool tty = false, std::vector<std::string> answers = {}) {
    out_.str("");
    err_.str("");
    CliContext ctx(out_, err_);
    ctx.stdin_is_tty = tty;
    ctx.stdout_is_tty = stdout_tty_;
    ctx.read_line = [answers, i = std::size_t{0}]() mutable -> std::optional<std::string> {
      if (i >= answers.size()) return std::nullopt;
      return answers[i++];
    };
    ctx.env = [](const std::string& name) -> std::optional<std::string> {
      if (name == "CF_API_TOKEN") return std::string("api-token-canary");
      if (name == "CF_ACCOUNT_ID") return std::string("a11ce5eda11ce5eda11ce5eda11ce5ed");
      return std::nullopt;
    };
    ctx.now = [] { return TimePoint{} + std::chrono::hours(24 * 365 * 55); };
    ctx.make_http = [](http::Transport, int) -> std::unique_ptr<http::Client> {
      return std::make_unique<cfmon::testing::FakeHttp>([](const http::Request&) { return http::TransportError{}; });
    };
    ctx.env_write = env_write_;
    ctx.make_api = [this](http::Client&, cloudflare::ApiSettings, cloudflare::ApiHooks) {
      auto api = std::make_unique<FakeApi>();
      api->tokens = &tokens_;
      api->calls = &calls_;
      return std::unique_ptr<cloudflare::TokenAdmin>(std::move(api));
    };
    const int code = run_cli(args, ctx);
    EXPECT_EQ(out_.str().find("api-token-canary"), std::string::npos);
    EXPECT_EQ(err_.str().find("api-token-canary"), std::string::npos);
    return code;
  }

  std::string env_path() const { return dir_.path() + "/.env"; }
  bool called(const std::string& call) const { return std::find(calls_.begin(), calls_.end(), call) != calls_.end(); }

  cfmon::testing::TempDir dir_;
  EnvWriteOptions env_write_;
  bool stdout_tty_ = false;
  std::vector<ServiceTokenInfo> tokens_;
  std::vector<std::string> calls_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(Cli, CreateSavesTheSecretAndNeverPrintsIt) {
  dir_.write(".env", "# mine\nOTHER=1\n");
  EXPECT_EQ(run({"create", "--name", "new", "--env-file", env_path()}), kExitOk) << err_.str();
  const auto env = read_dotenv_file(env_path());
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->at("CF_SERVICE_TOKEN_CLIENT_SECRET"), kCanary);
  EXPECT_EQ(env->at("CF_SERVICE_TOKEN_CLIENT_ID"), "c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0.access");
  EXPECT_EQ(testing::slurp(env_path()).rfind("# mine\nOTHER=1\n", 0), 0U);
  EXPECT_EQ(out_.str().find(kCanary), std::string::npos) << out_.str();
  EXPECT_EQ(err_.str().find(kCanary), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0.access"), std::string::npos) << out_.str();
}

TEST_F(Cli, CreateShowsTheExpiryTheDurationGivesNeverNever) {
  // Create answers have no expires_at: without --duration, the API's default 8760h.
  EXPECT_EQ(run({"create", "--name", "new", "--show-secret"}), kExitOk) << err_.str();
  EXPECT_NE(out_.str().find("expires:    in 365 days ("), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find("never"), std::string::npos) << out_.str();

  EXPECT_EQ(run({"create", "--name", "new", "--show-secret", "--duration", "720h"}), kExitOk) << err_.str();
  EXPECT_NE(out_.str().find("expires:    in 30 days ("), std::string::npos) << out_.str();

  EXPECT_EQ(run({"create", "--name", "new", "--show-secret", "--duration", "forever"}), kExitOk) << err_.str();
  EXPECT_NE(out_.str().find("expires:    never (forever)"), std::string::npos) << out_.str();

  // Longer than the clock can count (past 2262): the last date it can, not an overflow.
  EXPECT_EQ(run({"create", "--name", "new", "--show-secret", "--duration", "2500000h"}), kExitOk) << err_.str();
  EXPECT_NE(out_.str().find("(2262-04-11)"), std::string::npos) << out_.str();
}

TEST_F(Cli, CreateWithoutAPlaceForTheSecretIsRefusedBeforeTheApiIsCalled) {
  EXPECT_EQ(run({"create", "--name", "new"}), kExitUsage);
  EXPECT_NE(err_.str().find("--env-file"), std::string::npos) << err_.str();
  EXPECT_TRUE(calls_.empty());
}

TEST_F(Cli, CreateWithShowSecretOnlyPrintsItOnce) {
  EXPECT_EQ(run({"create", "--name", "new", "--show-secret"}), kExitOk) << err_.str();
  const std::string out = out_.str();
  const auto first = out.find(kCanary);
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find(kCanary, first + 1), std::string::npos) << out;
  EXPECT_NE(out.find(std::string("CF_SERVICE_TOKEN_CLIENT_SECRET=") + kCanary), std::string::npos) << out;
}

TEST_F(Cli, CreateNeverOverwritesAnotherTokensCredentials) {
  const std::string text =
      "CF_SERVICE_TOKEN_CLIENT_ID=feedfacefeedfacefeedfacefeedface.access\n"
      "CF_SERVICE_TOKEN_CLIENT_SECRET=old-secret-we-must-keep\n";
  dir_.write(".env", text);
  EXPECT_EQ(run({"create", "--name", "new", "--env-file", env_path()}), kExitUsage);
  EXPECT_NE(err_.str().find("--var-prefix"), std::string::npos) << err_.str();
  EXPECT_FALSE(called("create new")) << "checked before a token exists";
  EXPECT_EQ(testing::slurp(env_path()), text);

  EXPECT_EQ(run({"create", "--name", "new", "--env-file", env_path(), "--var-prefix", "NEW_"}), kExitOk) << err_.str();
  const auto env = read_dotenv_file(env_path());
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->at("CF_SERVICE_TOKEN_CLIENT_SECRET"), "old-secret-we-must-keep");
  EXPECT_EQ(env->at("NEW_CF_SERVICE_TOKEN_CLIENT_SECRET"), kCanary);
}

TEST_F(Cli, RotateUpdatesTheKeysThatHoldTheToken) {
  dir_.write(".env",
             "A=1\nCF_SERVICE_TOKEN_CLIENT_ID_NEW=feedfacefeedfacefeedfacefeedface.access\n"
             "CF_SERVICE_TOKEN_CLIENT_SECRET_NEW=old\nB=2\n");
  EXPECT_EQ(run({"rotate", "monitoring", "--grace", "1h", "--env-file", env_path()}), kExitOk) << err_.str();
  EXPECT_TRUE(called("rotate 11111111-1111-4111-8111-111111111111 grace"));
  EXPECT_EQ(testing::slurp(env_path()),
            std::string("A=1\nCF_SERVICE_TOKEN_CLIENT_ID_NEW=feedfacefeedfacefeedfacefeedface.access\n"
                        "CF_SERVICE_TOKEN_CLIENT_SECRET_NEW=") +
                kCanary + "\nB=2\n");
  EXPECT_EQ(out_.str().find(kCanary), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("keeps working until"), std::string::npos) << out_.str();
}

TEST_F(Cli, ATokenTheApiListsUnreadablyIsNeverRotatedAndListIsWarned) {
  // One malformed token no longer fails the whole list (issue 11): the CLI must not act on
  // it, since its id may be missing or wrong, and `list` says which one is unreadable.
  tokens_[0].problems.push_back("'enabled' is a string, not a boolean");
  EXPECT_EQ(run({"rotate", "monitoring", "--env-file", env_path()}), kExitFailed) << err_.str();
  EXPECT_FALSE(called("rotate 11111111-1111-4111-8111-111111111111")) << "nothing rotated";
  EXPECT_NE(err_.str().find("unreadably ('enabled' is a string, not a boolean)"), std::string::npos) << err_.str();
  EXPECT_EQ(run({"list"}), kExitOk) << err_.str();
  EXPECT_NE(err_.str().find("token 'monitoring' is listed unreadably"), std::string::npos) << err_.str();
}

TEST_F(Cli, AFailedSaveShowsTheSecretOnceAndExits3) {
  dir_.write(".env", "A=1\n");
  // The lock file's name is taken by a directory: every write fails, for root too.
  ASSERT_EQ(::mkdir((dir_.path() + "/..env.lock").c_str(), 0700), 0);
  EXPECT_EQ(run({"rotate", "feedfacefeedfacefeedfacefeedface.access", "--env-file", env_path()}), kExitNotPersisted);
  const std::string out = out_.str();
  EXPECT_NE(out.find("NOT SAVED"), std::string::npos) << out;
  const auto first = out.find(kCanary);
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_EQ(out.find(kCanary, first + 1), std::string::npos) << "printed once";
  EXPECT_EQ(err_.str().find(kCanary), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("could not be saved"), std::string::npos) << err_.str();
  EXPECT_EQ(testing::slurp(env_path()), "A=1\n");
}

TEST_F(Cli, ADirectorySyncFailureAfterTheSaveSaysTheSecretIsSavedAndExits0) {
  // The rename put the secret in the file; only its durability is in doubt.
  env_write_.sync_directory = [](int) {
    errno = EIO;
    return -1;
  };
  dir_.write(".env", "A=1\n");
  EXPECT_EQ(run({"rotate", "monitoring", "--env-file", env_path()}), kExitOk) << out_.str() << err_.str();
  const auto env = read_dotenv_file(env_path());
  ASSERT_TRUE(env.has_value());
  EXPECT_EQ(env->at("CF_SERVICE_TOKEN_CLIENT_SECRET"), kCanary);
  EXPECT_EQ(out_.str().find("NOT SAVED"), std::string::npos) << out_.str();
  EXPECT_EQ(out_.str().find(kCanary), std::string::npos) << "saved, so not printed: " << out_.str();
  EXPECT_NE(err_.str().find("warning: "), std::string::npos) << err_.str();
  EXPECT_NE(err_.str().find("directory could not be synced"), std::string::npos) << err_.str();
  EXPECT_NE(out_.str().find("saved to"), std::string::npos) << out_.str();
}

TEST_F(Cli, AnAmbiguousNameListsTheCandidates) {
  EXPECT_EQ(run({"refresh", "dup"}), kExitUsage);
  const std::string err = err_.str();
  EXPECT_NE(err.find("2 service tokens are named 'dup'"), std::string::npos) << err;
  EXPECT_NE(err.find("22222222-2222-4222-8222-222222222222  aaaa0000aaaa0000aaaa0000aaaa0000.access"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("33333333-3333-4333-8333-333333333333  bbbb0000bbbb0000bbbb0000bbbb0000.access"),
            std::string::npos)
      << err;
  EXPECT_EQ(run({"refresh", "bbbb0000bbbb0000bbbb0000bbbb0000.access"}), kExitOk) << err_.str();
  EXPECT_TRUE(called("refresh 33333333-3333-4333-8333-333333333333"));
  EXPECT_EQ(run({"refresh", "nope"}), kExitFailed);
  EXPECT_NE(err_.str().find("no service token with the name, ID or client ID 'nope'"), std::string::npos);
}

TEST_F(Cli, DeleteAsksOnATerminalAndRefusesWithoutOne) {
  EXPECT_EQ(run({"delete", "monitoring"}), kExitUsage);
  EXPECT_NE(err_.str().find("add --yes"), std::string::npos) << err_.str();
  EXPECT_FALSE(called("delete 11111111-1111-4111-8111-111111111111"));

  EXPECT_EQ(run({"delete", "monitoring"}, true, {"n"}), kExitAborted);
  EXPECT_NE(err_.str().find("[y/N]"), std::string::npos) << err_.str();
  EXPECT_FALSE(called("delete 11111111-1111-4111-8111-111111111111"));

  EXPECT_EQ(run({"delete", "monitoring"}, true, {}), kExitAborted) << "end of input is not a yes";

  EXPECT_EQ(run({"delete", "monitoring"}, true, {"y"}), kExitOk) << err_.str();
  EXPECT_TRUE(called("delete 11111111-1111-4111-8111-111111111111"));
}

TEST_F(Cli, DeleteRemovesTheTokensCredentialsAndNothingElse) {
  dir_.write(".env",
             "# keep\r\nCF_API_TOKEN=x\r\nCF_SERVICE_TOKEN_CLIENT_ID=feedfacefeedfacefeedfacefeedface.access\r\n"
             "CF_SERVICE_TOKEN_CLIENT_SECRET=s\r\nOTHER_CF_SERVICE_TOKEN_CLIENT_ID=aaaa0000aaaa0000aaaa0000aaaa0000."
             "access\r\n");
  EXPECT_EQ(run({"delete", "--yes", "11111111-1111-4111-8111-111111111111", "--env-file", env_path()}), kExitOk)
      << err_.str();
  EXPECT_EQ(testing::slurp(env_path()),
            "# keep\r\nCF_API_TOKEN=x\r\nOTHER_CF_SERVICE_TOKEN_CLIENT_ID=aaaa0000aaaa0000aaaa0000aaaa0000.access\r\n");
  EXPECT_NE(out_.str().find("removed CF_SERVICE_TOKEN_CLIENT_ID, CF_SERVICE_TOKEN_CLIENT_SECRET"), std::string::npos)
      << out_.str();
}

TEST_F(Cli, UsageErrorsExit2) {
  EXPECT_EQ(run({}), kExitUsage);
  EXPECT_EQ(run({"frobnicate"}), kExitUsage);
  EXPECT_EQ(run({"create", "--name", "x", "--duration", "1 year", "--show-secret"}), kExitUsage);
  EXPECT_EQ(run({"rotate"}), kExitUsage);
  EXPECT_EQ(run({"rotate", "a", "b", "--show-secret"}), kExitUsage);
  EXPECT_EQ(run({"rotate", "monitoring", "--show-secret", "--verify", "ftp://x"}), kExitUsage);
  EXPECT_FALSE(called("rotate 11111111-1111-4111-8111-111111111111")) << "a bad --verify URL stops the rotation";
  EXPECT_EQ(run({"list", "--jsn"}), kExitUsage);
  EXPECT_EQ(run({"create", "--name", "x", "--env-file", dir_.path()}), kExitUsage);
  EXPECT_NE(err_.str().find("is a directory"), std::string::npos) << err_.str();
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(run({"list", "--env-file", dir_.path() + "/missing.env"}), kExitUsage) << "a file to read must exist";
  EXPECT_NE(err_.str().find("no such file"), std::string::npos) << err_.str();
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(run({"--help"}), kExitOk);
  EXPECT_NE(out_.str().find("Exit codes"), std::string::npos);
  EXPECT_EQ(run({"delete", "--help"}), kExitOk);
  EXPECT_NE(out_.str().find("--yes"), std::string::npos);
}

TEST_F(Cli, AnAbbreviatedLongOptionIsRefusedOnOneLine) {
  // An abbreviation would change its meaning when a longer option is added later.
  EXPECT_EQ(run({"create", "--nam", "foo", "--show-secret"}), kExitUsage);
  EXPECT_EQ(err_.str(), "cf-service-token create: unrecognised option '--nam'; see 'cf-service-token create --help'\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(run({"rotate", "monitoring", "--show-sec", "--env-file", env_path()}), kExitUsage);
  const std::string err = err_.str();
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_TRUE(calls_.empty());
  EXPECT_EQ(run({"create", "--name=foo", "--show-secret"}), kExitOk) << "--name=VALUE is the full name";
}

TEST_F(Cli, HelpNamesTheValuesAndFitsIn80Columns) {
  for (const std::string command : {"", "list", "create", "rotate", "refresh", "delete", "test"}) {
    std::vector<std::string> args{"--help"};
    if (!command.empty()) args.insert(args.begin(), command);
    ASSERT_EQ(run(args), kExitOk) << command;
    // What plugins/common contributes (the API options and credentials) is its own to fix.
    std::string help = out_.str();
    help = help.substr(0, help.find("Cloudflare API options:"));
    if (const auto common = help.find(plugin::kApiCredentialsHelp); common != std::string::npos) {
      help.erase(common, std::strlen(plugin::kApiCredentialsHelp));
    }
    std::istringstream lines(help);
    std::string previous;
    for (std::string line; std::getline(lines, line); previous = line) {
      EXPECT_LE(line.size(), 80U) << command << " --help: " << line;
      // Boost breaks a description between words; only a word longer than half the
      // description column is cut, leaving its halves at the end of one line and the
      // start of the next (the pair may also be two short words that fit exactly).
      const auto text = line.find_first_not_of(' ');
      if (text == std::string::npos || text < 20 || previous.empty() || previous.back() == ' ') continue;
      const std::string tail = previous.substr(previous.rfind(' ') + 1);
      const std::string head = line.substr(text, line.find(' ', text) - text);
      EXPECT_LT(tail.size() + head.size(), 16U) << command << " --help splits a word:\n" << previous << '\n' << line;
    }
    EXPECT_EQ(help.find(" arg "), std::string::npos) << command << " --help:\n" << help;
    if (!command.empty()) {
      EXPECT_NE(help.find("--env-file FILE"), std::string::npos) << help;
      EXPECT_NE(help.find("-t [ --timeout ] SECONDS (=10)"), std::string::npos) << help;
    }
  }
  ASSERT_EQ(run({"create", "--help"}), kExitOk);
  EXPECT_NE(out_.str().find("--name NAME"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("--duration DURATION"), std::string::npos) << out_.str();
  ASSERT_EQ(run({"rotate", "--help"}), kExitOk);
  EXPECT_NE(out_.str().find("--verify URL"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("--max-redirects N (=5)"), std::string::npos) << out_.str();
  ASSERT_EQ(run({"test", "--help"}), kExitOk);
  EXPECT_NE(out_.str().find("--client-id ID"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("--client-secret-file FILE"), std::string::npos) << out_.str();
}

TEST_F(Cli, TestColoursOnlyOnATerminal) {
  dir_.write("t.env", "CF_SERVICE_TOKEN_CLIENT_ID=a.access\nCF_SERVICE_TOKEN_CLIENT_SECRET=s\n");
  const std::vector<std::string> args{"test", "https://app.example.com/", "--env-file", dir_.path() + "/t.env"};
  EXPECT_EQ(run(args), kExitFailed);  // the fake transport never answers
  EXPECT_EQ(out_.str().rfind("\u2717 app.example.com: ", 0), 0U) << out_.str();
  EXPECT_EQ(out_.str().find('\x1b'), std::string::npos) << out_.str();
  stdout_tty_ = true;
  EXPECT_EQ(run(args), kExitFailed);
  EXPECT_EQ(out_.str().rfind("\x1b[31m\u2717\x1b[0m app.example.com: ", 0), 0U) << out_.str();
}

// --- the pure views -------------------------------------------------------------

TEST(TokenView, RelativeTimes) {
  const TimePoint now = TimePoint{} + std::chrono::hours(24 * 10000);
  EXPECT_EQ(relative_time(now + std::chrono::hours(24 * 364 + 1), now), "in 364 days");
  EXPECT_EQ(relative_time(now - std::chrono::hours(3), now), "3 h ago");
  EXPECT_EQ(relative_time(now + std::chrono::minutes(12), now), "in 12 min");
  EXPECT_EQ(relative_time(now - std::chrono::seconds(5), now), "just now");
  auto t = token("i", "n", "c");
  t.expires_at = now - std::chrono::hours(72);
  EXPECT_EQ(expires_text(t, now).rfind("EXPIRED 3 days ago (", 0), 0U);
  t.expires_at.reset();
  t.duration = "forever";
  EXPECT_EQ(expires_text(t, now), "never (forever)");
  EXPECT_EQ(last_seen_text(t, now), "never");
}

TEST(TokenView, TableHasOneAlignedLinePerToken) {
  const TimePoint now = TimePoint{} + std::chrono::hours(24 * 10000);
  auto a = token("i1", "monitoring", "feedface.access");
  a.expires_at = now + std::chrono::hours(24 * 30 + 1);
  a.last_seen_at = now - std::chrono::hours(5);
  auto b = token("i2", "x\x1b[31m", "c2.access");
  b.enabled = false;
  const std::string table = format_token_table({a, b}, now);
  std::istringstream lines(table);
  std::string header, first, second;
  std::getline(lines, header);
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(header.find("CLIENT ID"), first.find("feedface.access"));
  EXPECT_NE(first.find("in 30 days"), std::string::npos) << first;
  EXPECT_NE(first.find("5 h ago"), std::string::npos) << first;
  EXPECT_NE(second.find("NO"), std::string::npos) << second;
  EXPECT_EQ(table.find('\x1b'), std::string::npos) << "terminal escapes from the API are neutralised";
}

TEST(TokenView, KeyPairing) {
  EXPECT_EQ(secret_key_for("CF_SERVICE_TOKEN_CLIENT_ID"), "CF_SERVICE_TOKEN_CLIENT_SECRET");
  EXPECT_EQ(secret_key_for("P_CF_SERVICE_TOKEN_CLIENT_ID_NEW"), "P_CF_SERVICE_TOKEN_CLIENT_SECRET_NEW");
  EXPECT_EQ(secret_key_for("URL"), "");
  const DotenvMap env = {{"CF_SERVICE_TOKEN_CLIENT_ID", "id1"},
                         {"CF_SERVICE_TOKEN_CLIENT_SECRET", "s1"},
                         {"BACKUP", "id1"},
                         {"X_CLIENT_ID", "id2"}};
  EXPECT_EQ(keys_to_remove(env, "id1"),
            (std::vector<std::string>{"BACKUP", "CF_SERVICE_TOKEN_CLIENT_ID", "CF_SERVICE_TOKEN_CLIENT_SECRET"}));
  EXPECT_EQ(overwrite_conflict(env, default_env_keys(""), "id1"), "");
  EXPECT_NE(overwrite_conflict(env, default_env_keys(""), "id9"), "");
  EXPECT_NE(overwrite_conflict({{"CF_SERVICE_TOKEN_CLIENT_SECRET", "s"}}, default_env_keys(""), "id9"), "");
  EXPECT_EQ(overwrite_conflict({{"OTHER", "s"}}, default_env_keys(""), "id9"), "");
}

}  // namespace
}  // namespace cfmon::cli
