// The service token secret never shows: not in stdout or stderr at any
// verbosity, in any format, on any path (success, rejection, TLS error, a
// server that echoes the request headers back), nor in /proc/<pid>/cmdline.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <utility>

#include "harness.hpp"

namespace cfmon::testing {
namespace {

struct Scenario {
  std::string app;
  bool verify_tls;
  std::vector<std::string> extra;
};

TEST(Secrets, CanaryNeverAppearsInAnyOutput) {
  auto& emu = shared_emulator();
  const std::string canary = emu.client_secret("monitoring");
  const std::vector<Scenario> scenarios{
      {"echo", true, {}},        // hostile server echoing our headers
      {"ok", true, {}},          // success
      {"legacy-403", true, {}},  // rejection
      {"ok", false, {}},         // TLS verification error
      {"single-header", true, {"--token-header", "Authorization"}},
      {"echo", true, {"--token-header", "Authorization"}},
      {"slow", true, {"-t", "1"}},  // timeout
  };
  for (const auto& s : scenarios) {
    for (const char* format : {"nagios", "influx", "zabbix", "json"}) {
      for (const char* verbosity : {"", "-v", "-vv", "-vvv"}) {
        std::vector<std::string> args{"-u",        emu.url(s.app),
                                      "--format",  format,
                                      "--resolve", s.app + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1"};
        if (s.verify_tls) {
          args.push_back("--ca-file");
          args.push_back(emu.ca_file());
        }
        if (*verbosity != '\0') args.emplace_back(verbosity);
        for (const auto& e : s.extra) args.push_back(e);
        const auto r = run(
            CFMON_CHECK_CF_ACCESS, args,
            {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", canary}});
        const std::string where = s.app + " " + format + " " + verbosity;
        EXPECT_GE(r.exit_code, 0) << where;
        EXPECT_EQ(r.out.find(canary), std::string::npos) << "stdout leaks the secret: " << where;
        EXPECT_EQ(r.err.find(canary), std::string::npos) << "stderr leaks the secret: " << where;
        EXPECT_EQ(r.cmdline.find(canary), std::string::npos) << where;
      }
    }
  }
}

TEST(Secrets, VerboseTraceShowsTheHeaderNameButNotItsValue) {
  auto& emu = shared_emulator();
  const std::string canary = emu.client_secret("monitoring");
  std::vector<std::string> args{"-u", emu.url("ok"), "-vvv"};
  for (auto& a : emu.connection_args("ok")) args.push_back(a);
  const auto r =
      run(CFMON_CHECK_CF_ACCESS, args,
          {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", canary}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("CF-Access-Client-Secret: <redacted>"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(canary), std::string::npos);
}

TEST(Secrets, SecretFromAFileStaysOutOfTheCommandLine) {
  auto& emu = shared_emulator();
  const std::string canary = emu.client_secret("monitoring");
  TempDir dir;
  const std::string secret_file = dir.write("secret", canary + "\n");
  std::vector<std::string> args{
      "-u", emu.url("ok"), "--client-id", emu.client_id("monitoring"), "--client-secret-file", secret_file, "-vvv"};
  for (auto& a : emu.connection_args("ok")) args.push_back(a);
  const auto r = run(CFMON_CHECK_CF_ACCESS, args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.cmdline.find(canary), std::string::npos);
  EXPECT_EQ(r.out.find(canary), std::string::npos);
  EXPECT_EQ(r.err.find(canary), std::string::npos);
}

// A peer that hands back the secret alone, not the header it came in: in the reason
// phrase, a header, a Location, a body (bare and JSON-escaped).
constexpr const char* kEchoSecretFaults[] = {"echo-secret-status", "echo-secret-header", "echo-secret-location",
                                             "echo-secret-body"};
// Distinctive, with bytes that JSON and URL encoders change, so that every form is tried.
constexpr const char* kCanary = "canary/7f3a+9c2e=b41d\"5e80";
constexpr const char* kClientId = "echo-probe.access";

FaultServer& fault_server() {
  static FaultServer server(CFMON_FAULT_SERVER);
  return server;
}

void expect_no_canary(const RunResult& r, const std::string& where) {
  for (const std::string& form : {std::string(kCanary), std::string("7f3a+9c2e=b41d")}) {
    EXPECT_EQ(r.out.find(form), std::string::npos) << "stdout leaks the secret: " << where << "\n" << r.out;
    EXPECT_EQ(r.err.find(form), std::string::npos) << "stderr leaks the secret: " << where << "\n" << r.err;
  }
}

TEST(Secrets, APeerReflectingOnlyTheSecretValueIsRedactedEverywhere) {
  auto& peer = fault_server();
  const std::map<std::string, std::string> env{{"CF_SERVICE_TOKEN_CLIENT_ID", kClientId},
                                               {"CF_SERVICE_TOKEN_CLIENT_SECRET", kCanary}};
  for (const char* fault : kEchoSecretFaults) {
    const std::vector<std::vector<std::string>> headers{
        {}, {"--token-header", "X-Token"}, {"--token-header", "Authorization"}};
    for (const auto& header : headers) {
      for (const char* verbosity : {"-v", "-vvv"}) {
        for (const char* format : {"nagios", "influx", "zabbix", "json"}) {
          std::vector<std::string> args{"-u", peer.url(fault), "--format", format, verbosity};
          for (auto& a : peer.connection_args(fault)) args.push_back(a);
          for (auto& a : header) args.push_back(a);
          const auto r = run(CFMON_CHECK_CF_ACCESS, args, env);
          expect_no_canary(r, std::string(fault) + " " + format + " " + verbosity + (header.empty() ? "" : " json"));
        }
        // cf-service-token test prints its own lines.
        std::vector<std::string> args{"test", peer.url(fault), verbosity};
        for (auto& a : peer.connection_args(fault)) args.push_back(a);
        for (auto& a : header) args.push_back(a);
        expect_no_canary(run(CFMON_CF_SERVICE_TOKEN, args, env), std::string("test ") + fault + " " + verbosity);
      }
    }
  }
}

TEST(Secrets, APeerReflectingTheBareApiTokenIsRedacted) {
  auto& peer = fault_server();
  for (const char* fault : kEchoSecretFaults) {
    const std::string api_url = peer.url(fault) + "client/v4";
    for (const char* verbosity : {"-v", "-vvv"}) {
      for (const char* format : {"nagios", "json"}) {
        std::vector<std::string> args{"--api-url", api_url, "--format", format, verbosity};
        for (auto& a : peer.connection_args(fault)) args.push_back(a);
        const auto r = run(CFMON_CHECK_CF_SERVICE_TOKENS, args, {{"CF_API_TOKEN", kCanary}, {"CF_ACCOUNT_ID", "acc"}});
        expect_no_canary(r, std::string("tokens ") + fault + " " + format + " " + verbosity);
      }
      std::vector<std::string> args{"list", "--api-url", api_url, verbosity};
      for (auto& a : peer.connection_args(fault)) args.push_back(a);
      const auto r = run(CFMON_CF_SERVICE_TOKEN, args, {{"CF_API_TOKEN", kCanary}, {"CF_ACCOUNT_ID", "acc"}});
      expect_no_canary(r, std::string("list ") + fault + " " + verbosity);
    }
  }
}

TEST(Secrets, ControlCharactersInCredentialsAreRefusedWithoutShowingThem) {
  auto& peer = fault_server();
  const std::string injected = std::string(kCanary) + "\r\nX-Injected: 1";
  for (const char* format : {"nagios", "json"}) {
    std::vector<std::string> args{"-u", peer.url("echo-header"), "--format", format};
    for (auto& a : peer.connection_args("echo-header")) args.push_back(a);
    auto r = run(CFMON_CHECK_CF_ACCESS, args,
                 {{"CF_SERVICE_TOKEN_CLIENT_ID", kClientId}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", injected}});
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_NE(r.out.find("the client secret contains control characters"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("X-Injected"), std::string::npos) << r.out;
    expect_no_canary(r, format);

    args.insert(args.end(), {"--token-header", "X-Token\r\nX-Injected:"});
    r = run(CFMON_CHECK_CF_ACCESS, args,
            {{"CF_SERVICE_TOKEN_CLIENT_ID", kClientId}, {"CF_SERVICE_TOKEN_CLIENT_SECRET", "s"}});
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_NE(r.out.find("--token-header takes a header name"), std::string::npos) << r.out;

    r = run(CFMON_CHECK_CF_SERVICE_TOKENS, {"--api-url", peer.url("echo-header") + "client/v4", "--format", format},
            {{"CF_API_TOKEN", injected}, {"CF_ACCOUNT_ID", "acc"}});
    EXPECT_EQ(r.exit_code, 3) << r.out;
    EXPECT_NE(r.out.find("the API token contains control characters"), std::string::npos) << r.out;
    expect_no_canary(r, format);
  }
}

TEST(Secrets, FilesOthersCanWriteAreRefusedAndReadableSecretsWarnedAbout) {
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string env_file = dir.write("cf.env", emu.token_env_text());
  const std::string targets = dir.write("targets", "ok " + emu.url("ok") + "\n");
  std::vector<std::string> base = emu.connection_args("ok");
  base.insert(base.end(), {"--env-file", env_file, "--targets-file", targets});

  for (const auto& [file, option] : {std::pair{env_file, "--env-file"}, std::pair{targets, "--targets-file"}}) {
    ASSERT_EQ(::chmod(file.c_str(), 0666), 0);
    for (const char* format : {"nagios", "json"}) {
      auto args = base;
      args.insert(args.end(), {"--format", format});
      const auto r = run(CFMON_CHECK_CF_ACCESS, args);
      EXPECT_EQ(r.exit_code, 3) << r.out;
      if (std::string(format) == "json") {
        EXPECT_NE(r.out.find("\"config_error\""), std::string::npos) << r.out;
      }
      EXPECT_NE(r.out.find(std::string(option) + " '" + file + "' is writable by group or others"), std::string::npos)
          << r.out;
      EXPECT_NE(r.out.find("chmod go-w " + file), std::string::npos) << r.out;
    }
    auto args = base;
    args.push_back("--allow-shared-files");
    EXPECT_EQ(run(CFMON_CHECK_CF_ACCESS, args).exit_code, 0);
    ASSERT_EQ(::chmod(file.c_str(), 0644), 0);  // a default umask: fine
  }
  // The secret file readable by others (0644): OK, with a warning even without -v.
  const auto r = run(CFMON_CHECK_CF_ACCESS, base);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("warning: --env-file '" + env_file + "' holds a secret and is readable by group or others"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("--targets-file"), std::string::npos) << r.err;
}

TEST(Secrets, EndlessOrSilentSecretFilesEndPromptly) {
  auto& emu = shared_emulator();
  TempDir dir;
  const std::string fifo = dir.path() + "/secret.fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::vector<std::pair<std::string, std::string>> cases{{"--client-secret-file", "/dev/zero"},
                                                               {"--client-secret-file", fifo},
                                                               {"--ca-file", "/dev/zero"},
                                                               {"--ca-file", fifo}};
  for (const auto& [option, path] : cases) {
    std::vector<std::string> args{"-u",   emu.url("ok"), "--client-id", emu.client_id("monitoring"),
                                  option, path,          "--format",    "json"};
    // A hang is killed at the hard limit and fails the test.
    const auto r =
        run(CFMON_CHECK_CF_ACCESS, args, {{"CF_SERVICE_TOKEN_CLIENT_SECRET", "s"}}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 3) << option << " " << path << ": " << r.out << r.err;
    EXPECT_NE(r.out.find(path), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"config_error\""), std::string::npos) << r.out;
  }
}

}  // namespace
}  // namespace cfmon::testing
