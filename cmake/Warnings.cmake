# One place for compiler warnings; applied to every target of ours through cfmon_warnings.
add_library(cfmon_warnings INTERFACE)
target_compile_options(cfmon_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
  $<$<BOOL:${CFMON_WERROR}>:-Werror>)
