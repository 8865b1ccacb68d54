// Collapsed ("folded") stacks, the input of Brendan Gregg's flamegraph.pl: one line per distinct
// stack, `outer;inner;leaf count`. Keeps: threads (with `threads`, a root frame per thread).
// Not kept: memory; tiers (the format's one device, a `_[j]` suffix, would split a function
// into one frame per tier and the counts would no longer be `show`'s; the SVG keeps them).

import type { Stats } from "../profile/stats.ts";
import type { Exporter, ExportOptions } from "./types.ts";
import { FrameTable, NO_FRAMES, threadLabel } from "./frames.ts";

export interface FoldedStack {
  /** Frame labels, outermost first. */
  frames: string[];
  /** The JIT tier of each frame, "" when unknown. */
  tiers: string[];
  count: number;
}

export interface Folded {
  /** Distinct stacks (of addresses, so one label list can occur more than once) in order of first appearance. */
  stacks: FoldedStack[];
  /** Every label that occurs: the function's short name and its vmprof name. */
  info: Map<string, { name: string; full: string }>;
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
  const info = new Map<string, { name: string; full: string }>();
  const label = (addr: number): string => {
    let l = labelOf.get(addr);
    if (l === undefined) {
      const f = table.frames[table.of(addr)];
      l = clean(f.label);
      labelOf.set(addr, l);
      info.set(l, { name: f.name, full: f.full });
    }
    return l;
  };
  // Keyed by addresses (and thread): labels and tiers are functions of them.
  const byKey = new Map<string, FoldedStack>();
  for (const s of stats.profile.samples) {
    const key = options.threads ? `${s.thread}:${s.stack.join(",")}` : s.stack.join(",");
    const known = byKey.get(key);
    if (known) {
      known.count++;
      continue;
    }
    const frames = s.stack.map(label);
    const tiers = s.stack.map((a) => table.tier(a) ?? "");
    if (frames.length === 0) {
      frames.push(NO_FRAMES);
      tiers.push("");
      info.set(NO_FRAMES, { name: NO_FRAMES, full: NO_FRAMES });
    }
    if (options.threads) {
      const t = clean(threadLabel(stats, s.thread));
      frames.unshift(t);
      tiers.unshift("");
      info.set(t, { name: t, full: t });
    }
    byKey.set(key, { frames, tiers, count: 1 });
  }
  return { stacks: [...byKey.values()], info };
}

export const collapsed: Exporter = {
  format: "collapsed",
  extension: ".folded",
  description: "folded stacks for flamegraph.pl: `outer;inner count` lines",
  export(stats, options) {
    const counts = new Map<string, number>();
    for (const s of foldStacks(stats, options).stacks) {
      const line = s.frames.join(";");
      counts.set(line, (counts.get(line) ?? 0) + s.count);
    }
    const lines = [...counts].map(([stack, n]) => `${stack} ${n}`).sort();
    return lines.length === 0 ? "" : lines.join("\n") + "\n";
  },
};
