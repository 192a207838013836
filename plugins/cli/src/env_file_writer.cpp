#include "env_file_writer.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>

#include "cfmon/text_util.hpp"

namespace cfmon {
namespace {

bool is_plain_char(char c) noexcept {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
         std::string_view("_./:@+,=%-").find(c) != std::string_view::npos;
}

// Overwrites a buffer that held secrets before it is freed.
void wipe(std::string& s) noexcept {
  volatile char* p = s.data();
  for (std::size_t i = 0; i < s.size(); ++i) p[i] = '\0';
  s.clear();
}

struct Wiped {
  std::string text;
  Wiped() = default;
  Wiped(const Wiped&) = delete;
  Wiped& operator=(const Wiped&) = delete;
  ~Wiped() { wipe(text); }
};

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

std::string errno_text(int err) {
  switch (err) {
    case ENOENT:
      return "no such file or directory";
    case EACCES:
    case EPERM:
      return "permission denied";
    case EROFS:
      return "read-only file system";
    case ENOSPC:
      return "no space left on device";
    case EDQUOT:
      return "disk quota exceeded";
    case ENOTDIR:
      return "a parent is not a directory";
    case EISDIR:
      return "is a directory";
    case ELOOP:
      return "too many symbolic links (or a symbolic link where none is allowed)";
    case ENAMETOOLONG:
      return "path too long";
    case EIO:
      return "I/O error";
    default:
      return std::strerror(err);
  }
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string name_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::string mode_text(mode_t mode) {
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%04o", static_cast<unsigned>(mode & 07777));
  return buffer;
}

// Waits for an exclusive flock on fd until the deadline; another writer holds
// it only for the few milliseconds a rewrite takes.
bool lock_with_deadline(int fd, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (true) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno != EWOULDBLOCK && errno != EINTR) return false;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
}

// Under the lock, any temp file of ours is the leftover of a killed writer
// (it may hold a secret): remove it.
void remove_stale_temps(const std::string& dir, const std::string& temp_prefix) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  while (const dirent* e = ::readdir(d)) {
    const std::string_view entry = e->d_name;
    if (entry.size() == temp_prefix.size() + 6 && entry.substr(0, temp_prefix.size()) == temp_prefix) {
      (void)::unlinkat(::dirfd(d), e->d_name, 0);
    }
  }
  ::closedir(d);
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

struct Action {
  enum Kind { keep, replace, remove } kind = keep;
  std::string quoted;
};

}  // namespace

std::string quote_env_value(std::string_view value) {
  if (value.empty()) return "''";
  bool plain = true;
  for (const char c : value) plain = plain && is_plain_char(c);
  if (plain) return std::string(value);
  if (value.find_first_of("'\n\r") == std::string_view::npos) return "'" + std::string(value) + "'";
  return dotenv_double_quoted(value);
}

Expected<std::string> apply_env_changes(std::string_view text, const std::vector<EnvChange>& changes,
                                        EnvWriteOutcome* outcome) {
  // Later changes to a key win; new keys are appended in first-mention order.
  std::vector<std::string> order;
  std::map<std::string, const EnvChange*, std::less<>> final_change;
  for (const auto& c : changes) {
    if (!is_dotenv_key(c.key)) {
      return make_error("invalid key '" + detail::printable(c.key, 60) +
                        "' (use letters, digits, '_' and '.', not starting with a digit or '.')");
    }
    if (c.value) {
      const std::string_view v = c.value->reveal();
      if (v.find('\0') != std::string_view::npos) return make_error("the value of " + c.key + " contains a NUL byte");
      if (detail::find_invalid_utf8(v) != std::string_view::npos) {
        return make_error("the value of " + c.key + " is not valid UTF-8");
      }
    }
    if (final_change.find(c.key) == final_change.end()) order.push_back(c.key);
    final_change[c.key] = &c;
  }

  auto entries = scan_dotenv(text);
  if (!entries) return make_error("cannot be updated safely: " + entries.error().message);

  // The line end the file mostly uses, for appended lines.
  std::size_t crlf = 0;
  std::size_t lf = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\n') continue;
    if (i > 0 && text[i - 1] == '\r') {
      ++crlf;
    } else {
      ++lf;
    }
  }
  const std::string_view eol = crlf > lf ? "\r\n" : "\n";

  std::vector<Action> actions(entries->size());
  EnvWriteOutcome local;
  EnvWriteOutcome& out = outcome != nullptr ? *outcome : local;
  std::vector<std::string> appended;
  for (const auto& key : order) {
    const EnvChange& change = *final_change.at(key);
    std::vector<std::size_t> at;
    for (std::size_t i = 0; i < entries->size(); ++i) {
      if ((*entries)[i].key == key) at.push_back(i);
    }
    for (std::size_t k = 0; k < at.size(); ++k) actions[at[k]].kind = Action::remove;
    if (!change.value) {
      if (!at.empty()) out.removed.push_back(key);
      continue;
    }
    if (at.empty()) {
      appended.push_back(key + "=" + quote_env_value(change.value->reveal()));
      out.appended.push_back(key);
    } else {
      // The last occurrence is the one readers use: replace it, drop the others.
      actions[at.back()] = Action{Action::replace, quote_env_value(change.value->reveal())};
      out.replaced.push_back(key);
    }
  }

  std::string result;
  result.reserve(text.size() + 256);
  std::size_t cursor = 0;
  for (std::size_t i = 0; i < entries->size(); ++i) {
    const DotenvEntry& e = (*entries)[i];
    result.append(text.substr(cursor, e.begin - cursor));
    switch (actions[i].kind) {
      case Action::keep:
        result.append(text.substr(e.begin, e.end - e.begin));
        break;
      case Action::remove:
        break;
      case Action::replace: {
        result.append(text.substr(e.begin, e.value_begin - e.begin));
        result.append(actions[i].quoted);
        const std::string_view rest = text.substr(e.value_end, e.end - e.value_end);
        // "KEY=v#c" would read as the value "v#c": keep a comment a comment.
        if (!rest.empty() && rest.front() == '#') result += ' ';
        result.append(rest);
        wipe(actions[i].quoted);
        break;
      }
    }
    cursor = e.end;
  }
  result.append(text.substr(cursor));
  if (!appended.empty()) {
    if (!result.empty() && result.back() == '\r') {
      // A lone CR at the very end reads as the last line's end: complete it to CRLF (after
      // it, the CR would belong to the line and to an unquoted value).
      result += '\n';
    } else if (!result.empty() && result.back() != '\n' && !detail::strip_bom(result).empty()) {
      result.append(eol);
    }
    for (auto& line : appended) {
      result.append(line);
      result.append(eol);
      wipe(line);
    }
  }

  // Never write a file that would not read back as intended: this compares
  // every key, so an unrelated entry cannot be damaged either.
  auto before = parse_dotenv(text);
  auto after = parse_dotenv(result);
  bool same = before.has_value() && after.has_value();
  if (same) {
    for (const auto& key : order) {
      const EnvChange& change = *final_change.at(key);
      if (change.value) {
        before->insert_or_assign(key, std::string(change.value->reveal()));
      } else {
        before->erase(key);
      }
    }
    same = *before == *after;
  }
  if (before) {
    for (auto& [k, v] : *before) wipe(v);
  }
  if (after) {
    for (auto& [k, v] : *after) wipe(v);
  }
  if (!same) {
    wipe(result);
    return make_error("internal error: the updated text would not read back as intended; nothing written");
  }
  return result;
}

Expected<EnvWriteOutcome> update_env_file(const std::string& path, const std::vector<EnvChange>& changes,
                                          const EnvWriteOptions& options) {
  return update_env_file(
      path, [&changes](const DotenvMap&) { return changes; }, options);
}

Expected<EnvWriteOutcome> update_env_file(const std::string& path, const EnvChangePlanner& planner,
                                          const EnvWriteOptions& options) {
  if (path.empty()) return make_error("env file: empty path");
  const std::string shown = detail::printable(path, 200);
  const std::string prefix = "env file '" + shown + "': ";

  // A symbolic link stays a link: the file it points to is the one updated.
  std::string target = path;
  struct stat lst {};
  if (::lstat(path.c_str(), &lst) == 0) {
    if (S_ISLNK(lst.st_mode)) {
      char resolved[PATH_MAX];
      if (::realpath(path.c_str(), resolved) == nullptr) {
        const int err = errno;
        if (err == ENOENT) return make_error(prefix + "is a dangling symbolic link");
        return make_error(prefix + "cannot resolve the symbolic link: " + errno_text(err));
      }
      target = resolved;
    }
  } else if (errno != ENOENT) {
    return make_error(prefix + errno_text(errno));
  }
  const std::string dir = directory_of(target);
  const std::string name = name_of(target);
  if (name.empty() || name == "." || name == "..") return make_error(prefix + "is a directory, not a file");

  const std::string lock_path = dir + "/." + name + ".lock";
  Fd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY, 0600));
  if (lock.fd < 0) {
    const int err = errno;
    return make_error(prefix + "cannot create the lock file in '" + detail::printable(dir, 200) +
                      "': " + errno_text(err));
  }
  if (!lock_with_deadline(lock.fd, options.lock_timeout)) {
    return make_error(prefix + "another process holds the lock '" + detail::printable(lock_path, 200) + "' (waited " +
                      std::to_string(options.lock_timeout.count()) + " ms)");
  }
  const std::string temp_prefix = "." + name + ".tmp.";
  remove_stale_temps(dir, temp_prefix);

  // From here on the file cannot change under us (other writers wait).
  EnvWriteOutcome outcome;
  Wiped old_text;
  struct stat st {};
  bool exists = false;
  if (::lstat(target.c_str(), &st) == 0) {
    exists = true;
    if (S_ISDIR(st.st_mode)) return make_error(prefix + "is a directory, not a file");
    if (!S_ISREG(st.st_mode)) return make_error(prefix + "is not a regular file");
    auto text = detail::read_text_file(target, options.max_bytes, "env file");
    if (!text) return text.error();
    old_text.text = std::move(*text);
    wipe(*text);
  } else if (errno != ENOENT) {
    return make_error(prefix + errno_text(errno));
  }
  outcome.created = !exists;

  auto current = parse_dotenv(old_text.text);
  if (!current) return make_error(prefix + "cannot be updated safely: " + current.error().message);
  const std::vector<EnvChange> changes = planner(*current);
  for (auto& [k, v] : *current) wipe(v);

  Wiped new_text;
  {
    auto applied = apply_env_changes(old_text.text, changes, &outcome);
    if (!applied) return make_error(prefix + applied.error().message);
    new_text.text = std::move(*applied);
  }

  if (exists && new_text.text == old_text.text && (st.st_mode & 07777) == 0600) return outcome;
  outcome.changed = true;
  if (exists && (st.st_mode & 077) != 0) {
    outcome.warnings.push_back(prefix + "was open to group or others (mode " + mode_text(st.st_mode) +
                               "); it is now 0600");
  }
  if (exists && st.st_nlink > 1) {
    outcome.warnings.push_back(prefix + "has " + std::to_string(st.st_nlink) +
                               " hard links; only this name gets the new content");
  }

  std::string temp_path = dir + "/" + temp_prefix + "XXXXXX";
  Fd temp(::mkostemp(temp_path.data(), O_CLOEXEC));
  if (temp.fd < 0) {
    const int err = errno;
    return make_error(prefix + "cannot create a temporary file in '" + detail::printable(dir, 200) +
                      "': " + errno_text(err));
  }
  const auto fail = [&](const std::string& what, int err) {
    ::unlink(temp_path.c_str());
    return make_error(prefix + what + ": " + errno_text(err));
  };
  // mkostemp honours the umask; the mode must be exactly 0600 whatever it is.
  if (::fchmod(temp.fd, 0600) != 0) return fail("cannot set mode 0600 on the temporary file", errno);
  if (exists && (st.st_uid != ::geteuid() || st.st_gid != ::getegid())) {
    // Keep the owner when allowed (root editing someone's file); otherwise
    // the file becomes ours, which is what any editor would do. (A (void) cast does not
    // silence warn_unused_result, which _FORTIFY_SOURCE puts on fchown.)
    [[maybe_unused]] const int owner_kept = ::fchown(temp.fd, st.st_uid, st.st_gid);
  }
  if (!write_all(temp.fd, new_text.text)) return fail("cannot write the temporary file", errno);
  if (::fsync(temp.fd) != 0) return fail("cannot sync the temporary file", errno);
  const int temp_fd = temp.fd;
  temp.fd = -1;
  if (::close(temp_fd) != 0) return fail("cannot write the temporary file", errno);
  if (::rename(temp_path.c_str(), target.c_str()) != 0) return fail("cannot replace the file", errno);

  // The rename is durable only once the directory entry is on disk. Past the rename the
  // file holds the new content: a failure here is a warning, never "not written" (a
  // caller would give up on, or print, a secret that is already in the file).
  Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int sync_error = 0;
  if (dir_fd.fd < 0 || (options.sync_directory ? options.sync_directory(dir_fd.fd) : ::fsync(dir_fd.fd)) != 0) {
    sync_error = errno;
  }
  // EINVAL: the file system cannot sync directories; nothing more to do.
  if (sync_error != 0 && sync_error != EINVAL && sync_error != EROFS) {
    outcome.warnings.push_back(prefix + "written, but the directory could not be synced (" + errno_text(sync_error) +
                               "): the new content is in place, but a crash in the next moments could bring "
                               "back the previous file");
  }
  return outcome;
}

}  // namespace cfmon
