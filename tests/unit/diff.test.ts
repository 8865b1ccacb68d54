// Unit tests of diffStats (lib/profile/diff.ts), renderDiff (lib/view/diff.ts) and `diff`'s arguments.

import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { isVmprofError } from "../../lib/errors.ts";
import { parseLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { diffStats } from "../../lib/profile/diff.ts";
import { Stats } from "../../lib/profile/stats.ts";
import { renderDiff } from "../../lib/view/diff.ts";
import { parseDiffArgs } from "../../lib/commands/diff.ts";

/** A profile of `main → fn` stacks: `counts` maps a vmprof name to its samples. */
function profile(counts: Record<string, number>, main = "js:main:1:/app/main.ts"): Stats {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "test" });
  w.symbol(0x10, main);
  let key = 0x100;
  for (const [name, n] of Object.entries(counts)) {
    key += 0x10;
    if (name.startsWith("n:")) w.nativeSymbol(key + 1, name);
    else w.symbol(key, name);
    for (let i = 0; i < n; i++) w.sample([0x10, name.startsWith("n:") ? key + 1 : key], 1);
  }
  w.trailer(0);
  return new Stats(parseLog(w.bytes()));
}

test("diff: shares, deltas, biggest change first, absent sides", () => {
  const a = profile({ "js:fib:5:/app/main.ts": 50, "js:words:9:/app/main.ts": 30, "js:gone:20:/app/main.ts": 20 });
  const b = profile({ "js:fib:5:/app/main.ts": 20, "js:words:9:/app/main.ts": 60, "js:new:30:/app/main.ts": 20 });
  const d = diffStats(a, b);
  assert.equal(d.samplesA, 100);
  assert.equal(d.samplesB, 100);
  const byName = new Map(d.rows.map((r) => [r.name, r]));
  const fib = byName.get("js:fib:5:/app/main.ts")!;
  assert.equal(fib.a.selfShare, 0.5);
  assert.equal(fib.b.selfShare, 0.2);
  assert.ok(Math.abs(fib.selfDelta + 0.3) < 1e-12);
  assert.equal(byName.get("js:gone:20:/app/main.ts")!.b.name, undefined, "gone from B");
  assert.equal(byName.get("js:new:30:/app/main.ts")!.a.name, undefined, "new in B");
  assert.deepEqual(d.rows.map((r) => r.name.split(":")[1]), ["fib", "words", "gone", "new", "main"]);
  const main = byName.get("js:main:1:/app/main.ts")!;
  assert.equal(main.totalDelta, 0);
  assert.equal(main.a.totalShare, 1);
});

test("diff: ranked by the change in self share, or in total share", () => {
  const a = profile({ "js:x:1:/a.ts": 10, "js:y:2:/a.ts": 10, "js:z:3:/a.ts": 5 });
  const b = profile({ "js:x:1:/a.ts": 10, "js:y:2:/a.ts": 30, "n:w:0:-": 7 });
  const sorted = (xs: number[]) => xs.every((x, i) => i === 0 || Math.abs(xs[i - 1]) >= Math.abs(x));
  assert.ok(sorted(diffStats(a, b).rows.map((r) => r.selfDelta)));
  assert.ok(sorted(diffStats(a, b, { by: "total" }).rows.map((r) => r.totalDelta)));
  assert.equal(diffStats(a, b, { by: "total" }).rows.at(-1)!.name, "js:main:1:/app/main.ts", "main never changes");
});

test("diff: the kind prefix does not matter; a function without a file pairs by name when unambiguous", () => {
  // A .cpuprofile's fib (js:, with file) against a Bun log's fib (no file); split native vs js.
  const a = profile({
    "js:fib:5:/app/main.ts": 10,
    "js:(garbage collector):0:-": 5,
    "js:<anonymous>:1:/a.ts": 3,
    "js:<anonymous>:7:/a.ts": 2,
  });
  const b = profile({ "js:fib:0:-": 12, "n:(garbage collector):0:-": 5, "js:<anonymous>:0:-": 4 });
  const d = diffStats(a, b);
  const fib = d.rows.find((r) => r.name === "js:fib:5:/app/main.ts")!;
  assert.equal(fib.b.name, "js:fib:0:-");
  assert.equal(fib.b.self, 12);
  const gc = d.rows.find((r) => r.name.includes("(garbage collector)"))!;
  assert.equal(gc.a.self, 5);
  assert.equal(gc.b.self, 5);
  // Two anonymous functions in A: which one B's is cannot be told, so none is paired.
  const anon = d.rows.filter((r) => r.name.includes("<anonymous>"));
  assert.equal(anon.length, 3);
  assert.ok(anon.every((r) => r.a.name === undefined || r.b.name === undefined));
});

test("diff: match by name adds up functions that share one", () => {
  const a = profile({ "js:f:1:/old/a.ts": 10, "js:g:2:/old/a.ts": 10 }, "js:main:1:/old/main.ts");
  const b = profile({ "js:f:1:/new/a.ts": 15, "js:g:2:/new/a.ts": 5 }, "js:main:1:/new/main.ts");
  assert.equal(diffStats(a, b).rows.length, 6, "different files: nothing pairs");
  const d = diffStats(a, b, { match: "name" });
  assert.deepEqual(d.rows.map((r) => [r.name.split(":")[1], r.a.self, r.b.self]), [["f", 10, 15], ["g", 10, 5], [
    "main",
    0,
    0,
  ]]);
});

test("diff: --no-native leaves native frames out", () => {
  const a = profile({ "n:memcpy:0:/lib/libc.so.6": 10, "js:f:1:/a.ts": 10 });
  const b = profile({ "n:memcpy:0:/lib/libc.so.6": 20, "js:f:1:/a.ts": 10 });
  assert.ok(diffStats(a, b).rows.some((r) => r.name.startsWith("n:")));
  assert.ok(!diffStats(a, b, { noNative: true }).rows.some((r) => r.name.startsWith("n:")));
});

test("renderDiff: heading, columns, signs, '-' for absent, at most 100 characters a line", () => {
  const long = `js:${"x".repeat(120)}:1:/a.ts`;
  const a = profile({ "js:fib:5:/app/main.ts": 50, [long]: 10, "js:gone:20:/app/main.ts": 40 });
  const b = profile({ "js:fib:5:/app/main.ts": 20, [long]: 10, "js:new:30:/app/main.ts": 70 });
  const text = renderDiff(diffStats(a, b), { labelA: "a.log", labelB: "b.cpuprofile", limit: 3 });
  const lines = text.trimEnd().split("\n");
  assert.equal(lines[0], "A: a.log (100 samples)");
  assert.equal(lines[1], "B: b.cpuprofile (100 samples)");
  assert.match(lines[2], /self% A +self% B +Δself +total% A +total% B +Δtotal +function/);
  assert.match(lines[3], /^ +- +70\.00 +\+70\.00 +- +70\.00 +\+70\.00 {2}new \(\/app\/main\.ts:30\)$/);
  assert.match(lines[4], /^ +40\.00 +- +-40\.00 /);
  assert.match(lines[5], /^ +50\.00 +20\.00 +-30\.00 /);
  assert.match(lines[6], /^\(2 more; --limit N shows more\)$/);
  assert.ok(lines.every((l) => l.length <= 100), "narrow");
  const clipped = renderDiff(diffStats(a, b), { limit: 10 }).split("\n").find((l) => l.includes("xxx"))!;
  assert.ok(clipped.endsWith("…") && clipped.length === 100);
  assert.match(renderDiff(diffStats(a, profile({}))), /Nothing to compare/);
});

test("diff arguments", () => {
  assert.deepEqual(parseDiffArgs(["a.log", "b.log"]), {
    a: "a.log",
    b: "b.log",
    by: "self",
    match: "location",
    noNative: false,
    limit: 30,
  });
  const o = parseDiffArgs(["a", "b", "--by", "total", "--match", "name", "--no-native", "--limit", "5"]);
  assert.deepEqual([o.by, o.match, o.noNative, o.limit], ["total", "name", true, 5]);
  const bad = (argv: string[], re: RegExp) =>
    assert.throws(() => parseDiffArgs(argv), (e) => isVmprofError(e, "BAD_OPTION") && re.test(e.message));
  bad(["a"], /which two profiles/);
  bad(["a", "b", "c"], /which two profiles/);
  bad(["a", "b", "--by", "x"], /--by must be self or total/);
  bad(["a", "b", "--match", "x"], /--match must be/);
  bad(["a", "b", "--limit", "-1"], /--limit/);
  bad(["a", "b", "--what"], /what/);
});
