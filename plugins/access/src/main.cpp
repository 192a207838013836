// check_cf_access: everything it is and does is declared in access_descriptor.cpp.
#include "access_descriptor.hpp"
int main(int argc, char** argv) {
  return cfmon::plugin::run_check(argc, argv, cfmon::access::descriptor());
}
