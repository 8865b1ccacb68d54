// The command line: bad options are one-line errors with status 2, a missing program 66
// (tests/runtime/cli-input.test.mjs has the whole table);
// no -o prints a summary; show prints the tree and the flat table; --config and --help.
import t from "tap";
import { join } from "node:path";
import { copyFileSync, lstatSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { cli, digest, ROOT, tempDir } from "../helpers.mjs";

t.setTimeout(30_000); // the file takes ~5 s on 2 cores

const fib = join(ROOT, "examples/fib.ts");

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: bad input gets one clear line and its status`, async (t) => {
    const bad = [
      [["-p", "5", fib], /period must be between 1e-6 and 1\.0 seconds, got 5/, 2],
      [["-p", "abc", fib], /--period expects a number, got "abc"/, 2],
      [["--bogus", fib], /Unknown option '--bogus'/, 2],
      [["nope.ts"], /cannot find the program to profile: nope\.ts/, 66],
      [[], /no program to profile/, 2],
      [["show"], /show: which log\?/, 2],
    ];
    for (const [args, re, status] of bad) {
      const r = await cli(runtime, args);
      t.equal(r.status, status, `${args.join(" ")} → status ${status}`);
      t.match(r.stderr, re, `${args.join(" ")} → message`);
      t.equal(r.stderr.trim().split("\n").length, 1, "one line");
    }
    const r = await cli(runtime, ["show", join(ROOT, "package.json")]);
    t.equal(r.status, 65, "show of a non-log → status 65 (bad data)");
    t.match(r.stderr, /not a vmprof log|not a \.cpuprofile/);
    t.equal(r.stderr.trim().split("\n").length, 1, "one line");
  });

  if (runtime === "deno") {
    t.test("deno: the child compiles into a V8 code cache of its own, not the user's (lib/commands/deno-dir.ts)", async (t) => {
      const dir = tempDir();
      const user = join(dir, "deno-dir"), cache = join(dir, "cache");
      const prog = join(dir, "own-cache-program.ts");
      copyFileSync(fib, prog);
      const env = { ...process.env, DENO_DIR: user, VMPROF_CACHE_DIR: cache };
      const r = await cli(runtime, ["-o", join(dir, "a.log"), prog, "20"], { env });
      t.equal(r.status, 0, "status 0", { stderr: r.stderr });
      const bytes = (d) =>
        ["v8_code_cache_v2", "v8_code_cache_v2-wal"].map((f) => {
          try {
            return readFileSync(join(d, f)).toString("latin1");
          } catch {
            return "";
          }
        }).join("");
      const own = readdirSync(cache).filter((f) => f.startsWith("deno-dir-"));
      t.equal(own.length, 1, "one folder for the child's flags");
      t.ok(bytes(join(cache, own[0])).includes(prog), "the program's code is in the child's code cache");
      t.notOk(bytes(user).includes(prog), "and not in the user's (which the CLI itself uses)");
      t.ok(lstatSync(join(cache, own[0], "gen")).isSymbolicLink(), "the user's transpiled files are shared");
    });
  }

  t.test(`${runtime}: summary, show tree, show flat, config file`, async (t) => {
    const r = await cli(runtime, [fib, "30"]);
    t.equal(r.status, 0, "status 0", { stderr: r.stderr });
    t.match(r.stderr, /vmprof-js: \d+ samples/, "summary header");
    t.match(r.stderr, /fib \(.*fib\.ts:\d+\)/, "fib named in the summary");

    const dir = tempDir();
    const log = join(dir, "fib.log");
    const ini = join(dir, "vmprof.ini");
    writeFileSync(ini, `[vmprof]\noutput = ${join(dir, "from-ini.log")}\nperiod = 0.002\n`);
    const c = await cli(runtime, ["--config", ini, "-o", log, fib, "25"]);
    t.equal(c.status, 0, "status 0 with --config", { stderr: c.stderr });
    t.match(c.stderr, new RegExp(`written to ${log.replace(/[/.]/g, "\\$&")}`), "command line -o wins over the file");
    // Deno: V8's perf map was written in blocks while sampling (zig/perfmap.zig), and flushed:
    // fib is named. Bun writes no perf map.
    const d = await digest(runtime, log);
    t.equal(d.meta.perf_map, runtime === "deno" ? "buffered" : undefined, "perf map stream buffered on Deno only");

    const tree = await cli(runtime, ["show", log]);
    t.equal(tree.status, 0);
    t.match(tree.stdout, /fib/, "tree shows fib");
    const flat = await cli(runtime, ["show", log, "flat"]);
    t.equal(flat.status, 0);
    t.match(flat.stdout, /fib/, "flat shows fib");
    const pruned = await cli(runtime, ["show", log, "--prune-level", "0"]);
    t.ok(pruned.stdout.split("\n").length < tree.stdout.split("\n").length, "--prune-level prunes");

    t.match((await cli(runtime, ["--help"])).stdout, /usage: cli\.ts/);
    t.match((await cli(runtime, ["--version"])).stdout, /^vmprof-js \d+\.\d+\.\d+/);
  });
}
