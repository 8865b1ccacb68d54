// What every exporter needs from Stats: one entry per function (as `show flat` groups them),
// each address's JIT tier, thread names and the memory facts.

import { MEMORY } from "../format/constants.ts";
import { threadKey } from "../contract.ts";
import { displayName, isUnknownFile, parseName, type Stats } from "../profile/stats.ts";

/** The frame that stands for a sample with no frames at all, as in V8's profiles. */
export const NO_FRAMES = "(program)";

/** One function: all the addresses that share a vmprof name, as in `Stats.flat()`. */
export interface Frame {
  /** The vmprof name, `js:fib:4:/app/fib.ts` (or "0x…" for an unnamed address). */
  full: string;
  name: string;
  /** First line, 1-based; 0 when unknown. */
  line: number;
  /** Source file or library; "" when unknown. */
  file: string;
  native: boolean;
  /** `fib (/app/fib.ts:4)`: the name `show` prints. */
  label: string;
}

/**
 * Functions by address, built lazily. Frame indexes follow first use, so a format that
 * lists frames once (speedscope, pprof) can use them directly.
 */
export class FrameTable {
  readonly stats: Stats;
  readonly frames: Frame[] = [];
  readonly #byAddr = new Map<number, number>();
  readonly #byName = new Map<string, number>();

  constructor(stats: Stats) {
    this.stats = stats;
  }

  /** Index of the function at `addr`. */
  of(addr: number): number {
    let i = this.#byAddr.get(addr);
    if (i !== undefined) return i;
    const full = this.stats.getName(addr);
    i = this.#byName.get(full);
    if (i === undefined) {
      const p = parseName(full);
      i = this.frames.length;
      this.frames.push({
        full,
        name: p.name,
        line: p.line,
        file: isUnknownFile(p.file) ? "" : p.file,
        native: this.stats.isNative(addr),
        label: displayName(full),
      });
      this.#byName.set(full, i);
    }
    this.#byAddr.set(addr, i);
    return i;
  }

  /** The JIT tier of the code at `addr` when the log records one (Stats.tierOf: the META tiers table). */
  tier(addr: number): string | undefined {
    return this.stats.tierOf(addr);
  }
}

/** A thread's name from META `thread:<tid>`, or "" when the log has none. */
export function threadName(stats: Stats, tid: number): string {
  return stats.getMeta(threadKey(tid)) ?? "";
}

/** `deno (thread 4711)`, or `thread 4711` without a name. */
export function threadLabel(stats: Stats, tid: number): string {
  const name = threadName(stats, tid);
  return name === "" ? `thread ${tid}` : `${name} (thread ${tid})`;
}

/** The log is in memory mode: every sample carries the RSS (kB). */
export function hasMemory(stats: Stats): boolean {
  return (stats.profile.flags & MEMORY) !== 0;
}

/** Largest RSS of any sample in kB, or undefined when the log is not in memory mode. */
export function peakRssKb(stats: Stats): number | undefined {
  if (!hasMemory(stats)) return undefined;
  let peak = 0;
  for (const s of stats.profile.samples) if (s.rss > peak) peak = s.rss;
  return peak;
}
