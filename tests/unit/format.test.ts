// Unit tests of the vmprof log format: writer/reader round trips, cut-short and garbage logs, Python vmprof logs.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { pythonVmprof, skip, test } from "../harness.ts";
import { VmprofError } from "../../lib/errors.ts";
import { LINES, MEMORY, NATIVE, REAL_TIME, VERSION } from "../../lib/format/constants.ts";
import { parseLog, readLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";

const FIXTURE = new URL("../fixtures/python-vmprof.log", import.meta.url);
const START = 1764090000123456; // µs since the epoch
const END = START + 2_500_000;

const MAIN = 0x7f0011220000;
const FIB = 0x7f0011220100;
const MEMCPY = 0x7f0033440011; // native: bit 0 set

function basicLog(flags = 0): LogWriter {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags, interpName: "deno" });
  w.time(START);
  w.meta("runtime", "deno 2.9.6");
  w.meta("dropped", "0");
  return w;
}

function throwsBadLog(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => parseLog(bytes, "bad.log"), (e: unknown) => {
    assert.ok(e instanceof VmprofError, `not a VmprofError: ${e}`);
    assert.equal(e.code, "BAD_LOG");
    assert.match(e.message, /^bad\.log: /);
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes("\n"), "one-line message");
    return true;
  });
}

test("round trip: header, time, meta, symbols, samples, trailer", () => {
  const w = basicLog(REAL_TIME);
  w.symbol(MAIN, "js:main:1:file:///app/main.ts");
  w.symbol(FIB, "js:fib:3:file:///app/main.ts");
  w.sample([MAIN, FIB, FIB], 4242);
  w.sample([MAIN], 4243);
  w.sample([], 4242);
  w.trailer(END);
  const p = parseLog(w.bytes());
  assert.equal(p.version, VERSION);
  assert.equal(p.flags, REAL_TIME);
  assert.equal(p.periodUsec, 990);
  assert.equal(p.interpName, "deno");
  assert.equal(p.startMicros, START);
  assert.equal(p.endMicros, END);
  assert.deepEqual([...p.meta], [["runtime", "deno 2.9.6"], ["dropped", "0"]]);
  assert.deepEqual(p.samples, [
    { stack: [MAIN, FIB, FIB], thread: 4242, rss: 0 },
    { stack: [MAIN], thread: 4243, rss: 0 },
    { stack: [], thread: 4242, rss: 0 },
  ]);
  assert.equal(p.symbols.get(FIB), "js:fib:3:file:///app/main.ts");
  assert.equal(p.complete, true);
  assert.equal(p.truncatedBytes, 0);
});

test("writer byte layout follows docs/FORMAT.md", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags: MEMORY, interpName: "bun" });
  const head = w.length;
  w.sample([0x10, 0x20], 7, 1234);
  const b = w.bytes();
  const dv = new DataView(b.buffer);
  const word = (o: number) => dv.getUint32(o, true) + dv.getInt32(o + 4, true) * 2 ** 32;
  assert.deepEqual([0, 8, 16, 24, 32].map(word), [0, 3, 0, 990, 0]);
  assert.deepEqual([...b.subarray(40, head)], [0x05, 0x00, 0x06, MEMORY, 3, ...new TextEncoder().encode("bun")]);
  assert.equal(b[head], 0x01);
  // count 1, depth 2, innermost first, thread, rss
  assert.deepEqual([0, 1, 2, 3, 4, 5].map((i) => word(head + 1 + 8 * i)), [1, 2, 0x20, 0x10, 7, 1234]);
  assert.equal(b.length, head + 1 + 6 * 8);
});

test("round trip: memory mode carries rss in kB", () => {
  const w = basicLog(MEMORY);
  w.sample([MAIN, FIB], 1, 150_000);
  w.sample([MAIN], 1, 2 ** 40);
  w.trailer(END);
  const p = parseLog(w.bytes());
  assert.equal(p.flags, MEMORY);
  assert.deepEqual(p.samples.map((s) => s.rss), [150_000, 2 ** 40]);
  assert.deepEqual(p.samples[0].stack, [MAIN, FIB]);
});

test("round trip: lines mode carries a line per frame", () => {
  const w = basicLog(LINES | MEMORY | NATIVE);
  w.sample([MAIN, FIB, MEMCPY], 9, 100, [12, 4, 0]);
  w.sample([MAIN], 9, 100, [13]);
  w.trailer(END);
  const b = w.bytes();
  const p = parseLog(b);
  assert.deepEqual(p.samples[0], { stack: [MAIN, FIB, MEMCPY], thread: 9, rss: 100, lines: [12, 4, 0] });
  assert.deepEqual(p.samples[1], { stack: [MAIN], thread: 9, rss: 100, lines: [13] });
});

test("native addresses keep bit 0; a code name wins over a native name", () => {
  const w = basicLog(NATIVE);
  w.nativeSymbol(MEMCPY, "n:memcpy:0:/usr/lib/libc.so.6");
  w.nativeSymbol(MAIN, "n:<native symbol 0x7f0011220000>:0:-");
  w.symbol(MAIN, "js:main:1:/app/main.ts");
  w.symbol(FIB, "js:fib:3:/app/main.ts");
  w.nativeSymbol(FIB, "n:<native symbol 0x7f0011220100>:0:-"); // after the code name: ignored
  w.sample([MAIN, FIB, MEMCPY], 1);
  w.trailer(END);
  const p = parseLog(w.bytes());
  assert.deepEqual(p.samples[0].stack, [MAIN, FIB, MEMCPY]);
  assert.equal(p.samples[0].stack[2] % 2, 1);
  assert.equal(p.symbols.get(MEMCPY), "n:memcpy:0:/usr/lib/libc.so.6");
  assert.equal(p.symbols.get(MAIN), "js:main:1:/app/main.ts");
  assert.equal(p.symbols.get(FIB), "js:fib:3:/app/main.ts");
});

test("words: addresses near 2^47, tagged ids up to 2^53, negative values", () => {
  const values = [1, 2 ** 32 - 1, 2 ** 32, 2 ** 47 - 2, 2 ** 47 + 1, Number.MAX_SAFE_INTEGER, -17, -(2 ** 40)];
  const w = basicLog();
  w.sample(values, Number.MAX_SAFE_INTEGER - 1);
  for (const v of values) w.symbol(v, `js:f${v}:1:x.ts`);
  w.trailer(END);
  const p = parseLog(w.bytes());
  assert.deepEqual(p.samples[0].stack, values);
  assert.equal(p.samples[0].thread, Number.MAX_SAFE_INTEGER - 1);
  for (const v of values) assert.equal(p.symbols.get(v), `js:f${v}:1:x.ts`);
});

test("older and newer format versions 0..7 read back", () => {
  for (let version = 0; version <= 7; version++) {
    const w = new LogWriter();
    w.header({ periodUsec: 1000, flags: MEMORY, interpName: "cpython", version });
    w.time(START);
    w.symbol(MAIN, "py:main:1:x.py");
    w.sample([MAIN, FIB], 77, 500, undefined, 123_456_789);
    w.trailer(END);
    const p = parseLog(w.bytes());
    const memory = version >= 4 || version === 3;
    assert.equal(p.version, version);
    assert.equal(p.flags, memory ? MEMORY : 0, `flags of v${version}`);
    assert.deepEqual(p.samples[0].stack, [MAIN, FIB]);
    assert.equal(p.samples[0].thread, version >= 1 ? 77 : 0);
    assert.equal(p.samples[0].rss, memory ? 500 : 0);
    assert.equal(p.samples[0].time, version >= 7 ? 123_456_789 : undefined);
    assert.equal(p.endMicros, version >= 5 ? END : undefined);
    assert.equal(p.complete, true);
  }
});

test("32-bit logs and 64-bit Windows logs (4-byte words, 8-byte addresses)", () => {
  for (const [ws, as] of [[4, 4], [4, 8]]) {
    const b = new Uint8Array(256);
    const dv = new DataView(b.buffer);
    let o = 0;
    const put = (size: number, v: number) => {
      if (size === 4) dv.setInt32(o, v, true);
      else dv.setBigInt64(o, BigInt(v), true);
      o += size;
    };
    for (const v of [0, 3, 0, 1000, as === 8 ? 1 : 0]) put(ws, v);
    b.set([0x05, 0x00, 0x06, 0x00, 0x01, 0x70], o); // HEADER v6, flags 0, name "p"
    o += 6;
    b[o++] = 0x02; // VIRTUAL_IP
    put(as, 0x1230);
    put(ws, 3);
    b.set([0x61, 0x3a, 0x62], o); // "a:b"
    o += 3;
    b[o++] = 0x01; // STACKTRACE: count, depth, 2 addrs innermost first, thread
    put(ws, 1);
    put(ws, 2);
    put(as, 0x1230);
    put(as, 0x4560);
    put(as, 99);
    const p = parseLog(b.subarray(0, o));
    assert.equal(p.periodUsec, 1000);
    assert.equal(p.interpName, "p");
    assert.deepEqual(p.samples, [{ stack: [0x4560, 0x1230], thread: 99, rss: 0 }]);
    assert.equal(p.symbols.get(0x1230), "a:b");
  }
});

test("a log cut at every byte offset keeps every whole record and never throws", () => {
  for (const flags of [0, MEMORY | LINES]) {
    const w = new LogWriter();
    const bounds = [40]; // where each record ends; the static header is 5 words
    const sampleEnds: number[] = [];
    const stackOf = (i: number) => [MAIN, FIB + 16 * i, MEMCPY].slice(0, 1 + (i % 3));
    w.header({ periodUsec: 990, flags, interpName: "deno" });
    bounds.push(w.length);
    w.time(START);
    bounds.push(w.length);
    w.meta("k", "v");
    bounds.push(w.length);
    w.symbol(MAIN, "js:main:1:/a.ts");
    bounds.push(w.length);
    for (let i = 0; i < 6; i++) {
      w.sample(stackOf(i), i, 10 * i, [1, 2, 3].slice(0, 1 + (i % 3)));
      bounds.push(w.length);
      sampleEnds.push(w.length);
      if (i === 2) {
        w.nativeSymbol(MEMCPY, "n:memcpy:0:-");
        bounds.push(w.length);
      }
    }
    w.trailer(END);
    const full = w.bytes();
    for (let cut = 0; cut <= full.length; cut++) {
      let p;
      try {
        p = parseLog(full.subarray(0, cut));
      } catch (e) {
        assert.fail(`cut at ${cut} of ${full.length}: ${(e as Error).message}`);
      }
      const whole = sampleEnds.filter((e) => e <= cut).length;
      assert.equal(p.samples.length, whole, `samples at cut ${cut}`);
      assert.equal(p.complete, cut === full.length, `complete at cut ${cut}`);
      const lastEnd = Math.max(0, ...bounds.filter((b) => b <= cut));
      assert.equal(p.truncatedBytes, cut === full.length ? 0 : cut - lastEnd, `truncatedBytes at cut ${cut}`);
      if (cut >= 40) assert.equal(p.periodUsec, 990);
      if (whole > 0) assert.deepEqual(p.samples[whole - 1].stack, stackOf(whole - 1));
      assert.equal(p.symbols.has(MEMCPY), cut >= bounds[bounds.indexOf(sampleEnds[2]) + 1]);
    }
  }
});

test("an empty file is an empty, incomplete profile", () => {
  const p = parseLog(new Uint8Array(0));
  assert.equal(p.samples.length, 0);
  assert.equal(p.complete, false);
});

test("gzipped logs are read transparently, even cut short", () => {
  const w = basicLog();
  w.symbol(MAIN, "js:main:1:/a.ts");
  for (let i = 0; i < 2000; i++) w.sample([MAIN, FIB + 16 * (i % 50)], i % 3);
  w.trailer(END);
  const plain = w.bytes();
  const gz = gzipSync(plain);
  assert.deepEqual(parseLog(gz), parseLog(plain));
  const cut = parseLog(gz.subarray(0, Math.floor(gz.length / 2)));
  assert.ok(cut.samples.length > 0 && cut.samples.length < 2000, `${cut.samples.length} samples from half a gzip`);
  assert.equal(cut.complete, false);
  const bad = gz.slice();
  bad.fill(0xee, 10, 40);
  throwsBadLog(bad, /: corrupt gzip data \(/);
});

test("garbage is BAD_LOG with a one-line message naming the byte offset", () => {
  throwsBadLog(new TextEncoder().encode("hello, world\n"), /not a vmprof log \(bad static header: byte 0 /);
  throwsBadLog(readFileSync(new URL(import.meta.url)), /not a vmprof log \(bad static header/);
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
  throwsBadLog(png, /bad static header: byte 0 is 0x89/);

  const w = basicLog();
  w.sample([MAIN], 1);
  const good = w.bytes();
  const unknownMarker = new Uint8Array([...good, 0x42, ...good.subarray(40)]);
  throwsBadLog(unknownMarker, new RegExp(`unknown record marker 0x42 at byte ${good.length}\\)$`));

  const header = good.slice();
  header[8] = 4; // the "3" of the static header
  throwsBadLog(header, /bad static header: byte 8 is 0x04/);

  const count = good.slice();
  count[good.length - 32] = 2; // count word of the last sample: [marker, count, depth, addr, thread]
  throwsBadLog(count, /stack record at byte \d+ has count 2/);

  const deep = new LogWriter();
  deep.header({ periodUsec: 990, flags: 0, interpName: "deno" });
  const at = deep.length;
  deep.sample([MAIN], 1);
  const d = deep.bytes();
  new DataView(d.buffer).setUint32(at + 9, 70000, true);
  throwsBadLog(d, new RegExp(`stack record at byte ${at} has depth 70000`));

  const newer = good.slice();
  newer[42] = 9; // version (big-endian u16 at 41..42)
  assert.throws(
    () => parseLog(newer, "new.log"),
    /new\.log: vmprof log format version 9 \(header at byte 40\) is newer/,
  );

  const twoHeaders = new Uint8Array([...good, ...good.subarray(40, 50)]);
  throwsBadLog(twoHeaders, /a second header record at byte/);

  const bigEndian = new Uint8Array(40);
  bigEndian[15] = 3;
  throwsBadLog(bigEndian, /big-endian/);
});

test("the writer refuses misuse with BAD_OPTION", () => {
  const bad = (fn: () => void, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof VmprofError && e.code === "BAD_OPTION" && re.test(e.message));
  bad(() => new LogWriter().sample([1], 1), /header\(\) must be written first/);
  bad(() => basicLog(MEMORY).sample([1], 1), /memory mode needs the rss/);
  bad(() => basicLog().sample(new Array(65537).fill(2), 1), /deeper than 65536/);
  bad(() => basicLog(LINES).sample(new Array(32769).fill(2), 1), /deeper than 65536/);
  bad(() => new LogWriter().header({ periodUsec: 1, flags: 0, interpName: "x".repeat(256) }), /255 bytes/);
  bad(() => new LogWriter().header({ periodUsec: 1.5, flags: 0, interpName: "x" }), /periodUsec/);
});

test("readLog: IO error for a missing file, BAD_LOG names the path", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-"));
  try {
    assert.throws(() => readLog(join(dir, "missing.log")), (e: unknown) => {
      return e instanceof VmprofError && e.code === "IO" && e.message.startsWith(join(dir, "missing.log") + ": ");
    });
    const junk = join(dir, "junk.log");
    writeFileSync(junk, "not a log");
    assert.throws(() => readLog(junk), new RegExp(`^VmprofError: ${junk}: not a vmprof log`.replace(/\//g, "\\/")));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Facts about tests/fixtures/python-vmprof.log (memory + lines mode, two threads), checked
// once against Python's reader when the fixture was made; the next test re-checks them live.
test("a log written by Python vmprof: known facts", () => {
  const p = readLog(FIXTURE.pathname);
  assert.equal(p.version, 7);
  assert.equal(p.flags, MEMORY | LINES);
  assert.equal(p.interpName, "cpython");
  assert.equal(p.periodUsec, 1000);
  assert.deepEqual(Object.fromEntries(p.meta), { os: "linux", bits: "64" });
  assert.equal(p.complete, true);
  assert.equal(p.samples.length, 225);
  assert.equal(new Set(p.samples.map((s) => s.thread)).size, 2);
  const names = new Set(p.samples.flatMap((s) => s.stack.map((a) => p.symbols.get(a))));
  for (
    const n of ["py:main:15:example.py", "py:fib:2:example.py", "py:squares:5:example.py", "py:worker:11:example.py"]
  ) {
    assert.ok(names.has(n), n);
  }
  assert.ok(!names.has(undefined), "every frame is named");
  // vmprof also writes "n:<native symbol 0x…>" names for code addresses; the code name wins.
  assert.ok([...p.symbols.values()].some((n) => n.startsWith("n:<native symbol")));
  for (const s of p.samples) {
    assert.equal(s.lines!.length, s.stack.length);
    assert.ok(s.rss > 1000 && s.rss < 1e7, `rss ${s.rss}`);
    assert.ok(typeof s.time === "number" && s.time > 0);
  }
  assert.ok(p.endMicros! - p.startMicros! > 0);
});

const PY_DUMP = `
import json, sys
from vmprof.reader import _read_prof
with open(sys.argv[1], 'rb') as f:
    st = _read_prof(f)
def ts(t):
    return None if t is None else round(t.timestamp() * 1e6)
samples = []
for trace, weight, thread, mem in st.profiles:
    if st.profile_lines:
        samples.append([list(trace[0::2]), thread, mem, [-x for x in trace[1::2]]])
    else:
        samples.append([list(trace), thread, mem, None])
print(json.dumps({
    'version': st.version, 'period': st.period, 'interp': st.interp_name, 'meta': st.meta,
    'start': ts(st.start_time), 'end': ts(st.end_time),
    'symbols': sorted(dict(st.virtual_ips).items()), 'samples': samples,
}))
`;

test("a log written by Python vmprof: we read what Python's reader reads", () => {
  const py = pythonVmprof();
  if (py === undefined) skip("python3 cannot import vmprof");
  for (const path of [FIXTURE.pathname]) {
    const want = JSON.parse(py.run(PY_DUMP, path));
    const p = readLog(path);
    assert.equal(p.version, want.version);
    assert.equal(p.periodUsec, want.period);
    assert.equal(p.interpName, want.interp);
    assert.deepEqual(Object.fromEntries(p.meta), want.meta);
    assert.ok(Math.abs(p.startMicros! - want.start) <= 1 && Math.abs(p.endMicros! - want.end) <= 1);
    assert.deepEqual([...p.symbols].sort((a, b) => a[0] - b[0]), want.symbols);
    assert.deepEqual(
      p.samples.map((s) => [s.stack, s.thread, s.rss, s.lines ?? null]),
      want.samples,
    );
  }
});

const PY_READ = `
import json, sys, vmprof
s = vmprof.read_profile(sys.argv[1])
t = s.get_tree()
print(json.dumps({
    'n': s.n_samples, 'names': sorted(set(s.adr_dict.values())), 'meta': s.meta,
    'threads': sorted(set(p[2] for p in s.profiles)), 'rss': [p[3] for p in s.profiles],
    'tree': t._serialize(), 'runtime': s.get_runtime_in_microseconds(),
    'functions': sorted([s.adr_dict[a], c] for a, c in s.functions.items()),
}))
`;

test("a log written by LogWriter is read by Python vmprof alike", () => {
  const py = pythonVmprof();
  if (py === undefined) skip("python3 cannot import vmprof");
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-"));
  try {
    for (const flags of [0, MEMORY | NATIVE, LINES | MEMORY]) {
      const w = basicLog(flags);
      const LEAF = 0x7f0011220200;
      w.symbol(MAIN, "js:main:1:/app/main.ts");
      w.symbol(FIB, "js:fib:3:/app/main.ts");
      w.symbol(LEAF, "js:leaf:9:/app/util.ts");
      w.nativeSymbol(MEMCPY, "n:memcpy:0:/usr/lib/libc.so.6");
      const stacks = [[MAIN, FIB, FIB, LEAF], [MAIN, FIB, MEMCPY], [MAIN, LEAF], [MAIN], [MAIN, FIB, LEAF, FIB]];
      for (let i = 0; i < 50; i++) {
        const st = stacks[i % stacks.length];
        w.sample(st, 100 + (i % 2), 1000 + i, st.map((_, j) => 10 + j));
      }
      w.trailer(END);
      const path = join(dir, `ours-${flags}.log`);
      writeFileSync(path, w.bytes());
      const got = JSON.parse(py.run(PY_READ, path));
      const p = readLog(path);
      assert.equal(got.n, p.samples.length);
      assert.deepEqual(got.names, [...new Set(p.symbols.values())].sort());
      assert.deepEqual(got.meta, Object.fromEntries(p.meta));
      assert.deepEqual(got.threads, [100, 101]);
      assert.deepEqual(got.rss, p.samples.map((s) => s.rss));
      assert.equal(got.runtime, END - START);
      // Python roots the tree at the first outermost frame, here MAIN for every sample.
      const [name, addr, count] = got.tree;
      assert.deepEqual([name, Number(addr), count], ["js:main:1:/app/main.ts", MAIN, 50]);
      // Per-address totals: a frame counts once per sample however often it appears.
      const mine = new Map<string, number>();
      for (const s of p.samples) {
        for (const a of new Set(s.stack)) mine.set(p.symbols.get(a)!, (mine.get(p.symbols.get(a)!) ?? 0) + 1);
      }
      assert.deepEqual(got.functions, [...mine].sort());
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("parse speed: reported, and at least 250k samples/s", () => {
  const w = basicLog();
  const stacks: number[][] = [];
  for (let k = 0; k < 500; k++) {
    stacks.push(Array.from({ length: 10 + (k % 30) }, (_, j) => MAIN + 16 * ((k * 7 + j * 13) % 400)));
  }
  const n = 300_000;
  for (let i = 0; i < n; i++) w.sample(stacks[(i * 31) % stacks.length], 1);
  const b = w.bytes();
  let best = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const p = parseLog(b);
    const rate = p.samples.length / ((performance.now() - t0) / 1000);
    best = Math.max(best, rate);
  }
  console.log(`# parse: ${(best / 1e6).toFixed(2)} M samples/s (avg depth 24.5, ${(b.length / 1e6).toFixed(0)} MB)`);
  assert.ok(best > 250_000, `only ${Math.round(best)} samples/s`);
});
