// kindOf: what kind of code a frame is (user JS, a JIT tier, interpreter, runtime, native, GC, idle), for colours.

import { parseName } from "../profile/names.ts";

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
 * sources pass tiers to the viewers: `tier:<key>` = a tier name and `kind:<key>` = a kind,
 * the key in decimal or 0x-hex. Keys without either are absent from the map.
 */
export function frameInfoFromMeta(meta: Map<string, string>): Map<number, FrameInfo> {
  const out = new Map<number, FrameInfo>();
  for (const [k, v] of meta) {
    const m = /^(tier|kind):(0x[0-9a-fA-F]+|-?\d+)$/.exec(k);
    if (m === null) continue;
    const key = Number(m[2]);
    if (!Number.isSafeInteger(key)) continue;
    const info = out.get(key) ?? {};
    info[m[1] as "tier" | "kind"] = v;
    out.set(key, info);
  }
  return out;
}
