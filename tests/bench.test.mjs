// Runs the benchmark suite in its quick mode (bench/run.ts --quick): every part must run on both runtimes and report real measurements, and bad options must be refused.
import t from "tap";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DENO, ROOT, run, tempDir } from "./helpers.mjs";

t.setTimeout(600_000); // the file takes ~210 s on 2 cores (run.ts --quick)

const RUN = join(ROOT, "bench", "run.ts");
const WORKLOADS = ["terser", "typescript", "parser", "markdown"];

t.test("bad options are refused with one line and status 2", async (t) => {
  for (const args of [["--runs", "0"], ["--only", "nonsense"], ["--runtime", "node"]]) {
    const r = await run(DENO, ["run", "-A", RUN, ...args]);
    t.equal(r.status, 2, `${args.join(" ")}: status 2`);
    t.match(r.stderr.split("\n")[0], /^run\.ts: /, `${args.join(" ")}: says what is wrong`);
  }
  const o = await run(DENO, ["run", "-A", join(ROOT, "bench", "overhead.ts"), "--workloads", "nope"]);
  t.equal(o.status, 2, "overhead.ts --workloads nope: status 2");
  t.match(o.stderr, /unknown "nope"/);
});

t.test("bench/run.ts --quick runs every part on both runtimes", async (t) => {
  const out = tempDir();
  t.teardown(() => rmSync(out, { recursive: true, force: true }));
  const r = await run(DENO, ["run", "-A", RUN, "--quick", "--out", out], { timeout: 480_000 });
  t.equal(r.status, 0, "exit status 0", { stderr: r.stderr.slice(-3000) });
  const md = readFileSync(join(out, "bench.md"), "utf8");
  const report = JSON.parse(readFileSync(join(out, "bench.json"), "utf8"));
  t.equal(md, r.stdout, "bench.md is what was printed");
  for (
    const heading of [
      "## Targets",
      "## Overhead: CPU-time",
      "## Sampler alone, in-process",
      "## Overhead: wall-clock",
      "period 0.0001 s",
      "## Profiler memory",
      "## Accuracy",
      "## Processing",
    ]
  ) {
    t.ok(md.includes(heading), `report has ${heading}`);
  }
  for (const rt of ["deno", "bun"]) {
    const cpu = report.overhead.cpu.runtimes[rt];
    t.notOk(cpu.error, `${rt}: CPU part ran`);
    t.same(cpu.workloads.map((w) => w.workload), WORKLOADS, `${rt}: four real programs`);
    for (const w of cpu.workloads) {
      t.ok(w.plainWorkMs > 0, `${rt} ${w.workload}: plain run timed`);
      for (const v of ["names", "sampling", "vmprof", "cpuprof"]) {
        t.ok(Number.isFinite(w.overhead[v]?.median), `${rt} ${w.workload}: ${v} overhead measured`);
      }
      t.ok(w.samples > 0, `${rt} ${w.workload}: vmprof-js took samples`);
      t.ok(w.namedPercent >= 80, `${rt} ${w.workload}: ${w.namedPercent}% of samples named`);
      t.ok(w.peakRssKb.plain > 0 && w.peakRssKb.vmprof > 0, `${rt} ${w.workload}: peak RSS with and without`);
      // Computed from both profilers' profiles; how well they agree is for the full bench (one short run ranks by chance).
      t.ok(
        Number.isInteger(w.top10) && w.top10Of > 0,
        `${rt} ${w.workload}: top-10 agreement computed (${w.top10}/${w.top10Of})`,
      );
    }
    t.ok(
      report.inprocess.filter((r) => r.runtime === rt && !r.error && r.pairs === 2 && r.samplesPerRun > 0).length === 4,
      `${rt}: in-process A/B of the sampler on four programs`,
    );
    const wall = report.overhead.wall.runtimes[rt];
    t.ok(
      wall.workloads.some((w) => w.workload === "http" && w.overhead.vmprof),
      `${rt}: HTTP server measured in wall mode`,
    );
    t.ok(report.overhead.fast.runtimes[rt].workloads.every((w) => w.samples > 0), `${rt}: 0.0001 s period measured`);
    t.ok(report.memory.some((m) => m.runtime === rt && m.vmprofKb > 0), `${rt}: profiler memory measured`);
    // Reported, not required to succeed: a Bun run can still lose a function (see issue 7's note).
    t.ok(
      report.accuracy.all.some((r) => r.runtime === rt && r.profiler === "vmprof-js" && (r.tvd >= 0 || r.error)),
      `${rt}: accuracy measured`,
    );
    t.ok(report.processing.rows.every((row) => row[rt].parseMs > 0), `${rt}: processing measured`);
  }
  t.ok(report.checks.length >= 10, `targets checked (${report.checks.length})`);
});
