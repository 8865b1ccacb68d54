// The arm64 group: the aarch64 sampler under user-mode QEMU (qemu-aarch64-static with Debian's
// arm64 glibc, libgcc and libstdc++ as the sysroot), driving the runtimes' own arm64 builds
// (npm @deno/linux-arm64-glibc, @oven/bun-linux-aarch64 at the pinned versions, fetched by
// fetch.sh). User-mode QEMU runs the guest's threads as host threads, so each thread's CPU
// clock and SIGEV_THREAD_ID timers are the host kernel's, delivered into the guest's handler
// with its aarch64 ucontext. Covers the Zig unit tests, the 3:1 split in CPU and wall mode, Web
// Workers, every exit path, a GC-heavy program, native code called through FFI, and the stress
// cycles (10 kHz enable/disable, unloading the library while it samples) on both runtimes; and
// the ELF reader on the arm64 deno binary (V8's runtime table, which names the GC's entry
// points). Programs are short: emulation runs JavaScript 5-30x slower. Run by
// `npm run test:arm64` (which builds first).
import t from "tap";
import { spawnSync } from "node:child_process";
import { existsSync, statSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { digest, ROOT, run, RUNTIMES, start, tempDir, waitForOutput } from "../helpers.mjs";

t.setTimeout(420_000); // ~150-250 s on 2 shared cores

const SYSROOT = process.env.VMPROF_ARM64_SYSROOT ?? "/usr/aarch64-linux-gnu";
const QEMU = process.env.VMPROF_ARM64_QEMU ?? "qemu-aarch64-static";
const OUT = join(ROOT, "zig-out/aarch64-linux-gnu");
const LIB = join(OUT, "lib/libvmprof.so");
const ZIG_TESTS = join(OUT, "bin/vmprof-test");
const PROFILE = join(ROOT, "tests/arm64/profile.ts");
/** One emulated run: start-up alone is ~1.8 s for Deno, ~0.3 s for Bun. */
const RUN_MS = 120_000;

function missing() {
  const out = [];
  if (spawnSync("sh", ["-c", `command -v ${QEMU}`]).status !== 0) {
    out.push(`${QEMU} (apt-get install qemu-user-static)`);
  }
  for (
    const [f, pkg] of [["lib/ld-linux-aarch64.so.1", "libc6-arm64-cross"], [
      "lib/libgcc_s.so.1",
      "libgcc-s1-arm64-cross",
    ], ["lib/libstdc++.so.6", "libstdc++6-arm64-cross"]]
  ) {
    if (!existsSync(join(SYSROOT, f))) out.push(`${join(SYSROOT, f)} (apt-get install ${pkg})`);
  }
  for (const f of [LIB, ZIG_TESTS]) if (!existsSync(f)) out.push(`${f} (npm run test:arm64 builds it)`);
  return out;
}

/** The aarch64 build is what the tests test: it must not be older than the Zig sources. */
function stale() {
  const built = Math.min(...[LIB, ZIG_TESTS].map((f) => statSync(f).mtimeMs));
  const r = spawnSync("sh", ["-c", "find zig build.zig -name '*.zig'"], { cwd: ROOT, encoding: "utf8" });
  return r.stdout.split("\n").filter(Boolean).find((f) => statSync(join(ROOT, f)).mtimeMs > built);
}

const absent = missing();
if (absent.length) {
  const reason = `cannot run the arm64 group, missing: ${absent.join(", ")}`;
  // CI installs them (.ci/run): there a missing tool is a failure, elsewhere a skip.
  if (process.env.CI) t.fail(reason);
  else t.pass("arm64 group", { skip: reason });
} else if (stale()) {
  t.fail(`${stale()} is newer than ${OUT} (npm run test:arm64 rebuilds it)`);
} else {
  const fetched = spawnSync("bash", [join(ROOT, "tests/arm64/fetch.sh")], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 300_000,
  });
  const [denoArm64, bunArm64] = fetched.stdout.trim().split("\n");
  if (fetched.status !== 0 || !denoArm64 || !bunArm64) {
    t.fail("tests/arm64/fetch.sh fetches the arm64 runtimes", { stderr: fetched.stderr, status: fetched.status });
  } else {
    tests({ deno: denoArm64, bun: bunArm64 });
  }
}

/** argv on the host runtime that profiles `args` (cli.ts's options, program, its args) on arm64. */
function profileArgv(runtime, arm64, args) {
  const host = RUNTIMES[runtime];
  return [host, [...(runtime === "deno" ? ["run", "-A"] : []), PROFILE, arm64, ...args]];
}

const ENV = { ...process.env, VMPROF_LIB: LIB, VMPROF_ARM64_SYSROOT: SYSROOT, VMPROF_ARM64_QEMU: QEMU };

function profile(runtime, arm64, args) {
  const [cmd, argv] = profileArgv(runtime, arm64, args);
  return run(cmd, argv, { env: ENV, timeout: RUN_MS });
}

/** The digest's entry of function `name`: "name (file:line)", or "name" alone (a Worker's blob: code). */
function fn(d, name) {
  return Object.entries(d.functions).find(([n]) => n === name || n.startsWith(`${name} (`))?.[1];
}

function tests(arm64) {
  t.test("zig unit tests built for aarch64 pass under qemu", async (t) => {
    const r = await run(QEMU, ["-L", SYSROOT, ZIG_TESTS], { timeout: RUN_MS });
    const out = r.stdout + r.stderr;
    t.equal(r.status, 0, "exit status 0", { output: out.slice(-3000) });
    const m = /(\d+) passed; (\d+) skipped; (\d+) failed/.exec(out);
    t.ok(m && Number(m[1]) >= 20 && m[3] === "0", `summary: ${m?.[0]}`);
    t.match(
      out,
      /the handler samples code in an execute-only page without faulting\.\.\.OK/,
      "the handler sampled a spinning thread",
    );
  });

  t.test("zig build test -Dtarget=aarch64-linux-gnu runs the tests under qemu", async (t) => {
    // Zig's build runner calls the emulator `qemu-aarch64` (Debian ships qemu-aarch64-static)
    // and gives it -L <libc-runtimes>/aarch64-linux-gnu: Debian's cross sysroot under /usr.
    const shim = tempDir();
    symlinkSync(
      spawnSync("sh", ["-c", `command -v ${QEMU}`], { encoding: "utf8" }).stdout.trim(),
      join(shim, "qemu-aarch64"),
    );
    const r = await run("bash", [
      join(ROOT, "scripts/zig.sh"),
      "build",
      "test",
      "-Dtarget=aarch64-linux-gnu",
      "-fqemu",
      "--libc-runtimes",
      dirname(SYSROOT),
      "--summary",
      "all",
    ], {
      env: { ...process.env, PATH: `${shim}:${process.env.PATH}` },
      timeout: RUN_MS,
    });
    t.equal(r.status, 0, "exit status 0", { stderr: r.stderr.slice(-3000) });
    t.match(r.stderr, /run test vmprof-test \d+ passed/, "the aarch64 test binary ran");
  });

  t.test("the ELF unit tests read the arm64 deno binary", async (t) => {
    for (const runtime of ["deno", "bun"]) {
      const r = await run(RUNTIMES[runtime], [
        ...(runtime === "deno" ? ["run", "-A"] : []),
        join(ROOT, "tests/unit/elf.test.ts"),
      ], {
        env: { ...process.env, VMPROF_ARM64_DENO: arm64.deno },
      });
      t.equal(r.status, 0, `${runtime}: tests/unit/elf.test.ts passes`, { stdout: r.stdout.slice(-3000) });
      t.match(
        r.stdout,
        /^ok \d+ - elf: V8's runtime functions are named in the arm64 deno binary/m,
        `${runtime}: the arm64 check ran, not skipped`,
      );
    }
  });

  for (const runtime of ["deno", "bun"]) {
    for (const mode of ["cpu", "wall"]) {
      t.test(`${runtime} arm64 ${mode}: 3:1 split`, async (t) => {
        const log = join(tempDir(), "split.log");
        // The truth is timed on the clock the profile samples: under emulation on a loaded
        // machine the thread is often off the CPU, and wall and CPU time differ.
        const r = await profile(runtime, arm64[runtime], [
          "-o",
          log,
          ...(mode === "wall" ? ["--real-time"] : []),
          join(ROOT, "tests/fixtures/split.ts"),
          "1.5",
          mode,
        ]);
        t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
        if (r.status !== 0) return;
        const truth = JSON.parse(r.stdout.trim().split("\n").pop());
        const d = await digest(runtime, log);
        t.ok(d.complete, "log has a trailer");
        t.ok(d.samples > 300, `enough samples (${d.samples})`);
        const heavy = fn(d, "heavy"), light = fn(d, "light");
        t.ok(heavy && light, "both functions named", { functions: Object.keys(d.functions).slice(0, 20) });
        if (!heavy || !light) return;
        const share = heavy.total / (heavy.total + light.total);
        t.ok(
          Math.abs(share - truth.heavy) <= 0.05,
          `heavy share ${(share * 100).toFixed(1)}% vs measured ${(truth.heavy * 100).toFixed(1)}%`,
        );
        t.ok(d.namedShare >= 0.9, `named share ${(d.namedShare * 100).toFixed(1)}% >= 90%`);
        t.match(
          Object.keys(d.functions).find((n) => n.startsWith("heavy ")),
          /^heavy \(.*split\.ts:\d+\)$/,
          "frame reads function (file:line)",
        );
      });
    }

    t.test(`${runtime} arm64: Web Workers are sampled`, async (t) => {
      const log = join(tempDir(), "workers.log");
      const r = await profile(runtime, arm64[runtime], ["-o", log, join(ROOT, "tests/fixtures/workers.ts")]);
      t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
      if (r.status !== 0) return;
      const d = await digest(runtime, log);
      const busy = Object.entries(d.threads).filter(([, n]) => n >= 100);
      t.ok(busy.length >= 3, `3 busy threads (${JSON.stringify(d.threads)})`);
      const names = Object.entries(d.meta).filter(([k]) => k.startsWith("thread:")).map(([, v]) => v);
      t.ok(names.some((n) => /^(worker-|Worker)/.test(n)), `worker threads are named (${names})`);
      const spin = fn(d, "workerSpin");
      t.ok(spin && spin.total >= 150, `workerSpin sampled (${spin?.total})`, {
        functions: Object.entries(d.functions).slice(0, 12),
      });
    });

    for (const c of [{ how: "return", status: 0 }, { how: "exit", status: 3 }, { how: "throw", status: 1 }]) {
      t.test(`${runtime} arm64: program that ends by ${c.how}`, async (t) => {
        const log = join(tempDir(), "exit.log");
        const r = await profile(runtime, arm64[runtime], ["-o", log, join(ROOT, "tests/fixtures/exits.ts"), c.how]);
        t.equal(r.status, c.status, `status ${c.status}`, { stderr: r.stderr });
        t.ok(existsSync(log), "log written");
        if (!existsSync(log)) return;
        const d = await digest(runtime, log);
        t.ok(d.complete, "log has a trailer");
        t.ok(d.samples >= 50, `samples kept (${d.samples})`);
        t.ok(fn(d, "burn"), "burn() named", { functions: Object.keys(d.functions).slice(0, 20) });
      });
    }

    t.test(`${runtime} arm64: Ctrl-C (SIGINT) stops the program, the log stays`, async (t) => {
      const log = join(tempDir(), "int.log");
      const [cmd, argv] = profileArgv(runtime, arm64[runtime], [
        "-o",
        log,
        join(ROOT, "tests/fixtures/exits.ts"),
        "hang",
      ]);
      const child = start(cmd, argv, { t, env: ENV, timeout: RUN_MS });
      await waitForOutput(child, "stdout", /ready/, 60_000);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      child.kill("SIGINT");
      const { status, stderr } = await child.done;
      t.equal(status, 130, "status 128+SIGINT", { stderr });
      t.ok(existsSync(log), "log written");
      if (!existsSync(log)) return;
      const d = await digest(runtime, log);
      t.ok(d.samples >= 100, `samples kept (${d.samples})`);
      t.ok(fn(d, "burn"), "burn() named");
    });

    t.test(`${runtime} arm64: a GC-heavy program`, async (t) => {
      const log = join(tempDir(), "gc.log");
      const r = await profile(runtime, arm64[runtime], [
        "-o",
        log,
        join(ROOT, "tests/fixtures/gc-heavy.ts"),
        "1.5",
        "50000",
      ]);
      t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
      if (r.status !== 0) return;
      const d = await digest(runtime, log);
      t.ok(d.complete, "log has a trailer");
      t.ok(d.samples > 200, `samples (${d.samples})`);
      t.ok(fn(d, "churn") && fn(d, "keep"), "churn() and keep() named", {
        functions: Object.keys(d.functions).slice(0, 20),
      });
      const [cmd, argv] = [RUNTIMES[runtime], [
        ...(runtime === "deno" ? ["run", "-A"] : []),
        join(ROOT, "tests/samples.ts"),
        log,
        "churn",
      ]];
      const s = await run(cmd, argv);
      const { samples, split } = JSON.parse(s.stdout);
      const gc = samples.filter((x) => x.kind === "G").length / samples.length;
      t.ok(gc > 0.03, `GC share ${(gc * 100).toFixed(1)}% (${split})`);
    });

    t.test(`${runtime} arm64: native frames through FFI (-n), and the JS caller above them`, async (t) => {
      // tests/fixtures/native/spin.c for aarch64 with the pinned Zig's C compiler.
      const lib = join(tempDir(), "libspin.so");
      const cc = await run("bash", [
        join(ROOT, "scripts/zig.sh"),
        "cc",
        "-target",
        "aarch64-linux-gnu",
        "-O2",
        "-fno-omit-frame-pointer",
        "-shared",
        "-fPIC",
        "-o",
        lib,
        join(ROOT, "tests/fixtures/native/spin.c"),
      ], { timeout: RUN_MS });
      t.equal(cc.status, 0, "spin.c builds for aarch64", { stderr: cc.stderr });
      if (cc.status !== 0) return;
      const log = join(tempDir(), "native.log");
      const r = await profile(runtime, arm64[runtime], [
        "-n",
        "-o",
        log,
        join(ROOT, "tests/fixtures/native/ffi-spin.ts"),
        lib,
        "1.5",
      ]);
      t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
      if (r.status !== 0) return;
      const truth = JSON.parse(r.stdout.trim().split("\n").pop());
      const d = await digest(runtime, log);
      const spin = Object.entries(d.functions).filter(([n]) => /^native_spin\b/.test(n));
      const share = spin.reduce((a, [, f]) => a + f.self, 0) / d.samples;
      t.ok(spin.length > 0 && spin.every(([n]) => n.includes("libspin.so")), "native_spin is named from its library", {
        functions: Object.keys(d.functions).slice(0, 15),
      });
      t.ok(
        Math.abs(share - truth.native) <= 0.1,
        `native_spin self ${(share * 100).toFixed(1)}% vs measured ${(truth.native * 100).toFixed(1)}%`,
      );
      // The walk goes on through the FFI call into JS: callNative, or the module code JSC inlined it into.
      const caller = Math.max(
        fn(d, "callNative")?.total ?? 0,
        (fn(d, "<module>")?.total ?? 0) - (fn(d, "jsSpin")?.total ?? 0),
      );
      t.ok(
        caller / d.samples >= truth.native - 0.1,
        `the JS caller is on native_spin's stacks (${(100 * caller / d.samples).toFixed(1)}%)`,
      );
    });

    // The API in the emulated process itself (no CLI): tests/fixtures/stress-cycles.ts.
    const stress = (args) =>
      run(QEMU, [
        "-L",
        SYSROOT,
        arm64[runtime],
        ...(runtime === "deno" ? ["run", "-A"] : []),
        join(ROOT, "tests/fixtures/stress-cycles.ts"),
        ...args,
      ], { env: ENV, timeout: RUN_MS });

    t.test(`${runtime} arm64: 10 enable/disable cycles at 10 kHz under GC pressure on 3 threads`, async (t) => {
      const r = await stress(["cycles", "10"]);
      t.equal(r.status, 0, "no crash", { stderr: r.stderr?.slice(-2000) });
      if (r.status !== 0) return;
      const out = JSON.parse(r.stdout.trim().split("\n").pop());
      t.equal(out.cycles, 10, "every cycle's log complete");
      t.ok(out.samples > 1000, `samples (${out.samples})`);
    });

    t.test(`${runtime} arm64: unloading the library while it samples`, async (t) => {
      const r = await stress(["unload"]);
      t.equal(r.status, 0, "no crash", { stderr: r.stderr?.slice(-2000) });
      if (r.status !== 0) return;
      const out = JSON.parse(r.stdout.trim().split("\n").pop());
      t.ok(out.complete, "the destructor finished the log");
      t.ok(out.samples > 100, `samples kept (${out.samples})`);
    });
  }
}
