// Unit tests of the log reader's fast paths: readLog reading a file in chunks, and one shared
// array per distinct stack. Both must give exactly what a whole-buffer parse gives.

import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { test } from "../harness.ts";
import { VmprofError } from "../../lib/errors.ts";
import { LINES, MEMORY, RPYTHON } from "../../lib/format/constants.ts";
import { parseLog, type Profile, readLog, type Sample } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { Stats, type Tree } from "../../lib/profile/stats.ts";
import { META } from "../../lib/contract.ts";

const START = 1764090000123456;
const END = START + 2_500_000;
const A = 0x7f0011220000;
const B = 0x7f0011220100;
const C = 0x7f0011220200;
const D = 0x7f0011220300;
const NATIVE = 0x7f0033440011;

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-reader-"));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** readLog of `bytes` written to a file, reading `chunk` bytes at a time. */
function readVia(dir: string, bytes: Uint8Array, chunk: number): Profile {
  const path = join(dir, "x.log");
  writeFileSync(path, bytes);
  return readLog(path, chunk);
}

/** A log with every kind of record, a stack deeper than small chunks and a long symbol name. */
function mixedLog(flags: number, version?: number): Uint8Array {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags, interpName: "deno", version });
  w.time(START);
  w.meta("runtime", "deno 2.9.6");
  w.symbol(A, "js:main:1:/a.ts");
  w.symbol(B, "js:" + "long".repeat(100) + ":2:/a.ts");
  const deep = Array.from({ length: 300 }, (_, i) => [A, B, C, D][i % 4] + 16 * (i % 7));
  const stacks = [[A, B], [A, B, C], deep, [], [A, NATIVE], [A, B], deep, [A, B, C]];
  for (let i = 0; i < 40; i++) {
    const st = stacks[i % stacks.length];
    w.sample(st, 10 + (i % 3), 1000 + i, st.map((_, j) => 1 + ((i + j) % 5)), 5_000_000 + i);
    if (i === 20) w.nativeSymbol(NATIVE, "n:memcpy:0:-");
  }
  w.trailer(END);
  return w.bytes();
}

test("readLog in chunks reads exactly what parseLog reads, whole or cut anywhere", () => {
  withDir((dir) => {
    for (const [flags, version] of [[0, 6], [MEMORY | LINES, 6], [0, 7], [MEMORY, 2]]) {
      const full = mixedLog(flags, version);
      const want = parseLog(full);
      assert.equal(want.samples.length, 40);
      for (const chunk of [64, 97, 1000, 4 << 20]) {
        assert.deepEqual(readVia(dir, full, chunk), want, `flags ${flags} v${version}, chunks of ${chunk}`);
      }
      // Every cut of the first 2 kB and a stride of cuts after it (the deep stacks make it long).
      for (let cut = 0; cut <= full.length; cut += cut < 2048 ? 1 : 61) {
        const part = full.subarray(0, cut);
        assert.deepEqual(readVia(dir, part, 64), parseLog(part), `flags ${flags} v${version}, cut at ${cut}`);
      }
    }
  });
});

test("readLog in chunks: 4-byte words, errors name the same byte offset, gzip", () => {
  withDir((dir) => {
    // A 32-bit log (4-byte words and addresses), built by hand: LogWriter writes 8-byte words.
    const b = new Uint8Array(4096);
    const dv = new DataView(b.buffer);
    let o = 0;
    const put = (v: number) => {
      dv.setInt32(o, v, true);
      o += 4;
    };
    for (const v of [0, 3, 0, 1000, 0]) put(v);
    b.set([0x05, 0x00, 0x06, 0x00, 0x01, 0x70], o); // HEADER v6, flags 0, name "p"
    o += 6;
    for (let i = 0; i < 60; i++) {
      const depth = 1 + (i % 5);
      b[o++] = 0x01;
      put(1);
      put(depth);
      for (let k = 0; k < depth; k++) put(0x1230 + 16 * ((i + k) % 3));
      put(7);
    }
    const small = b.subarray(0, o);
    assert.deepEqual(readVia(dir, small, 64), parseLog(small));
    assert.equal(parseLog(small).samples.length, 60);

    // Garbage deep in the file: the same message, with the offset in the file, not the chunk.
    const w = new LogWriter();
    w.header({ periodUsec: 990, flags: 0, interpName: "deno" });
    for (let i = 0; i < 200; i++) w.sample([A, B, C].slice(0, 1 + (i % 3)), 1);
    const good = w.bytes();
    const bad = new Uint8Array([...good, 0x42, 0, 0, 0]);
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        assert.ok(e instanceof VmprofError && e.code === "BAD_LOG", String(e));
        return e.message;
      }
      assert.fail("no error");
    };
    const path = join(dir, "bad.log");
    writeFileSync(path, bad);
    const want = message(() => parseLog(bad, path));
    assert.match(want, new RegExp(`unknown record marker 0x42 at byte ${good.length}\\)$`));
    for (const chunk of [64, 100, 4096]) assert.equal(message(() => readLog(path, chunk)), want);

    // A gzipped log is read whole, whatever the chunk size.
    const gz = join(dir, "x.log.gz");
    writeFileSync(gz, gzipSync(good));
    assert.deepEqual(readLog(gz, 64), parseLog(good));
  });
});

test("samples with the same stack share one array; different stacks never do", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags: 0, interpName: "deno" });
  // Same depth and innermost frames, different outer frames: the fast path must tell them apart.
  const stacks = [[A, B, C, D], [B, B, C, D], [A, B, C, D], [A, A, C, D], [A, B, C, D], [B, B, C, D], [A], [A], []];
  for (const st of stacks) w.sample(st, 1);
  const p = parseLog(w.bytes());
  assert.deepEqual(p.samples.map((s) => s.stack), stacks);
  const s = p.samples.map((x) => x.stack);
  assert.equal(s[0], s[2]);
  assert.equal(s[0], s[4]);
  assert.equal(s[1], s[5]);
  assert.equal(s[6], s[7]);
  assert.equal(new Set(s).size, 5);
});

test("lines mode: a stack with other lines is another entry; RPython keeps the pc of each pair", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags: LINES, interpName: "deno" });
  w.sample([A, B], 1, undefined, [3, 4]);
  w.sample([A, B], 1, undefined, [3, 5]);
  w.sample([A, B], 1, undefined, [3, 4]);
  const p = parseLog(w.bytes());
  assert.deepEqual(p.samples.map((s) => [s.stack, s.lines]), [[[A, B], [3, 4]], [[A, B], [3, 5]], [[A, B], [3, 4]]]);
  assert.equal(p.samples[0].lines, p.samples[2].lines);
  assert.notEqual(p.samples[0].lines, p.samples[1].lines);

  // RPython: the entries are pairs of which one is kept (the pc; the other, the kind, is
  // dropped), so records that differ only in the dropped entries give equal stacks.
  const r = new LogWriter();
  r.header({ periodUsec: 990, flags: RPYTHON, interpName: "pypy" });
  r.sample([A, 1, B, 2], 1);
  r.sample([A, 5, B, 6], 1);
  r.sample([A, 1, C, 2], 1);
  const q = parseLog(r.bytes());
  assert.deepEqual(q.samples.map((s) => s.stack), [[A, B], [A, B], [A, C]]);
  assert.equal(q.samples[0].stack, q.samples[1].stack);
});

test("many distinct stacks (the table grows) read back exactly, through readLog too", () => {
  const w = new LogWriter(1 << 20);
  w.header({ periodUsec: 990, flags: 0, interpName: "deno" });
  const written: number[][] = [];
  let seed = 1;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
  const pool: number[][] = [];
  for (let i = 0; i < 20000; i++) {
    let st: number[];
    if (pool.length > 0 && rand() < 0.5) {
      st = pool[Math.floor(rand() * pool.length)];
    } else {
      st = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => A + 16 * Math.floor(rand() * 50));
      pool.push(st);
    }
    written.push(st);
    w.sample(st, 1);
  }
  w.trailer(END);
  const bytes = w.bytes();
  const p = parseLog(bytes);
  assert.deepEqual(p.samples.map((s) => s.stack), written);
  withDir((dir) => assert.deepEqual(readVia(dir, bytes, 4096), p));
});

/** A tree as comparable data: every node in walk order with its counts, lines, tiers and children. */
function treeData(t: Tree): unknown[] {
  const out: unknown[] = [];
  t.walk((n, d) =>
    out.push([d, n.name, n.addr, n.count, n.selfCount, [...n.lines], [...n.tiers], [...n.children.keys()]])
  );
  return out;
}

test("trees and flat tables count samples that share a stack array as one by one", () => {
  for (const flags of [0, LINES]) {
    const w = new LogWriter();
    w.header({ periodUsec: 990, flags, interpName: "deno" });
    w.meta(META.tiers, JSON.stringify({ [B]: "turbofan", [C]: "ignition" }));
    w.symbol(A, "js:main:1:/a.ts");
    w.symbol(B, "js:fib:2:/a.ts");
    w.symbol(C, "js:fib:2:/a.ts"); // fib in another tier: one function
    w.symbol(D, "js:leaf:3:/a.ts");
    w.nativeSymbol(NATIVE, "n:memcpy:0:-");
    const stacks = [[A, B, D], [A, C, B, D], [A, B, B, NATIVE], [A, D], [A, B, D], [D], [], [A, B, B, NATIVE]];
    for (let i = 0; i < 64; i++) {
      const st = stacks[(i * 5) % stacks.length];
      w.sample(st, 1 + (i % 3), undefined, st.map((_, j) => 1 + ((i >> 2) + j) % 3));
    }
    const shared = parseLog(w.bytes());
    assert.ok(new Set(shared.samples.map((s) => s.stack)).size < shared.samples.length, "some arrays are shared");
    // The same samples, each with arrays of its own: counted one by one.
    const own: Profile = {
      ...shared,
      samples: shared.samples.map((s) => ({ ...s, stack: [...s.stack], lines: s.lines && [...s.lines] })),
    };
    // And one lines array shared by samples of different stacks (no reader does that, but
    // a caller building samples may): grouped by both arrays, never by the lines alone.
    const L = [1, 2, 3, 1];
    const mixed: Profile = { ...shared, samples: shared.samples.map((s) => ({ ...s, lines: s.lines && L })) };
    const mixedOwn: Profile = { ...own, samples: own.samples.map((s) => ({ ...s, lines: s.lines && [...L] })) };
    for (const [a, b] of [[shared, own], [mixed, mixedOwn]]) {
      const x = new Stats(a);
      const y = new Stats(b);
      assert.deepEqual(treeData(x.getTree()), treeData(y.getTree()), `tree, flags ${flags}`);
      assert.deepEqual(treeData(x.getTree().flatten()), treeData(y.getTree().flatten()), `flattened, flags ${flags}`);
      assert.deepEqual(x.flat(), y.flat(), `flat, flags ${flags}`);
      assert.deepEqual(x.flat({ noNative: true }), y.flat({ noNative: true }), `flat --no-native, flags ${flags}`);
      const t = (s: Sample) => s.thread === 2;
      assert.deepEqual(treeData(x.filter(t).getTree()), treeData(y.filter(t).getTree()), `one thread, flags ${flags}`);
    }
  }
});
