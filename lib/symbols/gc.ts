// GC attribution (prototype): labels a raw sample "gc" from its stack, its thread's name and return addresses learned to be GC code.
//
// Signals, strongest first (docs/GC.md has the measurements):
// * the thread: JSC's GC-only helper threads ("HeapHelper", "JSC Heap Collector…") do nothing else;
// * a GC function on the stack inward of the innermost JS frame, by name: V8's allocation slow
//   paths `Runtime_AllocateInYoungGeneration` / `…OldGeneration` (named in the stripped deno
//   binary from V8's runtime table, see elf.ts v8RuntimeFunctions), or GC symbols of a runtime
//   built with symbols (Heap::CollectGarbage, Scavenger, SlotVisitor…);
// * a return address learned to be GC code in this very process (`learnGcPcs`): the frames
//   inward of such an anchor, and of GC-only threads, recur on other stacks that do GC (V8's
//   parallel scavenge/marking jobs on "V8 DefaultWorke" threads; JSC's mutator-driven
//   collection on the main thread, whose driver frames also run on HeapHelper threads).

/** What one pc is: from CodeIndex (JIT code, with its CodeRange kind) or NativeSymbolizer (native). */
export interface PcInfo {
  kind: "js" | "builtin" | "stub" | "regexp" | "interpreter" | "wasm" | "other" | "native";
  /** Function, builtin or native symbol name, when known. */
  name?: string;
  /** Native code: the module's file name ("deno", "libc.so.6"). */
  module?: string;
}

export type PcLookup = (pc: number) => PcInfo | undefined;

export interface GcContext {
  /** The sampled thread's name (META `thread:<tid>`). */
  threadName?: string;
  /** Return addresses learned to be GC code in this process (learnGcPcs). */
  gcPcs?: ReadonlySet<number>;
}

/** Threads that only ever collect garbage (JSC's parallel helpers and collector thread). */
export const GC_THREAD = /^(HeapHelper|Heap Helper|JSC Heap Coll|JSC GC|GC Thread)/;

/** Native functions that are GC work (or an allocation slow path, which is nearly all GC by time). */
export const GC_SYMBOL = new RegExp(
  [
    String.raw`^Runtime_AllocateIn(Young|Old|Shared)(Generation|Heap)$`,
    String
      .raw`\bHeap::(CollectGarbage|CollectAllGarbage|PerformGarbageCollection|collect[A-Z]\w*|stopIfNecessary\w*|runCurrentPhase|sweep\w*)`,
    String
      .raw`\b(Scavenger|ScavengerCollector|MarkCompactCollector|MinorMarkSweepCollector|IncrementalMarking|ConcurrentMarking|MarkingBarrier|Sweeper|GCTracer)::`,
    String
      .raw`\b(SlotVisitor|MarkedSpace|MarkedBlock|IsoCellSet|MarkingConstraint\w*|ParallelHelperPool|Heap::markToFixpoint)::?`,
    // Itanium-mangled spellings of the same (runtimes built with symbols, not demangled).
    String
      .raw`^_ZN\w*(Scavenger|MarkCompactCollector|IncrementalMarking|ConcurrentMarking|SlotVisitor|MarkedSpace|4Heap14CollectGarbage|4Heap24PerformGarbageCollection)`,
  ].join("|"),
);

/** Libraries whose code every thread shares (locks, memcpy, allocation): never evidence of GC alone. */
const SHARED_MODULE = /^(libc|libpthread|libm|ld-linux|libgcc_s|libstdc\+\+|libdl|librt)[.-]/;

/** Index of the innermost JS frame of an outermost-first stack, or -1. */
function innermostJs(stack: readonly number[], lookup: PcLookup): number {
  for (let i = stack.length - 1; i >= 0; i--) {
    const k = lookup(stack[i])?.kind;
    if (k === "js" || k === "interpreter") return i;
  }
  return -1;
}

/**
 * Index of the GC anchor in an outermost-first stack: the outermost frame inward of the
 * innermost JS frame that is GC by name or learned pc; -1 if none. The frames from there
 * inward are the collector's.
 */
export function gcAnchor(stack: readonly number[], lookup: PcLookup, gcPcs?: ReadonlySet<number>): number {
  const from = innermostJs(stack, lookup) + 1;
  const last = stack.length - 1;
  for (let i = from; i <= last; i++) {
    const pc = stack[i];
    // The leaf pc is not a return address: it may sit in code every path shares.
    if (i < last && gcPcs?.has(pc)) return i;
    const info = lookup(pc);
    if (info?.kind === "native" && info.name && GC_SYMBOL.test(info.name)) return i;
  }
  return -1;
}

/** "gc" if the sample was taken while the runtime collected garbage (best effort), else undefined. */
export function classifyGc(stack: readonly number[], lookup: PcLookup, ctx: GcContext = {}): "gc" | undefined {
  if (ctx.threadName && GC_THREAD.test(ctx.threadName)) return "gc";
  return gcAnchor(stack, lookup, ctx.gcPcs) >= 0 ? "gc" : undefined;
}

export interface LearnSample {
  stack: readonly number[];
  /** The thread's name, if known. */
  threadName?: string;
  /** The thread runs JavaScript (the main thread, a Worker). */
  jsThread?: boolean;
  /** How many samples this one stands for (default 1). */
  count?: number;
}

export interface LearnOptions {
  /**
   * Extend the set with the collector's driver frames: return addresses on at least this share
   * of the GC-labelled stacks of JS threads, inward of their innermost JS frame, and on few
   * other stacks (default 0.5; 0 turns it off).
   */
  driverShare?: number;
}

/**
 * Return addresses that are GC code in this process, learned from its own samples: the native
 * frames inward of every GC anchor (by name), and the frames of GC-only threads that no other
 * non-JS thread shares (thread entry and pool loops are shared), never frames of shared system
 * libraries. Pass the result as `gcPcs` to classifyGc.
 */
export function learnGcPcs(samples: readonly LearnSample[], lookup: PcLookup, o: LearnOptions = {}): Set<number> {
  const out = new Set<number>();
  const native = (pc: number) => {
    const info = lookup(pc);
    return info?.kind === "native" && !SHARED_MODULE.test(info.module ?? "");
  };
  // Frames of other non-JS threads (compilers, I/O): what GC-only threads share with them (thread
  // entry, pool loops) is not GC evidence.
  const elsewhere = new Set<number>();
  for (const s of samples) {
    if (!s.jsThread && !(s.threadName && GC_THREAD.test(s.threadName)) && gcAnchor(s.stack, lookup) < 0) {
      for (const pc of s.stack) elsewhere.add(pc);
    }
  }
  for (const s of samples) {
    const last = s.stack.length - 1;
    if (s.threadName && GC_THREAD.test(s.threadName)) {
      for (let i = 0; i < last; i++) if (!elsewhere.has(s.stack[i]) && native(s.stack[i])) out.add(s.stack[i]);
      continue;
    }
    const a = gcAnchor(s.stack, lookup);
    if (a >= 0) { for (let i = a + 1; i < last; i++) if (native(s.stack[i])) out.add(s.stack[i]); }
  }
  const share = o.driverShare ?? 0.5;
  if (share <= 0 || out.size === 0) return out;
  // Driver frames: outward of what the helpers share, on most GC stacks of JS threads (JSC's
  // mutator-driven collection: Heap::collectIfNecessaryOrDefer → … → the phases helpers run too).
  const inGc = new Map<number, number>(), inOther = new Map<number, number>();
  let gcStacks = 0;
  for (const s of samples) {
    if (!s.jsThread) continue;
    const from = innermostJs(s.stack, lookup) + 1;
    const isGc = gcAnchor(s.stack, lookup, out) >= 0;
    const n = s.count ?? 1;
    if (isGc) gcStacks += n;
    const seen = new Set<number>();
    for (let i = from; i < s.stack.length - 1; i++) {
      const pc = s.stack[i];
      if (seen.has(pc) || !native(pc)) continue;
      seen.add(pc);
      const m = isGc ? inGc : inOther;
      m.set(pc, (m.get(pc) ?? 0) + n);
    }
  }
  for (const [pc, n] of inGc) {
    if (n >= share * gcStacks && (inOther.get(pc) ?? 0) <= 0.25 * n && !elsewhere.has(pc)) out.add(pc);
  }
  return out;
}
