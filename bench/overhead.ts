// Overhead benchmark: runs one real CPU-bound workload plain, with JIT names only, under vmprof-js and under --cpu-prof, interleaved, on Deno and Bun.
//
//   node_modules/.bin/deno run -A bench/overhead.ts [--runs N] [--quick] [--runtime deno|bun|both]
//       [--period S] [--real-time] [--rounds N] [--max-other-load C] [--max-wait S] [--retries N]
//       [--json FILE]
//
// Each round runs every variant once, in a fixed order (plain, names, vmprof, cpuprof), so
// slow drifts of this noisy 2-core machine hit all variants alike; overheads are the median
// of per-round ratios against that round's plain run. The workload times its own work (no
// runtime start-up) and its CPU time; the whole command's wall time is recorded too.
// Other processes on this shared 2-core machine skew single runs by tens of percent, so
// before each run we wait (at most --max-wait s) until the rest of the machine uses at most
// --max-other-load cores, and the workload reports what they used during its work: a run
// above the limit is run again (at most --retries times per runtime) and kept out of the
// figures. Scratch output (logs, profiles, the names variant's perf map / jitdump) goes to
// /dev/shm when it exists, as the CLI's symbol files do. Checks that every run computed the
// same result and that each profiler wrote a profile; a run that fails (a crash) is reported
// and run again, and the exit status is 1. The overhead target is reported, never enforced:
// too noisy for a pass/fail.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readLog } from "../lib/format/reader.ts";
import { median, PROJECT_DIR, runtimeBinary, type RuntimeName } from "./common.ts";

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const WORKLOAD = join(BENCH_DIR, "workload.mjs");
const CLI = join(PROJECT_DIR, "cli.ts");
const DEFAULT_PERIOD = 0.00099; // the CLI's default, shown in the report
const TARGET_PERCENT = 2;
const QUIET_SECONDS = 3; // seconds of a quiet machine before each run
/** What cli.ts gives Deno to name JIT code (lib/runtime.ts), plus the perf map's directory. */
const DENO_NAME_FLAGS = ["--perf-basic-prof", "--interpreted-frames-native-stack", "--logfile=/dev/null"];

const USAGE = `usage: deno run -A bench/overhead.ts [options]
  --runs N             rounds per runtime (default 7); each round runs every variant once
  --quick              3 rounds and no warm-up round: a smoke test for CI
  --runtime R          deno, bun or both (default both)
  --period S           vmprof-js sampling period, passed to cli.ts -p (default ${DEFAULT_PERIOD})
  --real-time          pass --real-time to cli.ts (wall-clock sampling)
  --rounds N           workload rounds per run (default 1, ~2.5-4 s here)
  --max-other-load C   a run is "crowded" if other processes used more than C cores
                       during its work (default 0.1)
  --max-wait S         before each run, wait at most S seconds until the other processes
                       have kept to that load for ${QUIET_SECONDS} s (default 300; 0 with --quick)
  --retries N          at most N crowded runs per runtime are run again (default: 5 times
                       the number of runs; 0 with --quick); later crowded runs are kept
  --json FILE          also write all measurements to FILE
  -h, --help           show this help`;

type VariantId = "plain" | "names" | "vmprof" | "cpuprof";
const VARIANTS: VariantId[] = ["plain", "names", "vmprof", "cpuprof"];

interface Options {
  runs: number;
  warmup: boolean;
  runtimes: RuntimeName[];
  period?: number;
  realTime: boolean;
  rounds: number;
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
  variant: VariantId;
  round: number;
  workMs: number;
  wallMs: number;
  /** CPU of the whole process, and of its main thread, during the work. */
  cpuMs: number;
  mainCpuMs: number | null;
  /** CPU that the rest of the machine used during the work, in cores (null if unknown). */
  otherLoad: number | null;
  checksum: number;
  /** Whether other processes used more than --max-other-load cores during the work. */
  crowded?: boolean;
  /** Bytes of what the variant wrote on the side: perf map, jitdump, vmprof log, cpuprofile. */
  sideBytes: number;
  /** vmprof-js only: samples and the share of them that were named, from the CLI's last line. */
  samples?: number;
  namedPercent?: number;
  /** vmprof-js only: the sampler's own cost from the log (META sampler_cost_ns): ms in the signal handler, flusher thread CPU ms. */
  handlerMs?: number;
  flusherMs?: number;
}

interface Summary {
  variant: VariantId;
  label: string;
  command: string;
  medianWorkMs: number;
  medianOverhead: number;
  minOverhead: number;
  maxOverhead: number;
  medianCpuMs: number;
  medianCpuOverhead: number;
  medianWallMs: number;
  medianWallOverhead: number;
  medianSideBytes: number;
}

class BenchError extends Error {}
/** One run of a variant went wrong (crash, no result, no profile): a finding, and the run is tried again. */
class RunFailed extends BenchError {}
const MAX_FAILURES = 3; // failed runs per runtime before it is given up

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: {
      runs: { type: "string" },
      quick: { type: "boolean", default: false },
      runtime: { type: "string", default: "both" },
      period: { type: "string" },
      "real-time": { type: "boolean", default: false },
      rounds: { type: "string" },
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
    if (!(period >= 1e-6 && period <= 1)) throw new BenchError(`--period must be 1e-06 .. 1.0 seconds, got ${values.period}`);
  }
  return {
    runs: values.quick ? int("runs", values.runs, 3, 1) : int("runs", values.runs, 7, 1),
    warmup: !values.quick,
    runtimes: runtime === "both" ? ["deno", "bun"] : [runtime],
    period,
    realTime: values["real-time"],
    rounds: int("rounds", values.rounds, 1, 1),
    maxOtherLoad: maxOtherLoad(values["max-other-load"]),
    maxWait: int("max-wait", values["max-wait"], values.quick ? 0 : 300, 0),
    retries: int("retries", values.retries, values.quick ? 0 : 5 * int("runs", values.runs, 7, 1), 0),
    json: values.json,
  };
}

function maxOtherLoad(text: string | undefined): number {
  if (text === undefined) return 0.1;
  const c = Number(text);
  if (!(c > 0)) throw new BenchError(`--max-other-load needs a positive number of cores, got ${text}`);
  return c;
}

const binary = runtimeBinary;

/** The command line of one variant; `dir` is this run's scratch directory. */
function command(rt: RuntimeName, variant: VariantId, opts: Options, dir: string): Command {
  const program = [WORKLOAD, "--rounds", String(opts.rounds)];
  const run = rt === "deno" ? [binary(rt), "run", "-A"] : [binary(rt)];
  const make = (argv: string[], env: Record<string, string> = {}): Command => ({ cmd: argv[0], args: argv.slice(1), env });
  switch (variant) {
    case "plain":
      return make([...run, ...program]);
    case "names":
      return rt === "deno"
        ? make([...run, `--v8-flags=${DENO_NAME_FLAGS.join(",")},--perf-basic-prof-path=${dir}`, ...program])
        : make([...run, ...program], { BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: dir });
    case "vmprof": {
      const flags = ["-o", join(dir, "out.log")];
      if (opts.period !== undefined) flags.push("-p", String(opts.period));
      if (opts.realTime) flags.push("--real-time");
      return make([...run, CLI, ...flags, ...program]);
    }
    case "cpuprof":
      return make([...run, "--cpu-prof", `--cpu-prof-dir=${dir}`, ...program]);
  }
}

function shellWords(c: Command): string {
  const env = Object.entries(c.env).map(([k, v]) => `${k}=${v}`);
  const rel = (s: string) => s.startsWith(PROJECT_DIR + "/") ? s.slice(PROJECT_DIR.length + 1) : s;
  return [...env, rel(c.cmd), ...c.args.map(rel)].join(" ");
}

interface Finished {
  code: number | null;
  signal: string | null;
  pid: number | undefined;
  stdout: string;
  stderr: string;
  wallMs: number;
}

function execute(c: Command): Promise<Finished> {
  const env: Record<string, string | undefined> = { ...process.env, ...c.env, NO_COLOR: "1" };
  delete env.VMPROF_JS_AGENT; // never let an outer profiling session leak into a run
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
    child.on(
      "close",
      (code, signal) => done({ code, signal, pid: child.pid, stdout, stderr, wallMs: performance.now() - started }),
    );
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

async function runOnce(
  rt: RuntimeName,
  variant: VariantId,
  round: number,
  attempt: number,
  opts: Options,
  scratch: string,
): Promise<Run> {
  const dir = join(scratch, `${rt}-${variant}-${attempt}`);
  mkdirSync(dir, { recursive: true });
  const c = command(rt, variant, opts, dir);
  const f = await execute(c);
  try {
    if (f.code !== 0) {
      throw new RunFailed(`${rt} ${variant} failed (${f.signal ?? `status ${f.code}`}): ${shellWords(c)}\n${f.stderr.trim()}`);
    }
    const line = f.stdout.trim().split("\n").pop() ?? "";
    let result: { workMs?: unknown; cpuMs?: unknown; mainCpuMs?: unknown; otherCpuMs?: unknown; checksum?: unknown };
    try {
      result = JSON.parse(line);
    } catch {
      throw new RunFailed(`${rt} ${variant}: the workload printed no result line: ${JSON.stringify(line)}`);
    }
    if (typeof result.workMs !== "number" || typeof result.cpuMs !== "number" || typeof result.checksum !== "number") {
      throw new RunFailed(`${rt} ${variant}: bad result line ${line}`);
    }
    const run: Run = {
      variant,
      round,
      workMs: result.workMs,
      wallMs: f.wallMs,
      cpuMs: result.cpuMs,
      mainCpuMs: typeof result.mainCpuMs === "number" ? result.mainCpuMs : null,
      otherLoad: typeof result.otherCpuMs === "number" ? result.otherCpuMs / result.workMs : null,
      checksum: result.checksum,
      sideBytes: dirBytes(dir),
    };
    if (variant === "names" && run.sideBytes === 0) throw new RunFailed(`${rt} names: no perf map / jitdump in ${dir}`);
    if (variant === "cpuprof" && run.sideBytes === 0) throw new RunFailed(`${rt} --cpu-prof wrote no profile in ${dir}`);
    if (variant === "vmprof") {
      const m = /vmprof-js: (\d+) samples(?: \(([\d.]+)% named\))?/.exec(f.stderr);
      if (!m) throw new RunFailed(`${rt} vmprof: the CLI did not report its samples:\n${f.stderr.trim()}`);
      run.samples = Number(m[1]);
      run.namedPercent = m[2] === undefined ? undefined : Number(m[2]);
      if (!run.samples || run.sideBytes === 0) throw new RunFailed(`${rt} vmprof: no samples were written:\n${f.stderr.trim()}`);
      const cost = readLog(join(dir, "out.log")).meta.get("sampler_cost_ns")?.split(" ").map(Number);
      if (cost?.length === 2) [run.handlerMs, run.flusherMs] = cost.map((ns) => ns / 1e6);
    }
    return run;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}


const pct = (x: number, base: number) => 100 * (x / base - 1);

function summarize(rt: RuntimeName, runs: Run[], opts: Options, scratch: string): Summary[] {
  const rounds = [...new Set(runs.map((r) => r.round))];
  const get = (v: VariantId, round: number) => runs.find((r) => r.variant === v && r.round === round)!;
  return VARIANTS.map((variant) => {
    const mine = runs.filter((r) => r.variant === variant);
    const over = rounds.map((n) => pct(get(variant, n).workMs, get("plain", n).workMs));
    const wallOver = rounds.map((n) => pct(get(variant, n).wallMs, get("plain", n).wallMs));
    const cpuOver = rounds.map((n) => pct(get(variant, n).cpuMs, get("plain", n).cpuMs));
    return {
      variant,
      label: label(rt, variant, opts),
      command: shellWords(command(rt, variant, opts, join(scratch, "DIR"))).replaceAll(scratch + "/", ""),
      medianWorkMs: median(mine.map((r) => r.workMs)),
      medianOverhead: median(over),
      minOverhead: Math.min(...over),
      maxOverhead: Math.max(...over),
      medianCpuMs: median(mine.map((r) => r.cpuMs)),
      medianCpuOverhead: median(cpuOver),
      medianWallMs: median(mine.map((r) => r.wallMs)),
      medianWallOverhead: median(wallOver),
      medianSideBytes: median(mine.map((r) => r.sideBytes)),
    };
  });
}

function label(rt: RuntimeName, variant: VariantId, opts: Options): string {
  switch (variant) {
    case "plain":
      return "plain";
    case "names":
      return rt === "deno" ? "names only (perf map flags)" : "names only (jitdump env)";
    case "vmprof":
      return `vmprof-js (-p ${opts.period ?? DEFAULT_PERIOD}${opts.realTime ? ", --real-time" : ""})`;
    case "cpuprof":
      return "--cpu-prof (1 ms)";
  }
}

const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(1)}%`;
const mb = (n: number) => n === 0 ? "-" : n < 1e6 ? `${(n / 1e3).toFixed(0)} KB` : `${(n / 1e6).toFixed(1)} MB`;

interface Outcome {
  runs: Run[];
  /** Runs done again because other processes crowded them out, and crowded runs kept anyway. */
  redone: number;
  crowdedKept: number;
  /** Runs that failed (and were run again): what went wrong. */
  failures: string[];
}

function table(rt: RuntimeName, version: string, summary: Summary[], o: Outcome, opts: Options): string {
  const runs = o.runs;
  const rounds = new Set(runs.map((r) => r.round)).size;
  const lines = [
    `### ${rt} ${version}: ${rounds} round${
      rounds === 1 ? "" : "s"
    }; workload: terser minifying its own lib/ (${opts.rounds} round${opts.rounds > 1 ? "s" : ""})`,
    "",
    "| variant | median in-program ms | median paired overhead | min..max paired overhead | median process CPU ms | median paired CPU overhead | median wall ms (whole command) | median paired wall overhead | written on the side |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
  ];
  for (const s of summary) {
    const plain = s.variant === "plain";
    const or = (x: string) => plain ? "—" : x;
    lines.push(
      `| ${s.label} | ${s.medianWorkMs.toFixed(0)} | ${or(signed(s.medianOverhead))} | ` +
        `${or(`${signed(s.minOverhead)} .. ${signed(s.maxOverhead)}`)} | ${s.medianCpuMs.toFixed(0)} | ${
          or(signed(s.medianCpuOverhead))
        } | ` +
        `${s.medianWallMs.toFixed(0)} | ${or(signed(s.medianWallOverhead))} | ${mb(s.medianSideBytes)} |`,
    );
  }
  const vm = runs.filter((r) => r.variant === "vmprof");
  const named = vm.map((r) => r.namedPercent).filter((x): x is number => x !== undefined);
  const costed = vm.filter((r) => r.handlerMs !== undefined && r.flusherMs !== undefined);
  const other = runs.map((r) => r.otherLoad).filter((x): x is number => x !== null);
  lines.push("");
  lines.push(
    `vmprof-js: median ${median(vm.map((r) => r.samples ?? 0)).toFixed(0)} samples per run` +
      (named.length ? `, ${median(named).toFixed(1)}% named` : "") + ". " +
      (other.length
        ? `Other processes' load during the kept runs: median ${median(other).toFixed(2)}, max ${
          Math.max(...other).toFixed(2)
        } cores; `
        : "") +
      `${o.redone} run${o.redone === 1 ? "" : "s"} done again for load above ${opts.maxOtherLoad} cores` +
      (o.crowdedKept ? `, ${o.crowdedKept} crowded run${o.crowdedKept === 1 ? "" : "s"} kept (out of retries)` : "") + ".",
  );
  if (costed.length) {
    // Measured inside the sampler, so free of the machine's noise: CPU the sampler itself
    // used (signal handler + flusher thread), against the program's own work time.
    const handler = median(costed.map((r) => r.handlerMs!)), flusher = median(costed.map((r) => r.flusherMs!));
    const share = median(costed.map((r) => (r.handlerMs! + r.flusherMs!) / r.workMs * 100));
    lines.push(
      `Sampler's own CPU (measured inside it, median per run): signal handler ${handler.toFixed(1)} ms, ` +
        `flusher thread ${flusher.toFixed(1)} ms = ${share.toFixed(2)}% of the work time.`,
    );
  }
  const v = summary.find((s) => s.variant === "vmprof")!;
  const c = summary.find((s) => s.variant === "cpuprof")!;
  const n = summary.find((s) => s.variant === "names")!;
  const met = v.medianOverhead <= TARGET_PERCENT;
  lines.push(
    `Target (in-program, median paired): vmprof-js ${signed(v.medianOverhead)} ${met ? "≤" : ">"} ${TARGET_PERCENT}% ` +
      `(${met ? "met" : "NOT met"}); ${v.medianOverhead < c.medianOverhead ? "below" : "NOT below"} --cpu-prof's ` +
      `${signed(c.medianOverhead)}. Naming alone (names only): ${signed(n.medianOverhead)}.` +
      (o.crowdedKept ? ` Unreliable: ${o.crowdedKept} of ${runs.length} runs were crowded by other processes.` : ""),
  );
  if (o.failures.length) {
    lines.push("");
    lines.push(`FAILED RUNS (each run again): ${o.failures.length}. First:`);
    lines.push("");
    for (const l of o.failures[0].split("\n").slice(0, 8)) lines.push(`    ${l}`);
  }
  lines.push("");
  lines.push("Commands (DIR = a fresh scratch directory per run):");
  lines.push("");
  for (const s of summary) lines.push(`    ${s.command}`);
  return lines.join("\n");
}

async function version(rt: RuntimeName): Promise<string> {
  const f = await execute({ cmd: binary(rt), args: ["--version"], env: {} });
  if (f.code !== 0) throw new BenchError(`${binary(rt)} --version failed: ${f.stderr.trim()}`);
  const m = /(\d+\.\d+\.\d+\S*)/.exec(f.stdout);
  return m ? m[1] : f.stdout.trim();
}

function log(line: string): void {
  process.stderr.write(line + "\n");
}

const fmtLoad = (x: number | null) => x === null ? "?" : x.toFixed(2);

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

/** Runs the warm-up round (if any) and `opts.runs` counted rounds of every variant on `rt`. */
async function measure(rt: RuntimeName, opts: Options, scratch: string, expect: { checksum?: number }): Promise<Outcome> {
  const kept: Run[] = [];
  let redone = 0, crowdedKept = 0, attempt = 0, waitedTotal = 0;
  const failures: string[] = [];
  const first = opts.warmup ? 0 : 1; // round 0 is the warm-up, never counted
  for (let round = first; round <= opts.runs; round++) {
    for (const variant of VARIANTS) {
      for (;;) {
        if (round > 0) waitedTotal += await waitForQuiet(opts.maxOtherLoad, opts.maxWait);
        let run: Run;
        try {
          run = await runOnce(rt, variant, round, ++attempt, opts, scratch);
        } catch (e) {
          if (!(e instanceof RunFailed)) throw e;
          failures.push(e.message);
          log(`${rt} ${variant}: RUN FAILED (${failures.length} of at most ${MAX_FAILURES}): ${e.message}`);
          if (failures.length >= MAX_FAILURES) throw new BenchError(`${rt}: ${failures.length} runs failed; giving up on ${rt}`);
          continue;
        }
        expect.checksum ??= run.checksum;
        if (run.checksum !== expect.checksum) {
          throw new BenchError(
            `${rt} ${variant} computed checksum ${run.checksum}, other runs ${expect.checksum}: the workload is not deterministic`,
          );
        }
        const crowded = run.otherLoad !== null && run.otherLoad > opts.maxOtherLoad;
        run.crowded = crowded;
        log(
          `${rt} ${round === 0 ? "warm-up " : `round ${round}/${opts.runs}`} ${variant.padEnd(7)} ` +
            `work ${run.workMs.toFixed(0).padStart(5)} ms, cpu ${run.cpuMs.toFixed(0).padStart(5)} ms, ` +
            `main thread ${run.mainCpuMs === null ? "?" : run.mainCpuMs.toFixed(0).padStart(5)} ms, ` +
            `wall ${run.wallMs.toFixed(0).padStart(5)} ms, others ${fmtLoad(run.otherLoad)} cores` +
            (run.samples !== undefined ? `, ${run.samples} samples` : "") +
            (crowded && round > 0 ? (redone < opts.retries ? " (crowded: again)" : " (crowded: kept)") : ""),
        );
        if (round === 0) break;
        if (crowded && redone < opts.retries) {
          redone++;
          continue;
        }
        if (crowded) crowdedKept++;
        kept.push(run);
        break;
      }
    }
  }
  if (waitedTotal >= 1) log(`${rt}: waited ${waitedTotal.toFixed(0)} s in all for other processes to quiet down`);
  return { runs: kept, redone, crowdedKept, failures };
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
  if (!existsSync(join(PROJECT_DIR, "node_modules", "terser"))) {
    log("overhead: the workload needs terser: run `npm install` first");
    return 2;
  }
  // Like the CLI's symbol directory: on tmpfs when there is one (V8's perf map and JSC's
  // jitdump are written there in the names variant, as the CLI has them written).
  const scratch = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vmprof-js-bench-"));
  const machine = {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    kernel: release(),
    loadavgStart: loadavg(),
    loadavgEnd: [] as number[],
  };
  const report = { date: new Date().toISOString(), machine, options: opts, runtimes: {} as Record<string, unknown> };
  const tables: string[] = [];
  const expect: { checksum?: number } = {};
  let status = 0;
  try {
    for (const rt of opts.runtimes) {
      try {
        const ver = await version(rt);
        const outcome = await measure(rt, opts, scratch, expect);
        const summary = summarize(rt, outcome.runs, opts, scratch);
        tables.push(table(rt, ver, summary, outcome, opts));
        report.runtimes[rt] = { version: ver, summary, ...outcome };
        if (outcome.failures.length) status = 1;
      } catch (e) {
        if (!(e instanceof BenchError)) throw e;
        log(`overhead: ${e.message}`);
        tables.push(`### ${rt}: no figures\n\n    ${e.message.split("\n").join("\n    ")}`);
        report.runtimes[rt] = { error: e.message };
        status = 1;
      }
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  machine.loadavgEnd = loadavg();
  const mode = opts.realTime ? "wall-clock (--real-time)" : "CPU-time";
  process.stdout.write(
    `## vmprof-js overhead: ${mode} sampling, ${machine.cpus} cores, load average ` +
      `${machine.loadavgStart.map((x) => x.toFixed(2)).join(" ")} at start\n\n` +
      `Overhead = median over rounds of (variant / the plain run of the same round − 1). In-program = the ` +
      `workload's own elapsed work time; process CPU = its CPU time over all threads meanwhile; wall = the ` +
      `whole command (runtime start-up, and for vmprof-js the CLI, naming the frames and writing the log).\n\n` +
      tables.join("\n\n") + "\n",
  );
  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify(report, null, 2) + "\n");
    log(`overhead: measurements written to ${opts.json}`);
  }
  return status;
}

process.exitCode = await main(process.argv.slice(2));
