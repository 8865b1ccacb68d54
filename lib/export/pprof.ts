// pprof's profile.proto (github.com/google/pprof/proto/profile.proto), gzipped, encoded by
// hand: sample types samples/count and cpu/nanoseconds (count × the log's period).
// Keeps: threads (labels `thread` = name, `thread_id`), memory (numeric label `rss` in
// bytes), tiers (label `tier` of the innermost frame that has one), lines (a
// location per address and line in lines mode), start time and duration.

import { gzipSync } from "node:zlib";
import { LINES } from "../format/constants.ts";
import type { Stats } from "../profile/stats.ts";
import type { Exporter, ExportOptions } from "./types.ts";
import { FrameTable, hasMemory, threadName } from "./frames.ts";

const encoder = new TextEncoder();

/**
 * A protobuf writer for the few wire types profile.proto uses: varints and length-delimited
 * fields. A nested message is written into a child writer that is reused for every nested
 * message at that depth (written out before the next one starts), so nothing is allocated
 * per message.
 */
class ProtoWriter {
  #buf = new Uint8Array(256);
  #len = 0;
  #child: ProtoWriter | undefined;

  #ensure(n: number): void {
    if (this.#len + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
  }

  /** An unsigned varint; negative numbers as 64-bit two's complement (10 bytes), as int64 fields want. */
  varint(v: number | bigint): void {
    this.#ensure(10);
    const buf = this.#buf;
    if (typeof v === "number" && v >= 0 && v <= 0x7fffffff) {
      // The common case, in 32-bit integer arithmetic.
      let x = v | 0;
      while (x >= 0x80) {
        buf[this.#len++] = (x & 0x7f) | 0x80;
        x >>>= 7;
      }
      buf[this.#len++] = x;
      return;
    }
    let n = typeof v === "bigint" ? BigInt.asUintN(64, v) : v;
    if (typeof n === "number" && (n < 0 || n > Number.MAX_SAFE_INTEGER)) n = BigInt.asUintN(64, BigInt(n));
    if (typeof n === "bigint") {
      while (n >= 0x80n) {
        buf[this.#len++] = Number(n & 0x7fn) | 0x80;
        n >>= 7n;
      }
      buf[this.#len++] = Number(n);
      return;
    }
    while (n >= 0x80) {
      buf[this.#len++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[this.#len++] = n;
  }

  /** A varint field (wire type 0); zero is the default and is left out. */
  int(field: number, v: number | bigint): void {
    if (v === 0 || v === 0n) return;
    this.varint(field << 3);
    this.varint(v);
  }

  /** A length-delimited field (wire type 2). */
  bytes(field: number, b: Uint8Array): void {
    this.varint((field << 3) | 2);
    this.varint(b.length);
    this.#ensure(b.length);
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }

  /** A packed repeated varint field. */
  packed(field: number, vs: number[]): void {
    if (vs.length === 0) return;
    this.message(field, (w) => {
      for (const v of vs) w.varint(v);
    });
  }

  /** An embedded message written by `fill`. */
  message(field: number, fill: (w: ProtoWriter) => void): void {
    const inner = this.#child ??= new ProtoWriter();
    inner.#len = 0;
    fill(inner);
    this.bytes(field, inner.#buf.subarray(0, inner.#len));
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }
}

// Field numbers of profile.proto.
const Profile = {
  sampleType: 1,
  sample: 2,
  mapping: 3,
  location: 4,
  function: 5,
  stringTable: 6,
  timeNanos: 9,
  durationNanos: 10,
  periodType: 11,
  period: 12,
  comment: 13,
  defaultSampleType: 14,
} as const;
const ValueType = { type: 1, unit: 2 } as const;
const Sample = { locationId: 1, value: 2, label: 3 } as const;
const Label = { key: 1, str: 2, num: 3, numUnit: 4 } as const;
const Mapping = { id: 1, memoryLimit: 3, filename: 5, hasFunctions: 7, hasFilenames: 8, hasLineNumbers: 9 } as const;
const Location = { id: 1, mappingId: 2, address: 3, line: 4 } as const;
const Line = { functionId: 1, line: 2 } as const;
const Function = { id: 1, name: 2, systemName: 3, filename: 4, startLine: 5 } as const;

/** One sample's labels, as string-table indexes. */
interface Labels {
  str: [number, number][];
  num: [number, number, number][]; // key, value, unit
}

/** profile.proto's string table: each string's index, in the order first asked for ("" is 0). */
class StringTable {
  readonly #ids = new Map<string, number>([["", 0]]);

  id(s: string): number {
    let i = this.#ids.get(s);
    if (i === undefined) {
      i = this.#ids.size;
      this.#ids.set(s, i);
    }
    return i;
  }

  strings(): IterableIterator<string> {
    return this.#ids.keys();
  }
}

interface LocationRow {
  id: number;
  addr: number;
  /** Index into the FrameTable's frames. */
  fn: number;
  line: number;
}

/** A location per address (and line, in lines mode); a function per name (the FrameTable's). */
class Locations {
  readonly list: LocationRow[] = [];
  readonly #ids = new Map<number, Map<number, number>>(); // addr -> line (0 unless lines mode) -> id

  constructor(private readonly table: FrameTable, private readonly linesMode: boolean) {}

  of(addr: number, rawLine: number): number {
    const line = this.linesMode ? rawLine : 0;
    let byLine = this.#ids.get(addr);
    if (byLine === undefined) this.#ids.set(addr, byLine = new Map());
    let id = byLine.get(line);
    if (id === undefined) {
      id = this.list.length + 1;
      byLine.set(line, id);
      const fn = this.table.of(addr);
      this.list.push({ id, addr, fn, line: line > 0 ? line : this.table.frames[fn].line });
    }
    return id;
  }
}

interface MergedSample {
  locs: number[];
  labels: Labels;
  count: number;
}

/** The samples as profile.proto wants them: identical stacks with identical labels become one sample with a count. */
function mergeSamples(stats: Stats, table: FrameTable, locations: Locations, str: StringTable): MergedSample[] {
  const memory = hasMemory(stats);
  const threadNames = new Map<number, string>();
  const merged = new Map<string, MergedSample>();
  for (const s of stats.profile.samples) {
    const locs: number[] = [];
    for (let i = s.stack.length - 1; i >= 0; i--) locs.push(locations.of(s.stack[i], s.lines?.[i] ?? 0));
    // The innermost frame that has a tier (a GC or native leaf has none): as Stats.tierTotals.
    let tier: string | undefined;
    for (let i = s.stack.length - 1; i >= 0 && tier === undefined; i--) tier = table.tier(s.stack[i]);
    const key = `${locs.join(",")}|${s.thread}|${tier ?? ""}|${memory ? s.rss : ""}`;
    const m = merged.get(key);
    if (m !== undefined) {
      m.count++;
      continue;
    }
    const labels: Labels = { str: [], num: [[str.id("thread_id"), s.thread, 0]] };
    let name = threadNames.get(s.thread);
    if (name === undefined) threadNames.set(s.thread, name = threadName(stats, s.thread));
    if (name !== "") labels.str.push([str.id("thread"), str.id(name)]);
    if (tier !== undefined) labels.str.push([str.id("tier"), str.id(tier)]);
    if (memory) labels.num.push([str.id("rss"), s.rss * 1024, str.id("bytes")]);
    merged.set(key, { locs, labels, count: 1 });
  }
  return [...merged.values()];
}

function writeSample(w: ProtoWriter, { locs, labels, count }: MergedSample, periodNs: number): void {
  w.message(Profile.sample, (m) => {
    m.packed(Sample.locationId, locs);
    m.packed(Sample.value, [count, count * periodNs]);
    for (const [key, value] of labels.str) {
      m.message(Sample.label, (l) => {
        l.int(Label.key, key);
        l.int(Label.str, value);
      });
    }
    for (const [key, value, unit] of labels.num) {
      m.message(Sample.label, (l) => {
        l.int(Label.key, key);
        l.int(Label.num, value);
        l.int(Label.numUnit, unit);
      });
    }
  });
}

/** One mapping that says every location is already symbolized (pprof then looks for no binary), and the locations. */
function writeLocations(w: ProtoWriter, locations: LocationRow[], filename: number): void {
  let maxAddr = 0;
  for (const loc of locations) maxAddr = Math.max(maxAddr, loc.addr);
  w.message(Profile.mapping, (m) => {
    m.int(Mapping.id, 1);
    m.int(Mapping.memoryLimit, maxAddr + 1);
    m.int(Mapping.filename, filename);
    m.int(Mapping.hasFunctions, 1);
    m.int(Mapping.hasFilenames, 1);
    m.int(Mapping.hasLineNumbers, 1);
  });
  for (const loc of locations) {
    w.message(Profile.location, (m) => {
      m.int(Location.id, loc.id);
      m.int(Location.mappingId, 1);
      if (loc.addr > 0) m.int(Location.address, loc.addr);
      m.message(Location.line, (l) => {
        l.int(Line.functionId, loc.fn + 1);
        l.int(Line.line, loc.line);
      });
    });
  }
}

function writeFunctions(w: ProtoWriter, table: FrameTable, str: StringTable): void {
  table.frames.forEach((f, i) => {
    w.message(Profile.function, (m) => {
      m.int(Function.id, i + 1);
      m.int(Function.name, str.id(f.name));
      m.int(Function.systemName, str.id(f.full));
      m.int(Function.filename, str.id(f.file));
      m.int(Function.startLine, f.line);
    });
  });
}

/** The profile as profile.proto bytes, not yet gzipped. */
export function encodePprof(stats: Stats, options: ExportOptions = {}): Uint8Array {
  const p = stats.profile;
  const str = new StringTable();
  const table = new FrameTable(stats);
  const locations = new Locations(table, (p.flags & LINES) !== 0);
  const periodNs = Math.max(1, p.periodUsec) * 1000;
  const samples = mergeSamples(stats, table, locations, str);

  const w = new ProtoWriter();
  const valueType = (field: number, type: string, unit: string) =>
    w.message(field, (m) => {
      m.int(ValueType.type, str.id(type));
      m.int(ValueType.unit, str.id(unit));
    });
  valueType(Profile.sampleType, "samples", "count");
  valueType(Profile.sampleType, "cpu", "nanoseconds");
  for (const s of samples) writeSample(w, s, periodNs);
  writeLocations(w, locations.list, str.id(p.interpName || "vmprof"));
  writeFunctions(w, table, str);
  if (p.startMicros !== undefined) {
    w.int(Profile.timeNanos, BigInt(Math.round(p.startMicros)) * 1000n);
    if (p.endMicros !== undefined && p.endMicros > p.startMicros) {
      w.int(Profile.durationNanos, BigInt(Math.round(p.endMicros - p.startMicros)) * 1000n);
    }
  }
  valueType(Profile.periodType, "cpu", "nanoseconds");
  w.int(Profile.period, periodNs);
  const comment = options.title ?? `${p.interpName || "vmprof"} profile`;
  w.packed(Profile.comment, [str.id(`${comment} (vmprof-js)`)]);
  w.int(Profile.defaultSampleType, str.id("cpu"));
  // The string table goes last: every index above has been handed out.
  for (const s of str.strings()) w.bytes(Profile.stringTable, encoder.encode(s));
  return w.finish();
}

export const pprof: Exporter = {
  format: "pprof",
  extension: ".pb.gz",
  description: "gzipped profile.proto (go tool pprof); threads, memory, tiers",
  export: (stats, options) => gzipSync(encodePprof(stats, options)),
};
