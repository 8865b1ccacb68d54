// Which jitdump files in a directory belong to a process, and waiting until their writer has
// finished them. Small on purpose: the in-process Bun agent (lib/agent/bun.ts) loads it.
import { closeSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { indexOf } from "../util/bytes.ts";

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
  const sizes = () =>
    files.map((f) => {
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

/**
 * Block until the jitdump of `pid` in `dir` holds `marker` (the name of code compiled at a known
 * moment, such as the agent's stop-marker regexp), or `maxWaitMs` has passed. JSC writes its
 * records from one queue, in order: once the marker's record is written, so is every record of
 * code compiled before it, and nothing is left to wait for. Where the marker never comes (no
 * JIT for that regexp), it falls back to waitUntilStable's quiet period after `fallbackMs`.
 * Returns the time waited in ms.
 */
export function waitForMarker(
  dir: string,
  pid: number,
  marker: string,
  opts: WaitOptions & { fallbackMs?: number } = {},
): number {
  const max = opts.maxWaitMs ?? 2000;
  const fallback = opts.fallbackMs ?? 100;
  const needle = new TextEncoder().encode(marker);
  const t0 = Date.now();
  const read = new Map<string, number>(); // bytes of each file searched so far
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const buf = new Uint8Array(1 << 16);
  const found = (): boolean => {
    for (const f of jitdumpFiles(dir, pid)) {
      let fd = -1;
      try {
        fd = openSync(f, "r");
        // Each pass reads what was written since the last one, from a little before (the
        // marker may straddle two passes).
        let at = Math.max(0, (read.get(f) ?? 0) - needle.length);
        for (;;) {
          const n = readSync(fd, buf, 0, buf.length, at);
          if (n <= 0) break;
          if (indexOf(buf.subarray(0, n), needle) >= 0) return true;
          if (n < buf.length) {
            at += n;
            break;
          }
          at += n - needle.length;
        }
        read.set(f, at);
      } catch {
        // not there yet
      } finally {
        if (fd >= 0) closeSync(fd);
      }
    }
    return false;
  };
  for (;;) {
    if (found()) return Date.now() - t0;
    const waited = Date.now() - t0;
    if (waited >= max) return waited;
    if (waited >= fallback) {
      return waited + waitUntilStable(jitdumpFiles(dir, pid), { quietMs: opts.quietMs, maxWaitMs: max - waited });
    }
    Atomics.wait(cell, 0, 0, 2);
  }
}
