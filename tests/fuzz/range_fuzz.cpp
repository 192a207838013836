// Threshold ranges on arbitrary text: never crashes; errors are one printable line;
// an accepted range follows the documented grammar, is ordered and finite (or ~ / open
// end), re-parses from its own text, and alerts exactly as its definition says.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "cfmon/range.hpp"
#include "fuzz_support.hpp"

namespace {

using cfmon::fuzz::visible;

bool digit(char c) {
  return c >= '0' && c <= '9';
}

// [+-]? (D+ (. D*)? | . D+) ([eE] [+-]? D+)?
bool is_decimal(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t mantissa_digits = 0;
  while (i < s.size() && digit(s[i])) ++i, ++mantissa_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && digit(s[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exponent_digits = 0;
    while (i < s.size() && digit(s[i])) ++i, ++exponent_digits;
    if (exponent_digits == 0) return false;
  }
  return i == s.size();
}

// [@] (N | START ':' [N]) with START = '~' | N.
bool in_grammar(std::string_view s) {
  if (!s.empty() && s.front() == '@') s.remove_prefix(1);
  const auto colon = s.find(':');
  if (colon == std::string_view::npos) return is_decimal(s);
  const auto start = s.substr(0, colon);
  const auto end = s.substr(colon + 1);
  return (start == "~" || is_decimal(start)) && (end.empty() || is_decimal(end));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto r = cfmon::parse_range(text);
  if (!r) {
    cfmon::fuzz::check_error_message(r.error().message, "invalid threshold range");
    return 0;
  }
  CFMON_FUZZ_CHECK(in_grammar(r->text), visible(r->text));
  CFMON_FUZZ_CHECK(text.find(r->text) != std::string_view::npos, visible(text));
  CFMON_FUZZ_CHECK(!std::isnan(r->start) && !std::isnan(r->end) && r->start <= r->end, visible(text));
  CFMON_FUZZ_CHECK(std::isfinite(r->start) || r->start == -std::numeric_limits<double>::infinity(), visible(text));
  CFMON_FUZZ_CHECK(std::isfinite(r->end) || r->end == std::numeric_limits<double>::infinity(), visible(text));
  CFMON_FUZZ_CHECK(r->inside == (r->text.front() == '@'), visible(text));

  const auto again = cfmon::parse_range(r->text);
  CFMON_FUZZ_CHECK(
      again && again->start == r->start && again->end == r->end && again->inside == r->inside && again->text == r->text,
      visible(text));

  const double inf = std::numeric_limits<double>::infinity();
  const double middle = std::isfinite(r->start) && std::isfinite(r->end) ? r->start / 2 + r->end / 2 : 0.0;
  for (const double v :
       {r->start, r->end, std::nextafter(r->start, -inf), std::nextafter(r->end, inf), 0.0, middle, -inf, inf}) {
    const bool within = v >= r->start && v <= r->end;
    CFMON_FUZZ_CHECK(r->alerts(v) == (r->inside ? within : !within), visible(text) + " at " + std::to_string(v));
  }
  CFMON_FUZZ_CHECK(r->alerts(std::numeric_limits<double>::quiet_NaN()), visible(text));
  return 0;
}
