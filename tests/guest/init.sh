#!/bin/busybox sh
# /init of the PKU guest (built by tests/guest/build.sh, booted by tests/guest/pku.test.mjs):
# mounts the pseudo file systems, runs every check with V8's default flags, prints one line
# per check, `VMPROF-GUEST <name> <ok|fail|skip> <detail>`, and powers off.
# A kernel parameter vmprof_only=a,b (passed to /init as an environment variable) runs only
# the named checks (for debugging one of them).
export PATH=/bin:/vmprof/node_modules/.bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mkdir -p /dev/shm /tmp
mount -t tmpfs -o size=1g tmpfs /tmp
mount -t tmpfs -o size=512m tmpfs /dev/shm
export HOME=/root TMPDIR=/tmp XDG_CACHE_HOME=/tmp/cache DENO_DIR=/tmp/deno-dir \
  DENO_NO_UPDATE_CHECK=1 DENO_NO_PROMPT=1 NO_COLOR=1 TERM=dumb
unset DENO_V8_FLAGS BUN_JSC_useJITDump BUN_JSC_jitDumpDirectory VMPROF_LIB
mkdir -p "$DENO_DIR" "$XDG_CACHE_HOME"
cd /vmprof || { echo "VMPROF-GUEST-DONE no /vmprof"; poweroff -f; }

report() { # report NAME STATUS DETAIL...: one line, whatever the detail holds
  name=$1 status=$2
  shift 2
  # A failed check's output goes to the console first (the host keeps it in its log).
  [ "$status" = fail ] && [ -f "/tmp/$name.out" ] && tail -n 40 "/tmp/$name.out" | sed "s/^/VMPROF-GUEST-OUT $name | /"
  echo "VMPROF-GUEST $name $status $(echo "$*" | tr '\r\n\t' '   ' | cut -c1-900)"
}
uptime_s() { cut -d' ' -f1 /proc/uptime; }
wanted() { [ -z "$vmprof_only" ] || case ",$vmprof_only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }
seen=0
kernel_new() { # sets knew: kernel log lines about faults since the last call
  dmesg >/tmp/dmesg.all
  total=$(wc -l </tmp/dmesg.all)
  knew=$(tail -n +$((seen + 1)) /tmp/dmesg.all | grep -E 'segfault|traps:|general protection|error [0-9]+ in' | head -n 2 | tr '\n' ' ')
  seen=$total
}
# run NAME SECS CMD...: runs CMD (output in /tmp/NAME.out) with a hard limit; sets rc, secs, why
run() {
  name=$1 limit=$2
  shift 2
  kernel_new
  t0=$(uptime_s)
  timeout -k 5 "$limit" "$@" >"/tmp/$name.out" 2>&1
  rc=$?
  secs=$(awk "BEGIN { printf \"%.1f\", $(uptime_s) - $t0 }")
  why="exit $rc"
  [ "$rc" -gt 128 ] && why="exit $rc (signal $((rc - 128)))"
  awk "BEGIN { exit !($secs >= $limit) }" && why="$why: timed out after ${limit} s"
  kernel_new
  [ -n "$knew" ] && why="$why; kernel: $knew"
  return 0
}
lastlines() { tail -n "${2:-3}" "/tmp/$1.out" | tr '\n' ' '; }
# digest RUNTIME LOG: reads the log back with tests/digest.ts; sets samples, fns (named functions)
digest() {
  samples=0 fns=""
  if [ "$1" = deno ]; then timeout 60 deno run -A tests/digest.ts "$2"; else timeout 60 bun tests/digest.ts "$2"; fi >/tmp/digest.json 2>/tmp/digest.err
  samples=$(grep -oE '"samples":[0-9]+' /tmp/digest.json | head -n 1 | cut -d: -f2)
  [ -n "$samples" ] || { samples=0; fns="unreadable log: $(tail -n 2 /tmp/digest.err | tr '\n' ' ')"; return; }
  fns=$(grep -oE '"[A-Za-z_<>][^"(]* \(/vmprof/[^")]*\)"' /tmp/digest.json | sed -E 's/^"([^ ]*) .*/\1/' | head -n 8 | tr '\n' ' ')
}

echo "VMPROF-GUEST-BOOTED $(uptime_s) s"
flags=$(grep -m 1 '^flags' /proc/cpuinfo | sed 's/^[^:]*: *//')
echo "VMPROF-GUEST-CPUFLAGS $flags"
echo "VMPROF-GUEST-CPU $(grep -m 1 '^model name' /proc/cpuinfo | sed 's/^[^:]*: *//'), $(grep -c '^processor' /proc/cpuinfo) cpus, kernel $(uname -r)"
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }
checks="zig-tests deno-cli bun-cli deno-api deno-ffi-unit deno-ctrl-c kernel-log"
if has pku && has ospke; then
  report cpu ok "pku and ospke in /proc/cpuinfo"
else
  reason="the guest CPU has no memory protection keys (pku: $(has pku && echo yes || echo no), ospke: $(has ospke && echo yes || echo no))"
  report cpu skip "$reason"
  for c in $checks; do report "$c" skip "$reason"; done
  echo "VMPROF-GUEST-DONE $(uptime_s) s"
  poweroff -f
fi

# 2. The Zig unit tests (an execute-only page and a pkey_alloc page, sampled thousands of times).
if wanted zig-tests; then
  run zig-tests 90 zig-out/bin/vmprof-test
  summary=$(grep -E 'passed|failed|skipped' /tmp/zig-tests.out | tail -n 1)
  pkuskip=$(grep -iE 'pku|pkey|exec' /tmp/zig-tests.out | grep -E 'SKIP' | head -n 2 | tr '\n' ' ')
  failed=$(grep -E 'FAIL|Segmentation fault|Illegal instruction|Bus error|panic' /tmp/zig-tests.out | head -n 3 | tr '\n' ' ')
  if [ "$rc" -ne 0 ]; then report zig-tests fail "$why in $secs s: ${failed}${summary:-$(lastlines zig-tests 3)}"
  elif [ -n "$pkuskip" ]; then report zig-tests fail "a PKU test skipped on a CPU with OSPKE: $pkuskip"
  else report zig-tests ok "$summary ($secs s)"; fi
fi

# 3, 4. The CLI profiles examples/fib.ts on each runtime.
cli_check() { # cli_check NAME RUNTIME LOG CMD...
  name=$1 rt=$2 log=$3
  shift 3
  run "$name" 90 "$@"
  if [ "$rc" -ne 0 ]; then report "$name" fail "$why in $secs s: $(lastlines "$name")"; return; fi
  digest "$rt" "$log"
  case "$fns" in
    *fib* | *words*) if [ "$samples" -ge 10 ]; then report "$name" ok "$samples samples, named: $fns($secs s)"; return; fi ;;
  esac
  report "$name" fail "$samples samples, named: ${fns:-nothing} ($secs s): $(lastlines "$name" 2)"
}
wanted deno-cli && cli_check deno-cli deno /tmp/d.log deno run -A cli.ts -o /tmp/d.log examples/fib.ts 25
wanted bun-cli && cli_check bun-cli bun /tmp/b.log bun cli.ts -o /tmp/b.log examples/fib.ts 25

# 5. The library API (mod.ts enable/disable) on Deno, started with the flags for names only.
if wanted deno-api; then
  run deno-api 90 deno run -A --v8-flags=--perf-basic-prof,--interpreted-frames-native-stack,--logfile=/dev/null \
    tests/fixtures/api-user.ts /tmp/a.log
  out=$(grep -E '^\{' /tmp/deno-api.out | tail -n 1)
  if [ "$rc" -ne 0 ] || [ -z "$out" ]; then report deno-api fail "$why in $secs s: $(lastlines deno-api)"
  else
    digest deno /tmp/a.log
    if [ "$samples" -ge 50 ]; then report deno-api ok "$samples samples in the log, program saw $out ($secs s)"
    else report deno-api fail "$samples samples in the log ($fns), program saw $out"; fi
  fi
fi

# 6. The FFI unit tests (died of SIGSEGV on PKU machines).
if wanted deno-ffi-unit; then
  run deno-ffi-unit 90 deno run -A tests/unit/ffi.test.ts
  oks=$(grep -cE '^ok ' /tmp/deno-ffi-unit.out)
  bad=$(grep -E '^not ok ' /tmp/deno-ffi-unit.out | head -n 3 | tr '\n' ' ')
  # The harness puts the assertion's message on the line after `message: |-`: the one-line
  # detail names the check that failed (the full output may be cut short on the way).
  why1=$(grep -A1 -E '^  message:' /tmp/deno-ffi-unit.out | grep -vE '^  message:|^--' | head -n 2 | tr '\n' ' ')
  [ -n "$why1" ] && bad="$bad[$why1] "
  if [ "$rc" -ne 0 ] || [ -n "$bad" ] || [ "$oks" -eq 0 ]; then report deno-ffi-unit fail "$why in $secs s, $oks ok; $bad $(lastlines deno-ffi-unit)"
  else report deno-ffi-unit ok "$oks tests ok ($secs s)"; fi
fi

# 7. Ctrl-C: SIGINT to the CLI while the program runs; it must end in bounded time, log kept.
if wanted deno-ctrl-c; then
  run deno-ctrl-c 120 bun tests/guest/sigint.ts /tmp/c.log
  out=$(grep -E '^\{' /tmp/deno-ctrl-c.out | tail -n 1)
  case "$out" in
    *'"ok":true'*)
      digest deno /tmp/c.log
      case "$fns" in
        *burn*) if [ "$samples" -ge 100 ]; then report deno-ctrl-c ok "$out; $samples samples, named: $fns"; else report deno-ctrl-c fail "$out; only $samples samples"; fi ;;
        *) report deno-ctrl-c fail "$out; $samples samples, burn not named: ${fns:-nothing}" ;;
      esac ;;
    *) report deno-ctrl-c fail "$why in $secs s: ${out:-$(lastlines deno-ctrl-c)}" ;;
  esac
fi

# 8. Nothing above faulted where the kernel saw it (a PKU fault reads `error 25 in libvmprof.so`).
faults=$(dmesg | grep -E 'segfault|traps:|general protection' | head -n 4 | tr '\n' ' ')
if [ -n "$faults" ]; then report kernel-log fail "$faults"; else report kernel-log ok "no fault in the kernel log"; fi

echo "VMPROF-GUEST-DONE $(uptime_s) s"
sync
poweroff -f
