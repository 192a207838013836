// The cf-access-emulator executable as scripts use it: state dir, port file as the
// readiness signal (waited for with inotify, never by sleeping), SIGTERM, exit codes.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <httplib.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

using cfmon::testing::slurp;

// The emulator as a child process with stderr captured in a file.
class EmulatorProcess {
 public:
  EmulatorProcess(std::vector<std::string> args, const fs::path& stderr_path) {
    args.insert(args.begin(), CFEMU_BINARY);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int error = posix_spawn(&pid_, CFEMU_BINARY, &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) throw std::runtime_error("posix_spawn failed");
    // glibc 2.36's <sys/pidfd.h> lacks extern "C" for C++; the raw syscall is portable here.
    pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  }

  ~EmulatorProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_exit();
    }
    if (pidfd_ >= 0) close(pidfd_);
  }

  // Blocks until the child exits; its exit code, or 128+signal.
  int wait_exit() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  void signal(int sig) const { kill(pid_, sig); }
  [[nodiscard]] int pidfd() const { return pidfd_; }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

// Waits until dir/port exists, or the child exits, or 60 s pass. inotify, no polling.
bool wait_for_port_file(const fs::path& dir, const EmulatorProcess& child) {
  const int watch = inotify_init1(IN_CLOEXEC);
  inotify_add_watch(watch, dir.c_str(), IN_MOVED_TO | IN_CLOSE_WRITE);
  bool found = fs::exists(dir / "port");  // after the watch exists: no lost event
  while (!found) {
    std::array<pollfd, 2> fds{{{watch, POLLIN, 0}, {child.pidfd(), POLLIN, 0}}};
    if (poll(fds.data(), fds.size(), 60000) <= 0 || (fds[1].revents & POLLIN) != 0) break;
    std::array<char, 4096> events{};
    if (read(watch, events.data(), events.size()) < 0) break;
    found = fs::exists(dir / "port");
  }
  close(watch);
  return found;
}

class CliTest : public ::testing::Test {
 protected:
  cfmon::testing::TempDir temp;
  fs::path dir = temp.path();
};

TEST_F(CliTest, ServesUntilSigtermThenExitsZero) {
  const fs::path state = dir / "state";  // created by the emulator
  fs::create_directories(state);
  EmulatorProcess child({"--config", CFEMU_DEFAULT_CONFIG, "--state-dir", state.string(), "-v"}, dir / "stderr");
  ASSERT_TRUE(wait_for_port_file(state, child)) << slurp(dir / "stderr");

  const std::string port_text = slurp(state / "port");
  ASSERT_FALSE(port_text.empty());
  EXPECT_EQ(port_text.back(), '\n');
  const int port = std::stoi(port_text);
  EXPECT_GT(port, 0);
  EXPECT_EQ(fs::status(state / "server.key").permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(fs::exists(state / "ca.pem"));
  EXPECT_TRUE(fs::exists(state / "server.pem"));

  const std::string secret = "deadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeefdeadbeef";
  httplib::SSLClient client("ok.cfemu.test", port);
  client.set_hostname_addr_map({{"ok.cfemu.test", "127.0.0.1"}});
  client.set_ca_cert_path((state / "ca.pem").string());
  client.enable_server_certificate_verification(true);
  const auto result = client.Get(
      "/", {{"CF-Access-Client-Id", "feedfacefeedfacefeedfacefeedface.access"}, {"CF-Access-Client-Secret", secret}});
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  client.stop();

  child.signal(SIGTERM);
  EXPECT_EQ(child.wait_exit(), 0);
  EXPECT_FALSE(fs::exists(state / "port"));  // no stale port for the next waiter
  const std::string log = slurp(dir / "stderr");
  EXPECT_NE(log.find("GET ok.cfemu.test"), std::string::npos) << log;  // -v logs requests...
  EXPECT_EQ(log.find(secret), std::string::npos) << log;               // ...never secrets
}

TEST_F(CliTest, BadConfigExitsTwoWithOneLine) {
  std::ofstream(dir / "bad.json") << R"({"team_domain": "x.y", "tokens": [], "apps": [{"name": "a"}]})";
  EmulatorProcess child({"--config", (dir / "bad.json").string(), "--state-dir", (dir / "s").string()}, dir / "stderr");
  EXPECT_EQ(child.wait_exit(), 2);
  const std::string log = slurp(dir / "stderr");
  EXPECT_EQ(std::count(log.begin(), log.end(), '\n'), 1) << log;
  EXPECT_NE(log.find("bad config"), std::string::npos) << log;
  EXPECT_FALSE(fs::exists(dir / "s" / "port"));
}

TEST_F(CliTest, MissingArgumentsExitTwo) {
  EmulatorProcess child({"--config", CFEMU_DEFAULT_CONFIG}, dir / "stderr");
  EXPECT_EQ(child.wait_exit(), 2);
  EXPECT_NE(slurp(dir / "stderr").find("--state-dir is required"), std::string::npos);
}

TEST_F(CliTest, StalePortFileIsRemovedBeforeStart) {
  // A port file left by a crashed run must not be mistaken for readiness.
  std::ofstream(dir / "port") << "1\n";
  std::ofstream(dir / "bad.json") << "{";
  EmulatorProcess child({"--config", (dir / "bad.json").string(), "--state-dir", dir.string()}, dir / "stderr");
  EXPECT_EQ(child.wait_exit(), 2);
  // Config errors stop before the state dir is touched; a valid config clears it:
  // 192.0.2.1 (TEST-NET-1) is on no local interface, so the bind fails after the
  // state dir was prepared.
  EmulatorProcess good({"--config", CFEMU_DEFAULT_CONFIG, "--state-dir", dir.string(), "--listen", "192.0.2.1"},
                       dir / "stderr2");
  EXPECT_EQ(good.wait_exit(), 1);
  EXPECT_NE(slurp(dir / "stderr2").find("cannot listen on 192.0.2.1"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir / "port"));
}

}  // namespace
