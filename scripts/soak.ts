// The soak: many profiled runs of programs that exercise what can go wrong (workers, heavy GC,
// deep recursion, async I/O, FFI calls, exceptions), in CPU and wall mode, each compared with
// an unprofiled run of the same program: stdout, stderr (less the profiler's own lines) and exit
// status must be identical, the log readable, and no run may crash or hang. Then enable/disable
// 1,000 times in one process, with sampling paused nested and from workers (cycles.ts).
//
// Usage: deno run -A scripts/soak.ts [--runs N] [--runtimes deno,bun] [--timeout S]
//        npm run soak -- --runs N         (N profiled runs per runtime, default 500)
// Prints a line per failure, progress every 50 runs, and a summary; exits 1 if anything failed.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { readAnyProfile } from "../lib/import/any.ts";
import { isVmprofError } from "../lib/errors.ts";

const ROOT = join(new URL(".", import.meta.url).pathname, "..");
const BIN = { deno: join(ROOT, "node_modules/.bin/deno"), bun: join(ROOT, "node_modules/.bin/bun") };
type Runtime = keyof typeof BIN;

/** The soak's programs (tests/fixtures/soak/), each with what it exercises. */
export const PROGRAMS = [
  { file: "workers.ts", what: "Web Workers" },
  { file: "gc.ts", what: "heavy GC" },
  { file: "recursion.ts", what: "deep recursion" },
  { file: "async-io.ts", what: "async I/O" },
  { file: "ffi.ts", what: "FFI calls" },
  { file: "exceptions.ts", what: "exceptions, an uncaught one at the end" },
];
const MODES = [[], ["--real-time"]] as const;

interface Ran {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  hung: boolean;
  ms: number;
}

/** Runs a command in a process group of its own, killed whole after `timeoutMs`. */
function runIt(cmd: string, args: string[], timeoutMs: number): Promise<Ran> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let stdout = "", stderr = "", hung = false;
    child.stdout.setEncoding("utf8").on("data", (s) => (stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s) => (stderr += s));
    const kill = () => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      hung = true;
      kill();
    }, timeoutMs);
    child.on("close", (status, signal) => {
      clearTimeout(timer);
      kill(); // anything the program left running
      resolve({ status, signal, stdout, stderr, hung, ms: performance.now() - started });
    });
  });
}

const plainArgs = (rt: Runtime, file: string) => (rt === "deno" ? ["run", "-A", file] : [file]);
const cliArgs = (
  rt: Runtime,
  args: string[],
) => (rt === "deno" ? ["run", "-A", join(ROOT, "cli.ts"), ...args] : [join(ROOT, "cli.ts"), ...args]);
/** stderr without the profiler's own lines. */
const programStderr = (s: string) => s.split("\n").filter((l) => !l.startsWith("vmprof-js: ")).join("\n");

export interface SoakCounts {
  runs: number;
  crashes: number;
  hangs: number;
  mismatches: number;
  badLogs: number;
  samples: number;
  cycleRuns: number;
  cycleFailures: number;
  seconds: number;
}

async function soakRuntime(
  rt: Runtime,
  runs: number,
  timeoutMs: number,
  say: (s: string) => void,
): Promise<SoakCounts> {
  const t0 = performance.now();
  const counts: SoakCounts = {
    runs: 0,
    crashes: 0,
    hangs: 0,
    mismatches: 0,
    badLogs: 0,
    samples: 0,
    cycleRuns: 0,
    cycleFailures: 0,
    seconds: 0,
  };
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-soak-"));
  try {
    const refs = new Map<string, Ran>();
    for (const p of PROGRAMS) {
      const file = join(ROOT, "tests/fixtures/soak", p.file);
      const r = await runIt(BIN[rt], plainArgs(rt, file), timeoutMs);
      if (r.hung) throw new Error(`${rt} ${p.file}: the unprofiled run hung`);
      refs.set(p.file, r);
    }
    for (let i = 0; i < runs; i++) {
      const p = PROGRAMS[i % PROGRAMS.length];
      const mode = MODES[Math.floor(i / PROGRAMS.length) % MODES.length];
      const file = join(ROOT, "tests/fixtures/soak", p.file);
      const log = join(dir, `run.log`);
      const r = await runIt(BIN[rt], cliArgs(rt, ["-o", log, ...mode, file]), timeoutMs);
      const ref = refs.get(p.file)!;
      const what = `${rt} run ${i + 1} ${p.file} ${mode.length ? "wall" : "cpu"}`;
      counts.runs++;
      if (r.hung) {
        counts.hangs++;
        say(`HANG ${what}: killed after ${timeoutMs / 1000} s`);
        continue;
      }
      if (r.signal || (r.status !== null && r.status >= 128 && r.status !== ref.status)) {
        counts.crashes++;
        say(`CRASH ${what}: status ${r.status} signal ${r.signal}: ${r.stderr.slice(-500)}`);
        continue;
      }
      if (r.status !== ref.status || r.stdout !== ref.stdout || programStderr(r.stderr) !== programStderr(ref.stderr)) {
        counts.mismatches++;
        say(
          `DIFFERS ${what}: status ${r.status} (plain ${ref.status}); stdout ${
            JSON.stringify(r.stdout.slice(0, 200))
          } (plain ${JSON.stringify(ref.stdout.slice(0, 200))}); stderr ${
            JSON.stringify(programStderr(r.stderr).slice(-300))
          }`,
        );
        continue;
      }
      try {
        const profile = readAnyProfile(log);
        if (!profile.complete) throw new Error("no trailer");
        counts.samples += profile.samples.length;
      } catch (e) {
        counts.badLogs++;
        say(`BAD LOG ${what}: ${isVmprofError(e) ? e.message : (e as Error).message}`);
      }
      if ((i + 1) % 50 === 0) {
        say(
          `${rt}: ${i + 1}/${runs} runs, ${counts.crashes} crashes, ${counts.hangs} hangs, ${
            counts.mismatches + counts.badLogs
          } other failures`,
        );
      }
    }
    // enable/disable 1,000 times in one process, pauses nested and from workers.
    const cycleRuns = Math.max(1, Math.round(runs / 250));
    for (let i = 0; i < cycleRuns; i++) {
      const r = await runIt(
        BIN[rt],
        plainArgs(rt, join(ROOT, "tests/fixtures/soak/cycles.ts")),
        Math.max(timeoutMs, 120_000),
      );
      counts.cycleRuns++;
      let ok = false;
      try {
        const out = JSON.parse(r.stdout.trim().split("\n").pop() ?? "");
        ok = r.status === 0 && out.cycles === 1000 && out.workerPauses.join() === "200,200" &&
          out.depth.join() === "1,2,1,0";
      } catch {
        ok = false;
      }
      if (!ok) {
        counts.cycleFailures++;
        if (r.hung) counts.hangs++;
        say(
          `CYCLES ${rt} run ${i + 1}: status ${r.status}${r.hung ? " (hung)" : ""}: ${r.stdout.slice(-300)} ${
            r.stderr.slice(-500)
          }`,
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  counts.seconds = (performance.now() - t0) / 1000;
  return counts;
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        runs: { type: "string" },
        runtimes: { type: "string" },
        timeout: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (e) {
    console.error(`soak: ${(e as Error).message.split("\n")[0]}`);
    return 2;
  }
  if (values.help) {
    console.log(
      "usage: soak.ts [--runs N (per runtime, default 500)] [--runtimes deno,bun] [--timeout SECONDS (per run, default 60)]",
    );
    return 0;
  }
  const runs = Number(values.runs ?? 500);
  const timeout = Number(values.timeout ?? 60);
  const runtimes = (values.runtimes ?? "deno,bun").split(",") as Runtime[];
  if (!Number.isInteger(runs) || runs < 1) return usage(`--runs must be a whole number >= 1, got ${values.runs}`);
  if (!Number.isFinite(timeout) || timeout <= 0) {
    return usage(`--timeout must be a number of seconds > 0, got ${values.timeout}`);
  }
  const unknown = runtimes.find((r) => !(r in BIN));
  if (unknown) return usage(`unknown runtime "${unknown}" (deno, bun)`);
  const say = (s: string) => console.log(s);
  const all: Record<string, SoakCounts> = {};
  for (const rt of runtimes) all[rt] = await soakRuntime(rt, runs, timeout * 1000, say);
  console.log(
    "\nruntime  runs  crashes  hangs  differ  bad-logs  samples  cycle-runs (1,000 enable/disable each)  failed  seconds",
  );
  for (const [rt, c] of Object.entries(all)) {
    console.log(
      `${rt.padEnd(7)} ${String(c.runs).padStart(5)} ${String(c.crashes).padStart(8)} ${String(c.hangs).padStart(6)} ${
        String(c.mismatches).padStart(7)
      } ${String(c.badLogs).padStart(9)} ${String(c.samples).padStart(8)} ${String(c.cycleRuns).padStart(11)} ${
        String(c.cycleFailures).padStart(41)
      } ${c.seconds.toFixed(0).padStart(8)}`,
    );
  }
  console.log(JSON.stringify({ soak: all }));
  const failed = Object.values(all).some((c) => c.crashes + c.hangs + c.mismatches + c.badLogs + c.cycleFailures > 0);
  return failed ? 1 : 0;
}

function usage(why: string): number {
  console.error(`soak: ${why}`);
  return 2;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
