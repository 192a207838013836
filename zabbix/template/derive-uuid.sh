#!/bin/sh
# Prints the UUID the template uses for a stable name, e.g.
#   derive-uuid.sh 'item_prototype/Cloudflare Access by cfmon/cf.access.state[{#NAME}]'
# md5 of the name, shaped as a version-4 UUID (what Zabbix 6.0 accepts): the same name
# gives the same UUID at every export. tests/ecosystems/zabbix_template_test.cpp checks it.
set -eu
[ $# -eq 1 ] || { echo "usage: $0 'KIND/TEMPLATE/KEY-OR-NAME'" >&2; exit 2; }
h=$(printf '%s' "$1" | md5sum | cut -c1-32)
variant=$(printf '%x' $(( (0x$(printf '%s' "$h" | cut -c17) & 3) | 8 )))
printf '%s4%s%s%s\n' "$(printf '%s' "$h" | cut -c1-12)" "$(printf '%s' "$h" | cut -c14-16)" "$variant" "$(printf '%s' "$h" | cut -c18-32)"
