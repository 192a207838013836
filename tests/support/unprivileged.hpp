#pragma once
// Observing permission errors even when the suite runs as root (containers, CI).
#include <functional>
#include <optional>
#include <string>

namespace cfmon::testing {

// Runs fn in a child process that dropped root to nobody (65534) and returns what fn
// returned; nullopt when privileges cannot be dropped. When not root, runs fn directly.
std::optional<std::string> run_unprivileged(const std::function<std::string()>& fn);

}  // namespace cfmon::testing
