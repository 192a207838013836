// check_cf_service_tokens: everything it is and does is declared in tokens_descriptor.cpp.
#include "tokens_descriptor.hpp"
int main(int argc, char** argv) {
  return cfmon::plugin::run_check(argc, argv, cfmon::tokens::descriptor());
}
