#!/bin/bash
# The Debian package: cpack -G DEB builds it from the build tree, lintian finds no error
# or warning in it, dpkg installs it into a scratch root (its own dpkg database), and the
# installed check runs. Also: its dependencies come from dpkg-shlibdeps and are installed
# here, it carries the man pages (with EXIT STATUS, ENVIRONMENT, FILES, EXAMPLES), the
# READMEs and configuration examples under /usr/share/doc/cfmon, the Nagios commands as
# the conffile /etc/nagios-plugins/config/cfmon.cfg (which Debian's stock Nagios 4
# configuration accepts), hardened binaries, and nothing of the tests or the emulator.
# usage: package_test.sh BUILD_DIR
set -euo pipefail
build=$1
fail() { echo "FAIL: $*" >&2; exit 1; }
for tool in cpack dpkg dpkg-deb dpkg-shlibdeps readelf file lintian; do
  if ! command -v "$tool" >/dev/null; then
    [ "${CI:-}" = true ] && fail "$tool is missing (cmake/install-debian-deps.sh installs dpkg-dev, file, lintian)"
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

# lintian, as pedantic as it gets: no error (E:) and no warning (W:). Overrides, if ever
# needed, are shipped and explained in usr/share/lintian/overrides/cfmon.
set +e
lintian -I -E --pedantic --tag-display-limit 0 --fail-on error,warning "$deb" >"$scratch/lintian.log" 2>&1
rc=$?
set -e
cat "$scratch/lintian.log"
[ $rc -eq 0 ] || fail "lintian exited $rc"
if grep -E '^[EW]: ' "$scratch/lintian.log"; then fail "lintian reports errors or warnings"; fi

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

# Content: checks, man pages, documentation, configuration; no tests, emulator, headers or
# libraries.
dpkg-deb -c "$deb" | awk '{print $NF}' >"$scratch/files"
doc=./usr/share/doc/cfmon
for f in ./usr/lib/nagios/plugins/check_cf_access \
         ./usr/share/man/man1/check_cf_access.1.gz \
         $doc/copyright $doc/changelog.gz $doc/README.md $doc/plugins/README.md \
         $doc/examples/nagios/README.md \
         $doc/examples/nagios/icinga2/cfmon-commands.conf \
         $doc/examples/nagios/nagios4/commands.cfg \
         $doc/examples/zabbix/README.md \
         $doc/examples/zabbix/userparameter_cf_access.conf \
         $doc/examples/zabbix/userparameter_cf_service_tokens.conf \
         $doc/examples/zabbix/template/cfmon_cloudflare_access.yaml \
         $doc/examples/telegraf/README.md \
         $doc/examples/telegraf/cf_access.conf $doc/examples/telegraf/grafana-dashboard.json \
         $doc/examples/prometheus/cfmon-textfile \
         $doc/examples/prometheus/cfmon-textfile.service \
         $doc/examples/prometheus/cfmon_rules.yml $doc/examples/prometheus/grafana-dashboard.json \
         $doc/plugins/apps/README.md $doc/plugins/tunnels/README.md \
         ./etc/nagios-plugins/config/cfmon.cfg; do
  grep -qxF "$f" "$scratch/files" || fail "$f is not in the package"
done
if grep -E '^\./usr/share/cfmon/' "$scratch/files"; then fail "files under /usr/share/cfmon (documentation belongs in $doc)"; fi
# The Nagios commands are a conffile: an operator's edits survive upgrades.
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles >"$scratch/conffiles" || fail "no conffiles in the package"
grep -qxF /etc/nagios-plugins/config/cfmon.cfg "$scratch/conffiles" || fail "cfmon.cfg is not a conffile"
if grep -E 'emulator|fault|test|/include/|\.a$' "$scratch/files"; then fail "test or build files in the package"; fi
# One man page per shipped binary, and each check's README (the states tables the
# configurations refer to).
for bin in $(grep -E '^\./usr/lib/nagios/plugins/[^/]+$|^\./usr/bin/[^/]+$' "$scratch/files"); do
  grep -qxF "./usr/share/man/man1/$(basename "$bin").1.gz" "$scratch/files" || fail "no man page for $bin"
done
for readme in "$(dirname "$0")"/../../plugins/*/README.md; do
  dir=$(basename "$(dirname "$readme")")
  case $dir in core | common) continue ;; esac
  grep -qxF "$doc/plugins/$dir/README.md" "$scratch/files" || fail "plugins/$dir/README.md is not in the package"
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
# The full synopsis: every Usage line, not only the first (help2man's default).
synopsis=$(zcat "$root/usr/share/man/man1/check_cf_service_tokens.1.gz" | sed -n '/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p')
grep -qF '\-\-cache\-dir DIR' <<<"$synopsis" || fail "the SYNOPSIS of check_cf_service_tokens stops early: $synopsis"
for page in "$root"/usr/share/man/man1/*.1.gz; do
  sections=$(zcat "$page" | grep '^\.SH' | tr -d '"')
  for section in SYNOPSIS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES; do
    grep -qxF ".SH $section" <<<"$sections" || fail "$(basename "$page") has no $section section"
  done
done

# Hardened binaries (Debian's flags): PIE, full RELRO (relro + bindnow), fortified calls
# and stack protector.
while IFS= read -r bin; do
  file -b "$bin" | grep -q '^ELF' || continue
  name=$(basename "$bin")
  # Whole outputs first: grep -q closing the pipe early would fail readelf under pipefail.
  header=$(readelf -h "$bin") segments=$(readelf -lW "$bin") dynamic=$(readelf -dW "$bin")
  symbols=$(readelf -W --dyn-syms "$bin")
  grep -q 'Type: *DYN' <<<"$header" || fail "$name is not PIE"
  grep -q GNU_RELRO <<<"$segments" || fail "$name has no RELRO"
  grep -qE 'BIND_NOW|FLAGS.*NOW' <<<"$dynamic" || fail "$name is not bound at start (-z now)"
  grep -qE '__[a-z_]+_chk@' <<<"$symbols" || fail "$name calls no fortified function"
  grep -q '__stack_chk_fail@' <<<"$symbols" || fail "$name has no stack protector"
done < <(find "$root/usr" -type f -perm -u+x)

# Debian's stock Nagios 4 configuration with the installed cfmon.cfg in its plugin config
# directory validates (duplicate command names, syntax).
if [ -x /usr/sbin/nagios4 ] && [ -f /etc/nagios4/nagios.cfg ]; then
  # Run as root, nagios4 reads the files as the nagios user: a directory it may read.
  nagios_dir="$scratch/nagios"
  mkdir -p "$nagios_dir/plugins-config"
  chmod 711 "$scratch"
  cp /etc/nagios-plugins/config/*.cfg "$nagios_dir/plugins-config/" 2>/dev/null || true
  cp "$root/etc/nagios-plugins/config/cfmon.cfg" "$nagios_dir/plugins-config/"
  sed "s|^cfg_dir=/etc/nagios-plugins/config\$|cfg_dir=$nagios_dir/plugins-config|" /etc/nagios4/nagios.cfg \
    >"$nagios_dir/nagios.cfg"
  chmod -R a+rX "$nagios_dir"
  grep -qxF "cfg_dir=$nagios_dir/plugins-config" "$nagios_dir/nagios.cfg" ||
    fail "Debian's nagios.cfg has no cfg_dir=/etc/nagios-plugins/config"
  /usr/sbin/nagios4 -v "$nagios_dir/nagios.cfg" >"$scratch/nagios-v.log" 2>&1 ||
    { cat "$scratch/nagios-v.log"; fail "nagios4 -v rejects the stock configuration with cfmon.cfg"; }
  grep -q '^ *command_name *check_cf_access$' "$root/etc/nagios-plugins/config/cfmon.cfg" ||
    fail "cfmon.cfg does not define check_cf_access"
  if grep -n '^[^#]*\$USER[0-9]*\$' "$root/etc/nagios-plugins/config/cfmon.cfg"; then
    fail "cfmon.cfg uses \$USERn\$ macros Debian's resource.cfg does not define"
  fi
elif [ "${CI:-}" = true ]; then
  fail "nagios4 is missing (cmake/install-debian-deps.sh installs nagios4-core)"
fi

dpkg --root="$root" --log=/dev/null --force-not-root -r cfmon >/dev/null 2>&1 || fail "dpkg -r"
[ ! -e "$root/usr/lib/nagios/plugins/check_cf_access" ] || fail "dpkg -r left the check behind"
echo "ok: $(basename "$deb") installs, runs ($version) and removes cleanly"
