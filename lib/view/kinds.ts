// kindOf: what kind of code a frame is (user JS, a JIT tier, interpreter, runtime, native, GC, idle), for colours.

import { parseName } from "../profile/names.ts";
import { ACTIVITY_LETTER, META, SAMPLE_KINDS } from "../contract.ts";

/**
 * The kinds the viewers colour by, in legend order. The web page receives this list with
 * every profile and looks colours up by these names, so new kinds need a colour there too.
 */
export const KINDS = [
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

export type Kind = typeof KINDS[number];

/** What a symbol source knows about one frame key beyond its name. */
export interface FrameInfo {
  /** JIT tier: ignition|sparkplug|maglev|turbofan (V8), llint|baseline|dfg|ftl (JSC), liftoff|bbq|omg (wasm). */
  tier?: string;
  /** Kind as the symbol source says: js|builtin|stub|regexp|interpreter|wasm|gc|idle|other. */
  kind?: string;
}

const TIER_KIND: Record<string, Kind> = {
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
 * The kind of a frame from its vmprof name (`js:fib:3:/app/fib.ts`) and, when the log
 * carries it, what the symbol source recorded about its key (see frameInfoFromMeta).
 * The tier decides for JavaScript code; then the name: `n:` is native, `(garbage
 * collector)` GC, `(idle)`/`(program)`-like frames idle or other, `ext:`/`node:` files
 * the runtime's own code.
 */
export function kindOf(name: string, info?: FrameInfo): Kind {
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
  const tier = info?.tier === undefined ? undefined : TIER_KIND[info.tier.toLowerCase()];
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

export { SAMPLE_KINDS } from "../contract.ts";
const SAMPLE_KIND_LETTERS = SAMPLE_KINDS.map((k) => ACTIVITY_LETTER[k]).join("");

/** Per sample, an index into SAMPLE_KINDS (255: unknown); undefined when the log has no such table. */
export function sampleKindsFromMeta(meta: Map<string, string>, samples: number): Uint8Array | undefined {
  const letters = meta.get(META.activities);
  if (letters === undefined || letters.length !== samples || samples === 0) return undefined;
  const out = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) {
    const k = SAMPLE_KIND_LETTERS.indexOf(letters[i]);
    out[i] = k < 0 ? 255 : k;
  }
  return out;
}
