// The service token secret never shows: not in stdout or stderr at any
// verbosity, in any format, on any path (success, rejection, TLS error, a
// server that echoes the request headers back), nor in /proc/<pid>/cmdline.
#include <gtest/gtest.h>

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
      {"echo", true, {}},                                 // hostile server echoing our headers
      {"ok", true, {}},                                   // success
      {"legacy-403", true, {}},                           // rejection
      {"ok", false, {}},                                  // TLS verification error
      {"single-header", true, {"--token-header", "Authorization"}},
      {"echo", true, {"--token-header", "Authorization"}},
      {"slow", true, {"-t", "1"}},                        // timeout
  };
  for (const auto& s : scenarios) {
    for (const char* format : {"nagios", "influx", "zabbix", "json"}) {
      for (const char* verbosity : {"", "-v", "-vv", "-vvv"}) {
        std::vector<std::string> args{"-u", emu.url(s.app), "--format", format, "--resolve",
                                      s.app + ".cfemu.test:" + std::to_string(emu.port()) + ":127.0.0.1"};
        if (s.verify_tls) {
          args.push_back("--ca-file");
          args.push_back(emu.ca_file());
        }
        if (*verbosity != '\0') args.emplace_back(verbosity);
        for (const auto& e : s.extra) args.push_back(e);
        const auto r = run(CFMON_CHECK_CF_ACCESS, args,
                           {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
                            {"CF_SERVICE_TOKEN_CLIENT_SECRET", canary}});
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
  const auto r = run(CFMON_CHECK_CF_ACCESS, args,
                     {{"CF_SERVICE_TOKEN_CLIENT_ID", emu.client_id("monitoring")},
                      {"CF_SERVICE_TOKEN_CLIENT_SECRET", canary}});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.err.find("CF-Access-Client-Secret: <redacted>"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(canary), std::string::npos);
}

TEST(Secrets, SecretFromAFileStaysOutOfTheCommandLine) {
  auto& emu = shared_emulator();
  const std::string canary = emu.client_secret("monitoring");
  TempDir dir;
  const std::string secret_file = dir.write("secret", canary + "\n");
  std::vector<std::string> args{"-u", emu.url("ok"), "--client-id", emu.client_id("monitoring"),
                                "--client-secret-file", secret_file, "-vvv"};
  for (auto& a : emu.connection_args("ok")) args.push_back(a);
  const auto r = run(CFMON_CHECK_CF_ACCESS, args);
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(r.cmdline.find(canary), std::string::npos);
  EXPECT_EQ(r.out.find(canary), std::string::npos);
  EXPECT_EQ(r.err.find(canary), std::string::npos);
}

}  // namespace
}  // namespace cfmon::testing
