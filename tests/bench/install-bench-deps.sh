#!/bin/sh
# The peers make bench compares check_cf_access with, installed only if missing: check_curl
# (monitoring-plugins-standard; liburiparser1 is only "recommended" there but check_curl
# needs it) and curl. Not part of CI's packages: no test needs them.
set -eu

PACKAGES="monitoring-plugins-standard liburiparser1 curl openssl"

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "missing Debian packages:$missing" >&2
  echo "install them with: sudo apt-get install$missing" >&2
  exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# No package script may start a service (as in cmake/install-debian-deps.sh).
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
