# Debian's hardening flags (dpkg-buildflags with hardening=+all minus what Debian leaves off)
# on the binaries the package ships, in Release-like builds (Release, RelWithDebInfo,
# MinSizeRel): lintian and hardening-check look for them.
#   -D_FORTIFY_SOURCE=2               checked memcpy/sprintf/read...; needs optimisation,
#                                     so Debug builds go without
#   -fstack-protector-strong          stack canaries
#   -Wformat -Werror=format-security  no printf with a non-literal format and no arguments
#   PIE                               position-independent executables (ASLR for the code)
#   -z relro -z now                   the GOT read-only after start, symbols bound at start
# Sanitizer and fuzzing builds keep the defaults their runtimes expect.
# cfmon_hardening() applies them to the calling directory (a macro: directory scope), called
# by plugins/, nagios/, zabbix/ and telegraf/, the directories that build what the shipped
# binaries link; the tests and the emulator keep their own flags.
include(CheckPIESupported)
check_pie_supported(OUTPUT_VARIABLE cfmon_pie_output LANGUAGES CXX)
if(NOT CMAKE_CXX_LINK_PIE_SUPPORTED)
  message(WARNING "PIE is not supported by this linker: ${cfmon_pie_output}")
endif()

macro(cfmon_hardening)
  if(NOT CFMON_SANITIZE AND NOT CFMON_FUZZ)
    set(CMAKE_POSITION_INDEPENDENT_CODE ON)
    set(cfmon_release_like "$<CONFIG:Release,RelWithDebInfo,MinSizeRel>")
    add_compile_options("$<${cfmon_release_like}:-D_FORTIFY_SOURCE=2>"
      "$<${cfmon_release_like}:-fstack-protector-strong>"
      "$<${cfmon_release_like}:-Wformat>"
      "$<${cfmon_release_like}:-Werror=format-security>")
    add_link_options("$<${cfmon_release_like}:LINKER:-z,relro>" "$<${cfmon_release_like}:LINKER:-z,now>")
  endif()
endmacro()
