// Unit tests of the terminal views: renderTree, renderFlat and renderSummary on a known profile.

import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { REAL_TIME } from "../../lib/format/constants.ts";
import { parseLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { Stats } from "../../lib/profile/stats.ts";
import { MAX_WIDTH, renderFlat, renderSummary, renderTree } from "../../lib/view/terminal.ts";

import { knownProfile, MAIN } from "../fixtures/known-profile.ts";

const stats = new Stats(knownProfile());

const lines = (s: string) => s.replace(/\n$/, "").split("\n");

test("renderTree: vmprofshow's layout, biggest first, <all> not shown", () => {
  assert.deepEqual(lines(renderTree(stats)), [
    " 81.8%  main  81.8%  /app/main.ts:1",
    " 54.5% |. fib  66.7%  /app/main.ts:5",
    " 27.3% |.|. leaf  50.0%  /app/util.ts:9",
    " 18.2% |. leaf  22.2%  /app/util.ts:9",
    " 18.2% |.|. memcpy  100.0%  /usr/lib/libc.so.6",
    "  9.1%  0x4000  9.1%  <unknown>",
  ]);
});

test("renderTree: prunePercent, pruneLevel and indent", () => {
  assert.deepEqual(lines(renderTree(stats, { prunePercent: 15 })), [
    " 81.8%  main  81.8%  /app/main.ts:1",
    " 54.5% |. fib  66.7%  /app/main.ts:5",
    " 27.3% |.|. leaf  50.0%  /app/util.ts:9",
    " 18.2% |. leaf  22.2%  /app/util.ts:9",
    " 18.2% |.|. memcpy  100.0%  /usr/lib/libc.so.6",
  ]);
  assert.deepEqual(lines(renderTree(stats, { pruneLevel: 1, indent: 4 })), [
    " 81.8%  main  81.8%  /app/main.ts:1",
    " 54.5% |... fib  66.7%  /app/main.ts:5",
    " 18.2% |... leaf  22.2%  /app/util.ts:9",
    "  9.1%  0x4000  9.1%  <unknown>",
  ]);
  assert.equal(lines(renderTree(stats, { pruneLevel: 0 })).length, 2);
  assert.equal(lines(renderTree(stats, { indent: 0 }))[1], " 54.5%  fib  66.7%  /app/main.ts:5");
});

test("renderFlat: self and total shares, counts, name and location", () => {
  assert.deepEqual(lines(renderFlat(stats)), [
    "  self%     self   total%    total  function",
    " 27.27%        3   54.55%        6  fib (/app/main.ts:5)",
    " 27.27%        3   45.45%        5  leaf (/app/util.ts:9)",
    " 18.18%        2   18.18%        2  memcpy (/usr/lib/libc.so.6)",
    "  9.09%        1   81.82%        9  main (/app/main.ts:1)",
    "  9.09%        1    9.09%        1  0x4000",
  ]);
  assert.deepEqual(lines(renderFlat(stats, { noNative: true })).slice(1, 3), [
    " 45.45%        5   45.45%        5  leaf (/app/util.ts:9)",
    " 27.27%        3   54.55%        6  fib (/app/main.ts:5)",
  ]);
  assert.equal(lines(renderFlat(stats, { percentCutoff: 15 })).length, 1 + 3);
  assert.equal(lines(renderFlat(stats, { limit: 2 })).length, 1 + 2);
});

test("renderSummary: the end-of-run report", () => {
  assert.deepEqual(lines(renderSummary(stats, { top: 3 })), [
    "vmprof-js: 11 samples over 1.50 s (period 0.99 ms, mode cpu), 2 threads, 3 dropped",
    "Top 3 by self time:",
    "  self%  samples  function",
    "  27.3%        3  fib (/app/main.ts:5)",
    "  27.3%        3  leaf (/app/util.ts:9)",
    "  18.2%        2  memcpy (/usr/lib/libc.so.6)",
    "Top 3 by total time:",
    " total%  samples  function",
    "  81.8%        9  main (/app/main.ts:1)",
    "  54.5%        6  fib (/app/main.ts:5)",
    "  45.5%        5  leaf (/app/util.ts:9)",
  ]);
  const wall = new Stats(knownProfile({ flags: REAL_TIME, meta: [] }));
  assert.equal(
    lines(renderSummary(wall))[0],
    "vmprof-js: 11 samples over 1.50 s (period 0.99 ms, mode wall), 2 threads, 0 dropped",
  );
  assert.equal(lines(renderSummary(wall)).length, 1 + 2 * (2 + 5), "tables stop at the functions there are");
});

test("empty and undated profiles", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "deno" });
  const empty = new Stats(parseLog(w.bytes()));
  assert.equal(renderSummary(empty), "vmprof-js: 0 samples (period 1 ms, mode cpu), 0 threads, 0 dropped\n");
  assert.equal(renderTree(empty), "No stack trace has been recorded (profile is empty)!\n");
  assert.equal(renderFlat(empty), "No stack trace has been recorded (profile is empty)!\n");
  w.sample([MAIN], 5);
  assert.equal(
    lines(renderSummary(new Stats(parseLog(w.bytes()))))[0],
    "vmprof-js: 1 sample (period 1 ms, mode cpu), 1 thread, 0 dropped",
  );
});

test("color only when asked for", () => {
  for (const text of [renderTree(stats), renderFlat(stats), renderSummary(stats)]) {
    assert.ok(!text.includes("\x1b["), "no escape codes by default");
  }
  const colored = renderTree(stats, { color: true });
  assert.ok(colored.includes("\x1b[94m\x1b[1mfib\x1b[0m"), "function names in bold blue");
  // Without the escape codes, the colored text is the plain text.
  // deno-lint-ignore no-control-regex
  assert.equal(colored.replace(/\x1b\[[0-9;]*m/g, ""), renderTree(stats));
  // deno-lint-ignore no-control-regex
  assert.equal(renderFlat(stats, { color: true }).replace(/\x1b\[[0-9;]*m/g, ""), renderFlat(stats));
  // deno-lint-ignore no-control-regex
  assert.equal(renderSummary(stats, { color: true }).replace(/\x1b\[[0-9;]*m/g, ""), renderSummary(stats));
});

test("lines stay within 100 characters: long names, long paths, deep stacks", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "deno" });
  const longName = "x".repeat(150);
  const longPath = "file:///home/someone/" + "very-long-directory/".repeat(8) + "module.ts";
  const stack: number[] = [];
  for (let i = 1; i <= 80; i++) {
    stack.push(16 * i);
    w.symbol(16 * i, i % 2 ? `js:${longName}${i}:${i}:${longPath}` : `js:f${i}:${i}:${longPath}`);
  }
  w.sample(stack, 1);
  w.sample(stack.slice(0, 40), 1);
  const s = new Stats(parseLog(w.bytes()));
  const tree = lines(renderTree(s));
  assert.equal(tree.length, 80);
  const flat = lines(renderFlat(s));
  const summary = lines(renderSummary(s));
  for (const l of [...tree, ...flat, ...summary]) assert.ok(l.length <= MAX_WIDTH, `${l.length}: ${l}`);
  assert.match(tree[1], /^100\.0% \|\. f2 {2}100\.0% {2}…\S*module\.ts:2$/, "the path is cut from the left");
  assert.match(tree[0], /^100\.0% {2}x+…/, "the name is cut at the right when it alone is too long");
  assert.match(tree[79], /^ 50\.0% \[79\](\|\.)+ f80 {2}100\.0% {2}…\S*module\.ts:80$/, "deep levels show their depth");
});
