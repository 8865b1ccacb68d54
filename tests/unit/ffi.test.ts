// Unit tests of the FFI layer: the library locator, the Config/Stats layouts (checked against
// the real library), result codes as VmprofErrors, and the sampler's counters on this runtime.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "../harness.ts";
import { VmprofError } from "../../lib/errors.ts";
import { locateLibrary, platformName, SUPPORTED_PLATFORMS } from "../../lib/ffi/locate.ts";
import { decodeStats, encodeConfig } from "../../lib/ffi/native.ts";
import { CONFIG_SIZE, STATS_SIZE } from "../../lib/contract.ts";
import { loadNative } from "../../lib/ffi/load.ts";

test("locator: VMPROF_LIB wins, then the built library, else how to build", () => {
  const have = new Set(["/opt/libvmprof.so", "/p/zig-out/lib/libvmprof.so"]);
  const exists = (p: string) => have.has(p);
  assert.equal(locateLibrary({ VMPROF_LIB: "/opt/libvmprof.so" }, "/p", exists), "/opt/libvmprof.so");
  assert.equal(locateLibrary({}, "/p", exists), "/p/zig-out/lib/libvmprof.so");
  assert.throws(
    () => locateLibrary({ VMPROF_LIB: "/missing.so" }, "/p", exists),
    /VMPROF_LIB=\/missing\.so does not exist/,
  );
  assert.throws(
    () => locateLibrary({}, "/q", exists),
    (e: unknown) => e instanceof VmprofError && e.code === "NO_LIBRARY" && /npm run build/.test(e.message),
  );
});

test("locator: the override, then the platform package, then the checkout; else one line naming the platforms", () => {
  const pkg = "/app/node_modules/@vmprof-js/linux-x64-gnu/libvmprof.so";
  const have = new Set(["/opt/libvmprof.so", pkg, "/p/zig-out/lib/libvmprof.so"]);
  const exists = (p: string) => have.has(p);
  const here = { platform: "linux-x64-gnu", packaged: pkg };
  assert.equal(locateLibrary({ VMPROF_LIB: "/opt/libvmprof.so" }, "/p", exists, here), "/opt/libvmprof.so");
  assert.equal(locateLibrary({}, "/p", exists, here), pkg);
  assert.equal(
    locateLibrary({}, "/p", exists, { platform: "linux-x64-gnu", packaged: "/gone.so" }),
    "/p/zig-out/lib/libvmprof.so",
  );
  // From JSR there is no folder: only the override and the package.
  assert.equal(locateLibrary({}, undefined, exists, here), pkg);
  const oneLine = (re: RegExp) => (e: unknown) =>
    e instanceof VmprofError && e.code === "NO_LIBRARY" && !e.message.includes("\n") && re.test(e.message);
  const all = SUPPORTED_PLATFORMS.join(", ");
  assert.throws(
    () => locateLibrary({}, "/q", exists, { platform: "darwin-arm64" }),
    oneLine(new RegExp(`darwin-arm64 \\(macOS is not supported yet\\); supported: ${all}$`)),
  );
  assert.throws(
    () => locateLibrary({}, "/q", exists, { platform: "win32-x64" }),
    oneLine(/win32-x64 \(Windows is not supported yet\)/),
  );
  assert.throws(
    () => locateLibrary({}, "/q", exists, { platform: "freebsd-x64" }),
    oneLine(/freebsd-x64 \(this platform is not supported\); supported: linux-x64-gnu/),
  );
  assert.throws(
    () => locateLibrary({}, undefined, exists, { platform: "linux-arm64-musl" }),
    oneLine(/^no native library for linux-arm64-musl: install @vmprof-js\/linux-arm64-musl .*, or set VMPROF_LIB$/),
  );
  assert.deepEqual([
    platformName("linux", "x64", "gnu"),
    platformName("linux", "arm64", "musl"),
    platformName("darwin", "arm64"),
    platformName("win32", "x64"),
  ], ["linux-x64-gnu", "linux-arm64-musl", "darwin-arm64", "win32-x64"]);
});

test("config layout: fields at the offsets zig/sampler.zig asserts", () => {
  const b = encodeConfig({
    path: "/tmp/x.log",
    periodNs: 990_000,
    realTime: true,
    memory: true,
    threadNames: ["worker-", "Worker"],
    llint: { lo: 0x1000, hi: 0x2000, offset: 24 },
  });
  assert.equal(b.length, CONFIG_SIZE);
  const v = new DataView(b.buffer);
  assert.equal(v.getUint32(0, true), 1);
  assert.equal(v.getUint32(4, true), 3);
  assert.equal(v.getBigUint64(8, true), 990_000n);
  assert.equal(v.getBigUint64(16, true), 0x1000n);
  assert.equal(v.getBigUint64(24, true), 0x2000n);
  assert.equal(v.getUint32(32, true), 24);
  assert.equal(new TextDecoder().decode(b.subarray(40, 40 + 14)), "worker-,Worker");
  assert.equal(b[40 + 14], 0);
  assert.equal(new TextDecoder().decode(b.subarray(296, 296 + 10)), "/tmp/x.log");
  assert.throws(() => encodeConfig({ path: "x".repeat(1024), periodNs: 1e6 }), /log path is too long/);
});

test("stats layout: the real library fills what decodeStats reads", () => {
  const native = loadNative();
  const s = native.stats();
  assert.equal(typeof s.samples, "number");
  const bad = new Uint8Array(STATS_SIZE);
  assert.throws(() => decodeStats(bad), /stats layout mismatch/);
});

test("sampler: enable, sample this thread, counters, stop/start counter, disable, errors", () => {
  const native = loadNative();
  const dir = mkdtempSync(join(tmpdir(), "vmprof-ffi-"));
  const log = join(dir, "raw.log");
  writeFileSync(log, "");
  try {
    assert.throws(() => native.disable(), (e: unknown) => e instanceof VmprofError && e.code === "NOT_ENABLED");
    // CPU time this thread ran while sampling was on (the machine may be busy: not wall time).
    // The thread's own from Linux's schedstat (ns) where it can be read: the process's CPU
    // time also counts V8's compiler and GC threads, which under emulation (the PKU guest,
    // tests/guest/) double it.
    const cpuNowMs = (): number => {
      try {
        return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
      } catch {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    };
    // enable() itself takes CPU time before the timer runs (milliseconds here, far more under
    // emulation): the lower bound counts from after it, the upper from before it.
    const before0 = cpuNowMs();
    native.enable({ path: log, periodNs: 1e6 });
    const on0 = cpuNowMs();
    assert.throws(
      () => native.enable({ path: log, periodNs: 1e6 }),
      (e: unknown) => e instanceof VmprofError && e.code === "ALREADY_ENABLED",
    );
    let x = 0;
    const spin = (ms: number) => {
      const end = Date.now() + ms;
      while (Date.now() < end) x += Math.sqrt(x + 1);
    };
    spin(300);
    const stop0 = cpuNowMs();
    let sampledMs = stop0 - on0;
    let sampledMaxMs = stop0 - before0;
    assert.equal(native.stopSampling(), 1);
    assert.equal(native.stopSampling(), 2);
    const paused = native.stats().samples;
    spin(200);
    assert.equal(native.stats().samples, paused, "no samples while stopped");
    assert.equal(native.startSampling(), 1);
    const on1 = cpuNowMs();
    assert.equal(native.startSampling(), 0);
    assert.equal(native.startSampling(), 0, "the counter does not go below zero");
    spin(200);
    const resumedMs = cpuNowMs() - on1;
    sampledMs += resumedMs;
    sampledMaxMs += resumedMs;
    const s = native.stats();
    assert.ok(s.samples > paused, "sampling resumed");
    // One period per ms of this thread's CPU time.
    assert.ok(
      s.weight >= 0.6 * sampledMs && s.weight <= 1.15 * sampledMaxMs,
      `weight ${s.weight} ~ 1 per ms of CPU (${sampledMs.toFixed(0)} ms sampled, ${
        (sampledMaxMs - sampledMs).toFixed(0)
      } ms in enable())`,
    );
    assert.equal(s.threads, 1);
    assert.equal(s.dropped, 0);
    native.disable();
    assert.equal(native.isEnabled(), false);
    const bytes = readFileSync(log);
    assert.equal(bytes[bytes.length - 25], 0x03, "ends with a trailer");
    assert.ok(native.stats().records >= s.weight, "every period became a record");
  } finally {
    if (native.isEnabled()) native.disable();
    rmSync(dir, { recursive: true, force: true });
  }
  assert.throws(
    () => native.enable({ path: "/nonexistent-dir/x.log", periodNs: 1e6 }),
    /cannot open \/nonexistent-dir\/x\.log/,
  );
  assert.throws(() => native.enable({ path: "/tmp/x", periodNs: 10 }), /period 10 ns is outside/);
});

test("a SIGPROF that is not ours goes to the previous handler, never back to ours (re-enabled)", () => {
  const native = loadNative();
  const dir = mkdtempSync(join(tmpdir(), "vmprof-ffi-"));
  try {
    for (let round = 0; round < 2; round++) {
      const log = join(dir, `chain${round}.log`);
      writeFileSync(log, "");
      native.enable({ path: log, periodNs: 1e6 });
      const before = native.stats().foreign;
      for (let i = 0; i < 3; i++) process.kill(process.pid, "SIGPROF");
      const end = Date.now() + 50;
      while (Date.now() < end) { /* let the signals arrive */ }
      assert.ok(native.stats().foreign >= before + 3, `foreign SIGPROFs counted (${native.stats().foreign})`);
      native.disable();
    }
  } finally {
    if (native.isEnabled()) native.disable();
    rmSync(dir, { recursive: true, force: true });
  }
});
