#!/usr/bin/env bash
# Builds the four prebuilt libraries with the pinned Zig (baseline CPUs, stripped) into
# dist/lib/<platform>/lib/libvmprof.so, stages every npm package (scripts/npm-build.mjs) and packs
# each into dist/packages/*.tgz; prints one line per package with its size.
# Usage: bash scripts/pack.sh [--libs]   (--libs: build the libraries only)
set -euo pipefail
cd "$(dirname "$0")/.."
# platform package name -> Zig target (glibc 2.28: Debian 10, Ubuntu 18.10, RHEL 8 and later)
TARGETS=(
  linux-x64-gnu=x86_64-linux-gnu.2.28
  linux-arm64-gnu=aarch64-linux-gnu.2.28
  linux-x64-musl=x86_64-linux-musl
  linux-arm64-musl=aarch64-linux-musl
)
failed=()
for t in "${TARGETS[@]}"; do
  platform=${t%%=*} target=${t#*=}
  if ! bash scripts/zig.sh build -Doptimize=ReleaseSafe -Dtarget="$target" -Dcpu=baseline -Dstrip=true \
    --prefix "dist/lib/$platform" >&2; then
    failed+=("$platform ($target)")
  fi
done
if [ "${#failed[@]}" -ne 0 ]; then
  echo "pack: the library did not build for: ${failed[*]}" >&2
  exit 1
fi
[ "${1:-}" = "--libs" ] && exit 0
node scripts/npm-build.mjs >&2
rm -rf dist/packages && mkdir -p dist/packages
for dir in dist/npm/*/; do
  (cd "$dir" && npm pack --silent --pack-destination ../../packages >/dev/null)
done
for f in dist/packages/*.tgz; do
  unpacked=$(tar -xzOf "$f" | wc -c)
  echo "$(basename "$f") $(stat -c %s "$f") bytes packed, $unpacked unpacked"
done
