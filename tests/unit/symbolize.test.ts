// Unit tests for the namer (lib/symbols/symbolize.ts and its pieces frame-keys.ts, activity.ts,
// inline-frames.ts): raw logs over the captured symbol fixtures (Deno perf map, V8 and JSC jitdumps)
// become named logs: keys, names, tiers, activity letters, folding, raw-frame tags, lines.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { skip, test } from "../harness.ts";
import { LLINT_TAG, META, SP_TAG } from "../../lib/contract.ts";
import { LINES, NATIVE } from "../../lib/format/constants.ts";
import { parseLog, type Profile } from "../../lib/format/reader.ts";
import { CodeIndex, type CodeRange } from "../../lib/symbols/code-index.ts";
import { nativeFrameName, NativeSymbolizer } from "../../lib/symbols/elf.ts";
import {
  nameSample,
  parseMaps,
  type SampleNamer,
  spWordCaller,
  symbolize,
  type SymbolizeOptions,
  threadsOf,
} from "../../lib/symbols/symbolize.ts";
import { codeName, FrameKeys, MIN_CODE_KEY, SYNTHETIC } from "../../lib/symbols/frame-keys.ts";
import { Activities } from "../../lib/symbols/activity.ts";
import { functionAt, functionStarts, InlineFrames } from "../../lib/symbols/inline-frames.ts";
import {
  bunJitdump,
  denoJitdump,
  denoPerfMap,
  PID,
  rangeOf,
  rawProfile,
  type RawSample,
} from "../fixtures/raw-profile.ts";

const map = denoPerfMap();
const fibIgnition = rangeOf(map, (r) => r.name === "fib" && r.tier === "ignition" && r.size > 0x100);
const fibTurbofan = rangeOf(map, (r) => r.name === "fib" && r.tier === "turbofan");
const fibMaglev = rangeOf(map, (r) => r.name === "fib" && r.tier === "maglev");
const barIgnition = rangeOf(map, (r) => r.name === "bar" && r.tier === "ignition" && r.size > 0x100);
const regexpExec = rangeOf(map, (r) => r.name === "RegExpPrototypeExec");
const trampoline = rangeOf(map, (r) => r.name === "InterpreterEntryTrampoline");
const NO_CODE = 0x5555_0000_0000; // no range, no mapping: anonymous JIT memory

/** Names the raw samples and reads the named log back. */
function name(
  runtime: "deno" | "bun",
  ranges: CodeRange[],
  samples: RawSample[],
  o: SymbolizeOptions = {},
  meta?: [string, string][],
) {
  const result = symbolize(rawProfile(runtime, samples, { meta }), new CodeIndex(ranges), o);
  const log = parseLog(result.bytes);
  const names = (i: number) => log.samples[i].stack.map((k) => log.symbols.get(k));
  return { result, log, names };
}

const tiers = (log: Profile) => JSON.parse(log.meta.get(META.tiers)!) as Record<string, string>;

test("symbolize: one key per function and tier, named js:<name>:<line>:<file>, tiers in META", () => {
  const { log, names, result } = name("deno", map, [
    { stack: [fibIgnition.start + 4] },
    { stack: [fibTurbofan.start + 4] },
    { stack: [barIgnition.start + 8, fibIgnition.start + 12] },
  ]);
  assert.equal(result.samples, 3);
  assert.equal(result.named, 3);
  assert.deepEqual(log.samples.map((s) => s.stack), [
    [fibIgnition.start],
    [fibTurbofan.start],
    [barIgnition.start, fibIgnition.start],
  ]);
  assert.deepEqual(names(2), ["js:bar:6:/tmp/sym/fib.ts", "js:fib:2:/tmp/sym/fib.ts"]);
  assert.equal(log.symbols.get(fibTurbofan.start), "js:fib:2:/tmp/sym/fib.ts");
  assert.deepEqual(tiers(log), {
    [fibIgnition.start]: "ignition",
    [fibTurbofan.start]: "turbofan",
    [barIgnition.start]: "ignition",
  });
  assert.equal(log.meta.get(META.namedSamples), "3");
  assert.equal(log.meta.get(META.runtime), "deno", "raw META is carried over");
  assert.equal(log.meta.get(META.threadPrefix + PID), "main");
});

test("symbolize: an activity letter per sample from the innermost frame", () => {
  const { log } = name("deno", map, [
    { stack: [fibIgnition.start + 4] }, // interpreter tier
    { stack: [fibTurbofan.start + 4] }, // optimized code
    { stack: [fibTurbofan.start + 4, regexpExec.start + 4] }, // a builtin: the runtime's code
    { stack: [trampoline.start + 4] }, // the interpreter's own code
    { stack: [NO_CODE] }, // executable memory nothing names: JIT code
    { stack: [] },
  ]);
  assert.equal(log.meta.get(META.activities), "IJNIJN");
});

test("symbolize: runtime code folds into its JS caller; with native it is an odd key named n:", () => {
  const samples = [{ stack: [fibTurbofan.start + 4, regexpExec.start + 4] }, { stack: [regexpExec.start + 8] }, {
    stack: [NO_CODE],
  }];
  const folded = name("deno", map, samples);
  assert.deepEqual(folded.names(0), ["js:fib:2:/tmp/sym/fib.ts"]);
  assert.deepEqual(folded.names(1), ["js:(native code):0:-"], "nothing left: the sample is native code");
  assert.deepEqual(folded.names(2), ["js:(unnamed JIT code):0:-"]);
  assert.equal(folded.result.named, 1);
  assert.equal(folded.log.flags & NATIVE, 0);
  const kept = name("deno", map, samples, { native: true });
  assert.deepEqual(kept.log.samples[0].stack, [fibTurbofan.start, regexpExec.start + 1]);
  assert.deepEqual(kept.names(0), ["js:fib:2:/tmp/sym/fib.ts", "n:RegExpPrototypeExec:0:-"]);
  assert.ok(kept.log.flags & NATIVE);
});

test("symbolize: the word at the leaf's [sp] is kept only as a JS caller the stack does not have yet", () => {
  const word = SP_TAG + fibTurbofan.start + 10; // a return address into fib
  const { names } = name("deno", map, [
    { stack: [barIgnition.start + 4, word, regexpExec.start + 4] }, // a frameless builtin called from fib
    { stack: [fibTurbofan.start + 20, word, regexpExec.start + 4] }, // fib is the next frame out already
    { stack: [barIgnition.start + 4, word, fibMaglev.start + 4] }, // the leaf is JIT code: its own frame
    { stack: [barIgnition.start + 4, SP_TAG + regexpExec.start + 8, regexpExec.start + 4] }, // not into JS
  ]);
  assert.deepEqual(names(0), ["js:bar:6:/tmp/sym/fib.ts", "js:fib:2:/tmp/sym/fib.ts"]);
  assert.deepEqual(names(1), ["js:fib:2:/tmp/sym/fib.ts"]);
  assert.deepEqual(names(2), ["js:bar:6:/tmp/sym/fib.ts", "js:fib:2:/tmp/sym/fib.ts"]);
  assert.deepEqual(names(3), ["js:bar:6:/tmp/sym/fib.ts"]);
});

test("symbolize: JSC interpreter frames (LLINT_TAG + CodeBlock) by the agent's names, else (interpreter) or the top level", () => {
  const ranges = bunJitdump();
  const main = "/tmp/sym/fibb.ts";
  const fibBlock = LLINT_TAG + 0x7f00_1000;
  const interpreterNames = new Map<number, CodeRange>([
    [fibBlock, { start: 0x7f00_1000, size: 0, seq: -1, name: "fib", kind: "js", tier: "llint", file: main, line: 2 }],
  ]);
  const topLevel: CodeRange = {
    start: 0,
    size: 0,
    seq: -1,
    name: "<module>",
    kind: "js",
    tier: "llint",
    file: main,
    line: 1,
  };
  const samples = [{ stack: [LLINT_TAG + 0x7f00_2000, fibBlock] }, { stack: [fibBlock, LLINT_TAG + 0x7f00_2000] }];
  const named = name("bun", ranges, samples, { interpreterNames, topLevel });
  assert.deepEqual(
    named.names(0),
    [`js:<module>:1:${main}`, `js:fib:2:${main}`],
    "the outermost unnamed frame is the top level",
  );
  assert.deepEqual(named.names(1), [`js:fib:2:${main}`, "js:(interpreter):0:-"]);
  assert.equal(named.log.meta.get(META.activities), "II");
  assert.equal(tiers(named.log)[0x7f00_1000], "llint");
  assert.equal(tiers(named.log)[0x10000], "llint", "a range at 0 gets the first code key");
  const bare = name("bun", ranges, samples);
  assert.deepEqual(bare.names(0), ["js:(interpreter):0:-", "js:(interpreter):0:-"]);
  assert.equal(bare.result.named, 0);
});

test("symbolize: Bun's JIT tiers, thunks and regexps from the jitdump fixture", () => {
  const ranges = bunJitdump();
  const fibFtl = rangeOf(ranges, (r) => r.name === "fib" && r.tier === "ftl");
  const thunk = rangeOf(ranges, (r) => r.name === "Thunk: DefaultCall");
  const regexp = rangeOf(ranges, (r) => r.kind === "regexp");
  const llintThunk = rangeOf(ranges, (r) => r.kind === "interpreter");
  const { log, names } = name("bun", ranges, [
    { stack: [fibFtl.start + 8, thunk.start + 4] },
    { stack: [fibFtl.start + 8, regexp.start + 4] },
    { stack: [llintThunk.start + 4] },
  ]);
  assert.deepEqual(names(0), ["js:fib:0:-"], "fib before its file is known");
  assert.deepEqual(names(1), ["js:fib:0:-"]);
  assert.equal(log.meta.get(META.activities), "NJI");
  assert.equal(tiers(log)[fibFtl.start], "ftl");
});

test("symbolize: only JS threads unless allThreads (GC helpers are sampled to learn the GC's code)", () => {
  const meta: [string, string][] = [[META.threadPrefix + 7, "worker-1"], [META.threadPrefix + 8, "v8:Worker"]];
  const samples = [{ stack: [fibTurbofan.start] }, { stack: [fibTurbofan.start], thread: 7 }, {
    stack: [barIgnition.start],
    thread: 8,
  }];
  assert.deepEqual(name("deno", map, samples, {}, meta).log.samples.map((s) => s.thread), [PID, 7]);
  assert.deepEqual(name("deno", map, samples, { allThreads: true }, meta).log.samples.map((s) => s.thread), [
    PID,
    7,
    8,
  ]);
});

test("symbolize: --lines from V8's line tables, at the pc for the leaf and before the return address otherwise", () => {
  const ranges = denoJitdump();
  const turbofan = rangeOf(ranges, (r) => r.name === "fib" && r.tier === "turbofan");
  // Its line table: from offset 75 on line 2, from 89 on line 3.
  const { log, names } = name("deno", ranges, [
    { stack: [turbofan.start + 89] }, // leaf: the pc itself, line 3
    { stack: [turbofan.start + 89, turbofan.start + 76] }, // return address 89: the call at 88, line 2
  ], { lines: true });
  assert.ok(log.flags & LINES);
  assert.deepEqual(names(1), ["js:fib:2:/tmp/sym/fib.ts", "js:fib:2:/tmp/sym/fib.ts"]);
  assert.deepEqual(log.samples[0].lines, [3]);
  assert.deepEqual(log.samples[1].lines, [2, 2]);
  assert.equal(log.meta.get(META.linesKnown), "2/2");
});

test("symbolize: an inlined function becomes a frame of its own inside the optimized code's frame", () => {
  const ranges = denoJitdump();
  const bar = rangeOf(ranges, (r) => r.name === "bar");
  // bar's code with fib inlined: its line table places these pcs in fib's body (fib.ts:3:12).
  bar.positions = { offsets: [0], lines: [3], cols: [12], files: ["/tmp/sym/fib.ts"] };
  const { log, names } = name("deno", ranges, [{ stack: [bar.start + 30] }], { lines: true });
  assert.deepEqual(names(0), ["js:bar:6:/tmp/sym/fib.ts", "js:fib:2:/tmp/sym/fib.ts"]);
  assert.deepEqual(log.samples[0].lines, [0, 3]);
  assert.equal(tiers(log)[log.samples[0].stack[1]], bar.tier, "the inlined frame has the tier of the code it runs in");
});

test("symbolize: native pcs are named through NativeSymbolizer (ELF symbols), by module+offset without them", () => {
  const lines = readFileSync("/proc/self/maps", "utf8").split("\n");
  const libcLine = lines.find((l) => /\sr-xp\s/.test(l) && /\/libc[.-][^/]*so/.test(l));
  if (!libcLine) skip("no libc in /proc/self/maps (static or musl runtime)");
  const [libc] = parseMaps(libcLine);
  const natives = new NativeSymbolizer([libc]);
  // Two pcs of one libc function (its start + 2 and + 6), found by scanning its code.
  let pc = libc.lo;
  for (; pc < libc.hi; pc += 64) if ((natives.lookup(pc)?.symbolSize ?? 0) > 16) break;
  const f = natives.lookup(pc)!;
  const start = f.symbolPc!;
  const fake = "/nonexistent/libfake.so";
  const maps = [
    libcLine,
    `7f0000000000-7f0000010000 r-xp 00002000 00:00 0 ${fake}`,
    `7e0000000000-7e0000010000 r-xp 00000000 00:00 0 /x/libvmprof.so`,
  ].join("\n");
  const samples = [
    { stack: [fibTurbofan.start + 4, start + 2] },
    { stack: [fibTurbofan.start + 4, start + 6] },
    { stack: [fibTurbofan.start + 4, 0x7f0000000100] },
    { stack: [fibTurbofan.start + 4, 0x7e0000000100] },
  ];
  const kept = name("deno", map, samples, { native: true }, [[META.maps, maps]]);
  const libcName = `n:${nativeFrameName(f)}:0:${libc.path}`;
  assert.ok(!nativeFrameName(f).includes("+0x"), `${nativeFrameName(f)} is a symbol`);
  assert.deepEqual(kept.names(0), ["js:fib:2:/tmp/sym/fib.ts", libcName]);
  assert.deepEqual(kept.log.samples[0].stack, kept.log.samples[1].stack, "one key per function");
  assert.equal(kept.log.samples[0].stack[1] % 2, 1, "native keys are odd");
  assert.deepEqual(kept.names(2), ["js:fib:2:/tmp/sym/fib.ts", `n:${basename(fake)}+0x2100:0:${fake}`]);
  assert.deepEqual(kept.names(3), ["js:fib:2:/tmp/sym/fib.ts"], "our own library never shows");
  assert.equal(kept.log.meta.get(META.maps), undefined, "maps stay in the raw log");
  assert.equal(kept.log.meta.get(META.activities), "NNNN");
  const folded = name("deno", map, samples, {}, [[META.maps, maps]]);
  for (let i = 0; i < 4; i++) assert.deepEqual(folded.names(i), ["js:fib:2:/tmp/sym/fib.ts"]);
});

// ---------------------------------------------------------------- the pieces

const index = new CodeIndex(map);
const noNatives = new NativeSymbolizer([]);

test("FrameKeys: a key per function and tier, synthetic keys, folded runtime code, cached per pc", () => {
  const keys = new FrameKeys(index, noNatives);
  assert.equal(keys.keyOf(fibIgnition.start + 4), fibIgnition.start);
  assert.equal(keys.keyOf(fibIgnition.start + 40), fibIgnition.start, "every pc of the function");
  assert.equal(keys.jsKey({ ...fibIgnition }), fibIgnition.start, "by name and tier, not by object");
  assert.equal(keys.keyOf(fibTurbofan.start + 4), fibTurbofan.start);
  assert.equal(keys.keyOf(regexpExec.start + 4), 0, "folded");
  assert.equal(keys.keyOf(NO_CODE), SYNTHETIC.unknownJit);
  assert.equal(keys.keyOf(LLINT_TAG + 0x1000), SYNTHETIC.interpreter);
  assert.equal(codeName(fibIgnition), "js:fib:2:/tmp/sym/fib.ts");
  assert.deepEqual(keys.names.get(fibTurbofan.start), codeName(fibTurbofan));
  assert.equal(keys.names.get(SYNTHETIC.unknownJit), "js:(unnamed JIT code):0:-");
  assert.deepEqual(keys.tierOfKey, { [fibIgnition.start]: "ignition", [fibTurbofan.start]: "turbofan" });
  // Two functions at one address (a range at 0 has none of its own): the next free even key.
  const top: CodeRange = { start: 0, size: 0, seq: -1, name: "<module>", kind: "js", file: "/a.ts", line: 1 };
  assert.equal(keys.jsKey(top), MIN_CODE_KEY);
  assert.equal(keys.jsKey({ ...top, name: "other" }), MIN_CODE_KEY + 2);
  assert.equal(
    keys.jsKey({ name: "x:y", file: "file:///p:q.ts", line: 3, start: 0x20001, size: 1, seq: 0, kind: "js" }),
    0x20000,
  );
  assert.equal(keys.names.get(0x20000), "js:x.y:3:/p.q.ts", "':' never splits a name part");
  const native = new FrameKeys(index, noNatives, { native: true });
  assert.equal(native.keyOf(regexpExec.start + 4), regexpExec.start + 1);
  assert.equal(native.nativeNames.get(regexpExec.start + 1), "n:RegExpPrototypeExec:0:-");
});

test("Activities: the letter of a leaf pc", () => {
  const a = new Activities(index, noNatives);
  assert.deepEqual(
    [fibIgnition, fibTurbofan, fibMaglev, regexpExec, trampoline].map((r) => a.of(r.start + 4)),
    ["I", "J", "J", "N", "I"],
  );
  assert.equal(a.of(NO_CODE), "J");
  assert.equal(a.of(LLINT_TAG + 0x1000), "I");
  const bun = bunJitdump();
  const b = new Activities(new CodeIndex(bun), noNatives);
  assert.equal(b.of(rangeOf(bun, (r) => r.kind === "regexp").start), "J");
  assert.equal(b.of(rangeOf(bun, (r) => r.kind === "stub").start), "N");
  assert.equal(b.of(rangeOf(bun, (r) => r.tier === "baseline").start), "J");
});

test("InlineFrames: functions by start, the line of a pc, the inlined function's own frame", () => {
  const ranges = denoJitdump();
  const jit = new CodeIndex(ranges);
  const starts = functionStarts(jit);
  assert.deepEqual(starts.get("/tmp/sym/fib.ts")!.map((f) => `${f.range.name}@${f.line}:${f.col}`), [
    "fib@2:13",
    "bar@6:6",
  ]);
  assert.equal(functionAt(starts, "/tmp/sym/fib.ts", 3, 12)?.name, "fib");
  assert.equal(functionAt(starts, "/tmp/sym/fib.ts", 6, 5)?.name, "fib", "before bar's start");
  assert.equal(functionAt(starts, "/tmp/sym/fib.ts", 9, 1)?.name, "bar");
  assert.equal(functionAt(starts, "/tmp/sym/fib.ts", 1, 1), undefined);
  assert.equal(functionAt(starts, "/elsewhere.ts", 3, 1), undefined);
  const keys = new FrameKeys(jit, noNatives);
  const inline = new InlineFrames(jit, (r) => keys.jsKey(r));
  const turbofan = rangeOf(ranges, (r) => r.name === "fib" && r.tier === "turbofan");
  assert.deepEqual(inline.at(turbofan.start + 89, true), [{ key: turbofan.start, line: 3 }]);
  assert.deepEqual(inline.at(turbofan.start + 89, false), [{ key: turbofan.start, line: 2 }]);
  assert.deepEqual(inline.at(turbofan.start + 10, true), [{ key: turbofan.start, line: 0 }], "before the first entry");
  assert.equal(inline.at(NO_CODE, true), null, "no code, no line table");
  const bar = rangeOf(ranges, (r) => r.name === "bar");
  bar.positions = { offsets: [0], lines: [3], cols: [12], files: ["/tmp/sym/fib.ts"] };
  const frames = new InlineFrames(jit, (r) => keys.jsKey(r)).at(bar.start + 30, true)!;
  assert.deepEqual(frames.map((f) => [keys.names.get(f.key), f.line]), [["js:bar:6:/tmp/sym/fib.ts", 0], [
    "js:fib:2:/tmp/sym/fib.ts",
    3,
  ]]);
  assert.equal(keys.tierOfKey[frames[1].key], bar.tier);
});

test("spWordCaller and nameSample: the [sp] word rule, the top level, GC and native stand-ins", () => {
  const keys = new FrameKeys(index, noNatives);
  const n: SampleNamer = { index, keys, activities: new Activities(index, noNatives), native: false };
  const intoFib = fibTurbofan.start + 10;
  assert.equal(spWordCaller(intoFib, regexpExec.start, barIgnition.start + 4, n), intoFib);
  assert.equal(
    spWordCaller(intoFib, regexpExec.start, fibTurbofan.start + 20, n),
    undefined,
    "fib is the next frame already",
  );
  assert.equal(spWordCaller(intoFib, regexpExec.start, undefined, n), intoFib);
  assert.equal(spWordCaller(intoFib, fibMaglev.start, undefined, n), undefined, "the leaf is JIT code");
  assert.equal(spWordCaller(regexpExec.start + 8, regexpExec.start, undefined, n), undefined, "not into JS code");
  const s = (stack: number[]) => ({ stack, thread: PID, rss: 7 });
  const gc = nameSample(s([fibTurbofan.start + 4, regexpExec.start + 4]), n, true);
  assert.deepEqual(gc, {
    stack: [fibTurbofan.start, SYNTHETIC.gc],
    lines: [0, 0],
    thread: PID,
    rss: 7,
    activity: "G",
    hasJs: true,
  });
  assert.equal(keys.names.get(SYNTHETIC.gc), "js:(garbage collector):0:-");
  assert.deepEqual(nameSample(s([]), n, false).stack, [SYNTHETIC.native]);
  assert.equal(nameSample(s([NO_CODE]), n, false).hasJs, false, "unnamed JIT code is not a named frame");
  const top: CodeRange = {
    start: 0,
    size: 0,
    seq: -1,
    name: "<module>",
    kind: "js",
    tier: "llint",
    file: "/a.ts",
    line: 1,
  };
  const withTop = nameSample(s([LLINT_TAG + 8, fibIgnition.start, LLINT_TAG + 8]), { ...n, topLevel: top }, false);
  assert.deepEqual(
    withTop.stack,
    [MIN_CODE_KEY, fibIgnition.start, SYNTHETIC.interpreter],
    "only the outermost is the top level",
  );
  assert.deepEqual(
    nameSample(s([fibIgnition.start]), { ...n, native: true }, true).stack,
    [fibIgnition.start],
    "no GC stand-in with native frames kept",
  );
});

test("threadsOf: the pid's thread and the runtime's worker threads run JavaScript", () => {
  const meta: [string, string][] = [[META.threadPrefix + 7, "worker-3"], [META.threadPrefix + 8, "Worker"], [
    META.threadPrefix + 9,
    "HeapHelper",
  ]];
  const deno = threadsOf(rawProfile("deno", [], { meta }));
  assert.deepEqual([PID, 7, 8, 9].map((t) => deno.isJs(t)), [true, true, false, false]);
  assert.equal(deno.names.get(9), "HeapHelper");
  const bun = threadsOf(rawProfile("bun", [], { meta }));
  assert.deepEqual([PID, 7, 8, 9].map((t) => bun.isJs(t)), [true, false, true, false]);
  const old = rawProfile("deno", [], { meta });
  old.meta.delete(META.pid);
  assert.equal(threadsOf(old).isJs(9), true, "without a pid every thread counts");
});

test("finishLog with the perf map the CLI followed while the program ran: the same log; another pid's is not used", async () => {
  const { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } = await import("node:fs");
  const process = (await import("node:process")).default;
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { LogWriter } = await import("../../lib/format/writer.ts");
  const { finishLog, followSource } = await import("../../lib/symbols/finish.ts");
  const dir = mkdtempSync(join(tmpdir(), "vmprof-followed-"));
  try {
    const raw = rawProfile("deno", [
      { stack: [fibIgnition.start + 4] },
      { stack: [barIgnition.start + 8, fibTurbofan.start + 12] },
      { stack: [trampoline.start + 2, fibMaglev.start + 6] },
    ]);
    const w = new LogWriter();
    w.header({ periodUsec: raw.periodUsec, flags: 0, interpName: raw.interpName });
    for (const [k, v] of raw.meta) w.meta(k, v);
    for (const s of raw.samples) w.sample(s.stack, s.thread);
    w.trailer(raw.endMicros!);
    const spool = join(dir, "raw.log");
    writeFileSync(spool, w.bytes());
    const map = join(dir, `perf-${PID}.map`);
    copyFileSync(new URL("../fixtures/symbols/deno-perf.map", import.meta.url), map);
    const atEnd = finishLog(spool, { symbolDir: dir, exited: true });
    assert.equal(atEnd.named, 3, "named from the map read at the end");
    const followed = followSource("deno", PID, dir);
    assert.equal(followSource("bun", PID, dir).source, undefined, "Bun's source needs the agent's report first");
    followed.step();
    rmSync(map); // what was followed is all there is now
    assert.equal(finishLog(spool, { symbolDir: dir, exited: true }).named, 0, "without it: nothing named");
    const other = { ...followed, pid: PID + 1 };
    assert.equal(finishLog(spool, { symbolDir: dir, exited: true, followed: other }).named, 0, "another pid's");
    const viaFollow = finishLog(spool, { symbolDir: dir, exited: true, followed });
    assert.deepEqual(viaFollow.bytes, atEnd.bytes);
    // The first step reads the runtime binary's symbols, for the native frames at the end.
    const { ElfFile } = await import("../../lib/symbols/elf.ts");
    const binary = join(dir, "runtime-binary");
    copyFileSync(existsSync("/usr/bin/true") ? "/usr/bin/true" : process.execPath, binary); // any ELF
    followSource("deno", PID, dir, binary).step();
    rmSync(binary);
    assert.ok(ElfFile.open(binary), "read while it was there");
    ElfFile.clearCache();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("symbolize: samples that share one stack array keep their own thread and rss", async () => {
  const { MEMORY } = await import("../../lib/format/constants.ts");
  const stack = [barIgnition.start + 8, fibTurbofan.start + 12];
  const raw = rawProfile("deno", [
    { stack, rss: 100 },
    { stack, rss: 200 },
    { stack, thread: 7, rss: 300 },
    { stack: [...stack], rss: 400 },
  ], { flags: MEMORY, meta: [[META.threadPrefix + 7, "worker-1"]] });
  const log = parseLog(symbolize(raw, new CodeIndex(map), { allThreads: true }).bytes);
  assert.deepEqual(log.samples.map((s) => [s.thread, s.rss]), [[PID, 100], [PID, 200], [7, 300], [PID, 400]]);
  const first = log.samples[0].stack;
  assert.ok(log.samples.every((s) => JSON.stringify(s.stack) === JSON.stringify(first)), "named alike");
});

test("lookupPoints: every frame and the byte before it, a leaf's [sp] word too, ascending, once; no interpreter tags", async () => {
  const { lookupPoints } = await import("../../lib/symbols/finish.ts");
  const { distinctFrames } = await import("../../lib/format/reader.ts");
  const raw = rawProfile("deno", [
    { stack: [0x2000, SP_TAG + 0x3000] },
    { stack: [0x2000, 0x1000, LLINT_TAG + 0x40] },
  ]);
  assert.deepEqual([...lookupPoints(distinctFrames(raw.samples))], [
    0xfff,
    0x1000,
    0x1fff,
    0x2000,
    0x2fff,
    0x3000,
    SP_TAG + 0x2fff,
    SP_TAG + 0x3000,
  ]);
});
