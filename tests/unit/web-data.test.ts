// Unit tests of the web viewer's data: the payload (lib/view/web-data.ts) read back by the page's model (lib/view/web/model.js) gives `show`'s numbers.

import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { MEMORY } from "../../lib/format/constants.ts";
import { parseLog, type Profile } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { Stats } from "../../lib/profile/stats.ts";
import { META } from "../../lib/contract.ts";
import { buildTree, type Tree } from "../../lib/profile/tree.ts";
import { activityIndexes, encodeWebProfile } from "../../lib/view/web-data.ts";
import { COLOUR_CLASSES, colourClassOf, frameInfoFromMeta } from "../../lib/view/colour-class.ts";
import {
  classSplit,
  decode,
  diffTree,
  flat,
  matchedSamples,
  movers,
  nameMatcher,
  parseName as pageParseName,
  ProfileModel,
  sandwich,
} from "../../lib/view/web/model.js";
import { parseName } from "../../lib/profile/names.ts";

import { FIB, FIB2, knownProfile as sharedProfile, MAIN } from "../fixtures/known-profile.ts";

const EVIL = 0x5000;

/** The shared known profile (main ─ fib ─ leaf, recursion, 2 threads) with rss, tiers, activity letters and a hostile name. */
function knownProfile(): Profile {
  return sharedProfile({
    flags: MEMORY,
    rss: true,
    meta: [
      ["thread:1", "main"],
      ["thread:2", "worker-1"],
      [META.tiers, JSON.stringify({ [FIB]: "ignition", [FIB2]: "turbofan" })],
      [META.activities, "JJJJJIJNDGXJ"], // one letter a sample; X is unknown
    ],
    extra: (w, add) => {
      w.symbol(EVIL, "js:<img src=x onerror=alert(1)>:2:/app/<b>.ts");
      add([MAIN, EVIL], 1, 2);
    },
  });
}

const profile = knownProfile();
const stats = new Stats(profile);
const bytes = encodeWebProfile(profile, "known.log");
const model = new ProfileModel(decode(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
const ALL = { thread: -1 };

/** name path → count, for a lib/profile tree. */
function pathsOfTree(root: Tree): Map<string, number> {
  const out = new Map<string, number>();
  const todo: [Tree, string][] = [[root, ""]];
  while (todo.length) {
    const [n, p] = todo.pop()!;
    const here = p === "" ? "<all>" : `${p} > ${n.name}`;
    out.set(here, (out.get(here) ?? 0) + n.count);
    for (const c of n.children.values()) todo.push([c, here]);
  }
  return out;
}

// deno-lint-ignore no-explicit-any
function pathsOfModel(tree: any): Map<string, number> {
  const out = new Map<string, number>();
  const todo: [number, string][] = [[0, ""]];
  while (todo.length) {
    const [i, p] = todo.pop()!;
    const here = p === "" ? "<all>" : `${p} > ${model.nameOfNode(tree, i)}`;
    out.set(here, (out.get(here) ?? 0) + tree.total[i]);
    for (const c of tree.children(i)) todo.push([c, here]);
  }
  return out;
}

test("payload: header, threads, rss and columns survive the round trip", () => {
  const h = model.header;
  assert.equal(h.label, "known.log");
  assert.equal(h.samples, profile.samples.length);
  assert.equal(h.memory, true);
  assert.deepEqual(h.threads, [
    { id: 1, name: "main", samples: 9 },
    { id: 2, name: "worker-1", samples: 3 },
  ]);
  assert.equal(model.sampleRss[0], 1010);
  assert.equal(model.sampleRss[11], 1120);
  assert.equal(bytes.length % 8, 0);
  assert.ok(h.names.includes("js:<img src=x onerror=alert(1)>:2:/app/<b>.ts"), "names kept verbatim");
});

test("flame tree: every node's total equals the call tree's count (show tree numbers)", () => {
  // Tiers merged (the default): one node per function, as Stats.getTree() and `show` have it.
  const merged = pathsOfModel(model.tree(ALL, true));
  assert.deepEqual(new Map([...merged].sort()), new Map([...pathsOfTree(stats.getTree())].sort()));
  // Tiers apart: one node per frame key, as buildTree without canonical keys.
  const apart = pathsOfModel(model.tree(ALL, false));
  const raw = buildTree(profile.samples, (a) => stats.getName(a));
  assert.deepEqual(new Map([...apart].sort()), new Map([...pathsOfTree(raw)].sort()));
  assert.notDeepEqual(merged, apart, "fib at two keys makes a difference");
});

test("tiers: per node as Tree.tiers counts them", () => {
  const t = model.tree(ALL, true);
  const main = t.children(0).find((i: number) => model.nameOfNode(t, i) === "js:main:1:/app/main.ts");
  const fib = t.children(main).find((i: number) => model.nameOfNode(t, i) === "js:fib:5:/app/main.ts");
  const expected = stats.getTree()["main"]["fib"].tiers;
  assert.deepEqual(model.tiersOf(ALL, true, fib), expected);
  assert.deepEqual(expected, new Map([["ignition", 6]]));
  const apart = model.tree(ALL, false);
  const fib2 = [...Array(apart.n).keys()].find((i) => apart.label[i] >= 0 && apart.tier(i) === "turbofan")!;
  assert.deepEqual(model.tiersOf(ALL, false, fib2), new Map([["turbofan", 1]]));
});

test("activities: the log's letters become a column, counted under filters", () => {
  // jit, interpreter, gc, native, idle; the X is in no column.
  assert.deepEqual([...model.activityCounts(ALL)!], [7, 1, 1, 1, 1]);
  assert.deepEqual(
    [...model.activityCounts({ thread: 0, from: 5, to: 10 })!],
    [1, 1, 0, 1, 1],
    "thread index 0 (tid 1)",
  );
  assert.equal(
    activityIndexes(new Map([[META.activities, "JJ"]]), 3),
    undefined,
    "a table of the wrong length is ignored",
  );
  assert.deepEqual([...activityIndexes(new Map([[META.activities, "JIGNDx"]]), 6)!], [0, 1, 2, 3, 4, 255]);
});

test("flat: self and total per function equal Stats.flat (show flat numbers)", () => {
  const t = model.tree(ALL, false);
  const f = flat(t, model.names.length);
  for (const row of stats.flat()) {
    const i = model.names.indexOf(row.name);
    assert.ok(i >= 0, row.name);
    assert.equal(f.self[i], row.self, `${row.name} self`);
    assert.equal(f.total[i], row.total, `${row.name} total`);
  }
  // Merged tiers: same function numbers.
  const m = flat(model.tree(ALL, true), model.names.length);
  assert.deepEqual([...m.self], [...f.self]);
  assert.deepEqual([...m.total], [...f.total]);
});

test("the page parses names as lib/profile/names.ts does", () => {
  for (
    const n of [
      "js:fib:5:/app/main.ts",
      "n:v8::internal::Foo:0:-",
      "py:main:3:C:\\app\\x.py",
      "js:(garbage collector):0:-",
      "pypy:jitted",
      "0x4000",
      "<all>",
      "js:a:b:c:12:file:///x.ts",
    ]
  ) assert.deepEqual(pageParseName(n), parseName(n), n);
});

test("filters: a thread (by index) and a time range count only their samples", () => {
  const t2 = model.tree({ thread: 1 }, false);
  assert.equal(t2.total[0], 3);
  const range = model.tree({ thread: -1, from: 0, to: 3 }, false);
  assert.equal(range.total[0], 3);
  const fib = model.names.indexOf("js:fib:5:/app/main.ts");
  assert.equal(flat(range, model.names.length).total[fib], 3);
});

test("merged tiers: fib at two keys becomes one function, recursion collapses", () => {
  const t = model.tree(ALL, true);
  const fib = model.names.indexOf("js:fib:5:/app/main.ts");
  const main = t.children(0).find((i: number) => model.nameOfNode(t, i) === "js:main:1:/app/main.ts");
  const fibNode = t.children(main).find((i: number) => t.fn(i) === fib);
  assert.equal(t.total[fibNode], 6);
  // main > fib > leaf gets the sample of main > fib > fib2 > fib > leaf too.
  const leaf = t.children(fibNode).find((i: number) => model.nameOfNode(t, i) === "js:leaf:9:/app/util.ts");
  assert.equal(t.total[leaf], 3);
});

test("search: substring and /regex/, share of samples with a match", () => {
  const t = model.tree(ALL, false);
  const m = nameMatcher(model.names, "LEAF")!;
  assert.equal(matchedSamples(t, m), 5);
  const r = nameMatcher(model.names, "/^js:(main|fib):/")!;
  assert.equal(matchedSamples(t, r), 10);
  assert.equal(nameMatcher(model.names, "  "), null);
  assert.equal(matchedSamples(t, nameMatcher(model.names, "/(/")!), 0, "a bad regex matches nothing");
});

test("sandwich: callers and callees of leaf", () => {
  const t = model.tree(ALL, false);
  const leaf = model.names.indexOf("js:leaf:9:/app/util.ts");
  const { callers, callees } = sandwich(t, leaf, model.functionLabels);
  assert.equal(callees.total[0], 5);
  assert.equal(callers.total[0], 5);
  const name = (tree: typeof t, i: number) => model.names[tree.fn(i)];
  const byName = (tree: typeof t, i: number) =>
    Object.fromEntries([...tree.children(i)].map((c: number) => [name(tree, c), tree.total[c]]));
  assert.deepEqual(byName(callers, 0), { "js:fib:5:/app/main.ts": 3, "js:main:1:/app/main.ts": 2 });
  assert.deepEqual(byName(callees, 0), { "n:memcpy:0:/usr/lib/libc.so.6": 2 });
});

test("colour classes: colourClassOf by name and tier, frameInfoFromMeta, the split", () => {
  assert.equal(colourClassOf("js:fib:5:/app/main.ts"), "code");
  assert.equal(colourClassOf("js:fib:5:/app/main.ts", { tier: "turbofan" }), "optimized");
  assert.equal(colourClassOf("js:fib:5:/app/main.ts", { tier: "dfg" }), "mid-tier");
  assert.equal(colourClassOf("js:fib:5:/app/main.ts", { tier: "sparkplug" }), "baseline");
  assert.equal(colourClassOf("js:fib:5:/app/main.ts", { tier: "llint" }), "interpreter");
  assert.equal(colourClassOf("js:(interpreter):0:-"), "interpreter");
  assert.equal(colourClassOf("js:(garbage collector):0:-"), "gc");
  assert.equal(colourClassOf("js:(native code):0:-"), "native");
  assert.equal(colourClassOf("js:(unnamed JIT code):0:-"), "other");
  assert.equal(colourClassOf("js:(idle):0:-"), "idle");
  assert.equal(colourClassOf("n:memcpy:0:/usr/lib/libc.so.6"), "native");
  assert.equal(colourClassOf("js:readFile:10:ext:deno_fs/30_fs.js"), "runtime");
  assert.equal(colourClassOf("js:emit:3:node:events"), "runtime");
  assert.equal(colourClassOf("py:main:3:/app/x.py"), "code");
  assert.equal(colourClassOf("0x4000"), "other");
  assert.deepEqual(
    frameInfoFromMeta(new Map([[META.tiers, '{"16": "maglev", "x": "y", "32": 5}'], ["thread:1", "main"]])),
    new Map([[16, { tier: "maglev" }]]),
  );
  assert.deepEqual(frameInfoFromMeta(new Map([[META.tiers, "{not json"]])), new Map());
  const t = model.tree(ALL, false);
  const split = classSplit(t, COLOUR_CLASSES.length);
  assert.equal(split[COLOUR_CLASSES.indexOf("optimized")], 0, "fib2 is never innermost");
  assert.equal(split[COLOUR_CLASSES.indexOf("interpreter")], 3, "fib in ignition");
  assert.equal(split[COLOUR_CLASSES.indexOf("native")], 2);
  assert.equal(split.reduce((a: number, b: number) => a + b, 0) + t.self[0], t.total[0]);
});

test("diff: matched by function path, shares per side, movers", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags: 0, interpName: "deno" });
  w.symbol(0x10, "js:main:1:/app/main.ts"); // other keys than the old profile's
  w.symbol(0x20, "js:leaf:9:/app/util.ts");
  w.symbol(0x30, "js:fresh:1:/app/new.ts");
  for (let i = 0; i < 6; i++) w.sample([0x10, 0x20], 1);
  for (let i = 0; i < 4; i++) w.sample([0x10, 0x30], 1);
  const nb = encodeWebProfile(parseLog(w.bytes()), "new.log");
  const newer = new ProfileModel(decode(nb.buffer.slice(nb.byteOffset, nb.byteOffset + nb.byteLength)));
  const a = model.tree(ALL, true);
  const b = newer.tree(ALL, true);
  const d = diffTree(a, model.names, b, newer.names);
  assert.equal(d.samplesA, 12);
  assert.equal(d.samplesB, 10);
  const main = d.tree.children(0)[0];
  assert.equal(d.names[d.tree.fn(main)], "js:main:1:/app/main.ts");
  assert.equal(d.tree.total[main], 10);
  assert.equal(d.tree.totalA[main], 10);
  const rows = movers(a, model.names, b, newer.names);
  assert.equal(rows[0].name, "js:fresh:1:/app/new.ts", "+40% self: the biggest mover");
  assert.deepEqual([rows[0].selfA, rows[0].selfB], [0, 0.4]);
  assert.equal(rows[1].name, "js:leaf:9:/app/util.ts", "+35% self");
  assert.equal(rows[1].selfB, 0.6);
  assert.ok(Math.abs(rows[1].selfA - 3 / 12) < 1e-12);
});
