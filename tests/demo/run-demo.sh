#!/bin/bash
# The demo: start the Cloudflare Access emulator on 127.0.0.1 with a fresh test CA,
# run check_cf_access against apps that show each outcome in each output format,
# print what each returned, stop the emulator. Exits non-zero if any outcome
# differs from what the demo announces, so it doubles as a smoke test.
set -euo pipefail

BUILD="${1:-build/release}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CHECK="$BUILD/plugins/check_cf_access"
EMULATOR="$BUILD/tests/emulator/cf-access-emulator"
CONFIG="$ROOT/tests/emulator/default-config.json"
ENV_FILE="$ROOT/tests/emulator/demo.env"

for f in "$CHECK" "$EMULATOR"; do
  [ -x "$f" ] || { echo "demo: $f is missing; run 'make release' first" >&2; exit 1; }
done

STATE="$(mktemp -d)"
cp "$ENV_FILE" "$STATE/demo.env"
chmod 600 "$STATE/demo.env"
"$EMULATOR" --config "$CONFIG" --state-dir "$STATE" --port 0 &
EMULATOR_PID=$!
cleanup() {
  kill "$EMULATOR_PID" 2>/dev/null || true
  wait "$EMULATOR_PID" 2>/dev/null || true
  rm -rf "$STATE"
}
trap cleanup EXIT

# Readiness: the emulator writes its port file once it listens.
for _ in $(seq 1 300); do
  [ -s "$STATE/port" ] && break
  kill -0 "$EMULATOR_PID" 2>/dev/null || { echo "demo: the emulator failed to start" >&2; exit 1; }
  sleep 0.1
done
[ -s "$STATE/port" ] || { echo "demo: the emulator did not start listening" >&2; exit 1; }
PORT="$(cat "$STATE/port")"

bold() { if [ -t 1 ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }

failures=0
# run EXPECTED_EXIT DESCRIPTION APP [extra args...]
run() {
  local expected="$1" description="$2" app="$3"
  shift 3
  local host="$app.cfemu.test"
  local args=(-u "https://$host:$PORT/" --resolve "$host:$PORT:127.0.0.1" --ca-file "$STATE/ca.pem" "$@")
  echo
  bold "== $description"
  echo "\$ check_cf_access -u https://$host:$PORT/ $*"
  set +e
  "$CHECK" "${args[@]}"
  local code=$?
  set -e
  echo "-> exit $code"
  if [ "$code" != "$expected" ]; then
    echo "demo: expected exit $expected" >&2
    failures=$((failures + 1))
  fi
}

bold "Cloudflare Access emulator on 127.0.0.1:$PORT (test CA: $STATE/ca.pem)"
bold "Service token from $STATE/demo.env (the secret is never printed)"

E=(--env-file "$STATE/demo.env")
for format in nagios influx zabbix json; do
  # Nagios exit codes are the state; Zabbix always exits 0; influx exits 0 when it wrote lines.
  case "$format" in
    nagios|json) ok=0 warn=1 crit=2 unknown=3 ;;
    influx|zabbix) ok=0 warn=0 crit=0 unknown=0 ;;  # UNKNOWN is a metric too
  esac
  bold ""
  bold "################ --format $format ################"
  run "$ok" "OK: token accepted" ok "${E[@]}" --format "$format"
  run "$warn" "WARNING: token accepted, origin down (502)" origin-502 "${E[@]}" --format "$format"
  run "$crit" "CRITICAL: token rejected by Access (no Service Auth policy for it)" legacy-403 "${E[@]}" --format "$format"
  run "$unknown" "UNKNOWN: no credentials anywhere" ok --format "$format"
done

echo
bold "################ many apps at once ################"
run 2 "Several apps: worst state, a summary line, one line per app" ok "${E[@]}" \
  -u "https://tunnel-down.cfemu.test:$PORT/" --resolve "tunnel-down.cfemu.test:$PORT:127.0.0.1" \
  -u "https://login-redirect.cfemu.test:$PORT/" --resolve "login-redirect.cfemu.test:$PORT:127.0.0.1" \
  -u "https://strict-ok.cfemu.test:$PORT/" --resolve "strict-ok.cfemu.test:$PORT:127.0.0.1"
run 2 "An app reachable without a token is a security incident" unprotected "${E[@]}" --expect-protected

echo
bold "################ why? ################"
# The emulator's admin API token and account (fake values of default-config.json), beside
# the service token in one credentials file.
{
  cat "$STATE/demo.env"
  grep -o '"cfemu-admin-[^"]*"' "$CONFIG" | head -1 | tr -d '"' | sed 's/^/CF_API_TOKEN=/'
  grep -o '"account_id": *"[^"]*"' "$CONFIG" | head -1 | sed 's/.*"\([^"]*\)"$/CF_ACCOUNT_ID=\1/'
} > "$STATE/demo-api.env"
chmod 600 "$STATE/demo-api.env"
API=(--env-file "$STATE/demo-api.env" --explain --api-url "https://api.cfemu.test:$PORT/client/v4"
  --resolve "api.cfemu.test:$PORT:127.0.0.1")
run 2 "--explain: the cause of a refused token, from the Cloudflare API" legacy-403 "${API[@]}"
run 1 "--explain: the tunnel behind a 530" tunnel-down "${API[@]}"

echo
if [ "$failures" -ne 0 ]; then
  echo "demo: $failures outcome(s) differed from what was announced" >&2
  exit 1
fi
bold "demo finished: every outcome as announced; emulator stopped"
