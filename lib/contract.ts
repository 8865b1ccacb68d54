// What the stages agree on, in one place: the sampler's Config/Stats layout and raw-frame tags,
// the META keys of the raw and the named log, and the per-sample activity letters (docs/FORMAT.md).
//
// Words: a frame's code has a "kind" (js, builtin, stub, … : CodeRange.kind); a sample has an
// "activity" (what it was doing: jit, interpreter, gc, native, idle); a frame has a "colour
// class" in the viewers (lib/view/colour-class.ts).
//
// The Zig side keeps its own copies, which this file mirrors (zig/ is not edited from here):
//   ABI_VERSION        ↔ sampler.abi_version
//   CONFIG, CONFIG_SIZE ↔ sampler.Config (offsets asserted at compile time there)
//   STATS, STATS_SIZE, STATS_COUNTERS ↔ sampler.Stats (the u64 fields in declaration order)
//   SAMPLER_FLAGS      ↔ sampler.Flags
//   SAMPLER_RESULTS    ↔ sampler.Result (index = result code)
//   LLINT_TAG, SP_TAG  ↔ sampler.llint_tag, sampler.sp_word_tag
//   TRUNCATED_FRAME    ↔ record.truncated_frame
//   META.dropped, META.truncated, META.samplerCostNs, META.perfMap, META.threadPrefix, META.maps
//                      ↔ the keys sampler.writeClosingRecords writes
// tests/unit/ffi.test.ts checks the Config offsets against those zig/sampler.zig asserts, and the
// Stats layout against the built library.

// ------------------------------------------------------------------ the native sampler's ABI

/** Must equal sampler.abi_version in zig/sampler.zig. */
export const ABI_VERSION = 1;

/** Byte offsets in sampler.Config, the struct enable() passes to the library. */
export const CONFIG = {
  abi: 0, // u32
  flags: 4, // u32, SAMPLER_FLAGS
  periodNs: 8, // u64
  llintLo: 16, // u64
  llintHi: 24, // u64
  llintOffset: 32, // u32 (then 4 bytes of padding)
  threadNames: { at: 40, size: 256 }, // NUL-terminated, comma-separated name prefixes
  path: { at: 296, size: 1024 }, // NUL-terminated log path
} as const;
export const CONFIG_SIZE = 1320;

/** Byte offsets in sampler.Stats, the counters stats() copies out. */
export const STATS = {
  abi: 0, // u32
  size: 4, // u32: the struct's size, checked against STATS_SIZE
  counters: 8, // STATS_COUNTERS.length u64s from here
  threads: 112, // u32
  threadsActive: 116, // u32
} as const;
export const STATS_SIZE = 120;
/** The u64 counters of sampler.Stats, in their order from STATS.counters. */
export const STATS_COUNTERS = [
  "signals",
  "samples",
  "weight",
  "dropped",
  "shallow",
  "truncated",
  "foreign",
  "records",
  "bytes",
  "writeErrors",
  "llintFrames",
  "handlerNs",
  "flusherNs",
] as const;

/** Flag bits of Config.flags (sampler.Flags). */
export const SAMPLER_FLAGS = { realTime: 1, memory: 2, allThreads: 4 } as const;

/** sampler.Result by result code. */
export const SAMPLER_RESULTS = [
  "ok",
  "already_enabled",
  "not_enabled",
  "bad_config",
  "open_failed",
  "mmap_failed",
  "timer_failed",
  "thread_failed",
  "too_many_threads",
  "no_stack",
  "signal_failed",
] as const;

// ------------------------------------------------------------------ raw frames

/**
 * Raw frames at or above this carry a JSC interpreter frame's identity (LLINT_TAG + the
 * frame's CodeBlock*), not a pc (sampler.llint_tag).
 */
export const LLINT_TAG = 2 ** 52;
/**
 * A raw frame in [SP_TAG, LLINT_TAG) is SP_TAG + the word at the leaf's [sp]: a leaf
 * without a frame's return address, or just data; the namer decides (sampler.sp_word_tag).
 */
export const SP_TAG = 2 ** 51;
/**
 * The outermost raw frame of a stack the sampler cut at its maximum depth (1021 frames): the
 * frames beyond were not recorded (record.truncated_frame). Named "(truncated stack)".
 */
export const TRUNCATED_FRAME = 2 ** 50;

// ------------------------------------------------------------------ META keys

/**
 * META keys of the logs. The raw log has the first two groups; the named log keeps every
 * raw key but `maps` and adds the namer's. `thread:<tid>` is a prefix.
 */
export const META = {
  // Written by the agent at enable (lib/session.ts).
  os: "os",
  bits: "bits",
  runtime: "runtime", // "deno" | "bun"
  runtimeVersion: "runtime_version",
  pid: "pid",
  mode: "mode", // "cpu" | "wall"
  periodNs: "period_ns",
  options: "vmprof_js.options", // JSON {native, lines, allThreads}: what the namer should do
  llint: "llint", // "<lo hex>-<hi hex>": JSC's interpreter code range (Bun)
  // Written by the sampler at disable (zig/sampler.zig writeClosingRecords).
  dropped: "dropped",
  truncated: "truncated",
  samplerCostNs: "sampler_cost_ns", // "<ns in the handler> <flusher thread CPU ns>"
  perfMap: "perf_map", // "buffered": V8's perf map was written in blocks while sampling (zig/perfmap.zig)
  threadPrefix: "thread:", // thread:<tid> = the thread's name
  maps: "maps", // /proc/self/maps lines of executable file mappings (raw log only)
  // Written by the namer (lib/symbols/symbolize.ts).
  namedSamples: "named_samples",
  incomplete: "vmprof_js.incomplete", // why the raw log had no trailer (the process was killed), if it had none
  ownSamples: "vmprof_js.own_samples", // samples of the profiler's own agent, dropped (symbolize.ts ownFile)
  tiers: "vmprof_js.tiers", // JSON {key: tier}
  activities: "vmprof_js.kinds", // one ACTIVITY_LETTER per sample, in sample order (the key keeps its first name)
  linesKnown: "lines_known", // "<samples whose leaf has a line>/<samples>" (--lines)
  // Written by the namer from the agent's AgentInfo (lib/symbols/finish.ts).
  interpreterNames: "vmprof_js.interpreter_names", // Bun: "memory" | "heap snapshot": what named LLInt frames
} as const;

/** The META key naming thread `tid`. */
export function threadKey(tid: number): string {
  return `${META.threadPrefix}${tid}`;
}

// ------------------------------------------------------------------ per-sample activity

/** What a sample was doing, from its innermost frame. */
export type Activity = "jit" | "interpreter" | "gc" | "native" | "idle";

/** The activities in the order readers index them (lib/view/web-data.ts sends this order). */
export const ACTIVITIES: readonly Activity[] = ["jit", "interpreter", "gc", "native", "idle"];

/** The letter each activity is written as in META `vmprof_js.kinds`. */
export const ACTIVITY_LETTER: Record<Activity, string> = {
  jit: "J",
  interpreter: "I",
  gc: "G",
  native: "N",
  idle: "D",
};

/** Letter → activity (the inverse of ACTIVITY_LETTER). */
export const LETTER_ACTIVITY: Record<string, Activity> = {
  J: "jit",
  I: "interpreter",
  G: "gc",
  N: "native",
  D: "idle",
};

/** How the one-line split (Stats.splitLine, the web page) names each activity. */
export const ACTIVITY_LABELS: Record<Activity, string> = {
  jit: "JIT",
  interpreter: "interpreter",
  gc: "GC",
  native: "runtime native",
  idle: "idle",
};
