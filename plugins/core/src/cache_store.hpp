#pragma once
// The on-disk cache of API reads (internal to the core; see cloudflare_api.hpp).
//
// One JSON file per request: <dir>/<scope>-<hash of the request>.json holding
// {"version":1, "request": ..., "stored_at": <unix s>, "data": ...}. The scope is a
// hash of API URL, account and a hash of the API token, so the file names say
// nothing and two tokens never share entries. Files are 0600 in a 0700 directory
// that must belong to us; writes go to a temp file in the same directory and are
// renamed into place, so a reader sees the old entry or the new one, never half.
// A refresh is done under an exclusive flock on <entry>.lock, so concurrent
// invocations that all miss ask the API once and the others read its answer.
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace cfmon::detail {

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

  CacheStore(std::string dir, std::string scope, std::chrono::seconds ttl);

  // A fresh entry (stored within ttl of `now`), or nullopt; `problem` explains a
  // failure worth logging (left empty on a plain miss).
  std::optional<nlohmann::json> read(const std::string& request, TimePoint now, std::string* problem);

  // Waits up to `budget` (real time) for the entry's refresh lock.
  std::optional<CacheLock> lock(const std::string& request, std::chrono::milliseconds budget, std::string* problem);

  bool write(const std::string& request, const nlohmann::json& data, TimePoint now, std::string* problem);

  // Removes every entry of this scope (after a write through the API).
  bool invalidate_scope(std::string* problem);

  [[nodiscard]] std::string path_for(const std::string& request) const;

 private:
  bool ensure_dir(std::string* problem);

  std::string dir_;
  std::string scope_;
  std::chrono::seconds ttl_;
  bool dir_checked_ = false;
  bool dir_ok_ = false;
};

}  // namespace cfmon::detail
