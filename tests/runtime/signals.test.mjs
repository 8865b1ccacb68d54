// A program killed by any signal (SIGILL and SIGFPE here, not only the usual few) is named in
// the CLI's closing line, exits with 128 + that signal's number, and leaves its log.
import t from "tap";
import { join } from "node:path";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { cli, digest, ROOT, tempDir } from "../helpers.mjs";

t.setTimeout(30_000); // the file takes ~7 s on 2 cores

const fixture = join(ROOT, "tests/fixtures/exits.ts");

for (const runtime of ["deno", "bun"]) {
  for (const signal of ["SIGILL", "SIGFPE"]) {
    t.test(`${runtime}: a program stopped by ${signal}`, async (t) => {
      const log = join(tempDir(), "sig.log");
      const r = await cli(runtime, ["-o", log, fixture, "signal", signal]);
      t.equal(r.status, 128 + constants.signals[signal], `status 128+${signal}`, { stderr: r.stderr });
      t.match(r.stderr, new RegExp(`program stopped by ${signal}\\b`), "the signal is named");
      t.ok(existsSync(log), "log written");
      t.ok((await digest(runtime, log)).samples > 0, "samples kept");
    });
  }
}
