#!/bin/bash
# The Debian package: cpack -G DEB builds it from the build tree, dpkg installs it into a
# scratch root (its own dpkg database), and the installed check runs. Also: its
# dependencies come from dpkg-shlibdeps and are installed here, it carries the man pages
# and the configuration examples, and nothing of the tests or the emulator.
# usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg dpkg-deb dpkg-shlibdeps readelf file; do
  if ! command -v "$tool" >/dev/null; then
    [ "${CI:-}" = true ] && fail "$tool is missing (cmake/install-debian-deps.sh installs dpkg-dev, file)"
    echo "SKIP: $tool is missing"; exit 0
  fi
done

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cpack -G DEB -B "$scratch/out" --config "$build/CPackConfig.cmake" >"$scratch/cpack.log" 2>&1 ||
  { cat "$scratch/cpack.log"; fail "cpack -G DEB"; }
debs=("$scratch"/out/*.deb)
[ ${#debs[@]} -eq 1 ] && [ -f "${debs[0]}" ] || fail "expected one .deb, got: ${debs[*]}"
deb=${debs[0]}

# Control: runtime dependencies come from dpkg-shlibdeps, no -dev package, all installed here.
dpkg-deb -f "$deb" Package Version Architecture Depends
depends=$(dpkg-deb -f "$deb" Depends)
[ -n "$depends" ] || fail "no Depends"
grep -q -- "-dev" <<<"$depends" && fail "Depends names a -dev package: $depends"
IFS=',' read -ra alternatives <<<"$depends"
depends_names=" "
for alternative in "${alternatives[@]}"; do
  name=$(sed -E 's/^ *([^ (|]+).*/\1/' <<<"$alternative")
  depends_names+="$name "
  dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" ||
    fail "dependency $name is not an installed Debian package"
done

# Content: checks, man pages, configuration; no tests, emulator, headers or libraries.
dpkg-deb -c "$deb" | awk '{print $NF}' >"$scratch/files"
for f in ./usr/lib/nagios/plugins/check_cf_access \
         ./usr/share/man/man1/check_cf_access.1.gz \
         ./usr/share/cfmon/nagios/icinga2/cfmon-commands.conf \
         ./usr/share/cfmon/nagios/nagios4/commands.cfg \
         ./usr/share/cfmon/zabbix/userparameter_cf_access.conf \
         ./usr/share/cfmon/zabbix/userparameter_cf_service_tokens.conf \
         ./usr/share/cfmon/zabbix/template/cfmon_cloudflare_access.yaml \
         ./usr/share/cfmon/telegraf/cf_access.conf \
         ./usr/share/cfmon/prometheus/cfmon-textfile \
         ./usr/share/cfmon/prometheus/cfmon-textfile.service \
         ./usr/share/cfmon/prometheus/cfmon_rules.yml; do
  grep -qxF "$f" "$scratch/files" || fail "$f is not in the package"
done
if grep -E 'emulator|fault|test|/include/|\.a$' "$scratch/files"; then fail "test or build files in the package"; fi
# One man page per shipped binary.
for bin in $(grep -E '^\./usr/lib/nagios/plugins/[^/]+$|^\./usr/bin/[^/]+$' "$scratch/files"); do
  grep -qxF "./usr/share/man/man1/$(basename "$bin").1.gz" "$scratch/files" || fail "no man page for $bin"
done

# dpkg -i into a scratch root with its own database: a clean install, no conflicts.
root="$scratch/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --log=/dev/null --force-depends --force-not-root -i "$deb" >"$scratch/dpkg.log" 2>&1 ||
  { cat "$scratch/dpkg.log"; fail "dpkg -i"; }
dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${Status}\n' cfmon | grep -q "install ok installed" ||
  fail "dpkg does not list cfmon as installed"

# Every shared library a shipped binary needs belongs to a package in Depends.
elves=0
while IFS= read -r bin; do
  file -b "$bin" | grep -q '^ELF' || continue
  elves=$((elves + 1))
  for soname in $(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
    path=$(ldconfig -p | awk -v so="$soname" '$1 == so && !found { print $NF; found = 1 }')
    [ -n "$path" ] || fail "$bin needs $soname, which this system lacks"
    owner=$(dpkg -S "$path" 2>/dev/null || dpkg -S "$(readlink -f "$path")" 2>/dev/null || true)
    owner=${owner%%:*}
    [ -n "$owner" ] || fail "no Debian package owns $path ($soname)"
    [[ $depends_names == *" $owner "* ]] || fail "$(basename "$bin") needs $soname from $owner, not in Depends: $depends"
  done
done < <(find "$root/usr" -type f -perm -u+x)
[ "$elves" -ge 1 ] || fail "no executable in the package"

# The installed binary runs (libraries from this system) and says its version.
set +e
version=$("$root/usr/lib/nagios/plugins/check_cf_access" --version)
rc=$?
set -e
[ $rc -eq 3 ] || fail "--version exited $rc, the plugin guidelines say 3"
[[ $version =~ ^check_cf_access\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "--version printed: $version"
# The man page is the --help text.
zcat "$root/usr/share/man/man1/check_cf_access.1.gz" | grep -q 'targets\\-file' || fail "man page lacks --targets-file"
zcat "$root/usr/share/man/man1/check_cf_access.1.gz" | grep -q '^\.SH NAME' || fail "man page lacks NAME"

dpkg --root="$root" --log=/dev/null --force-not-root -r cfmon >/dev/null 2>&1 || fail "dpkg -r"
[ ! -e "$root/usr/lib/nagios/plugins/check_cf_access" ] || fail "dpkg -r left the check behind"
echo "ok: $(basename "$deb") installs, runs ($version) and removes cleanly"
