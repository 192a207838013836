#pragma once
// The on-disk store of API reads: read_cache.hpp reads the v4 API through it, check_cf_access
// keeps the Access team keys (JWKS) in it.
//
// One JSON file per request: <dir>/<scope>-<hash of the request>.json holding
// {"version":1, "request": ..., "stored_at": <unix s>, "data": ...}; its mtime is
// stored_at too. The scope (read_cache.hpp: cache_scope) is a hash of everything that decides whom an
// answer came from and how far it can be trusted: API URL, account, a hash of the API
// token, -k, --resolve, --ca-file. So the file names say nothing, two tokens never
// share entries, and an answer fetched with -k never serves a verified run.
// Every write removes the expired entries: of its own scope older than its TTL, of
// other scopes older than the longest TTL, plus the lock of every entry gone (when
// nobody holds it). So the directory holds about one file pair per live request,
// however many TTL windows pass. Files are 0600 in a 0700 directory
// that must belong to us; writes go to a temp file in the same directory and are
// renamed into place, so a reader sees the old entry or the new one, never half.
// A refresh is done under an exclusive flock on <entry>.lock, so concurrent
// invocations that all miss ask the API once and the others read its answer.
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace cfmon::detail {

// --cache-ttl at most (api_options): entries of other scopes older than this are dead.
inline constexpr std::chrono::seconds kLongestCacheTtl{86400};

// Length of a scope: the first characters of a SHA-256 in hex.
inline constexpr std::size_t kScopeChars = 16;

// SHA-256 of `data` as lowercase hex, cut to `chars`.
std::string sha256_hex(std::string_view data, std::size_t chars = 64);

// An exclusive flock, released (and the descriptor closed) on destruction.
class CacheLock {
 public:
  explicit CacheLock(int fd) noexcept : fd_(fd) {}
  ~CacheLock();
  CacheLock(CacheLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
  CacheLock& operator=(CacheLock&&) = delete;
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_ = -1;
};

class CacheStore {
 public:
  using TimePoint = std::chrono::system_clock::time_point;

  // `dirs`: where the cache may live, tried in order; the first usable one holds it. The
  // first is made with its parents; the others (fallbacks in shared places) only as their
  // last component, and never through a symbolic link.
  CacheStore(std::vector<std::string> dirs, std::string scope, std::chrono::seconds ttl);

  // A fresh entry (stored within ttl of `now`), or nullopt; `problem` explains a
  // failure worth logging (left empty on a plain miss).
  std::optional<nlohmann::json> read(const std::string& request, TimePoint now, std::string* problem);

  // Waits up to `budget` (real time) for the entry's refresh lock.
  std::optional<CacheLock> lock(const std::string& request, std::chrono::milliseconds budget, std::string* problem);

  bool write(const std::string& request, const nlohmann::json& data, TimePoint now, std::string* problem);

  // Removes every entry of this scope (after a write through the API).
  bool invalidate_scope(std::string* problem);

  [[nodiscard]] std::string path_for(const std::string& request) const;
  [[nodiscard]] std::chrono::seconds ttl() const { return ttl_; }
  // False once no directory proved usable: the cache is off for this run.
  [[nodiscard]] bool usable() const { return !dir_checked_ || dir_ok_; }

 private:
  bool ensure_dir(std::string* problem);
  static bool usable_dir(const std::string& dir, bool fallback, std::string* problem);
  // Removes expired entries, temp files and orphaned locks; never `keep` (a file name).
  void sweep(TimePoint now, const std::string& keep);

  std::vector<std::string> candidates_;
  std::string dir_;  // the chosen one
  std::string scope_;
  std::chrono::seconds ttl_;
  bool dir_checked_ = false;
  bool dir_ok_ = false;
};

}  // namespace cfmon::detail
