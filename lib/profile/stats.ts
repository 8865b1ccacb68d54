// Stats: vmprof's Stats API over a parsed Profile — names, call tree, flat table, threads, meta.

import type { Profile, Sample } from "../format/reader.ts";
import { buildTree, stackGroups, type Tree, type TreeKeys } from "./tree.ts";
import { parseName } from "./names.ts";
import { type Activity, ACTIVITY_LABELS, LETTER_ACTIVITY, META } from "../contract.ts";

export { displayName, isUnknownFile, location, type ParsedName, parseName } from "./names.ts";
export type { Tree } from "./tree.ts";

/** One function of the flat profile. */
export interface FlatRow {
  /** Full symbol name (`js:fib:3:/app/fib.ts`), or "0x…" for an unnamed address. */
  name: string;
  /** The address that carried most of the function's samples. */
  addr: number;
  /** Samples with this function innermost. */
  self: number;
  /** Samples with this function anywhere on the stack (once per sample, however deep the recursion). */
  total: number;
}

export interface FlatOptions {
  /** Leave native frames out: their self time goes to the nearest non-native caller (vmprofshow flat --no-native). */
  noNative?: boolean;
}

export type { Activity } from "../contract.ts";

export class Stats {
  profile: Profile;
  #keys?: TreeKeys;

  constructor(profile: Profile) {
    this.profile = profile;
  }

  /**
   * One address per function (the first seen with its name: a function compiled in
   * several JIT tiers has one address per tier in the log) and the tier of each address.
   */
  treeKeys(): TreeKeys {
    if (this.#keys) return this.#keys;
    const canon = new Map<number, number>();
    const first = new Map<string, number>();
    for (const [addr, name] of this.profile.symbols) {
      const f = first.get(name);
      if (f === undefined) first.set(name, addr);
      else canon.set(addr, f);
    }
    const tierOf = new Map<number, string>();
    const text = this.profile.meta.get(META.tiers);
    if (text) {
      try {
        for (const [k, t] of Object.entries(JSON.parse(text) as Record<string, string>)) tierOf.set(Number(k), t);
      } catch {
        // a damaged table: no tiers rather than no profile
      }
    }
    return this.#keys = { canon, tierOf };
  }

  /** The JIT tier of the code at `addr` ("turbofan", "ignition", "ftl", "llint", ...). */
  tierOf(addr: number): string | undefined {
    return this.treeKeys().tierOf?.get(addr);
  }

  /** Samples by what they were doing (JIT code, interpreter, GC, runtime native code, idle). */
  activityTotals(): Record<Activity, number> {
    const out: Record<Activity, number> = { jit: 0, interpreter: 0, gc: 0, native: 0, idle: 0 };
    const letters = this.profile.meta.get(META.activities) ?? "";
    for (let i = 0; i < letters.length; i++) {
      const a = LETTER_ACTIVITY[letters[i]];
      if (a) out[a]++;
    }
    return out;
  }

  /** @deprecated The old name of activityTotals(), kept for callers of the public API. */
  kindTotals(): Record<Activity, number> {
    return this.activityTotals();
  }

  /** Samples by the tier of their innermost tiered frame (self time per JIT tier). */
  tierTotals(): Map<string, number> {
    const { tierOf } = this.treeKeys();
    const out = new Map<string, number>();
    if (!tierOf?.size) return out;
    for (const s of this.profile.samples) {
      for (let i = s.stack.length - 1; i >= 0; i--) {
        const t = tierOf.get(s.stack[i]);
        if (t !== undefined) {
          out.set(t, (out.get(t) ?? 0) + 1);
          break;
        }
      }
    }
    return new Map([...out].sort((a, b) => b[1] - a[1]));
  }

  /** "JIT 71% · interpreter 9% · GC 12% · runtime native 8%", or "" when the log has no activities. */
  splitLine(): string {
    const totals = this.activityTotals();
    const n = Object.values(totals).reduce((a, b) => a + b, 0);
    if (n === 0) return "";
    return (Object.keys(totals) as Activity[])
      .filter((k) => totals[k] > 0)
      .map((k) => `${ACTIVITY_LABELS[k]} ${Math.round((100 * totals[k]) / n)}%`)
      .join(" · ");
  }

  /** Total sample count (each sample counts 1, see buildTree). */
  get samples(): number {
    return this.profile.samples.length;
  }

  /** The symbol recorded for `addr`, or its address in hex ("0x7f3a…") when it has none. */
  getName(addr: number): string {
    return this.profile.symbols.get(addr) ?? (addr < 0 ? "-0x" + (-addr).toString(16) : "0x" + addr.toString(16));
  }

  /** Native code: a native symbol ("n:…"), or an unnamed address with bit 0 set. */
  isNative(addr: number): boolean {
    const name = this.profile.symbols.get(addr);
    if (name !== undefined) return name.startsWith("n:");
    return addr > 0 && addr % 2 === 1;
  }

  /**
   * The call tree, built anew on each call. The root is a synthetic "<all>" node whose
   * children are the outermost frames; Python's get_tree instead roots the tree at the
   * first sample's outermost frame. See buildTree for the details.
   */
  getTree(): Tree {
    return buildTree(this.profile.samples, (a) => this.getName(a), this.treeKeys());
  }

  /**
   * Self and total samples per function, biggest self first. Addresses with the same
   * name are one function (as in vmprofshow flat, which groups by name, file and line).
   */
  flat(o: FlatOptions = {}): FlatRow[] {
    const noNative = o.noNative === true;
    const idxOf = new Map<number, number>(); // addr -> index into the per-address arrays
    const addrs: number[] = [];
    const fnOfAddr: number[] = []; // function index, -1 for a skipped native frame
    const addrHits: number[] = []; // samples containing the address
    const addrSeen: number[] = []; // last group that counted the address
    const fnOfName = new Map<string, number>();
    const rows: FlatRow[] = [];
    const fnSeen: number[] = []; // last group that counted the function toward total
    // Each distinct stack once, counting its samples (see stackGroups).
    const groups = stackGroups(this.profile.samples);
    for (let s = 0; s < groups.length; s++) {
      const { stack, n } = groups[s];
      let innermost = -1;
      for (let i = 0; i < stack.length; i++) {
        const a = stack[i];
        let k = idxOf.get(a);
        if (k === undefined) {
          let f = -1;
          if (!(noNative && this.isNative(a))) {
            const name = this.getName(a);
            const known = fnOfName.get(name);
            if (known === undefined) {
              f = rows.length;
              fnOfName.set(name, f);
              rows.push({ name, addr: a, self: 0, total: 0 });
              fnSeen.push(-1);
            } else {
              f = known;
            }
          }
          k = addrs.length;
          idxOf.set(a, k);
          addrs.push(a);
          fnOfAddr.push(f);
          addrHits.push(0);
          addrSeen.push(-1);
        }
        const f = fnOfAddr[k];
        if (f < 0) continue;
        innermost = f;
        if (fnSeen[f] !== s) {
          fnSeen[f] = s;
          rows[f].total += n;
        }
        if (addrSeen[k] !== s) {
          addrSeen[k] = s;
          addrHits[k] += n;
        }
      }
      if (innermost >= 0) rows[innermost].self += n;
    }
    // Each function is shown under the address that carried most of its samples.
    const best: number[] = rows.map(() => -1);
    for (let k = 0; k < addrs.length; k++) {
      const f = fnOfAddr[k];
      if (f >= 0 && addrHits[k] > best[f]) {
        best[f] = addrHits[k];
        rows[f].addr = addrs[k];
      }
    }
    return rows.sort((x, y) =>
      y.self - x.self || y.total - x.total || (x.name < y.name ? -1 : x.name > y.name ? 1 : 0)
    );
  }

  /** Thread id -> name, from the log's `thread:<tid>` META records. */
  threadNames(): Map<number, string> {
    const out = new Map<number, string>();
    for (const [k, v] of this.profile.meta) {
      if (k.startsWith(META.threadPrefix)) out.set(Number(k.slice(META.threadPrefix.length)), v);
    }
    return out;
  }

  /**
   * A Stats over the samples `keep` accepts (same symbols, META and tier tables; the activity
   * letters are filtered along). For one thread: `stats.filter((s) => s.thread === tid)`.
   */
  filter(keep: (sample: Sample, index: number) => boolean): Stats {
    const letters = this.profile.meta.get(META.activities);
    const samples: Sample[] = [];
    let activities = "";
    this.profile.samples.forEach((s, i) => {
      if (!keep(s, i)) return;
      samples.push(s);
      if (letters) activities += letters[i] ?? "";
    });
    const meta = new Map(this.profile.meta);
    if (letters) meta.set(META.activities, activities);
    return new Stats({ ...this.profile, samples, meta });
  }

  /** The threads whose id equals `which` or whose name starts with it. */
  threadsMatching(which: string): number[] {
    const names = this.threadNames();
    return [...this.threads().keys()].filter((t) => String(t) === which || (names.get(t) ?? "").startsWith(which));
  }

  /** Thread id -> samples, in order of first appearance. */
  threads(): Map<number, number> {
    const m = new Map<number, number>();
    for (const s of this.profile.samples) m.set(s.thread, (m.get(s.thread) ?? 0) + 1);
    return m;
  }

  /** Seconds between the start time and the trailer's end time; undefined without both. */
  durationSeconds(): number | undefined {
    const { startMicros, endMicros } = this.profile;
    if (startMicros === undefined || endMicros === undefined) return undefined;
    return (endMicros - startMicros) / 1e6;
  }

  getMeta(key: string, dflt?: string): string | undefined {
    return this.profile.meta.get(key) ?? dflt;
  }

  /** Kind, name, line and file of an address's symbol (vmprof's get_addr_info). */
  getAddrInfo(addr: number): ReturnType<typeof parseName> | undefined {
    const name = this.profile.symbols.get(addr);
    return name === undefined ? undefined : parseName(name);
  }
}
