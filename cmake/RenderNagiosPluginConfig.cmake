# cmake -DCOMMANDS=<commands.cfg> -DRESOURCE=<resource.cfg> -DOUTPUT=<cfmon.cfg>
#       -P RenderNagiosPluginConfig.cmake
# Renders nagios/nagios4/commands.cfg for Debian's plugin configuration directory
# (/etc/nagios-plugins/config, a cfg_dir of Debian's nagios4.cfg, as monitoring-plugins
# uses): each $USERn$ macro replaced by the path nagios/nagios4/resource.cfg gives it, since
# Debian's resource.cfg defines $USER1$ only. The header comment of commands.cfg (how to
# paste it) gives way to one saying where the paths come from.
file(STRINGS ${RESOURCE} resource_lines REGEX "^\\$USER[0-9]+\\$=")
file(READ ${COMMANDS} commands)
set(paths "")
foreach(line IN LISTS resource_lines)
  string(REGEX MATCH "^(\\$USER[0-9]+\\$)=(.*)$" ignored "${line}")
  set(macro "${CMAKE_MATCH_1}")
  set(path "${CMAKE_MATCH_2}")
  string(REPLACE "${macro}" "${path}" commands "${commands}")
  string(APPEND paths "#   ${macro} ${path}\n")
endforeach()
if(commands MATCHES "\\$USER[0-9]+\\$")
  message(FATAL_ERROR "${COMMANDS} uses a $USERn$ macro that ${RESOURCE} does not define")
endif()
# Drop the leading comment block (up to the first blank line).
string(REGEX REPLACE "^(#[^\n]*\n)+\n" "" commands "${commands}")
file(WRITE ${OUTPUT}
  "# cfmon: Nagios Core 4 commands for the Cloudflare Access checks (package cfmon).\n"
  "# Debian's Nagios 4 reads this directory (cfg_dir=/etc/nagios-plugins/config).\n"
  "# Generated from commands.cfg (/usr/share/doc/cfmon/examples/nagios/nagios4/) with these\n"
  "# paths (resource.cfg there):\n"
  "${paths}"
  "# The files named there hold the credentials (mode 600, owner nagios); see\n"
  "# /usr/share/doc/cfmon/examples/nagios/README.md. Only paths are on the command line.\n\n"
  "${commands}")
