#include "cfmon/time_text.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <ctime>

namespace cfmon {
namespace {

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Reads exactly `width` digits at text[pos]; advances pos.
std::optional<int> read_fixed_number(std::string_view text, std::size_t& pos, std::size_t width) {
  if (pos + width > text.size()) return std::nullopt;
  int value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    const char c = text[pos + i];
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += width;
  return value;
}

bool expect_char(std::string_view text, std::size_t& pos, char lower_or_symbol) {
  if (pos >= text.size()) return false;
  const auto c = static_cast<char>(std::tolower(static_cast<unsigned char>(text[pos])));
  if (c != lower_or_symbol) return false;
  ++pos;
  return true;
}

// Fraction digits after the seconds, converted to nanoseconds (extra digits dropped).
std::chrono::nanoseconds read_fraction(std::string_view text, std::size_t& pos) {
  std::int64_t nanos = 0;
  int digits = 0;
  while (pos < text.size() && is_digit(text[pos])) {
    if (digits < 9) {
      nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
    }
    ++pos;
  }
  for (; digits < 9; ++digits) nanos *= 10;
  return std::chrono::nanoseconds{nanos};
}

// "Z" or "+HH:MM"/"-HH:MM" as an offset east of UTC.
std::optional<std::chrono::minutes> read_offset(std::string_view text, std::size_t& pos) {
  if (expect_char(text, pos, 'z')) return std::chrono::minutes{0};
  if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
  const int sign = text[pos] == '-' ? -1 : 1;
  ++pos;
  const auto hours = read_fixed_number(text, pos, 2);
  if (!hours || !expect_char(text, pos, ':')) return std::nullopt;
  const auto minutes = read_fixed_number(text, pos, 2);
  if (!minutes || *hours > 23 || *minutes > 59) return std::nullopt;
  return std::chrono::minutes{sign * (*hours * 60 + *minutes)};
}

}  // namespace

std::optional<TimePoint> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  const auto y = read_fixed_number(text, pos, 4);
  if (!y || !expect_char(text, pos, '-')) return std::nullopt;
  const auto mo = read_fixed_number(text, pos, 2);
  if (!mo || !expect_char(text, pos, '-')) return std::nullopt;
  const auto d = read_fixed_number(text, pos, 2);
  if (!d || !expect_char(text, pos, 't')) return std::nullopt;
  const auto h = read_fixed_number(text, pos, 2);
  if (!h || !expect_char(text, pos, ':')) return std::nullopt;
  const auto mi = read_fixed_number(text, pos, 2);
  if (!mi || !expect_char(text, pos, ':')) return std::nullopt;
  const auto s = read_fixed_number(text, pos, 2);
  if (!s) return std::nullopt;
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    if (pos >= text.size() || !is_digit(text[pos])) return std::nullopt;
    fraction = read_fraction(text, pos);
  }
  const auto offset = read_offset(text, pos);
  if (!offset || pos != text.size()) return std::nullopt;
  const year_month_day date{year{*y}, month{static_cast<unsigned>(*mo)}, day{static_cast<unsigned>(*d)}};
  if (!date.ok() || *h > 23 || *mi > 59 || *s > 60) return std::nullopt;
  // In whole seconds first: TimePoint counts nanoseconds in 64 bits (years 1678-2262), and
  // answers hold Go's zero time (0001-01-01, "never") or far expiries (9999-12-31). Those
  // are clamped to the ends of TimePoint instead of overflowing.
  const sys_seconds utc = sys_days{date} + hours{*h} + minutes{*mi} + seconds{*s} - *offset;
  const sys_seconds earliest = time_point_cast<seconds>(TimePoint::min()) + seconds{1};
  const sys_seconds latest = time_point_cast<seconds>(TimePoint::max()) - seconds{1};
  if (utc < earliest) return TimePoint::min();
  if (utc > latest) return TimePoint::max();
  return time_point_cast<TimePoint::duration>(utc) + duration_cast<TimePoint::duration>(fraction);
}

std::string format_rfc3339(TimePoint time) {
  const std::time_t t = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&t, &utc);
  std::array<char, 32> buffer{};
  const auto n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return std::string(buffer.data(), n);
}

std::string span_text(std::chrono::seconds span) {
  const auto n = span.count() < 0 ? -span.count() : span.count();
  auto unit = [](std::int64_t v, const char* one) { return std::to_string(v) + " " + one + (v == 1 ? "" : "s"); };
  if (n >= std::int64_t{2} * 86400) return unit(n / 86400, "day");
  if (n >= std::int64_t{2} * 3600) return unit(n / 3600, "hour");
  if (n >= 60) return unit(n / 60, "minute");
  return "less than a minute";
}

std::chrono::seconds seconds_between(TimePoint from, TimePoint to) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  return duration_cast<seconds>(to.time_since_epoch()) - duration_cast<seconds>(from.time_since_epoch());
}

std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text) {
  struct Unit {
    std::string_view name;
    double nanoseconds;
  };
  // Longest names first so "ms" is not read as "m" followed by garbage.
  static constexpr std::array<Unit, 7> units{
      {{"ns", 1.0}, {"us", 1e3}, {"\xc2\xb5s", 1e3}, {"ms", 1e6}, {"h", 3600e9}, {"m", 60e9}, {"s", 1e9}}};
  if (text.empty()) return std::nullopt;
  if (text == "0") return std::chrono::nanoseconds{0};
  double total = 0.0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t start = pos;
    while (pos < text.size() && (is_digit(text[pos]) || text[pos] == '.')) ++pos;
    if (pos == start) return std::nullopt;
    double number = 0.0;
    // from_chars: locale-independent, and it must consume the whole number.
    const auto parsed = std::from_chars(text.data() + start, text.data() + pos, number);
    if (parsed.ec != std::errc{} || parsed.ptr != text.data() + pos) return std::nullopt;
    const Unit* matched = nullptr;
    for (const auto& unit : units) {
      if (text.substr(pos).starts_with(unit.name)) {
        matched = &unit;
        break;
      }
    }
    if (matched == nullptr) return std::nullopt;  // Go requires a unit (except "0")
    pos += matched->name.size();
    total += number * matched->nanoseconds;
  }
  if (!std::isfinite(total) || total > 9.2e18) return std::nullopt;  // int64 ns, as in Go
  return std::chrono::nanoseconds{static_cast<std::int64_t>(total)};
}

}  // namespace cfmon
