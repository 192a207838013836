#include "cfmon/range.hpp"

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include "cfmon/text_util.hpp"

namespace cfmon {

namespace {

// std::from_chars: locale independent, unlike strtod/istream.
std::optional<double> parse_finite(std::string_view s) {
  // from_chars rejects a leading '+', strtod (what Nagios uses) accepts it.
  if (s.size() > 1 && s.front() == '+' && (s[1] == '.' || (s[1] >= '0' && s[1] <= '9'))) {
    s.remove_prefix(1);
  }
  if (s.empty()) return std::nullopt;
  double value = 0.0;
  const char* const last = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), last, value, std::chars_format::general);
  if (ec != std::errc{} || ptr != last || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

bool Range::alerts(double value) const noexcept {
  if (std::isnan(value)) return true;
  const bool within = value >= start && value <= end;
  return inside ? within : !within;
}

Expected<Range> parse_range(std::string_view text) {
  const std::string_view trimmed = detail::trim_blanks(text);
  const std::string quoted = "'" + detail::printable(trimmed) + "'";
  const auto fail = [&](const std::string& why) {
    return make_error("invalid threshold range " + quoted + ": " + why);
  };
  if (trimmed.empty()) return make_error("invalid threshold range: empty");

  Range range;
  range.text = std::string(trimmed);
  std::string_view rest = trimmed;
  if (rest.front() == '@') {
    range.inside = true;
    rest.remove_prefix(1);
    if (rest.empty()) return fail("'@' must be followed by a range, as in '@10:20'");
  }

  const auto number = [&](std::string_view part) -> Expected<double> {
    if (const auto v = parse_finite(part)) return *v;
    return fail("'" + detail::printable(part) + "' is not a finite number");
  };

  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) {
    // Bare "N" means 0:N.
    if (rest == "~") return fail("'~' only stands for a start, as in '~:10'");
    auto end = number(rest);
    if (!end) return end.error();
    range.start = 0.0;
    range.end = *end;
    if (range.end < 0.0) {
      return fail("a bare number N means 0:N, so it cannot be negative (write '~:N' or 'N:M')");
    }
  } else {
    const std::string_view start_text = rest.substr(0, colon);
    const std::string_view end_text = rest.substr(colon + 1);
    if (start_text.empty()) {
      return fail("missing start before ':' (write '~:N' for no lower bound, '0:N' for 0)");
    }
    if (start_text == "~") {
      range.start = -std::numeric_limits<double>::infinity();
    } else {
      auto start = number(start_text);
      if (!start) return start.error();
      range.start = *start;
    }
    if (end_text.empty()) {
      range.end = std::numeric_limits<double>::infinity();
    } else {
      auto end = number(end_text);
      if (!end) return end.error();
      range.end = *end;
    }
  }
  if (range.start > range.end) {
    return fail("start is greater than end (write 'start:end' with start <= end)");
  }
  return range;
}

std::optional<Error> parse_thresholds(std::string_view warning_text, std::string_view critical_text,
                                      std::optional<Range>& warning, std::optional<Range>& critical) {
  const auto parse_one = [](std::string_view option, std::string_view text,
                            std::optional<Range>& out) -> std::optional<Error> {
    if (text.empty()) return std::nullopt;
    auto parsed = parse_range(text);
    if (!parsed) return Error{std::string(option) + ": " + parsed.error().message};
    out = std::move(*parsed);
    return std::nullopt;
  };
  if (auto e = parse_one("-w", warning_text, warning)) return e;
  return parse_one("-c", critical_text, critical);
}

}  // namespace cfmon
