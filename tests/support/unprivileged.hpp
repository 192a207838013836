#pragma once
// Observing permission errors even when the suite runs as root (containers, CI).
#include <functional>
#include <optional>
#include <string>

namespace cfmon::testing {

// Runs fn in a child process that dropped root to nobody (65534) and returns what fn
// returned; nullopt when privileges cannot be dropped. When not root, runs fn directly.
std::optional<std::string> run_unprivileged(const std::function<std::string()>& fn);

class TempDir;

// Writes `content` to `name` in `dir`, makes the file unreadable (mode 000, the directory
// 0755 so that nobody reaches it) and returns what `read` of its path says as an
// unprivileged user; nullopt when privileges cannot be dropped. Throws when chmod fails.
std::optional<std::string> read_unreadable(const TempDir& dir, const std::string& name, const std::string& content,
                                           const std::function<std::string(const std::string& path)>& read);

}  // namespace cfmon::testing
