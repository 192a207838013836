#pragma once
// Nagios performance data rendering: the one place labels are quoted and numbers printed.
#include <string>
#include <string_view>

#include "cfmon/result.hpp"

namespace cfmon {

// Locale-independent plain decimal, at most 6 decimals, trailing zeros trimmed, never an
// exponent: "0.123", "200", "0" for 1e-7. NaN and infinities print "U".
std::string format_number(double value);

// 'label'=value[UOM];[warn];[crit];[min];[max]: the label is quoted only when it holds a
// space, characters perfdata cannot carry (' = |, control) are dropped, a missing or
// non-finite value prints "U" (without UOM), trailing empty fields are trimmed.
std::string format_perfdatum(const PerfDatum& datum);

// Makes a label safe: drops '=' and '\'' and '|' and control characters; "_" when nothing is left.
std::string sanitize_perf_label(std::string_view label);

}  // namespace cfmon
