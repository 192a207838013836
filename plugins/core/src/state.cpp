#include "cfmon/state.hpp"

#include <algorithm>
#include <cctype>
#include <string>

namespace cfmon {

std::string_view state_name(State s) noexcept {
  switch (s) {
    case State::ok:
      return "OK";
    case State::warning:
      return "WARNING";
    case State::critical:
      return "CRITICAL";
    case State::unknown:
      return "UNKNOWN";
  }
  return "UNKNOWN";
}

std::optional<State> parse_state(std::string_view text) noexcept {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "ok" || lower == "0") return State::ok;
  if (lower == "warning" || lower == "warn" || lower == "1") return State::warning;
  if (lower == "critical" || lower == "crit" || lower == "2") return State::critical;
  if (lower == "unknown" || lower == "3") return State::unknown;
  return std::nullopt;
}

int severity(State s) noexcept {
  switch (s) {
    case State::ok:
      return 0;
    case State::unknown:
      return 1;
    case State::warning:
      return 2;
    case State::critical:
      return 3;
  }
  return 1;
}

State worst(State a, State b) noexcept {
  return severity(b) > severity(a) ? b : a;
}

}  // namespace cfmon
