# Man pages, one per binary, generated at build time from the binary's --help (help2man,
# Debian package help2man) and installed under share/man/man1.
find_program(CFMON_HELP2MAN help2man)

function(cfmon_add_man_page target)
  if(NOT CFMON_HELP2MAN)
    message(WARNING "help2man not found: no man page for ${target} (install the Debian package help2man)")
    return()
  endif()
  set(page ${CMAKE_BINARY_DIR}/man/${target}.1.gz)
  add_custom_command(
    OUTPUT ${page}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/man
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=$<TARGET_FILE:${target}> -DHELP2MAN=${CFMON_HELP2MAN} -DOUTPUT=${page}
            -P ${PROJECT_SOURCE_DIR}/cmake/GenerateManPage.cmake
    DEPENDS ${target} ${PROJECT_SOURCE_DIR}/cmake/GenerateManPage.cmake
    COMMENT "Man page for ${target} from its --help"
    VERBATIM)
  add_custom_target(${target}_man ALL DEPENDS ${page})
  install(FILES ${page} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endfunction()
