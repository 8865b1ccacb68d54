// Stress for the signal handler and the ring: many enable/disable cycles at 10 kHz with
// allocating workers, unloading the library while it samples, and many profiled runs.
import t from "tap";
import { join } from "node:path";
import { cli, digest, ROOT, run, runArgs, tempDir } from "../helpers.mjs";

t.setTimeout(120_000); // the file takes ~38 s on 2 cores (12 profiled runs x 2 runtimes: ~16 s each)

const fixture = join(ROOT, "tests/fixtures/stress-cycles.ts");

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: 40 enable/disable cycles at 10 kHz under GC pressure on 3 threads`, async (t) => {
    const [cmd, args] = runArgs(runtime, fixture, ["cycles", "40"]);
    const r = await run(cmd, args, { timeout: 30_000 }); // ~1.5 s
    t.equal(r.status, 0, "no crash", { stderr: r.stderr?.slice(-2000) });
    const out = JSON.parse(r.stdout.trim().split("\n").pop());
    t.equal(out.cycles, 40, "every cycle's log complete");
    t.ok(out.samples > 400, `samples (${out.samples})`);
  });

  t.test(`${runtime}: unloading the library while it samples`, async (t) => {
    const [cmd, args] = runArgs(runtime, fixture, ["unload"]);
    const r = await run(cmd, args);
    t.equal(r.status, 0, "no crash", { stderr: r.stderr?.slice(-2000) });
    const out = JSON.parse(r.stdout.trim().split("\n").pop());
    t.ok(out.complete, "the destructor finished the log");
    t.ok(out.samples > 100, `samples kept (${out.samples})`);
  });

  t.test(`${runtime}: 12 profiled runs with workers at 10 kHz wall-clock`, async (t) => {
    const dir = tempDir();
    for (let i = 0; i < 12; i++) {
      const log = join(dir, `run${i}.log`);
      const r = await cli(runtime, ["-o", log, "-p", "0.0001", "--real-time", join(ROOT, "tests/fixtures/workers.ts")]);
      if (r.status !== 0) {
        t.fail(`run ${i}: status ${r.status} ${r.signal ?? ""}`, { stderr: r.stderr?.slice(-2000) });
        continue;
      }
      const d = await digest(runtime, log);
      if (!d.complete || d.samples < 1000) t.fail(`run ${i}: ${d.samples} samples, complete ${d.complete}`);
    }
    t.pass("12 runs");
  });
}
