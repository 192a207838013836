#pragma once
// Test harness: runs built binaries with a controlled environment and the
// Cloudflare Access emulator as a child process on 127.0.0.1.
#include <sys/types.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/temp_dir.hpp"

namespace cfmon::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed
  std::string out;
  std::string err;
  std::string cmdline;  // /proc/<pid>/cmdline as read while it ran (NULs as spaces)
  std::chrono::milliseconds wall{0};
};

// Runs `program args...` with exactly `env` (plus PATH), no stdin; kills it after
// `hard_limit` so a hang fails the test instead of the suite.
RunResult run(const std::string& program, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env = {},
              std::chrono::milliseconds hard_limit = std::chrono::seconds(60));

// The emulator, started with the default config; stopped on destruction. It runs in
// contract mode (tests/contract/): every API request the binaries send and every
// answer they get is checked against Cloudflare's published schema, and the test
// fails on any violation (when the emulator is destroyed; for shared_emulator() at the
// end of the test program).
class Emulator {
 public:
  explicit Emulator(const std::string& config_path, std::vector<std::string> extra_args = {});
  ~Emulator();
  Emulator(const Emulator&) = delete;
  Emulator& operator=(const Emulator&) = delete;

  [[nodiscard]] int port() const { return port_; }
  [[nodiscard]] std::string ca_file() const { return state_.path() + "/ca.pem"; }
  [[nodiscard]] const nlohmann::json& config() const { return config_; }
  // https://<app>.cfemu.test:<port>/ plus the --resolve and --ca-file args for it.
  [[nodiscard]] std::string url(const std::string& app, const std::string& path = "/") const;
  [[nodiscard]] std::vector<std::string> connection_args(const std::string& app) const;
  // The token named `name` in the config.
  [[nodiscard]] std::string client_id(const std::string& name) const;
  [[nodiscard]] std::string client_secret(const std::string& name) const;
  // An .env file's text holding that token's client ID and secret.
  [[nodiscard]] std::string token_env_text(const std::string& name = "monitoring") const;
  // --api-url, --resolve and --ca-file for the API checks, and their environment with
  // the config's API token `name` and account.
  [[nodiscard]] std::vector<std::string> api_args() const;
  [[nodiscard]] std::map<std::string, std::string> api_env(const std::string& name = "admin") const;
  // What the emulator found against the schema so far, one line each.
  [[nodiscard]] std::vector<std::string> contract_violations() const;
  // Fails the running test once for every violation not reported yet.
  void expect_contract_kept();

 private:
  TempDir state_;
  nlohmann::json config_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::size_t reported_ = 0;
};

// cf-fault-server (tests/faults) as a child process; stopped on destruction.
class FaultServer {
 public:
  explicit FaultServer(const std::string& program);
  ~FaultServer();
  FaultServer(const FaultServer&) = delete;
  FaultServer& operator=(const FaultServer&) = delete;

  // https://<fault>.fault.test:<port>/ plus the --resolve and --ca-file args for it.
  [[nodiscard]] std::string url(const std::string& fault) const;
  [[nodiscard]] std::vector<std::string> connection_args(const std::string& fault) const;

 private:
  TempDir state_;
  pid_t pid_ = -1;
  std::map<std::string, int> ports_;
};

// The emulator shared by all tests of one binary (started on first use).
Emulator& shared_emulator();

// A port on 127.0.0.1 that nothing listens on (bound, then released).
int closed_port();

}  // namespace cfmon::testing
