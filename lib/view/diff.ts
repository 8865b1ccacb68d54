// renderDiff: the terminal table of `cli.ts diff A B`, the functions whose share moved most.

import { displayName } from "../profile/names.ts";
import type { DiffSide, ProfileDiff } from "../profile/diff.ts";

/** Widest line printed, as the other terminal views. */
const WIDTH = 100;

export interface DiffViewOptions {
  /** What A and B are (file names), for the heading. */
  labelA?: string;
  labelB?: string;
  /** Rows shown at most (default 30). */
  limit?: number;
}

function share(side: DiffSide, key: "selfShare" | "totalShare"): string {
  return side.name === undefined ? "-" : (100 * side[key]).toFixed(2);
}

function delta(d: number): string {
  const s = (100 * d).toFixed(2);
  return d > 0 ? "+" + s : d < 0 ? s : " " + (0).toFixed(2);
}

/**
 * `  self% A  self% B    Δself   total% A  total% B   Δtotal  function`, biggest change
 * first; "-" where the function does not occur in that profile.
 */
export function renderDiff(diff: ProfileDiff, o: DiffViewOptions = {}): string {
  const count = (n: number) => `${n} ${n === 1 ? "sample" : "samples"}`;
  const out = [
    `A: ${o.labelA ?? "A"} (${count(diff.samplesA)})`,
    `B: ${o.labelB ?? "B"} (${count(diff.samplesB)})`,
  ];
  if (diff.samplesA === 0 || diff.samplesB === 0) {
    out.push("Nothing to compare: a profile without samples.");
    return out.join("\n") + "\n";
  }
  const cols = ["self% A", "self% B", "Δself", "total% A", "total% B", "Δtotal"];
  out.push(cols.map((c) => c.padStart(8)).join(" ") + "  function");
  const limit = o.limit ?? 30;
  for (const r of diff.rows.slice(0, limit)) {
    const lead = [
      share(r.a, "selfShare"),
      share(r.b, "selfShare"),
      delta(r.selfDelta),
      share(r.a, "totalShare"),
      share(r.b, "totalShare"),
      delta(r.totalDelta),
    ].map((c) => c.padStart(8)).join(" ") + "  ";
    const room = WIDTH - lead.length;
    const name = displayName(r.name);
    out.push(lead + (name.length <= room ? name : name.slice(0, room - 1) + "…"));
  }
  if (diff.rows.length > limit) out.push(`(${diff.rows.length - limit} more; --limit N shows more)`);
  return out.join("\n") + "\n";
}
