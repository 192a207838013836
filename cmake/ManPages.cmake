# Man pages, one per binary, generated at build time from the binary's --help (help2man,
# Debian package help2man) and installed under share/man/man1.
# cfmon_add_man_page(<target> [INCLUDES <file.h2m>...]): help2man --include files add the
# sections --help does not give (EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES); a section in
# several files takes the text of each. cfmon_add_check passes cmake/man/check.h2m (what
# every check shares) and plugins/<dir>/<binary>.h2m when it exists (its EXAMPLES).
find_program(CFMON_HELP2MAN help2man)

function(cfmon_add_man_page target)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "" "INCLUDES")
  if(NOT CFMON_HELP2MAN)
    message(WARNING "help2man not found: no man page for ${target} (install the Debian package help2man)")
    return()
  endif()
  set(page ${CMAKE_BINARY_DIR}/man/${target}.1.gz)
  list(JOIN ARG_INCLUDES "|" includes)  # one argument of the command line
  add_custom_command(
    OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${target}> -DHELP2MAN=${CFMON_HELP2MAN} -DOUTPUT=${page}
            "-DINCLUDES=${includes}" -P ${PROJECT_SOURCE_DIR}/cmake/GenerateManPage.cmake
    DEPENDS ${target} ${PROJECT_SOURCE_DIR}/cmake/GenerateManPage.cmake ${ARG_INCLUDES}
    COMMENT "Man page for ${target} from its --help"
    VERBATIM)
  add_custom_target(${target}_man ALL DEPENDS ${page})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()
