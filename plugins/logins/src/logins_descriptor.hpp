#pragma once
// check_cf_access_logins as the family knows it: its info, options, plan and run.
#include "cfmon/check.hpp"
#include "logins_options.hpp"

namespace cfmon::logins {

extern const plugin::CheckDescriptor<LoginsOptions, LoginsPlan> kCheck;

}  // namespace cfmon::logins
