// Runtime awareness on both runtimes: JIT tiers over time, the kind split, .ts files and
// lines, --lines on a hot line, cold code in the interpreter, --memory on a growing program.
import t from "tap";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { cli, digest, ROOT, run, runArgs, tempDir } from "../helpers.mjs";

t.setTimeout(60_000); // the file takes ~18 s on 2 cores

async function perSample(runtime, log, fn) {
  const [cmd, argv] = runArgs(runtime, join(ROOT, "tests/samples.ts"), [log, fn]);
  const r = await run(cmd, argv);
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

const warmup = join(ROOT, "tests/fixtures/warmup.ts");
const OPTIMIZED = { deno: ["turbofan", "maglev"], bun: ["dfg", "ftl"] };
const RANK = { ignition: 0, sparkplug: 1, maglev: 2, turbofan: 3, llint: 0, baseline: 1, dfg: 2, ftl: 3 };
const HOT_LINE = readFileSync(warmup, "utf8").split("\n").findIndex((l) => l.includes("the hot line")) + 1;
const WORK_LINE = readFileSync(warmup, "utf8").split("\n").findIndex((l) => l.startsWith("function work")) + 1;

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: a warmed function shows its tier rising; the split adds up`, async (t) => {
    const log = join(tempDir(), "warm.log");
    const r = await cli(runtime, ["-o", log, "-p", "0.0002", "--real-time", warmup, "1"]);
    t.equal(r.status, 0, "profiled", { stderr: r.stderr });
    const { samples, split } = await perSample(runtime, log, "work");
    const tiers = samples.filter((s) => s.tier).map((s) => s.tier);
    t.ok(tiers.length > 500, `work() sampled with tiers (${tiers.length})`);
    const first = tiers.slice(0, 5), last = tiers.slice(-200);
    t.ok(
      RANK[tiers[0]] < RANK[tiers[tiers.length - 1]],
      `first samples in a lower tier than the last (${first} … ${tiers.at(-1)})`,
    );
    t.ok(last.every((x) => OPTIMIZED[runtime].includes(x)), `last samples optimized (${[...new Set(last)]})`);
    t.match(split, /^JIT \d+%/, `split line (${split})`);
    const d = await digest(runtime, log);
    const work = Object.keys(d.functions).find((n) => n.startsWith("work "));
    t.equal(work, `work (${warmup}:${WORK_LINE})`, "the .ts file and the line of the definition");
  });

  t.test(`${runtime}: --lines`, async (t) => {
    const log = join(tempDir(), "lines.log");
    const r = await cli(runtime, ["--lines", "-o", log, warmup, "1"]);
    t.equal(r.status, 0, "profiled", { stderr: r.stderr });
    const show = await cli(runtime, ["show", log, "lines", "--filter", "work"]);
    t.equal(show.status, 0);
    t.match(show.stdout, /lines known for \d+(\.\d)?% of samples/, "states the share with lines");
    const { samples, linesKnown } = await perSample(runtime, log, "work");
    const lines = samples.map((s) => s.line).filter((l) => l > 0);
    if (runtime === "deno") {
      const onHot = lines.filter((l) => l === HOT_LINE).length;
      t.ok(onHot / lines.length > 0.8, `most samples on the hot line ${HOT_LINE} (${onHot}/${lines.length})`);
      t.match(
        show.stdout,
        new RegExp(`\\s${HOT_LINE}\\s+\\d+\\s+\\d+\\.\\d%.*the hot line`),
        "lines view shows the hot line's text",
      );
    } else {
      // JSC's jitdump has no line tables: the log says so rather than guessing.
      t.equal(lines.length, 0, "no invented lines");
      t.match(linesKnown, /^0\//, `lines_known META (${linesKnown})`);
    }
  });

  t.test(`${runtime}: cold code (functions run once, in the interpreter) is named`, async (t) => {
    const log = join(tempDir(), "cold.log");
    const r = await cli(runtime, ["-o", log, join(ROOT, "tests/fixtures/cold.ts")]);
    t.equal(r.status, 0, "profiled", { stderr: r.stderr });
    const d = await digest(runtime, log);
    const self = (pick) => Object.entries(d.functions).filter(([n]) => pick(n)).reduce((a, [, f]) => a + f.self, 0);
    const cold = self((n) => n.startsWith("cold_")), unnamed = self((n) => n === "(interpreter)");
    t.ok(cold / d.samples > 0.08, `cold_* functions hold ${cold} of ${d.samples} samples`);
    // The fixture's functions are garbage once run: a CodeBlock the GC freed before the exit
    // cannot be named (1.1% once in CI, of 365 samples).
    t.ok(unnamed / d.samples < 0.03, `unnamed interpreter frames: ${unnamed} of ${d.samples}`);
    if (runtime === "bun") {
      // Named from the process's memory at exit, not from a heap snapshot (code-block-memory.ts).
      t.equal(d.meta["vmprof_js.interpreter_names"], "memory", "interpreter frames named from memory");
    }
  });

  t.test(`${runtime}: --memory shows RSS rising`, async (t) => {
    const log = join(tempDir(), "mem.log");
    const r = await cli(runtime, ["--memory", "-o", log, join(ROOT, "tests/fixtures/grow.ts"), "1"]);
    t.equal(r.status, 0, "profiled", { stderr: r.stderr });
    const d = await digest(runtime, log);
    const rss = d.rss.filter((x) => x > 0);
    t.ok(rss.length > 500, `rss with every sample (${rss.length})`);
    const head = rss.slice(0, 50).reduce((a, b) => a + b) / 50, tail = rss.slice(-50).reduce((a, b) => a + b) / 50;
    t.ok(tail > head * 1.5, `RSS rises (${Math.round(head / 1024)} MB → ${Math.round(tail / 1024)} MB)`);
    const show = await cli(runtime, ["show", log, "memory"]);
    t.match(show.stdout, /RSS: start .* MB, end .* MB, peak .* MB, growth \+/, "show memory: peak and growth");
  });
}

// GC: a GC-heavy program shows a GC share, compared with the runtime's own account of GC time.
const gcHeavy = join(ROOT, "tests/fixtures/gc-heavy.ts");

/** V8's --trace-gc: pause times plus incremental marking steps, as a share of the run. */
async function denoTraceGcShare() {
  const r = await run(runArgs("deno", gcHeavy, ["2"])[0], ["run", "-A", "--v8-flags=--trace-gc", gcHeavy, "2"]);
  let ms = 0;
  for (const line of r.stdout.split("\n")) {
    const pause = / MB, (?:pooled: [\d.]+ MB, )?([\d.]+) \/ [\d.]+ ms/.exec(line);
    if (pause) ms += Number(pause[1]);
    const steps = /\+ ([\d.]+) ms in \d+ steps/.exec(line);
    if (steps) ms += Number(steps[1]);
  }
  // V8 writes its trace with no regard for the program's lines: find the JSON anywhere.
  const work = Number(/\{"ms":([\d.]+)/.exec(r.stdout)[1]);
  return ms / work;
}

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: a GC-heavy program shows its GC share`, async (t) => {
    const log = join(tempDir(), "gc.log");
    const r = await cli(runtime, ["-o", log, gcHeavy, "2"]);
    t.equal(r.status, 0, "profiled", { stderr: r.stderr });
    const { samples, split } = await perSample(runtime, log, "churn");
    const gc = samples.filter((s) => s.kind === "G").length / samples.length;
    t.ok(gc > 0.05, `GC share ${(gc * 100).toFixed(1)}% (${split})`);
    const show = await cli(runtime, ["show", log, "flat"]);
    t.match(show.stdout, /\(garbage collector\)/, "GC time has a frame of its own");
    if (runtime === "deno") {
      const traced = await denoTraceGcShare();
      t.ok(Math.abs(gc - traced) <= 0.15, `within 15 points of V8's --trace-gc (${(traced * 100).toFixed(1)}%)`);
    }
  });
}
