#!/usr/bin/env bash
# Builds what the arm64 group (tests/arm64/arm64.test.mjs) tests: libvmprof.so and the Zig unit
# test binary for aarch64-linux-gnu (baseline CPU) into zig-out/aarch64-linux-gnu/, with the
# pinned Zig; then fetches the arm64 runtimes (fetch.sh) so the test's own fetch is a cache hit.
set -euo pipefail
cd "$(dirname "$0")/../.."
prefix=zig-out/aarch64-linux-gnu
bash scripts/zig.sh build -Doptimize=ReleaseSafe -Dtarget=aarch64-linux-gnu --prefix "$prefix"
bash scripts/zig.sh build test-bin -Doptimize=ReleaseSafe -Dtarget=aarch64-linux-gnu --prefix "$prefix"
bash tests/arm64/fetch.sh >/dev/null
