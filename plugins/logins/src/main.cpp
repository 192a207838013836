// check_cf_access_logins: everything it is and does is declared in logins_descriptor.cpp.
#include "logins_descriptor.hpp"
int main(int argc, char** argv) {
  return cfmon::plugin::run_check(argc, argv, cfmon::logins::descriptor());
}
