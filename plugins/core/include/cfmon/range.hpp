#pragma once
// Nagios threshold ranges: [@][start:][end], inclusive, "~" = -infinity.
//
//   "10"      alert when < 0 or > 10         (start defaults to 0)
//   "10:"     alert when < 10                (end defaults to +infinity)
//   "~:10"    alert when > 10                (start -infinity)
//   "10:20"   alert when < 10 or > 20
//   "@10:20"  alert when 10 <= value <= 20   ('@' inverts)
//
// Numbers are decimal, optionally signed, with an optional fraction and
// exponent ("-5", "+0.5", ".5", "1e3"); '.' is the decimal separator whatever
// the locale. Surrounding spaces/tabs are ignored. Rejected: empty input, a
// lone '@' or ':', ":10" (no start: write "~:10" or "0:10"), a lone "~",
// start > end, nan/inf, values beyond double range, trailing characters.
#include <optional>
#include <string>
#include <string_view>

#include "cfmon/expected.hpp"

namespace cfmon {

struct Range {
  double start = 0.0;   // -inf when written "~"
  double end = 0.0;     // +inf when omitted after ':'
  bool inside = false;  // '@': alert when inside instead of outside
  std::string text;     // as given (trimmed), for perfdata

  // True when value should raise the alert this range stands for. Both ends
  // are inclusive. NaN always alerts: a value we cannot judge must not pass.
  [[nodiscard]] bool alerts(double value) const noexcept;
};

// Parses the grammar above. Errors are one line and quote the (trimmed) input.
Expected<Range> parse_range(std::string_view text);

// The -w and -c options of a check: each range parsed when its text is given (not
// empty); an error starts with "-w: " or "-c: ".
std::optional<Error> parse_thresholds(std::string_view warning_text, std::string_view critical_text,
                                      std::optional<Range>& warning, std::optional<Range>& critical);

}  // namespace cfmon
