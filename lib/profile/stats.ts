// Stats: vmprof's Stats API over a parsed Profile — names, call tree, flat table, threads, meta.

import type { Profile } from "../format/reader.ts";
import { buildTree, type Tree } from "./tree.ts";
import { parseName } from "./names.ts";

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

export class Stats {
  profile: Profile;

  constructor(profile: Profile) {
    this.profile = profile;
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
    return buildTree(this.profile.samples, (a) => this.getName(a));
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
    const addrSeen: number[] = []; // last sample that counted the address
    const fnOfName = new Map<string, number>();
    const rows: FlatRow[] = [];
    const fnSeen: number[] = []; // last sample that counted the function toward total
    const samples = this.profile.samples;
    for (let s = 0; s < samples.length; s++) {
      const stack = samples[s].stack;
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
          rows[f].total++;
        }
        if (addrSeen[k] !== s) {
          addrSeen[k] = s;
          addrHits[k]++;
        }
      }
      if (innermost >= 0) rows[innermost].self++;
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
