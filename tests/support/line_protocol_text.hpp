#pragma once
// Reading InfluxDB line protocol back in tests (the unit tests and the fuzz target, which
// includes this header by its relative path: the fuzz build has no test library).
#include <string>
#include <string_view>

namespace cfmon::testing {

// An element's text with the backslash before each of its `specials` removed; other
// backslashes stay.
inline std::string unescape(std::string_view s, std::string_view specials) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && specials.find(s[i + 1]) != std::string_view::npos) ++i;
    out += s[i];
  }
  return out;
}

}  // namespace cfmon::testing
