#pragma once
#include <string>
#include <string_view>

#include "cfmon/result.hpp"

namespace cfmon::telegraf {
// InfluxDB line protocol, one line per target; exit code 0 when lines were written.
FormattedOutput format(const Report& report);

// The escapers (one each): measurement, tag key/value and field key, string field value.
std::string escape_measurement(std::string_view s);
std::string escape_key(std::string_view s);
std::string escape_string_field(std::string_view s);
}  // namespace cfmon::telegraf
