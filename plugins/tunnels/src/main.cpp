// check_cf_tunnels: everything it is and does is declared in tunnels_descriptor.cpp.
#include "tunnels_descriptor.hpp"
int main(int argc, char** argv) {
  return cfmon::plugin::run_check(argc, argv, cfmon::tunnels::descriptor());
}
