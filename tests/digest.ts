// Prints a JSON digest of a log for the tap tests: counts by function, threads, meta.
import process from "node:process";
import { readProfile } from "../mod.ts";
import { displayName } from "../lib/profile/stats.ts";

const stats = await readProfile(process.argv[2]);
const functions: Record<string, { self: number; total: number }> = {};
for (const row of stats.flat()) {
  const name = displayName(row.name);
  const f = functions[name] ??= { self: 0, total: 0 };
  f.self += row.self;
  f.total = Math.max(f.total, row.total);
}
const p = stats.profile;
const jsSamples =
  p.samples.filter((s) => s.stack.some((a) => a % 2 === 0 && !stats.getName(a).startsWith("js:("))).length;
console.log(JSON.stringify({
  samples: stats.samples,
  complete: p.complete,
  threads: Object.fromEntries(stats.threads()),
  functions,
  namedShare: p.samples.length ? jsSamples / p.samples.length : 0,
  meta: Object.fromEntries(p.meta),
  flags: p.flags,
  rss: p.samples.map((s) => s.rss),
}));
