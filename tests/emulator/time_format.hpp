#pragma once
// Time text the Cloudflare API speaks: RFC 3339 timestamps and Go duration strings.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cfmon::emulator {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

// "2030-01-01T00:00:00Z", "2030-01-01T00:00:00.123+02:00" (T/Z case-insensitive).
// Fractions are truncated to the clock's precision; nullopt on anything malformed.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// UTC with second precision, the way the API prints expires_at: "2030-01-01T00:00:00Z".
std::string format_rfc3339(TimePoint time);

// Go's time.ParseDuration subset Cloudflare uses: "8760h", "60m", "300ms", "1h30m",
// "1.5h". Units ns us µs ms s m h; no sign. "forever" is not a duration: callers test it.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

}  // namespace cfmon::emulator
