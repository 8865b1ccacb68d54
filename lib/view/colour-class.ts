// The colour class of a frame in the viewers (optimized / mid-tier / baseline JIT code,
// interpreter, the program's code, runtime JS, native, GC, idle, other), from its name and tier.

import { parseName } from "../profile/names.ts";
import { META } from "../contract.ts";

/**
 * The classes the viewers colour by, in legend order. The web page receives this list with
 * every profile and looks colours up by these names, so a new class needs a colour there too.
 */
export const COLOUR_CLASSES = [
  "optimized", // optimizing JIT: V8 TurboFan, JSC FTL
  "mid-tier", // V8 Maglev, JSC DFG
  "baseline", // baseline JIT: V8 Sparkplug, JSC Baseline, wasm Liftoff/BBQ
  "interpreter", // V8 Ignition, JSC LLInt, "(interpreter)"
  "code", // the program's own code whose tier is not known (and Python's py: frames)
  "runtime", // the runtime's own JavaScript: ext:, node:, bun:, internal:
  "native", // native code: n: frames, "(native code)", builtins and stubs
  "gc", // the garbage collector
  "idle", // the thread waited
  "other", // other synthetic frames and unnamed addresses
] as const;

export type ColourClass = typeof COLOUR_CLASSES[number];

/** What a symbol source knows about one frame key beyond its name. */
export interface FrameInfo {
  /** JIT tier: ignition|sparkplug|maglev|turbofan (V8), llint|baseline|dfg|ftl (JSC), liftoff|bbq|omg (wasm). */
  tier?: string;
  /** Kind as the symbol source says: js|builtin|stub|regexp|interpreter|wasm|gc|idle|other. */
  kind?: string;
}

const TIER_CLASS: Record<string, ColourClass> = {
  turbofan: "optimized",
  ftl: "optimized",
  omg: "optimized",
  maglev: "mid-tier",
  dfg: "mid-tier",
  sparkplug: "baseline",
  baseline: "baseline",
  liftoff: "baseline",
  bbq: "baseline",
  ignition: "interpreter",
  llint: "interpreter",
  interpreter: "interpreter",
};

const RUNTIME_FILE = /^(ext:|node:|bun:|internal[:/]|deno:|\[native code\]|native$|\$)/;

/**
 * The colour class of a frame from its vmprof name (`js:fib:3:/app/fib.ts`) and, when the log
 * carries it, what the symbol source recorded about its key (see frameInfoFromMeta).
 * The tier decides for JavaScript code; then the name: `n:` is native, `(garbage
 * collector)` GC, `(idle)`/`(program)`-like frames idle or other, `ext:`/`node:` files
 * the runtime's own code.
 */
export function colourClassOf(name: string, info?: FrameInfo): ColourClass {
  const colon = name.indexOf(":");
  const prefix = colon > 0 ? name.slice(0, colon) : "";
  const rest = colon > 0 ? name.slice(colon + 1) : name;
  const k = info?.kind;
  if (k === "gc") return "gc";
  if (k === "idle") return "idle";
  if (k === "interpreter") return "interpreter";
  if (k === "builtin" || k === "stub" || k === "regexp") return "native";
  if (prefix === "n") return "native";
  if (rest.startsWith("(")) {
    const what = rest.slice(0, rest.indexOf(")") + 1).toLowerCase();
    if (what.includes("garbage") || what === "(gc)") return "gc";
    if (what === "(idle)") return "idle";
    if (what === "(interpreter)") return "interpreter";
    if (what.includes("native") || what === "(program)") return "native";
    return "other";
  }
  if (prefix === "") return "other"; // a bare address or a name outside vmprof's form
  if (RUNTIME_FILE.test(parseName(name).file)) return "runtime";
  const tier = info?.tier === undefined ? undefined : TIER_CLASS[info.tier.toLowerCase()];
  return tier ?? "code";
}

/**
 * Per-key frame information from the log's META records, the hook through which symbol
 * sources pass tiers to the viewers: the tiers table `vmprof_js.tiers` (JSON, key → tier;
 * see lib/symbols/symbolize.ts). Keys without a tier are absent from the map.
 */
export function frameInfoFromMeta(meta: Map<string, string>): Map<number, FrameInfo> {
  const out = new Map<number, FrameInfo>();
  const text = meta.get(META.tiers);
  if (!text) return out;
  try {
    for (const [k, tier] of Object.entries(JSON.parse(text) as Record<string, unknown>)) {
      const key = Number(k);
      if (Number.isSafeInteger(key) && typeof tier === "string") out.set(key, { tier });
    }
  } catch {
    // a damaged table: no tiers rather than no profile
  }
  return out;
}
