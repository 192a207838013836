#pragma once
// check_cf_access_logins as the family knows it: its info, options, plan and run.
#include "cfmon/check.hpp"
#include "logins_options.hpp"

namespace cfmon::logins {

// Built on first use (a function-local static: nothing runs before main).
const plugin::CheckDescriptor<LoginsOptions, LoginsPlan>& descriptor();

}  // namespace cfmon::logins
