#pragma once
// Nagios threshold ranges: [@][start:][end], inclusive, "~" = -infinity.
#include <string>
#include <string_view>

#include "cfmon/expected.hpp"

namespace cfmon {

struct Range {
  double start = 0.0;       // -inf when written "~"
  double end = 0.0;         // +inf when omitted after ':'
  bool inside = false;      // '@': alert when inside instead of outside
  std::string text;         // as given, for perfdata

  // True when value should raise the alert this range stands for.
  [[nodiscard]] bool alerts(double value) const noexcept;
};

// "10", "10:", "~:10", "10:20", "@10:20", "-5:5", "1e3", ... Rejects empty input,
// start > end, NaN, garbage, trailing characters. Locale-independent.
Expected<Range> parse_range(std::string_view text);

}  // namespace cfmon
