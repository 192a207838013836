#include "cfmon/perfdata.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>

namespace cfmon {
namespace {

bool is_control(char c) noexcept {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x20 || u == 0x7f;
}

bool is_ascii_alpha(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// UOMs are a short fixed vocabulary (s, ms, %, B, KB, c, ...): anything else,
// digits in particular, would merge into the value or the next field.
std::string sanitize_uom(std::string_view uom) {
  std::string out;
  for (char c : uom) {
    if (is_ascii_alpha(c) || c == '%') out += c;
  }
  return out;
}

// Range::text comes from the user; keep only what cannot break the datum.
std::string sanitize_range_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (is_control(c) || c == ' ' || c == ';' || c == '\'' || c == '=' || c == '|') continue;
    out += c;
  }
  return out;
}

std::string optional_number(const std::optional<double>& v) {
  if (!v || !std::isfinite(*v)) return {};
  return format_number(*v);
}

}  // namespace

std::string format_number(double value) {
  if (!std::isfinite(value)) return "U";
  // DBL_MAX in fixed notation has 309 integer digits; 6 decimals, sign and '.' fit easily.
  std::array<char, 400> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, std::chars_format::fixed, 6);
  if (ec != std::errc{}) return "U";
  std::string s(buf.data(), end);
  // Microsecond resolution is what Nagios tools print for seconds; trailing zeros add nothing.
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  if (s == "-0") s = "0";  // rounding a tiny negative must not print a sign
  return s;
}

std::string sanitize_perf_label(std::string_view label) {
  std::string out;
  out.reserve(label.size());
  for (char c : label) {
    if (c == '\'' || c == '=' || c == '|' || is_control(c)) continue;
    out += c;
  }
  // An empty label is not valid perfdata.
  if (out.empty()) out = "_";
  return out;
}

std::string format_perfdatum(const PerfDatum& datum) {
  const std::string label = sanitize_perf_label(datum.label);
  std::string out;
  // Quote only when needed: parsers split perfdata on spaces.
  if (label.find(' ') != std::string::npos) {
    out += '\'';
    out += label;
    out += '\'';
  } else {
    out += label;
  }
  out += '=';
  if (datum.value && std::isfinite(*datum.value)) {
    out += format_number(*datum.value);
    out += sanitize_uom(datum.uom);
  } else {
    out += 'U';  // a unit on an undeterminable value means nothing
  }

  const std::array<std::string, 4> tail = {
      datum.warn ? sanitize_range_text(datum.warn->text) : std::string{},
      datum.crit ? sanitize_range_text(datum.crit->text) : std::string{},
      optional_number(datum.min),
      optional_number(datum.max),
  };
  std::size_t used = tail.size();
  while (used > 0 && tail[used - 1].empty()) --used;  // trailing empty fields are trimmed
  for (std::size_t i = 0; i < used; ++i) {
    out += ';';
    out += tail[i];
  }
  return out;
}

}  // namespace cfmon
