// Turns a raw log (return addresses as the sampler recorded them) into the final vmprof log:
// every pc becomes the key of the function it belongs to, with a VIRTUAL_IP record naming it
// `js:<name>:<line>:<file>`; native pcs are folded into their JS caller, or kept and named
// `n:<module>+0x<offset>:0:<path>` with `native` (docs/FORMAT.md, "The named log").
//
// The pieces: FrameKeys (frame-keys.ts) gives each raw frame its key and name, Activities
// (activity.ts) says what each sample was doing, InlineFrames (inline-frames.ts) expands
// inlined functions, gc.ts tells GC samples apart; this file walks the samples and writes.
import { fileURLToPath } from "node:url";
import { ACTIVITY_LETTER, LLINT_TAG, META, SP_TAG } from "../contract.ts";
import { Flag } from "../format/constants.ts";
import type { Profile, Sample } from "../format/reader.ts";
import { LogWriter } from "../format/writer.ts";
import { isWorkerThread } from "../runtime.ts";
import { Activities } from "./activity.ts";
import type { CodeIndex, CodeRange } from "./code-index.ts";
import { type NativeMapping, NativeSymbolizer } from "./elf.ts";
import { FrameKeys, SYNTHETIC } from "./frame-keys.ts";
import { classifyGc, learnGcPcs, type LearnSample, type PcInfo, type PcLookup } from "./gc.ts";
import { InlineFrames } from "./inline-frames.ts";

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
  /**
   * Files of the profiler itself: a sample with a function of one of them on its stack is the
   * profiler's own work (its agent starting or finishing), not the program's, and is dropped
   * (counted in META vmprof_js.own_samples). Default: ownCode.
   */
  isOwnCode?: (r: CodeRange) => boolean;
  /**
   * Name V8's runtime functions in the stripped binary that embeds V8 (the GC's slow paths):
   * the runtime's naming says (RuntimeNaming.v8Runtime); by default, when the log is Deno's.
   */
  v8Runtime?: boolean;
}

export interface SymbolizeResult {
  bytes: Uint8Array;
  samples: number;
  /** Samples with at least one named JavaScript frame. */
  named: number;
}

/** The file-backed executable mappings of the raw log's `maps` META, by address. */
export function parseMaps(text: string | undefined): NativeMapping[] {
  const out: NativeMapping[] = [];
  for (const line of (text ?? "").split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+\S+\s+([0-9a-f]+)\s+\S+\s+\S+\s+(\/.*)$/.exec(line);
    if (m) out.push({ lo: parseInt(m[1], 16), hi: parseInt(m[2], 16), offset: parseInt(m[3], 16), path: m[4] });
  }
  return out.sort((a, b) => a.lo - b.lo);
}

// From JSR this module is an https: URL, and so are the agent's files in the profile.
const LIB_URL = new URL("../", import.meta.url);
const LIB_DIR = LIB_URL.protocol === "file:" ? fileURLToPath(LIB_URL) : LIB_URL.href;

/**
 * The agent's functions that Bun's naming may leave without a file (JSC's names carry none):
 * found by name then. Each is in lib/agent/start.ts, the one way into the agent's work.
 */
const AGENT_FUNCTIONS = new Set(["startAgent", "stopAgent", "agentNative", "agentSpool"]);

/**
 * The profiler's own code in a profiled process: the agent (lib/agent/), the library API
 * (lib/api.ts), and the agent's entry functions when no file is known.
 */
export function ownCode(r: CodeRange): boolean {
  if (r.kind !== "js") return false;
  if (r.file === undefined) return AGENT_FUNCTIONS.has(r.name);
  return r.file.startsWith(`${LIB_DIR}agent/`) || r.file === `${LIB_DIR}api.ts`;
}

export function symbolize(raw: Profile, index: CodeIndex, o: SymbolizeOptions = {}): SymbolizeResult {
  // V8's runtime-function table names the allocation slow paths that run its GC.
  const natives = new NativeSymbolizer(parseMaps(raw.meta.get(META.maps)), {
    v8Runtime: o.v8Runtime ?? raw.meta.get(META.runtime) === "deno",
  });
  const keys = new FrameKeys(index, natives, { isOwnCode: ownCode, ...o });
  const namer: SampleNamer = {
    index,
    keys,
    activities: new Activities(index, natives),
    inline: new InlineFrames(index, (r) => keys.jsKey(r)),
    topLevel: o.topLevel,
    native: !!o.native,
  };
  const threads = threadsOf(raw);
  const isGc = gcClassifier(raw, index, natives, threads);
  const samples: NamedSample[] = [];
  let own = 0;
  // The reader gives samples of one stack one array: each is named once (for GC or not).
  const once = [new Map<readonly number[], NamedSample>(), new Map<readonly number[], NamedSample>()];
  for (const s of raw.samples) {
    if (!o.allThreads && !threads.isJs(s.thread)) continue; // sampled only to learn the GC's code
    const gc = isGc(s);
    let named = once[gc ? 1 : 0].get(s.stack);
    if (!named) once[gc ? 1 : 0].set(s.stack, named = nameSample(s, namer, gc));
    else if (named.thread !== s.thread || named.rss !== s.rss) named = { ...named, thread: s.thread, rss: s.rss };
    if (keys.ownKeys.size > 0 && named.stack.some((k) => keys.ownKeys.has(k))) own++;
    else samples.push(named);
  }
  return writeNamedLog(raw, o, keys, samples, own);
}

/** What nameSample needs: the lookups and the key table, shared by all samples of a log. */
export interface SampleNamer {
  index: CodeIndex;
  keys: FrameKeys;
  activities: Activities;
  /** Expands inlined functions (without: none are). */
  inline?: InlineFrames;
  topLevel?: CodeRange;
  /** Keep native frames: then no "(garbage collector)" frame stands in for them. */
  native: boolean;
}

/** One sample of the named log. */
export interface NamedSample {
  /** Keys, outermost first. */
  stack: number[];
  /** Line of each frame (0: unknown). */
  lines: number[];
  thread: number;
  rss: number;
  /** ACTIVITY_LETTER of the sample. */
  activity: string;
  /** A named JavaScript frame is on the stack. */
  hasJs: boolean;
}

/** Names one raw sample: its frames' keys (folded, expanded, synthetic where none is left) and its activity. */
export function nameSample(s: Sample, n: SampleNamer, gc: boolean): NamedSample {
  const leaf = s.stack[s.stack.length - 1];
  let activity = leaf === undefined ? ACTIVITY_LETTER.native : n.activities.of(leaf);
  if (gc) activity = ACTIVITY_LETTER.gc;
  const stack: number[] = [];
  const lines: number[] = [];
  let hasJs = false;
  for (let i = 0; i < s.stack.length; i++) {
    let pc = s.stack[i];
    if (pc >= SP_TAG && pc < LLINT_TAG) {
      const caller = spWordCaller(pc - SP_TAG, leaf, i > 0 ? s.stack[i - 1] : undefined, n);
      if (caller === undefined) continue;
      pc = caller;
    }
    let key = n.keys.keyOf(pc);
    if (key === SYNTHETIC.interpreter && !hasJs && n.topLevel) key = n.keys.jsKey(n.topLevel);
    if (key === 0) continue;
    if (key % 2 === 0 && key !== SYNTHETIC.unknownJit && key !== SYNTHETIC.interpreter && key !== SYNTHETIC.truncated) {
      hasJs = true;
    }
    const inner = key % 2 === 0 && pc < LLINT_TAG ? n.inline?.at(pc, i === s.stack.length - 1) : null;
    stack.push(key);
    lines.push(inner ? inner[0].line : 0);
    if (inner) {
      for (let j = 1; j < inner.length; j++) {
        stack.push(inner[j].key);
        lines.push(inner[j].line);
      }
    }
  }
  if (gc && !n.native) {
    // The collector's native frames were folded away: name what they were doing.
    stack.push(n.keys.synthetic(SYNTHETIC.gc));
    lines.push(0);
  }
  if (stack.length === 0) {
    stack.push(n.keys.synthetic(SYNTHETIC.native));
    lines.push(0);
  }
  return { stack, lines, thread: s.thread, rss: s.rss, activity, hasJs };
}

/**
 * The word at the leaf's [sp] as the leaf's caller, for a leaf that keeps no frame (JIT
 * thunks, host calls from JIT code): only if the leaf is not JS code itself, the word is a
 * return address into JS code, and that function is not already the next frame out.
 */
export function spWordCaller(word: number, leaf: number, next: number | undefined, n: SampleNamer): number | undefined {
  if (n.activities.of(leaf) === ACTIVITY_LETTER.jit && n.index.lookup(leaf)?.kind === "js") return undefined;
  const r = n.index.lookup(word - 1);
  if (!r || r.kind !== "js" || (next !== undefined && n.index.lookup(next - 1) === r)) return undefined;
  return word;
}

/** Thread names (META `thread:<tid>`) and which threads run JavaScript. */
export function threadsOf(raw: Profile): { names: Map<number, string>; isJs(tid: number): boolean } {
  const names = new Map<number, string>();
  for (const [k, v] of raw.meta) {
    if (k.startsWith(META.threadPrefix)) names.set(Number(k.slice(META.threadPrefix.length)), v);
  }
  const pid = Number(raw.meta.get(META.pid));
  const runtime = raw.meta.get(META.runtime);
  // Without a pid (an old raw log) every thread counts as a JS thread.
  return { names, isJs: (tid) => !pid || tid === pid || isWorkerThread(runtime, names.get(tid) ?? "") };
}

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

/** GC samples: the GC's code is learned from this process's own samples, then each sample is classified (docs/GC.md). */
function gcClassifier(
  raw: Profile,
  index: CodeIndex,
  natives: NativeSymbolizer,
  threads: ReturnType<typeof threadsOf>,
): (s: Sample) => boolean {
  const lookup = gcPcLookup(index, natives);
  // Samples of one stack (one array from the reader) on one thread learn and are classified
  // alike: once per such group, with its count.
  const groups = new Map<readonly number[], Map<number, LearnSample>>();
  for (const x of raw.samples) {
    let byThread = groups.get(x.stack);
    if (!byThread) groups.set(x.stack, byThread = new Map());
    const g = byThread.get(x.thread);
    if (g) g.count!++;
    else {
      byThread.set(x.thread, {
        stack: x.stack,
        threadName: threads.names.get(x.thread),
        jsThread: threads.isJs(x.thread),
        count: 1,
      });
    }
  }
  const gcPcs = learnGcPcs([...groups.values()].flatMap((m) => [...m.values()]), lookup);
  const verdicts = new Map<LearnSample, boolean>();
  return (s) => {
    const g = groups.get(s.stack)!.get(s.thread)!;
    let gc = verdicts.get(g);
    if (gc === undefined) {
      verdicts.set(g, gc = classifyGc(s.stack, lookup, { threadName: g.threadName, gcPcs }) === "gc");
    }
    return gc;
  };
}

/** The named log: the raw header's mode, the raw META (but `maps`) and the namer's, the samples, the names. */
function writeNamedLog(
  raw: Profile,
  o: SymbolizeOptions,
  keys: FrameKeys,
  samples: NamedSample[],
  own: number,
): SymbolizeResult {
  const w = new LogWriter();
  const flags = (raw.flags & (Flag.MEMORY | Flag.REAL_TIME)) | (o.native ? Flag.NATIVE : 0) |
    (o.lines ? Flag.LINES : 0);
  w.header({ periodUsec: raw.periodUsec, flags, interpName: raw.interpName });
  if (raw.startMicros !== undefined) w.time(raw.startMicros);
  const named = samples.filter((s) => s.hasJs).length;
  for (const [k, v] of raw.meta) if (k !== META.maps) w.meta(k, v);
  w.meta(META.namedSamples, String(named));
  w.meta(META.ownSamples, String(own));
  if (!raw.complete) {
    const cut = raw.truncatedBytes > 0 ? `; ${raw.truncatedBytes} bytes of a record cut short were dropped` : "";
    w.meta(META.incomplete, `the profiled process ended without finishing its log (killed?)${cut}`);
  }
  w.meta(META.tiers, JSON.stringify(keys.tierOfKey));
  w.meta(META.activities, samples.map((s) => s.activity).join(""));
  // Lines come from optimized code's line tables only: say for how many samples.
  if (o.lines) {
    w.meta(
      META.linesKnown,
      `${samples.filter((s) => s.lines[s.lines.length - 1] > 0).length}/${samples.length}`,
    );
  }
  const memory = (flags & Flag.MEMORY) !== 0;
  for (const s of samples) {
    w.sample(s.stack, s.thread, memory ? s.rss : undefined, o.lines ? s.lines : undefined);
  }
  for (const [k, v] of keys.names) if (!keys.ownKeys.has(k)) w.symbol(k, v);
  for (const [k, v] of keys.nativeNames) w.nativeSymbol(k, v);
  w.trailer(raw.endMicros ?? Date.now() * 1000);
  return { bytes: w.bytes(), samples: samples.length, named };
}
