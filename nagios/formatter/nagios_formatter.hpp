#pragma once
#include "cfmon/result.hpp"

namespace cfmon::nagios {
// Nagios/Icinga plugin output: first line "LABEL STATE - text | perfdata",
// long output lines after it; exit code = state; at most 8192 bytes; never a '|' in text.
FormattedOutput format(const Report& report);
}  // namespace cfmon::nagios
