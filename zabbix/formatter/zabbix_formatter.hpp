#pragma once
#include <string>
#include <utility>
#include <vector>

#include "cfmon/result.hpp"

namespace cfmon::zabbix {
// One JSON object per target (an array for several); exit code always 0.
FormattedOutput format(const Report& report);

// Low-level discovery array: [{"{#NAME}":"..","{#URL}":".."}, ...]; exit code 0.
// Each entry is a list of (macro name without {# }, value) pairs.
FormattedOutput format_discovery(const std::vector<std::vector<std::pair<std::string, std::string>>>& entries);
}  // namespace cfmon::zabbix
