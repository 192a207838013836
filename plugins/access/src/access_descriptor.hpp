#pragma once
// check_cf_access as the family knows it: its info, options, plan, run and discovery.
#include "access_options.hpp"
#include "cfmon/check.hpp"

namespace cfmon::access {

// Built on first use (a function-local static: nothing runs before main).
const plugin::CheckDescriptor<AccessOptions, AccessPlan>& descriptor();

}  // namespace cfmon::access
