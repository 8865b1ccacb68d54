// Which jitdump files in a directory belong to a process, and waiting until their writer has
// finished them. Small on purpose: the in-process Bun agent (lib/agent/bun.ts) loads it.
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

export interface WaitOptions {
  /** The files count as complete once their sizes have not changed for this long (ms). */
  quietMs?: number;
  /** Give up waiting after this long (ms) and read what is there. */
  maxWaitMs?: number;
}

/** Paths of the jitdump files in `dir` that belong to `pid` (by file name), sorted. */
export function jitdumpFiles(dir: string, pid: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = /^jit-(?:(\d+)-)?(\d+)\.dump$/;
  return names
    .filter((n) => {
      const m = re.exec(n);
      return m !== null && Number(m[2]) === pid;
    })
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Block until none of `files` has changed size for `quietMs` (default 100), or
 * `maxWaitMs` (default 2000) has passed. Synchronous (Atomics.wait on a private
 * buffer), so it can run in exit handlers. Returns the time waited in ms.
 */
export function waitUntilStable(files: string[], opts: WaitOptions = {}): number {
  const quiet = opts.quietMs ?? 100;
  const max = opts.maxWaitMs ?? 2000;
  const t0 = Date.now();
  const sizes = () => files.map((f) => {
    try {
      return statSync(f).size;
    } catch {
      return -1;
    }
  }).join(",");
  let last = sizes();
  let since = t0;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const now = Date.now();
    if (now - since >= quiet || now - t0 >= max) return now - t0;
    Atomics.wait(cell, 0, 0, Math.min(10, quiet));
    const s = sizes();
    if (s !== last) {
      last = s;
      since = Date.now();
    }
  }
}
