// The PKU group: boots a QEMU guest whose CPU has memory protection keys (TCG `-cpu max`, so
// on any x86_64 machine) and runs there, with V8's default flags, the checks that a PKU CPU
// breaks: the Zig tests, the CLI on Deno and Bun, the mod.ts API, the FFI unit tests, Ctrl-C.
// The guest prints one `VMPROF-GUEST <name> <ok|fail|skip> <detail>` line per check
// (tests/guest/init.sh); each becomes one assertion here. Run by `npm run test:guest`.
import t from "tap";
import { spawn, spawnSync } from "node:child_process";
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../helpers.mjs";

/** The checks init.sh runs, in order; a check the guest never reports fails. */
const CHECKS = [
  ["cpu", "guest CPU has pku and ospke"],
  ["zig-tests", "zig-out/bin/vmprof-test passes"],
  ["deno-cli", "deno cli.ts -o LOG examples/fib.ts 25: status 0, samples, fib named"],
  ["bun-cli", "bun cli.ts -o LOG examples/fib.ts 25: status 0, samples, fib named"],
  ["deno-api", "mod.ts enable()/disable() on Deno (tests/fixtures/api-user.ts): a readable log with samples"],
  ["deno-ffi-unit", "deno run -A tests/unit/ffi.test.ts passes"],
  ["deno-ctrl-c", "Ctrl-C to the Deno CLI: status 130 in bounded time, the log kept"],
  ["kernel-log", "no fault in the guest's kernel log"],
];
/** Hard limit on the guest's whole run (qemu is killed past it). */
// The guest runs every check in 60-95 s on 2 idle cores (TCG), 130 s when other tests share them.
const GUEST_SECONDS = Number(process.env.VMPROF_GUEST_TIMEOUT ?? 270);
t.setTimeout((GUEST_SECONDS + 60) * 1000); // and the initramfs build, 1-5 s

function missingTools() {
  const missing = [];
  const onPath = (cmd) => spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).status === 0;
  for (
    const [cmd, pkg] of [["qemu-system-x86_64", "qemu-system-x86"], ["busybox", "busybox-static"], ["cpio", "cpio"], [
      "timeout",
      "coreutils",
    ]]
  ) {
    if (!onPath(cmd)) missing.push(`${cmd} (apt-get install ${pkg})`);
  }
  if (!kernel()) missing.push("a kernel /boot/vmlinuz-*-amd64 (apt-get install linux-image-amd64)");
  return missing;
}

/** The newest readable /boot/vmlinuz-*-amd64. */
function kernel() {
  let names = [];
  try {
    names = readdirSync("/boot").filter((n) => /^vmlinuz-.*-amd64$/.test(n));
  } catch {
    return undefined;
  }
  names.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  for (const n of names.reverse()) {
    try {
      accessSync(join("/boot", n), constants.R_OK);
      return join("/boot", n);
    } catch { /* try the next */ }
  }
  return undefined;
}

/** KVM only where the host itself has PKU and offers it; TCG's `-cpu max` has PKU anywhere. */
function accelerators() {
  // VMPROF_GUEST_QEMU_CPU (say max,-pku) tries another guest CPU.
  const tcg = ["-accel", "tcg", "-cpu", process.env.VMPROF_GUEST_QEMU_CPU ?? "max"];
  let hostPku = false;
  try {
    const flags = new Set(
      (readFileSync("/proc/cpuinfo", "utf8").split("\n").find((l) => l.startsWith("flags")) ?? "").split(/\s+/),
    );
    hostPku = flags.has("pku") && flags.has("ospke");
  } catch { /* no cpuinfo */ }
  let kvm = false;
  try {
    accessSync("/dev/kvm", constants.R_OK | constants.W_OK);
    kvm = true;
  } catch { /* no kvm */ }
  if ((hostPku && kvm) || process.env.VMPROF_GUEST_TRY_KVM === "1") {
    return [["kvm", ["-accel", "kvm", "-cpu", "host,+pku,enforce"]], ["tcg", tcg]];
  }
  return [["tcg", tcg]];
}

/** Process groups of the guests running now (the qemu wrapper leads one; qemu is in it). */
const running = new Set();
function killGroup(pgid) {
  try {
    process.kill(-pgid, "SIGKILL");
  } catch { /* gone */ }
}
function killGuests() {
  for (const pgid of running) killGroup(pgid);
  running.clear();
}
process.on("exit", killGuests);
for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(s, () => {
    killGuests();
    process.exit(128 + { SIGINT: 2, SIGTERM: 15, SIGHUP: 1 }[s]);
  });
}

/**
 * Runs qemu under coreutils timeout (the hard limit, $1 s) and ends it as soon as its stdin
 * closes: that is, when this test process ends, even by SIGKILL without its exit handler.
 */
const WRAPPER = `
exec 3<&0
timeout -k 5 "$1" "\${@:2}" </dev/null &
q=$!
{ read -r _ <&3; kill -TERM "$q" 2>/dev/null; } &
w=$!
wait "$q"
rc=$?
kill "$w" 2>/dev/null
exit "$rc"
`;

/** Boots the guest once; resolves with its console output and how it ended. */
function boot(initrd, accel) {
  const args = [
    "-c",
    WRAPPER,
    "vmprof-guest",
    String(GUEST_SECONDS),
    "qemu-system-x86_64",
    ...accel[1],
    "-smp",
    "2",
    "-m",
    "3G",
    "-kernel",
    kernel(),
    "-initrd",
    initrd,
    "-append",
    `console=ttyS0 rdinit=/init quiet panic=-1${
      process.env.VMPROF_GUEST_ONLY ? ` vmprof_only=${process.env.VMPROF_GUEST_ONLY}` : ""
    }`,
    "-nographic",
    "-no-reboot",
    "-monitor",
    "none",
    "-nic",
    "none",
  ];
  return new Promise((resolve) => {
    const started = Date.now();
    // A process group of its own (detached), killed whole when the guest is done, when the
    // wrapper exits, and when this process ends.
    const child = spawn("bash", args, { stdio: ["pipe", "pipe", "pipe"], detached: true });
    const pgid = child.pid;
    if (pgid !== undefined) running.add(pgid);
    let out = "";
    let err = "";
    let done = false;
    child.stdout.on("data", (b) => {
      out += b.toString("latin1");
      if (!done && /VMPROF-GUEST-DONE/.test(out)) {
        done = true; // the guest is done: give it 3 s to power off, no more
        setTimeout(() => pgid !== undefined && killGroup(pgid), 3000).unref();
      }
    });
    child.stderr.on("data", (b) => (err += b));
    child.on("error", (e) => (err += String(e)));
    child.on("close", (code, signal) => {
      if (pgid !== undefined) {
        killGroup(pgid);
        running.delete(pgid);
      }
      resolve({ out: out.replace(/\r/g, ""), err, code, signal, seconds: (Date.now() - started) / 1000 });
    });
  });
}

t.test("PKU checks in a QEMU guest with memory protection keys", async (t) => {
  const missing = missingTools();
  if (missing.length) {
    const reason = `cannot boot the PKU guest, missing: ${missing.join(", ")}`;
    // CI installs them (.ci/run): there a missing tool is a failure, elsewhere a skip.
    if (process.env.CI) t.fail(reason);
    for (const [name, what] of CHECKS) t.pass(`${name}: ${what}`, { skip: reason });
    return;
  }
  const t0 = Date.now();
  const built = spawnSync("bash", [join(ROOT, "tests/guest/build.sh")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 120_000,
  });
  if (built.status !== 0) {
    t.fail("the guest's initramfs builds (tests/guest/build.sh)", { stderr: built.stderr, signal: built.signal });
    return;
  }
  const initrd = built.stdout.trim().split("\n").pop();
  t.comment(`initramfs ${initrd} ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-guest-run-"));
  let run;
  for (const accel of accelerators()) {
    run = await boot(initrd, accel);
    writeFileSync(join(dir, `console-${accel[0]}.log`), run.out + (run.err ? `\n--- qemu stderr ---\n${run.err}` : ""));
    if (/VMPROF-GUEST-BOOTED/.test(run.out)) {
      t.comment(`guest (${accel[0]}) ran ${run.seconds.toFixed(1)} s`);
      break;
    }
    t.comment(
      `qemu with ${accel[0]} did not boot the guest (${run.err.trim().split("\n").pop() ?? ""}); console log in ${dir}`,
    );
  }
  const flags = /^VMPROF-GUEST-CPUFLAGS (.*)$/m.exec(run.out)?.[1];
  const cpu = /^VMPROF-GUEST-CPU (.*)$/m.exec(run.out)?.[1];
  const booted = /VMPROF-GUEST-BOOTED (\S+)/.exec(run.out)?.[1];
  if (cpu) t.comment(`guest: ${cpu}; /init started ${booted} s after boot`);
  if (flags) t.comment(`guest cpu flags: ${flags}`);
  const lines = new Map();
  for (const m of run.out.matchAll(/VMPROF-GUEST (\S+) (ok|fail|skip) ?(.*)$/gm)) {
    lines.set(m[1], { status: m[2], detail: m[3].trim() });
  }
  const done = /VMPROF-GUEST-DONE/.test(run.out);
  const tail = run.out.split("\n").filter((l) => l.trim()).slice(-25).join("\n");
  const noPku = lines.get("cpu")?.status === "skip" ? lines.get("cpu").detail : undefined;
  const only = process.env.VMPROF_GUEST_ONLY?.split(",");
  for (const [name, what] of CHECKS) {
    const l = lines.get(name);
    const msg = `${name}: ${what}`;
    if (only && name !== "cpu" && name !== "kernel-log" && !only.includes(name)) continue;
    if (noPku) t.pass(msg, { skip: noPku });
    else if (!l) {
      t.fail(`${msg} (the guest never reported it)`, {
        guestEnded: done ? "powered off" : `qemu ${run.signal ?? `exit ${run.code}`} after ${run.seconds.toFixed(0)} s`,
        console: tail,
      });
    } else if (l.status === "ok") t.pass(`${msg} (${l.detail})`);
    else if (l.status === "skip") t.pass(msg, { skip: l.detail });
    else {
      const output = run.out.split("\n").filter((x) => x.startsWith(`VMPROF-GUEST-OUT ${name} |`)).map((x) =>
        x.slice(`VMPROF-GUEST-OUT ${name} | `.length)
      ).join("\n");
      t.fail(msg, { detail: l.detail, output: output.slice(-3000) });
    }
  }
  t.ok(
    done,
    `the guest ran every check and powered off within ${GUEST_SECONDS} s`,
    done ? {} : { qemu: run.signal ?? run.code, seconds: run.seconds, console: tail, stderr: run.err.slice(-1000) },
  );
  // The guest's console is kept for a failure only.
  if (t.passing()) rmSync(dir, { recursive: true, force: true });
  else t.comment(`the guest's console log: ${dir}`);
  t.comment(`guest group took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
});
