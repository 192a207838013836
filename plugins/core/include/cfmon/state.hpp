#pragma once
// Plugin states and the one aggregation order every check uses.
#include <optional>
#include <string_view>

namespace cfmon {

// Values are the Nagios exit codes.
enum class State { ok = 0, warning = 1, critical = 2, unknown = 3 };

// "OK", "WARNING", "CRITICAL", "UNKNOWN".
std::string_view state_name(State s) noexcept;

// Parses ok|warning|critical|unknown (case-insensitive, also 0-3).
std::optional<State> parse_state(std::string_view text) noexcept;

// Aggregation severity: OK < UNKNOWN < WARNING < CRITICAL. A definite problem
// outranks "could not tell" so a broken app is never hidden by a flaky one.
int severity(State s) noexcept;

// The worse of two states by severity().
State worst(State a, State b) noexcept;

}  // namespace cfmon
