// Web Workers are sampled without any change to the program: samples from 3 threads.
import t from "tap";
import { join } from "node:path";
import { cli, digest, ROOT, tempDir } from "../helpers.mjs";

t.setTimeout(30_000); // the file takes ~4 s on 2 cores

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: workers are sampled`, async (t) => {
    const log = join(tempDir(), "workers.log");
    const r = await cli(runtime, ["-o", log, join(ROOT, "tests/fixtures/workers.ts")]);
    t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
    const d = await digest(runtime, log);
    const busy = Object.entries(d.threads).filter(([, n]) => n >= 100);
    t.ok(busy.length >= 3, `3 busy threads (${JSON.stringify(d.threads)})`);
    const names = Object.entries(d.meta).filter(([k]) => k.startsWith("thread:")).map(([, v]) => v);
    t.ok(names.some((n) => /^(worker-|Worker)/.test(n)), `worker threads are named (${names})`);
    const spin = Object.entries(d.functions).find(([n]) => n.startsWith("workerSpin"));
    t.ok(spin && spin[1].total >= 200, `workerSpin sampled (${spin?.[1].total})`);
  });
}
