# Generates cfmon/version.hpp from project(VERSION) so --version and the User-Agent agree.
configure_file(${CMAKE_CURRENT_LIST_DIR}/version.hpp.in
  ${CMAKE_BINARY_DIR}/generated/cfmon/version.hpp @ONLY)
