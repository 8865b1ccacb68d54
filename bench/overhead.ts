// Overhead benchmark: real CPU-heavy npm programs run plain, with the symbol source only, with the sampler only, under vmprof-js and under the runtime's --cpu-prof, interleaved, on Deno and Bun.
//
//   node_modules/.bin/deno run -A bench/overhead.ts [options]   (--help lists them)
//
// Each round runs every workload under every variant once, in a fixed order, so slow drifts
// of this noisy 2-core machine hit all variants alike; an overhead is the median over rounds
// of (variant / the plain run of the same workload in the same round − 1), with the spread.
// The variants split vmprof-js's cost into its parts:
//   names      the symbol source alone (Deno: V8's perf map flags; Bun: JSC's jitdump), no sampler
//   sampling   the agent and the sampler writing its raw log, no symbol source
//   vmprof     everything, through cli.ts -o (naming after the exit is timed apart: "naming")
//   cpuprof    the runtime's own --cpu-prof at the same interval
//   names-fn   (Deno, on request) --perf-basic-prof-only-functions instead of --perf-basic-prof
// The workloads (bench/workloads/) time their own work (no runtime start-up), their CPU and
// peak RSS, and what CPU the rest of the machine used meanwhile: a run crowded by other
// processes is run again. For vmprof-js and --cpu-prof the profiles are read back: the top
// 10 JS functions by self time of both are compared (agreement = how many of vmprof-js's
// top 10 are in --cpu-prof's). Checks that every run computed the same result and that each
// profiler wrote a profile; a run that fails is reported and run again, and the exit status
// is 1. Targets are reported, never enforced: too noisy for a pass/fail.
import { spawn } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { readLog } from "../lib/format/reader.ts";
import { AGENT_ENV } from "../lib/agent/start.ts";
import { childCommand } from "../lib/runtime.ts";
import { childDenoDir } from "../lib/commands/deno-dir.ts";
import { cacheDir } from "../lib/symbols/cache.ts";
import { agreement, jsSelfCounts, mergeSelf, type SelfEntry, topN } from "./agreement.ts";
import { median, PROJECT_DIR, runtimeBinary, type RuntimeName } from "./common.ts";

const WORKLOAD_DIR = join(PROJECT_DIR, "bench", "workloads");
const CLI = join(PROJECT_DIR, "cli.ts");
const DEFAULT_PERIOD = 0.00099; // the CLI's default
const QUIET_SECONDS = 1; // seconds of a quiet machine before each run (a crowded run is caught after it, too)
const TOP = 10;
/** The names-fn variant: V8's only-functions map instead of the CLI's (lib/runtime.ts DENO_V8_FLAGS). */
const DENO_NAME_FN_FLAGS = [
  "--perf-basic-prof-only-functions",
  "--interpreted-frames-native-stack",
  "--logfile=/dev/null",
];

export const WORKLOADS = ["terser", "typescript", "parser", "markdown", "http", "spin"] as const;
type WorkloadId = typeof WORKLOADS[number];
const CPU_WORKLOADS: WorkloadId[] = ["terser", "typescript", "parser", "markdown"];
const WORKLOAD_LABEL: Record<WorkloadId, string> = {
  terser: "terser (minifier)",
  typescript: "typescript (type checker)",
  parser: "acorn (parser, large input)",
  markdown: "markdown-it (renderer)",
  http: "node:http server under load",
  spin: "fib, allocating nothing (memory part)",
};

export const VARIANTS = ["plain", "names", "names-fn", "sampling", "vmprof", "cpuprof"] as const;
type VariantId = typeof VARIANTS[number];
const DEFAULT_VARIANTS: VariantId[] = ["plain", "names", "sampling", "vmprof", "cpuprof"];

const USAGE = `usage: deno run -A bench/overhead.ts [options]
  --runs N             rounds (default 7); each round runs every workload under every variant once
  --quick              1 round, --scale 0.15, no warm-up, no waiting: a smoke test for CI
  --runtime R          deno, bun or both (default both)
  --workloads LIST     comma-separated, from ${WORKLOADS.join(", ")}
                       (default: the first four; all five with --real-time)
  --variants LIST      comma-separated, from ${VARIANTS.join(", ")}
                       (default ${DEFAULT_VARIANTS.join(",")}; plain is always run)
  --scale X            amount of work per run, passed to the workloads (default 1: ~2.5-4 s)
  --period S           sampling period of vmprof-js (cli.ts -p) and of --cpu-prof
                       (--cpu-prof-interval), seconds (default ${DEFAULT_PERIOD} / 1 ms)
  --real-time          pass --real-time to vmprof-js (wall-clock sampling)
  --max-other-load C   a run is "crowded" if other processes used more than C cores
                       during its work (default 0.1)
  --max-wait S         before each run, wait at most S seconds until the other processes
                       have kept to that load for ${QUIET_SECONDS} s (default 120; 0 with --quick)
  --retries N          at most N crowded runs per runtime are run again (default: 2 per
                       round and workload; 0 with --quick); later crowded runs are kept
  --json FILE          also write every measurement to FILE
  -h, --help           show this help`;

export interface Options {
  runs: number;
  warmup: boolean;
  runtimes: RuntimeName[];
  workloads: WorkloadId[];
  variants: VariantId[];
  scale: number;
  period?: number;
  realTime: boolean;
  maxOtherLoad: number;
  maxWait: number;
  retries: number;
  json?: string;
}

interface Command {
  cmd: string;
  args: string[];
  env: Record<string, string>;
}

interface Run {
  workload: WorkloadId;
  variant: VariantId;
  round: number;
  workMs: number;
  wallMs: number;
  /** CPU of the whole process, and of its main thread, during the work. */
  cpuMs: number;
  mainCpuMs: number | null;
  /** Peak resident set of the process (VmHWM), kB, when the workload reports it. */
  peakRssKb: number | null;
  /** CPU that the rest of the machine used during the work, in cores (null if unknown). */
  otherLoad: number | null;
  checksum: number;
  crowded?: boolean;
  /** Bytes of what the variant wrote on the side: perf map, jitdump, logs, cpuprofile. */
  sideBytes: number;
  /** Profilers: samples in the profile; vmprof-js: the share named and the naming time after exit. */
  samples?: number;
  namedPercent?: number;
  finishMs?: number;
  /** vmprof-js and sampling: the sampler's own cost from the log (META sampler_cost_ns). */
  handlerMs?: number;
  flusherMs?: number;
  /** Profilers: self samples of JS functions (top 40 of this run). */
  functions?: SelfEntry[];
}

interface Cell {
  median: number;
  min: number;
  max: number;
}

export interface WorkloadSummary {
  workload: WorkloadId;
  plainWorkMs: number;
  /** Median paired in-program overhead per variant, %. */
  overhead: Partial<Record<VariantId, Cell>>;
  cpuOverhead: Partial<Record<VariantId, Cell>>;
  wallOverhead: Partial<Record<VariantId, Cell>>;
  peakRssKb: Partial<Record<VariantId, number>>;
  sideBytes: Partial<Record<VariantId, number>>;
  samples?: number;
  cpuprofSamples?: number;
  namedPercent?: number;
  finishMs?: number;
  /** The sampler's own CPU (handler + flusher) as a share of the work time, %. */
  samplerPercent?: number;
  handlerMs?: number;
  flusherMs?: number;
  /** How many of vmprof-js's top 10 JS functions by self time are in --cpu-prof's top 10. */
  top10?: number;
  top10Of?: number;
  topVmprof?: SelfEntry[];
  topCpuprof?: SelfEntry[];
}

export interface RuntimeReport {
  version: string;
  workloads: WorkloadSummary[];
  runs: Run[];
  redone: number;
  crowdedKept: number;
  failures: string[];
  commands: Record<string, string>;
  error?: string;
}

export interface OverheadReport {
  date: string;
  machine: { cpus: number; model?: string; kernel: string; loadavgStart: number[]; loadavgEnd: number[] };
  options: Options;
  runtimes: Partial<Record<RuntimeName, RuntimeReport>>;
}

class BenchError extends Error {}
/** One run went wrong (crash, no result, no profile): a finding; the run is tried again. */
class RunFailed extends BenchError {}
const MAX_FAILURES = 3; // failed runs per runtime before it is given up

function list<T extends string>(name: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(",").map((s) => s.trim()).filter(Boolean);
  for (const item of items) {
    if (!allowed.includes(item as T)) {
      throw new BenchError(`--${name}: unknown ${JSON.stringify(item)} (known: ${allowed.join(", ")})`);
    }
  }
  if (!items.length) throw new BenchError(`--${name} needs at least one of ${allowed.join(", ")}`);
  return [...new Set(items as T[])];
}

export function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string" },
      quick: { type: "boolean", default: false },
      runtime: { type: "string", default: "both" },
      workloads: { type: "string" },
      variants: { type: "string" },
      scale: { type: "string" },
      period: { type: "string" },
      "real-time": { type: "boolean", default: false },
      "max-other-load": { type: "string" },
      "max-wait": { type: "string" },
      retries: { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;
  const int = (name: string, text: string | undefined, fallback: number, min: number): number => {
    if (text === undefined) return fallback;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min) throw new BenchError(`--${name} needs an integer >= ${min}, got ${text}`);
    return n;
  };
  const runtime = values.runtime;
  if (runtime !== "deno" && runtime !== "bun" && runtime !== "both") {
    throw new BenchError(`--runtime must be deno, bun or both, got ${runtime}`);
  }
  let period: number | undefined;
  if (values.period !== undefined) {
    period = Number(values.period);
    if (!(period >= 1e-6 && period <= 1)) {
      throw new BenchError(`--period must be 1e-06 .. 1.0 seconds, got ${values.period}`);
    }
  }
  let scale = values.quick ? 0.15 : 1;
  if (values.scale !== undefined) {
    scale = Number(values.scale);
    if (!(scale > 0)) throw new BenchError(`--scale needs a positive number, got ${values.scale}`);
  }
  const realTime = values["real-time"];
  const workloads = values.workloads
    ? list("workloads", values.workloads, WORKLOADS)
    : realTime
    ? [...WORKLOADS]
    : CPU_WORKLOADS;
  const variants = values.variants ? list("variants", values.variants, VARIANTS) : DEFAULT_VARIANTS;
  const runs = int("runs", values.runs, values.quick ? 1 : 7, 1);
  return {
    runs,
    warmup: !values.quick,
    runtimes: runtime === "both" ? ["deno", "bun"] : [runtime],
    workloads,
    variants: VARIANTS.filter((v) => v === "plain" || variants.includes(v)),
    scale,
    period,
    realTime,
    maxOtherLoad: maxOtherLoad(values["max-other-load"]),
    maxWait: int("max-wait", values["max-wait"], values.quick ? 0 : 120, 0),
    retries: int("retries", values.retries, values.quick ? 0 : 2 * runs * workloads.length, 0),
    json: values.json,
  };
}

function maxOtherLoad(text: string | undefined): number {
  if (text === undefined) return 0.1;
  const c = Number(text);
  if (!(c > 0)) throw new BenchError(`--max-other-load needs a positive number of cores, got ${text}`);
  return c;
}

/** Variants that make sense on a runtime (names-fn is V8's flag). */
function variantsOn(rt: RuntimeName, opts: Options): VariantId[] {
  return opts.variants.filter((v) => v !== "names-fn" || rt === "deno");
}

/**
 * Where a run's symbol files go. Deno's perf map folder is a V8 flag, and V8 rejects its code
 * cache when a flag differs from the run that made it: like the CLI (lib/symbols/symbol-dir.ts),
 * the names variants keep one folder for all their runs, emptied before each, so that what they
 * measure is the logger and not a code cache thrown away by a new path each run.
 */
function sideDir(rt: RuntimeName, variant: VariantId, dir: string): string {
  return rt === "deno" && variant.startsWith("names") ? join(dirname(dir), `deno-${variant}-perf`) : dir;
}

/**
 * A Deno run with V8 flags of its own gets a code cache of its own, as the CLI's child does
 * (lib/commands/deno-dir.ts): in the user's, the variants would throw away each other's
 * compiled code (V8 rejects code compiled under other flags), and each would pay the others'.
 */
function ownCodeCache(c: Command, v8Flags: string[]): Command {
  const denoDir = v8Flags.length ? childDenoDir(process.env, cacheDir(), v8Flags) : undefined;
  return denoDir ? { ...c, env: { ...c.env, DENO_DIR: denoDir } } : c;
}

/** The command line of one run; `dir` is this run's scratch directory. */
function command(rt: RuntimeName, workload: WorkloadId, variant: VariantId, opts: Options, dir: string): Command {
  const program = join(WORKLOAD_DIR, `${workload}.mjs`);
  const args = ["--scale", String(opts.scale)];
  const runtime = { name: rt, execPath: runtimeBinary(rt) };
  const run = rt === "deno" ? [runtimeBinary(rt), "run", "-A"] : [runtimeBinary(rt)];
  const make = (argv: string[], env: Record<string, string> = {}): Command => ({
    cmd: argv[0],
    args: argv.slice(1),
    env,
  });
  const period = opts.period ?? DEFAULT_PERIOD;
  switch (variant) {
    // plain, names and sampling: the CLI's own child command (lib/runtime.ts), without the
    // agent or without the symbol source.
    case "plain":
      return childCommand(runtime, undefined, program, args, undefined, {});
    case "names": {
      const c = childCommand(runtime, undefined, program, args, sideDir(rt, variant, dir), {});
      return ownCodeCache(c, c.v8Flags ?? []);
    }
    case "names-fn": {
      // A research variant (Deno only): V8's other perf map flag, which the CLI does not use.
      const flags = [...DENO_NAME_FN_FLAGS, `--perf-basic-prof-path=${sideDir(rt, variant, dir)}`];
      return ownCodeCache(make([...run, `--v8-flags=${flags.join(",")}`, program, ...args]), flags);
    }
    case "sampling": {
      // The agent as cli.ts preloads it, without the symbol source: sampling and the raw log only.
      const agent = join(PROJECT_DIR, "lib", "agent", `${rt}.ts`);
      const settings = { spool: join(dir, "raw.log"), period: opts.period, realTime: opts.realTime };
      const c = childCommand(runtime, agent, program, args, undefined, {});
      return { ...c, env: { ...c.env, [AGENT_ENV]: JSON.stringify(settings) } };
    }
    case "vmprof": {
      const flags = ["-o", join(dir, "out.log")];
      if (opts.period !== undefined) flags.push("-p", String(opts.period));
      if (opts.realTime) flags.push("--real-time");
      return make([...run, CLI, ...flags, program, ...args]);
    }
    case "cpuprof": {
      const interval = opts.period === undefined
        ? []
        : [`--cpu-prof-interval=${Math.max(1, Math.round(period * 1e6))}`];
      return make([...run, "--cpu-prof", `--cpu-prof-dir=${dir}`, ...interval, program, ...args]);
    }
  }
}

function shellWords(c: Command): string {
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${k === AGENT_ENV ? `'${v}'` : v}`);
  const rel = (s: string) => s.startsWith(PROJECT_DIR + "/") ? s.slice(PROJECT_DIR.length + 1) : s;
  return [...env, rel(c.cmd), ...c.args.map(rel)].join(" ");
}

interface Finished {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function execute(c: Command): Promise<Finished> {
  const env: Record<string, string | undefined> = { ...process.env, ...c.env, NO_COLOR: "1" };
  if (!c.env[AGENT_ENV]) delete env[AGENT_ENV]; // never let an outer profiling session leak into a run
  delete env.DENO_V8_FLAGS;
  if (!c.env.BUN_JSC_useJITDump) {
    delete env.BUN_JSC_useJITDump;
    delete env.BUN_JSC_jitDumpDirectory;
  }
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(c.cmd, c.args, { cwd: PROJECT_DIR, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => stdout += s);
    child.stderr.setEncoding("utf8").on("data", (s: string) => stderr += s);
    child.on("error", (e) => fail(new BenchError(`cannot start ${c.cmd}: ${e.message}`)));
    child.on("close", (code, signal) => done({ code, signal, stdout, stderr, wallMs: performance.now() - started }));
  });
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? dirBytes(path) : statSync(path).size;
  }
  return total;
}

const KEEP_FUNCTIONS = 40;

/** Reads a profile a run wrote back: its samples and its JS functions' self samples. */
function readBack(run: Run, path: string): void {
  const counts = jsSelfCounts(path);
  run.functions = topN(counts.functions, KEEP_FUNCTIONS);
  run.samples ??= counts.total;
}

async function runOnce(
  rt: RuntimeName,
  workload: WorkloadId,
  variant: VariantId,
  round: number,
  attempt: number,
  opts: Options,
  scratch: string,
): Promise<Run> {
  const dir = join(scratch, `${rt}-${workload}-${variant}-${attempt}`);
  mkdirSync(dir, { recursive: true });
  const side = sideDir(rt, variant, dir);
  if (side !== dir) {
    rmSync(side, { recursive: true, force: true });
    mkdirSync(side);
  }
  const c = command(rt, workload, variant, opts, dir);
  const f = await execute(c);
  const what = `${rt} ${workload} ${variant}`;
  try {
    if (f.code !== 0) {
      throw new RunFailed(`${what} failed (${f.signal ?? `status ${f.code}`}): ${shellWords(c)}\n${f.stderr.trim()}`);
    }
    const line = f.stdout.trim().split("\n").pop() ?? "";
    let result: Record<string, unknown>;
    try {
      result = JSON.parse(line);
    } catch {
      throw new RunFailed(`${what}: the workload printed no result line: ${JSON.stringify(line.slice(0, 200))}`);
    }
    if (typeof result.workMs !== "number" || typeof result.cpuMs !== "number" || typeof result.checksum !== "number") {
      throw new RunFailed(`${what}: bad result line ${line}`);
    }
    const num = (x: unknown) => typeof x === "number" ? x : null;
    const run: Run = {
      workload,
      variant,
      round,
      workMs: result.workMs,
      wallMs: f.wallMs,
      cpuMs: result.cpuMs,
      mainCpuMs: num(result.mainCpuMs),
      peakRssKb: num(result.peakRssKb),
      otherLoad: typeof result.otherCpuMs === "number" ? result.otherCpuMs / result.workMs : null,
      checksum: result.checksum,
      sideBytes: dirBytes(side),
    };
    if (variant.startsWith("names") && run.sideBytes === 0) {
      throw new RunFailed(`${what}: no perf map / jitdump in ${side}`);
    }
    if (variant === "cpuprof") {
      const file = readdirSync(dir).find((n) => n.endsWith(".cpuprofile"));
      if (!file) throw new RunFailed(`${what}: --cpu-prof wrote no profile in ${dir}`);
      readBack(run, join(dir, file));
    }
    if (variant === "sampling" || variant === "vmprof") {
      const path = join(dir, variant === "vmprof" ? "out.log" : "raw.log");
      if (!existsSync(path)) throw new RunFailed(`${what}: no log was written:\n${f.stderr.trim()}`);
      const cost = readLog(path).meta.get("sampler_cost_ns")?.split(" ").map(Number);
      if (cost?.length === 2) [run.handlerMs, run.flusherMs] = cost.map((ns) => ns / 1e6);
    }
    if (variant === "vmprof") {
      const m = /vmprof-js: (\d+) samples(?: \(([\d.]+)% named\))?/.exec(f.stderr);
      if (!m) throw new RunFailed(`${what}: the CLI did not report its samples:\n${f.stderr.trim()}`);
      run.samples = Number(m[1]);
      run.namedPercent = m[2] === undefined ? undefined : Number(m[2]);
      const naming = /naming took ([\d.]+) s/.exec(f.stderr);
      if (naming) run.finishMs = Number(naming[1]) * 1000;
      if (!run.samples) throw new RunFailed(`${what}: no samples were written:\n${f.stderr.trim()}`);
      readBack(run, join(dir, "out.log"));
    }
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const pct = (x: number, base: number) => 100 * (x / base - 1);
const cell = (xs: number[]): Cell => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

function summarizeWorkload(workload: WorkloadId, runs: Run[], variants: VariantId[]): WorkloadSummary {
  const mine = runs.filter((r) => r.workload === workload);
  const rounds = [...new Set(mine.map((r) => r.round))];
  const get = (v: VariantId, round: number) => mine.find((r) => r.variant === v && r.round === round);
  const paired = (v: VariantId, field: "workMs" | "cpuMs" | "wallMs") =>
    rounds.flatMap((n) => {
      const a = get(v, n), b = get("plain", n);
      return a && b ? [pct(a[field], b[field])] : [];
    });
  const s: WorkloadSummary = {
    workload,
    plainWorkMs: median(mine.filter((r) => r.variant === "plain").map((r) => r.workMs)),
    overhead: {},
    cpuOverhead: {},
    wallOverhead: {},
    peakRssKb: {},
    sideBytes: {},
  };
  for (const v of variants) {
    const of = mine.filter((r) => r.variant === v);
    if (!of.length) continue;
    const rss = of.map((r) => r.peakRssKb).filter((x): x is number => x !== null);
    if (rss.length) s.peakRssKb[v] = median(rss);
    s.sideBytes[v] = median(of.map((r) => r.sideBytes));
    if (v === "plain") continue;
    const [w, c, wall] = [paired(v, "workMs"), paired(v, "cpuMs"), paired(v, "wallMs")];
    if (w.length) s.overhead[v] = cell(w);
    if (c.length) s.cpuOverhead[v] = cell(c);
    if (wall.length) s.wallOverhead[v] = cell(wall);
  }
  const vm = mine.filter((r) => r.variant === "vmprof");
  const cp = mine.filter((r) => r.variant === "cpuprof");
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  if (vm.length) {
    s.samples = median(vm.map((r) => r.samples ?? 0));
    const named = defined(vm.map((r) => r.namedPercent));
    if (named.length) s.namedPercent = median(named);
    const finish = defined(vm.map((r) => r.finishMs));
    if (finish.length) s.finishMs = median(finish);
    const costed = vm.filter((r) => r.handlerMs !== undefined && r.flusherMs !== undefined);
    if (costed.length) {
      s.handlerMs = median(costed.map((r) => r.handlerMs!));
      s.flusherMs = median(costed.map((r) => r.flusherMs!));
      s.samplerPercent = median(costed.map((r) => (r.handlerMs! + r.flusherMs!) / r.workMs * 100));
    }
  }
  if (cp.length) s.cpuprofSamples = median(cp.map((r) => r.samples ?? 0));
  if (vm.length && cp.length) {
    // Summed over the rounds: one profile of ~3,000 samples ranks close functions by chance.
    const ours = topN(vm.reduce((m, r) => mergeSelf(m, r.functions ?? []), new Map()).values(), TOP);
    const theirs = topN(cp.reduce((m, r) => mergeSelf(m, r.functions ?? []), new Map()).values(), TOP);
    s.topVmprof = ours;
    s.topCpuprof = theirs;
    s.top10 = agreement(ours, theirs);
    s.top10Of = Math.min(ours.length, theirs.length);
  }
  return s;
}

const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}%`;
const spread = (c: Cell | undefined) => c ? `${signed(c.median)} (${signed(c.min)}..${signed(c.max)})` : "—";
const mb = (kb: number | undefined) => kb === undefined ? "?" : `${(kb / 1024).toFixed(0)}`;

const VARIANT_HEAD: Record<VariantId, string> = {
  plain: "plain work ms",
  names: "names only",
  "names-fn": "names only (only-functions)",
  sampling: "sampling only",
  vmprof: "vmprof-js",
  cpuprof: "--cpu-prof",
};

export function describeMode(opts: Options): string {
  const period = opts.period ?? DEFAULT_PERIOD;
  return `${opts.realTime ? "wall-clock (--real-time)" : "CPU-time"} sampling, period ${period} s` +
    (opts.period === undefined
      ? " (default; --cpu-prof 1 ms)"
      : ` (--cpu-prof-interval ${Math.round(period * 1e6)} µs)`);
}

/** How far above plain a whole-command overhead must be to stand out of this machine's noise, %. */
export const NOISE_PERCENT = 3;

/**
 * The user's wait: whole-command wall time, start to exit, of vmprof-js (`cli.ts -o`: CLI
 * start-up, the program, naming, writing the log) and of `--cpu-prof` (the program and
 * writing its profile), against the plain run of the same round.
 */
function wholeCommandTable(r: RuntimeReport, variants: VariantId[]): string[] {
  if (!variants.includes("vmprof") && !variants.includes("cpuprof")) return [];
  const lines = [
    "**The user's wait**: whole command, start to exit (naming and writing the profile included), median of paired ratios (min..max):",
    "",
    "| workload | plain wall ms | vmprof-js | --cpu-prof | vmprof-js ÷ --cpu-prof | naming after exit |",
    "|---|---:|---:|---:|---:|---:|",
  ];
  for (const w of r.workloads) {
    const v = w.wallOverhead.vmprof?.median, c = w.wallOverhead.cpuprof?.median;
    const ratio = v === undefined || c === undefined
      ? "—"
      : c <= NOISE_PERCENT
      ? "(--cpu-prof within noise)"
      : (v / c).toFixed(2);
    const plainWall = median(
      r.runs.filter((x) => x.workload === w.workload && x.variant === "plain").map((x) => x.wallMs),
    );
    lines.push(
      `| ${WORKLOAD_LABEL[w.workload]} | ${plainWall.toFixed(0)} | ${spread(w.wallOverhead.vmprof)} | ${
        spread(w.wallOverhead.cpuprof)
      } | ${ratio} | ` +
        `${w.finishMs === undefined ? "—" : `${(w.finishMs / 1000).toFixed(2)} s`} |`,
    );
  }
  const med = (xs: (number | undefined)[]) => {
    const d = xs.filter((x): x is number => x !== undefined);
    return d.length ? signed(median(d)) : "—";
  };
  lines.push(
    `| **median program** | | **${med(r.workloads.map((w) => w.wallOverhead.vmprof?.median))}** | **${
      med(r.workloads.map((w) => w.wallOverhead.cpuprof?.median))
    }** | | |`,
  );
  return lines;
}

export function runtimeTable(rt: RuntimeName, r: RuntimeReport, opts: Options): string {
  const variants = variantsOn(rt, opts).filter((v) => v !== "plain");
  const rounds = new Set(r.runs.map((x) => x.round)).size;
  const lines = [
    `### ${rt} ${r.version}: ${describeMode(opts)}, ${rounds} round${rounds === 1 ? "" : "s"}, --scale ${opts.scale}`,
    "",
    ...wholeCommandTable(r, variants),
    "",
    "In-program overhead, median of paired ratios (min..max):",
    "",
    `| workload | plain work ms | ${variants.map((v) => VARIANT_HEAD[v]).join(" | ")} | vmprof-js ÷ --cpu-prof |`,
    `|---|---:|${variants.map(() => "---:").join("|")}|---:|`,
  ];
  for (const w of r.workloads) {
    const v = w.overhead.vmprof?.median, c = w.overhead.cpuprof?.median;
    const ratio = v === undefined || c === undefined ? "—" : c <= 0 ? "n/a" : (v / c).toFixed(2);
    lines.push(
      `| ${WORKLOAD_LABEL[w.workload]} | ${w.plainWorkMs.toFixed(0)} | ${
        variants.map((x) => spread(w.overhead[x])).join(" | ")
      } | ${ratio} |`,
    );
  }
  const med = (xs: (number | undefined)[]) => {
    const d = xs.filter((x): x is number => x !== undefined);
    return d.length ? signed(median(d)) : "—";
  };
  lines.push(
    `| **median program** | | ${
      variants.map((x) => `**${med(r.workloads.map((w) => w.overhead[x]?.median))}**`).join(" | ")
    } | |`,
  );
  if (variants.includes("vmprof")) {
    lines.push("");
    lines.push("vmprof-js in detail (medians per run):");
    lines.push("");
    lines.push(
      "| workload | samples (--cpu-prof) | named | sampler's own CPU | naming after exit | process CPU overhead | whole command wall | peak RSS MB plain → vmprof-js (--cpu-prof) | top-10 agreement |",
    );
    lines.push("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (const w of r.workloads) {
      const sampler = w.samplerPercent === undefined
        ? "?"
        : `${w.samplerPercent.toFixed(2)}% (${w.handlerMs!.toFixed(0)} + ${w.flusherMs!.toFixed(0)} ms)`;
      lines.push(
        `| ${w.workload} | ${w.samples ?? "?"} (${w.cpuprofSamples ?? "—"}) | ${
          w.namedPercent?.toFixed(1) ?? "?"
        }% | ${sampler} | ` +
          `${w.finishMs === undefined ? "?" : `${(w.finishMs / 1000).toFixed(2)} s`} | ${
            spread(w.cpuOverhead.vmprof)
          } | ` +
          `${spread(w.wallOverhead.vmprof)} | ${mb(w.peakRssKb.plain)} → ${mb(w.peakRssKb.vmprof)} (${
            mb(w.peakRssKb.cpuprof)
          }) | ` +
          `${w.top10 === undefined ? "—" : `${w.top10}/${w.top10Of}`} |`,
      );
    }
  }
  lines.push("");
  const other = r.runs.map((x) => x.otherLoad).filter((x): x is number => x !== null);
  lines.push(
    (other.length
      ? `Other processes' load during the kept runs: median ${median(other).toFixed(2)}, max ${
        Math.max(...other).toFixed(2)
      } cores; `
      : "") +
      `${r.redone} run${r.redone === 1 ? "" : "s"} done again for load above ${opts.maxOtherLoad} cores` +
      (r.crowdedKept ? `; ${r.crowdedKept} crowded run${r.crowdedKept === 1 ? "" : "s"} kept (out of retries)` : "") +
      ".",
  );
  if (r.failures.length) {
    lines.push("", `FAILED RUNS (each run again): ${r.failures.length}. First:`, "");
    for (const l of r.failures[0].split("\n").slice(0, 8)) lines.push(`    ${l}`);
  }
  lines.push("", "Commands (DIR = a fresh scratch directory per run; WORKLOAD = bench/workloads/<name>.mjs):", "");
  for (const [v, c] of Object.entries(r.commands)) lines.push(`    ${v.padEnd(8)} ${c}`);
  return lines.join("\n");
}

async function version(rt: RuntimeName): Promise<string> {
  const f = await execute({ cmd: runtimeBinary(rt), args: ["--version"], env: {} });
  if (f.code !== 0) throw new BenchError(`${runtimeBinary(rt)} --version failed: ${f.stderr.trim()}`);
  const m = /(\d+\.\d+\.\d+\S*)/.exec(f.stdout);
  return m ? m[1] : f.stdout.trim();
}

function log(line: string): void {
  process.stderr.write(line + "\n");
}

/** Busy CPU ms of the whole machine so far (Linux /proc/stat: user, nice, system, irq, softirq, steal), or null. */
function machineBusyMs(): number | null {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 10;
  } catch {
    return null;
  }
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/**
 * Waits until the machine (this idle process aside) has used at most `maxLoad` cores in each
 * of the last QUIET_SECONDS seconds; gives up after `maxWait` s. Returns the seconds waited.
 */
async function waitForQuiet(maxLoad: number, maxWait: number): Promise<number> {
  const started = performance.now();
  let quiet = 0;
  for (;;) {
    const waited = (performance.now() - started) / 1000;
    if (waited >= maxWait) return waited;
    const b0 = machineBusyMs(), t0 = performance.now();
    await sleep(1000);
    const b1 = machineBusyMs();
    if (b0 === null || b1 === null) return waited;
    quiet = (b1 - b0) / (performance.now() - t0) <= maxLoad ? quiet + 1 : 0;
    if (quiet >= QUIET_SECONDS) return Math.max(0, (performance.now() - started) / 1000 - QUIET_SECONDS);
  }
}

/** Runs the warm-up round (if any) and `opts.runs` counted rounds of every workload and variant on `rt`. */
async function measure(
  rt: RuntimeName,
  opts: Options,
  scratch: string,
): Promise<Omit<RuntimeReport, "version" | "workloads" | "commands">> {
  const kept: Run[] = [];
  const checksums = new Map<WorkloadId, number>();
  let redone = 0, crowdedKept = 0, attempt = 0, waitedTotal = 0;
  const failures: string[] = [];
  const variants = variantsOn(rt, opts);
  for (let round = opts.warmup ? 0 : 1; round <= opts.runs; round++) { // round 0: warm-up, never counted
    for (const workload of opts.workloads) {
      for (const variant of variants) {
        for (;;) {
          if (round > 0) waitedTotal += await waitForQuiet(opts.maxOtherLoad, opts.maxWait);
          let run: Run;
          try {
            run = await runOnce(rt, workload, variant, round, ++attempt, opts, scratch);
          } catch (e) {
            if (!(e instanceof RunFailed)) throw e;
            failures.push(e.message);
            log(
              `${rt} ${workload} ${variant}: RUN FAILED (${failures.length} of at most ${MAX_FAILURES}): ${e.message}`,
            );
            if (failures.length >= MAX_FAILURES) {
              throw new BenchError(`${rt}: ${failures.length} runs failed; giving up on ${rt}`);
            }
            continue;
          }
          const expected = checksums.get(workload) ?? run.checksum;
          checksums.set(workload, expected);
          if (run.checksum !== expected) {
            throw new BenchError(
              `${rt} ${workload} ${variant} computed checksum ${run.checksum}, other runs ${expected}: not deterministic`,
            );
          }
          run.crowded = run.otherLoad !== null && run.otherLoad > opts.maxOtherLoad;
          const again = run.crowded && round > 0 && redone < opts.retries;
          log(
            `${rt} ${round === 0 ? "warm-up" : `round ${round}/${opts.runs}`} ${workload.padEnd(10)} ${
              variant.padEnd(8)
            } ` +
              `work ${run.workMs.toFixed(0).padStart(5)} ms, cpu ${run.cpuMs.toFixed(0).padStart(5)} ms, ` +
              `wall ${run.wallMs.toFixed(0).padStart(5)} ms, others ${
                run.otherLoad === null ? "?" : run.otherLoad.toFixed(2)
              } cores` +
              (run.samples !== undefined ? `, ${run.samples} samples` : "") +
              (run.crowded && round > 0 ? (again ? " (crowded: again)" : " (crowded: kept)") : ""),
          );
          if (round === 0) break;
          if (again) {
            redone++;
            continue;
          }
          if (run.crowded) crowdedKept++;
          kept.push(run);
          break;
        }
      }
    }
  }
  if (waitedTotal >= 1) log(`${rt}: waited ${waitedTotal.toFixed(0)} s in all for other processes to quiet down`);
  return { runs: kept, redone, crowdedKept, failures };
}

/** Runs the benchmark; returns the report and the exit status (1 if a run failed). */
export async function runOverhead(
  opts: Options,
): Promise<{ report: OverheadReport; markdown: string; status: number }> {
  for (const w of opts.workloads) {
    if (!existsSync(join(WORKLOAD_DIR, `${w}.mjs`))) throw new BenchError(`no workload ${w} in ${WORKLOAD_DIR}`);
  }
  // Like the CLI's symbol directory: on tmpfs when there is one.
  const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vmprof-js-bench-"));
  const report: OverheadReport = {
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model,
      kernel: release(),
      loadavgStart: loadavg(),
      loadavgEnd: [],
    },
    options: opts,
    runtimes: {},
  };
  const tables: string[] = [];
  let status = 0;
  try {
    for (const rt of opts.runtimes) {
      let ver = "?";
      try {
        ver = await version(rt);
        const outcome = await measure(rt, opts, scratch);
        const commands: Record<string, string> = {};
        for (const v of variantsOn(rt, opts)) {
          commands[v] = shellWords(command(rt, "terser" as WorkloadId, v, opts, join(scratch, "DIR")))
            .replaceAll(scratch + "/", "").replace(/bench\/workloads\/terser\.mjs/, "WORKLOAD");
        }
        const r: RuntimeReport = {
          version: ver,
          workloads: opts.workloads.map((w) => summarizeWorkload(w, outcome.runs, variantsOn(rt, opts))),
          commands,
          ...outcome,
        };
        report.runtimes[rt] = r;
        tables.push(runtimeTable(rt, r, opts));
        if (outcome.failures.length) status = 1;
      } catch (e) {
        if (!(e instanceof BenchError)) throw e;
        log(`overhead: ${e.message}`);
        tables.push(`### ${rt}: no figures\n\n    ${e.message.split("\n").join("\n    ")}`);
        report.runtimes[rt] = {
          version: ver,
          workloads: [],
          runs: [],
          redone: 0,
          crowdedKept: 0,
          failures: [e.message],
          commands: {},
          error: e.message,
        };
        status = 1;
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  report.machine.loadavgEnd = loadavg();
  const markdown = `## Overhead: ${describeMode(opts)}; ${report.machine.cpus} cores, load average ` +
    `${report.machine.loadavgStart.map((x) => x.toFixed(2)).join(" ")} at start\n\n` +
    `Overhead = median over rounds of (variant / the plain run of the same workload and round − 1). In-program = ` +
    `the workload's own work time; process CPU = its CPU time over all threads meanwhile; whole command wall = ` +
    `runtime start-up included, and for vmprof-js the CLI, naming the frames and writing the log.\n\n` +
    tables.join("\n\n") + "\n";
  return { report, markdown, status };
}

async function main(argv: string[]): Promise<number> {
  let opts: Options | undefined;
  try {
    opts = parseOptions(argv);
  } catch (e) {
    log(`overhead: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!opts) {
    process.stdout.write(USAGE + "\n");
    return 0;
  }
  try {
    const { report, markdown, status } = await runOverhead(opts);
    process.stdout.write(markdown);
    if (opts.json) {
      writeFileSync(opts.json, JSON.stringify(report, null, 2) + "\n");
      log(`overhead: measurements written to ${opts.json}`);
    }
    return status;
  } catch (e) {
    if (!(e instanceof BenchError)) throw e;
    log(`overhead: ${e.message}`);
    return 2;
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
