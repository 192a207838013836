# A check of the family is one folder and one line: `cfmon_add_check(<dir> BINARY <name>)` in
# plugins/CMakeLists.txt. From plugins/<dir>/src it builds
#   cfmon_<dir>_check   a library of every .cpp but main.cpp (what the unit tests link)
#   <name>              the executable from main.cpp, installed in the plugin directory
#                       (so in the Debian package) with a man page from its --help,
#                       cmake/man/check.h2m and plugins/<dir>/<name>.h2m (its EXAMPLES)
#   plugins/<dir>/README.md installed as <docdir>/plugins/<dir>/README.md (the states
#                       tables the shipped configurations refer to)
# and records the check in two global properties the tests read:
#   CFMON_CHECKS           the binaries (plugin-directory symlinks of the daemon tests)
#   CFMON_CHECK_LIBRARIES  the libraries (linked by the unit-test binary)
# cfmon_use_checks(<target>) gives a test target one define per check,
# CFMON_<NAME>="<path of the binary>" (CFMON_CHECK_CF_ACCESS, ...), and builds the checks first.
include(ManPages)

function(cfmon_add_check dir)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "BINARY" "")
  if(NOT ARG_BINARY)
    message(FATAL_ERROR "cfmon_add_check(${dir}): BINARY <name> is required")
  endif()
  set(src ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/src)
  file(GLOB sources CONFIGURE_DEPENDS ${src}/*.cpp)
  list(REMOVE_ITEM sources ${src}/main.cpp)
  set(library cfmon_${dir}_check)
  add_library(${library} STATIC ${sources})
  target_include_directories(${library} PUBLIC ${src})
  target_link_libraries(${library} PUBLIC cfmon_plugin_common PRIVATE cfmon_warnings)

  add_executable(${ARG_BINARY} ${src}/main.cpp)
  target_link_libraries(${ARG_BINARY} PRIVATE ${library} cfmon_warnings)
  install(TARGETS ${ARG_BINARY} RUNTIME DESTINATION ${CFMON_PLUGIN_DIR})
  set(man_includes ${PROJECT_SOURCE_DIR}/cmake/man/check.h2m)
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${ARG_BINARY}.h2m)
    list(APPEND man_includes ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/${ARG_BINARY}.h2m)
  endif()
  cfmon_add_man_page(${ARG_BINARY} INCLUDES ${man_includes})
  if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/${dir}/README.md)
    install(FILES ${dir}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/plugins/${dir})
  else()
    message(WARNING "cfmon_add_check(${dir}): no ${dir}/README.md for the package (plugins/README.md, Adding a check)")
  endif()

  set_property(GLOBAL APPEND PROPERTY CFMON_CHECKS ${ARG_BINARY})
  set_property(GLOBAL APPEND PROPERTY CFMON_CHECK_LIBRARIES ${library})
endfunction()

function(cfmon_use_checks target)
  get_property(checks GLOBAL PROPERTY CFMON_CHECKS)
  foreach(check IN LISTS checks)
    string(TOUPPER "CFMON_${check}" define)
    string(MAKE_C_IDENTIFIER "${define}" define)
    target_compile_definitions(${target} PRIVATE ${define}="$<TARGET_FILE:${check}>")
  endforeach()
  add_dependencies(${target} ${checks})
endfunction()
