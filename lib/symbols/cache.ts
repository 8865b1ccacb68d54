// An on-disk cache for naming work that is the same between runs of one program: what a source
// file or a runtime binary yields depends only on its bytes (and the runtime's version), so it is
// kept under the user's cache folder, keyed by the file's path, size, mtime and inode.
//
// $VMPROF_CACHE_DIR sets the folder (default $XDG_CACHE_HOME/vmprof-js or ~/.cache/vmprof-js);
// VMPROF_CACHE_DIR=off turns the cache off. One entry per (kind, file): a changed file replaces
// its entry, so the cache holds at most one entry for each file ever named. A cache never
// breaks naming: an unreadable, stale or corrupt entry is a miss, a failed write is ignored.
import { mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fnv1a64 } from "../util/hash.ts";

/** Bumped whenever what is cached changes shape or meaning: older entries become misses. */
const CACHE_FORMAT = 2; // 2: entry file names by fnv1a64, not sha1

/** The cache folder, or undefined when the cache is off. */
export function cacheDir(env: Record<string, string | undefined> = process.env): string | undefined {
  const set = env.VMPROF_CACHE_DIR;
  if (set === "off" || set === "0") return undefined;
  if (set) return set;
  const base = env.XDG_CACHE_HOME || (env.HOME || homedir() ? join(env.HOME || homedir(), ".cache") : undefined);
  return base ? join(base, "vmprof-js") : undefined;
}

/** What identifies a file's content without reading it; undefined if it cannot be stat'ed. */
export function fileIdentity(path: string): string | undefined {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return undefined;
  }
}

interface Entry<T> {
  format: number;
  path: string;
  /** fileIdentity() and whatever else the value depends on (a runtime version). */
  key: string;
  value: T;
}

function entryPath(dir: string, kind: string, path: string): string {
  return join(dir, kind, fnv1a64(path) + ".json");
}

/** The value kept for `path` under `kind`, if it was kept for the same file identity and `extra`. */
export function readCache<T>(dir: string, kind: string, path: string, extra: string): T | undefined {
  const identity = fileIdentity(path);
  if (identity === undefined) return undefined;
  try {
    const e = JSON.parse(readFileSync(entryPath(dir, kind, path), "utf8")) as Entry<T>;
    if (e.format === CACHE_FORMAT && e.path === path && e.key === `${identity}|${extra}`) return e.value;
  } catch {
    // no entry, or a corrupt one: a miss
  }
  return undefined;
}

/** Keeps `value` for `path` under `kind` (replacing the file's older entry). */
export function writeCache<T>(dir: string, kind: string, path: string, extra: string, value: T): void {
  const identity = fileIdentity(path);
  if (identity === undefined) return;
  const file = entryPath(dir, kind, path);
  try {
    mkdirSync(join(dir, kind), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(
      tmp,
      JSON.stringify({ format: CACHE_FORMAT, path, key: `${identity}|${extra}`, value } satisfies Entry<T>),
    );
    renameSync(tmp, file); // readers see the old entry or the new one, never half of one
  } catch {
    // read-only or full disk: the next run computes it again
  }
}

/** readCache, else compute() and writeCache; `dir` undefined: compute() only. */
export function cached<T>(dir: string | undefined, kind: string, path: string, extra: string, compute: () => T): T {
  if (!dir) return compute();
  const hit = readCache<T>(dir, kind, path, extra);
  if (hit !== undefined) return hit;
  const value = compute();
  writeCache(dir, kind, path, extra, value);
  return value;
}
