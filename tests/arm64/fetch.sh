#!/usr/bin/env bash
# Fetches the arm64 builds of the pinned runtimes for the arm64 group (tests/arm64/): the npm
# packages @deno/linux-arm64-glibc and @oven/bun-linux-aarch64 at the versions of the x86
# `deno` and `bun` devDependencies, through `npm pack`, checked against package-lock.json's
# integrity and unpacked into a cache outside the repo (reused while the versions match).
# Prints two lines: the path of the arm64 deno, then of the arm64 bun.
set -euo pipefail
cd "$(dirname "$0")/../.."
cache=${VMPROF_ARM64_CACHE:-/tmp/vmprof-js-arm64}
deno_version=$(node -p 'require("./package.json").devDependencies.deno')
bun_version=$(node -p 'require("./package.json").devDependencies.bun')
fetch() { # fetch PACKAGE VERSION BINARY: prints the unpacked binary's path
  local pkg=$1 version=$2 bin=$3 dir want tgz got
  dir="$cache/${pkg//\//+}@$version"
  if [ -x "$dir/package/$bin" ]; then echo "$dir/package/$bin"; return; fi
  want=$(node -p "(require('./package-lock.json').packages['node_modules/$pkg'] || {}).integrity || ''")
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  tgz=$(cd "$dir.tmp" && npm pack --silent "$pkg@$version" | tail -n 1)
  if [ -n "$want" ]; then
    got=$(node -e 'process.stdout.write("sha512-" + require("crypto").createHash("sha512").update(require("fs").readFileSync(process.argv[1])).digest("base64"))' "$dir.tmp/$tgz")
    [ "$got" = "$want" ] || { echo "fetch.sh: $pkg@$version does not match package-lock.json's integrity" >&2; exit 2; }
  fi
  tar -xzf "$dir.tmp/$tgz" -C "$dir.tmp"
  rm -f "$dir.tmp/$tgz"
  chmod 755 "$dir.tmp/package/$bin"
  rm -rf "$dir" && mv "$dir.tmp" "$dir"
  echo "$dir/package/$bin"
}
fetch @deno/linux-arm64-glibc "$deno_version" deno
fetch @oven/bun-linux-aarch64 "$bun_version" bin/bun
