#!/bin/sh
# Installs the Debian packages the build, the demo and the tests need, only those
# missing. Runs as root (CI, fresh machines); as another user it only reports.
set -eu

# CFMON_PACKAGES replaces the list (tests/bench/install-bench-deps.sh installs its peers so).
# nodejs runs the Zabbix template's JavaScript steps (tests/ecosystems/zabbix_template_test.cpp).
# zabbix-proxy-sqlite3 (+ sqlite3 to create its database as README.Debian says, zlib1g-dev to
# read its compressed messages) runs the proxy test (tests/ecosystems/zabbix_proxy_test.cpp).
PACKAGES=${CFMON_PACKAGES:-"build-essential cmake pkg-config git ca-certificates curl openssl
libcurl4-openssl-dev nlohmann-json3-dev libboost-program-options-dev libssl-dev
libgtest-dev libgmock-dev libcpp-httplib-dev
libyaml-cpp-dev help2man dpkg-dev fakeroot file lintian
icinga2-bin icinga2-common nagios4-core zabbix-agent zabbix-proxy-sqlite3 sqlite3 zlib1g-dev influxdb influxdb-client nginx-light
prometheus prometheus-node-exporter
clang-14 libclang-rt-14-dev clang-format clang-tidy
nodejs"}

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
# Daemons in the list must not start from the package scripts: the tests start their own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod 755 /usr/sbin/policy-rc.d
fi
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
