// diffStats: which functions' share of the samples changed most between two profiles (pure data).

import { isUnknownFile, parseName, type Stats } from "./stats.ts";

export interface DiffSide {
  /** Full name in this profile; undefined when the function does not occur in it. */
  name?: string;
  self: number;
  total: number;
  /** self / samples and total / samples, 0..1. */
  selfShare: number;
  totalShare: number;
}

export interface DiffRow {
  /** A full name (A's when both have it): `js:fib:4:/app/fib.ts`. */
  name: string;
  a: DiffSide;
  b: DiffSide;
  /** b share - a share, -1..1. */
  selfDelta: number;
  totalDelta: number;
}

export interface DiffOptions {
  /** Rank by the change in self share (default) or in total share. */
  by?: "self" | "total";
  /**
   * "location" (default): the same function is the same name, line and file, whatever the
   * kind prefix; left-over functions that one side knows without a file (Bun's JIT names)
   * pair up by name when that is unambiguous. "name": by short name alone, summing
   * functions that share one (profiles of different checkouts or machines).
   */
  match?: "location" | "name";
  /** Leave native frames out, as `show flat --no-native`. */
  noNative?: boolean;
}

export interface ProfileDiff {
  samplesA: number;
  samplesB: number;
  /** Every function of either profile, biggest change first. */
  rows: DiffRow[];
}

interface Entry {
  key: string;
  short: string;
  fileKnown: boolean;
  side: DiffSide;
}

function entries(stats: Stats, o: DiffOptions): Entry[] {
  const n = stats.samples;
  const byKey = new Map<string, Entry>();
  for (const r of stats.flat({ noNative: o.noNative })) {
    const p = parseName(r.name);
    const key = o.match === "name" ? p.name : `${p.name}\0${p.line}\0${isUnknownFile(p.file) ? "" : p.file}`;
    const known = byKey.get(key);
    if (known) {
      // Same short name in "name" mode: add up (totals can overlap; cap at all samples).
      known.side.self += r.self;
      known.side.total = Math.min(n, known.side.total + r.total);
    } else {
      byKey.set(key, {
        key,
        short: p.name,
        fileKnown: !isUnknownFile(p.file),
        side: { name: r.name, self: r.self, total: r.total, selfShare: 0, totalShare: 0 },
      });
    }
  }
  const out = [...byKey.values()];
  for (const e of out) {
    e.side.selfShare = n > 0 ? e.side.self / n : 0;
    e.side.totalShare = n > 0 ? e.side.total / n : 0;
  }
  return out;
}

const ABSENT: DiffSide = { self: 0, total: 0, selfShare: 0, totalShare: 0 };

/** Pairs up `a` and `b` (see DiffOptions.match) and ranks the pairs by how much their share moved. */
export function diffStats(a: Stats, b: Stats, o: DiffOptions = {}): ProfileDiff {
  const ea = entries(a, o);
  const eb = entries(b, o);
  const bByKey = new Map(eb.map((e) => [e.key, e]));
  const pairs: [Entry | undefined, Entry | undefined][] = [];
  const leftA: Entry[] = [];
  for (const x of ea) {
    const y = bByKey.get(x.key);
    if (y) {
      bByKey.delete(x.key);
      pairs.push([x, y]);
    } else {
      leftA.push(x);
    }
  }
  // Left-overs with one short name on each side, one of them without a file: the same function.
  const count = (es: Entry[]) => {
    const m = new Map<string, Entry[]>();
    for (const e of es) m.set(e.short, [...(m.get(e.short) ?? []), e]);
    return m;
  };
  const aByShort = count(leftA);
  const bByShort = count([...bByKey.values()]);
  for (const x of leftA) {
    const ys = bByShort.get(x.short);
    const y = ys?.length === 1 && aByShort.get(x.short)!.length === 1 ? ys[0] : undefined;
    if (y && (!x.fileKnown || !y.fileKnown)) {
      bByKey.delete(y.key);
      pairs.push([x, y]);
    } else {
      pairs.push([x, undefined]);
    }
  }
  for (const y of bByKey.values()) pairs.push([undefined, y]);

  const rows: DiffRow[] = pairs.map(([x, y]) => {
    const sa = x?.side ?? ABSENT;
    const sb = y?.side ?? ABSENT;
    return {
      name: (sa.name ?? sb.name)!,
      a: sa,
      b: sb,
      selfDelta: sb.selfShare - sa.selfShare,
      totalDelta: sb.totalShare - sa.totalShare,
    };
  });
  const by = o.by ?? "self";
  const primary = (r: DiffRow) => Math.abs(by === "self" ? r.selfDelta : r.totalDelta);
  const secondary = (r: DiffRow) => Math.abs(by === "self" ? r.totalDelta : r.selfDelta);
  return {
    samplesA: a.samples,
    samplesB: b.samples,
    rows: rows.sort((x, y) =>
      primary(y) - primary(x) || secondary(y) - secondary(x) || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)
    ),
  };
}
