// Nagios plugin output, read back with a small reference parser of the plugin-output
// and perfdata grammar:
//   - format_number prints a plain decimal within 5e-7 of the value (or "U");
//   - format_perfdatum gives one item whose label reads back as sanitize_perf_label(label),
//     whose value reads back as the number, with no character that ends an item;
//   - nagios::format: at most 8192 bytes, newline-terminated lines without other control
//     characters, at most one '|' (the perfdata separator, first line only), unique labels
//     and an exit code equal to the state.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cfmon/perfdata.hpp"
#include "fuzz_support.hpp"
#include "nagios_formatter.hpp"

namespace {

using cfmon::fuzz::visible;

struct ParsedDatum {
  std::string label;
  std::string value;  // number as written, or "U"
  std::string uom;
  std::vector<std::string> thresholds;  // warn;crit;min;max as written
};

// 'label with spaces'=value[uom][;warn[;crit[;min[;max]]]] or label=...; nullopt when malformed.
std::optional<ParsedDatum> parse_item(std::string_view item) {
  ParsedDatum d;
  std::size_t eq = 0;
  if (!item.empty() && item.front() == '\'') {
    const auto close = item.find('\'', 1);
    if (close == std::string_view::npos || close + 1 >= item.size() || item[close + 1] != '=') return std::nullopt;
    d.label = std::string(item.substr(1, close - 1));
    eq = close + 1;
  } else {
    eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) return std::nullopt;
    d.label = std::string(item.substr(0, eq));
  }
  std::string_view rest = item.substr(eq + 1);
  std::vector<std::string_view> parts;
  while (true) {
    const auto semi = rest.find(';');
    parts.push_back(rest.substr(0, semi));
    if (semi == std::string_view::npos) break;
    rest.remove_prefix(semi + 1);
  }
  if (parts.size() > 5) return std::nullopt;
  std::string_view value = parts[0];
  std::size_t n = 0;
  while (n < value.size() && (value[n] == '-' || value[n] == '.' || (value[n] >= '0' && value[n] <= '9'))) ++n;
  if (value == "U") {
    d.value = "U";
  } else {
    if (n == 0) return std::nullopt;
    d.value = std::string(value.substr(0, n));
    d.uom = std::string(value.substr(n));
  }
  for (std::size_t i = 1; i < parts.size(); ++i) d.thresholds.emplace_back(parts[i]);
  return d;
}

// Items are separated by spaces; a quoted label may contain spaces.
std::vector<std::string_view> split_items(std::string_view perf) {
  std::vector<std::string_view> items;
  std::size_t i = 0;
  while (i < perf.size()) {
    if (perf[i] == ' ') {
      ++i;
      continue;
    }
    const std::size_t start = i;
    if (perf[i] == '\'') {
      const auto close = perf.find('\'', i + 1);
      i = close == std::string_view::npos ? perf.size() : close + 1;
    }
    while (i < perf.size() && perf[i] != ' ') ++i;
    items.push_back(perf.substr(start, i - start));
  }
  return items;
}

// Plain decimal: -?D+(.D{1,6})? without trailing zeros in the fraction, never "-0".
bool is_plain_number(std::string_view s) {
  std::size_t i = s.rfind('-', 0) == 0 ? 1 : 0;
  const std::size_t int_start = i;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == int_start) return false;
  if (i < s.size()) {
    if (s[i] != '.') return false;
    const std::size_t frac = ++i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    if (i != s.size() || i == frac || i - frac > 6 || s.back() == '0') return false;
  }
  return s != "-0";
}

void check_number(double v) {
  const std::string s = cfmon::format_number(v);
  if (!std::isfinite(v)) {
    CFMON_FUZZ_CHECK(s == "U", s);
    return;
  }
  CFMON_FUZZ_CHECK(is_plain_number(s), s);
  const double back = std::strtod(s.c_str(), nullptr);
  // Six decimals, rounded: half a millionth, plus the double's own spacing.
  CFMON_FUZZ_CHECK(std::fabs(back - v) <= 5.0001e-7 + std::fabs(v) * 1e-15, s + " for " + std::to_string(v));
}

void check_datum(const cfmon::PerfDatum& d) {
  const std::string item = cfmon::format_perfdatum(d);
  CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(item) && item.find('|') == std::string::npos, visible(item));
  const auto items = split_items(item);
  CFMON_FUZZ_CHECK(items.size() == 1 && items[0] == item, visible(item));
  const auto parsed = parse_item(item);
  CFMON_FUZZ_CHECK(parsed.has_value(), visible(item));
  CFMON_FUZZ_CHECK(parsed->label == cfmon::sanitize_perf_label(d.label), visible(item));
  CFMON_FUZZ_CHECK(parsed->label.find_first_of("'=") == std::string::npos, visible(item));
  if (d.value && std::isfinite(*d.value)) {
    CFMON_FUZZ_CHECK(parsed->value == cfmon::format_number(*d.value), visible(item));
  } else {
    CFMON_FUZZ_CHECK(parsed->value == "U" && parsed->uom.empty(), visible(item));
  }
  for (const auto& t : parsed->thresholds) {
    CFMON_FUZZ_CHECK(t.find_first_of(" ;'=|") == std::string::npos, visible(item));
  }
  if (parsed->thresholds.size() > 2 && !parsed->thresholds[2].empty()) {
    CFMON_FUZZ_CHECK(is_plain_number(parsed->thresholds[2]), visible(item));
  }
  if (parsed->thresholds.size() > 3) CFMON_FUZZ_CHECK(is_plain_number(parsed->thresholds[3]), visible(item));
}

void check_plugin_output(const cfmon::Report& report) {
  const auto out = cfmon::nagios::format(report);
  const std::string& text = out.text;
  CFMON_FUZZ_CHECK(out.exit_code == static_cast<int>(report.root.state), visible(text));
  CFMON_FUZZ_CHECK(text.size() <= cfmon::nagios::kMaxOutputBytes, std::to_string(text.size()));
  CFMON_FUZZ_CHECK(!text.empty() && text.back() == '\n', visible(text));
  CFMON_FUZZ_CHECK(!cfmon::fuzz::has_control(text, true), visible(text));
  const auto first_end = text.find('\n');
  const std::string_view first(text.data(), first_end);
  // Nagios reads perfdata after the first '|' of any line: only one may exist, on line one.
  const auto bar = text.find('|');
  CFMON_FUZZ_CHECK(bar == std::string::npos || (bar < first_end && text.find('|', bar + 1) == std::string::npos),
                   visible(text));
  std::string head(cfmon::state_name(report.root.state));
  CFMON_FUZZ_CHECK(first.find(head) != std::string_view::npos, visible(text));
  if (bar == std::string::npos) return;
  CFMON_FUZZ_CHECK(bar >= 1 && text[bar - 1] == ' ' && bar + 1 < first_end && text[bar + 1] == ' ', visible(text));
  std::set<std::string> labels;
  for (const auto item : split_items(first.substr(bar + 2))) {
    const auto parsed = parse_item(item);
    CFMON_FUZZ_CHECK(parsed.has_value(), visible(item));
    CFMON_FUZZ_CHECK(labels.insert(parsed->label).second, "duplicate label " + visible(parsed->label));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  check_number(cfmon::fuzz::number(in));
  check_datum(cfmon::fuzz::perf_datum(in));
  check_plugin_output(cfmon::fuzz::report(in));
  return 0;
}
