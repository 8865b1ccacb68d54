// Turns a raw log (return addresses as the sampler recorded them) into the final vmprof log:
// every pc becomes the key of the function it belongs to, with a VIRTUAL_IP record naming it
// `js:<name>:<line>:<file>`; native pcs are folded into their JS caller, or kept and named
// `n:<module>+0x<offset>:0:<path>` with `native`.
import { basename } from "node:path";
import { Flag } from "../format/constants.ts";
import type { Profile } from "../format/reader.ts";
import { LogWriter } from "../format/writer.ts";
import { CodeIndex, type CodeRange } from "./code-index.ts";
import { nativeFrameName, NativeSymbolizer } from "./elf.ts";
import { classifyGc, learnGcPcs, type PcInfo, type PcLookup } from "./gc.ts";
import { isWorkerThread } from "../runtime.ts";
import { ACTIVITY_LETTER, LLINT_TAG, META, SP_TAG } from "../contract.ts";

/** Keys of frames that stand for no code of their own (even, below any real code address). */
export const SYNTHETIC = {
  native: 0x100, // a sample with no JS frame at all: runtime or library code
  unknownJit: 0x200, // JIT code the symbol source never described
  interpreter: 0x300, // an interpreter frame we could not tell apart
  gc: 0x400, // the runtime collecting garbage (lib/symbols/gc.ts)
} as const;

const MIN_CODE_KEY = 0x10000;

const SYNTHETIC_NAMES: Record<number, string> = {
  [SYNTHETIC.native]: "js:(native code):0:-",
  [SYNTHETIC.unknownJit]: "js:(unnamed JIT code):0:-",
  [SYNTHETIC.interpreter]: "js:(interpreter):0:-",
  [SYNTHETIC.gc]: "js:(garbage collector):0:-",
};

export interface SymbolizeOptions {
  /** Keep native frames instead of folding them into their JS caller. */
  native?: boolean;
  /** Write vmprof's lines mode (a line per frame). */
  lines?: boolean;
  /** Keep samples of every thread; otherwise only JS threads' (GC threads sampled for learning are dropped). */
  allThreads?: boolean;
  /** Names for tagged interpreter frames (LLINT_TAG | id), when the symbol source has them. */
  interpreterNames?: Map<number, CodeRange>;
  /**
   * What an unnamed interpreter frame is when it is the outermost JS frame of a stack: the
   * program's top-level code, whose CodeBlock is gone by the time names are collected.
   */
  topLevel?: CodeRange;
}

export interface SymbolizeResult {
  bytes: Uint8Array;
  samples: number;
  /** Samples with at least one named JavaScript frame. */
  named: number;
}

/** A file-backed executable mapping from the raw log's `maps` META. */
interface Module {
  lo: number;
  hi: number;
  offset: number;
  path: string;
}

export function parseMaps(text: string | undefined): Module[] {
  const out: Module[] = [];
  for (const line of (text ?? "").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+([0-9a-f]+)\s+\S+\s+\S+\s+(\/.*)$/.exec(line);
    if (m) out.push({ lo: parseInt(m[1], 16), hi: parseInt(m[2], 16), offset: parseInt(m[3], 16), path: m[4] });
  }
  return out.sort((a, b) => a.lo - b.lo);
}


/** vmprof's readers split names on ':' into exactly four parts: keep ':' out of each part. */
function part(s: string): string {
  return s.replace(/^file:\/\//, "").replaceAll(":", ".").replaceAll("\n", " ");
}

export function codeName(r: CodeRange): string {
  return `js:${part(r.name || "<anonymous>")}:${r.line ?? 0}:${r.file ? part(r.file) : "-"}`;
}

const OUR_LIBRARY = /libvmprof\.so$/;

/** What each pc is, for the GC classifier (cached: it asks about every frame of every sample). */
function gcPcLookup(index: CodeIndex, natives: NativeSymbolizer): PcLookup {
  const cache = new Map<number, PcInfo | undefined>();
  return (pc) => {
    if (cache.has(pc)) return cache.get(pc);
    let info: PcInfo | undefined;
    if (pc < LLINT_TAG) {
      const r = index.lookup(pc);
      if (r) info = { kind: r.kind, name: r.name };
      else if (natives.mappingOf(pc)) {
        const f = natives.lookup(pc);
        info = { kind: "native", name: f?.symbol, module: f?.module };
      }
    } else {
      info = { kind: "js" };
    }
    cache.set(pc, info);
    return info;
  };
}

/** A frame found in a line table: its key and the line it was at (0: unknown). */
interface Frame {
  key: number;
  line: number;
}

interface FunctionStart {
  line: number;
  col: number;
  range: CodeRange;
}

/** JS functions by file, sorted by where they start (one entry per function). */
function functionStarts(index: CodeIndex): Map<string, FunctionStart[]> {
  const out = new Map<string, FunctionStart[]>();
  const seen = new Set<string>();
  for (const r of index.visible()) {
    if (r.kind !== "js" || !r.file || !r.line) continue;
    const id = `${r.file}:${r.line}:${r.col ?? 0}`;
    if (seen.has(id)) continue;
    seen.add(id);
    let list = out.get(r.file);
    if (!list) out.set(r.file, list = []);
    list.push({ line: r.line, col: r.col ?? 0, range: r });
  }
  for (const list of out.values()) list.sort((a, b) => a.line - b.line || a.col - b.col);
  return out;
}

/** The function that starts last at or before file:line:col (the innermost one, for code that is not nested). */
function functionAt(starts: Map<string, FunctionStart[]>, file: string, line: number, col: number): CodeRange | undefined {
  const list = starts.get(file);
  if (!list) return undefined;
  let lo = 0, hi = list.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const f = list[mid];
    if (f.line < line || (f.line === line && f.col <= col)) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found >= 0 ? list[found].range : undefined;
}

/**
 * The frames a pc of optimized code stands for, outermost first: the code's own function
 * (with the line when the position is its own), then the inlined function the line
 * table places the pc in. Null when the code has no line table.
 */
function inlinedFrames(
  r: CodeRange | undefined,
  pc: number,
  starts: Map<string, FunctionStart[]>,
  keyOf: (r: CodeRange) => number,
): Frame[] | null {
  const pos = r?.positions;
  if (!r || !pos || pos.offsets.length === 0) return null;
  const off = pc - r.start;
  let lo = 0, hi = pos.offsets.length - 1, i = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (pos.offsets[mid] <= off) {
      i = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  if (i < 0) return [{ key: keyOf(r), line: 0 }];
  const file = pos.files[i] ?? r.file;
  const line = pos.lines[i];
  const inner = file ? functionAt(starts, file, line, pos.cols[i]) : undefined;
  if (!inner || codeName(inner) === codeName(r)) return [{ key: keyOf(r), line }];
  return [{ key: keyOf(r), line: 0 }, { key: keyOf({ ...inner, tier: r.tier }), line }];
}

export function symbolize(raw: Profile, index: CodeIndex, o: SymbolizeOptions = {}): SymbolizeResult {
  const modules = parseMaps(raw.meta.get(META.maps));
  const deno = raw.meta.get(META.runtime) === "deno";
  // V8's runtime-function table names the allocation slow paths that run its GC.
  const natives = new NativeSymbolizer(modules, { v8Runtime: deno });
  const names = new Map<number, string>(); // key -> VIRTUAL_IP name
  const nativeNames = new Map<number, string>();
  const keyOfFunction = new Map<string, number>(); // one key per function and tier
  const tierOfKey: Record<number, string> = {};
  const pcCache = new Map<number, number>(); // raw frame -> key (0: folded away)

  // One key per function and tier: the names are equal, the tiers table tells them apart,
  // and Stats merges them into one function with a per-tier split.
  const jsKey = (r: CodeRange): number => {
    const name = codeName(r);
    const identity = `${name}\u0000${r.tier ?? ""}`;
    let key = keyOfFunction.get(identity);
    if (key === undefined) {
      // Code keys keep bit 0 clear and stay above the synthetic keys (a range without an
      // address of its own, like the program's top level, starts at 0).
      key = r.start >= MIN_CODE_KEY ? r.start - (r.start % 2) : MIN_CODE_KEY;
      while (names.has(key)) key += 2;
      keyOfFunction.set(identity, key);
      names.set(key, name);
      if (r.tier) tierOfKey[key] = r.tier;
    }
    return key;
  };

  // What the innermost frame of a sample was doing (see Stats.kindTotals).
  const kindCache = new Map<number, string>();
  const kindOf = (pc: number): string => {
    if (pc >= LLINT_TAG) return ACTIVITY_LETTER.interpreter;
    const r = index.lookup(pc);
    if (r) {
      if (r.kind === "js") return r.tier === "ignition" || r.tier === "llint" ? ACTIVITY_LETTER.interpreter : ACTIVITY_LETTER.jit;
      if (r.kind === "interpreter") return ACTIVITY_LETTER.interpreter;
      if (r.kind === "regexp" || r.kind === "wasm") return ACTIVITY_LETTER.jit;
      return ACTIVITY_LETTER.native; // builtins and stubs: the runtime's own code
    }
    // Anonymous executable memory is JIT code.
    return natives.mappingOf(pc) ? ACTIVITY_LETTER.native : ACTIVITY_LETTER.jit;
  };

  const resolve = (pc: number): number => {
    if (pc >= LLINT_TAG) {
      const r = o.interpreterNames?.get(pc);
      if (r) return jsKey(r);
      names.set(SYNTHETIC.interpreter, SYNTHETIC_NAMES[SYNTHETIC.interpreter]);
      return SYNTHETIC.interpreter;
    }
    const r = index.lookup(pc);
    if (r && r.kind === "js") return jsKey(r);
    if (r) {
      // Runtime code the JIT describes (builtins, stubs, regexp): native unless asked for.
      if (!o.native) return 0;
      const key = r.start % 2 === 1 ? r.start : r.start + 1; // (not `| 1`: 32-bit in JS)
      nativeNames.set(key, `n:${part(r.name)}:0:-`);
      return key;
    }
    const m = natives.mappingOf(pc);
    if (m) {
      if (!o.native || OUR_LIBRARY.test(m.path)) return 0;
      // One key per function symbol (all its pcs); without symbols, one per pc.
      const f = natives.lookup(pc);
      const at = f?.symbolPc ?? pc;
      const key = at % 2 === 1 ? at : at + 1;
      if (!nativeNames.has(key)) {
        const name = f ? nativeFrameName(f) : `${basename(m.path)}+0x${(pc - m.lo + m.offset).toString(16)}`;
        nativeNames.set(key, `n:${part(name)}:0:${part(m.path)}`);
      }
      return key;
    }
    // Executable memory that no module backs and no symbol source names: JIT code.
    names.set(SYNTHETIC.unknownJit, SYNTHETIC_NAMES[SYNTHETIC.unknownJit]);
    return SYNTHETIC.unknownJit;
  };

  const w = new LogWriter();
  const flags = (raw.flags & (Flag.MEMORY | Flag.REAL_TIME)) | (o.native ? Flag.NATIVE : 0) |
    (o.lines ? Flag.LINES : 0);
  w.header({ periodUsec: raw.periodUsec, flags, interpName: raw.interpName });
  if (raw.startMicros !== undefined) w.time(raw.startMicros);

  let named = 0;
  // Optimized code's line tables (V8 jitdump) place a pc in the innermost inlined function:
  // when that is another function, it becomes a frame of its own inside the code's frame.
  const functionsByFile = functionStarts(index);
  const positionCache = new Map<number, Frame[] | null>();
  const framesAt = (pc: number, leaf: boolean): Frame[] | null => {
    const at = leaf ? pc : pc - 1; // a return address is just past its call
    let f = positionCache.get(at);
    if (f === undefined) positionCache.set(at, f = inlinedFrames(index.lookup(at), at, functionsByFile, jsKey));
    return f;
  };

  // GC: learned from this process's own samples, then each sample classified (docs/GC.md).
  const gcLookup = gcPcLookup(index, natives);
  const threadNames = new Map<number, string>();
  for (const [k, v] of raw.meta) {
    if (k.startsWith(META.threadPrefix)) threadNames.set(Number(k.slice(META.threadPrefix.length)), v);
  }
  const pid = Number(raw.meta.get(META.pid));
  // Without a pid (an old raw log) every thread counts as a JS thread.
  const isJsThread = (tid: number) =>
    !pid || tid === pid || isWorkerThread(raw.meta.get(META.runtime), threadNames.get(tid) ?? "");
  const gcPcs = learnGcPcs(
    raw.samples.map((x) => ({ stack: x.stack, threadName: threadNames.get(x.thread), jsThread: isJsThread(x.thread) })),
    gcLookup,
  );

  let withLines = 0;
  const bodies: { stack: number[]; lines: number[]; thread: number; rss: number }[] = [];
  const kinds: string[] = [];
  for (const s of raw.samples) {
    if (!o.allThreads && !isJsThread(s.thread)) continue; // sampled only to learn the GC's code
    const leaf = s.stack[s.stack.length - 1];
    let kind = leaf === undefined ? ACTIVITY_LETTER.native : kindCache.get(leaf);
    if (kind === undefined) kindCache.set(leaf, kind = kindOf(leaf));
    const gc = classifyGc(s.stack, gcLookup, { threadName: threadNames.get(s.thread), gcPcs }) === "gc";
    if (gc) kind = ACTIVITY_LETTER.gc;
    kinds.push(kind);
    const stack: number[] = [];
    const lines: number[] = [];
    let hasJs = false;
    for (let i = 0; i < s.stack.length; i++) {
      let pc = s.stack[i];
      if (pc >= SP_TAG && pc < LLINT_TAG) {
        // The leaf's caller when the leaf keeps no frame (JIT thunks, host calls from JIT
        // code): kept only if the leaf is not JS code itself, the word is a return address
        // into JS code, and that function is not already the next frame out.
        pc -= SP_TAG;
        const next = i > 0 ? s.stack[i - 1] : undefined;
        if (kindOf(leaf) === ACTIVITY_LETTER.jit && index.lookup(leaf)?.kind === "js") continue;
        const r = index.lookup(pc - 1);
        if (!r || r.kind !== "js" || (next !== undefined && index.lookup(next - 1) === r)) continue;
      }
      let key = pcCache.get(pc);
      if (key === undefined) pcCache.set(pc, key = resolve(pc));
      if (key === SYNTHETIC.interpreter && !hasJs && o.topLevel) key = jsKey(o.topLevel);
      if (key === 0) continue;
      if (key % 2 === 0 && key !== SYNTHETIC.unknownJit && key !== SYNTHETIC.interpreter) hasJs = true;
      const inner = key % 2 === 0 && pc < LLINT_TAG ? framesAt(pc, i === s.stack.length - 1) : null;
      if (inner) {
        stack.push(key);
        lines.push(inner[0].line);
        for (let j = 1; j < inner.length; j++) {
          stack.push(inner[j].key);
          lines.push(inner[j].line);
        }
      } else {
        stack.push(key);
        lines.push(0);
      }
    }
    if (hasJs) named++;
    if (gc && !o.native) {
      // The collector's native frames were folded away: name what they were doing.
      stack.push(SYNTHETIC.gc);
      lines.push(0);
      names.set(SYNTHETIC.gc, SYNTHETIC_NAMES[SYNTHETIC.gc]);
    }
    if (stack.length === 0) {
      stack.push(SYNTHETIC.native);
      lines.push(0);
      names.set(SYNTHETIC.native, SYNTHETIC_NAMES[SYNTHETIC.native]);
    }
    if (lines[lines.length - 1] > 0) withLines++;
    bodies.push({ stack, lines, thread: s.thread, rss: s.rss });
  }

  for (const [k, v] of raw.meta) if (k !== META.maps) w.meta(k, v);
  w.meta(META.namedSamples, String(named));
  w.meta(META.tiers, JSON.stringify(tierOfKey));
  w.meta(META.activities, kinds.join(""));
  // Lines come from optimized code's line tables only: say for how many samples.
  if (o.lines) w.meta(META.linesKnown, `${withLines}/${bodies.length}`);
  const memory = (flags & Flag.MEMORY) !== 0;
  for (const b of bodies) {
    w.sample(b.stack, b.thread, memory ? b.rss : undefined, o.lines ? b.lines : undefined);
  }
  for (const [k, v] of names) w.symbol(k, v);
  for (const [k, v] of nativeNames) w.nativeSymbol(k, v);
  w.trailer(raw.endMicros ?? Date.now() * 1000);
  return { bytes: w.bytes(), samples: bodies.length, named };
}
