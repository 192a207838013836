#include "harness.hpp"

#include <algorithm>

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

extern char** environ;

namespace cfmon::testing {
namespace {

std::vector<char*> c_strings(std::vector<std::string>& items) {
  std::vector<char*> out;
  for (auto& s : items) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

std::string read_cmdline(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/cmdline", std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (char& c : text) {
    if (c == '\0') c = ' ';
  }
  return text;
}

}  // namespace

RunResult run(const std::string& program, const std::vector<std::string>& args,
              const std::map<std::string, std::string>& env, std::chrono::milliseconds hard_limit) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) throw std::runtime_error("pipe");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<std::string> env_strings{"PATH=/usr/local/bin:/usr/bin:/bin", "LC_ALL=C"};
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  // Sanitizer settings (the asan test preset sets them) are not part of the environment
  // under test: passed on, a report aborts the binary and fails the test.
  for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
    if (const char* value = std::getenv(name)) env_strings.push_back(std::string(name) + "=" + value);
  }
  auto argv_c = c_strings(argv_strings);
  auto env_c = c_strings(env_strings);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv_c.data(), env_c.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error("cannot start " + program + ": " + std::strerror(rc));
  }

  RunResult result;
  result.cmdline = read_cmdline(pid);
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  bool killed = false;
  char buffer[65536];
  while (open_fds > 0) {
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(hard_limit - elapsed).count();
    if (left <= 0 && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    if (::poll(fds, 2, left > 0 ? static_cast<int>(std::min<long long>(left, 1000)) : 100) < 0 && errno != EINTR) break;
    for (auto& f : fds) {
      if (f.fd < 0 || (f.revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = ::read(f.fd, buffer, sizeof buffer);
      if (n <= 0) {
        ::close(f.fd);
        f.fd = -1;
        --open_fds;
        continue;
      }
      (&f == &fds[0] ? result.out : result.err).append(buffer, static_cast<std::size_t>(n));
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  result.wall = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  result.exit_code = (!killed && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

namespace {

// Starts a server and waits until `ready` says it listens (it writes its ports file
// last); throws if it exits or is not ready within 30 s.
pid_t start_server(std::vector<std::string> argv_strings, const std::function<bool()>& ready) {
  const std::string name = std::filesystem::path(argv_strings.front()).filename().string();
  auto argv_c = c_strings(argv_strings);
  pid_t pid = -1;
  if (posix_spawn(&pid, argv_strings.front().c_str(), nullptr, nullptr, argv_c.data(), environ) != 0) {
    throw std::runtime_error("cannot start " + name);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return pid;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) throw std::runtime_error(name + " exited at start");
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  throw std::runtime_error(name + " did not start listening within 30 s");
}

void stop_server(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  int status = 0;
  ::waitpid(pid, &status, 0);
}

}  // namespace

Emulator::Emulator(const std::string& config_path, std::vector<std::string> extra_args) {
  std::ifstream in(config_path);
  config_ = nlohmann::json::parse(in);
  const std::string port_file = state_.path() + "/port";
  std::vector<std::string> argv{CFMON_EMULATOR, "--config", config_path,  "--state-dir",         state_.path(),
                                "--port",       "0",        "--contract", CFMON_CONTRACT_SCHEMA, "--schema-strict"};
  for (auto& a : extra_args) argv.push_back(std::move(a));
  pid_ = start_server(std::move(argv), [&] {
    std::ifstream port_in(port_file);
    return static_cast<bool>(port_in >> port_) && port_ > 0;
  });
}

Emulator::~Emulator() {
  expect_contract_kept();
  stop_server(pid_);
}

FaultServer::FaultServer(const std::string& program) {
  const std::string ports_file = state_.path() + "/ports";
  pid_ = start_server({program, "--state-dir", state_.path()}, [&] {
    std::ifstream in(ports_file);
    std::string role;
    int port = 0;
    ports_.clear();
    while (in >> role >> port) ports_[role] = port;
    return ports_.count("refused") != 0U;
  });
}

FaultServer::~FaultServer() {
  stop_server(pid_);
}

std::string FaultServer::url(const std::string& fault) const {
  return "https://" + fault + ".fault.test:" + std::to_string(ports_.at("https")) + "/";
}

std::vector<std::string> FaultServer::connection_args(const std::string& fault) const {
  return {"--resolve", fault + ".fault.test:" + std::to_string(ports_.at("https")) + ":127.0.0.1", "--ca-file",
          state_.path() + "/ca.pem"};
}

std::string Emulator::url(const std::string& app, const std::string& path) const {
  return "https://" + app + ".cfemu.test:" + std::to_string(port_) + path;
}

std::vector<std::string> Emulator::connection_args(const std::string& app) const {
  return {"--resolve", app + ".cfemu.test:" + std::to_string(port_) + ":127.0.0.1", "--ca-file", ca_file()};
}

std::string Emulator::client_id(const std::string& name) const {
  for (const auto& t : config_.at("tokens")) {
    if (t.at("name") == name) return t.at("client_id").get<std::string>();
  }
  throw std::runtime_error("no token " + name + " in the emulator config");
}

std::string Emulator::client_secret(const std::string& name) const {
  for (const auto& t : config_.at("tokens")) {
    if (t.at("name") == name) return t.at("client_secret").get<std::string>();
  }
  throw std::runtime_error("no token " + name + " in the emulator config");
}

std::string Emulator::token_env_text(const std::string& name) const {
  return "CF_SERVICE_TOKEN_CLIENT_ID=" + client_id(name) + "\nCF_SERVICE_TOKEN_CLIENT_SECRET=" + client_secret(name) +
         "\n";
}

std::vector<std::string> Emulator::api_args() const {
  const std::string port = std::to_string(port_);
  return {"--api-url", "https://api.cfemu.test:" + port + "/client/v4",
          "--resolve", "api.cfemu.test:" + port + ":127.0.0.1",
          "--ca-file", ca_file()};
}

std::map<std::string, std::string> Emulator::api_env(const std::string& name) const {
  for (const auto& t : config_.at("api").at("api_tokens")) {
    if (t.at("name") == name) {
      return {{"CF_API_TOKEN", t.at("token").get<std::string>()},
              {"CF_ACCOUNT_ID", config_.at("api").at("account_id").get<std::string>()}};
    }
  }
  throw std::runtime_error("no API token " + name + " in the emulator config");
}

std::vector<std::string> Emulator::contract_violations() const {
  std::vector<std::string> lines;
  std::ifstream in(state_.path() + "/contract-violations.jsonl");
  for (std::string line; std::getline(in, line);) {
    const auto record = nlohmann::json::parse(line, nullptr, false);
    lines.push_back(record.is_object() ? record.value("exchange", "") + ": " + record.value("problem", "") : line);
  }
  return lines;
}

void Emulator::expect_contract_kept() {
  const auto lines = contract_violations();
  for (; reported_ < lines.size(); ++reported_) {
    ADD_FAILURE() << "the Cloudflare API schema (tests/contract/) was violated: " << lines[reported_];
  }
}

namespace {

// The shared emulator outlives every test: its violations are checked when the
// program's tests are done (each ctest entry is one test, so that is per test).
class SharedContractCheck : public ::testing::Environment {
 public:
  explicit SharedContractCheck(Emulator& emulator) : emulator_(emulator) {}
  void TearDown() override { emulator_.expect_contract_kept(); }

 private:
  Emulator& emulator_;
};

}  // namespace

Emulator& shared_emulator() {
  static Emulator emulator(CFMON_EMULATOR_CONFIG);
  static const bool registered = [] {
    ::testing::AddGlobalTestEnvironment(new SharedContractCheck(emulator));
    return true;
  }();
  (void)registered;
  return emulator;
}

int closed_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace cfmon::testing
