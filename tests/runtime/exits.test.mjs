// Every way a program can end leaves a complete, readable log and the program's status.
import t from "tap";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { cli, cliAsync, digest, ROOT, tempDir } from "../helpers.mjs";

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
      const r = cli(runtime, ["-o", log, fixture, c.how]);
      t.equal(r.status, c.status, `status ${c.status}`, { stderr: r.stderr });
      t.ok(existsSync(log), "log written");
      const d = digest(runtime, log);
      t.ok(d.samples >= 150, `samples kept (${d.samples})`);
      t.ok(Object.keys(d.functions).some((n) => n.startsWith("burn ")), "burn() named");
    });
  }

  t.test(`${runtime}: Ctrl-C (SIGINT) stops the program, the log stays`, async (t) => {
    const log = join(tempDir(), "int.log");
    const child = cliAsync(runtime, ["-o", log, fixture, "hang"]);
    let out = "";
    child.stdout.on("data", (b) => (out += b));
    let err = "";
    child.stderr.on("data", (b) => (err += b));
    await new Promise((resolve) => {
      const poll = setInterval(() => {
        if (out.includes("ready")) {
          clearInterval(poll);
          setTimeout(resolve, 500);
        }
      }, 20);
    });
    child.kill("SIGINT");
    const status = await new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    t.equal(status, 130, "status 128+SIGINT", { stderr: err });
    const d = digest(runtime, log);
    t.ok(d.samples >= 300, `samples kept (${d.samples})`);
    t.ok(Object.keys(d.functions).some((n) => n.startsWith("burn ")), "burn() named");
  });
}
