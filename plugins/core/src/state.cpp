#include "cfmon/state.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

#include "cfmon/tables.hpp"

namespace cfmon {

namespace {

constexpr EnumNames<State, 4> kStateNames{{"OK", "WARNING", "CRITICAL", "UNKNOWN"}};
static_assert(kStateNames.ends_with(State::unknown));

// Indexed by State: OK < UNKNOWN < WARNING < CRITICAL.
constexpr std::array<int, 4> kSeverity{0, 2, 3, 1};

}  // namespace

std::string_view state_name(State s) noexcept {
  return kStateNames(s, "UNKNOWN");
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
  const auto i = static_cast<std::size_t>(s);
  return i < kSeverity.size() ? kSeverity[i] : 1;
}

State worst(State a, State b) noexcept {
  return severity(b) > severity(a) ? b : a;
}

}  // namespace cfmon
