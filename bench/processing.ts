// Processing-speed benchmark: how fast Deno, Bun and Python vmprof read synthetic logs and build the call tree and flat table.
//
//   node_modules/.bin/deno run -A bench/processing.ts [--sizes N,N,...] [--runtime deno|bun|both]
//       [--repeat R] [--no-python] [--python-limit S] [--json FILE]
//
// Synthetic logs (LogWriter, format version 6, ~200 functions, stacks 10-40 deep drawn from
// a fixed random call tree, 3 threads; deterministic) of each size are written to a scratch
// directory (/dev/shm when it exists) and removed at the end. Each runtime runs this same
// script in --measure mode in a fresh process, which times readLog, new Stats(p).getTree()
// and flat() --repeat times and reports the medians. Python vmprof is timed on the same logs
// (vmprof.read_profile, then stats.get_tree()), once per log; a size is skipped for Python
// when the previous size's rate predicts more than --python-limit seconds, and a Python run
// is killed after twice that. Speeds are samples per second; the targets (reading at least
// 1M samples/s and 5x Python) are reported, never enforced.
import { spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readLog } from "../lib/format/reader.ts";
import { LogWriter } from "../lib/format/writer.ts";
import { Stats } from "../lib/profile/stats.ts";
import { median, requireRuntime, type RuntimeName, runtimesOption, usageError } from "./common.ts";

const SCRIPT = fileURLToPath(import.meta.url);
const TARGET_RATE = 1e6;
const TARGET_RATIO = 5;
const FUNCTIONS = 200;
const THREADS = [4201, 4202, 4203];
const THREAD_WEIGHTS = [0.7, 0.2, 0.1];

const USAGE = `usage: deno run -A bench/processing.ts [options]
  --sizes N,N,...      sample counts of the synthetic logs (default 10000,100000,1000000)
  --runtime R          deno, bun or both (default both)
  --repeat R           timed repetitions per runtime and size; medians are reported (default 3)
  --no-python          do not time Python vmprof
  --python-limit S     skip a size for Python when it is predicted to take more than S
                       seconds (default 60); a Python run is killed after 2*S seconds
  --json FILE          also write all measurements to FILE
  -h, --help           show this help`;

interface Timing {
  parseMs: number;
  treeMs: number;
  flatMs: number;
}

interface Row {
  samples: number;
  bytes: number;
  bytesPerSample: number;
  deno?: Timing;
  bun?: Timing;
  python?: Timing | { skipped: string };
}

function fail(msg: string): never {
  return usageError("processing.ts", msg);
}

/** mulberry32: a small deterministic PRNG, so every run writes the same logs. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Writes a log of `n` samples to `path`, streaming. Stacks are paths of a fixed random
 * call tree: a few hundred "paths" of depth 10-40 over 200 functions, picked with a
 * skewed (Zipf-like) distribution, each sample cut at a random depth near the path's end.
 */
function writeSyntheticLog(path: string, n: number): void {
  const rand = rng(0x5eed);
  const addr = (f: number) => 0x7f3a00000000 + f * 0x140; // JIT-code-like addresses
  const w = new LogWriter(1 << 22);
  w.header({ periodUsec: 990, flags: 0, interpName: "deno" });
  const start = 1_764_000_000_000_000;
  w.time(start);
  w.meta("runtime", "deno 2.0.0 (synthetic)");
  for (let i = 0; i < THREADS.length; i++) w.meta(`thread:${THREADS[i]}`, i === 0 ? "main" : `worker-${i}`);
  for (let f = 0; f < FUNCTIONS; f++) {
    w.symbol(addr(f), `js:fn${f}:${1 + ((f * 37) % 900)}:/app/src/module${f % 17}.ts`);
  }
  // Paths share prefixes: each new path branches off an earlier one.
  const paths: number[][] = [];
  for (let p = 0; p < 400; p++) {
    const depth = 10 + Math.floor(rand() * 31);
    let stack: number[];
    if (p === 0 || rand() < 0.1) {
      stack = [addr(Math.floor(rand() * 5))]; // a few entry points
    } else {
      const base = paths[Math.floor(rand() * p)];
      stack = base.slice(0, 1 + Math.floor(rand() * Math.min(base.length, depth)));
    }
    while (stack.length < depth) stack.push(addr(Math.floor(rand() * FUNCTIONS)));
    paths.push(stack);
  }
  const fd = openSync(path, "w");
  try {
    for (let s = 0; s < n; s++) {
      const p = paths[Math.min(paths.length - 1, Math.floor(paths.length * rand() ** 2.5))];
      const cut = Math.max(10, p.length - Math.floor(rand() * 4));
      const stack = cut === p.length ? p : p.slice(0, cut);
      const r = rand();
      const t = r < THREAD_WEIGHTS[0] ? 0 : r < THREAD_WEIGHTS[0] + THREAD_WEIGHTS[1] ? 1 : 2;
      w.sample(stack, THREADS[t]);
      if (w.length > 1 << 21) writeSync(fd, w.take());
    }
    w.trailer(start + Math.round(n * 990));
    writeSync(fd, w.take());
  } finally {
    closeSync(fd);
  }
}

/** --measure mode: time this runtime on one log and print the medians as JSON. */
function measure(path: string, repeat: number, expect: number): void {
  const parse: number[] = [], tree: number[] = [], flat: number[] = [];
  for (let r = 0; r < repeat; r++) {
    let t = performance.now();
    const p = readLog(path);
    parse.push(performance.now() - t);
    if (p.samples.length !== expect) {
      throw new Error(`${path}: read ${p.samples.length} samples, expected ${expect}`);
    }
    t = performance.now();
    const root = new Stats(p).getTree();
    tree.push(performance.now() - t);
    if (root.count !== expect) throw new Error(`${path}: tree counts ${root.count} samples, expected ${expect}`);
    t = performance.now();
    const rows = new Stats(p).flat();
    flat.push(performance.now() - t);
    if (rows.length !== FUNCTIONS) throw new Error(`${path}: flat has ${rows.length} functions, expected ${FUNCTIONS}`);
  }
  console.log(JSON.stringify({ parseMs: median(parse), treeMs: median(tree), flatMs: median(flat) }));
}

function runtimeCommand(rt: RuntimeName): string[] {
  const exe = requireRuntime("processing.ts", rt);
  return rt === "deno" ? [exe, "run", "-A", SCRIPT] : [exe, SCRIPT];
}

function timeRuntime(rt: RuntimeName, path: string, n: number, repeat: number): Timing {
  const [cmd, ...args] = runtimeCommand(rt);
  const r = spawnSync(cmd, [...args, "--measure", path, "--repeat", String(repeat), "--expect", String(n)], {
    encoding: "utf8",
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) fail(`${rt} failed on ${path} (status ${r.status}): ${r.stderr || r.error}`);
  const last = r.stdout.trim().split("\n").pop() ?? "";
  try {
    return JSON.parse(last) as Timing;
  } catch {
    return fail(`${rt}: unexpected output: ${r.stdout}`);
  }
}

const PY_TIME = `
import json, sys, time, vmprof
t = time.perf_counter()
s = vmprof.read_profile(sys.argv[1])
t1 = time.perf_counter()
tree = s.get_tree()
t2 = time.perf_counter()
n = len(s.profiles)
if n != int(sys.argv[2]):
    sys.exit("read %d samples, expected %s" % (n, sys.argv[2]))
print(json.dumps({'parseMs': (t1 - t) * 1e3, 'treeMs': (t2 - t1) * 1e3}))
`;

function pythonAvailable(): boolean {
  return spawnSync("python3", ["-c", "import vmprof"], { encoding: "utf8" }).status === 0;
}

function timePython(path: string, n: number, limitS: number): Timing | { skipped: string } {
  const r = spawnSync("python3", ["-c", PY_TIME, path, String(n)], {
    encoding: "utf8",
    timeout: 2 * limitS * 1000,
    killSignal: "SIGKILL",
  });
  if (r.signal === "SIGKILL") return { skipped: `killed after ${2 * limitS} s` };
  if (r.status !== 0) fail(`python3 failed on ${path} (status ${r.status}): ${r.stderr || r.error}`);
  const t = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
  return { parseMs: t.parseMs, treeMs: t.treeMs, flatMs: NaN };
}

const rate = (n: number, ms: number) => n / (ms / 1000);
function fmtRate(r: number): string {
  if (!Number.isFinite(r)) return "–";
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)} M/s` : `${(r / 1e3).toFixed(0)} k/s`;
}
const fmtN = (n: number) => n >= 1e6 ? `${n / 1e6}M` : n >= 1e3 ? `${n / 1e3}k` : String(n);

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        sizes: { type: "string", default: "10000,100000,1000000" },
        runtime: { type: "string", default: "both" },
        repeat: { type: "string", default: "3" },
        "no-python": { type: "boolean", default: false },
        "python-limit": { type: "string", default: "60" },
        json: { type: "string" },
        measure: { type: "string" },
        expect: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) fail(`--repeat must be a whole number >= 1, not ${values.repeat}`);
  if (values.measure !== undefined) {
    measure(values.measure, repeat, Number(values.expect));
    return;
  }
  const sizes = values.sizes.split(",").map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) fail(`--sizes must be whole numbers >= 1, not ${values.sizes}`);
  const runtimes = runtimesOption("processing.ts", values.runtime);
  const limitS = Number(values["python-limit"]);
  if (!(limitS > 0)) fail(`--python-limit must be a number of seconds > 0, not ${values["python-limit"]}`);
  let python = !values["no-python"];
  if (python && !pythonAvailable()) {
    console.error("processing.ts: python3 cannot import vmprof; Python is left out");
    python = false;
  }

  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vmprof-js-processing-"));
  const rows: Row[] = [];
  const onSignal = () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.on("SIGINT", onSignal);
  try {
    let pyMsPerSample: number | undefined;
    for (const n of sizes) {
      const path = join(dir, `synthetic-${n}.log`);
      console.error(`writing ${fmtN(n)}-sample log ...`);
      writeSyntheticLog(path, n);
      const bytes = statSync(path).size;
      const row: Row = { samples: n, bytes, bytesPerSample: bytes / n };
      for (const rt of runtimes) {
        console.error(`  ${rt} ...`);
        row[rt] = timeRuntime(rt, path, n, repeat);
      }
      if (python) {
        const predicted = pyMsPerSample === undefined ? 0 : (pyMsPerSample * n) / 1000;
        if (predicted > limitS) {
          row.python = { skipped: `predicted ${predicted.toFixed(0)} s > ${limitS} s` };
        } else {
          console.error(`  python ...`);
          row.python = timePython(path, n, limitS);
          if ("parseMs" in row.python) pyMsPerSample = (row.python.parseMs + row.python.treeMs) / n;
        }
      }
      rmSync(path, { force: true });
      rows.push(row);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // The report.
  const lines: string[] = [];
  const head = [
    "samples",
    "log bytes/sample",
    "profiler",
    "read",
    "tree",
    "flat",
    "read+tree",
    "vs Python (read+tree)",
  ];
  lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
  for (const r of rows) {
    const py = r.python && "parseMs" in r.python ? r.python : undefined;
    const pyTotal = py ? py.parseMs + py.treeMs : NaN;
    for (const rt of runtimes) {
      const t = r[rt]!;
      const ratio = py ? `${(pyTotal / (t.parseMs + t.treeMs)).toFixed(1)}×` : "–";
      lines.push(
        `| ${fmtN(r.samples)} | ${r.bytesPerSample.toFixed(0)} | ${rt} | ${fmtRate(rate(r.samples, t.parseMs))} | ` +
          `${fmtRate(rate(r.samples, t.treeMs))} | ${fmtRate(rate(r.samples, t.flatMs))} | ` +
          `${fmtRate(rate(r.samples, t.parseMs + t.treeMs))} | ${ratio} |`,
      );
    }
    if (python) {
      const p = r.python!;
      lines.push(
        "parseMs" in p
          ? `| ${fmtN(r.samples)} | ${r.bytesPerSample.toFixed(0)} | python vmprof | ${
            fmtRate(rate(r.samples, p.parseMs))
          } | ${fmtRate(rate(r.samples, p.treeMs))} | – | ${fmtRate(rate(r.samples, pyTotal))} | 1.0× |`
          : `| ${fmtN(r.samples)} | ${r.bytesPerSample.toFixed(0)} | python vmprof | skipped (${p.skipped}) | | | | |`,
      );
    }
  }
  console.log(lines.join("\n"));
  // Targets, from the largest size each runtime measured.
  for (const rt of runtimes) {
    const r = rows[rows.length - 1];
    const t = r[rt]!;
    const readRate = rate(r.samples, t.parseMs);
    let vsPy = "Python not measured";
    const withPy = [...rows].reverse().find((x) => x.python && "parseMs" in x.python);
    if (withPy) {
      const p = withPy.python as Timing;
      const q = withPy[rt]!;
      const ratio = (p.parseMs + p.treeMs) / (q.parseMs + q.treeMs);
      vsPy = `${ratio.toFixed(1)}× Python at ${fmtN(withPy.samples)} (target ≥ ${TARGET_RATIO}×: ${
        ratio >= TARGET_RATIO ? "met" : "NOT met"
      })`;
    }
    console.log(
      `\n${rt}: reads ${fmtRate(readRate)} at ${fmtN(r.samples)} (target ≥ ${fmtRate(TARGET_RATE)}: ${
        readRate >= TARGET_RATE ? "met" : "NOT met"
      }); ${vsPy}`,
    );
  }
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify({ runtimes, repeat, functions: FUNCTIONS, rows }, null, 2) + "\n");
  }
}

main();
