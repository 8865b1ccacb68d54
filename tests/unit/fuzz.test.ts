// Fuzz tests of every reader of untrusted bytes (fast-check): the vmprof log reader (whole and in
// chunks), the .cpuprofile importer, the jitdump and perf map parsers and the ELF readers get
// mutated, truncated and grown inputs, huge length fields and gzip bombs. Each must return or
// throw a VmprofError (one line, naming the byte offset where the input is binary), in bounded
// time and memory. FUZZ_RUNS=N sets the inputs per property (default: a short run for CI).
import assert from "node:assert/strict";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { gunzipSync, gzipSync } from "node:zlib";
import fc from "fast-check";
import { test } from "../harness.ts";
import { isVmprofError } from "../../lib/errors.ts";
import { LINES, MEMORY } from "../../lib/format/constants.ts";
import { gunzipIfNeeded } from "../../lib/format/log-file.ts";
import { parseLog, readLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { parseAnyProfile } from "../../lib/import/any.ts";
import { parseCpuProfile } from "../../lib/import/cpuprofile.ts";
import { parseJitdumpFull } from "../../lib/symbols/jitdump.ts";
import { nameRange, parsePerfMap } from "../../lib/symbols/perfmap.ts";
import { PerfMapIndex } from "../../lib/symbols/perfmap-index.ts";
import { CodeIndex } from "../../lib/symbols/code-index.ts";
import { parseElf } from "../../lib/symbols/elf.ts";
import { elfSections, elfSectionsOfFile } from "../../lib/symbols/elf-header.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const FIX = join(ROOT, "tests/fixtures");
const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
/** No single input may take longer than this (a hang, or a loop over a huge length field). */
const MAX_MS_PER_INPUT = 2000;
/** The process may not grow by more than this over a property (a huge length field allocated). */
const MAX_RSS_GROWTH = 768 << 20;

let inputs = 0;
let slowest = 0;

/** Runs `fn` on one input: it may return or throw a VmprofError whose message passes `okMessage`. */
function survives(what: string, fn: () => unknown, okMessage: (m: string) => boolean = () => true): void {
  inputs++;
  const t0 = performance.now();
  try {
    fn();
  } catch (e) {
    if (!isVmprofError(e)) throw new Error(`${what}: threw ${(e as Error)?.stack ?? e}, not a VmprofError`);
    assert.ok(!e.message.includes("\n"), `${what}: a message of one line, got ${JSON.stringify(e.message)}`);
    assert.ok(okMessage(e.message), `${what}: the message names the byte offset: ${e.message}`);
  }
  const ms = performance.now() - t0;
  slowest = Math.max(slowest, ms);
  assert.ok(ms < MAX_MS_PER_INPUT, `${what}: took ${ms.toFixed(0)} ms`);
}

const namesOffset = (m: string) => /\bbyte \d+|\bbytes? at \d+|offset \d+/.test(m) || /gzip/.test(m);

/** fc.assert with the run count, the rss bound, and the inputs counted. */
function fuzz<T>(name: string, arb: fc.Arbitrary<T>, check: (v: T) => void, runs = RUNS): void {
  test(`fuzz: ${name}`, () => {
    const before = inputs;
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    const r = fc.check(
      fc.property(arb, (v) => {
        check(v);
        peak = Math.max(peak, process.memoryUsage().rss);
      }),
      { numRuns: runs },
    );
    if (r.failed) {
      // The shrunk input goes to a file (it can be kilobytes); the message stays short.
      const keep = join(tmpdir(), `vmprof-js-fuzz-${r.seed}.json`);
      writeFileSync(keep, JSON.stringify(r.counterexample, (_k, x) => (x instanceof Uint8Array ? [...x] : x)));
      const why = (r.errorInstance as Error | undefined)?.message ?? String(r.errorInstance);
      throw new Error(`${name}: ${why} (seed ${r.seed}, path ${r.counterexamplePath}; the input is in ${keep})`);
    }
    assert.ok(peak - rss0 < MAX_RSS_GROWTH, `${name}: the process grew by ${((peak - rss0) / 2 ** 20).toFixed(0)} MB`);
    console.log(`# ${name}: ${inputs - before} inputs`);
  });
}

// One edit of a byte string: the kinds of damage a reader must survive.
type Edit =
  | { kind: "set"; at: number; value: number }
  | { kind: "word"; at: number; value: number; width: 4 | 8 }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; n: number }
  | { kind: "cut"; at: number };

/** Length fields that break readers: negative, huge, just past the end, zero. */
const HUGE = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xffff, 1 << 24, 2 ** 40, 2 ** 53 - 1, 2 ** 63];

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant("word" as const),
    at: fc.nat(),
    value: fc.constantFrom(...HUGE),
    width: fc.constantFrom(4 as const, 8 as const),
  }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 24 }) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), n: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant("cut" as const), at: fc.nat() }),
);

function mutate(seed: Uint8Array, edits: Edit[]): Uint8Array {
  let b = seed.slice();
  for (const e of edits) {
    const at = b.length === 0 ? 0 : e.at % b.length;
    if (e.kind === "set") {
      if (b.length) b[at] = e.value;
    } else if (e.kind === "word") {
      const lo = e.value % 2 ** 32, hi = Math.floor(e.value / 2 ** 32);
      const w = [
        lo & 0xff,
        (lo >>> 8) & 0xff,
        (lo >>> 16) & 0xff,
        lo >>> 24,
        hi & 0xff,
        (hi >>> 8) & 0xff,
        (hi >>> 16) & 0xff,
        hi >>> 24,
      ];
      for (let i = 0; i < e.width && at + i < b.length; i++) b[at + i] = w[i];
    } else if (e.kind === "insert") {
      const out = new Uint8Array(b.length + e.bytes.length);
      out.set(b.subarray(0, at));
      out.set(e.bytes, at);
      out.set(b.subarray(at), at + e.bytes.length);
      b = out;
    } else if (e.kind === "delete") {
      b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + e.n)]);
    } else {
      b = b.slice(0, at);
    }
  }
  return b;
}

/** Seeds and edits: each input is a seed with up to 6 edits. */
function mutations(seeds: Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(editArb, { minLength: 1, maxLength: 6 }))
    .map(([i, edits]) => mutate(seeds[i], edits));
}

// --- seeds -------------------------------------------------------------------------------

function writtenLog(flags: number, version: number): Uint8Array {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags, interpName: "deno", version });
  w.time(1764090000123456);
  w.meta("mode", "cpu");
  w.meta("thread.7", "main");
  const lines = (flags & LINES) !== 0;
  for (let i = 0; i < 12; i++) {
    const stack = [0x7f0011220000, 0x7f0011220100 + i * 8, 0x7f0033440011];
    w.sample(stack, 7, 1000 + i, lines ? [3, 4 + i, 0] : undefined, version >= 7 ? 1000 * i : undefined);
  }
  w.symbol(0x7f0011220000, "js:main:1:/app/main.ts");
  w.trailer(1764090002623456);
  return w.bytes();
}

/** Plain Uint8Arrays: a Buffer's slice() is a view, and the edits would change the seed itself. */
const plain = (b: Uint8Array) => new Uint8Array(b);

const LOG_SEEDS: Uint8Array[] = [
  plain(readFileSync(join(FIX, "python-vmprof.log"))),
  plain(gunzipSync(readFileSync(join(FIX, "formats/pypy-vmprof.log.gz")))),
  writtenLog(0, 6),
  writtenLog(LINES | MEMORY, 6),
  writtenLog(MEMORY, 7),
];

// --- the vmprof log reader ---------------------------------------------------------------

const dir = mkdtempSync(join(tmpdir(), "vmprof-js-fuzz-"));
process.on("exit", () => rmSync(dir, { recursive: true, force: true }));

/** The outcome of a read, to compare the whole-buffer and chunked readers. */
function outcome(
  read: () => { samples: unknown[]; complete: boolean; truncatedBytes: number; meta: Map<string, string> },
): string {
  try {
    const p = read();
    return `ok ${p.samples.length} ${p.complete} ${p.truncatedBytes} ${p.meta.size}`;
  } catch (e) {
    if (!isVmprofError(e)) throw e;
    return e.message;
  }
}

fuzz("vmprof log reader, mutated logs (whole and in 64-byte chunks agree)", mutations(LOG_SEEDS), (bytes) => {
  survives("parseLog", () => parseLog(bytes), namesOffset);
  const path = join(dir, "x.log");
  writeFileSync(path, bytes);
  survives("readLog", () => readLog(path, 64), namesOffset);
  assert.equal(
    outcome(() => readLog(path, 64)).replace(path, "<buffer>"),
    outcome(() => parseLog(bytes)),
    "chunked and whole reads agree",
  );
});

fuzz(
  "vmprof log reader, every cut of a log reads what comes before it",
  fc.tuple(fc.nat({ max: LOG_SEEDS.length - 1 }), fc.nat()),
  ([i, at]) => {
    const seed = LOG_SEEDS[i];
    const cut = seed.subarray(0, at % (seed.length + 1));
    const full = parseLog(seed);
    const p = parseLog(cut);
    inputs++;
    assert.ok(p.samples.length <= full.samples.length);
    assert.equal(p.complete, cut.length === seed.length && full.complete);
  },
);

fuzz("vmprof log reader, gzipped mutated logs", mutations(LOG_SEEDS.map((s) => plain(gzipSync(s)))), (bytes) => {
  survives("parseLog(gzip)", () => parseLog(bytes), namesOffset);
}, Math.ceil(RUNS / 2));

test("gzip bomb: a log that unzips past the limit is refused, without holding the whole of it", () => {
  const member = gzipSync(new Uint8Array(16 << 20)); // 16 MB of zeros in ~16 kB
  const bomb = new Uint8Array(member.length * 8); // 128 MB unzipped, concatenated members
  for (let i = 0; i < 8; i++) bomb.set(member, i * member.length);
  const rss0 = process.memoryUsage().rss;
  assert.throws(() => gunzipIfNeeded(bomb, "bomb.log.gz", 32 << 20), (e: unknown) => {
    assert.ok(isVmprofError(e, "BAD_LOG"), String(e));
    assert.match((e as Error).message, /^bomb\.log\.gz: unzips to more than 32 MB/);
    return true;
  });
  inputs++;
  assert.ok(process.memoryUsage().rss - rss0 < 100 << 20, "did not unzip the whole bomb");
  // The default limit lets real (well-compressing) logs through.
  assert.equal(gunzipIfNeeded(member, "ok.gz").length, 16 << 20);
});

test("huge length fields in a log: a clear error or a cut-short log, never a giant allocation", () => {
  const seed = writtenLog(0, 6);
  const rss0 = process.memoryUsage().rss;
  // Every word-aligned and unaligned position of the first records gets every huge value.
  for (let at = 40; at < 200; at++) {
    for (const value of HUGE) {
      for (const width of [4, 8] as const) {
        const bytes = mutate(seed, [{ kind: "word", at, value, width }]);
        survives(`word ${value} at ${at}`, () => parseLog(bytes), namesOffset);
      }
    }
  }
  assert.ok(process.memoryUsage().rss - rss0 < 256 << 20);
});

// --- the .cpuprofile importer -------------------------------------------------------------

const CPUPROFILE_TEXT = [
  readFileSync(join(FIX, "formats/bun-fib.cpuprofile"), "utf8"),
  gunzipSync(readFileSync(join(FIX, "formats/deno-fib.cpuprofile.gz"))).toString(),
];

/** Paths to every value inside a JSON value. */
function paths(v: unknown, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === "object") { for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out); }
  return out;
}

const CPUPROFILES = CPUPROFILE_TEXT.map((t) => JSON.parse(t));
const CPUPROFILE_PATHS = CPUPROFILES.map((j) => paths(j));

/** A JSON value that type-confuses a reader: wrong types, huge and odd numbers, cycles of ids. */
const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(null, -1, 0, 1, 1e308, -1e308, 2 ** 53, 0.5, "", "file://", "file:///%", [], {}, [1, 1], { id: 1 }),
);

fuzz(
  ".cpuprofile importer, type-confused values",
  fc.tuple(
    fc.nat({ max: CPUPROFILES.length - 1 }),
    fc.array(fc.tuple(fc.nat(), oddValue), { minLength: 1, maxLength: 4 }),
  ),
  ([i, edits]) => {
    const json = structuredClone(CPUPROFILES[i]);
    for (const [p, value] of edits) {
      const path = CPUPROFILE_PATHS[i][p % CPUPROFILE_PATHS[i].length];
      if (path.length === 0) continue;
      let o = json;
      for (const k of path.slice(0, -1)) o = o?.[k];
      if (o && typeof o === "object") o[path[path.length - 1]] = value;
    }
    survives("parseCpuProfile", () => parseCpuProfile(json, "x.cpuprofile"), (m) => /^x\.cpuprofile: /.test(m));
  },
);

fuzz(
  ".cpuprofile importer, mutated text (parseAnyProfile)",
  mutations(CPUPROFILE_TEXT.map((t) => new TextEncoder().encode(t))),
  (bytes) => {
    survives("parseAnyProfile", () => parseAnyProfile(bytes, "x.cpuprofile"));
  },
);

// --- jitdump -----------------------------------------------------------------------------

const JITDUMPS = ["app.jitdump", "bun-fib.jitdump", "deno-perf-prof.jitdump"].map((f) =>
  plain(readFileSync(join(FIX, "symbols", f)))
);

fuzz("jitdump parser, mutated dumps", mutations(JITDUMPS), (bytes) => {
  survives("parseJitdumpFull", () => {
    const r = parseJitdumpFull(bytes);
    assert.ok(r.consumed <= bytes.length);
    for (const range of r.ranges) assert.equal(typeof range.name, "string");
  }, namesOffset);
});

// --- perf map ----------------------------------------------------------------------------

const PERF_MAP = plain(readFileSync(join(FIX, "symbols/deno-perf.map")));

fuzz(
  "perf map parsers, mutated maps (never throw)",
  fc.oneof(mutations([PERF_MAP]), fc.uint8Array({ maxLength: 300 })),
  (bytes) => {
    inputs++;
    const text = new TextDecoder().decode(bytes);
    const full = parsePerfMap(text);
    const map = new PerfMapIndex("/nonexistent");
    map.append(new TextEncoder().encode(text));
    const points = Float64Array.from(new Set(full.flatMap((r) => [r.start, r.start + r.size - 1]))).sort();
    const chosen = map.select(points);
    for (const r of chosen) nameRange(r);
    const all = new CodeIndex(full), part = new CodeIndex(chosen);
    for (const p of points) assert.deepEqual(part.lookup(p), all.lookup(p), "the index finds what the parser does");
  },
);

// --- ELF ---------------------------------------------------------------------------------

const ELF_SEEDS = ["/usr/bin/true", "/bin/true"].flatMap((p) => {
  try {
    return [plain(readFileSync(p))];
  } catch {
    return [];
  }
}).slice(0, 1);

if (ELF_SEEDS.length > 0) {
  fuzz("ELF readers, mutated executables", mutations(ELF_SEEDS), (bytes) => {
    const path = join(dir, "x.elf");
    writeFileSync(path, bytes);
    const fd = openSync(path, "r");
    try {
      survives("parseElf", () => parseElf(fd, bytes.length), namesOffset);
    } finally {
      closeSync(fd);
    }
    survives("elfSections", () => elfSections(bytes), namesOffset);
    survives("elfSectionsOfFile", () => elfSectionsOfFile(path), namesOffset);
  }, Math.ceil(RUNS / 2));
}

test("fuzz: totals", () => {
  console.log(`# fuzz totals: ${inputs} inputs, slowest ${slowest.toFixed(0)} ms, FUZZ_RUNS=${RUNS}`);
  assert.ok(inputs > 0);
});
