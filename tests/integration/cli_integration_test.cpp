// cf-service-token end to end against the emulator's API and edge: every
// subcommand, the secret's journey into .env (and nowhere else), rotation with
// and without a grace period as the edge sees it, deletion, refusals.
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cfmon/dotenv.hpp"
#include "cfmon/http.hpp"
#include "harness.hpp"
#include "tls_ca.hpp"

namespace cfmon::testing {
namespace {

using nlohmann::json;

unsigned mode_of(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0;
  return st.st_mode & 07777U;
}

std::size_t count_of(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

class CliTest : public ::testing::Test {
 protected:
  Emulator& emu = shared_emulator();
  TempDir dir;

  std::string api_host() const { return emu.config().at("api").at("host").get<std::string>(); }
  std::string api_token(const std::string& name = "admin") const {
    for (const auto& t : emu.config().at("api").at("api_tokens")) {
      if (t.at("name") == name) return t.at("token").get<std::string>();
    }
    throw std::runtime_error("no API token " + name);
  }
  std::string account_id() const { return emu.config().at("api").at("account_id").get<std::string>(); }
  std::string api_base() const { return "https://" + api_host() + ":" + std::to_string(emu.port()) + "/client/v4"; }
  std::string resolve(const std::string& host) const { return host + ":" + std::to_string(emu.port()) + ":127.0.0.1"; }

  // cf-service-token with the API pointed at the emulator; API credentials in the environment.
  RunResult cli(std::vector<std::string> args, std::map<std::string, std::string> env = {},
                const std::string& api_token_name = "admin") {
    const bool is_test = !args.empty() && args.front() == "test";
    if (!is_test) {
      args.emplace_back("--api-url");
      args.push_back(api_base());
      env.emplace("CF_API_TOKEN", api_token(api_token_name));
      env.emplace("CF_ACCOUNT_ID", account_id());
    }
    for (const auto& a :
         {std::string("--resolve"), resolve(api_host()), std::string("--resolve"), resolve("echo.cfemu.test"),
          std::string("--resolve"), resolve("ok.cfemu.test"), std::string("--resolve"),
          resolve("login-redirect.cfemu.test"), std::string("--ca-file"), emu.ca_file()}) {
      args.push_back(a);
    }
    auto r = run(CFMON_CF_SERVICE_TOKEN, args, env);
    const std::string api_secret = api_token(api_token_name);
    EXPECT_EQ(r.out.find(api_secret), std::string::npos) << "the API token leaked to stdout";
    EXPECT_EQ(r.err.find(api_secret), std::string::npos) << "the API token leaked to stderr";
    return r;
  }

  // Does the edge let these credentials through to an app that takes any valid token?
  RunResult edge_test(const std::string& env_file, const std::string& app = "echo") {
    return cli({"test", emu.url(app), "--env-file", env_file});
  }

  // POST to the emulator's control API (clock, faults).
  void control(const std::string& what, const json& body) {
    http::Transport transport;
    transport.resolve = {resolve(api_host())};
    transport.ca_file = emu.ca_file();
    http::CurlClient client(transport);
    http::Request request;
    request.url = "https://" + api_host() + ":" + std::to_string(emu.port()) + "/__emulator/" + what;
    request.method = "POST";
    request.body = body.dump();
    request.headers.emplace_back("Content-Type", "application/json");
    const auto outcomes = client.perform({request}, 1);
    const auto* response = std::get_if<http::Response>(&outcomes.at(0));
    ASSERT_NE(response, nullptr) << "control request failed";
    ASSERT_EQ(response->status, 200) << response->body;
  }

  json list_json() {
    const auto r = cli({"list", "--json"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  std::size_t tokens_named(const std::string& name) {
    std::size_t n = 0;
    for (const auto& t : list_json()) n += t.at("name") == name ? 1U : 0U;
    return n;
  }

  DotenvMap read_env(const std::string& path) {
    auto env = read_dotenv_file(path);
    EXPECT_TRUE(env.has_value()) << (env ? "" : env.error().message);
    return env ? *env : DotenvMap{};
  }

  // Creates a token saved into `env_file`; returns its secret as saved.
  std::string create(const std::string& name, const std::string& env_file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"create", "--name", name, "--env-file", env_file};
    args.insert(args.end(), extra.begin(), extra.end());
    const auto r = cli(args);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    std::string prefix;
    for (std::size_t i = 0; i + 1 < extra.size(); ++i) {
      if (extra[i] == "--var-prefix") prefix = extra[i + 1];
    }
    const std::string secret = read_env(env_file)[prefix + "CF_SERVICE_TOKEN_CLIENT_SECRET"];
    EXPECT_FALSE(secret.empty());
    expect_hidden(r, secret);
    return secret;
  }

  static void expect_hidden(const RunResult& r, const std::string& secret) {
    ASSERT_FALSE(secret.empty());
    EXPECT_EQ(r.out.find(secret), std::string::npos) << "secret on stdout";
    EXPECT_EQ(r.err.find(secret), std::string::npos) << "secret on stderr";
    EXPECT_EQ(r.cmdline.find(secret), std::string::npos) << "secret in /proc/<pid>/cmdline";
  }

  // A .env holding only a token's credentials (to ask the edge about an old secret).
  std::string credentials_file(const std::string& name, const std::string& client_id, const std::string& secret) {
    return dir.write(name,
                     "CF_SERVICE_TOKEN_CLIENT_ID=" + client_id + "\nCF_SERVICE_TOKEN_CLIENT_SECRET=" + secret + "\n");
  }
};

// ------------------------------------------------------------------ list

TEST_F(CliTest, ListShowsEveryTokenWithItsState) {
  const auto r = cli({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::string header;
  std::getline(lines, header);
  for (const char* column : {"NAME", "CLIENT ID", "EXPIRES IN", "LAST SEEN", "ENABLED"}) {
    EXPECT_NE(header.find(column), std::string::npos) << header;
  }
  std::map<std::string, std::string> row;
  for (std::string line; std::getline(lines, line);) row[line.substr(0, line.find(' '))] = line;
  ASSERT_EQ(row.count("monitoring"), 1U) << r.out;
  EXPECT_NE(row["monitoring"].find(emu.client_id("monitoring")), std::string::npos);
  EXPECT_NE(row["monitoring"].find("(2030-01-01)"), std::string::npos) << row["monitoring"];
  EXPECT_NE(row["expired"].find("EXPIRED"), std::string::npos) << row["expired"];
  EXPECT_NE(row["disabled"].find("NO"), std::string::npos) << row["disabled"];
  EXPECT_EQ(r.out.find(emu.client_secret("monitoring")), std::string::npos);
}

TEST_F(CliTest, ListJsonHasTheFieldsAndNoSecret) {
  const json tokens = list_json();
  ASSERT_TRUE(tokens.is_array());
  bool found = false;
  for (const auto& t : tokens) {
    EXPECT_FALSE(t.contains("client_secret"));
    if (t.at("name") != "monitoring") continue;
    found = true;
    EXPECT_EQ(t.at("client_id"), emu.client_id("monitoring"));
    EXPECT_EQ(t.at("id"), "11111111-1111-4111-8111-111111111111");
    EXPECT_EQ(t.at("expires_at"), "2030-01-01T00:00:00Z");
    EXPECT_EQ(t.at("enabled"), true);
  }
  EXPECT_TRUE(found) << tokens.dump();
}

TEST_F(CliTest, AnEmptyListIsFlaggedAsPossiblyAPermissionProblem) {
  const auto r = cli({"list"}, {}, "no-read");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("may lack Access: Service Tokens Read"), std::string::npos) << r.err;
}

TEST_F(CliTest, AnInvalidApiTokenIsAClearFailure) {
  const auto r = cli({"list"}, {}, "revoked");
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_EQ(count_of(r.err, "\n"), 1U) << "one line: " << r.err;
}

TEST_F(CliTest, AnOpenCredentialsFileEarnsAWarning) {
  const std::string env =
      dir.write("api.env", "CF_API_TOKEN=" + api_token() + "\nCF_ACCOUNT_ID=" + account_id() + "\n");
  ASSERT_EQ(::chmod(env.c_str(), 0644), 0);
  std::vector<std::string> args{"list", "--env-file", env, "--api-url", api_base()};
  for (const auto& a : {std::string("--resolve"), resolve(api_host()), std::string("--ca-file"), emu.ca_file()}) {
    args.push_back(a);
  }
  const auto r = run(CFMON_CF_SERVICE_TOKEN, args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("readable by group or others"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(api_token()), std::string::npos);
}

// ------------------------------------------------------------------ create

TEST_F(CliTest, CreateSavesTheSecretKeepingEveryOtherByteAndTheEdgeAcceptsIt) {
  const std::string original =
      "\xEF\xBB\xBF# deploy settings\r\n"
      "\r\n"
      "export DATABASE_URL='postgres://db/app'   # primary\r\n"
      "CF_API_TOKEN=" +
      api_token() +
      "\r\n"
      "CF_ACCOUNT_ID=" +
      account_id() +
      "\r\n"
      "DUP=1\r\n"
      "DUP=2\r\n";
  const std::string env_file = dir.write(".env", original);
  const std::string secret = create("cli-create", env_file);

  const std::string after = slurp(env_file);
  EXPECT_EQ(after.rfind(original, 0), 0U) << "every existing byte kept: " << after;
  const auto env = read_env(env_file);
  EXPECT_EQ(env.at("DUP"), "2");
  EXPECT_EQ(env.at("DATABASE_URL"), "postgres://db/app");
  EXPECT_NE(after.find("\r\nCF_SERVICE_TOKEN_CLIENT_SECRET="), std::string::npos) << "CRLF kept for new lines";
  EXPECT_EQ(mode_of(env_file), 0600U);
  EXPECT_EQ(tokens_named("cli-create"), 1U);

  const auto edge = edge_test(env_file);
  EXPECT_EQ(edge.exit_code, 0) << edge.out << edge.err;
  EXPECT_NE(edge.out.find("\u2713 echo.cfemu.test"), std::string::npos) << edge.out;
  expect_hidden(edge, secret);
}

TEST_F(CliTest, CreateWithAVarPrefixAndAMissingFileCreatesIt0600) {
  const std::string env_file = dir.path() + "/new.env";
  create("cli-prefixed", env_file, {"--var-prefix", "BACKUP_", "--duration", "forever"});
  const auto env = read_env(env_file);
  EXPECT_EQ(env.size(), 2U);
  EXPECT_EQ(env.count("BACKUP_CF_SERVICE_TOKEN_CLIENT_ID"), 1U);
  EXPECT_EQ(mode_of(env_file), 0600U);
  for (const auto& t : list_json()) {
    if (t.at("name") == "cli-prefixed") {
      EXPECT_EQ(t.at("duration"), "forever");
    }
  }
}

TEST_F(CliTest, ACreateWhoseSaveFailsPrintsTheSecretOnceAndExits3) {
  const std::string env_file = dir.write(".env", "KEEP=1\n");
  // A directory where the lock file belongs: every write fails, even for root,
  // and only after the token exists (the pre-flight checks cannot see it).
  std::filesystem::create_directory(dir.path() + "/..env.lock");
  const auto r = cli({"create", "--name", "cli-unsaved", "--env-file", env_file});
  EXPECT_EQ(r.exit_code, 3) << r.out << r.err;
  EXPECT_NE(r.out.find("NOT SAVED"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("could not be saved"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(env_file), "KEEP=1\n");

  // The printed lines are the credentials, once, and they work at the edge.
  const std::string printed = dir.write("printed.env", r.out);
  const auto env = read_env(printed);
  ASSERT_EQ(env.count("CF_SERVICE_TOKEN_CLIENT_SECRET"), 1U) << r.out;
  const std::string secret = env.at("CF_SERVICE_TOKEN_CLIENT_SECRET");
  EXPECT_EQ(count_of(r.out, secret), 1U);
  EXPECT_EQ(r.err.find(secret), std::string::npos);
  EXPECT_EQ(r.cmdline.find(secret), std::string::npos);
  const auto edge = edge_test(printed);
  EXPECT_EQ(edge.exit_code, 0) << edge.out << edge.err;
}

TEST_F(CliTest, ACreateIntoADirectoryIsRefusedBeforeAnyTokenExists) {
  const auto r = cli({"create", "--name", "cli-nowhere", "--env-file", dir.path()});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("is a directory"), std::string::npos) << r.err;
  EXPECT_EQ(tokens_named("cli-nowhere"), 0U);

  const auto nowhere = cli({"create", "--name", "cli-nowhere"});
  EXPECT_EQ(nowhere.exit_code, 2);
  EXPECT_NE(nowhere.err.find("--show-secret"), std::string::npos) << nowhere.err;
  EXPECT_EQ(tokens_named("cli-nowhere"), 0U);
}

TEST_F(CliTest, CreateWithShowSecretPrintsCredentialsThatWork) {
  const auto r = cli({"create", "--name", "cli-shown", "--show-secret"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string lines;
  std::istringstream in(r.out);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("CF_SERVICE_TOKEN_", 0) == 0) lines += line + "\n";
  }
  const std::string printed = dir.write("shown.env", lines);
  EXPECT_EQ(read_env(printed).size(), 2U) << r.out;
  EXPECT_EQ(edge_test(printed).exit_code, 0);
}

// ------------------------------------------------------------------ rotate

TEST_F(CliTest, RotateWithoutGraceRetiresTheOldSecretAtOnce) {
  const std::string env_file = dir.write(".env", "# app\nOTHER=x\n");
  const std::string old_secret = create("cli-rotate-now", env_file);
  const std::string client_id = read_env(env_file).at("CF_SERVICE_TOKEN_CLIENT_ID");
  const std::string old_file = credentials_file("old.env", client_id, old_secret);
  ASSERT_EQ(edge_test(old_file).exit_code, 0) << "before the rotation the secret works";

  const auto r = cli({"rotate", "cli-rotate-now", "--env-file", env_file, "--verify", emu.url("echo")});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto env = read_env(env_file);
  const std::string new_secret = env.at("CF_SERVICE_TOKEN_CLIENT_SECRET");
  EXPECT_NE(new_secret, old_secret);
  EXPECT_EQ(env.at("CF_SERVICE_TOKEN_CLIENT_ID"), client_id) << "rotation keeps the client ID";
  EXPECT_EQ(env.at("OTHER"), "x");
  EXPECT_EQ(slurp(env_file).rfind("# app\nOTHER=x\n", 0), 0U);
  EXPECT_NE(r.out.find("\u2713 echo.cfemu.test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("no longer works"), std::string::npos) << r.out;
  expect_hidden(r, new_secret);

  const auto old_edge = edge_test(old_file);
  EXPECT_EQ(old_edge.exit_code, 1) << "the old secret is refused at once: " << old_edge.out;
  EXPECT_NE(old_edge.out.find("\u2717"), std::string::npos) << old_edge.out;
  EXPECT_EQ(edge_test(env_file).exit_code, 0);
}

TEST_F(CliTest, RotateWithGraceKeepsTheOldSecretUntilTheGraceEnds) {
  const std::string env_file = dir.path() + "/.env";
  const std::string old_secret = create("cli-rotate-grace", env_file);
  const std::string client_id = read_env(env_file).at("CF_SERVICE_TOKEN_CLIENT_ID");
  const std::string old_file = credentials_file("old.env", client_id, old_secret);

  const auto r = cli({"rotate", client_id, "--grace", "1h", "--env-file", env_file});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("keeps working until"), std::string::npos) << r.out;
  const std::string new_secret = read_env(env_file).at("CF_SERVICE_TOKEN_CLIENT_SECRET");
  ASSERT_NE(new_secret, old_secret);

  EXPECT_EQ(edge_test(old_file).exit_code, 0) << "within the grace the old secret still works";
  EXPECT_EQ(edge_test(env_file).exit_code, 0);

  control("clock", {{"advance_seconds", 2 * 3600}});  // the emulator's clock, shared by API and edge
  const auto after_grace = edge_test(old_file);
  control("clock", {{"offset_seconds", 0}});
  EXPECT_EQ(after_grace.exit_code, 1) << "after the grace the old secret is refused: " << after_grace.out;
  EXPECT_EQ(edge_test(env_file).exit_code, 0);
}

TEST_F(CliTest, RotateVerifyReportsAnAppThatRefusesTheToken) {
  const std::string env_file = dir.path() + "/.env";
  create("cli-rotate-verify", env_file);
  // login-redirect takes only the other-team token: the new secret is saved, the verify fails.
  const auto r = cli({"rotate", "cli-rotate-verify", "--env-file", env_file, "--verify", emu.url("echo"), "--verify",
                      emu.url("login-redirect")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("\u2713 echo.cfemu.test"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\u2717 login-redirect.cfemu.test"), std::string::npos) << r.out;
  EXPECT_NE(r.err.find("the new secret is saved"), std::string::npos) << r.err;
  EXPECT_EQ(edge_test(env_file).exit_code, 0);
}

// ------------------------------------------------------------------ refresh, names

TEST_F(CliTest, RefreshExtendsTheExpiry) {
  const auto r = cli({"refresh", "monitoring"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("refreshed 'monitoring'"), std::string::npos) << r.out;
  for (const auto& t : list_json()) {
    if (t.at("name") == "monitoring") {
      EXPECT_NE(t.at("expires_at"), "2030-01-01T00:00:00Z") << t.dump();
    }
  }
}

TEST_F(CliTest, AnAmbiguousNameIsRefusedWithTheCandidates) {
  const std::string env_file = dir.path() + "/.env";
  create("cli-twin", env_file, {"--var-prefix", "A_"});
  create("cli-twin", env_file, {"--var-prefix", "B_"});
  const auto env = read_env(env_file);
  const std::string a = env.at("A_CF_SERVICE_TOKEN_CLIENT_ID");
  const std::string b = env.at("B_CF_SERVICE_TOKEN_CLIENT_ID");

  const auto r = cli({"refresh", "cli-twin"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("2 service tokens are named 'cli-twin'"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(a), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(b), std::string::npos) << r.err;

  EXPECT_EQ(cli({"refresh", b}).exit_code, 0) << "a client ID is never ambiguous";
  const auto missing = cli({"refresh", "cli-no-such-token"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no service token"), std::string::npos) << missing.err;
}

// ------------------------------------------------------------------ delete

TEST_F(CliTest, DeleteRemovesTheCredentialsAndTheEdgeRefusesTheToken) {
  const std::string env_file = dir.write(".env", "# keep me\nexport A=1\n");
  const std::string secret = create("cli-delete", env_file);
  const std::string client_id = read_env(env_file).at("CF_SERVICE_TOKEN_CLIENT_ID");
  const std::string saved = credentials_file("saved.env", client_id, secret);
  ASSERT_EQ(edge_test(saved).exit_code, 0);

  const auto r = cli({"delete", "cli-delete", "--yes", "--env-file", env_file});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(slurp(env_file), "# keep me\nexport A=1\n") << "exactly the lines from before the create";
  EXPECT_NE(r.out.find("removed CF_SERVICE_TOKEN_CLIENT_ID, CF_SERVICE_TOKEN_CLIENT_SECRET"), std::string::npos)
      << r.out;
  EXPECT_EQ(tokens_named("cli-delete"), 0U);
  const auto edge = edge_test(saved);
  EXPECT_EQ(edge.exit_code, 1) << edge.out;
  EXPECT_NE(edge.out.find("\u2717 echo.cfemu.test"), std::string::npos) << edge.out;
}

TEST_F(CliTest, DeleteWithoutATerminalNeedsYes) {
  const std::string env_file = dir.path() + "/.env";
  create("cli-keep", env_file);
  const std::string before = slurp(env_file);
  const auto r = cli({"delete", "cli-keep", "--env-file", env_file});  // stdin is /dev/null
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--yes"), std::string::npos) << r.err;
  EXPECT_EQ(tokens_named("cli-keep"), 1U);
  EXPECT_EQ(slurp(env_file), before);
  EXPECT_EQ(edge_test(env_file).exit_code, 0);
}

// ------------------------------------------------------------------ test

TEST_F(CliTest, TestSaysPerAppWhetherTheTokenGetsThrough) {
  const std::string env_file =
      credentials_file("monitoring.env", emu.client_id("monitoring"), emu.client_secret("monitoring"));
  const auto r = cli({"test", emu.url("ok"), emu.url("login-redirect"), "--env-file", env_file});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  const std::string port = std::to_string(emu.port());
  EXPECT_NE(r.out.find("\u2713 ok.cfemu.test:" + port + ": token accepted (HTTP 200)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\u2717 login-redirect.cfemu.test:" + port + ": token not accepted"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 of 2 apps OK"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << "no colour when stdout is not a terminal";
  expect_hidden(r, emu.client_secret("monitoring"));

  const auto ok = cli({"test", emu.url("ok"), "--env-file", env_file});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;

  const auto missing = cli({"test", emu.url("ok")});
  EXPECT_EQ(missing.exit_code, 2) << missing.out;
  EXPECT_NE(missing.err.find("CF_SERVICE_TOKEN_CLIENT_ID"), std::string::npos) << missing.err;
}

// test and rotate --verify judge like check_cf_access (issue 10): redirects followed only
// inside the app's origin, http:// refused before anything is sent or rotated.

TEST_F(CliTest, TestFollowsARedirectInsideTheAppWithTheToken) {
  const std::string env_file =
      credentials_file("monitoring.env", emu.client_id("monitoring"), emu.client_secret("monitoring"));
  const auto r =
      cli({"test", emu.url("app-redirect"), "--env-file", env_file, "--resolve", resolve("app-redirect.cfemu.test")});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("token accepted (HTTP 200 after 1 redirect, at " + emu.url("app-redirect", "/dashboard") + ")"),
            std::string::npos)
      << r.out;
  const auto none = cli({"test", emu.url("app-redirect"), "--env-file", env_file, "--resolve",
                         resolve("app-redirect.cfemu.test"), "--max-redirects", "0"});
  EXPECT_EQ(none.exit_code, 0) << "Access set CF_Authorization on the redirect: " << none.out << none.err;
  EXPECT_NE(none.out.find("(Access set CF_Authorization)"), std::string::npos) << none.out;
}

TEST_F(CliTest, TestRefusesPlainHttpUnlessAllowed) {
  const std::string env_file =
      credentials_file("monitoring.env", emu.client_id("monitoring"), emu.client_secret("monitoring"));
  const std::string http_url = "http://ok.cfemu.test:" + std::to_string(emu.port()) + "/";
  const auto r = cli({"test", http_url, "--env-file", env_file});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("use " + emu.url("ok") + " (or --allow-insecure-http)"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << "nothing probed: " << r.out;

  // Allowed: a warning, then the probe (the emulator speaks only TLS: a broken answer).
  const auto allowed = cli({"test", http_url, "--env-file", env_file, "--allow-insecure-http"});
  EXPECT_EQ(allowed.exit_code, 1) << allowed.out << allowed.err;
  EXPECT_NE(allowed.err.find("warning: --allow-insecure-http: the service token goes unencrypted to " + http_url),
            std::string::npos)
      << allowed.err;
  expect_hidden(allowed, emu.client_secret("monitoring"));
}

TEST_F(CliTest, TestRefusesATimeoutThatCurlWouldReadAsNone) {
  const std::string env_file =
      credentials_file("monitoring.env", emu.client_id("monitoring"), emu.client_secret("monitoring"));
  const auto r = cli({"test", emu.url("ok"), "--env-file", env_file, "-t", "0.0004"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("at least 0.001"), std::string::npos) << r.err;
}

TEST_F(CliTest, RotateVerifyRefusesPlainHttpBeforeTheSecretChanges) {
  const std::string env_file = dir.write(".env", "");
  create("cli-rotate-http", env_file);
  const std::string before = slurp(env_file);
  const auto r = cli({"rotate", "cli-rotate-http", "--env-file", env_file, "--verify",
                      "http://echo.cfemu.test:" + std::to_string(emu.port()) + "/"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("--verify: target"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("use " + emu.url("echo")), std::string::npos) << r.err;
  EXPECT_EQ(slurp(env_file), before) << "nothing rotated, nothing saved";
  EXPECT_EQ(edge_test(env_file).exit_code, 0) << "the secret still works";
}

// ------------------------------------------------------------------ a schema-minimal API

// A fake v4 API (TLS on 127.0.0.1) whose answers each test scripts: what Cloudflare's
// published schema allows (no response property is required), or worse. Independent of
// the emulator, so these tests pin the client, not the emulator's habits.
class FakeApiServer {
 public:
  struct Seen {
    std::string method;
    std::string path;  // after .../access/service_tokens: "", "/<id>", "/<id>/rotate"
    std::string body;
    std::string content_type;  // "" when the request had none
  };
  struct Answer {
    int status = 200;
    std::string body;
  };
  using Handler = std::function<Answer(const Seen&)>;

  static constexpr const char* kAccount = "0123456789abcdef0123456789abcdef";
  static constexpr const char* kHost = "api.fake.test";

  FakeApiServer()
      : tls_(emulator::TlsMaterial::generate({kHost}, std::chrono::system_clock::now())),
        server_(tls_.server_cert(), tls_.server_key()) {
    ca_file_ = dir_.write("ca.pem", tls_.ca_cert_pem());
    const auto handle = [this](const httplib::Request& request, httplib::Response& response) {
      Seen seen{request.method, request.path, request.body, request.get_header_value("Content-Type")};
      const std::string prefix = std::string("/client/v4/accounts/") + kAccount + "/access/service_tokens";
      Answer answer{404, R"({"success":false,"errors":[{"code":7003,"message":"No route for the URI"}],)"
                         R"("messages":[],"result":null})"};
      if (seen.path.rfind(prefix, 0) == 0) {
        seen.path = seen.path.substr(prefix.size());
        std::lock_guard lock(mutex_);
        seen_.push_back(seen);
        if (auto it = handlers_.find(seen.method + " " + seen.path); it != handlers_.end()) answer = it->second(seen);
      }
      response.status = answer.status;
      response.set_content(answer.body, "application/json");
    };
    server_.Get(".*", handle);
    server_.Post(".*", handle);
    server_.Put(".*", handle);
    server_.Delete(".*", handle);
    port_ = server_.bind_to_any_port("127.0.0.1");  // listening from here: no readiness race
    if (port_ <= 0) throw std::runtime_error("the fake API cannot bind");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~FakeApiServer() {
    server_.stop();
    thread_.join();
  }
  FakeApiServer(const FakeApiServer&) = delete;
  FakeApiServer& operator=(const FakeApiServer&) = delete;

  void on(const std::string& method, const std::string& path, Handler handler) {
    std::lock_guard lock(mutex_);
    handlers_[method + " " + path] = std::move(handler);
  }
  void on(const std::string& method, const std::string& path, json result, int status = 200) {
    const std::string body =
        json{{"success", true}, {"errors", json::array()}, {"messages", json::array()}, {"result", std::move(result)}}
            .dump();
    on(method, path, [body, status](const Seen&) { return Answer{status, body}; });
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  [[nodiscard]] std::vector<std::string> connection_args() const {
    return {"--api-url", "https://" + std::string(kHost) + ":" + std::to_string(port_) + "/client/v4",
            "--resolve", std::string(kHost) + ":" + std::to_string(port_) + ":127.0.0.1",
            "--ca-file", ca_file_};
  }

 private:
  TempDir dir_;
  emulator::TlsMaterial tls_;
  httplib::SSLServer server_;
  std::string ca_file_;
  int port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::map<std::string, Handler> handlers_;
  std::vector<Seen> seen_;
};

class CliAgainstFakeApi : public ::testing::Test {
 protected:
  static constexpr const char* kApiToken = "fake-api-token-canary-0123456789";
  static constexpr const char* kId = "f174e90a-fafe-4643-bbbc-4a0ed4fc8415";
  static constexpr const char* kClientId = "88bf3b6d86161464f6509f7219099e57.access";
  static constexpr const char* kNewSecret = "bdd31cbc4dec990953e39163fbbb194c93313ca9f0a6e420346af9d326b1d2a5";

  FakeApiServer api;
  TempDir dir;

  void SetUp() override {
    // The list the CLI resolves names with: a complete, well-formed token.
    api.on("GET", "",
           json::array({{{"id", kId},
                         {"client_id", kClientId},
                         {"name", "backup"},
                         {"duration", "8760h"},
                         {"expires_at", "2030-01-01T00:00:00Z"}}}));
  }

  RunResult cli(std::vector<std::string> args) {
    for (const auto& a : api.connection_args()) args.push_back(a);
    auto r =
        run(CFMON_CF_SERVICE_TOKEN, args, {{"CF_API_TOKEN", kApiToken}, {"CF_ACCOUNT_ID", FakeApiServer::kAccount}});
    EXPECT_EQ(r.out.find(kApiToken), std::string::npos) << "the API token leaked to stdout";
    EXPECT_EQ(r.err.find(kApiToken), std::string::npos) << "the API token leaked to stderr";
    return r;
  }

  DotenvMap read_env(const std::string& path) {
    auto env = read_dotenv_file(path);
    EXPECT_TRUE(env.has_value()) << (env ? "" : env.error().message);
    return env ? *env : DotenvMap{};
  }

  // rotate `backup` into a .env holding its old credentials; the secret must end up there.
  RunResult rotate_expecting_the_new_secret_saved(const std::string& answer_body) {
    api.on("POST", std::string("/") + kId + "/rotate", [answer_body](const FakeApiServer::Seen&) {
      return FakeApiServer::Answer{200, answer_body};
    });
    const std::string env_file = dir.write(".env", std::string("KEEP=1\nCF_SERVICE_TOKEN_CLIENT_ID=") + kClientId +
                                                       "\nCF_SERVICE_TOKEN_CLIENT_SECRET=old-secret\n");
    auto r = cli({"rotate", "backup", "--env-file", env_file});
    const auto env = read_env(env_file);
    EXPECT_EQ(env.count("CF_SERVICE_TOKEN_CLIENT_SECRET") ? env.at("CF_SERVICE_TOKEN_CLIENT_SECRET") : "", kNewSecret)
        << "the new secret is lost: " << r.out << r.err;
    EXPECT_EQ(env.count("CF_SERVICE_TOKEN_CLIENT_ID") ? env.at("CF_SERVICE_TOKEN_CLIENT_ID") : "", kClientId);
    EXPECT_EQ(env.count("KEEP") ? env.at("KEEP") : "", "1");
    EXPECT_EQ(r.out.find(kNewSecret), std::string::npos) << "saved, so never printed";
    EXPECT_EQ(r.err.find(kNewSecret), std::string::npos);
    return r;
  }

  static std::string envelope(const json& result) {
    return json{{"success", true}, {"errors", json::array()}, {"messages", json::array()}, {"result", result}}.dump();
  }
};

TEST_F(CliAgainstFakeApi, RotateAgainstASchemaMinimalAnswerSavesTheNewSecretAndExits0) {
  const auto r = rotate_expecting_the_new_secret_saved(envelope({{"id", kId}, {"client_secret", kNewSecret}}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(std::string("client ID ") + kClientId), std::string::npos) << r.out;
}

TEST_F(CliAgainstFakeApi, RotateWithUnreadableMetadataSavesTheSecretAndWarns) {
  const auto r = rotate_expecting_the_new_secret_saved(envelope({{"id", 42},
                                                                 {"client_secret", kNewSecret},
                                                                 {"client_id", kClientId},
                                                                 {"expires_at", "next tuesday"},
                                                                 {"last_seen_at", "0000-99-99T99:99:99Z"},
                                                                 {"created_at", true},
                                                                 {"enabled", "yes"}}));
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("warning: "), std::string::npos) << "unreadable metadata is a warning: " << r.err;
  EXPECT_NE(r.err.find("expires_at"), std::string::npos) << r.err;
}

TEST_F(CliAgainstFakeApi, ARotateAnswerThatIsNoProperEnvelopeStillHasItsSecretSaved) {
  // HTTP 200 and a secret, but no boolean `success`: Cloudflare rotated, the secret is real.
  const auto r = rotate_expecting_the_new_secret_saved(
      json{{"result", {{"client_secret", kNewSecret}}}, {"success", "yes"}}.dump());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.err.find("warning: "), std::string::npos) << r.err;
}

TEST_F(CliAgainstFakeApi, CreateShowsTheExpiryItsDurationGives) {
  // The create answer as the schema defines it: everything but expires_at.
  api.on("POST", "",
         json{{"id", kId},
              {"client_id", kClientId},
              {"client_secret", kNewSecret},
              {"name", "ci"},
              {"duration", "8760h"},
              {"enabled", true}},
         201);
  const std::string env_file = dir.path() + "/.env";
  const auto r = cli({"create", "--name", "ci", "--env-file", env_file});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(read_env(env_file).at("CF_SERVICE_TOKEN_CLIENT_SECRET"), kNewSecret);
  EXPECT_NE(r.out.find("expires:    in 365 days ("), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("never"), std::string::npos) << "an 8760h token does expire: " << r.out;
}

TEST_F(CliAgainstFakeApi, ACreateAnswerWithoutAClientIdIsCompletedByReadingTheTokenBack) {
  api.on("POST", "", json{{"id", kId}, {"client_secret", kNewSecret}}, 201);
  api.on("GET", std::string("/") + kId,
         json{{"id", kId}, {"client_id", kClientId}, {"name", "ci"}, {"expires_at", "2031-06-01T00:00:00Z"}});
  const std::string env_file = dir.write(".env", "A=1\n");
  const auto r = cli({"create", "--name", "ci", "--env-file", env_file});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(read_env(env_file), (DotenvMap{{"A", "1"},
                                           {"CF_SERVICE_TOKEN_CLIENT_ID", kClientId},
                                           {"CF_SERVICE_TOKEN_CLIENT_SECRET", kNewSecret}}));
  EXPECT_NE(r.out.find(std::string("client ID:  ") + kClientId), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(2031-06-01)"), std::string::npos) << "the expiry as read back: " << r.out;
  EXPECT_EQ(r.out.find(kNewSecret), std::string::npos);
  const auto seen = api.seen();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().method + " " + seen.back().path, std::string("GET /") + kId) << "read back after the save";
}

TEST_F(CliAgainstFakeApi, RefreshSendsNoBody) {
  // As a mock generated from the schema: refresh declares no request body.
  api.on("POST", std::string("/") + kId + "/refresh", [](const FakeApiServer::Seen& seen) {
    if (!seen.body.empty() || !seen.content_type.empty()) {
      return FakeApiServer::Answer{415,
                                   R"({"success":false,"errors":[{"code":1415,"message":"Unsupported Media Type"}],)"
                                   R"("messages":[],"result":null})"};
    }
    return FakeApiServer::Answer{200, envelope({{"id", kId}, {"expires_at", "2031-01-01T00:00:00Z"}})};
  });
  const auto r = cli({"refresh", "backup"});
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("(2031-01-01)"), std::string::npos) << r.out;
  const auto seen = api.seen();
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.back().path, std::string("/") + kId + "/refresh");
  EXPECT_EQ(seen.back().body, "");
  EXPECT_EQ(seen.back().content_type, "");
}

TEST_F(CliAgainstFakeApi, DeleteAndRefreshAcceptAnAnswerHoldingOnlyTheId) {
  api.on("POST", std::string("/") + kId + "/refresh", json{{"id", kId}});
  api.on("DELETE", std::string("/") + kId, json{{"id", kId}});
  const auto refreshed = cli({"refresh", "backup"});
  EXPECT_EQ(refreshed.exit_code, 0) << refreshed.out << refreshed.err;
  EXPECT_NE(refreshed.out.find("refreshed 'backup'"), std::string::npos) << refreshed.out;
  EXPECT_EQ(refreshed.out.find("never"), std::string::npos)
      << "no expiry in the answer is not 'never': " << refreshed.out;

  const std::string env_file = dir.write(
      ".env", std::string("A=1\nCF_SERVICE_TOKEN_CLIENT_ID=") + kClientId + "\nCF_SERVICE_TOKEN_CLIENT_SECRET=s\n");
  const auto deleted = cli({"delete", "backup", "--yes", "--env-file", env_file});
  EXPECT_EQ(deleted.exit_code, 0) << deleted.out << deleted.err;
  EXPECT_EQ(read_env(env_file), (DotenvMap{{"A", "1"}})) << "its credentials are removed";
}

}  // namespace
}  // namespace cfmon::testing
