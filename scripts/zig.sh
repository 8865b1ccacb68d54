#!/usr/bin/env bash
# Runs the pinned Zig (from PyPI's `ziglang`), installing it first when missing.
# This file is the one place the Zig version is pinned.
set -euo pipefail
ZIG_VERSION=0.15.1
have=$(python3 -c 'import importlib.metadata as m; print(m.version("ziglang"))' 2>/dev/null || true)
if [ "$have" != "$ZIG_VERSION" ]; then
  echo "vmprof-js: installing ziglang==$ZIG_VERSION from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check "ziglang==$ZIG_VERSION" >&2
fi
exec python3 -m ziglang "$@"
