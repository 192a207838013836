# Plugins start once per probe, often every minute, so what one start costs is what an
# operator pays (make bench, tests/bench/README.md). Measured on one probe:
# - libstdc++, libgcc and Boost.Program_options linked in: no loading and relocating of
#   two more shared libraries, about 1.6 MB less peak RSS and 10% less CPU;
# - unused sections dropped and Release code optimised for size: the kernel maps a
#   binary in whole 64 KB windows, so a smaller one is a smaller RSS (another 0.3 MB);
#   no measurable CPU cost, the time goes to OpenSSL and libcurl;
# - libm stays shared: its static archive (tried for 0.3 MB RSS) cannot link functions
#   such as floor() that glibc resolves through ifuncs (a Debug build failed to link).
# The runtime part is the interface target cfmon_lean_runtime, which every check gets
# through cfmon_plugin_common; the emulator and the test tools keep the shared runtime
# (some link shared C++ libraries, with which a second, static libstdc++ must not mix).
# The compile part (cfmon_lean_compile_options) is called by the directories that build what
# the binaries link: plugins/, nagios/, zabbix/, telegraf/; tests and the emulator keep -O2.
# Sanitizer and fuzzing builds keep the defaults, which their runtimes expect.
# Debian's hardening flags (cmake/Hardening.cmake) apply on top: PIE changes nothing here
# (Debian's gcc already links PIE by default); -z now binds every symbol at start, a cost
# `make bench` would show in CPU per start (not measured when the flags were added).
option(CFMON_LEAN_BINARIES "Static C++ runtime, Boost and libm in the checks; size-optimised Release code" ON)
add_library(cfmon_lean_runtime INTERFACE)
if(CFMON_LEAN_BINARIES AND NOT CFMON_SANITIZE AND NOT CFMON_FUZZ)
  set(Boost_USE_STATIC_LIBS ON)
  target_link_options(cfmon_lean_runtime INTERFACE -static-libstdc++ -static-libgcc LINKER:--gc-sections
    LINKER:--as-needed)
endif()

# A macro, so the options apply to the calling directory (and its subdirectories) only.
macro(cfmon_lean_compile_options)
  if(CFMON_LEAN_BINARIES AND NOT CFMON_SANITIZE AND NOT CFMON_FUZZ)
    add_compile_options(-ffunction-sections -fdata-sections $<$<CONFIG:Release>:-Os>)
  endif()
endmacro()
