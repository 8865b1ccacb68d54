// Top-N agreement of two profilers: the JS functions with the most self time in each, and how many of one's top N the other's top N holds.
import { readAnyProfile } from "../lib/import/any.ts";
import { isUnknownFile, parseName, Stats } from "../lib/profile/stats.ts";

/** One JS function's self samples, summed over every profile of a variant. */
export interface SelfEntry {
  name: string;
  file: string;
  line: number;
  self: number;
}

/** Self samples per JS function with a known source file (runtime internals, GC and native code left out). */
export function jsSelfCounts(profilePath: string): { total: number; functions: SelfEntry[] } {
  const stats = new Stats(readAnyProfile(profilePath));
  const functions: SelfEntry[] = [];
  let total = 0;
  for (const row of stats.flat()) {
    total += row.self;
    const p = parseName(row.name);
    if (p.kind !== "js" || isUnknownFile(p.file) || row.self === 0) continue;
    // Our logs keep ':' out of names and files (vmprof splits on it): spell both sides alike.
    functions.push({
      name: p.name.replaceAll(":", "."),
      file: p.file.replaceAll(":", "."),
      line: p.line,
      self: row.self,
    });
  }
  return { total, functions };
}

/** Adds `more` into `into` (keyed by name, file and line); returns `into`. */
export function mergeSelf(into: Map<string, SelfEntry>, more: SelfEntry[]): Map<string, SelfEntry> {
  for (const e of more) {
    const key = `${e.name}\0${e.file}\0${e.line}`;
    const had = into.get(key);
    if (had) had.self += e.self;
    else into.set(key, { ...e });
  }
  return into;
}

export function topN(entries: Iterable<SelfEntry>, n: number): SelfEntry[] {
  return [...entries].sort((a, b) => b.self - a.self || a.file.localeCompare(b.file) || a.line - b.line).slice(0, n);
}

const anonymous = (name: string) => name === "" || /^[(<]anonymous[)>]$/.test(name);

/**
 * The same function in two profilers' words: same file, and the same first line or (when the
 * runtimes count lines differently) the same non-anonymous name.
 */
export function sameFunction(a: SelfEntry, b: SelfEntry): boolean {
  if (a.file !== b.file) return false;
  return a.line === b.line || (!anonymous(a.name) && a.name === b.name);
}

/** How many of `ours` are in `theirs` (both top-N lists); each of theirs matches at most once. */
export function agreement(ours: SelfEntry[], theirs: SelfEntry[]): number {
  const left = [...theirs];
  let hits = 0;
  for (const e of ours) {
    const i = left.findIndex((t) => sameFunction(e, t));
    if (i >= 0) {
      hits++;
      left.splice(i, 1);
    }
  }
  return hits;
}
