// Turns a raw log (return addresses as the sampler recorded them) into the final vmprof log:
// every pc becomes the key of the function it belongs to, with a VIRTUAL_IP record naming it
// `js:<name>:<line>:<file>`; native pcs are folded into their JS caller, or kept and named
// `n:<module>+0x<offset>:0:<path>` with `native`.
import { basename } from "node:path";
import { Flag } from "../format/constants.ts";
import type { Profile } from "../format/reader.ts";
import { LogWriter } from "../format/writer.ts";
import { CodeIndex, type CodeRange } from "./code-index.ts";
import { META_KINDS, META_TIERS } from "../profile/stats.ts";

/** Raw frames at or above this carry a JSC interpreter frame's identity (zig/sampler.zig). */
export const LLINT_TAG = 2 ** 52;

/** Keys of frames that stand for no code of their own (even, below any real code address). */
export const SYNTHETIC = {
  native: 0x100, // a sample with no JS frame at all: runtime or library code
  unknownJit: 0x200, // JIT code the symbol source never described
  interpreter: 0x300, // an interpreter frame we could not tell apart
} as const;

const MIN_CODE_KEY = 0x10000;

const SYNTHETIC_NAMES: Record<number, string> = {
  [SYNTHETIC.native]: "js:(native code):0:-",
  [SYNTHETIC.unknownJit]: "js:(unnamed JIT code):0:-",
  [SYNTHETIC.interpreter]: "js:(interpreter):0:-",
};

export interface SymbolizeOptions {
  /** Keep native frames instead of folding them into their JS caller. */
  native?: boolean;
  /** Write vmprof's lines mode (a line per frame). */
  lines?: boolean;
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

function moduleOf(mods: Module[], pc: number): Module | undefined {
  let lo = 0, hi = mods.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const m = mods[mid];
    if (pc < m.lo) hi = mid - 1;
    else if (pc >= m.hi) lo = mid + 1;
    else return m;
  }
  return undefined;
}

/** vmprof's readers split names on ':' into exactly four parts: keep ':' out of each part. */
function part(s: string): string {
  return s.replace(/^file:\/\//, "").replaceAll(":", ".").replaceAll("\n", " ");
}

export function codeName(r: CodeRange): string {
  return `js:${part(r.name || "<anonymous>")}:${r.line ?? 0}:${r.file ? part(r.file) : "-"}`;
}

const OUR_LIBRARY = /libvmprof\.so$/;

export function symbolize(raw: Profile, index: CodeIndex, o: SymbolizeOptions = {}): SymbolizeResult {
  const modules = parseMaps(raw.meta.get("maps"));
  const names = new Map<number, string>(); // key -> VIRTUAL_IP name
  const nativeNames = new Map<number, string>();
  const keyOfFunction = new Map<string, number>(); // one key per function and tier
  const tierOfKey: Record<number, string> = {};
  const lineOfKey = new Map<number, number>();
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
      lineOfKey.set(key, r.line ?? 0);
      if (r.tier) tierOfKey[key] = r.tier;
    }
    return key;
  };

  // What the innermost frame of a sample was doing (see Stats.kindTotals).
  const kindCache = new Map<number, string>();
  const kindOf = (pc: number): string => {
    if (pc >= LLINT_TAG) return "I";
    const r = index.lookup(pc);
    if (r) {
      if (r.kind === "js") return r.tier === "ignition" || r.tier === "llint" ? "I" : "J";
      if (r.kind === "interpreter") return "I";
      if (r.kind === "regexp" || r.kind === "wasm") return "J";
      return "N"; // builtins and stubs: the runtime's own code
    }
    return moduleOf(modules, pc) ? "N" : "J"; // anonymous executable memory is JIT code
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
      const key = (r.start | 1);
      nativeNames.set(key, `n:${part(r.name)}:0:-`);
      return key;
    }
    const m = moduleOf(modules, pc);
    if (m) {
      if (!o.native || OUR_LIBRARY.test(m.path)) return 0;
      const key = pc % 2 === 1 ? pc : pc + 1;
      const off = pc - m.lo + m.offset;
      nativeNames.set(key, `n:${part(basename(m.path))}+0x${off.toString(16)}:0:${part(m.path)}`);
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
  const bodies: { stack: number[]; thread: number; rss: number }[] = [];
  const kinds: string[] = [];
  for (const s of raw.samples) {
    const leaf = s.stack[s.stack.length - 1];
    let kind = leaf === undefined ? "N" : kindCache.get(leaf);
    if (kind === undefined) kindCache.set(leaf, kind = kindOf(leaf));
    kinds.push(kind);
    const stack: number[] = [];
    let hasJs = false;
    for (const pc of s.stack) {
      let key = pcCache.get(pc);
      if (key === undefined) pcCache.set(pc, key = resolve(pc));
      if (key === SYNTHETIC.interpreter && !hasJs && o.topLevel) key = jsKey(o.topLevel);
      if (key === 0) continue;
      if (key % 2 === 0 && key !== SYNTHETIC.unknownJit && key !== SYNTHETIC.interpreter) hasJs = true;
      stack.push(key);
    }
    if (hasJs) named++;
    if (stack.length === 0) {
      stack.push(SYNTHETIC.native);
      names.set(SYNTHETIC.native, SYNTHETIC_NAMES[SYNTHETIC.native]);
    }
    bodies.push({ stack, thread: s.thread, rss: s.rss });
  }

  for (const [k, v] of raw.meta) if (k !== "maps") w.meta(k, v);
  w.meta("named_samples", String(named));
  w.meta(META_TIERS, JSON.stringify(tierOfKey));
  w.meta(META_KINDS, kinds.join(""));
  if (o.lines) w.meta("lines", "definition"); // the line of each function's definition
  const memory = (flags & Flag.MEMORY) !== 0;
  for (const b of bodies) {
    const lines = o.lines ? b.stack.map((k) => lineOfKey.get(k) || 1) : undefined;
    w.sample(b.stack, b.thread, memory ? b.rss : undefined, lines);
  }
  for (const [k, v] of names) w.symbol(k, v);
  for (const [k, v] of nativeNames) w.nativeSymbol(k, v);
  w.trailer(raw.endMicros ?? Date.now() * 1000);
  return { bytes: w.bytes(), samples: raw.samples.length, named };
}
