// Runs every TS unit test file (tests/unit/*.test.ts, TAP output) on Deno and on Bun.
import t from "tap";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { ownGroups, ROOT, runArgs } from "./helpers.mjs";

t.setTimeout(90_000); // the file takes ~14 s on 2 cores; no unit test file takes more than 3 s
ownGroups(t);

const files = readdirSync(join(ROOT, "tests/unit")).filter((f) => f.endsWith(".test.ts")).sort();
t.ok(files.length > 0, "found unit test files");
for (const runtime of ["deno", "bun"]) {
  for (const f of files) {
    const [cmd, args] = runArgs(runtime, join(ROOT, "tests/unit", f));
    t.spawn(cmd, args, { cwd: ROOT, timeout: 30_000 }, `${runtime}: ${f}`);
  }
}
