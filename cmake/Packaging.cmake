# Installation layout, man pages and the Debian package (cpack -G DEB).
#   <prefix>/lib/nagios/plugins/   the checks (CFMON_PLUGIN_DIR, set by each check's install())
#   <prefix>/share/cfmon/          the Icinga 2 / Nagios / Zabbix / Telegraf configuration
#                                  (installed by nagios/, zabbix/, telegraf/)
#   <prefix>/share/man/man1/       one page per binary, from its --help
# The emulator, the tests and the static libraries install nothing.
# Each binary adds its own man page (cfmon_add_check, plugins/cli).

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME cfmon)
set(CPACK_PACKAGE_VENDOR "cfmon")
set(CPACK_PACKAGE_CONTACT "cfmon maintainers <cfmon@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "monitoring plugins for apps behind Cloudflare Access")
set(CPACK_PACKAGE_DESCRIPTION
  "Nagios/Icinga/Zabbix/Telegraf checks that probe Cloudflare Access-protected apps with a\n"
  "service token and say which of token rejected, login redirect, origin down or tunnel\n"
  "down happened. Ships Icinga 2 CheckCommands, Nagios commands, a Zabbix agent\n"
  "configuration and template, and a Telegraf snippet under /usr/share/cfmon.")
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
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://localhost/cfmon")
include(CPack)
