// Every way a program can end leaves a complete, readable log and the program's status.
import t from "tap";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { cli, cliAsync, digest, ROOT, tempDir, waitForOutput } from "../helpers.mjs";

t.setTimeout(30_000); // the file takes ~8 s on 2 cores

const fixture = join(ROOT, "tests/fixtures/exits.ts");
const cases = [
  { how: "return", status: 0 },
  { how: "exit", status: 3 },
  { how: "throw", status: 1 },
];

for (const runtime of ["deno", "bun"]) {
  for (const c of cases) {
    t.test(`${runtime}: program that ends by ${c.how}`, async (t) => {
      const log = join(tempDir(), "exit.log");
      const r = await cli(runtime, ["-o", log, fixture, c.how]);
      t.equal(r.status, c.status, `status ${c.status}`, { stderr: r.stderr });
      t.ok(existsSync(log), "log written");
      const d = await digest(runtime, log);
      t.ok(d.samples >= 150, `samples kept (${d.samples})`);
      t.ok(Object.keys(d.functions).some((n) => n.startsWith("burn ")), "burn() named");
    });
  }

  t.test(`${runtime}: Ctrl-C (SIGINT) stops the program, the log stays`, async (t) => {
    const log = join(tempDir(), "int.log");
    // Killed with its program when the test ends; the fixture prints "ready" within a second.
    const child = cliAsync(t, runtime, ["-o", log, fixture, "hang"]);
    await waitForOutput(child, "stdout", /ready/, 10_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill("SIGINT");
    const { status, stderr: err } = await child.done;
    t.equal(status, 130, "status 128+SIGINT", { stderr: err });
    const d = await digest(runtime, log);
    t.ok(d.samples >= 300, `samples kept (${d.samples})`);
    t.ok(Object.keys(d.functions).some((n) => n.startsWith("burn ")), "burn() named");
  });
}
