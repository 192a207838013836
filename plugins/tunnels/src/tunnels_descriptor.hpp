#pragma once
// check_cf_tunnels: its descriptor for plugin::run_check.
#include "cfmon/check.hpp"
#include "tunnels_options.hpp"

namespace cfmon::tunnels {

const plugin::CheckDescriptor<TunnelsOptions, TunnelsPlan>& descriptor();

}  // namespace cfmon::tunnels
