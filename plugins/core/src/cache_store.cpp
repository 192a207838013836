#include "cfmon/cache_store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "json_bounded.hpp"

namespace cfmon::detail {
namespace {

constexpr std::size_t kMaxEntryBytes = std::size_t{64} * 1024 * 1024;

std::string errno_text(int err) {
  return std::strerror(err);
}

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

// mkdir -p, every created component 0700.
bool make_dirs(const std::string& path, std::string* problem) {
  std::string partial;
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    partial = path.substr(0, pos);
    if (partial.empty()) continue;
    if (::mkdir(partial.c_str(), 0700) != 0 && errno != EEXIST) {
      *problem = "cannot create cache directory " + partial + ": " + errno_text(errno);
      return false;
    }
  }
  return true;
}

std::int64_t unix_seconds(CacheStore::TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "<scope>-..." or ".<scope>-..." (a temp file): something a CacheStore wrote.
std::optional<std::string_view> scope_of_name(std::string_view name) {
  if (name.starts_with('.')) name.remove_prefix(1);
  if (name.size() <= kScopeChars || name[kScopeChars] != '-' || !is_hex(name.substr(0, kScopeChars)))
    return std::nullopt;
  return name.substr(0, kScopeChars);
}

}  // namespace

std::string sha256_hex(std::string_view data, std::size_t chars) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr);
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length && out.size() < chars; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0x0f];
  }
  return out;
}

CacheLock::~CacheLock() {
  if (fd_ >= 0) {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
}

CacheStore::CacheStore(std::vector<std::string> dirs, std::string scope, std::chrono::seconds ttl)
    : candidates_(std::move(dirs)), scope_(std::move(scope)), ttl_(ttl) {
  for (auto& dir : candidates_) {
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  }
  if (!candidates_.empty()) dir_ = candidates_.front();
}

std::string CacheStore::path_for(const std::string& request) const {
  return dir_ + "/" + scope_ + "-" + sha256_hex(scope_ + "\n" + request, 32) + ".json";
}

bool CacheStore::usable_dir(const std::string& dir, bool fallback, std::string* problem) {
  if (dir.empty() || dir.front() != '/') {
    *problem = "the cache directory must be an absolute path";
    return false;
  }
  // A fallback in a shared place (/var/cache/cfmon, /tmp) is only its last component:
  // never a parent others would then find made and owned by us, never a symbolic link.
  if (fallback) {
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      *problem = "cannot create cache directory " + dir + ": " + errno_text(errno);
      return false;
    }
  } else if (!make_dirs(dir, problem)) {
    return false;
  }
  struct stat st {};
  if ((fallback ? ::lstat(dir.c_str(), &st) : ::stat(dir.c_str(), &st)) != 0) {
    *problem = "cannot use cache directory " + dir + ": " + errno_text(errno);
    return false;
  }
  if (!S_ISDIR(st.st_mode)) {
    *problem = "cache directory " + dir + " is not a directory";
    return false;
  }
  // Someone else's directory, or one others can write to, could feed us a forged
  // token list: refuse it rather than trust it.
  if (st.st_uid != ::geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    *problem = "cache directory " + dir + " is not private (must be ours and not group/world-writable)";
    return false;
  }
  // mkdir says nothing of a directory that exists: a read-only one (a HOME that is not
  // ours to write) would leave every entry unwritten without a word.
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    *problem = "cannot write cache directory " + dir + ": " + errno_text(errno);
    return false;
  }
  return true;
}

bool CacheStore::ensure_dir(std::string* problem) {
  if (dir_checked_) {
    if (!dir_ok_) *problem = "no usable cache directory";
    return dir_ok_;
  }
  dir_checked_ = true;
  std::string why;
  for (std::size_t i = 0; i < candidates_.size(); ++i) {
    const auto& dir = candidates_[i];
    std::string this_one;
    if (usable_dir(dir, i > 0, &this_one)) {
      dir_ = dir;
      dir_ok_ = true;
      return true;
    }
    why += (why.empty() ? "" : "; ") + this_one;
  }
  *problem = why.empty() ? "no cache directory given" : why;
  return false;
}

std::optional<nlohmann::json> CacheStore::read(const std::string& request, TimePoint now, std::string* problem) {
  problem->clear();
  if (!ensure_dir(problem)) return std::nullopt;
  const std::string path = path_for(request);
  const int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (raw < 0) {
    if (errno != ENOENT) *problem = "cannot read " + path + ": " + errno_text(errno);
    return std::nullopt;
  }
  Fd fd(raw);
  struct stat st {};
  if (::fstat(fd.fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
      static_cast<std::size_t>(st.st_size) > kMaxEntryBytes) {
    *problem = "ignoring " + path + ": not a regular file of ours of sane size";
    return std::nullopt;
  }
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size));
  std::size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  text.resize(got);
  // Bounded like the answers it holds (one level more for the entry around them).
  detail::JsonParse parsed = detail::JsonParse::ok;
  auto json = detail::parse_json_bounded(text, &parsed, detail::kMaxJsonDepth + 1);
  // Typed checks only: any file may be planted here, and a wrong type must be a miss.
  const auto field = [&](const char* key) { return json.is_object() ? json.find(key) : json.end(); };
  const auto version = field("version");
  const auto stored_request = field("request");
  const auto stored_at = field("stored_at");
  if (json.is_discarded() || !json.is_object() || version == json.end() || !version->is_number_integer() ||
      version->get<std::int64_t>() != 1 || stored_request == json.end() || !stored_request->is_string() ||
      stored_request->get_ref<const std::string&>() != request || stored_at == json.end() ||
      !stored_at->is_number_integer() || !json.contains("data")) {
    *problem = "ignoring malformed cache entry " + path;
    return std::nullopt;
  }
  const auto stored = json["stored_at"].get<std::int64_t>();
  const auto current = unix_seconds(now);
  // An entry from the future means the clock moved back: do not trust its age.
  if (stored > current + 5 || current - stored >= ttl_.count()) return std::nullopt;
  return std::move(json["data"]);
}

std::optional<CacheLock> CacheStore::lock(const std::string& request, std::chrono::milliseconds budget,
                                          std::string* problem) {
  problem->clear();
  if (!ensure_dir(problem)) return std::nullopt;
  std::string path = path_for(request);
  path.replace(path.size() - 5, 5, ".lock");
  const int raw = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (raw < 0) {
    *problem = "cannot open lock " + path + ": " + errno_text(errno);
    return std::nullopt;
  }
  CacheLock held(raw);
  // Poll instead of blocking so a stuck holder cannot outlast this run's budget.
  const auto until = std::chrono::steady_clock::now() + budget;
  for (;;) {
    if (::flock(raw, LOCK_EX | LOCK_NB) == 0) return held;
    if (errno != EWOULDBLOCK && errno != EINTR) {
      *problem = "cannot lock " + path + ": " + errno_text(errno);
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= until) {
      *problem = "another process holds " + path + " past this run's budget";
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

bool CacheStore::write(const std::string& request, const nlohmann::json& data, TimePoint now, std::string* problem) {
  problem->clear();
  if (!ensure_dir(problem)) return false;
  const std::string path = path_for(request);
  const nlohmann::json entry = {{"version", 1}, {"request", request}, {"stored_at", unix_seconds(now)}, {"data", data}};
  const std::string text = entry.dump();
  std::string temp = dir_ + "/." + scope_ + "-XXXXXX";
  const int raw = ::mkstemp(temp.data());
  if (raw < 0) {
    *problem = "cannot create a temporary file in " + dir_ + ": " + errno_text(errno);
    return false;
  }
  bool ok = ::fchmod(raw, 0600) == 0;
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(raw, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  // mtime = stored_at, on the same (injectable) clock, for sweep().
  const std::array<timespec, 2> times{timespec{unix_seconds(now), 0}, timespec{unix_seconds(now), 0}};
  if (ok && ::futimens(raw, times.data()) != 0) ok = false;
  const int saved = errno;
  if (::close(raw) != 0) ok = false;
  if (ok && ::rename(temp.c_str(), path.c_str()) == 0) {
    sweep(now, path.substr(dir_.size() + 1));
    return true;
  }
  *problem = "cannot write cache entry " + path + ": " + errno_text(ok ? errno : saved);
  ::unlink(temp.c_str());
  return false;
}

void CacheStore::sweep(TimePoint now, const std::string& keep) {
  DIR* dir = ::opendir(dir_.c_str());
  if (dir == nullptr) return;
  const int dfd = ::dirfd(dir);
  const std::int64_t current = unix_seconds(now);
  std::vector<std::string> locks;
  std::set<std::string, std::less<>> live;  // entries kept, without ".json"
  live.insert(keep.substr(0, keep.size() - 5));
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    const auto scope = scope_of_name(name);
    if (!scope || name == keep) continue;
    if (name.ends_with(".lock")) {
      locks.push_back(name);
      continue;
    }
    struct stat st {};
    if (::fstatat(dfd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) ||
        st.st_uid != ::geteuid()) {
      continue;
    }
    // Another scope's TTL is unknown here, but never longer than the longest allowed.
    const std::int64_t ttl = *scope == scope_ ? ttl_.count() : kLongestCacheTtl.count();
    const std::int64_t age = current - static_cast<std::int64_t>(st.st_mtime);
    // An entry from the future is never read either (the clock went back).
    if (age >= ttl || age < -5) {
      ::unlinkat(dfd, name.c_str(), 0);
    } else if (name.ends_with(".json")) {
      live.insert(name.substr(0, name.size() - 5));
    }
  }
  // A lock whose entry is gone goes too, unless someone holds it (a refresh under way).
  // One that was opened but not yet locked may survive as an unlinked inode: at worst
  // two processes then ask the API once each.
  for (const auto& name : locks) {
    if (live.contains(std::string_view(name).substr(0, name.size() - 5))) continue;
    const int fd = ::openat(dfd, name.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) continue;
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) ::unlinkat(dfd, name.c_str(), 0);
    ::close(fd);
  }
  ::closedir(dir);
}

bool CacheStore::invalidate_scope(std::string* problem) {
  problem->clear();
  if (!ensure_dir(problem)) return false;
  DIR* dir = ::opendir(dir_.c_str());
  if (dir == nullptr) {
    *problem = "cannot list cache directory " + dir_ + ": " + errno_text(errno);
    return false;
  }
  const std::string prefix = scope_ + "-";
  bool ok = true;
  while (const dirent* entry = ::readdir(dir)) {
    const std::string_view name = entry->d_name;
    if (name.starts_with(prefix) && name.ends_with(".json")) {
      if (::unlink((dir_ + "/" + std::string(name)).c_str()) != 0 && errno != ENOENT) ok = false;
    }
  }
  ::closedir(dir);
  if (!ok) *problem = "cannot remove stale cache entries in " + dir_;
  return ok;
}

}  // namespace cfmon::detail
