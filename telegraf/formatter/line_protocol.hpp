#pragma once
#include <string>
#include <string_view>

#include "cfmon/result.hpp"

namespace cfmon::telegraf {
// InfluxDB line protocol, one line per leaf result (each target; the root when it has none):
//   measurement,<tags sorted by key: target=<name>, tags_of()> state=<n>i[,<fields_of()>...] [timestamp_ns]
// A root without children in state UNKNOWN (the check could not run) also carries
// message="<its message>" after its fields, and its reason as the result tag like every leaf.
// Empty tag keys/values, duplicate keys and non-finite doubles are skipped; the timestamp is
// written only when Report::timestamp_ns != 0. Exit code 0 when lines were written, else 3.
FormattedOutput format(const Report& report);

// The escapers (one each): measurement, tag key/value and field key, string field value
// (without the surrounding quotes). InfluxDB 1.x rules: measurement escapes ',' and space;
// keys and tag values escape ',' '=' and space; strings escape '"' and '\'. Control characters
// become spaces. In measurement and keys a backslash right before an escaped character or at
// the end becomes '/' (no encoding of it survives every parser); other backslashes stay literal.
// A measurement starting with '#' (a comment line) gets '_' instead.
std::string escape_measurement(std::string_view s);
std::string escape_key(std::string_view s);
std::string escape_string_field(std::string_view s);
}  // namespace cfmon::telegraf
