#!/usr/bin/env bash
# Builds the native sampler into zig-out/lib/libvmprof.so with the pinned Zig.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/zig.sh build -Doptimize=ReleaseSafe "$@"
