#!/bin/sh
# Runs one libFuzzer target without ever writing into the committed corpus.
#   run-fuzzer.sh replay BINARY CORPUS_DIR WORK_DIR            every seed once, no fuzzing
#   run-fuzzer.sh smoke|fuzz BINARY CORPUS_DIR WORK_DIR [libFuzzer flags...]
# New inputs go to WORK_DIR/corpus (libFuzzer writes into its first directory), crash
# reproducers to WORK_DIR/artifacts/. A crash, leak, timeout or violated property exits
# non-zero; copy the reproducer into CORPUS_DIR once the bug is fixed.
set -eu
mode=$1 binary=$2 corpus=$3 work=$4
shift 4
mkdir -p "$work/corpus" "$work/artifacts"
case $mode in
  replay)
    # Files as arguments: each is run once, whatever libFuzzer's corpus logic would skip.
    set -- "$corpus"/*
    [ -e "$1" ] || { echo "no seeds in $corpus" >&2; exit 1; }
    exec "$binary" -artifact_prefix="$work/artifacts/" "$@" ;;
  smoke)
    # From the committed seeds only, so every smoke run is the same run.
    rm -rf "$work/smoke-corpus"
    mkdir -p "$work/smoke-corpus"
    exec "$binary" -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/smoke-corpus" "$corpus" ;;
  fuzz)
    # Keeps what earlier runs found in WORK_DIR/corpus.
    exec "$binary" -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$@" "$work/corpus" "$corpus" ;;
  *)
    echo "usage: $0 replay|smoke|fuzz BINARY CORPUS_DIR WORK_DIR [flags...]" >&2
    exit 2 ;;
esac
