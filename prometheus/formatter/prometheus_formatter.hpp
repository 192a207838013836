#pragma once
#include <string>
#include <string_view>

#include "cfmon/metric.hpp"
#include "cfmon/result.hpp"

namespace cfmon::prometheus {
// The Prometheus text exposition format (0.0.4) for node_exporter's textfile collector. Every
// family is a gauge with its HELP and TYPE lines once, its samples together:
//   cfmon_up{check="<measurement>"} 1        0 when the check could not run (a root without
//                                            children in UNKNOWN: usage, configuration, API error)
//   cfmon_state{check,target,reason} 0..3    one per leaf result (each target; the root when it
//                                            has none), the Nagios state and its reason code
//   cfmon_<metric_name()>{check,target} v    one per measurement of each leaf, in first-seen order
// Booleans are 0 or 1, days are written in seconds; strings, unmeasured and non-finite values
// are left out, as are repeated samples (same family and labels: the first stays) and metrics
// named like cfmon_up or cfmon_state. Empty label values are left out. No timestamps (the
// textfile collector refuses files with them) and no "# EOF" (OpenMetrics' end marker: this
// is the Prometheus format, where it would only be a comment). Exit code 0.
FormattedOutput format(const Report& report);

// "cfmon_" + the metric's `prometheus` name, or its field with the unit's suffix (_seconds for
// seconds and days, _bytes; not repeated when the field already ends with it, a field ending
// in _days loses it); characters outside [A-Za-z0-9_] become '_'. Empty when the metric has
// neither a field nor a Prometheus name (it is not exported).
std::string metric_name(const Metric& metric);

// Label values escape '\' '"' and newline; HELP text '\' and newline. Invalid UTF-8 becomes
// U+FFFD (the format is UTF-8).
std::string escape_label_value(std::string_view s);
std::string escape_help(std::string_view s);
}  // namespace cfmon::prometheus
