#include "state_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>
#include <system_error>

namespace cfmon::emulator {
namespace {

[[noreturn]] void fail_errno(const std::string& what, const std::filesystem::path& path) {
  throw std::runtime_error(what + " " + path.string() + ": " + std::strerror(errno));
}

void write_all(int fd, std::string_view contents, const std::filesystem::path& path) {
  while (!contents.empty()) {
    const ssize_t written = ::write(fd, contents.data(), contents.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      fail_errno("cannot write", path);
    }
    contents.remove_prefix(static_cast<std::size_t>(written));
  }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::string_view contents, mode_t mode) {
  const std::filesystem::path temp =
      path.parent_path() / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  // Created with the final mode from the start: the key is never readable by others,
  // not even for an instant. fchmod because the umask may have narrowed it further.
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) fail_errno("cannot create", temp);
  try {
    if (::fchmod(fd, mode) != 0) fail_errno("cannot chmod", temp);
    write_all(fd, contents, temp);
    if (::fsync(fd) != 0) fail_errno("cannot sync", temp);
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  if (::close(fd) != 0) fail_errno("cannot close", temp);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    ::unlink(temp.c_str());
    fail_errno("cannot rename into", path);
  }
}

void prepare_state_dir(const std::filesystem::path& dir, const TlsMaterial& tls) {
  std::filesystem::create_directories(dir);
  std::filesystem::remove(dir / "port");
  write_file_atomically(dir / "ca.pem", tls.ca_cert_pem(), 0644);
  write_file_atomically(dir / "server.pem", tls.server_cert_pem(), 0644);
  write_file_atomically(dir / "server.key", tls.server_key_pem(), 0600);
}

void publish_port(const std::filesystem::path& dir, int port) {
  write_file_atomically(dir / "port", std::to_string(port) + "\n", 0644);
}

void retract_port(const std::filesystem::path& dir) noexcept {
  std::error_code ignored;
  std::filesystem::remove(dir / "port", ignored);
}

}  // namespace cfmon::emulator
