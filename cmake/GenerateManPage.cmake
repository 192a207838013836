# cmake -DPROGRAM=<binary> -DHELP2MAN=<help2man> -DOUTPUT=<file.1.gz> [-DINCLUDES=<a.h2m|b.h2m>]
#       -P GenerateManPage.cmake
# One source of truth: the page is help2man's rendering of the binary's own --help and
# --version; the NAME line is the summary on --help's first line ("prog X.Y - summary" or
# "prog X.Y: summary"), help2man's default without one.
execute_process(COMMAND ${PROGRAM} --help OUTPUT_VARIABLE help RESULT_VARIABLE ignored_exit_code)
if(NOT help)
  message(FATAL_ERROR "${PROGRAM} --help printed nothing")
endif()
set(name_option "")
if(help MATCHES "^[^ \n]+ [0-9][^ \n]*(:| -) ([^\n]+)")
  set(name_option "--name=${CMAKE_MATCH_2}")
endif()
set(include_options "")
# help2man's SYNOPSIS takes the first Usage line only and sends the continuation lines to
# DESCRIPTION: a usage of several lines becomes an included [SYNOPSIS] (which replaces
# help2man's) and its continuation lines leave DESCRIPTION below.
set(usage_lines "")
if(help MATCHES "\nUsage: ([^ \n]+) ([^\n]*\n([ ]+[^ \n][^\n]*\n)+)")
  set(usage_program "${CMAKE_MATCH_1}")
  string(REGEX REPLACE "\n[ ]+" "\n" usage_lines "${CMAKE_MATCH_2}")
  string(REPLACE "-" "\\-" usage_roff "${usage_lines}")
  string(REPLACE "\n|" "\n.br\n|" usage_roff "${usage_roff}")
  # A line starting with '[' would open a section of the include file: \& guards it.
  string(REPLACE "\n[" "\n\\&[" usage_roff "\n${usage_roff}")
  get_filename_component(synopsis "${OUTPUT}" DIRECTORY)
  get_filename_component(page_name "${OUTPUT}" NAME)
  set(synopsis "${synopsis}/${page_name}.synopsis.h2m")
  file(WRITE ${synopsis} "[SYNOPSIS]\n.B ${usage_program}${usage_roff}")
  list(APPEND include_options "--include=${synopsis}")
endif()
string(REPLACE "|" ";" includes "${INCLUDES}")
foreach(include IN LISTS includes)
  list(APPEND include_options "--include=${include}")
endforeach()
execute_process(
  COMMAND ${HELP2MAN} --no-info --no-discard-stderr --section=1 ${name_option} ${include_options} ${PROGRAM}
  OUTPUT_VARIABLE page RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT page)
  message(FATAL_ERROR "help2man failed for ${PROGRAM}")
endif()
if(usage_lines)
  # The continuation lines help2man put in DESCRIPTION, between the summary line and the
  # first option group (.SS): the help of every check has that shape.
  string(REGEX REPLACE "(\n\\.SH DESCRIPTION\n[^\n]*\n)(\\.(IP|TP|br)\n|[^.\n][^\n]*\n)*(\\.SS )" "\\1\\4"
    page "${page}")
endif()
# Debian installs man pages gzip-compressed; -n keeps the build reproducible.
string(REGEX REPLACE "\\.gz$" "" plain "${OUTPUT}")
file(WRITE ${plain} "${page}")
execute_process(COMMAND gzip -9 -n -f ${plain} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip failed for ${plain}")
endif()
