#pragma once
// check_cf_access as the family knows it: its info, options, plan, run and discovery.
#include "access_options.hpp"
#include "cfmon/check.hpp"

namespace cfmon::access {

extern const plugin::CheckDescriptor<AccessOptions, AccessPlan> kCheck;

}  // namespace cfmon::access
