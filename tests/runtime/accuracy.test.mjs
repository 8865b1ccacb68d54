// Profiles the 3:1 fixture on each runtime in CPU and wall mode: the profile's split must be
// within 5 points of the split the program measured, and >= 95% of samples name JS code.
import t from "tap";
import { join } from "node:path";
import { cli, digest, ROOT, tempDir } from "../helpers.mjs";

t.setTimeout(40_000); // the file takes ~11 s on 2 cores

const fixture = join(ROOT, "tests/fixtures/split.ts");

for (const runtime of ["deno", "bun"]) {
  for (const mode of ["cpu", "wall"]) {
    t.test(`${runtime} ${mode}: 3:1 split`, async (t) => {
      const log = join(tempDir(), "split.log");
      const args = ["-o", log, ...(mode === "wall" ? ["--real-time"] : []), fixture, "2"];
      const r = await cli(runtime, args);
      t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
      const truth = JSON.parse(r.stdout.trim().split("\n").pop());
      const d = await digest(runtime, log);
      t.ok(d.complete, "log has a trailer");
      t.ok(d.samples > 1000, `enough samples (${d.samples})`);
      const heavy = Object.entries(d.functions).find(([n]) => n.startsWith("heavy "))?.[1];
      const light = Object.entries(d.functions).find(([n]) => n.startsWith("light "))?.[1];
      t.ok(heavy && light, "both functions named", { functions: Object.keys(d.functions).slice(0, 20) });
      if (!heavy || !light) return;
      const share = heavy.total / (heavy.total + light.total);
      t.ok(
        Math.abs(share - truth.heavy) <= 0.05,
        `heavy share ${(share * 100).toFixed(1)}% vs measured ${(truth.heavy * 100).toFixed(1)}%`,
      );
      t.ok(d.namedShare >= 0.95, `named share ${(d.namedShare * 100).toFixed(1)}% >= 95%`);
      t.match(
        Object.keys(d.functions).find((n) => n.startsWith("heavy ")),
        /^heavy \(.*split\.ts:\d+\)$/,
        "frame reads function (file:line)",
      );
    });
  }
}
