// Unit tests of lib/import: .cpuprofile to Profile (real Deno and Bun profiles, hand-made edge
// cases), readAnyProfile's sniffing (plain or gzipped logs and JSON), Python and PyPy logs,
// and that all of them reach the web viewer.

import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { test } from "../harness.ts";
import { isVmprofError } from "../../lib/errors.ts";
import { RPYTHON } from "../../lib/format/constants.ts";
import { parseLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { EXPORTERS } from "../../lib/export/exporter.ts";
import { parseAnyProfile, readAnyProfile } from "../../lib/import/any.ts";
import { CPUPROFILE_THREAD, frameName, parseCpuProfile } from "../../lib/import/cpuprofile.ts";
import { displayName, Stats } from "../../lib/profile/stats.ts";
import { renderFlat, renderTree } from "../../lib/view/terminal.ts";
import { encodeWebProfile } from "../../lib/view/web-data.ts";

const fixture = (name: string) => new URL(`../fixtures/formats/${name}`, import.meta.url).pathname;
const PYTHON_LOG = new URL("../fixtures/python-vmprof.log", import.meta.url).pathname;

const frame = (functionName: string, url = "", lineNumber = -1) => ({
  functionName,
  scriptId: url ? "3" : "0",
  url,
  lineNumber,
  columnNumber: lineNumber < 0 ? -1 : 4,
});

/**
 * (root) ─┬ (program)                 hit 1
 *         ├ (garbage collector)       hit 2
 *         └ main (file:///app/m.ts:1) ─ fib (:5) ─ fib (:5) hit 3
 *                                    └ "" (anonymous, :9)   hit 1 ─ split (native) hit 4
 */
function small() {
  return {
    nodes: [
      { id: 1, callFrame: frame("(root)"), hitCount: 0, children: [2, 3, 4] },
      { id: 2, callFrame: frame("(program)"), hitCount: 1 },
      { id: 3, callFrame: frame("(garbage collector)"), hitCount: 2 },
      { id: 4, callFrame: frame("main", "file:///app/m.ts", 0), hitCount: 0, children: [5, 7] },
      { id: 5, callFrame: frame("fib", "file:///app/m.ts", 4), hitCount: 0, children: [6] },
      { id: 6, callFrame: frame("fib", "file:///app/m.ts", 4), hitCount: 3 },
      { id: 7, callFrame: frame("", "file:///app/m.ts", 8), hitCount: 1, children: [8] },
      { id: 8, callFrame: frame("split"), hitCount: 4 },
    ],
    startTime: 1000,
    endTime: 12_500,
    samples: [2, 3, 3, 6, 6, 6, 7, 8, 8, 8, 8],
    timeDeltas: [5000, 1000, 1100, 900, 1000, 1000, 1000, 1000, 1000, 1000, 1000],
  };
}

test("cpuprofile: names as our logs spell them, one key per node, counts as DevTools", () => {
  const p = parseCpuProfile(small(), "small.cpuprofile");
  const s = new Stats(p);
  assert.equal(s.samples, 11);
  const flat = new Map(s.flat().map((r) => [r.name, [r.self, r.total]]));
  assert.deepEqual(Object.fromEntries(flat), {
    "js:(program):0:-": [1, 1],
    "js:(garbage collector):0:-": [2, 2],
    "js:main:1:/app/m.ts": [0, 8],
    "js:fib:5:/app/m.ts": [3, 3],
    "js:<anonymous>:9:/app/m.ts": [1, 5],
    "n:split:0:-": [4, 4],
  });
  // Two nodes for fib, one key each; the tree makes them one function, as for our logs.
  assert.equal(new Set(p.samples.flatMap((x) => x.stack)).size, 7);
  assert.equal(s.getTree()["main"]["fib"].count, 3);
  assert.equal(s.getTree()["main"]["fib"].children.size, 0);
  assert.equal(p.periodUsec, 1000, "the median delta");
  assert.equal(s.durationSeconds(), 0.0115);
  assert.equal(p.interpName, "cpuprofile");
  assert.deepEqual([...s.threads()], [[CPUPROFILE_THREAD, 11]]);
  assert.equal(s.getMeta(`thread:${CPUPROFILE_THREAD}`), "main");
  assert.ok(s.isNative([...p.symbols].find(([, n]) => n === "n:split:0:-")![0]));
});

test("cpuprofile: call frame names — codeType wins, urls become paths, pseudo-frames", () => {
  assert.equal(frameName(frame("f", "file:///a%20b/c.ts", 2)), "js:f:3:/a b/c.ts");
  assert.equal(frameName(frame("f", "ext:core/01_core.js", 985)), "js:f:986:ext:core/01_core.js");
  assert.equal(frameName(frame("filter", "", 0)), "n:filter:1:-");
  assert.equal(frameName(frame("(idle)")), "js:(idle):0:-");
  assert.equal(
    frameName({ ...frame("memcpy", "file:///usr/lib/libc.so.6"), codeType: "other" }),
    "n:memcpy:0:/usr/lib/libc.so.6",
  );
  assert.equal(frameName({ ...frame("(native code)"), codeType: "JS" }), "js:(native code):0:-");
  assert.equal(frameName({ functionName: "x" }), "n:x:0:-");
});

test("cpuprofile: nodes that name their parent (older profiles) work too", () => {
  const p = small();
  const nodes = p.nodes.map(({ children: _, ...n }) => ({ ...n, parent: undefined as number | undefined }));
  for (const n of p.nodes) for (const c of n.children ?? []) nodes[c - 1].parent = n.id;
  const s = new Stats(parseCpuProfile({ ...p, nodes }));
  assert.deepEqual(s.flat(), new Stats(parseCpuProfile(small())).flat());
});

test("cpuprofile: broken profiles are BAD_LOG with the reason", () => {
  const bad = (json: unknown, re: RegExp) =>
    assert.throws(
      () => parseCpuProfile(json, "x.cpuprofile"),
      (e) => isVmprofError(e, "BAD_LOG") && re.test(e.message),
    );
  bad({ nodes: [] }, /x\.cpuprofile: not a usable \.cpuprofile \(no nodes and samples/);
  bad([], /no nodes/);
  bad({ ...small(), samples: [99] }, /unknown node 99/);
  bad({ ...small(), nodes: [...small().nodes, small().nodes[1]] }, /appears twice/);
  bad({ ...small(), nodes: [{ id: 1 }] }, /nodes\[0\] \(id 1\) has no callFrame object/);
  bad(
    { ...small(), nodes: [{ id: 1, callFrame: { url: 7 } }] },
    /nodes\[0\] \(id 1\) has a callFrame whose functionName, url or codeType is not a string/,
  );
  bad({ ...small(), nodes: [{ id: 1, callFrame: {}, children: 2 }] }, /children that are not an array/);
  const cyclic = small();
  cyclic.nodes[4].children = [6, 4];
  bad(cyclic, /its own ancestor/);
  const dangling = small();
  dangling.nodes[0].children = [2, 3, 4, 42];
  bad(dangling, /unknown child 42/);
});

test("cpuprofile: a real Deno profile (deno --cpu-prof) — fib, words, GC, runtime code", () => {
  const s = new Stats(readAnyProfile(fixture("deno-fib.cpuprofile.gz")));
  const raw = JSON.parse(gunzipSync(readFileSync(fixture("deno-fib.cpuprofile.gz"))).toString());
  assert.equal(s.samples, raw.samples.length);
  const byName = new Map(s.flat().map((r) => [displayName(r.name).replace(/ \(.*/, ""), r]));
  for (const fn of ["fib", "words", "(garbage collector)", "loadExtScript"]) assert.ok(byName.has(fn), fn);
  // DevTools' self time of a function: the samples that name its nodes (hitCount can be off by a few).
  const words = new Set(
    raw.nodes.filter((n: { callFrame: { functionName: string } }) => n.callFrame.functionName === "words")
      .map((n: { id: number }) => n.id),
  );
  assert.equal(byName.get("words")!.self, raw.samples.filter((id: number) => words.has(id)).length);
  assert.match(renderFlat(s), /words \(\/.*examples\/fib\.ts:9\)/);
});

test("cpuprofile: a real Bun profile (bun --cpu-prof) — (module), builtins as native", () => {
  const s = new Stats(readAnyProfile(fixture("bun-fib.cpuprofile")));
  const names = s.flat().map((r) => r.name);
  assert.ok(names.some((n) => /^js:fib:5:\/.*examples\/fib\.ts$/.test(n)), names.join(" "));
  assert.ok(names.includes("n:split:0:-"));
  assert.match(renderTree(s), /\(module\)/);
});

// ---- readAnyProfile ------------------------------------------------------------------

function ourLog(): Uint8Array {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags: 0, interpName: "bun 1.4.5" });
  w.symbol(0x10, "js:main:1:/a.ts");
  w.symbol(0x20, "js:leaf:5:/a.ts");
  for (let i = 0; i < 5; i++) w.sample([0x10, 0x20], 7);
  w.sample([0x10], 7);
  w.trailer(0);
  return w.bytes();
}

test("sniffing: plain and gzipped logs and .cpuprofiles read the same", () => {
  const log = ourLog();
  const plain = new Stats(parseAnyProfile(log, "a.log"));
  const gz = new Stats(parseAnyProfile(gzipSync(log), "a.log.gz"));
  assert.equal(renderTree(gz), renderTree(plain));
  assert.deepEqual(gz.flat(), plain.flat());
  const json = new TextEncoder().encode("\n  " + JSON.stringify(small()));
  const cp = new Stats(parseAnyProfile(json, "x.cpuprofile"));
  const cpgz = new Stats(parseAnyProfile(gzipSync(json), "x.cpuprofile.gz"));
  assert.equal(cp.samples, 11);
  assert.equal(renderFlat(cpgz), renderFlat(cp));
});

test("sniffing: what is neither is BAD_LOG with a one-line reason", () => {
  const bad = (b: Uint8Array | string, re: RegExp) =>
    assert.throws(
      () => parseAnyProfile(typeof b === "string" ? new TextEncoder().encode(b) : b, "f"),
      (e) => isVmprofError(e, "BAD_LOG") && re.test(e.message) && !e.message.includes("\n"),
    );
  bad("hello", /^f: not a vmprof log \(bad static header/);
  bad("{ nodes: ", /^f: looks like JSON but does not parse/);
  bad(`{"a": 1}`, /^f: JSON, but not a \.cpuprofile/);
  bad(`{"$schema": "https://www.speedscope.app/file-format-schema.json", "profiles": []}`, /speedscope file/);
  bad(new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), /^f: corrupt gzip data/);
});

test("readAnyProfile: a missing file is IO; every export of a read profile works", () => {
  assert.throws(
    () => readAnyProfile("/no/such/file.log"),
    (e) => isVmprofError(e, "IO") && /cannot read/.test(e.message),
  );
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-import-"));
  try {
    const path = join(dir, "x.cpuprofile");
    writeFileSync(path, JSON.stringify(small()));
    const s = new Stats(readAnyProfile(path));
    for (const e of EXPORTERS) assert.ok(e.export(s, {}).length > 0, e.format);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("Python vmprof logs: CPython (lines, memory, threads) and PyPy (gzipped, RPython stacks)", () => {
  const cpython = new Stats(readAnyProfile(PYTHON_LOG));
  assert.equal(cpython.profile.interpName, "cpython");
  assert.ok(cpython.flat().some((r) => r.name === "py:squares:5:example.py"));
  const pypy = new Stats(readAnyProfile(fixture("pypy-vmprof.log.gz")));
  assert.equal(pypy.profile.interpName, "pypy");
  assert.ok((pypy.profile.flags & RPYTHON) !== 0);
  assert.equal(pypy.samples, 186);
  const rows = new Map(pypy.flat().map((r) => [r.name, r]));
  assert.ok(rows.get("py:main:11:example.py")!.total >= 150, "main is on nearly every stack");
  assert.ok(rows.get("py:fib:2:example.py")!.total > 0);
  assert.ok(rows.get("py:squares:5:example.py")!.self > 0);
  // Both export to every format.
  for (const s of [cpython, pypy]) for (const e of EXPORTERS) assert.ok(e.export(s, {}).length > 0, e.format);
  // A PyPy log read through parseLog directly is the same.
  assert.equal(parseLog(readFileSync(fixture("pypy-vmprof.log.gz"))).samples.length, 186);
});

test("the web viewer's payload builds from every imported kind of profile", () => {
  for (
    const file of [
      fixture("deno-fib.cpuprofile.gz"),
      fixture("bun-fib.cpuprofile"),
      fixture("pypy-vmprof.log.gz"),
      PYTHON_LOG,
    ]
  ) {
    const profile = readAnyProfile(file);
    const bytes = encodeWebProfile(profile, file);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), "VMPW", file);
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(4, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
    assert.equal(header.samples, profile.samples.length, file);
  }
});

test(".cpuprofile: a sample or child that is an object whose toString is not a function is a VmprofError naming it (fuzz seed -170869054)", () => {
  const frame = { functionName: "", scriptId: "0", url: "", lineNumber: 0, columnNumber: 0 };
  const odd = { toString: null };
  const bytes = (o: unknown) => new TextEncoder().encode(JSON.stringify(o));
  for (
    const [o, want] of [
      [{ nodes: [{ id: 1, callFrame: frame }], samples: [odd], timeDeltas: [0] }, /unknown node \{"toString":null\}/],
      [
        { nodes: [{ id: 1, callFrame: frame, children: [odd] }], samples: [1], timeDeltas: [0] },
        /children that are not an array of ids/,
      ],
    ] as const
  ) {
    assert.throws(
      () => parseAnyProfile(bytes(o), "odd.cpuprofile"),
      (e: unknown) => isVmprofError(e) && want.test((e as Error).message),
    );
  }
});
