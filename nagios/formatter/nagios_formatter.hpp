#pragma once
#include <cstddef>
#include <string>
#include <string_view>

#include "cfmon/result.hpp"

namespace cfmon::nagios {

// Nagios Core reads at most this many bytes of plugin output.
inline constexpr std::size_t kMaxOutputBytes = 8192;

// Nagios/Icinga plugin output: first line "LABEL STATE - text | perfdata",
// long output lines after it; exit code = state; at most 8192 bytes; never a '|' in text.
FormattedOutput format(const Report& report);

// The one text escaper for plugin output: '|' (starts perfdata) becomes '/', control
// characters (a newline would start long output) become spaces.
std::string sanitize_text(std::string_view text);

}  // namespace cfmon::nagios
