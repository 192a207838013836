#pragma once
#include "cfmon/result.hpp"

namespace cfmon {
// The whole result tree as one JSON document (exit code = overall state).
FormattedOutput format_json(const Report& report);
}  // namespace cfmon
