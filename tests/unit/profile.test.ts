// Unit tests of Stats and Tree: counts, self counts, fuzzy lookup, walk, flatten, flat table, names.

import assert from "node:assert/strict";
import { pythonVmprof, skip, test } from "../harness.ts";
import { LINES, MEMORY } from "../../lib/format/constants.ts";
import { parseLog, readLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { displayName, parseName, Stats, type Tree } from "../../lib/profile/stats.ts";

import { FIB, FIB2, knownProfile, LEAF, MAIN, MEMCPY, UNKNOWN } from "../fixtures/known-profile.ts";

test("Stats basics: samples, names, threads, duration, meta", () => {
  const s = new Stats(knownProfile());
  assert.equal(s.samples, 11);
  assert.equal(s.getName(FIB), "js:fib:5:/app/main.ts");
  assert.equal(s.getName(UNKNOWN), "0x4000");
  assert.equal(s.getName(MEMCPY), "n:memcpy:0:/usr/lib/libc.so.6");
  assert.deepEqual([...s.threads()], [[1, 9], [2, 2]]);
  assert.equal(s.durationSeconds(), 1.5);
  assert.equal(s.getMeta("dropped"), "3");
  assert.equal(s.getMeta("nope"), undefined);
  assert.equal(s.getMeta("nope", "x"), "x");
  assert.equal(s.isNative(MEMCPY), true);
  assert.equal(s.isNative(FIB), false);
  assert.equal(s.isNative(0x5001), true, "an unnamed address with bit 0 set");
  assert.deepEqual(s.getAddrInfo(LEAF), { kind: "js", name: "leaf", line: 9, file: "/app/util.ts" });
});

test("getTree: counts, self counts, adjacent duplicates collapse", () => {
  const root = new Stats(knownProfile()).getTree();
  assert.equal(root.name, "<all>");
  assert.equal(root.count, 11);
  assert.equal(root.selfCount, 1, "the empty stack");
  assert.deepEqual([...root.children.keys()], [MAIN, UNKNOWN]);
  const main = root.children.get(MAIN)!;
  assert.equal(main.count, 9);
  assert.equal(main.selfCount, 1);
  const fib = main.children.get(FIB)!;
  assert.equal(fib.count, 6);
  assert.equal(fib.selfCount, 3, "fib ─ fib ─ fib is one node");
  // fib2 is fib in another JIT tier: one function, so fib ─ fib2 ─ fib is one node too.
  assert.deepEqual([...fib.children.keys()], [LEAF]);
  assert.equal(fib.children.get(LEAF)!.count, 3);
  assert.equal(main.children.get(LEAF)!.children.get(MEMCPY)!.count, 2);
  assert.equal(root.children.get(UNKNOWN)!.name, "0x4000");
});

test("node[key] and get(): vmprof's fuzzy first match, by address, or undefined", () => {
  const root = new Stats(knownProfile()).getTree();
  assert.equal(root["main"].count, 9);
  assert.equal(root["main"]["fib"].count, 6);
  assert.equal(root["main"]["fib"]["fib"], undefined, "fib2 (another address, same name) is fib");
  assert.equal(root.main.leaf.memcpy.name, "n:memcpy:0:/usr/lib/libc.so.6");
  assert.equal(root["main"]["util.ts"].name, "js:leaf:9:/app/util.ts", "matches anywhere in the name");
  assert.equal(root["main"]["js:"].name, "js:fib:5:/app/main.ts", "first child in first-seen order");
  assert.equal(root["nothing"], undefined);
  assert.equal(root.get("main"), root["main"]);
  assert.equal(root.get(MAIN), root["main"]);
  assert.equal(root.get(12345), undefined);
  // Real members win over children; promise and JSON probes are never children.
  assert.equal(typeof root.walk, "function");
  assert.equal(root.name, "<all>");
  assert.equal(root["then"], undefined);
  assert.equal(root["toJSON"], undefined);
});

test("a tree can be awaited and returned from async functions", async () => {
  const root = new Stats(knownProfile()).getTree();
  const same = await Promise.resolve(root);
  assert.equal(same, root);
  const later = async (): Promise<Tree> => {
    await new Promise((r) => setTimeout(r, 1));
    return root["main"];
  };
  assert.equal((await later()).count, 9);
});

test("walk visits parents before children with depths, in first-seen order", () => {
  const root = new Stats(knownProfile()).getTree();
  const seen: string[] = [];
  root.walk((node, depth) => seen.push(`${depth}:${parseName(node.name).name}:${node.count}`));
  assert.deepEqual(seen, [
    "0:<all>:11",
    "1:main:9",
    "2:fib:6",
    "3:leaf:3",
    "2:leaf:2",
    "3:memcpy:2",
    "1:0x4000:1",
  ]);
  const sub: number[] = [];
  root["main"]["leaf"].walk((_n: Tree, d: number) => sub.push(d));
  assert.deepEqual(sub, [0, 1]);
});

test("walk and toString survive a 60000-frame stack", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "deno" });
  w.sample(Array.from({ length: 60000 }, (_, i) => 16 * (i + 1)), 1);
  const root = new Stats(parseLog(w.bytes())).getTree();
  let deepest = 0;
  root.walk((_n, d) => (deepest = Math.max(deepest, d)));
  assert.equal(deepest, 60000);
  assert.equal(root.toString().split("\n").length, 60001);
  assert.equal(root.flatten().count, 1);
});

test("toString: an indented tree, biggest children first", () => {
  const root = new Stats(knownProfile()).getTree();
  assert.equal(
    root.toString(),
    [
      "<all> (11)",
      "  js:main:1:/app/main.ts (9)",
      "    js:fib:5:/app/main.ts (6)",
      "      js:leaf:9:/app/util.ts (3)",
      "    js:leaf:9:/app/util.ts (2)",
      "      n:memcpy:0:/usr/lib/libc.so.6 (2)",
      "  0x4000 (1)",
    ].join("\n"),
  );
  assert.equal(String(root["main"]["leaf"]), "js:leaf:9:/app/util.ts (2)\n  n:memcpy:0:/usr/lib/libc.so.6 (2)");
});

test("flatten: a child that is the same function as its parent merges into it", () => {
  const root = new Stats(knownProfile()).getTree();
  const flat = root.flatten();
  assert.notEqual(flat, root);
  const fib = flat["main"]["fib"];
  assert.equal(fib.count, 6);
  assert.deepEqual([...fib.children.keys()], [LEAF]);
  assert.equal(fib["leaf"].count, 3, "2 direct + 1 through fib2 ─ fib");
  assert.equal(fib.selfCount, 3);
  assert.equal(flat["main"].count, 9);
  assert.equal(flat.count, 11);
  // The original tree is untouched.
  assert.notEqual(root["main"]["fib"], fib);
  // Recursion deeper than one level folds as well.
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "deno" });
  w.symbol(FIB, "js:fib:5:/a.ts");
  w.symbol(FIB2, "js:fib:5:/a.ts");
  w.symbol(LEAF, "js:leaf:9:/a.ts");
  w.sample([FIB, FIB2, FIB, FIB2, FIB, LEAF], 1);
  w.sample([FIB, FIB2, LEAF], 1);
  const t = new Stats(parseLog(w.bytes())).getTree().flatten();
  assert.equal(t.toString(), "<all> (2)\n  js:fib:5:/a.ts (2)\n    js:leaf:9:/a.ts (2)");
});

test("tiers: one function in two tiers is one node with a per-tier split; activity and tier totals", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "deno" });
  w.symbol(MAIN, "js:main:1:/a.ts");
  w.symbol(FIB, "js:fib:5:/a.ts");
  w.symbol(FIB2, "js:fib:5:/a.ts");
  w.meta("vmprof_js.tiers", JSON.stringify({ [MAIN]: "ignition", [FIB]: "turbofan", [FIB2]: "ignition" }));
  w.meta("vmprof_js.kinds", "JJIGN");
  w.sample([MAIN, FIB], 1);
  w.sample([MAIN, FIB], 1);
  w.sample([MAIN, FIB2], 1);
  w.sample([MAIN, FIB, MEMCPY], 1);
  w.sample([MAIN], 1);
  const stats = new Stats(parseLog(w.bytes()));
  const fib = stats.getTree()["main"]["fib"];
  assert.equal(fib.count, 4);
  assert.deepEqual([...fib.tiers], [["turbofan", 3], ["ignition", 1]]);
  assert.deepEqual([...stats.getTree()["main"].tiers], [["ignition", 5]]);
  assert.equal(stats.tierOf(FIB2), "ignition");
  assert.deepEqual(stats.activityTotals(), { jit: 2, interpreter: 1, gc: 1, native: 1, idle: 0 });
  assert.deepEqual(stats.kindTotals(), stats.activityTotals(), "the old name still answers");
  assert.equal(stats.splitLine(), "JIT 40% · interpreter 20% · GC 20% · runtime native 20%");
  assert.deepEqual([...stats.tierTotals()], [["turbofan", 3], ["ignition", 2]]);
  assert.equal(stats.flat().find((r) => r.name.startsWith("js:fib"))!.total, 4);
  assert.deepEqual([...fib.flatten().tiers], [["turbofan", 3], ["ignition", 1]]);
  assert.equal(new Stats(knownProfile()).splitLine(), "", "no kinds in the log: no split");
});

test("lines mode: each node counts the lines its frame was at", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: LINES | MEMORY, interpName: "deno" });
  w.symbol(MAIN, "js:main:1:/a.ts");
  w.symbol(FIB, "js:fib:5:/a.ts");
  w.sample([MAIN, FIB], 1, 10, [3, 6]);
  w.sample([MAIN, FIB], 1, 10, [3, 7]);
  w.sample([MAIN, FIB, FIB], 1, 10, [4, 6, 8]);
  w.sample([MAIN, MEMCPY], 1, 10, [4, 0]);
  const root = new Stats(parseLog(w.bytes())).getTree();
  assert.deepEqual([...root["main"].lines].sort(), [[3, 2], [4, 2]]);
  // As in vmprof, the lines of collapsed adjacent duplicates land on the one node.
  assert.deepEqual([...root["main"]["fib"].lines].sort(), [[6, 2], [7, 1], [8, 1]]);
  assert.equal(root["main"].get(MEMCPY)!.lines.size, 0, "line 0 (native) is not a line");
  assert.deepEqual([...root.lines], []);
});

test("flat: self and total per function, recursion counted once, tiers merged", () => {
  const rows = new Stats(knownProfile()).flat();
  assert.deepEqual(
    rows.map((r) => [parseName(r.name).name, r.self, r.total]),
    [["fib", 3, 6], ["leaf", 3, 5], ["memcpy", 2, 2], ["main", 1, 9], ["0x4000", 1, 1]],
  );
  assert.equal(rows[0].addr, FIB, "the address with most samples");
  assert.equal(rows[0].name, "js:fib:5:/app/main.ts");
});

test("flat --no-native: native frames are left out and their time goes to the caller", () => {
  const rows = new Stats(knownProfile()).flat({ noNative: true });
  assert.deepEqual(
    rows.map((r) => [parseName(r.name).name, r.self, r.total]),
    [["leaf", 5, 5], ["fib", 3, 6], ["main", 1, 9], ["0x4000", 1, 1]],
  );
});

test("an empty profile gives an empty tree and table", () => {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "deno" });
  const s = new Stats(parseLog(w.bytes()));
  assert.equal(s.samples, 0);
  assert.equal(s.getTree().count, 0);
  assert.equal(s.getTree().children.size, 0);
  assert.deepEqual(s.flat(), []);
  assert.equal(s.durationSeconds(), undefined);
});

test("parseName and displayName", () => {
  assert.deepEqual(parseName("js:fib:3:/app/fib.ts"), { kind: "js", name: "fib", line: 3, file: "/app/fib.ts" });
  assert.deepEqual(parseName("js:fib:3:file:///app/fib.ts"), {
    kind: "js",
    name: "fib",
    line: 3,
    file: "file:///app/fib.ts",
  });
  assert.deepEqual(parseName("py:<module>:1:/tmp/t.py"), { kind: "py", name: "<module>", line: 1, file: "/tmp/t.py" });
  assert.deepEqual(parseName("n:v8::internal::Heap::Scavenge:0:/usr/bin/deno"), {
    kind: "n",
    name: "v8::internal::Heap::Scavenge",
    line: 0,
    file: "/usr/bin/deno",
  });
  assert.deepEqual(parseName("n:<native symbol 0x-11>:0:-"), {
    kind: "n",
    name: "<native symbol 0x-11>",
    line: 0,
    file: "-",
  });
  assert.deepEqual(parseName("jit:loop"), { kind: "jit", name: "loop", line: 0, file: "" });
  assert.deepEqual(parseName("0x7f00aa"), { kind: "", name: "0x7f00aa", line: 0, file: "" });
  assert.deepEqual(parseName("<all>"), { kind: "", name: "<all>", line: 0, file: "" });
  assert.equal(displayName("js:fib:3:/app/fib.ts"), "fib (/app/fib.ts:3)");
  assert.equal(displayName("n:memcpy:0:/usr/lib/libc.so.6"), "memcpy (/usr/lib/libc.so.6)");
  assert.equal(displayName("n:<native symbol 0x1235>:0:-"), "<native symbol 0x1235>");
  assert.equal(displayName("js:(anonymous):12:"), "(anonymous)");
  assert.equal(displayName("0x4000"), "0x4000");
});

test("the Python vmprof fixture: tree and totals agree with Python's (unweighted)", () => {
  const path = new URL("../fixtures/python-vmprof.log", import.meta.url).pathname;
  const stats = new Stats(readLog(path));
  const root = stats.getTree();
  // Two threads: the main thread's <module> and the worker's threading _bootstrap.
  assert.deepEqual([...root.children.values()].map((n) => [parseName(n.name).name, n.count]), [
    ["<module>", 161],
    ["_bootstrap", 64],
  ]);
  const main = root["<module>"]["main"];
  assert.equal(main.count, 161);
  assert.equal(main["fib"].count + main["squares"].count, 161 - main.selfCount);
  assert.equal(root["_bootstrap"]["_bootstrap_inner"]["run"]["worker"]["squares"].count, 64 - 0);
  const py = pythonVmprof();
  if (py === undefined) skip("python3 cannot import vmprof");
  // Python weighs version-7 samples by time; give every sample weight 1 to compare counts.
  const got = JSON.parse(py.run(
    `
import json, sys, vmprof
from vmprof.stats import Stats
s = vmprof.read_profile(sys.argv[1])
u = Stats([(p[0], 1, p[2], p[3]) for p in s.profiles], s.adr_dict, state=type('S', (), {
    'profile_lines': s.profile_lines, 'profile_memory': s.profile_memory, 'lost_time': 0.0})())
print(json.dumps({'tree': u.get_tree()._serialize(),
                  'functions': sorted([s.adr_dict[a], c] for a, c in u.functions.items())}))
`,
    path,
  ));
  // Python hangs the worker's _bootstrap under <module> (its root is the first outermost frame).
  type PyNode = [string, string, number, unknown, PyNode[]];
  const pyRoot = got.tree as PyNode;
  const strip = (n: PyNode): unknown => [n[0], n[2], n[4].map(strip).sort()];
  const ours = (n: Tree): unknown => [n.name, n.count, [...n.children.values()].map(ours).sort()];
  const pyModuleKids = pyRoot[4].filter((c) => !c[0].includes("_bootstrap"));
  const pyBootstrap = pyRoot[4].find((c) => c[0].includes("_bootstrap"))!;
  assert.deepEqual(pyModuleKids.map(strip).sort(), [...root["<module>"].children.values()].map(ours).sort());
  assert.deepEqual(strip(pyBootstrap), ours(root["_bootstrap"]));
  // Python's per-address totals (once per sample) against ours, summed by name.
  const byName = new Map<string, number>();
  for (const [name, c] of got.functions as [string, number][]) byName.set(name, Math.max(byName.get(name) ?? 0, c));
  for (const r of stats.flat()) assert.equal(r.total, byName.get(r.name), r.name);
});
