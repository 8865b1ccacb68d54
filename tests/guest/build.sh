#!/usr/bin/env bash
# Builds the initramfs of the PKU guest (tests/guest/pku.test.mjs): busybox, the pinned deno
# and bun with the shared libraries they load, the project's sources, fixtures and built
# library, and tests/guest/init.sh as /init. Prints the path of the (uncompressed) cpio.
# The image lives under /tmp (never in the repo) and is reused while no input changed.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
cache=${VMPROF_GUEST_CACHE:-/tmp/vmprof-js-guest}
busybox=$(command -v busybox || true)
[ -n "$busybox" ] || { echo "build.sh: busybox not found (apt-get install busybox-static)" >&2; exit 2; }
command -v cpio >/dev/null || { echo "build.sh: cpio not found (apt-get install cpio)" >&2; exit 2; }
deno=$(readlink -f node_modules/.bin/deno)
bun=$(readlink -f node_modules/.bin/bun)
for f in "$deno" "$bun" zig-out/lib/libvmprof.so zig-out/bin/vmprof-test; do
  [ -f "$f" ] || { echo "build.sh: missing $f (npm ci; bash scripts/build.sh && bash scripts/zig.sh build test-bin)" >&2; exit 2; }
done

# The guest tests what was built: refuse a library or test binary older than its sources.
newer=$(find zig build.zig -name '*.zig' \( -newer zig-out/lib/libvmprof.so -o -newer zig-out/bin/vmprof-test \) | head -n 1)
if [ -n "$newer" ]; then
  echo "build.sh: $newer is newer than zig-out/ (bash scripts/build.sh && bash scripts/zig.sh build test-bin)" >&2
  exit 2
fi

# Project files the guest checks use, relative to the root (the guest mirrors the layout at /vmprof).
project=(cli.ts mod.ts lib examples tests/digest.ts tests/harness.ts tests/samples.ts tests/unit/ffi.test.ts
  tests/fixtures/api-user.ts tests/fixtures/exits.ts tests/guest/init.sh tests/guest/sigint.ts
  zig-out/lib/libvmprof.so zig-out/bin/vmprof-test)
mapfile -t files < <(find "${project[@]}" -type f | sort)

# Shared libraries and the dynamic loader, as ldd lists them for every binary we run.
mapfile -t libs < <(for b in "$busybox" "$deno" "$bun" zig-out/bin/vmprof-test zig-out/lib/libvmprof.so; do ldd "$b" 2>/dev/null || true; done |
  grep -oE '/[^ ]+\.so[^ ]*' | sort -u)
printf '%s\n' "${libs[@]}" | grep -q '/ld-linux' || { echo "build.sh: ldd found no dynamic loader for deno and bun" >&2; exit 2; }

# Cache key: path, size and mtime of every input.
key=$({ stat -L -c '%n %s %Y' "$busybox" "$deno" "$bun" "${libs[@]}" "${files[@]}" "$0"; } | sha256sum | cut -c1-16)
out="$cache/$key/initrd.cpio"
if [ -f "$out" ]; then echo "$out"; exit 0; fi

mkdir -p "$cache"
# Keep one image only (each is ~220 MB): others older than 10 minutes (a run beside this
# one may be about to boot its own), and staging left by a killed build.
find "$cache" -mindepth 1 -maxdepth 1 -type d ! -name "$key" ! -name 'stage.*' -mmin +10 -exec rm -rf {} +
find "$cache" -mindepth 1 -maxdepth 1 -type d -name 'stage.*' -mmin +60 -exec rm -rf {} +
stage=$(mktemp -d "$cache/stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
put() { # put SRC DEST: a copy (following symlinks), keeping the mode
  mkdir -p "$(dirname "$stage/$2")"
  cp -L --preserve=mode "$1" "$stage/$2"
}
put "$busybox" bin/busybox
for a in $("$busybox" --list); do [ -e "$stage/bin/$a" ] || ln -s busybox "$stage/bin/$a"; done
for l in "${libs[@]}"; do put "$l" "$l"; done
for f in "${files[@]}"; do put "$f" "vmprof/$f"; done
put "$deno" vmprof/node_modules/.bin/deno
put "$bun" vmprof/node_modules/.bin/bun
put tests/guest/init.sh init
chmod 755 "$stage/init"
mkdir -p "$stage"/{proc,sys,dev,tmp,root,etc} "$stage/dev/shm"
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"
mkdir -p "$cache/$key"
(cd "$stage" && find . -mindepth 1 | cpio -o -H newc --quiet -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$out"
