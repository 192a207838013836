#pragma once
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cfmon/result.hpp"

namespace cfmon::zabbix {
// One compact JSON object per leaf result (each target; the root when it has none):
//   {"name","state","state_text","result" (reason code),"message", then each field of
//    fields_of() under its zabbix_key (omitted when empty), typed}
// The object itself for one leaf, an array of them for several. Keys already present keep
// their first value; non-finite doubles are null; invalid UTF-8 becomes U+FFFD. Exit code 0
// (Zabbix ignores it and reads stdout only).
FormattedOutput format(const Report& report);

// Low-level discovery array: [{"{#NAME}":"..","{#URL}":".."}, ...]; exit code 0.
// Each entry is a list of (macro name without {# }, value) pairs. Names are uppercased and any
// character outside [A-Z0-9_.] becomes '_'; "{#NAME}" is accepted too; empty names are skipped.
FormattedOutput format_discovery(const std::vector<std::vector<std::pair<std::string, std::string>>>& entries);

// The macro name check/normaliser used by format_discovery: "app-url" -> "{#APP_URL}";
// empty string when nothing is left.
std::string discovery_macro(std::string_view name);
}  // namespace cfmon::zabbix
