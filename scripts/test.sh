#!/usr/bin/env bash
# Runs the whole test suite with tap (Zig unit tests, TS unit tests on Deno and Bun, runtime
# tests that profile real programs) and ends with one line: "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp)
node_modules/.bin/tap "$@" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
summary=$(grep -E '^# \{ total: ' "$out" | tail -n 1)
rm -f "$out"
num() { echo "$summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
pass=$(num pass); fail=$(num fail)
if [ -z "$summary" ]; then fail=$((fail + 1)); echo "tap printed no summary"; fi
if [ "$status" -ne 0 ] && [ "$fail" -eq 0 ]; then fail=1; fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
