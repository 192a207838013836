# Plugins start once per probe, often every minute, so what one start costs is what an
# operator pays (make bench, tests/bench/README.md). Measured on one probe:
# - libstdc++, libgcc and Boost.Program_options linked in: no loading and relocating of
#   two more shared libraries, about 1.6 MB less peak RSS and 10% less CPU;
# - unused sections dropped and Release code optimised for size: the kernel maps a
#   binary in whole 64 KB windows, so a smaller one is a smaller RSS (another 0.3 MB);
#   no measurable CPU cost, the time goes to OpenSSL and libcurl.
# Sanitizer and fuzzing builds keep the defaults, which their runtimes expect.
option(CFMON_LEAN_BINARIES "Static C++ runtime and Boost, size-optimised Release code" ON)
if(CFMON_LEAN_BINARIES AND NOT CFMON_SANITIZE AND NOT CFMON_FUZZ)
  set(Boost_USE_STATIC_LIBS ON)
  add_compile_options(-ffunction-sections -fdata-sections $<$<CONFIG:Release>:-Os>)
  add_link_options(-static-libstdc++ -static-libgcc LINKER:--gc-sections)
endif()
