#!/usr/bin/env bash
# make bench: check_cf_access against check_curl (monitoring-plugins) and curl, on this
# machine, against the project's emulator on 127.0.0.1. Prints a Markdown report and
# writes it to tests/bench/RESULTS.md.
#
#   tests/bench/run-bench.sh BUILD_DIR
#
# Knobs (environment): BENCH_RUNS (one-app runs per tool, default 30), BENCH_MULTI_RUNS
# (runs of the many-app cases, default 5), BENCH_SEQ_RUNS (runs of the 25 s sequential
# curl loop, default 1), BENCH_OUT (report path, default tests/bench/RESULTS.md).
set -euo pipefail

BUILD=${1:?usage: run-bench.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "$BUILD" && pwd)
CFA=$BUILD/plugins/access/check_cf_access
EMU=$BUILD/tests/emulator/cf-access-emulator
RUNSTAT=$BUILD/tests/bench/cfmon_runstat
CHECK_CURL=/usr/lib/nagios/plugins/check_curl
RUNS=${BENCH_RUNS:-30}
MULTI_RUNS=${BENCH_MULTI_RUNS:-5}
SEQ_RUNS=${BENCH_SEQ_RUNS:-1}
OUT=${BENCH_OUT:-$ROOT/tests/bench/RESULTS.md}
EMULATORS=10   # the estate: EMULATORS emulators of APPS_EACH apps each
APPS_EACH=100  # (a certificate naming 100 hosts, ~3 KB, not one naming all 1000)
DELAY_MS=100   # each estate app answers after this long
XARGS_P=16

for tool in "$CFA" "$EMU" "$RUNSTAT" "$CHECK_CURL" curl openssl awk xargs; do
  command -v "$tool" >/dev/null || { echo "run-bench: missing $tool (make bench installs it)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/cfmon-bench-XXXXXX)
EMU_PIDS=()
cleanup() {
  for pid in "${EMU_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# A fresh token for this run only; every emulator knows it.
ID="$(openssl rand -hex 16).access"
SECRET=$(openssl rand -hex 32)
export CF_SERVICE_TOKEN_CLIENT_ID=$ID CF_SERVICE_TOKEN_CLIENT_SECRET=$SECRET
printf 'CF-Access-Client-Id: %s\nCF-Access-Client-Secret: %s\n' "$ID" "$SECRET" > "$WORK/headers"
chmod 600 "$WORK/headers"

# write_config FILE FIRST COUNT DELAY: apps aFIRST..a(FIRST+COUNT-1).bench.test answering 200
# after DELAY ms; with COUNT 0, the one app ok.bench.test answering at once.
write_config() {
  local file=$1 first=$2 count=$3 delay=$4 i
  {
    printf '{"team_domain": "bench.cloudflareaccess.com", "tokens": [{"id": "t-bench", "name": "monitoring", '
    printf '"client_id": "%s", "client_secret": "%s"}], "apps": [\n' "$ID" "$SECRET"
    if [ "$count" -eq 0 ]; then
      printf '{"name": "ok", "host": "ok.bench.test", "aud": "aud-ok", "service_auth_tokens": ["t-bench"], '
      printf '"origin": {"status": 200, "body": "hello from ok"}}\n'
    fi
    for ((i = first; i < first + count; i++)); do
      [ "$i" -gt "$first" ] && printf ','
      printf '{"name": "a%04d", "host": "a%04d.bench.test", "aud": "aud%04d", "service_auth_tokens": ["t-bench"], ' "$i" "$i" "$i"
      printf '"origin": {"status": 200, "body": "hello from a%04d", "delay_ms": %d}}\n' "$i" "$delay"
    done
    printf ']}\n'
  } > "$file"
}

# start_emulator NAME: runs the emulator on $WORK/NAME.json, sets EMU_PID, PORT, CA.
start_emulator() {
  local dir=$WORK/$1
  mkdir -p "$dir"
  "$EMU" --config "$WORK/$1.json" --state-dir "$dir" --port 0 2> "$dir.log" &
  EMU_PID=$!
  EMU_PIDS+=("$EMU_PID")
  for _ in $(seq 1 300); do
    [ -s "$dir/port" ] && break
    kill -0 "$EMU_PID" 2>/dev/null || { cat "$dir.log" >&2; exit 1; }
    sleep 0.1
  done
  PORT=$(cat "$dir/port")
  CA=$dir/ca.pem
}

# CPU seconds the given processes have used so far (utime + stime of /proc/<pid>/stat).
TICKS=$(getconf CLK_TCK)
server_cpu() { for p in "$@"; do cat "/proc/$p/stat"; done | awk -v t="$TICKS" '{s += $14 + $15} END {printf "%.3f", s / t}'; }

field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<< "$1"; }  # runstat line, key
calc() { awk "BEGIN { printf \"$1\", $2 }"; }
server_share() { calc "%.2f (%.0f%%)" "$(field "$1" server_ms) / 1000, 100 * $(field "$1" server_ms) / $(field "$1" wall_ms)"; }

write_config "$WORK/single.json" 0 0 0
start_emulator single
SINGLE_PID=$EMU_PID SINGLE_PORT=$PORT SINGLE_CA=$CA

ESTATE_PIDS=() RESOLVES=()
: > "$WORK/estate-ca.pem"
: > "$WORK/targets-1000"
: > "$WORK/hosts-1000"
for ((k = 0; k < EMULATORS; k++)); do
  first=$((k * APPS_EACH + 1))
  write_config "$WORK/estate$k.json" "$first" "$APPS_EACH" "$DELAY_MS"
  start_emulator "estate$k"
  ESTATE_PIDS+=("$EMU_PID")
  cat "$CA" >> "$WORK/estate-ca.pem"
  RESOLVES+=(--resolve "*:$PORT:127.0.0.1")
  for ((i = first; i < first + APPS_EACH; i++)); do
    printf 'a%04d https://a%04d.bench.test:%d/\n' "$i" "$i" "$PORT" >> "$WORK/targets-1000"
    printf -- '-H a%04d.bench.test -p %d\n' "$i" "$PORT" >> "$WORK/hosts-1000"
  done
done
ESTATE_CA=$WORK/estate-ca.pem
# The first N apps, spread over the emulators the way an estate spreads over hosts.
for n in 1 10 100 200; do
  awk -v n="$n" -v each="$APPS_EACH" -v k="$EMULATORS" 'BEGIN {
      for (i = 0; i < n; i++) want[(i % k) * each + int(i / k) + 1] = 1 }
    want[NR]' "$WORK/targets-1000" > "$WORK/targets-$n"
  awk -v n="$n" -v each="$APPS_EACH" -v k="$EMULATORS" 'BEGIN {
      for (i = 0; i < n; i++) want[(i % k) * each + int(i / k) + 1] = 1 }
    want[NR]' "$WORK/hosts-1000" > "$WORK/hosts-$n"
done

URL="https://ok.bench.test:$SINGLE_PORT/"
CFA_ONE=("$CFA" -u "$URL" --resolve "ok.bench.test:$SINGLE_PORT:127.0.0.1" --ca-file "$SINGLE_CA")
CHECK_CURL_ONE=("$CHECK_CURL" -H ok.bench.test -I 127.0.0.1 -p "$SINGLE_PORT" -S --sni -D --ca-cert "$SINGLE_CA"
                -k "CF-Access-Client-Id: $ID" -k "CF-Access-Client-Secret: $SECRET")
CURL_ONE=(curl -s -o /dev/null -w '%{http_code}\n' --resolve "ok.bench.test:$SINGLE_PORT:127.0.0.1"
          --cacert "$SINGLE_CA" -H "@$WORK/headers" "$URL")
CFA_MANY=("$CFA" "${RESOLVES[@]}" --ca-file "$ESTATE_CA" --targets-file)

# The two ways of probing many apps without check_cf_access, as scripts.
# shellcheck disable=SC2016 # "$1" and "$url" belong to the generated scripts
{
  echo '#!/bin/bash'
  printf 'while read -r name url; do curl -s -o /dev/null -w "%%{http_code}\\n" %s --cacert %q -H @%q "$url"; done < "$1" > /dev/null\n' \
    "$(printf '%q ' "${RESOLVES[@]}")" "$ESTATE_CA" "$WORK/headers"
} > "$WORK/curl-loop"
# shellcheck disable=SC2016
{
  echo '#!/bin/bash'
  printf 'xargs -P %d -L 1 %q -I 127.0.0.1 -S --sni -D --ca-cert %q -k %q -k %q < "$1" > /dev/null\n' \
    "$XARGS_P" "$CHECK_CURL" "$ESTATE_CA" "CF-Access-Client-Id: $ID" "CF-Access-Client-Secret: $SECRET"
} > "$WORK/xargs-check-curl"
chmod 700 "$WORK/curl-loop" "$WORK/xargs-check-curl"

# Every tool must see the apps answer 200 to the token before anything is timed.
"${CFA_ONE[@]}" | grep -q '^CF-ACCESS OK - ' || { echo "run-bench: check_cf_access does not get OK" >&2; exit 1; }
"${CHECK_CURL_ONE[@]}" | grep -q '^HTTP OK: HTTP/1.1 200' || { echo "run-bench: check_curl does not get 200" >&2; exit 1; }
[ "$("${CURL_ONE[@]}")" = 200 ] || { echo "run-bench: curl does not get 200" >&2; exit 1; }
"${CFA_MANY[@]}" "$WORK/targets-1000" | grep -q '^CF-ACCESS OK - 1000 apps: 1000 ok' \
  || { echo "run-bench: the estate is not all OK" >&2; exit 1; }
head -3 "$WORK/hosts-1000" | xargs -L 1 "$CHECK_CURL" -I 127.0.0.1 -S --sni -D --ca-cert "$ESTATE_CA" \
  -k "CF-Access-Client-Id: $ID" -k "CF-Access-Client-Secret: $SECRET" | grep -c '^HTTP OK: HTTP/1.1 200' | grep -qx 3 \
  || { echo "run-bench: check_curl does not get 200 from the estate" >&2; exit 1; }

report=$WORK/report.md
say() { printf '%s\n' "$*" | tee -a "$report"; }

CPU_MODEL=$(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo)
say "# Benchmark: check_cf_access vs check_curl vs curl"
say ""
say "One run of \`make bench\` ($(date -u '+%Y-%m-%d %H:%M UTC')) on $(nproc) cores ($CPU_MODEL), $(uname -sr),"
say "load average at start $(cut -d' ' -f1-3 /proc/loadavg). $("$CFA" -V 2>&1 | head -1);"
say "check_curl $("$CHECK_CURL" -V 2>&1 | grep -o 'v[0-9.]*' | head -1) (monitoring-plugins-standard); $(curl -V | head -1 | cut -d' ' -f1-3)."
say "Server: the project's emulator (\`cf-access-emulator\`: cpp-httplib, HTTP/1.1 over TLS 1.3, ECDSA"
say "P-256, 256 worker threads each) on 127.0.0.1, from the same build. One app: an emulator serving"
say "only \`ok.bench.test\`. Many apps: $EMULATORS emulators of $APPS_EACH apps (a0001…a1000.bench.test, each"
say "emulator's certificate naming its $APPS_EACH hosts), every app answering after $DELAY_MS ms; the first N"
say "apps of a run are spread evenly over the emulators. Every tool sends the same two headers and"
say "verifies the certificate (\`--ca-file\` / \`--cacert\` / \`-D --ca-cert\`, the emulators' CAs);"
say "host names go to 127.0.0.1 through \`--resolve '*:PORT:127.0.0.1'\` (check_cf_access, curl) or"
say "\`-I 127.0.0.1\` (check_curl). CPU is user+sys of the process tree from wait4(2), peak RSS that of"
say "its largest process, wall the time from spawn to exit; server CPU (all emulators) comes from"
say "/proc/<pid>/stat and is given as a share of the wall time (100% = one core busy)."
say ""

# --- 1. One app ---------------------------------------------------------------------
before=$(server_cpu "$SINGLE_PID")
one=$("$RUNSTAT" --runs "$RUNS" --warmup 2 -- @check_cf_access "${CFA_ONE[@]}" --- @check_curl "${CHECK_CURL_ONE[@]}" \
      --- @curl "${CURL_ONE[@]}")
after=$(server_cpu "$SINGLE_PID")
server_one_ms=$(calc "%.2f" "($after - $before) * 1000 / (3 * ($RUNS + 2))")
line() { grep "^$1 " <<< "$2"; }
CFA_L=$(line check_cf_access "$one") CC_L=$(line check_curl "$one")

say "## 1. One app, $RUNS runs each (interleaved), medians"
say ""
say "| tool | wall ms | CPU ms (user+sys) | peak RSS KB | CPU vs check_curl | RSS vs check_curl |"
say "|---|---:|---:|---:|---:|---:|"
for name in check_cf_access check_curl curl; do
  l=$(line "$name" "$one")
  say "| $name | $(field "$l" wall_ms) | $(field "$l" cpu_ms) | $(field "$l" rss_kb) |" \
      "$(calc "%.2f" "$(field "$l" cpu_ms) / $(field "$CC_L" cpu_ms)") |" \
      "$(calc "%.2f" "$(field "$l" rss_kb) / $(field "$CC_L" rss_kb)") |"
done
say ""
say "Server CPU per probe: $server_one_ms ms (the emulator is idle between probes; every tool runs alone)."
say ""

# --- 2. 200 apps x 100 ms ---------------------------------------------------------------
measure() {  # runs warmup label cmd... -> prints "runstat line server_ms_per_run"
  local runs=$1 warmup=$2 label=$3
  shift 3
  local b a l
  b=$(server_cpu "${ESTATE_PIDS[@]}")
  l=$("$RUNSTAT" --runs "$runs" --warmup "$warmup" -- "@$label" "$@")
  a=$(server_cpu "${ESTATE_PIDS[@]}")
  printf '%s server_ms=%s\n' "$l" "$(calc "%.0f" "($a - $b) * 1000 / ($runs + $warmup)")"
}
m_cfa=$(measure "$MULTI_RUNS" 1 check_cf_access "${CFA_MANY[@]}" "$WORK/targets-200")
m_xargs=$(measure "$MULTI_RUNS" 1 xargs_check_curl "$WORK/xargs-check-curl" "$WORK/hosts-200")
m_seq=$(measure "$SEQ_RUNS" 0 curl_loop "$WORK/curl-loop" "$WORK/targets-200")

say "## 2. 200 apps, each answering after $DELAY_MS ms"
say ""
say "200 distinct virtual hosts ($((200 / EMULATORS)) per emulator). check_cf_access: one process,"
say "\`--targets-file\`, default \`--parallel 50\`; curl: the sequential shell loop, one curl per app;"
say "check_curl: one process per app through \`xargs -P $XARGS_P\`. Medians of $MULTI_RUNS runs ($SEQ_RUNS for the loop)."
say ""
say "| tool | wall s | total CPU s | peak RSS KB (largest process) | server CPU s (% of wall) | check_cf_access faster by |"
say "|---|---:|---:|---:|---:|---:|"
cfa_wall=$(field "$m_cfa" wall_ms)
for row in "check_cf_access --targets-file|$m_cfa" "xargs -P $XARGS_P check_curl|$m_xargs" "sequential curl loop|$m_seq"; do
  name=${row%%|*} l=${row#*|}
  say "| $name | $(calc "%.2f" "$(field "$l" wall_ms) / 1000") | $(calc "%.2f" "$(field "$l" cpu_ms) / 1000") |" \
      "$(field "$l" rss_kb) | $(server_share "$l") | $(calc "%.1f×" "$(field "$l" wall_ms) / $cfa_wall") |"
done
say ""
say "Lower bound for check_cf_access: 200 apps / 50 in flight × $DELAY_MS ms = 0.40 s."
say ""

# --- 3. Scaling ---------------------------------------------------------------------------
say "## 3. Scaling: N apps answering after $DELAY_MS ms, check_cf_access, medians of $MULTI_RUNS runs"
say ""
say "| apps | wall s | CPU ms | CPU ms per app | peak RSS KB | server CPU s (% of wall) |"
say "|---:|---:|---:|---:|---:|---:|"
declare -A S_WALL S_CPU S_RSS
for n in 1 10 100 1000; do
  l=$(measure "$MULTI_RUNS" 1 "n$n" "${CFA_MANY[@]}" "$WORK/targets-$n")
  S_WALL[$n]=$(field "$l" wall_ms) S_CPU[$n]=$(field "$l" cpu_ms) S_RSS[$n]=$(field "$l" rss_kb)
  say "| $n | $(calc "%.2f" "${S_WALL[$n]} / 1000") | $(calc "%.1f" "${S_CPU[$n]}") | $(calc "%.2f" "${S_CPU[$n]} / $n") |" \
      "${S_RSS[$n]} | $(server_share "$l") |"
done
say ""
say "Lower bound of the wall time: ⌈N / 50⌉ × $DELAY_MS ms (2.0 s for 1000 apps)."
say ""

# --- Targets ------------------------------------------------------------------------------
verdict() { awk "BEGIN { exit !($1) }" && echo "met" || echo "**not met**"; }
seq_wall=$(field "$m_seq" wall_ms) xargs_wall=$(field "$m_xargs" wall_ms)
per_app_10=$(calc "%.3f" "${S_CPU[10]} / 10") per_app_1000=$(calc "%.3f" "${S_CPU[1000]} / 1000")
say "## Targets"
say ""
say "| target | measured | |"
say "|---|---|---|"
say "| one app: CPU ≤ check_curl | $(field "$CFA_L" cpu_ms) vs $(field "$CC_L" cpu_ms) ms | $(verdict "$(field "$CFA_L" cpu_ms) <= $(field "$CC_L" cpu_ms)") |"
say "| one app: peak RSS ≤ check_curl | $(field "$CFA_L" rss_kb) vs $(field "$CC_L" rss_kb) KB | $(verdict "$(field "$CFA_L" rss_kb) <= $(field "$CC_L" rss_kb)") |"
say "| 200 apps × $DELAY_MS ms: wall < 1 s | $(calc "%.2f" "$cfa_wall / 1000") s | $(verdict "$cfa_wall < 1000") |"
say "| 200 apps: ≥ 20× faster than the sequential loop | $(calc "%.1f" "$seq_wall / $cfa_wall")× | $(verdict "$seq_wall / $cfa_wall >= 20") |"
say "| 200 apps: faster than xargs -P $XARGS_P check_curl | $(calc "%.1f" "$xargs_wall / $cfa_wall")× | $(verdict "$xargs_wall > $cfa_wall") |"
say "| 1000 apps: wall < 3 s | $(calc "%.2f" "${S_WALL[1000]} / 1000") s | $(verdict "${S_WALL[1000]} < 3000") |"
say "| 1000 apps: peak RSS < 64 MB | $(calc "%.1f" "${S_RSS[1000]} / 1024") MB | $(verdict "${S_RSS[1000]} < 65536") |"
say "| CPU per app flat as N grows (1000 apps ≤ 10 apps) | $per_app_1000 vs $per_app_10 ms | $(verdict "$per_app_1000 <= $per_app_10") |"

cp "$report" "$OUT"
echo
echo "written to ${OUT#"$ROOT"/}"
