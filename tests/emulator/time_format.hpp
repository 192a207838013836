#pragma once
// Time text the Cloudflare API speaks: RFC 3339 timestamps and Go duration strings,
// read and written by the same code as the client's (cfmon/time_text.hpp).
#include <chrono>

#include "cfmon/time_text.hpp"

namespace cfmon::emulator {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;

using cfmon::format_rfc3339;
using cfmon::parse_go_duration;
using cfmon::parse_rfc3339;

}  // namespace cfmon::emulator
