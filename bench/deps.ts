// Measures the two hand-written jobs issue 14 asked to weigh against well-kept npm libraries:
// source map decoding and lookups (lib/symbols/source-map.ts against @jridgewell/trace-mapping)
// and pprof encoding (lib/export/pprof.ts against pprof-format, from the same merged samples).
// Prints medians of 15 rounds; the results and the decision are in docs/DEPENDENCIES.md.
// Usage: deno run -A bench/deps.ts MAP.json LOG   |   bun bench/deps.ts MAP.json LOG
import { readFileSync } from "node:fs";
import process from "node:process";
import { TraceMap, traceSegment } from "@jridgewell/trace-mapping";
import * as pf from "pprof-format";
import { SourceMap } from "../lib/symbols/source-map.ts";
import { encodePprof } from "../lib/export/pprof.ts";
import { FrameTable, hasMemory, threadName } from "../lib/export/frames.ts";
import { readProfile } from "../mod.ts";
import type { Stats } from "../lib/profile/stats.ts";

const [mapPath, logPath] = process.argv.slice(2);
if (!mapPath || !logPath) {
  console.error("usage: bench/deps.ts MAP.json LOG");
  process.exit(2);
}

function median(name: string, f: () => unknown): void {
  const ms: number[] = [];
  let out: unknown;
  for (let k = 0; k < 15; k++) {
    const t0 = performance.now();
    out = f();
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  console.log(`${name.padEnd(40)} ${ms[7].toFixed(2).padStart(8)} ms  ${out ?? ""}`);
}

// ---- source maps
const map = JSON.parse(readFileSync(mapPath, "utf8"));
const lines = map.mappings.split(";").length;
const probes: [number, number][] = [];
for (let i = 0; i < 20_000; i++) probes.push([(i * 7919) % lines, (i * 31) % 80]);
median("source map decode: hand", () => void new SourceMap(map.mappings));
median("source map decode: trace-mapping", () => void traceSegment(new TraceMap(map), 0, 0));
const hand = new SourceMap(map.mappings);
const lib = new TraceMap(map);
median("20k lookups: hand", () => probes.filter(([l, c]) => hand.lookup(l, c)).length + " found");
median("20k lookups: trace-mapping", () => probes.filter(([l, c]) => traceSegment(lib, l, c)).length + " found");
let differ = 0;
for (const [l, c] of probes) {
  const s = traceSegment(lib, l, c);
  if (hand.lookup(l, c)?.line !== (s && s.length > 1 ? s[2] : undefined)) differ++;
}
console.log(`lookups whose line differs: ${differ} of ${probes.length}`);

// ---- pprof: the same samples, locations and functions, written by pprof-format
function encodeWithPprofFormat(stats: Stats): Uint8Array {
  const p = stats.profile;
  const table = new FrameTable(stats);
  const strings = new pf.StringTable();
  const periodNs = Math.max(1, p.periodUsec) * 1000;
  const memory = hasMemory(stats);
  const locIds = new Map<number, number>();
  const locations: pf.Location[] = [];
  const locOf = (addr: number): number => {
    let id = locIds.get(addr);
    if (id === undefined) {
      id = locations.length + 1;
      locIds.set(addr, id);
      const fn = table.of(addr);
      locations.push(
        new pf.Location({
          id,
          mappingId: 1,
          address: addr,
          line: [new pf.Line({ functionId: fn + 1, line: table.frames[fn].line })],
        }),
      );
    }
    return id;
  };
  const merged = new Map<string, { locs: number[]; thread: number; tier?: string; rss: number; count: number }>();
  for (const s of p.samples) {
    const locs: number[] = [];
    for (let i = s.stack.length - 1; i >= 0; i--) locs.push(locOf(s.stack[i]));
    let tier: string | undefined;
    for (let i = s.stack.length - 1; i >= 0 && tier === undefined; i--) tier = table.tier(s.stack[i]);
    const key = `${locs.join(",")}|${s.thread}|${tier ?? ""}|${memory ? s.rss : ""}`;
    const m = merged.get(key);
    if (m) m.count++;
    else merged.set(key, { locs, thread: s.thread, tier, rss: s.rss, count: 1 });
  }
  const sample = [...merged.values()].map((m) => {
    const label = [new pf.Label({ key: strings.dedup("thread_id"), num: m.thread })];
    const name = threadName(stats, m.thread);
    if (name) label.push(new pf.Label({ key: strings.dedup("thread"), str: strings.dedup(name) }));
    if (m.tier) label.push(new pf.Label({ key: strings.dedup("tier"), str: strings.dedup(m.tier) }));
    if (memory) {
      label.push(new pf.Label({ key: strings.dedup("rss"), num: m.rss * 1024, numUnit: strings.dedup("bytes") }));
    }
    return new pf.Sample({ locationId: m.locs, value: [m.count, m.count * periodNs], label });
  });
  const fns = table.frames.map((f, i) =>
    new pf.Function({
      id: i + 1,
      name: strings.dedup(f.name),
      systemName: strings.dedup(f.full),
      filename: strings.dedup(f.file),
      startLine: f.line,
    })
  );
  return new pf.Profile({
    sampleType: [
      new pf.ValueType({ type: strings.dedup("samples"), unit: strings.dedup("count") }),
      new pf.ValueType({ type: strings.dedup("cpu"), unit: strings.dedup("nanoseconds") }),
    ],
    sample,
    mapping: [
      new pf.Mapping({
        id: 1,
        memoryLimit: Math.max(...locations.map((l) => Number(l.address))) + 1,
        filename: strings.dedup("vmprof"),
        hasFunctions: true,
        hasFilenames: true,
        hasLineNumbers: true,
      }),
    ],
    location: locations,
    function: fns,
    stringTable: strings,
    periodType: new pf.ValueType({ type: strings.dedup("cpu"), unit: strings.dedup("nanoseconds") }),
    period: periodNs,
    defaultSampleType: strings.dedup("cpu"),
  }).encode();
}

const stats = await readProfile(logPath);
console.log(`${logPath}: ${stats.samples} samples`);
median("pprof encode: hand (lib/export/pprof.ts)", () => encodePprof(stats).length + " bytes");
median("pprof encode: pprof-format", () => encodeWithPprofFormat(stats).length + " bytes");
