#!/bin/sh
# make lint: the craft the tools enforce.
# - clang-format (.clang-format) in check mode over every tracked C++ file;
# - clang-tidy (.clang-tidy) over the product code (plugins/, nagios/, zabbix/, telegraf/),
#   with the compile commands of the ci build (argument 1, default build/ci).
# Any finding fails; the whole clang-tidy output is kept in <build>/clang-tidy.log.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build/ci}
jobs=${JOBS:-2}

echo "== clang-format"
git ls-files -z '*.cpp' '*.hpp' | xargs -0 clang-format --dry-run -Werror

echo "== clang-tidy ($build/compile_commands.json)"
if [ ! -f "$build/compile_commands.json" ]; then
  echo "lint: no $build/compile_commands.json: configure that build first (cmake --preset ci)" >&2
  exit 1
fi
sources=$(git ls-files 'plugins/*.cpp' 'nagios/*.cpp' 'zabbix/*.cpp' 'telegraf/*.cpp' | sed "s|^|$PWD/|")
# shellcheck disable=SC2086
run-clang-tidy -quiet -p "$build" -j "$jobs" $sources 2>&1 | sed 's/\x1b\[[0-9;]*m//g' > "$build/clang-tidy.log" || true
findings=$(grep -E '^/.*: (warning|error): ' "$build/clang-tidy.log" | sort -u || true)
if [ -n "$findings" ]; then
  echo "$findings"
  echo "lint: clang-tidy findings above (whole output: $build/clang-tidy.log)" >&2
  exit 1
fi
echo "lint: clean"
