#pragma once
// Support for the tests that run the real monitoring daemons (Icinga 2, Nagios 4, the
// Zabbix agent, InfluxDB): each one started in a private temporary directory on
// 127.0.0.1, in its own session, and stopped by PID, so nothing is left behind.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace cfmon::testing {

// Where a daemon binary is missing: under CI (CI=true) the test must fail, since CI
// installs everything through cmake/install-debian-deps.sh; locally it may be skipped.
// Returns the reason to skip, or nullopt when `path` is executable. Use through
// CFMON_REQUIRE_TOOL.
std::optional<std::string> missing_tool(const std::string& path, const std::string& package);
bool running_in_ci();

#define CFMON_REQUIRE_TOOL(path, package)                                                \
  do {                                                                                   \
    if (const auto why = ::cfmon::testing::missing_tool(path, package)) {                \
      if (::cfmon::testing::running_in_ci()) FAIL() << *why << " (CI=true: install it)"; \
      GTEST_SKIP() << *why;                                                              \
    }                                                                                    \
  } while (false)

// Polls `done` until it returns true or `limit` passes; returns its last answer. The
// pause between polls only paces the loop: the deadline decides.
bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                std::chrono::milliseconds pace = std::chrono::milliseconds(50));

// The environment Debian's systemd units give the daemons: PATH and the locale, no HOME,
// no XDG_*, nothing of the test's own (for Daemon's `env`).
std::map<std::string, std::string> debian_unit_environment();

// The entries (*.json) an API cache directory holds; empty when it does not exist.
std::vector<std::string> cache_entries(const std::string& dir);

// A daemon in its own session (process group = its PID), stdout and stderr to `log_file`.
// `env` empty: the test's environment; else only PATH and `env`.
class Daemon {
 public:
  Daemon(const std::vector<std::string>& argv, const std::string& log_file,
         const std::map<std::string, std::string>& env = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  [[nodiscard]] pid_t pid() const { return pid_; }
  [[nodiscard]] bool running();
  // SIGTERM to the daemon, then SIGKILL to its process group after `grace`; reaps it.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  pid_t pid_ = -1;
};

// Text helpers (and slurp, from tests/support).
void spit(const std::string& path, const std::string& text, unsigned mode = 0600);
std::string replace_all(std::string text, const std::string& from, const std::string& to);
// Copies `from` to `to`, replacing each key of `paths` by its value (and nothing else).
void copy_with_paths(const std::string& from, const std::string& to, const std::map<std::string, std::string>& paths);
std::string md5_hex(const std::string& data);

// HTTP on 127.0.0.1 through libcurl (test side only).
struct HttpAnswer {
  long status = 0;  // 0: no answer (connection failed)
  std::string body;
  std::string error;
};
struct HttpCall {
  std::string method = "GET";
  std::string url;
  std::string body;
  std::vector<std::string> headers;
  std::string user_password;  // basic auth "user:password"
  std::string ca_file;        // verify the peer with this CA (host name not checked)
  std::chrono::milliseconds timeout{5000};
};
HttpAnswer http(const HttpCall& call);

// The user and group this test runs as: the daemons run as them (root in CI), so the
// tests also work for a developer who is not root.
std::string current_user();
std::string current_group();

// The account Debian's unit runs a daemon as (zabbix, nagios, ...), when the test can
// act as it: the test runs as root and the account exists (CI). Without it (a developer
// who is not root) the daemons run as the test's own user, as above.
struct DaemonAccount {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
};
std::optional<DaemonAccount> daemon_account(const std::string& user);

// Gives `dir` and everything below it to `account`, as the README's install steps give the
// daemon its files (credentials owned by the daemon's user, mode 600); nothing without one.
void give_tree_to(const std::string& dir, const std::optional<DaemonAccount>& account);

// `path` where the daemon's user can read it, whatever the permissions of the build tree
// and of the emulator's state: unchanged without an account, else a copy in `dir` (which
// give_tree_to hands over with the rest). A directory is copied file by file, its symlinks
// followed: the plugin build directory becomes a plugin directory, as
// /usr/lib/nagios/plugins is once installed.
std::string reachable_copy(const std::optional<DaemonAccount>& account, const std::string& path,
                           const std::string& dir);

// The real uid of a running process, -1 when it cannot be read.
long process_uid(pid_t pid);

// `argv` run as `account` (runuser), or unchanged without one.
std::vector<std::string> as_account(const std::optional<DaemonAccount>& account, std::vector<std::string> argv);

// The source tree (for the shipped configuration files).
std::string source_dir();

}  // namespace cfmon::testing
