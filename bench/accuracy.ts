// Accuracy benchmark: how close vmprof-js and the runtime's own --cpu-prof come to a known heavy/light CPU split, on Deno and Bun.
//
//   node_modules/.bin/deno run -A bench/accuracy.ts [--runs N] [--seconds S] [--runtime deno|bun|both]
//       [--json FILE]
//
// The ground truth is tests/fixtures/split.ts, which times its own calls of heavy() and
// light() (about 3:1) and prints the measured shares as JSON on its last stdout line. Each
// round runs it once under vmprof-js (cli.ts -o LOG) and once under --cpu-prof, per runtime;
// the profile (vmprof log or .cpuprofile, read with readAnyProfile) gives the profiler's
// split from the flat totals of the functions named heavy and light, normalized over the
// two. The error of a run is the total variation distance between the measured and the
// profiled split, TVD = 1/2 sum |p_i - q_i| over {heavy, light}; the report gives the
// median (and the worst) per profiler and runtime. Scratch profiles go to /dev/shm when
// it exists and are removed. A run that fails or whose profile lacks heavy or light is
// reported, and the exit status is 1.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { readAnyProfile } from "../lib/import/any.ts";
import { parseName, Stats } from "../lib/profile/stats.ts";
import { median, PROJECT_DIR, requireRuntime, type RuntimeName, runtimesOption, usageError } from "./common.ts";

const FIXTURE = join(PROJECT_DIR, "tests", "fixtures", "split.ts");
const CLI = join(PROJECT_DIR, "cli.ts");

const USAGE = `usage: deno run -A bench/accuracy.ts [options]
  --runs N         rounds per runtime (default 5); each round runs every profiler once
  --seconds S      how long split.ts works per run (default 2)
  --runtime R      deno, bun or both (default both)
  --json FILE      also write all measurements to FILE
  -h, --help       show this help`;

type ProfilerName = "vmprof-js" | "cpu-prof";
const PROFILERS: ProfilerName[] = ["vmprof-js", "cpu-prof"];

interface Split {
  heavy: number;
  light: number;
}

interface Run {
  runtime: RuntimeName;
  profiler: ProfilerName;
  round: number;
  measured?: Split;
  profiled?: Split;
  /** Samples in heavy, in light, and in the whole profile. */
  counts?: { heavy: number; light: number; all: number };
  tvd?: number;
  error?: string;
  /** Where a profile that went wrong (TVD over 10%) was kept. */
  kept?: string;
}

function fail(msg: string): never {
  return usageError("accuracy.ts", msg);
}
const binary = (rt: RuntimeName): string => requireRuntime("accuracy.ts", rt);

/** The heavy/light split of a profile: flat totals of the functions so named. */
function profiledSplit(path: string): { split: Split; counts: { heavy: number; light: number; all: number } } {
  const stats = new Stats(readAnyProfile(path));
  let heavy = 0, light = 0;
  for (const row of stats.flat()) {
    const name = parseName(row.name).name;
    if (name === "heavy") heavy += row.total;
    else if (name === "light") light += row.total;
  }
  const all = stats.profile.samples.length;
  if (heavy === 0 || light === 0) {
    throw new Error(
      `${path}: no samples in ${heavy === 0 ? "heavy" : "light"} (${all} samples in all; ${topSelf(stats)})`,
    );
  }
  return { split: { heavy: heavy / (heavy + light), light: light / (heavy + light) }, counts: { heavy, light, all } };
}

/** The three functions with the most self samples, for a run that went wrong. */
function topSelf(stats: Stats): string {
  return "most self: " +
    stats.flat().sort((a, b) => b.self - a.self).slice(0, 3).map((r) => `${r.name} ${r.self}`).join(", ");
}

/** Keeps a profile that went wrong in bench/results/ for a look, and says where. */
function keep(path: string, rt: RuntimeName, profiler: ProfilerName, round: number): string {
  const dir = join(PROJECT_DIR, "bench", "results");
  mkdirSync(dir, { recursive: true });
  const to = join(dir, `accuracy-${rt}-${profiler}-${round}-${Date.now()}${extname(path)}`);
  copyFileSync(path, to);
  return to;
}

function tvd(p: Split, q: Split): number {
  return 0.5 * (Math.abs(p.heavy - q.heavy) + Math.abs(p.light - q.light));
}

function runOnce(rt: RuntimeName, profiler: ProfilerName, round: number, seconds: number, dir: string): Run {
  const run: Run = { runtime: rt, profiler, round };
  const scratch = mkdtempSync(join(dir, `${rt}-${profiler}-`));
  let profile: string | undefined;
  try {
    const base = rt === "deno" ? [binary(rt), "run", "-A"] : [binary(rt)];
    const log = join(scratch, "out.log");
    const argv = profiler === "vmprof-js"
      ? [...base, CLI, "-o", log, FIXTURE, String(seconds)]
      : [...base, "--cpu-prof", `--cpu-prof-dir=${scratch}`, FIXTURE, String(seconds)];
    const r = spawnSync(argv[0], argv.slice(1), { encoding: "utf8", maxBuffer: 64 << 20, cwd: PROJECT_DIR });
    if (r.status !== 0) {
      throw new Error(`exit ${r.status ?? r.signal}: ${(r.stderr || String(r.error ?? "")).trim().slice(-500)}`);
    }
    const json = r.stdout.trim().split("\n").reverse().find((l) => l.startsWith("{"));
    if (json === undefined) throw new Error(`split.ts printed no JSON: ${r.stdout.slice(-300)}`);
    const m = JSON.parse(json) as Split;
    run.measured = { heavy: m.heavy, light: m.light };
    let path = log;
    if (profiler === "cpu-prof") {
      const found = readdirSync(scratch).filter((f) => f.endsWith(".cpuprofile"));
      if (found.length !== 1) throw new Error(`--cpu-prof wrote ${found.length} .cpuprofile files in ${scratch}`);
      path = join(scratch, found[0]);
    } else if (!existsSync(log)) {
      throw new Error(`cli.ts wrote no log at ${log}`);
    }
    profile = path;
    const { split, counts } = profiledSplit(path);
    run.profiled = split;
    run.counts = counts;
    run.tvd = tvd(run.measured, split);
    if (run.tvd > 0.1) run.kept = keep(path, rt, profiler, round);
  } catch (e) {
    run.error = (e as Error).message;
    if (profile && existsSync(profile)) run.error += `; profile kept at ${keep(profile, rt, profiler, round)}`;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  return run;
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        runs: { type: "string", default: "5" },
        seconds: { type: "string", default: "2" },
        runtime: { type: "string", default: "both" },
        json: { type: "string" },
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
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a whole number >= 1, not ${values.runs}`);
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) fail(`--seconds must be a number > 0, not ${values.seconds}`);
  const runtimes = runtimesOption("accuracy.ts", values.runtime);
  if (!existsSync(FIXTURE)) fail(`${FIXTURE} not found`);

  const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vmprof-js-accuracy-"));
  process.on("SIGINT", () => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  });
  const all: Run[] = [];
  try {
    for (const rt of runtimes) {
      for (let round = 1; round <= runs; round++) {
        for (const profiler of PROFILERS) {
          const r = runOnce(rt, profiler, round, seconds, dir);
          all.push(r);
          console.error(
            `${rt} ${profiler} round ${round}: ` +
              (r.error !== undefined
                ? `FAILED: ${r.error}`
                : `measured heavy ${pct(r.measured!.heavy)}, profiled ${pct(r.profiled!.heavy)} ` +
                  `(${r.counts!.heavy}+${r.counts!.light} of ${r.counts!.all} samples), TVD ${pct(r.tvd!)}` +
                  (r.kept ? ` (profile kept at ${r.kept})` : "")),
          );
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const head = [
    "runtime",
    "profiler",
    "ok runs",
    "measured heavy (median)",
    "profiled heavy (median)",
    "heavy+light samples (median)",
    "median TVD",
    "max TVD",
  ];
  const lines = [`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`];
  const summary = [];
  for (const rt of runtimes) {
    for (const profiler of PROFILERS) {
      const ok = all.filter((r) => r.runtime === rt && r.profiler === profiler && r.error === undefined);
      const n = all.filter((r) => r.runtime === rt && r.profiler === profiler).length;
      if (ok.length === 0) {
        lines.push(`| ${rt} | ${profiler} | 0/${n} | – | – | – | – | – |`);
        summary.push({ runtime: rt, profiler, ok: 0, runs: n });
        continue;
      }
      const s = {
        runtime: rt,
        profiler,
        ok: ok.length,
        runs: n,
        measuredHeavy: median(ok.map((r) => r.measured!.heavy)),
        profiledHeavy: median(ok.map((r) => r.profiled!.heavy)),
        samples: median(ok.map((r) => r.counts!.heavy + r.counts!.light)),
        medianTvd: median(ok.map((r) => r.tvd!)),
        maxTvd: Math.max(...ok.map((r) => r.tvd!)),
      };
      summary.push(s);
      lines.push(
        `| ${rt} | ${profiler} | ${ok.length}/${n} | ${pct(s.measuredHeavy)} | ${pct(s.profiledHeavy)} | ` +
          `${s.samples} | ${pct(s.medianTvd)} | ${pct(s.maxTvd)} |`,
      );
    }
  }
  console.log(lines.join("\n"));
  if (values.json !== undefined) {
    writeFileSync(values.json, JSON.stringify({ runs, seconds, runtimes, summary, all }, null, 2) + "\n");
  }
  const failed = all.filter((r) => r.error !== undefined);
  if (failed.length > 0) {
    console.error(`accuracy.ts: ${failed.length} run(s) failed`);
    process.exit(1);
  }
}

main();
