// cf-service-token: the admin CLI; main_entry.cpp wires the real world into it.
#include "cli.hpp"
int main(int argc, char** argv) {
  return cfmon::cli::main_entry(argc, argv);
}
