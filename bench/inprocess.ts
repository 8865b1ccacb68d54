// In-process A/B benchmark of the sampler: one process times a real workload's work many times, sampling every other time, so that process-to-process noise (JIT decisions, memory layout, the machine) cancels out.
//
//   node_modules/.bin/deno run -A bench/inprocess.ts [--runtime deno|bun|both] [--workloads LIST]
//       [--pairs N] [--scale X] [--period S] [--real-time] [--json FILE]
//
// Between processes, runs of the same program differ by ±10–20% on this machine, which
// hides a cost of 1–2% behind hundreds of runs. Inside one warmed-up process, consecutive
// runs of the work differ by a few percent. So each child process (one per runtime and
// workload) imports the workload (bench/workloads/, which hands its work function over
// instead of timing it once), warms it up, then times it in pairs, in the order
// on-off-off-on (so a slow drift cancels), with the sampler enabled (lib/session.ts, as the
// agent does: timers, signal handler, ring, flusher writing the raw log) for the "on" runs
// and fully disabled (no timer) for the "off" runs. The overhead is the median over pairs
// of (on / off − 1). What this leaves out: naming JIT code (the symbol source's flags are
// process-wide: see overhead.ts's "names only"), and naming after the exit.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadNative } from "../lib/ffi/load.ts";
import { type RuntimeHints, startSession } from "../lib/session.ts";
import { findLlintRange } from "../lib/symbols/bun/llint.ts";
import { median, PROJECT_DIR, runtimeBinary, type RuntimeName, runtimesOption } from "./common.ts";

const WORKLOADS = ["terser", "typescript", "parser", "markdown", "http"];
const COLLECT_WORK = "__vmprofJsBenchCollectWork"; // bench/workloads/measure.mjs
const WARMUP = 3;

const USAGE = `usage: deno run -A bench/inprocess.ts [options]
  --runtime R        deno, bun or both (default both)
  --workloads LIST   comma-separated, from ${WORKLOADS.join(", ")} (default: the first four)
  --pairs N          timed on/off pairs per workload (default 12), after ${WARMUP} warm-up runs
  --scale X          work per run (default 0.3: ~1 s)
  --period S         sampling period, seconds (default the CLI's 0.00099)
  --real-time        wall-clock sampling
  --json FILE        also write every measurement to FILE
  -h, --help         show this help`;

interface ChildResult {
  on: number[];
  off: number[];
  samples: number[];
  handlerMs: number[];
  flusherMs: number[];
}

export interface InprocessRow {
  runtime: RuntimeName;
  workload: string;
  pairs: number;
  offMs: number;
  /** Median of per-pair (on / off − 1), %, and the spread. */
  overhead: number;
  min: number;
  max: number;
  /** Median absolute difference between the two "off" runs of a quad, %: the noise floor. */
  noise: number;
  samplesPerRun: number;
  /** The sampler's own CPU (signal handler + flusher) per "on" run, % of its time. */
  samplerPercent: number;
  error?: string;
}

/** Child mode: time the workload's work in on/off pairs in this process; print one JSON line. */
async function child(
  workload: string,
  pairs: number,
  scale: number,
  period: number | undefined,
  realTime: boolean,
): Promise<void> {
  const native = loadNative();
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-inprocess-"));
  const spool = join(dir, "raw.log");
  const result: ChildResult = { on: [], off: [], samples: [], handlerMs: [], flusherMs: [] };
  // As lib/agent/bun.ts: JSC interpreter frames are recorded by CodeBlock.
  const llint = "Bun" in globalThis ? findLlintRange("self") : undefined;
  const hints: RuntimeHints = llint ? { llint: { lo: llint.start, hi: llint.end, offset: 16 } } : {};
  const time = async (work: () => unknown, sampled: boolean) => {
    if (sampled) startSession(native, spool, { period, realTime }, hints);
    const t0 = performance.now();
    await work();
    const ms = performance.now() - t0;
    if (!sampled) return result.off.push(ms);
    const s = native.stats();
    native.disable();
    result.on.push(ms);
    result.samples.push(s.weight); // timer expirations, overruns included (CPU timers tick at HZ)
    result.handlerMs.push(s.handlerNs / 1e6);
    result.flusherMs.push(s.flusherNs / 1e6);
  };
  let loop: Promise<void> | undefined;
  (globalThis as Record<string, unknown>)[COLLECT_WORK] = (work: () => unknown) => {
    loop = (async () => {
      for (let i = 0; i < WARMUP; i++) await work();
      for (let i = 0; i < pairs; i++) {
        // on-off-off-on over two pairs: a linear drift hits both sides alike.
        const onFirst = i % 2 === 0;
        await time(work, onFirst);
        await time(work, !onFirst);
      }
    })();
    return loop;
  };
  process.argv.splice(2, Infinity, "--scale", String(scale)); // what the workload parses
  try {
    await import(pathToFileURL(join(PROJECT_DIR, "bench", "workloads", `${workload}.mjs`)).href);
    if (!loop) throw new Error(`${workload}.mjs did not hand over its work`);
    await loop;
  } finally {
    if (native.isEnabled()) native.disable();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(JSON.stringify(result) + "\n");
}

function runChild(rt: RuntimeName, args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const script = join(PROJECT_DIR, "bench", "inprocess.ts");
  const argv = rt === "deno" ? ["run", "-A", script, ...args] : [script, ...args];
  return new Promise((done) => {
    const c = spawn(runtimeBinary(rt), argv, { cwd: PROJECT_DIR, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    c.stdout.setEncoding("utf8").on("data", (s: string) => stdout += s);
    c.stderr.setEncoding("utf8").on("data", (s: string) => stderr += s);
    c.on("close", (code) => done({ status: code ?? 1, stdout, stderr }));
  });
}

const signed = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}%`;

export function inprocessTable(rows: InprocessRow[], o: { period?: number; realTime: boolean; scale: number }): string {
  const lines = [
    `## Sampler alone, in-process A/B (${o.realTime ? "wall-clock" : "CPU-time"} sampling, period ${
      o.period ?? 0.00099
    } s, --scale ${o.scale})`,
    "",
    "Each process times the workload's work in pairs, sampling in one run of each pair (order on-off-off-on); " +
    "overhead = median over pairs of (on / off − 1); noise = median difference between two unsampled runs in a row.",
    "",
    "| runtime | workload | pairs | unsampled run ms | sampling overhead (min..max) | noise | samples per run | sampler's own CPU |",
    "|---|---|---:|---:|---:|---:|---:|---:|",
  ];
  for (const r of rows) {
    lines.push(
      r.error
        ? `| ${r.runtime} | ${r.workload} | failed: ${r.error.split("\n")[0]} | | | | | |`
        : `| ${r.runtime} | ${r.workload} | ${r.pairs} | ${r.offMs.toFixed(0)} | ${signed(r.overhead)} (${
          signed(r.min)
        }..${signed(r.max)}) | ` +
          `±${r.noise.toFixed(1)}% | ${r.samplesPerRun.toFixed(0)} | ${r.samplerPercent.toFixed(2)}% |`,
    );
  }
  for (const rt of [...new Set(rows.map((r) => r.runtime))]) {
    const ok = rows.filter((r) => r.runtime === rt && !r.error);
    if (ok.length) lines.push("", `${rt}: median program ${signed(median(ok.map((r) => r.overhead)))}.`);
  }
  return lines.join("\n") + "\n";
}

export async function runInprocess(
  o: { runtimes: RuntimeName[]; workloads: string[]; pairs: number; scale: number; period?: number; realTime: boolean },
): Promise<InprocessRow[]> {
  const rows: InprocessRow[] = [];
  for (const rt of o.runtimes) {
    for (const workload of o.workloads) {
      process.stderr.write(`inprocess: ${rt} ${workload} (${o.pairs} pairs) ...\n`);
      const args = ["--child", workload, "--pairs", String(o.pairs), "--scale", String(o.scale)];
      if (o.period !== undefined) args.push("--period", String(o.period));
      if (o.realTime) args.push("--real-time");
      const r = await runChild(rt, args);
      const base = {
        runtime: rt,
        workload,
        pairs: 0,
        offMs: 0,
        overhead: 0,
        min: 0,
        max: 0,
        noise: 0,
        samplesPerRun: 0,
        samplerPercent: 0,
      };
      let c: ChildResult;
      try {
        if (r.status !== 0) throw new Error(`status ${r.status}: ${r.stderr.trim().split("\n").slice(-3).join(" ")}`);
        c = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
      } catch (e) {
        rows.push({ ...base, error: (e as Error).message });
        continue;
      }
      const ratios = c.on.map((on, i) => 100 * (on / c.off[i] - 1));
      // Two unsampled runs in a row (the middle of each on-off-off-on quad): the noise floor.
      const noise: number[] = [];
      for (let i = 0; i + 1 < c.off.length; i += 2) noise.push(Math.abs(100 * (c.off[i + 1] / c.off[i] - 1)));
      rows.push({
        ...base,
        pairs: ratios.length,
        offMs: median(c.off),
        overhead: median(ratios),
        min: Math.min(...ratios),
        max: Math.max(...ratios),
        noise: noise.length ? median(noise) : NaN,
        samplesPerRun: median(c.samples),
        samplerPercent: median(c.on.map((ms, i) => 100 * (c.handlerMs[i] + c.flusherMs[i]) / ms)),
      });
    }
  }
  return rows;
}

function fail(msg: string): never {
  console.error(`inprocess.ts: ${msg}`);
  process.exit(2);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        child: { type: "string" },
        runtime: { type: "string", default: "both" },
        workloads: { type: "string" },
        pairs: { type: "string", default: "12" },
        scale: { type: "string", default: "0.3" },
        period: { type: "string" },
        "real-time": { type: "boolean", default: false },
        json: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    fail(`${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) return void console.log(USAGE);
  const pairs = Number(values.pairs), scale = Number(values.scale);
  if (!Number.isInteger(pairs) || pairs < 1) fail(`--pairs needs an integer >= 1, got ${values.pairs}`);
  if (!(scale > 0)) fail(`--scale needs a positive number, got ${values.scale}`);
  const period = values.period === undefined ? undefined : Number(values.period);
  if (period !== undefined && !(period >= 1e-6 && period <= 1)) {
    fail(`--period must be 1e-06 .. 1.0 seconds, got ${values.period}`);
  }
  if (values.child) return child(values.child, pairs, scale, period, values["real-time"]);
  const workloads = values.workloads?.split(",").map((s) => s.trim()) ?? WORKLOADS.slice(0, 4);
  for (const w of workloads) {
    if (!WORKLOADS.includes(w)) fail(`--workloads: unknown ${JSON.stringify(w)} (known: ${WORKLOADS.join(", ")})`);
  }
  const runtimes = runtimesOption("inprocess.ts", values.runtime);
  const o = { runtimes, workloads, pairs, scale, period, realTime: values["real-time"] };
  const rows = await runInprocess(o);
  process.stdout.write(inprocessTable(rows, o));
  if (values.json) writeFileSync(values.json, JSON.stringify({ options: o, rows }, null, 2) + "\n");
  if (rows.some((r) => r.error)) process.exitCode = 1;
}

if (import.meta.main) await main();
