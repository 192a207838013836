# Installation layout, man pages and the Debian package (cpack -G DEB).
#   <prefix>/lib/nagios/plugins/   the checks (CFMON_PLUGIN_DIR, set by each check's install())
#   <prefix>/share/doc/cfmon/      README.md, copyright, changelog.gz, the checks' READMEs
#                                  (plugins/<dir>/README.md, from cfmon_add_check)
#   <prefix>/share/doc/cfmon/examples/{nagios,zabbix,telegraf}/
#                                  the Icinga 2 / Nagios / Zabbix / Telegraf configuration
#                                  (installed by nagios/, zabbix/, telegraf/)
#   /etc/nagios-plugins/config/cfmon.cfg
#                                  the Nagios commands where Debian's Nagios 4 reads plugin
#                                  configs (a conffile; nagios/CMakeLists.txt renders it)
#   <prefix>/share/man/man1/       one page per binary, from its --help (cmake/ManPages.cmake)
# The emulator, the tests and the static libraries install nothing.
# Each binary adds its own man page (cfmon_add_check, plugins/cli).
# lintian (tests/ecosystems/package_test.sh) finds no error or warning in the package.

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cfmon)
set(CPACK_PACKAGE_VENDOR "cfmon")
set(CPACK_PACKAGE_CONTACT "cfmon maintainers <cfmon@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "monitoring plugins for apps behind Cloudflare Access")
# Debian's extended description: lines under 80 columns.
set(CPACK_PACKAGE_DESCRIPTION
  "Checks for Nagios, Icinga, Zabbix and Telegraf that probe web apps protected\n"
  "by Cloudflare Access with a service token, and say which of token rejected,\n"
  "login redirect, origin down or tunnel down happened; also service token expiry\n"
  "and service-token logins. Ships Icinga 2 CheckCommands, Nagios commands (in\n"
  "/etc/nagios-plugins/config), a Zabbix agent configuration and template, and a\n"
  "Telegraf snippet under /usr/share/doc/cfmon/examples.")
string(REPLACE ";" "" CPACK_PACKAGE_DESCRIPTION "${CPACK_PACKAGE_DESCRIPTION}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Runtime libraries (libcurl4, libboost-program-options1.74.0, libstdc++6, libc6, ...)
# come from dpkg-shlibdeps (package dpkg-dev) reading the binaries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "icinga2 | nagios4 | zabbix-agent | telegraf")
# The project publishes no homepage yet: no Homepage field.
# Conffiles: CPack marks none by itself.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${CMAKE_CURRENT_LIST_DIR}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

# Debian's documentation: the machine-readable copyright file, the changelog of a native
# package (gzip -9n: reproducible), the top README.
set(cfmon_changelog ${CMAKE_BINARY_DIR}/debian/changelog.gz)
add_custom_command(
  OUTPUT ${cfmon_changelog}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/debian
  COMMAND sh -c "gzip -9n < \"$1\" > \"$2\"" gzip ${CMAKE_CURRENT_LIST_DIR}/debian/changelog ${cfmon_changelog}
  DEPENDS ${CMAKE_CURRENT_LIST_DIR}/debian/changelog
  COMMENT "changelog.gz for the Debian package"
  VERBATIM)
add_custom_target(cfmon_changelog ALL DEPENDS ${cfmon_changelog})
install(FILES ${CMAKE_CURRENT_LIST_DIR}/debian/copyright ${cfmon_changelog} ${PROJECT_SOURCE_DIR}/README.md
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
include(CPack)
