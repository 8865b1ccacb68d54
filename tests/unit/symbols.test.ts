// Unit tests for lib/symbols: perf map and jitdump parsing, CodeIndex lookup, symbol sources, function location.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "../harness.ts";
import { CodeIndex, type CodeRange } from "../../lib/symbols/code-index.ts";
import { nameRange, parsePerfMap, parseV8Name } from "../../lib/symbols/perfmap.ts";
import { PerfMapIndex } from "../../lib/symbols/perfmap-index.ts";
import { parseJitdump, parseJitdumpFull, parseJscName } from "../../lib/symbols/jitdump.ts";
import { jitdumpSource, perfMapSource } from "../../lib/symbols/symbol-source.ts";
import { jitdumpFiles, waitUntilStable } from "../../lib/symbols/jitdump-files.ts";
import { elfSections, elfSectionsOfFile } from "../../lib/symbols/elf-header.ts";
import { alignSequences } from "../../lib/symbols/align.ts";
import { SourceMap } from "../../lib/symbols/source-map.ts";
import { remapDenoTypeScript } from "../../lib/symbols/deno/typescript.ts";
import { findLlintRange } from "../../lib/symbols/bun/llint.ts";
import { codeBlockNamesFromHeapSnapshot } from "../../lib/symbols/bun/heap-snapshot.ts";
import { codeBlockHashValue, decodeCodeBlockHash, encodeCodeBlockHash } from "../../lib/symbols/bun/code-block-hash.ts";
import { locateFunctions } from "../../lib/symbols/bun/locate.ts";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import process from "node:process";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "symbols");
const fixture = (name: string) => readFileSync(join(FIX, name));
const strip = (r: CodeRange) => {
  const { start: _s, size: _z, seq: _q, ...rest } = r;
  return rest;
};

// ---------------------------------------------------------------- perf map

test("perfmap: real Deno map parses every line", () => {
  const text = fixture("deno-perf.map").toString("utf8");
  const ranges = parsePerfMap(text);
  assert.equal(ranges.length, text.trim().split("\n").length);
  for (const [i, r] of ranges.entries()) {
    assert.equal(r.seq, i);
    assert.ok(r.start > 0 && r.size > 0, `range ${i} has an address and size`);
  }
  const first = ranges[0];
  assert.equal(first.start, 0x7fb2a3dc0000);
  assert.equal(first.size, 0x3f8);
  assert.deepEqual(strip(first), { name: "DeoptimizationEntry_Eager", kind: "builtin" });
});

test("perfmap: JS tiers, OSR and context-specialised marks", () => {
  const ranges = parsePerfMap(fixture("deno-perf.map").toString("utf8"));
  const fib = ranges.filter((r) => r.name === "fib");
  assert.deepEqual(
    [...new Set(fib.map((r) => r.tier))].sort(),
    ["ignition", "maglev", "sparkplug", "turbofan"],
  );
  for (const r of fib) {
    assert.equal(r.file, "/tmp/sym/fib.ts");
    assert.equal(r.line, 2); // the transpiled JavaScript's line, not the .ts line (4)
    assert.equal(r.col, 13);
    assert.equal(r.kind, "js");
  }
  const osrBar = ranges.filter((r) => r.name === "bar" && r.tier === "turbofan");
  assert.ok(osrBar.length >= 1);
  const mod = ranges.filter((r) => r.name === "<module>" && r.file === "/tmp/sym/fib.ts");
  assert.deepEqual([...new Set(mod.map((r) => r.tier))].sort(), ["ignition", "maglev", "sparkplug", "turbofan"]);
});

test("perfmap: name shapes", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["JS:*'fib file:///tmp/a.ts:2:13", {
      name: "fib",
      kind: "js",
      tier: "turbofan",
      file: "/tmp/a.ts",
      line: 2,
      col: 13,
    }],
    ["JS:o+bar file:///tmp/a.ts:6:6", {
      name: "bar",
      kind: "js",
      tier: "maglev",
      file: "/tmp/a.ts",
      line: 6,
      col: 6,
      osr: true,
    }],
    ["JS:~ file:///tmp/a.ts:16:7", {
      name: "<anonymous>",
      kind: "js",
      tier: "ignition",
      file: "/tmp/a.ts",
      line: 16,
      col: 7,
    }],
    ["JS:^get foo file:///tmp/s.js:5:10", {
      name: "get foo",
      kind: "js",
      tier: "sparkplug",
      file: "/tmp/s.js",
      line: 5,
      col: 10,
    }],
    ["JS:+'has space file:///tmp/s.js:8:25", {
      name: "has space",
      kind: "js",
      tier: "maglev",
      file: "/tmp/s.js",
      line: 8,
      col: 25,
    }],
    ["JS:~#priv file:///tmp/s.js:13:8", {
      name: "#priv",
      kind: "js",
      tier: "ignition",
      file: "/tmp/s.js",
      line: 13,
      col: 8,
    }],
    ["JS:~U.emit node:process:1:10403", {
      name: "U.emit",
      kind: "js",
      tier: "ignition",
      file: "node:process",
      line: 1,
      col: 10403,
    }],
    ["JS:~print ext:core/01_core.js:1109:12", {
      name: "print",
      kind: "js",
      tier: "ignition",
      file: "ext:core/01_core.js",
      line: 1109,
      col: 12,
    }],
    ["Script:~ file:///tmp/a%20b.ts:1:1", {
      name: "<module>",
      kind: "js",
      tier: "ignition",
      file: "/tmp/a b.ts",
      line: 1,
      col: 1,
    }],
    ["JS:o* file:///tmp/a.ts:1:1", {
      name: "<module>",
      kind: "js",
      tier: "turbofan",
      file: "/tmp/a.ts",
      line: 1,
      col: 1,
      osr: true,
    }],
    ["Eval:~ :1:1", { name: "<eval>", kind: "js", tier: "ignition", line: 1, col: 1 }],
    ["JS:+evalFn :1:17", { name: "evalFn", kind: "js", tier: "maglev", line: 1, col: 17 }],
    ["JS:obj file:///x.js:3:4", { name: "obj", kind: "js", file: "/x.js", line: 3, col: 4 }], // optimisation disabled: no mark
    ['JS:~symbol("it" hash 1f2e) file:///x.js:3:4', {
      name: 'symbol("it" hash 1f2e)',
      kind: "js",
      tier: "ignition",
      file: "/x.js",
      line: 3,
      col: 4,
    }],
    ["JS:wasm-function[0]-0-liftoff", { name: "wasm-function[0]", kind: "wasm", tier: "liftoff" }],
    ["JS:myAdd-0-turbofan", { name: "myAdd", kind: "wasm", tier: "turbofan" }],
    ["Stub:js-to-wasm:ii:i", { name: "js-to-wasm:ii:i", kind: "stub" }],
    ["Builtin:ArrayMap", { name: "ArrayMap", kind: "builtin" }],
    ["Builtin:InterpreterEntryTrampoline", { name: "InterpreterEntryTrampoline", kind: "interpreter" }],
    ["BytecodeHandler:Ldar.Wide", { name: "Ldar.Wide", kind: "interpreter" }],
    ["RegExp.< src: 'a+b*c' flags: 'g'", { name: "/a+b*c/g", kind: "regexp" }],
    ["RegExp.> src: '^--?' flags: ''", { name: "/^--?/", kind: "regexp" }],
    ["Handler:LoadIC", { name: "LoadIC", kind: "stub" }],
  ];
  for (const [raw, want] of cases) assert.deepEqual({ ...parseV8Name(raw) }, want, raw);
});

test("perfmap: multi-line names, CRLF, 0x prefixes, unterminated last line", () => {
  const text = "1000 10 JS:~a\nb file:///x.js:1:2\r\n0x2000 0x20 Builtin:Foo\n3000 30 Builtin:Partial";
  const r = parsePerfMap(text, 100);
  assert.equal(r.length, 2);
  assert.deepEqual(r[0], {
    start: 0x1000,
    size: 0x10,
    seq: 100,
    name: "a\nb",
    kind: "js",
    tier: "ignition",
    file: "/x.js",
    line: 1,
    col: 2,
  });
  assert.deepEqual(r[1], { start: 0x2000, size: 0x20, seq: 101, name: "Foo", kind: "builtin" });
  assert.deepEqual(parsePerfMap(""), []);
  assert.deepEqual(parsePerfMap("no newline yet"), []);
});

// ---------------------------------------------------------------- jitdump

test("jitdump: real Bun dump (JSC names, tiers, hashes, module code)", () => {
  const res = parseJitdumpFull(fixture("bun-fib.jitdump"));
  assert.equal(res.header.pid, 4286);
  assert.equal(res.header.elfMachine, 62);
  assert.equal(res.truncated, false);
  const r = res.ranges;
  assert.equal(r.length, 15);
  assert.deepEqual(strip(r[0]), { name: "Thunk: DefaultCall", kind: "stub" });
  assert.equal(r[0].start, 0x7f15fb724000);
  assert.equal(r[0].size, 0x180);
  const byName = (n: string, tier: string) => r.find((x) => x.name === n && x.tier === tier);
  assert.deepEqual(strip(byName("fib", "ftl")!), { name: "fib", kind: "js", tier: "ftl", hash: "EoE7sP" });
  assert.deepEqual(strip(byName("fib", "dfg")!), { name: "fib", kind: "js", tier: "dfg", hash: "EoE7sP" });
  assert.deepEqual(strip(byName("bar", "baseline")!), { name: "bar", kind: "js", tier: "baseline", hash: "Bg4E9E" });
  assert.deepEqual(strip(byName("<module>", "baseline")!), {
    name: "<module>",
    kind: "js",
    tier: "baseline",
    hash: "AXxoFs",
    file: "/tmp/sym/fibb.ts",
    line: 1,
  });
  assert.deepEqual(strip(r.find((x) => x.kind === "regexp")!), { name: "/a+b*c/g", kind: "regexp" });
  assert.deepEqual(strip(r.find((x) => x.kind === "interpreter")!), {
    name: "LLIntThunk: function for call",
    kind: "interpreter",
  });
  assert.ok(r.some((x) => x.name === "DFGOSREntry" && x.kind === "stub"));
});

test("jitdump: JSC name shapes", () => {
  const cases: [string, Record<string, unknown>][] = [
    ["JSC-FTL: fib#EoE7sP", { name: "fib", kind: "js", tier: "ftl", hash: "EoE7sP" }],
    ["JSC-Baseline: #ARfjO7", { name: "<anonymous>", kind: "js", tier: "baseline", hash: "ARfjO7" }],
    ["JSC-DFG: quoted key#BWMPi4", { name: "quoted key", kind: "js", tier: "dfg", hash: "BWMPi4" }],
    ["JSC-DFG: <global>#AAAAAB", { name: "<global>", kind: "js", tier: "dfg", hash: "AAAAAB" }],
    ["JSC-Baseline: <eval>#AAAAAB", { name: "<eval>", kind: "js", tier: "baseline", hash: "AAAAAB" }],
    ["JSC-Baseline: /a/b c.ts#DKCqqF", {
      name: "<module>",
      kind: "js",
      tier: "baseline",
      hash: "DKCqqF",
      file: "/a/b c.ts",
      line: 1,
    }],
    ["JSC-YarrJIT: /b/g", { name: "/b/g", kind: "regexp" }],
    ["JSC-LLIntThunk: arityFixup", { name: "LLIntThunk: arityFixup", kind: "interpreter" }],
    ["JSC-InlineCache: GetById Load handler", { name: "InlineCache: GetById Load handler", kind: "stub" }],
    ["JSC-FTLThunk: unspecified", { name: "FTLThunk", kind: "stub" }],
    ["JSC-WasmBBQ: wasm-function[3]", { name: "wasm-function[3]", kind: "wasm", tier: "bbq" }],
    ["JSC-WasmOMG: add", { name: "add", kind: "wasm", tier: "omg" }],
    ["JSC-WasmThunk: JS->Wasm", { name: "WasmThunk: JS->Wasm", kind: "wasm" }],
    ["JSC-CSSJIT: x", { name: "CSSJIT: x", kind: "other" }],
    ["something else", { name: "something else", kind: "other" }],
  ];
  for (const [raw, want] of cases) assert.deepEqual({ ...parseJscName(raw) }, want, raw);
});

test("jitdump: V8 --perf-prof dump with DEBUG_INFO and unwinding records", () => {
  const res = parseJitdumpFull(fixture("deno-perf-prof.jitdump"));
  assert.equal(res.truncated, false);
  const fib = res.ranges.filter((r) => r.name === "fib");
  assert.ok(fib.length >= 2);
  for (const r of fib) assert.deepEqual([r.file, r.line, r.col], ["/tmp/sym/fib.ts", 2, 13]);
  assert.ok(res.ranges.every((r) => r.kind === "js" || r.kind === "builtin"));
});

test("jitdump: truncated final record is tolerated", () => {
  const full = fixture("bun-fib.jitdump");
  const all = parseJitdump(full);
  // Cut inside the last record's code bytes: its name survived, so it is kept.
  const lastLen = new DataView(full.buffer, full.byteOffset).getUint32(findLastRecord(full) + 4, true);
  const cutInCode = full.subarray(0, full.length - Math.floor(lastLen / 4));
  const a = parseJitdumpFull(cutInCode);
  assert.equal(a.truncated, true);
  assert.equal(a.ranges.length, all.length);
  assert.deepEqual(a.ranges.at(-1), all.at(-1));
  // Cut inside the fixed part of the last record: it is dropped, the rest stays.
  const cutInHeader = full.subarray(0, findLastRecord(full) + 20);
  const b = parseJitdumpFull(cutInHeader);
  assert.equal(b.truncated, true);
  assert.equal(b.ranges.length, all.length - 1);
  assert.equal(b.consumed, findLastRecord(full));
  // Every prefix parses without throwing.
  for (let n = 40; n <= full.length; n += 97) parseJitdump(full.subarray(0, n));
  assert.throws(() => parseJitdump(new Uint8Array(10)), /not a jitdump/);
});

test("jitdump: CODE_MOVE and CLOSE records, big-endian header", () => {
  const recs: Uint8Array[] = [];
  const header = new Uint8Array(40);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, 0x4a695444, true);
  hv.setUint32(4, 1, true);
  hv.setUint32(8, 40, true);
  hv.setUint32(20, 77, true);
  const load = (addr: number, size: number, name: string) => {
    const nb = new TextEncoder().encode(name + "\0");
    const b = new Uint8Array(56 + nb.length + size);
    const v = new DataView(b.buffer);
    v.setUint32(0, 0, true);
    v.setUint32(4, b.length, true);
    v.setUint32(24, addr % 2 ** 32, true);
    v.setUint32(28, Math.floor(addr / 2 ** 32), true);
    v.setUint32(32, addr % 2 ** 32, true);
    v.setUint32(36, Math.floor(addr / 2 ** 32), true);
    v.setUint32(40, size, true);
    b.set(nb, 56);
    return b;
  };
  const move = (from: number, to: number, size: number) => {
    const b = new Uint8Array(16 + 48);
    const v = new DataView(b.buffer);
    v.setUint32(0, 1, true);
    v.setUint32(4, b.length, true);
    v.setUint32(32, from % 2 ** 32, true);
    v.setUint32(36, Math.floor(from / 2 ** 32), true);
    v.setUint32(40, to % 2 ** 32, true);
    v.setUint32(44, Math.floor(to / 2 ** 32), true);
    v.setUint32(48, size, true);
    return b;
  };
  const close = new Uint8Array(16);
  new DataView(close.buffer).setUint32(0, 3, true);
  new DataView(close.buffer).setUint32(4, 16, true);
  recs.push(header, load(0x7f0000001000, 0x40, "JSC-DFG: f#ABCDEF"), move(0x7f0000001000, 0x7f0000009000, 0x40), close);
  const bytes = new Uint8Array(recs.reduce((n, r) => n + r.length, 0));
  let o = 0;
  for (const r of recs) (bytes.set(r, o), (o += r.length));
  const res = parseJitdumpFull(bytes, 10);
  assert.equal(res.closed, true);
  assert.equal(res.header.pid, 77);
  assert.deepEqual(res.ranges.map((r) => [r.start, r.size, r.seq, r.name]), [
    [0x7f0000001000, 0x40, 10, "f"],
    [0x7f0000009000, 0x40, 11, "f"],
  ]);
});

function findLastRecord(b: Uint8Array): number {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let off = v.getUint32(8, true), last = off;
  while (off + 16 <= b.length) {
    last = off;
    off += v.getUint32(off + 4, true);
  }
  return last;
}

// ---------------------------------------------------------------- CodeIndex

const R = (start: number, size: number, seq: number, name: string): CodeRange => ({
  start,
  size,
  seq,
  name,
  kind: "js",
});

test("CodeIndex: lookup at edges, gaps, empty index", () => {
  const idx = new CodeIndex([R(100, 10, 0, "a"), R(120, 5, 1, "b"), R(110, 10, 2, "c")]);
  assert.equal(idx.lookup(99), undefined);
  assert.equal(idx.lookup(100)?.name, "a");
  assert.equal(idx.lookup(109)?.name, "a");
  assert.equal(idx.lookup(110)?.name, "c");
  assert.equal(idx.lookup(119)?.name, "c");
  assert.equal(idx.lookup(120)?.name, "b");
  assert.equal(idx.lookup(125), undefined);
  assert.equal(new CodeIndex([]).lookup(5), undefined);
  assert.equal(new CodeIndex([R(0, 0, 0, "empty")]).lookup(0), undefined);
});

test("CodeIndex: overlapping ranges, the later record wins for its range", () => {
  // The JIT freed "old" and put "new" inside it; later still "newest" over the tail.
  const idx = new CodeIndex([R(0x1000, 0x100, 0, "old"), R(0x1040, 0x20, 5, "new"), R(0x10f0, 0x40, 9, "newest")]);
  assert.equal(idx.lookup(0x1000)?.name, "old");
  assert.equal(idx.lookup(0x103f)?.name, "old");
  assert.equal(idx.lookup(0x1040)?.name, "new");
  assert.equal(idx.lookup(0x105f)?.name, "new");
  assert.equal(idx.lookup(0x1060)?.name, "old");
  assert.equal(idx.lookup(0x10ef)?.name, "old");
  assert.equal(idx.lookup(0x10f0)?.name, "newest");
  assert.equal(idx.lookup(0x112f)?.name, "newest");
  assert.equal(idx.lookup(0x1130), undefined);
  // An earlier record does not cover a later one, whatever the input order.
  const rev = new CodeIndex([R(0x1040, 0x20, 5, "new"), R(0x1000, 0x100, 0, "old")]);
  assert.equal(rev.lookup(0x1050)?.name, "new");
  // Exact reuse of an address: the later one replaces it entirely.
  const same = new CodeIndex([R(0x2000, 0x40, 1, "first"), R(0x2000, 0x40, 2, "second")]);
  assert.equal(same.lookup(0x2000)?.name, "second");
  assert.equal(same.lookup(0x203f)?.name, "second");
  assert.deepEqual(same.visible().map((r) => r.name), ["second"]);
});

test("CodeIndex: agrees with a brute-force scan on random overlapping ranges", () => {
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
  const ranges: CodeRange[] = [];
  for (let i = 0; i < 400; i++) ranges.push(R(0x7f0000000000 + rnd(5000), 1 + rnd(200), rnd(100000), "r" + i));
  const idx = new CodeIndex(ranges);
  for (let pc = 0x7f0000000000 - 5; pc < 0x7f0000000000 + 5300; pc++) {
    let best: CodeRange | undefined;
    for (const r of ranges) if (pc >= r.start && pc < r.start + r.size && (!best || r.seq > best.seq)) best = r;
    assert.equal(idx.lookup(pc), best, `pc ${pc.toString(16)}`);
  }
});

test("CodeIndex: at least 2M lookups/s (random pcs over 30k ranges, a large jitdump)", () => {
  const N = 30_000;
  const ranges: CodeRange[] = [];
  for (let i = 0; i < N; i++) ranges.push(R(0x7f0000000000 + i * 256, 200, i, "f" + i));
  const idx = new CodeIndex(ranges);
  const pcs = new Float64Array(1 << 16);
  for (let i = 0; i < pcs.length; i++) pcs[i] = 0x7f0000000000 + Math.floor(Math.random() * N * 256);
  let hits = 0;
  for (let i = 0; i < pcs.length; i++) if (idx.lookup(pcs[i])) hits++; // warm up
  // Best of three runs: the machine may be busy with other work.
  let rate = 0;
  for (let run = 0; run < 3; run++) {
    const n = 1_000_000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) if (idx.lookup(pcs[i & 0xffff])) hits++;
    rate = Math.max(rate, n / ((performance.now() - t0) / 1000));
  }
  console.log(`# CodeIndex: ${(rate / 1e6).toFixed(1)}M lookups/s (${hits} hits)`);
  assert.ok(rate >= 2_000_000, `${rate.toFixed(0)} lookups/s`);
});

// ---------------------------------------------------------------- sources

test("sources: perfMapSource and jitdumpSource read files by pid", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmprof-sym-"));
  try {
    writeFileSync(join(dir, "perf-4242.map"), fixture("deno-perf.map"));
    const pm = perfMapSource(4242, { dir });
    assert.equal(pm.load().length, 115);
    assert.deepEqual(perfMapSource(4243, { dir }).load(), []);
    // Bun names its dump jit-<tid>-<pid>.dump; the header's pid must match too.
    writeFileSync(join(dir, "jit-4287-4286.dump"), fixture("bun-fib.jitdump"));
    writeFileSync(join(dir, "jit-1-999.dump"), fixture("bun-fib.jitdump"));
    assert.deepEqual(jitdumpFiles(dir, 4286), [join(dir, "jit-4287-4286.dump")]);
    const js = jitdumpSource(dir, 4286, { quietMs: 20, maxWaitMs: 500 });
    const r = js.load();
    assert.equal(r.length, 15);
    assert.ok(r.some((x) => x.name === "fib" && x.tier === "ftl"));
    assert.deepEqual(jitdumpSource(dir, 999, { quietMs: 20 }).load(), []); // header says 4286
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sources: waitUntilStable returns once files stop changing", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmprof-sym-"));
  try {
    const f = join(dir, "x");
    writeFileSync(f, "abc");
    const waited = waitUntilStable([f, join(dir, "missing")], { quietMs: 30, maxWaitMs: 1000 });
    assert.ok(waited >= 30 && waited < 900, `waited ${waited} ms`);
    assert.ok(waitUntilStable([f], { quietMs: 500, maxWaitMs: 50 }) < 400);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("sources: ELF section headers of this runtime's binary", () => {
  const whole = elfSections(readFileSync(process.execPath));
  const part = elfSectionsOfFile(process.execPath);
  assert.ok(whole.get(".text")!.size > 0);
  assert.deepEqual([...part.entries()], [...whole.entries()]);
  assert.equal(elfSections(new Uint8Array(64)).size, 0);
});

test("sources: the LLInt's code range in a running Bun (none in Deno)", () => {
  const r = findLlintRange("self");
  if (!process.versions.bun) {
    assert.equal(r, undefined);
    return;
  }
  assert.ok(r, "found __jsc_opcodes");
  const text = elfSectionsOfFile(process.execPath).get(".text")!;
  assert.ok(r.handlers > 500, `${r.handlers} opcode handlers`);
  assert.ok(r.start >= text.addr && r.end <= text.addr + text.size && r.end - r.start < 4 << 20);
});

test("JSC CodeBlockHash: text form, value, SHA-1 of the function source", () => {
  assert.equal(encodeCodeBlockHash(decodeCodeBlockHash("EoE7sP")), "EoE7sP");
  assert.equal(encodeCodeBlockHash(decodeCodeBlockHash("AAAAAB")), "AAAAAB");
  // fib's hash in the jitdump fixtures, recomputed from "(params) { body }".
  const fib = "(n) {\n  return n < 2 ? n : fib(n - 1) + fib(n - 2);\n}";
  assert.equal(encodeCodeBlockHash(codeBlockHashValue(fib)), "EoE7sP");
});

test("alignSequences: common subsequence with insertions and deletions", () => {
  const a = "x a b c y d e f".split(" ");
  const b = "a b T c d U e f z".split(" ");
  const pairs = alignSequences(a, b);
  assert.deepEqual(pairs.map(([i, j]) => [a[i], b[j]]).map(([p, q]) => p === q), pairs.map(() => true));
  assert.deepEqual(pairs.map(([i]) => a[i]).join(""), "abcdef");
});

const APP = join(FIX, "app");
const appFiles = ["main.ts", "vec.ts", "shapes.ts", "text.js"].map((f) => join(APP, f));
/** Bun 1.4.5's Bun.Transpiler({ target: "bun" }) output for the fixtures (what JSC ran). */
const bunOutput = (files: { path: string }[]) =>
  files.map((f) => readFileSync(join(FIX, "app-bun", f.path.split("/").pop() + ".js"), "utf8"));

test("locateFunctions: every user function of a multi-file Bun app, by code block hash", () => {
  const ranges = parseJitdump(fixture("app.jitdump"));
  // JSC names the main module by the absolute path it had when the fixture was recorded:
  // move it to where the checkout is now.
  for (const r of ranges) if (r.file?.endsWith("/tests/fixtures/symbols/app/main.ts")) r.file = join(APP, "main.ts");
  const report = locateFunctions(appFiles, ranges, { transpile: bunOutput });
  const at = (name: string, hash?: string) => {
    const r = ranges.find((x) => x.name === name && (hash === undefined || x.hash === hash))!;
    assert.ok(r, `${name} ${hash ?? ""} in the fixture`);
    return `${r.file ? r.file.slice(APP.length + 1) : "?"}:${r.line}:${r.col}`;
  };
  assert.equal(at("totalArea"), "main.ts:9:19");
  assert.equal(at("stats"), "main.ts:15:15");
  assert.equal(at("later"), "main.ts:21:21");
  assert.equal(at("range", "EBJPzf"), "main.ts:27:16"); // the generator function
  assert.equal(at("range", "EHkz04"), "main.ts:27:28"); // its body, a second code block
  assert.equal(at("<anonymous>", "BbWiXi"), "main.ts:40:24"); // (x) => x * round
  assert.equal(at("<anonymous>", "DXY42v"), "main.ts:40:58"); // function (y) { … }
  assert.equal(at("Vec"), "vec.ts:3:14"); // constructor: hash XOR 1
  assert.equal(at("scale"), "vec.ts:5:8");
  assert.equal(at("length"), "vec.ts:9:13"); // getter
  assert.equal(at("dot"), "vec.ts:14:20");
  assert.equal(at("norm"), "vec.ts:18:21");
  assert.equal(at("Circle"), "shapes.ts:10:14");
  assert.equal(at("area", "Aqpk8I"), "shapes.ts:13:7"); // Circle#area
  assert.equal(at("area", "AJUlzs"), "shapes.ts:24:7"); // Square#area
  assert.equal(at("tokenize"), "text.js:2:25");
  assert.equal(at("countWords"), "text.js:6:27");
  assert.equal(at("<anonymous>", "EpVN5P"), "text.js:3:32"); // (w) => w.length > 0
  assert.equal(at("<anonymous>", "BUrz3W"), "text.js:8:17"); // forEach callback
  // Module code: the main module is named by path; the others hash the whole file.
  assert.equal(at("<module>", "CidOUl"), "main.ts:1:undefined");
  assert.equal(at("<module>", "DXJpmF"), "vec.ts:1:1");
  assert.equal(at("<module>", "DsHcas"), "shapes.ts:1:1");
  // A default constructor's source is JSC's own: found by name.
  assert.equal(at("Shape"), "shapes.ts:2:23");
  // JSC's own JavaScript builtins stay unresolved.
  for (const n of ["map", "filter", "forEach", "next", "generatorResume"]) assert.equal(at(n), "?:undefined:undefined");
  assert.deepEqual(report, { candidates: 57, byHash: 44, byName: 2, unresolved: 11 });
});

test("locateFunctions: generators, getters/setters, quoted and computed names (kinds fixture)", () => {
  const ranges = parseJitdump(fixture("bun-kinds.jitdump"));
  const kinds = join(FIX, "kinds.ts");
  locateFunctions([kinds], ranges, { transpile: () => [readFileSync(join(FIX, "app-bun", "kinds.ts.js"), "utf8")] });
  const at = (name: string, hash: string) => {
    const r = ranges.find((x) => x.name === name && x.hash === hash)!;
    return `${r.file ? "kinds.ts" : "?"}:${r.line}:${r.col}`;
  };
  assert.equal(at("plain", "AS5qur"), "kinds.ts:4:22");
  assert.equal(at("oneParam", "CWaHb4"), "kinds.ts:7:25"); // a => a + 1, printed "(a) => a + 1" by Bun
  assert.equal(at("double", "CI3Ijq"), "kinds.ts:13:13"); // get double()
  assert.equal(at("double", "BdAtc0"), "kinds.ts:14:13"); // set double(v)
  assert.equal(at("gen", "EIGVPP"), "kinds.ts:16:7");
  assert.equal(at("gen", "BnbXEd"), "kinds.ts:16:10"); // generator body block
  assert.equal(at("quoted key", "BWMPi4"), "kinds.ts:19:62");
  assert.equal(at("<anonymous>", "Eil3gr"), "kinds.ts:19:122"); // [Symbol.iterator]: function* ()
  assert.equal(at("inner", "Ba4Dpa"), "kinds.ts:20:43");
  assert.equal(at("<module>", "DBjcvZ"), "kinds.ts:1:undefined"); // named by path; its async twin follows
  assert.equal(at("map", "CPBdlN"), "?:undefined:undefined");
});

test("locateFunctions: without a transpiler, plain JavaScript still matches where Bun left it unchanged", () => {
  const ranges = parseJitdump(fixture("app.jitdump"));
  locateFunctions([join(APP, "text.js")], ranges, { transpile: () => [], byName: false });
  const tok = ranges.find((r) => r.name === "tokenize")!;
  assert.equal(tok.file, join(APP, "text.js"));
  assert.equal(tok.line, 2);
});

test("remapDenoTypeScript: perf map lines of a .ts module go back to the TypeScript source", () => {
  const denoDir = mkdtempSync(join(tmpdir(), "vmprof-deno-"));
  try {
    const ts = join(FIX, "fib.ts");
    mkdirSync(join(denoDir, "gen", "file", dirname(ts)), { recursive: true });
    writeFileSync(join(denoDir, "gen", "file", ts + ".js"), fixture("deno-gen-fib.ts.js"));
    const ranges = parsePerfMap(fixture("deno-perf.map").toString("utf8"))
      .filter((r) => r.file === "/tmp/sym/fib.ts")
      .map((r) => ({ ...r, file: ts }));
    const changed = remapDenoTypeScript(ranges, { denoDir });
    assert.equal(changed, ranges.length);
    const pos = (name: string) => [...new Set(ranges.filter((r) => r.name === name).map((r) => `${r.line}:${r.col}`))];
    assert.deepEqual(pos("fib"), ["4:13"]); // was 2:13 in the emitted JavaScript
    assert.deepEqual(pos("Foo"), ["8:1"]);
    assert.deepEqual(pos("bar"), ["9:6"]);
    assert.deepEqual(pos("<anonymous>"), ["16:28"]);
    assert.deepEqual(pos("<module>"), ["1:1"]);
    // A stale cache (source changed since Deno emitted it) is not used.
    const stale = [{ ...ranges[0], file: join(FIX, "kinds.ts"), line: 2, col: 13 }];
    mkdirSync(join(denoDir, "gen", "file", FIX), { recursive: true });
    writeFileSync(join(denoDir, "gen", "file", FIX, "kinds.ts.js"), fixture("deno-gen-fib.ts.js"));
    assert.equal(remapDenoTypeScript(stale, { denoDir }), 0);
  } finally {
    rmSync(denoDir, { recursive: true, force: true });
  }
});

test("SourceMap: VLQ decoding and lookup", () => {
  // "AAAA,IAAI;AACA": line 0 → (gen 0: src 0:0), (gen 4: src 0:4); line 1 → (gen 0: src 1:4), source columns carry over lines
  const m = new SourceMap("AAAA,IAAI;AACA");
  assert.deepEqual(m.lookup(0, 0), { line: 0, col: 0 });
  assert.deepEqual(m.lookup(0, 6), { line: 0, col: 6 });
  assert.deepEqual(m.lookup(1, 3), { line: 1, col: 7 });
  assert.equal(m.lookup(5, 0), undefined);
});

test("codeBlockNamesFromHeapSnapshot: CodeBlock and callee addresses → names", () => {
  // Shape of bun:jsc generateHeapSnapshotForDebugging(): 7 fields per node, 4 per edge.
  const classes = [
    "Function",
    "FunctionExecutable",
    "FunctionCodeBlock",
    "FunctionRareData",
    "ModuleProgramExecutable",
    "ModuleProgramCodeBlock",
    "UnlinkedFunctionCodeBlock",
  ];
  const labels = ["", "fib", "helper"];
  const node = (id: number, cls: number, label: number, addr: string) => [id, 32, cls, 0, label, addr, "0x0"];
  const snap = {
    nodeClassNames: classes,
    labels,
    nodes: [
      ...node(1, 0, 1, "0x1000"), // Function fib
      ...node(2, 1, 0, "0x2000"), // its executable
      ...node(3, 2, 0, "0x3000"), // its CodeBlock
      ...node(4, 0, 2, "0x1100"), // Function helper, with rare data
      ...node(5, 3, 0, "0x5000"),
      ...node(6, 1, 0, "0x2100"),
      ...node(7, 2, 0, "0x3100"),
      ...node(8, 4, 0, "0x4000"), // module
      ...node(9, 5, 0, "0x4100"),
      ...node(10, 6, 0, "0x4200"), // unlinked code blocks are not frames
    ],
    edges: [1, 2, 0, 0, 2, 3, 0, 0, 4, 5, 0, 0, 5, 6, 0, 0, 6, 7, 0, 0, 8, 9, 0, 0, 2, 10, 0, 0],
  };
  const names = codeBlockNamesFromHeapSnapshot(snap);
  assert.equal(names.get(0x3000), "fib");
  assert.equal(names.get(0x1000), "fib");
  assert.equal(names.get(0x3100), "helper");
  assert.equal(names.get(0x1100), "helper");
  assert.equal(names.get(0x4100), "<module>");
  assert.equal(names.get(0x4200), undefined);
});

test("jitdump records after the agent's stop marker are dropped (exit-hook code reusing freed JIT memory)", async () => {
  const { compiledBeforeStop } = await import("../../lib/symbols/bun/naming.ts");
  const r = (name: string, seq: number, start = 0x1000): CodeRange => ({
    start,
    size: 0x100,
    seq,
    name,
    kind: "js",
    tier: "ftl",
  });
  const hot = r("heavy", 1), marker = r("/vmprof_js_stop_42/", 2, 0x9000), late = r("/^jit-(\\d+)\\.dump$/", 3);
  assert.deepEqual(compiledBeforeStop([hot, marker, late], "vmprof_js_stop_42"), [hot]);
  assert.equal(
    new CodeIndex(compiledBeforeStop([hot, marker, late], "vmprof_js_stop_42")).lookup(0x1010)?.name,
    "heavy",
  );
  assert.equal(
    new CodeIndex([hot, marker, late]).lookup(0x1010)?.name,
    late.name,
    "without the marker the later record wins",
  );
  assert.deepEqual(
    compiledBeforeStop([hot, late], "vmprof_js_stop_42"),
    [hot, late],
    "no marker in the dump: keep everything",
  );
  assert.deepEqual(compiledBeforeStop([hot, late], undefined), [hot, late]);
});

/** What a CodeIndex over every range says at each point, and what one over select(points) says. */
function lookupsBothWays(text: string, points: number[]): { full: unknown[]; selected: unknown[]; unnamed: boolean } {
  const at = Float64Array.from(new Set(points)).sort();
  const full = new CodeIndex(parsePerfMap(text));
  const map = new PerfMapIndex("/nonexistent");
  map.append(new TextEncoder().encode(text));
  const chosen = map.select(at);
  const unnamed = chosen.every((r) => r.unnamed !== undefined);
  for (const r of chosen) nameRange(r);
  const part = new CodeIndex(chosen);
  return { full: [...at].map((p) => full.lookup(p)), selected: [...at].map((p) => part.lookup(p)), unnamed };
}

test("PerfMapIndex.select: a CodeIndex over the chosen ranges looks up what one over every range does", () => {
  const map = fixture("deno-perf.map").toString("utf8");
  const edges = "0x10 0x8 JS:~f file:///a.ts:1:1\n20 4 Builtin:X\ncontinued\n12 2 Builtin:Later\n30 2 half";
  for (const text of [map, edges]) {
    const ranges = parsePerfMap(text);
    const points = ranges.flatMap((r) => [r.start - 1, r.start, r.start + 1, r.start + r.size - 1, r.start + r.size]);
    const { full, selected, unnamed } = lookupsBothWays(text, points);
    assert.deepEqual(selected, full);
    assert.ok(unnamed, "nothing named before it is asked for");
  }
  // A later line over an earlier one wins where it covers; a name with a newline stays whole.
  const { selected } = lookupsBothWays(edges, [0x13, 0x16, 0x21]);
  assert.deepEqual((selected as CodeRange[]).map((r) => r?.name), ["Later", "f", "X\ncontinued"]);
  assert.deepEqual(lookupsBothWays(edges, [0x32]).selected, [undefined], "a last line without its newline is not read");
});

test("PerfMapIndex: bytes in any pieces index as the whole file does; follow() reads a growing file, and one written again", () => {
  const bytes = fixture("deno-perf.map");
  const at = Float64Array.from(parsePerfMap(bytes.toString("utf8")).map((r) => r.start + 1)).sort();
  const whole = new PerfMapIndex("/nonexistent");
  whole.append(bytes);
  let seed = 7;
  for (let round = 0; round < 20; round++) {
    const pieces = new PerfMapIndex("/nonexistent");
    for (let at = 0; at < bytes.length;) {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      const n = 1 + (seed % 300);
      pieces.append(bytes.subarray(at, at + n));
      at += n;
    }
    assert.deepEqual(pieces.select(at), whole.select(at), `round ${round}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "vmprof-follow-"));
  try {
    const path = join(dir, "perf-1.map");
    const map = new PerfMapIndex(path);
    map.follow();
    assert.equal(map.lines, 0, "no file yet: nothing");
    writeFileSync(path, "10 8 JS:~f file:///a.ts:1:1\n20 4 Buil");
    map.follow();
    assert.equal(map.lines, 1, "the line being written waits");
    writeFileSync(path, "10 8 JS:~f file:///a.ts:1:1\n20 4 Builtin:X\n", { flag: "w" });
    map.follow();
    assert.equal(map.lines, 2);
    // V8 truncates a stale map of the same pid and writes its own: read from the start again.
    writeFileSync(path, "40 2 Builtin:New\n");
    map.follow();
    assert.equal(map.lines, 1);
    const [r] = map.select(Float64Array.of(0x40));
    assert.equal(r.unnamed, "Builtin:New");
    map.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("waitForMarker: returns once the marker is written, even split across two writes; falls back to quiet", async () => {
  const { spawn } = await import("node:child_process");
  const { waitForMarker } = await import("../../lib/symbols/jitdump-files.ts");
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-marker-"));
  try {
    const file = join(dir, `jit-7-${process.pid}.dump`);
    writeFileSync(file, "header and records ".repeat(5000));
    // Another process appends the marker in two pieces, 60 ms and 120 ms from now.
    const writer = spawn("sh", [
      "-c",
      `sleep 0.06; printf 'xx vmprof_js_st' >> '${file}'; sleep 0.06; printf 'op_42 yy' >> '${file}'`,
    ]);
    const t0 = Date.now();
    const waited = waitForMarker(dir, process.pid, "vmprof_js_stop_42", {
      quietMs: 1000,
      maxWaitMs: 5000,
      fallbackMs: 3000,
    });
    const took = Date.now() - t0;
    assert.ok(took >= 100 && took < 2000, `found when the second piece came (${took} ms)`);
    assert.ok(waited <= took + 5);
    await new Promise((r) => writer.on("exit", r));
    // No marker at all: the quiet period after the fallback time ends the wait.
    const t1 = Date.now();
    waitForMarker(dir, process.pid, "never_written", { quietMs: 50, maxWaitMs: 5000, fallbackMs: 100 });
    const none = Date.now() - t1;
    assert.ok(none >= 100 && none < 1000, `fell back to the quiet period (${none} ms)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
