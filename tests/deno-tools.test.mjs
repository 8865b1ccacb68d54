// Deno's own tools on the repository, as JSR and CI see it: `deno lint`, `deno fmt --check`,
// `deno check` (mod.ts, cli.ts and everything they import, with deno.json's settings) and
// `deno publish --dry-run` (the JSR package: its files and no slow types in the public API).
import t from "tap";
import { stripVTControlCharacters } from "node:util";
import { DENO, ROOT, run } from "./helpers.mjs";

t.setTimeout(60_000); // ~10 s on 2 cores

const TOOLS = [
  ["lint", ["lint"]],
  ["fmt --check", ["fmt", "--check"]],
  ["check", ["check"]],
  ["publish --dry-run", ["publish", "--dry-run", "--allow-dirty"]],
];

for (const [name, args] of TOOLS) {
  t.test(`deno ${name}`, async (t) => {
    const r = await run(DENO, args, { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, timeout: 45_000 });
    const output = stripVTControlCharacters(r.stdout + r.stderr); // tap's FORCE_COLOR wins over NO_COLOR
    t.equal(r.status, 0, `deno ${name} passes`, { output: output.slice(-4000) });
    if (name.startsWith("publish")) {
      t.match(output, /Success Dry run complete/);
      t.notMatch(output, /^error/m, "no errors (slow types are errors)");
      // lib/agent/bun.ts requires its sibling modules by a computed relative URL, Bun-only and
      // resolvable without an import map: JSR warns that it cannot analyze it, and that is all.
      t.notMatch(output, /^warning\[(?!unanalyzable-dynamic-import\])/m, "no other warnings");
    }
  });
}
