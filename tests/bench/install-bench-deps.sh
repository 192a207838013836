#!/bin/sh
# The peers make bench compares check_cf_access with, installed only if missing: check_curl
# (monitoring-plugins-standard; liburiparser1 is only "recommended" there but check_curl
# needs it) and curl. Not part of CI's packages: no test needs them. Installed the way the
# build's packages are (cmake/install-debian-deps.sh: no service starts, nothing if present).
set -eu
CFMON_PACKAGES="monitoring-plugins-standard liburiparser1 curl openssl" \
  exec sh "$(dirname "$0")/../../cmake/install-debian-deps.sh"
