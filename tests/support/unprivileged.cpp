#include "support/unprivileged.hpp"

#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

#include "support/temp_dir.hpp"

namespace cfmon::testing {

std::optional<std::string> run_unprivileged(const std::function<std::string()>& fn) {
  if (::geteuid() != 0) return fn();
  int fds[2];
  if (::pipe(fds) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::close(fds[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(2);
    const std::string out = fn();
    const ssize_t written = ::write(fds[1], out.data(), out.size());
    ::_exit(written == static_cast<ssize_t>(out.size()) ? 0 : 3);
  }
  ::close(fds[1]);
  std::string result;
  char buf[512];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) result.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return std::nullopt;
  return result;
}

std::optional<std::string> read_unreadable(const TempDir& dir, const std::string& name, const std::string& content,
                                           const std::function<std::string(const std::string& path)>& read) {
  const std::string path = dir.write(name, content);
  if (::chmod(path.c_str(), 0) != 0 || ::chmod(dir.path().c_str(), 0755) != 0) {
    throw std::runtime_error("chmod in " + dir.path());
  }
  // Root reads anything, so the read runs in a child that dropped to nobody.
  return run_unprivileged([&] { return read(path); });
}

}  // namespace cfmon::testing
