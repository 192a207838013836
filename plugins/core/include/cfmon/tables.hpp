#pragma once
// Lookup tables instead of switches: a name for each value of an enum whose values
// count up from 0 (and the reverse, the parser), a value for each of a few sparse codes,
// and a character-escape table.

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>

namespace cfmon {

template <typename Enum, std::size_t N>
struct EnumNames {
  std::array<std::string_view, N> names;  // names[i] is the name of Enum(i)

  // The name of value, or fallback for a value outside the table.
  [[nodiscard]] constexpr std::string_view operator()(Enum value, std::string_view fallback) const noexcept {
    const auto i = static_cast<std::size_t>(value);
    return i < N ? names[i] : fallback;
  }

  // The value named text (exactly), or nullopt.
  [[nodiscard]] constexpr std::optional<Enum> parse(std::string_view text) const noexcept {
    for (std::size_t i = 0; i < N; ++i) {
      if (names[i] == text) return static_cast<Enum>(i);
    }
    return std::nullopt;
  }

  // True when last is the table's last value: static_assert(kNames.ends_with(Enum::last))
  // keeps the table in step with the enum's declaration.
  [[nodiscard]] static constexpr bool ends_with(Enum last) noexcept { return static_cast<std::size_t>(last) + 1 == N; }
};

// A value for each of a few sparse codes (HTTP statuses, Cloudflare error numbers,
// libcurl results); CodeNames when the value is a name.
template <typename Code, typename Value, std::size_t N>
struct CodeMap {
  std::array<std::pair<Code, Value>, N> entries;

  // The value of code, or fallback for a code not in the table.
  [[nodiscard]] constexpr Value operator()(Code code, Value fallback) const noexcept {
    for (const auto& [c, value] : entries) {
      if (c == code) return value;
    }
    return fallback;
  }
};

template <typename Code, std::size_t N>
using CodeNames = CodeMap<Code, std::string_view, N>;

// What one character is written as by escape_chars.
struct CharEscape {
  char c;
  std::string_view as;
};

// text with each character found in escapes replaced by its escape.
inline std::string escape_chars(std::string_view text, std::span<const CharEscape> escapes) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const CharEscape* found = nullptr;
    for (const auto& e : escapes) {
      if (e.c == c) found = &e;
    }
    if (found != nullptr) {
      out += found->as;
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace cfmon
