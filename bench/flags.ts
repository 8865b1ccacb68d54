// Which runtime setting costs what: runs one workload plain and under each given set of V8 flags (Deno) or JSC environment options (Bun), interleaved, and reports median times.
//
//   node_modules/.bin/deno run -A bench/flags.ts --runtime deno --workload typescript --runs 8 \
//       --set perf=--perf-basic-prof --set ifns=--interpreted-frames-native-stack
//   node_modules/.bin/deno run -A bench/flags.ts --runtime bun --workload terser --set jitdump=BUN_JSC_useJITDump=1
//
// For Deno a set is a comma-separated list of V8 flags (`--v8-flags=`); for Bun, of
// NAME=VALUE environment variables. `DIR` in a set is replaced by a fresh scratch
// directory per run (for perf maps and jitdumps). Each round runs plain and every set once
// in a fixed order; the report gives, per set, the median of paired ratios against the
// round's plain run and the ratio of medians (which an outlier plain run does not move).
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { median, PROJECT_DIR, requireRuntime, type RuntimeName, usageError } from "./common.ts";

const USAGE = `usage: deno run -A bench/flags.ts --runtime deno|bun --set LABEL=SETTINGS [--set ...] [options]
  --workload W   a bench/workloads/ program (default terser)
  --runs N       rounds (default 8)
  --scale X      work per run (default 1)`;

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        runtime: { type: "string", default: "deno" },
        workload: { type: "string", default: "terser" },
        runs: { type: "string", default: "8" },
        scale: { type: "string", default: "1" },
        set: { type: "string", multiple: true, default: [] },
        help: { type: "boolean", short: "h", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    usageError("flags.ts", `${(e as Error).message}\n${USAGE}`);
  }
  if (values.help) return console.log(USAGE);
  if (values.runtime !== "deno" && values.runtime !== "bun") {
    usageError("flags.ts", `--runtime must be deno or bun, got ${values.runtime}`);
  }
  const rt = values.runtime as RuntimeName;
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) usageError("flags.ts", `--runs needs an integer >= 1, got ${values.runs}`);
  const sets = values.set.map((s) => {
    const i = s.indexOf("=");
    if (i <= 0) usageError("flags.ts", `--set needs LABEL=SETTINGS, got ${s}`);
    return { label: s.slice(0, i), items: s.slice(i + 1).split(",").filter(Boolean) };
  });
  if (!sets.length) usageError("flags.ts", `give at least one --set\n${USAGE}`);
  const exe = requireRuntime("flags.ts", rt);
  const program = join(PROJECT_DIR, "bench", "workloads", `${values.workload}.mjs`);
  const times = new Map<string, number[]>([["plain", []], ...sets.map((s) => [s.label, []] as [string, number[]])]);
  for (let round = 0; round <= runs; round++) { // round 0 warms the caches and is not counted
    for (const set of [{ label: "plain", items: [] as string[] }, ...sets]) {
      const dir = mkdtempSync(join(existsSync("/dev/shm") ? "/dev/shm" : tmpdir(), "vmprof-js-flags-"));
      const items = set.items.map((x) => x.replaceAll("DIR", dir));
      const env: Record<string, string | undefined> = { ...process.env };
      let args: string[];
      if (rt === "deno") {
        args = [
          "run",
          "-A",
          ...(items.length ? [`--v8-flags=${items.join(",")}`] : []),
          program,
          "--scale",
          values.scale,
        ];
      } else {
        args = [program, "--scale", values.scale];
        for (const kv of items) env[kv.slice(0, kv.indexOf("="))] = kv.slice(kv.indexOf("=") + 1);
      }
      const r = spawnSync(exe, args, { cwd: PROJECT_DIR, env, encoding: "utf8" });
      rmSync(dir, { recursive: true, force: true });
      if (r.status !== 0) usageError("flags.ts", `${set.label} failed: ${r.stderr.trim().split("\n").pop()}`);
      const workMs = JSON.parse(r.stdout.trim().split("\n").pop()!).workMs as number;
      process.stderr.write(`round ${round} ${set.label.padEnd(12)} ${workMs.toFixed(0)} ms\n`);
      if (round > 0) times.get(set.label)!.push(workMs);
    }
  }
  const plain = times.get("plain")!;
  const sign = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(1)}%`;
  console.log(`| ${rt} ${values.workload}, ${runs} rounds | median ms | median paired | ratio of medians |`);
  console.log("|---|---:|---:|---:|");
  for (const [label, xs] of times) {
    const paired = xs.map((x, i) => 100 * (x / plain[i] - 1));
    console.log(
      `| ${label} | ${median(xs).toFixed(0)} | ${label === "plain" ? "—" : sign(median(paired))} | ${
        label === "plain" ? "—" : sign(100 * (median(xs) / median(plain) - 1))
      } |`,
    );
  }
}

main();
