// A short soak (scripts/soak.ts, `npm run soak -- --runs N` for a long one): profiled runs of the
// soak programs on both runtimes in CPU and wall mode, each as an unprofiled run of it would be,
// and 1,000 enable/disable cycles in one process. No crash, no hang, nothing different.
import t from "tap";
import { join } from "node:path";
import { DENO, ROOT, run } from "../helpers.mjs";

t.setTimeout(180_000); // ~35 s on 2 cores: 12 runs per runtime, one cycles run each

t.test("soak: 12 profiled runs per runtime, both modes, every program", async (t) => {
  const r = await run(DENO, ["run", "-A", join(ROOT, "scripts/soak.ts"), "--runs", "12"], { timeout: 170_000 });
  t.equal(r.status, 0, "the soak passes", { output: r.stdout.slice(-3000) + r.stderr.slice(-2000) });
  const line = r.stdout.trim().split("\n").pop();
  const { soak } = JSON.parse(line);
  for (const runtime of ["deno", "bun"]) {
    const c = soak[runtime];
    t.equal(c.runs, 12, `${runtime}: 12 runs`);
    t.same(
      [c.crashes, c.hangs, c.mismatches, c.badLogs, c.cycleFailures],
      [0, 0, 0, 0, 0],
      `${runtime}: no crash, hang, difference, bad log or failed cycle`,
    );
    t.ok(c.samples > 500, `${runtime}: the logs hold samples (${c.samples})`);
    t.equal(c.cycleRuns, 1, `${runtime}: one run of 1,000 enable/disable cycles`);
  }
});

t.test("soak: bad arguments are refused", async (t) => {
  const r = await run(DENO, ["run", "-A", join(ROOT, "scripts/soak.ts"), "--runs", "0"]);
  t.equal(r.status, 2);
  t.match(r.stderr, /soak: --runs must be a whole number >= 1, got 0/);
});
