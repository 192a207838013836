#pragma once
// check_cf_access_apps as the family knows it: its info, options, plan, run and discovery.
#include "apps_options.hpp"
#include "cfmon/check.hpp"

namespace cfmon::apps {

// Built on first use (a function-local static: nothing runs before main).
const plugin::CheckDescriptor<AppsOptions, AppsPlan>& descriptor();

}  // namespace cfmon::apps
