#pragma once
// Nagios performance data rendering: the one place labels are quoted and numbers printed.
#include <string>
#include <string_view>

#include "cfmon/result.hpp"

namespace cfmon {

// Locale-independent shortest round-trip-ish number: "0.123", "200", "1e-05" never; plain decimal.
std::string format_number(double value);

// 'label'=value[UOM];[warn];[crit];[min];[max] with the label quoted when needed
// and characters perfdata cannot carry (' = |, newlines) replaced.
std::string format_perfdatum(const PerfDatum& datum);

// Makes a label safe: drops '=' and '\'' and '|' and control characters.
std::string sanitize_perf_label(std::string_view label);

}  // namespace cfmon
