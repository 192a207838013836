// check_cf_access_apps: everything it is and does is declared in apps_descriptor.cpp.
#include "apps_descriptor.hpp"
int main(int argc, char** argv) {
  return cfmon::plugin::run_check(argc, argv, cfmon::apps::descriptor());
}
