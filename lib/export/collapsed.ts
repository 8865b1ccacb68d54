// Collapsed ("folded") stacks, the input of Brendan Gregg's flamegraph.pl: one line per distinct
// stack, `outer;inner;leaf count`. Keeps: threads (with `threads`, a root frame per thread),
// tiers (JIT-compiled frames end in flamegraph.pl's `_[j]` once logs carry tiers). Not kept: memory.

import type { Stats } from "../profile/stats.ts";
import { type Kind, kindOf } from "../view/kinds.ts";
import type { ExportOptions, Exporter } from "./exporter.ts";
import { FrameTable, threadLabel } from "./frames.ts";

/** The frame that stands for a sample with no frames at all, as in V8's profiles. */
export const NO_FRAMES = "(program)";

const JIT_KINDS: ReadonlySet<Kind> = new Set(["optimized", "mid-tier", "baseline"]);

export interface FoldedStack {
  /** Frame labels, outermost first. */
  frames: string[];
  count: number;
}

export interface Folded {
  /** Distinct stacks in order of first appearance. */
  stacks: FoldedStack[];
  /** Every label that occurs: the function's short name and its kind (for colours). */
  info: Map<string, { name: string; kind: Kind }>;
}

/** A label safe in a folded line: no ";" (the separator) and no line breaks. */
function clean(label: string): string {
  return label.replace(/;/g, ":").replace(/[\r\n]+/g, " ");
}

/**
 * Every sample as a list of labels (`fib (/app/fib.ts:4)`, as `show` names functions),
 * identical stacks merged. Adjacent duplicates stay: recursion shows as it happened.
 */
export function foldStacks(stats: Stats, options: ExportOptions = {}): Folded {
  const table = new FrameTable(stats);
  const labelOf = new Map<number, string>();
  const info = new Map<string, { name: string; kind: Kind }>();
  const label = (addr: number): string => {
    let l = labelOf.get(addr);
    if (l === undefined) {
      const f = table.frames[table.of(addr)];
      const tier = table.tier(addr);
      const kind = kindOf(f.full, tier === undefined ? undefined : { tier });
      l = clean(f.label) + (JIT_KINDS.has(kind) ? "_[j]" : "");
      labelOf.set(addr, l);
      info.set(l, { name: f.name, kind });
    }
    return l;
  };
  const byKey = new Map<string, FoldedStack>();
  for (const s of stats.profile.samples) {
    const frames = s.stack.map(label);
    if (frames.length === 0) {
      frames.push(NO_FRAMES);
      info.set(NO_FRAMES, { name: NO_FRAMES, kind: "other" });
    }
    if (options.threads) {
      const t = clean(threadLabel(stats, s.thread));
      frames.unshift(t);
      info.set(t, { name: t, kind: "other" });
    }
    const key = frames.join(";");
    const known = byKey.get(key);
    if (known) known.count++;
    else byKey.set(key, { frames, count: 1 });
  }
  return { stacks: [...byKey.values()], info };
}

export const collapsed: Exporter = {
  format: "collapsed",
  extension: ".folded",
  description: "collapsed stacks for flamegraph.pl (`outer;inner count` lines)",
  export(stats, options) {
    const lines = foldStacks(stats, options).stacks.map((s) => `${s.frames.join(";")} ${s.count}`);
    lines.sort();
    return lines.length === 0 ? "" : lines.join("\n") + "\n";
  },
};
