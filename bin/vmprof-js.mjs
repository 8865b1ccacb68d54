#!/usr/bin/env bun
// The vmprof-js command of the npm package (bunx vmprof-js, deno run -A npm:vmprof-js): runs
// cli.ts's main() on Deno or Bun; under Node.js it says, in one line, that it needs one of them.
import { existsSync } from "node:fs";
import process from "node:process";

if (!("Deno" in globalThis) && !process.versions.bun) {
  process.stderr.write(
    "vmprof-js: needs Deno or Bun (it samples through their FFI; Node.js is not supported): bunx vmprof-js app.ts, or deno run -A npm:vmprof-js app.ts\n",
  );
  process.exit(1);
}
// The npm package ships cli.js (JavaScript: Deno runs no TypeScript from npm packages); a checkout has cli.ts.
const js = new URL("../cli.js", import.meta.url);
const { main } = await import(existsSync(js) ? js.href : new URL("../cli.ts", import.meta.url).href);
process.exitCode = await main(process.argv.slice(2));
