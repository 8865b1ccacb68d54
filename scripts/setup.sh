#!/usr/bin/env bash
# Installs what vmprof-js needs on a fresh machine (npm packages, pinned Zig) and builds the library.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x node_modules/.bin/deno ] || [ ! -x node_modules/.bin/bun ] || [ package.json -nt node_modules/.package-lock.json ]; then
  echo "vmprof-js: installing npm packages" >&2
  if [ -f package-lock.json ]; then npm ci --no-audit --no-fund >&2; else npm install --no-audit --no-fund >&2; fi
fi
bash scripts/build.sh
