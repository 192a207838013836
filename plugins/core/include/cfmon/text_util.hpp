#pragma once
// Small text helpers shared by the parsers (range, dotenv, status map, targets) and the
// admin CLI's .env writer: blanks, BOM, UTF-8 checks, bounded reads of small text files.
// In namespace detail: helpers for the family's own code, not an interface to keep.
#include <fcntl.h>
#include <openssl/crypto.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "cfmon/expected.hpp"
#include "cfmon/printable.hpp"

namespace cfmon::detail {

inline bool is_blank(char c) noexcept {
  return c == ' ' || c == '\t';
}

inline std::string_view trim_blanks(std::string_view s) noexcept {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

inline constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

inline std::string_view strip_bom(std::string_view s) noexcept {
  if (s.substr(0, utf8_bom.size()) == utf8_bom) s.remove_prefix(utf8_bom.size());
  return s;
}

// User input echoed into a one-line error (cfmon/printable.hpp).
using cfmon::printable;

// Index of the first invalid UTF-8 sequence, or npos. Rejects overlongs,
// surrogates and code points above U+10FFFF.
inline std::size_t find_invalid_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      len = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      len = 3;
      if (b0 == 0xE0) lo = 0xA0;
      if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      len = 4;
      if (b0 == 0xF0) lo = 0x90;
      if (b0 == 0xF4) hi = 0x8F;
    } else {
      return i;
    }
    if (s.size() - i < len) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      const unsigned char min = k == 1 ? lo : static_cast<unsigned char>(0x80);
      const unsigned char max = k == 1 ? hi : static_cast<unsigned char>(0xBF);
      if (b < min || b > max) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

inline std::size_t line_of_offset(std::string_view s, std::size_t offset) noexcept {
  std::size_t line = 1;
  for (std::size_t i = 0; i < offset && i < s.size(); ++i) {
    if (s[i] == '\n') ++line;
  }
  return line;
}

// An open file descriptor, closed on destruction.
class FileHandle {
 public:
  explicit FileHandle(int fd) noexcept : fd_(fd) {}
  FileHandle(FileHandle&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  FileHandle& operator=(FileHandle&&) = delete;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle() {
    if (fd_ >= 0) ::close(fd_);
  }
  [[nodiscard]] int fd() const noexcept { return fd_; }

 private:
  int fd_;
};

// How long a pipe, FIFO or device may take to deliver a small configuration file:
// `--env-file <(pass show cf)` is answered at once, a FIFO nobody writes to never is.
inline constexpr int kSlowFileMilliseconds = 2000;

// Opens a small local file for reading without ever blocking (O_NONBLOCK: a FIFO
// without a writer cannot hang the open). Refuses directories, anything larger
// than max_bytes and, when regular_only, anything but a regular file.
inline Expected<FileHandle> open_small_file(const std::string& path, std::size_t max_bytes, std::string_view what,
                                            bool regular_only = false) {
  const std::string prefix = std::string(what) + " '" + printable(path, 200) + "': ";
  if (path.empty()) return make_error(std::string(what) + ": empty path");
  FileHandle file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (file.fd() < 0) {
    const int err = errno;
    switch (err) {
      case ENOENT:
        return make_error(prefix + "no such file");
      case ENOTDIR:
        return make_error(prefix + "no such file (a parent is not a directory)");
      case EACCES:
      case EPERM:
        return make_error(prefix + "permission denied");
      case ELOOP:
        return make_error(prefix + "too many symbolic links");
      case ENAMETOOLONG:
        return make_error(prefix + "path too long");
      case ENXIO:
        return make_error(prefix + "not a regular file (a socket or a device without a driver)");
      default:
        return make_error(prefix + "cannot open (errno " + std::to_string(err) + ")");
    }
  }
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0) return make_error(prefix + "cannot stat");
  if (S_ISDIR(st.st_mode)) return make_error(prefix + "is a directory, not a file");
  if (regular_only && !S_ISREG(st.st_mode)) return make_error(prefix + "not a regular file");
  if (S_ISREG(st.st_mode) && static_cast<std::size_t>(st.st_size) > max_bytes) {
    return make_error(prefix + "too large (" + std::to_string(st.st_size) + " bytes, limit " +
                      std::to_string(max_bytes) + ")");
  }
  return file;
}

// Reads a small configuration text file. `what` names the file's role
// ("env file", "targets file") so the one-line error tells the user which
// option to fix. Never echoes file content (it may hold secrets). Bounded in
// size (max_bytes, whatever stat says: pipes and /proc files lie) and in time
// (kSlowFileMilliseconds for a pipe or FIFO that sends nothing), never blocking.
inline Expected<std::string> read_text_file(const std::string& path, std::size_t max_bytes, std::string_view what) {
  const std::string prefix = std::string(what) + " '" + printable(path, 200) + "': ";
  auto file = open_small_file(path, max_bytes, what);
  if (!file) return file.error();
  const int fd = file->fd();

  std::string data;
  data.reserve(std::min<std::size_t>(max_bytes + 1, std::size_t{64} * 1024));
  char buf[8192];
  const auto fail = [&data, &buf](std::string message) {
    OPENSSL_cleanse(buf, sizeof buf);
    OPENSSL_cleanse(data.data(), data.capacity());
    return make_error(std::move(message));
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSlowFileMilliseconds);
  while (data.size() <= max_bytes) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        pollfd p{fd, POLLIN, 0};
        if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) == 0) {
          return fail(prefix + "nothing to read within " + std::to_string(kSlowFileMilliseconds / 1000) +
                      " s (a FIFO or device nobody writes to?)");
        }
        continue;
      }
      if (errno == EISDIR) return fail(prefix + "is a directory, not a file");
      return fail(prefix + "read error (errno " + std::to_string(errno) + ")");
    }
    if (n == 0) break;
    // Never more than the cap plus one byte: /dev/zero must not fill memory.
    data.append(buf, std::min(static_cast<std::size_t>(n), max_bytes + 1 - data.size()));
  }
  OPENSSL_cleanse(buf, sizeof buf);
  if (data.size() > max_bytes) return fail(prefix + "too large (limit " + std::to_string(max_bytes) + " bytes)");

  const std::string_view text = data;
  if (text.substr(0, 2) == "\xFF\xFE" || text.substr(0, 2) == "\xFE\xFF") {
    return fail(prefix + "is UTF-16 text; save it as UTF-8");
  }
  // Report whichever problem comes first: that is the line a user would inspect.
  const std::size_t nul = text.find('\0');
  const std::size_t bad = find_invalid_utf8(text);
  if (nul != std::string_view::npos && (bad == std::string_view::npos || nul < bad)) {
    return fail(prefix + "line " + std::to_string(line_of_offset(text, nul)) + ": contains a NUL byte (binary file?)");
  }
  if (bad != std::string_view::npos) {
    return fail(prefix + "line " + std::to_string(line_of_offset(text, bad)) + ": not valid UTF-8 text (binary file?)");
  }
  return data;
}

}  // namespace cfmon::detail
