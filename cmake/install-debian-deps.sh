#!/bin/sh
# Installs the Debian packages the build, the demo and the tests need, only those
# missing. Runs as root (CI, fresh machines); as another user it only reports.
set -eu

# CFMON_PACKAGES replaces the list (tests/bench/install-bench-deps.sh installs its peers so).
# nodejs runs the Zabbix template's JavaScript steps (tests/ecosystems/zabbix_template_test.cpp).
# zabbix-proxy-sqlite3 (+ sqlite3 to create its database as README.Debian says, zlib1g-dev to
# read its compressed messages) runs the proxy test (tests/ecosystems/zabbix_proxy_test.cpp).
# postgresql-15, php-cli, php-cgi, php-pgsql, zabbix-frontend-php and the libraries of
# zabbix_server: the real Zabbix server test (tests/ecosystems/zabbix_server_test.cpp);
# php-cgi first satisfies php8.2's "libapache2-mod-php8.2 | php8.2-fpm | php8.2-cgi", so no
# Apache comes in.
PACKAGES=${CFMON_PACKAGES:-"build-essential cmake pkg-config git ca-certificates curl openssl
libcurl4-openssl-dev nlohmann-json3-dev libboost-program-options-dev libssl-dev
libgtest-dev libgmock-dev libcpp-httplib-dev
libyaml-cpp-dev help2man dpkg-dev fakeroot file lintian
icinga2-bin icinga2-common nagios4-core zabbix-agent zabbix-proxy-sqlite3 sqlite3 zlib1g-dev influxdb influxdb-client nginx-light
prometheus prometheus-node-exporter
clang-14 libclang-rt-14-dev clang-format clang-tidy
nodejs
postgresql-15 php-cli php-cgi php-pgsql zabbix-frontend-php
fping libevent-2.1-7 libopenipmi0 libsnmp40 libodbc2 libssh2-1 libpq5 libcurl3-gnutls"}

# zabbix-server-pgsql conflicts with every zabbix-proxy package: it is unpacked, not
# installed, where tests/ecosystems/CMakeLists.txt's CFMON_ZABBIX_SERVER_ROOT points.
ZABBIX_SERVER_ROOT=/usr/local/share/cfmon-test/zabbix-server-pgsql
unpack_zabbix_server() {
  [ -n "${CFMON_PACKAGES:-}" ] && return 0
  [ -x /usr/sbin/zabbix_server ] || [ -x "$ZABBIX_SERVER_ROOT/usr/sbin/zabbix_server" ] && return 0
  [ "$(id -u)" -eq 0 ] || { echo "zabbix_server missing: run this script as root" >&2; return 1; }
  work=$(mktemp -d)
  (cd "$work" && apt-get download -qq zabbix-server-pgsql) &&
    mkdir -p "$ZABBIX_SERVER_ROOT" && dpkg-deb -x "$work"/zabbix-server-pgsql_*.deb "$ZABBIX_SERVER_ROOT"
  rc=$?
  rm -rf "$work"
  return $rc
}

missing=""
for p in $PACKAGES; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing="$missing $p"
  fi
done
if [ -z "$missing" ]; then
  unpack_zabbix_server
  exit $?
fi

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
# php-cgi before zabbix-frontend-php (see above).
for p in php-cgi; do
  case " $missing " in *" $p "*) apt-get install -y -qq --no-install-recommends $p >/dev/null ;; esac
done
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
unpack_zabbix_server
