#pragma once
// Time text the Cloudflare API speaks: RFC 3339 timestamps and Go duration strings.
// Shared by the API client and the emulator.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cfmon {

using TimePoint = std::chrono::system_clock::time_point;

// RFC 3339 ("2030-01-01T00:00:00Z", fractions, offsets; T/Z case-insensitive); nullopt
// when malformed. Instants beyond the clock's range (Go's zero time 0001-01-01, far
// expiries like 9999-12-31) are clamped to its ends instead of overflowing.
std::optional<TimePoint> parse_rfc3339(std::string_view text);

// UTC, second precision: "2030-01-01T00:00:00Z".
std::string format_rfc3339(TimePoint time);

// Go duration subset Cloudflare uses ("8760h", "60m", "1h30m", "300ms", "1.5h"; units
// ns us µs ms s m h; no sign); nullopt when malformed. "forever" is not a duration: test it first.
std::optional<std::chrono::nanoseconds> parse_go_duration(std::string_view text);

// A span as a person reads it, rounded down: "3 days" (from two days on), "5 hours",
// "12 minutes", "less than a minute". Negative spans read as their length.
std::string span_text(std::chrono::seconds span);

// `to - from` in whole seconds without overflow, for any two instants (the clamped ends
// of parse_rfc3339 included, whose nanosecond difference would overflow).
std::chrono::seconds seconds_between(TimePoint from, TimePoint to);

}  // namespace cfmon
