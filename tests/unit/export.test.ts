// Unit tests of lib/export: each format checked against its spec (speedscope's JSON schema, the
// .cpuprofile shape, profile.proto decoded by hand, folded lines, well-formed SVG) and against
// Stats.flat(), the numbers `show` prints.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { test } from "../harness.ts";
import { isVmprofError } from "../../lib/errors.ts";
import { LINES } from "../../lib/format/constants.ts";
import { exporterForPath, EXPORTERS, exportProfile, findExporter } from "../../lib/export/exporter.ts";
import { foldStacks } from "../../lib/export/collapsed.ts";
import { toCpuProfile } from "../../lib/export/cpuprofile.ts";
import { encodePprof } from "../../lib/export/pprof.ts";
import { toSpeedscope } from "../../lib/export/speedscope.ts";
import { escapeXml, toSvg } from "../../lib/export/svg.ts";
import { parseCpuProfile } from "../../lib/import/cpuprofile.ts";
import { defaultOutput, parseExportArgs } from "../../lib/commands/export.ts";
import { displayName, Stats } from "../../lib/profile/stats.ts";
import { knownProfile, ODD_NAME } from "../fixtures/formats/known.ts";

const stats = () => new Stats(knownProfile());

/** Self and total per display name, from Stats.flat(): what `show flat` prints. */
function flatByLabel(s: Stats): Map<string, { self: number; total: number }> {
  return new Map(s.flat().map((r) => [displayName(r.name), { self: r.self, total: r.total }]));
}

/** Self and total per frame from stacks of labels (outermost first), a function counted once per stack. */
function countStacks(stacks: [string[], number][]): Map<string, { self: number; total: number }> {
  const out = new Map<string, { self: number; total: number }>();
  for (const [frames, n] of stacks) {
    for (const f of new Set(frames)) {
      const e = out.get(f) ?? { self: 0, total: 0 };
      e.total += n;
      out.set(f, e);
    }
    if (frames.length > 0) out.get(frames[frames.length - 1])!.self += n;
  }
  return out;
}

// ---- speedscope ------------------------------------------------------------------------

type Schema = {
  $ref?: string;
  type?: string;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  anyOf?: Schema[];
  definitions?: Record<string, Schema>;
};

/** The draft-07 keywords speedscope's schema uses; returns the first violation, or "". */
function validate(root: Schema, schema: Schema, v: unknown, at = "$"): string {
  if (schema.$ref) {
    const name = decodeURIComponent(schema.$ref.replace("#/definitions/", ""));
    const def = root.definitions?.[name];
    if (!def) return `${at}: unknown $ref ${schema.$ref}`;
    const err = validate(root, def, v, at);
    if (err) return err;
  }
  if (schema.anyOf && schema.anyOf.every((s) => validate(root, s, v, at) !== "")) {
    return `${at}: matches no anyOf branch`;
  }
  if (schema.type) {
    const t = Array.isArray(v) ? "array" : v === null ? "null" : typeof v;
    if (t !== schema.type) return `${at}: ${t}, expected ${schema.type}`;
  }
  if ("const" in schema && v !== schema.const) {
    return `${at}: ${JSON.stringify(v)} is not ${JSON.stringify(schema.const)}`;
  }
  if (schema.enum && !schema.enum.includes(v)) {
    return `${at}: ${JSON.stringify(v)} not in ${JSON.stringify(schema.enum)}`;
  }
  if (schema.required) {
    for (const k of schema.required) if (!(k in (v as object))) return `${at}: missing ${k}`;
  }
  if (schema.properties) {
    for (const [k, s] of Object.entries(schema.properties)) {
      if (k in (v as object)) {
        const err = validate(root, s, (v as Record<string, unknown>)[k], `${at}.${k}`);
        if (err) return err;
      }
    }
  }
  if (schema.items && Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const err = validate(root, schema.items, v[i], `${at}[${i}]`);
      if (err) return err;
    }
  }
  return "";
}

const SCHEMA: Schema = JSON.parse(
  readFileSync(new URL("../fixtures/formats/speedscope-file-format-schema.json", import.meta.url), "utf8"),
);

test("the schema validator rejects what speedscope would", () => {
  const good = toSpeedscope(stats());
  assert.equal(validate(SCHEMA, SCHEMA, JSON.parse(JSON.stringify(good))), "");
  assert.match(validate(SCHEMA, SCHEMA, { ...good, $schema: "x" }), /\$schema/);
  assert.match(validate(SCHEMA, SCHEMA, { ...good, shared: { frames: [{ file: "a" }] } }), /missing name/);
  const badUnit = { ...good, profiles: [{ ...good.profiles[0], unit: "ticks" }] };
  assert.match(validate(SCHEMA, SCHEMA, badUnit), /anyOf/);
});

test("speedscope: valid against speedscope's schema, a sampled profile per named thread", () => {
  const s = stats();
  const file = JSON.parse(exportProfile(s, "speedscope") as string);
  assert.equal(validate(SCHEMA, SCHEMA, file), "");
  assert.deepEqual(file.profiles.map((p: { name: string }) => p.name), [
    "main-thread (thread 1)",
    "worker-1 (thread 2)",
  ]);
  assert.equal(file.activeProfileIndex, 0, "the busiest thread opens first");
  for (const p of file.profiles) {
    assert.equal(p.type, "sampled");
    assert.equal(p.unit, "microseconds");
    assert.equal(p.samples.length, p.weights.length);
    assert.ok(p.weights.every((w: number) => w === 1000), "each sample weighs one period");
    assert.equal(p.endValue, 1000 * p.samples.length);
  }
  assert.equal(file.profiles[0].samples.length + file.profiles[1].samples.length, s.samples);
  const hot = file.shared.frames.find((f: { name: string }) => f.name === "hot");
  assert.deepEqual(hot, { name: "hot", file: "/app/main.ts", line: 10 });
});

test("speedscope: per-frame self and total equal show flat", () => {
  const s = stats();
  const file = toSpeedscope(s);
  const label = (i: number) => {
    const f = file.shared.frames[i];
    return f.file ? `${f.name} (${f.file}${f.line ? ":" + f.line : ""})` : f.name;
  };
  const stacks: [string[], number][] = file.profiles.flatMap((p) =>
    p.samples.map((st, i): [string[], number] => [st.map(label), p.weights[i] / 1000])
  );
  assert.deepEqual(countStacks(stacks), flatByLabel(s));
});

// ---- .cpuprofile -----------------------------------------------------------------------

test("cpuprofile: DevTools' shape — (root) node 1, ids, children, samples, deltas", () => {
  const s = stats();
  const p = toCpuProfile(s);
  assert.deepEqual(Object.keys(p), ["nodes", "startTime", "endTime", "samples", "timeDeltas"]);
  assert.equal(p.nodes[0].id, 1);
  assert.equal(p.nodes[0].callFrame.functionName, "(root)");
  const ids = new Set(p.nodes.map((n) => n.id));
  assert.equal(ids.size, p.nodes.length, "ids are unique");
  for (const n of p.nodes) for (const c of n.children ?? []) assert.ok(ids.has(c), `child ${c} exists`);
  assert.equal(p.samples.length, s.samples);
  assert.ok(p.samples.every((id) => ids.has(id) && id !== 1), "samples name non-root nodes");
  assert.equal(p.timeDeltas.length, s.samples);
  assert.ok(p.timeDeltas.every((d) => d === 1000));
  assert.equal(p.startTime, 1_700_000_000_000_000);
  assert.ok(p.endTime >= p.startTime + 17 * 1000);
  assert.equal(p.nodes.reduce((a, n) => a + n.hitCount, 0), s.samples, "hit counts add up");
  const hot = p.nodes.find((n) => n.callFrame.functionName === "hot")!;
  assert.deepEqual(hot.callFrame, {
    functionName: "hot",
    scriptId: "1",
    url: "file:///app/main.ts",
    lineNumber: 9, // 0-based
    columnNumber: -1,
    codeType: "JS",
  });
  assert.equal(hot.hitCount, 6);
  const memcpy = p.nodes.find((n) => n.callFrame.functionName === "memcpy")!;
  assert.equal(memcpy.callFrame.codeType, "other");
  assert.equal(memcpy.callFrame.lineNumber, -1);
  assert.ok(p.nodes.some((n) => n.callFrame.functionName === "(program)" && n.hitCount === 1), "the empty stack");
  // fib → fib (another tier) → fib is one node, as in Stats.getTree.
  const fibs = p.nodes.filter((n) => n.callFrame.functionName === "fib");
  assert.equal(fibs.length, 1);
  assert.equal(fibs[0].hitCount, 2);
});

test("cpuprofile: export, import: the same per-function self and total", () => {
  const s = stats();
  const back = new Stats(parseCpuProfile(JSON.parse(exportProfile(s, "cpuprofile") as string)));
  const got = flatByLabel(back);
  assert.deepEqual(got.get("(program)"), { self: 1, total: 1 }, "the empty stack comes back as (program)");
  got.delete("(program)");
  assert.deepEqual(got, flatByLabel(s));
  assert.equal(back.samples, s.samples);
  // Names survive whole, kind included (the unnamed address is the exception).
  const names = new Set(back.flat().map((r) => r.name));
  for (const r of s.flat()) if (!r.name.startsWith("0x")) assert.ok(names.has(r.name), r.name);
});

test("cpuprofile: the tree shape survives the round trip", () => {
  const s = new Stats({ ...knownProfile(), samples: knownProfile().samples.filter((x) => x.stack.length > 0) });
  const back = new Stats(parseCpuProfile(toCpuProfile(s)));
  const shape = (st: Stats) => {
    const lines: string[] = [];
    st.getTree().walk((n, d) => lines.push(`${d} ${displayName(n.name)} ${n.count}`));
    return lines;
  };
  assert.deepEqual(shape(back), shape(s));
});

test("cpuprofile: lines mode writes positionTicks of the innermost line", () => {
  const base = knownProfile();
  const p = {
    ...base,
    flags: base.flags | LINES,
    samples: [{ stack: [0x1000, 0x2000], thread: 1, rss: 0, lines: [4, 12] }],
  };
  const out = toCpuProfile(new Stats(p));
  const hot = out.nodes.find((n) => n.callFrame.functionName === "hot")!;
  assert.deepEqual(hot.positionTicks, [{ line: 12, ticks: 1 }]);
});

// ---- pprof -----------------------------------------------------------------------------

type Fields = Map<number, (number | Uint8Array)[]>;

/** A varint at `at.i` in `b`, moving `at.i` past it (numbers, exact up to 2^53). */
function varint(b: Uint8Array, at: { i: number }): number {
  let v = 0;
  let mul = 1;
  for (;;) {
    const byte = b[at.i++];
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if (byte < 0x80) return v;
  }
}

/** A protobuf message as field number -> values (varints as numbers, length-delimited as bytes). */
function decode(b: Uint8Array): Fields {
  const out: Fields = new Map();
  const at = { i: 0 };
  while (at.i < b.length) {
    const tag = varint(b, at);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = varint(b, at);
    else if (wire === 2) {
      const n = varint(b, at);
      value = b.subarray(at.i, at.i + n);
      at.i += n;
    } else throw new Error(`wire type ${wire}`);
    out.set(field, [...(out.get(field) ?? []), value]);
  }
  return out;
}

function packed(v: (number | Uint8Array)[] | undefined): number[] {
  const out: number[] = [];
  for (const x of v ?? []) {
    if (typeof x === "number") out.push(x);
    else out.push(...unpack(x));
  }
  return out;
}

function unpack(b: Uint8Array): number[] {
  const out: number[] = [];
  const at = { i: 0 };
  while (at.i < b.length) out.push(varint(b, at));
  return out;
}

test("pprof: gzipped profile.proto with sample types, functions, thread/rss/tier labels", () => {
  const s = stats();
  const gz = exportProfile(s, "pprof") as Uint8Array;
  assert.deepEqual([gz[0], gz[1]], [0x1f, 0x8b], "gzipped");
  const msg = decode(gunzipSync(gz));
  const text = new TextDecoder();
  const strings = (msg.get(6) ?? []).map((b) => text.decode(b as Uint8Array));
  assert.equal(strings[0], "");
  const vt = (b: number | Uint8Array) => {
    const m = decode(b as Uint8Array);
    return `${strings[m.get(1)?.[0] as number]}/${strings[m.get(2)?.[0] as number]}`;
  };
  assert.deepEqual(msg.get(1)!.map(vt), ["samples/count", "cpu/nanoseconds"]);
  assert.equal(vt(msg.get(11)![0]), "cpu/nanoseconds");
  assert.equal(msg.get(12)![0], 1_000_000, "period in ns");
  assert.equal(strings[msg.get(14)![0] as number], "cpu", "default sample type");
  assert.equal(msg.get(9)![0], 1_700_000_000_000_000_000, "time_nanos");
  assert.equal(msg.get(10)![0], 20_000_000, "duration_nanos");

  const functions = new Map(msg.get(5)!.map((b) => {
    const f = decode(b as Uint8Array);
    return [f.get(1)![0] as number, {
      name: strings[f.get(2)![0] as number],
      system: strings[f.get(3)![0] as number],
      file: strings[(f.get(4)?.[0] as number) ?? 0],
    }];
  }));
  const locations = new Map(msg.get(4)!.map((b) => {
    const l = decode(b as Uint8Array);
    const line = decode(l.get(4)![0] as Uint8Array);
    return [l.get(1)![0] as number, functions.get(line.get(1)![0] as number)!];
  }));
  assert.ok([...functions.values()].some((f) => f.system === ODD_NAME), "the full vmprof name is the system name");

  let count = 0;
  let cpu = 0;
  const stacks: [string[], number][] = [];
  const labelsSeen = new Set<string>();
  for (const b of msg.get(2)!) {
    const smp = decode(b as Uint8Array);
    const locs = packed(smp.get(1));
    const [n, ns] = packed(smp.get(2));
    count += n;
    cpu += ns;
    assert.equal(ns, n * 1_000_000);
    stacks.push([locs.reverse().map((id) => displayName(locations.get(id)!.system)), n]);
    const labels = new Map(smp.get(3)!.map((lb) => {
      const l = decode(lb as Uint8Array);
      const key = strings[l.get(1)![0] as number];
      const value = l.has(2)
        ? strings[l.get(2)![0] as number]
        : `${l.get(3)?.[0] ?? 0} ${strings[l.get(4)?.[0] as number]}`;
      return [key, value];
    }));
    for (const k of labels.keys()) labelsSeen.add(k);
    assert.match(labels.get("thread") ?? "", /^(main-thread|worker-1)$/);
    assert.match(labels.get("rss") ?? "", /^\d+ bytes$/);
    if (locations.get(locs[locs.length - 1])?.name === "hot" && locs.length === 2) {
      assert.equal(labels.get("tier"), "turbofan", "the innermost frame's tier");
    }
  }
  assert.equal(count, s.samples);
  assert.equal(cpu, s.samples * 1_000_000);
  assert.deepEqual([...labelsSeen].sort(), ["rss", "thread", "thread_id", "tier"]);
  // Stacks without frames stay samples (pprof shows them in the total only).
  const counted = countStacks(stacks.filter(([f]) => f.length > 0));
  assert.deepEqual(counted, flatByLabel(s));
});

test("pprof: the time fields keep nanosecond precision past 2^53", () => {
  const msg = decode(gunzipSync(exportProfile(stats(), "pprof") as Uint8Array));
  // 1.7e18 ns is above 2^53 but a multiple of 1000 that doubles hold exactly.
  assert.equal(msg.get(9)![0], 1.7e18);
  assert.ok(encodePprof(new Stats({ ...knownProfile(), startMicros: undefined })).length > 0);
});

// ---- collapsed, svg --------------------------------------------------------------------

test("collapsed: `outer;inner count` lines that add up to the samples and to show flat", () => {
  const s = stats();
  const text = exportProfile(s, "collapsed") as string;
  const lines = text.trimEnd().split("\n");
  assert.ok(lines.every((l) => /^[^\n]+ \d+$/.test(l)), "each line ends in a count");
  assert.deepEqual([...lines].sort(), lines, "sorted, as flamegraph.pl likes");
  const stacks: [string[], number][] = lines.map((l) => {
    const at = l.lastIndexOf(" ");
    return [l.slice(0, at).split(";"), Number(l.slice(at + 1))];
  });
  assert.equal(stacks.reduce((a, [, n]) => a + n, 0), s.samples);
  const counted = countStacks(stacks);
  assert.deepEqual(counted.get("(program)"), { self: 1, total: 1 }, "the empty stack");
  counted.delete("(program)");
  // The ";" in a name is gone (it separates frames).
  const want = flatByLabel(s);
  const odd = displayName(ODD_NAME);
  assert.deepEqual(counted.get(odd.replace(";", ":")), want.get(odd));
  counted.delete(odd.replace(";", ":"));
  want.delete(odd);
  assert.deepEqual(counted, want);
});

test("collapsed: with threads, a root frame per thread", () => {
  const folded = foldStacks(stats(), { threads: true });
  const roots = new Map<string, number>();
  for (const st of folded.stacks) roots.set(st.frames[0], (roots.get(st.frames[0]) ?? 0) + st.count);
  assert.deepEqual([...roots], [["main-thread (thread 1)", 14], ["worker-1 (thread 2)", 3]]);
});

/** Well-formed XML, checked the simple way: tags nest, attributes are quoted, text has no raw < or stray &. */
function checkXml(xml: string): void {
  const stack: string[] = [];
  let roots = 0;
  const re = /<\?[^?]*\?>|<!--[\s\S]*?-->|<(\/?)([A-Za-z][\w:.-]*)((?:\s+[\w:.-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  for (const m of xml.matchAll(re)) {
    if (m[6]) throw new Error(`stray "<" at ${m.index}: ${xml.slice(m.index!, m.index! + 40)}`);
    if (m[5] !== undefined) {
      if (/&(?!(#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);)/.test(m[5])) throw new Error(`stray "&" in "${m[5]}"`);
      if (stack.length === 0 && m[5].trim() !== "") throw new Error(`text outside the root: ${m[5]}`);
      continue;
    }
    if (!m[2]) continue;
    if (/&(?!(#\d+|amp|lt|gt|quot|apos);)/.test(m[3])) throw new Error(`stray "&" in attributes of <${m[2]}>`);
    if (m[1]) {
      const open = stack.pop();
      if (open !== m[2]) throw new Error(`</${m[2]}> closes <${open}>`);
    } else if (!m[4]) {
      if (stack.length === 0) roots++;
      stack.push(m[2]);
    } else if (stack.length === 0) roots++;
  }
  assert.deepEqual(stack, [], "every element is closed");
  assert.equal(roots, 1, "one root element");
}

test("the XML checker catches what an XML parser would", () => {
  checkXml(`<?xml version="1.0"?><svg a="1"><g><title>x &amp; y</title></g></svg>`);
  assert.throws(() => checkXml(`<svg><g></svg>`));
  assert.throws(() => checkXml(`<svg><text>a < b</text></svg>`));
  assert.throws(() => checkXml(`<svg><text>a & b</text></svg>`));
  assert.throws(() => checkXml(`<svg a=1></svg>`));
});

/** Every frame of a flame graph: its tooltip and width. */
function frames(svgText: string): { title: string; width: number }[] {
  return [...svgText.matchAll(/<g class="f"><title>([^<]*)<\/title><rect [^>]*width="([\d.]+)"/g)]
    .map((m) => ({ title: m[1], width: Number(m[2]) }));
}

test("svg: well-formed, escaped, a tooltip per frame, the widest frames are the hottest", () => {
  const s = stats();
  const text = exportProfile(s, "svg", { title: "a <test> & more" }) as string;
  checkXml(text);
  assert.ok(text.startsWith("<?xml"));
  assert.match(text, /<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
  assert.doesNotMatch(text, /<script/, "standalone: no script");
  assert.match(text, /Flame graph: a &#60;test&#62; &#38; more/);
  assert.match(text, /peak RSS/, "memory in the subtitle");
  const fs = frames(text);
  assert.equal(fs[0].title, "all: 17 samples (100.00%)");
  // Below the root, the widest frame is the function with the most total samples.
  const byWidth = fs.slice(1).sort((a, b) => b.width - a.width);
  const top = s.flat().sort((a, b) => b.total - a.total)[0];
  assert.ok(byWidth[0].title.startsWith(displayName(top.name) + ":"), byWidth[0].title);
  const width = (prefix: string) => fs.find((f) => f.title.startsWith(prefix))!.width;
  assert.ok(width("hot ") > width("cold ") && width("cold ") > width("fib "), "wider means hotter");
  assert.match(text, /&#60;lambda:&#34;a&#38;b&#34;&#62;&#39;s/, "names are escaped");
});

test("svg: frames sum to their parent; threads add a level", () => {
  const text = toSvg(stats(), { threads: true });
  checkXml(text);
  const fs = frames(text);
  assert.ok(fs.some((f) => f.title.startsWith("worker-1 (thread 2): 3 samples")));
  const total = fs[0].width;
  const main = fs.find((f) => f.title.startsWith("main-thread (thread 1)"))!.width;
  const worker = fs.find((f) => f.title.startsWith("worker-1 (thread 2)"))!.width;
  assert.ok(Math.abs(main + worker - total) < 0.02);
  assert.equal(escapeXml(`<&"'>`), "&#60;&#38;&#34;&#39;&#62;");
});

test("an empty profile exports to every format", () => {
  const empty = new Stats({ ...knownProfile(), samples: [] });
  for (const e of EXPORTERS) {
    const out = e.export(empty, {});
    assert.ok(out.length > 0 || e.format === "collapsed", e.format); // no stacks, no lines
  }
  checkXml(toSvg(empty));
});

// ---- registry, options -----------------------------------------------------------------

test("registry: formats by name and by file ending; unknown formats are BAD_OPTION", () => {
  assert.deepEqual(EXPORTERS.map((e) => e.format), ["speedscope", "cpuprofile", "pprof", "collapsed", "svg"]);
  assert.equal(findExporter("PPROF").format, "pprof");
  assert.throws(
    () => findExporter("json"),
    (e) => isVmprofError(e, "BAD_OPTION") && /one of: speedscope/.test(e.message),
  );
  assert.equal(exporterForPath("out.pb.gz")?.format, "pprof");
  assert.equal(exporterForPath("x/out.speedscope.json")?.format, "speedscope");
  assert.equal(exporterForPath("out.cpuprofile")?.format, "cpuprofile");
  assert.equal(exporterForPath("out.folded")?.format, "collapsed");
  assert.equal(exporterForPath("out.SVG")?.format, "svg");
  assert.equal(exporterForPath("out.json"), undefined);
});

test("exportProfile with a thread keeps only that thread", () => {
  const file = JSON.parse(exportProfile(stats(), "speedscope", { thread: 2 }) as string);
  assert.equal(file.profiles.length, 1);
  assert.equal(file.profiles[0].samples.length, 3);
  const cp = JSON.parse(exportProfile(stats(), "cpuprofile", { thread: 1 }) as string);
  assert.equal(cp.samples.length, 14);
});

test("export arguments: format from --format or -o, default output, errors", () => {
  const a = parseExportArgs(["out.log", "--format", "svg"]);
  assert.equal(a.exporter.format, "svg");
  assert.equal(a.output, "out.svg");
  assert.equal(parseExportArgs(["out.log", "-o", "x.pb.gz"]).exporter.format, "pprof");
  assert.equal(parseExportArgs(["out.log", "-f", "pprof", "-o", "-"]).output, "-");
  const t = parseExportArgs(["a.log", "-f", "collapsed", "--thread", "worker", "--threads"]);
  assert.deepEqual([t.thread, t.threads], ["worker", true]);
  assert.equal(defaultOutput("p/run.log.gz", findExporter("speedscope")), "p/run.speedscope.json");
  assert.equal(defaultOutput("CPU.1.cpuprofile", findExporter("pprof")), "CPU.1.pb.gz");
  const bad = (argv: string[], re: RegExp) =>
    assert.throws(() => parseExportArgs(argv), (e) => isVmprofError(e, "BAD_OPTION") && re.test(e.message));
  bad([], /which log/);
  bad(["a.log"], /which format/);
  bad(["a.log", "-o", "a.txt"], /which format/);
  bad(["a.log", "-f", "nope"], /unknown export format/);
  bad(["a.cpuprofile", "-f", "cpuprofile"], /overwrite/);
  bad(["a.log", "b.log", "-f", "svg"], /unexpected argument/);
  bad(["a.log", "--bogus"], /bogus/);
});

test("tiers: samples per tier in the SVG tooltip; the pprof label; collapsed keeps functions whole", () => {
  const s = stats();
  const text = toSvg(s);
  assert.match(text, /<title>hot \(\/app\/main\.ts:10\): 8 samples \(47\.06%\); turbofan 8<\/title>/);
  // main → fib (sparkplug) → fib (ignition) → fib (sparkplug): a frame per call, each with its tier.
  assert.match(text, /<title>fib \(\/app\/main\.ts:30\): 2 samples \(11\.76%\); sparkplug 2<\/title>/);
  assert.match(text, /<title>fib \(\/app\/main\.ts:30\): 2 samples \(11\.76%\); ignition 2<\/title>/);
  assert.doesNotMatch(exportProfile(s, "collapsed") as string, /_\[j\]|turbofan/);
  const msg = decode(gunzipSync(exportProfile(s, "pprof") as Uint8Array));
  const strings = (msg.get(6) ?? []).map((b) => new TextDecoder().decode(b as Uint8Array));
  assert.ok(strings.includes("turbofan") && strings.includes("sparkplug"), "innermost tiers are labels");
  assert.ok(!strings.includes("ignition"), "fib2 is never innermost");
});
