// The library API (mod.ts) on both runtimes: enable(path) … disable(), readProfile, the tree
// with vmprof's fuzzy lookup, stop/startSampling; and a clear error when names are impossible.
import t from "tap";
import { join } from "node:path";
import { BUN, DENO, ROOT, run as runChild, tempDir } from "../helpers.mjs";

t.setTimeout(30_000); // the file takes ~4 s on 2 cores

const user = join(ROOT, "tests/fixtures/api-user.ts");
const noflags = join(ROOT, "tests/fixtures/api-noflags.ts");

function run(runtime, file, args, env = {}) {
  const dir = tempDir();
  const cmd = runtime === "deno"
    ? [DENO, [
      "run",
      "-A",
      "--v8-flags=--perf-basic-prof,--interpreted-frames-native-stack,--logfile=/dev/null",
      file,
      ...args,
    ]]
    : [BUN, [file, ...args]];
  return runChild(cmd[0], cmd[1], {
    env: {
      ...process.env,
      ...(runtime === "bun" ? { BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: dir } : {}),
      ...env,
    },
  });
}

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: enable/disable/readProfile as a library`, async (t) => {
    const log = join(tempDir(), "api.log");
    const r = await run(runtime, user, [log]);
    t.equal(r.status, 0, "ran", { stderr: r.stderr });
    const out = JSON.parse(r.stdout.trim().split("\n").pop());
    t.ok(out.samples > 100, `samples (${out.samples})`);
    t.ok(out.fibNode > out.samples * 0.5, `fib carries most samples (${out.fibNode})`);
    t.match(out.fuzzy, /^js:fib:\d+:.*api-user\.ts$/, "tree[...]['fib'] finds fib");
    t.notOk(out.paused, "nothing sampled while stopped");
  });

  t.test(`${runtime}: enable() without the flags for names says which one is missing`, async (t) => {
    const [cmd, args] = runtime === "deno"
      ? [DENO, ["run", "-A", noflags, "/tmp/x.log"]]
      : [BUN, [noflags, "/tmp/x.log"]];
    const env = { ...process.env };
    delete env.BUN_JSC_useJITDump;
    delete env.DENO_V8_FLAGS;
    const r = await runChild(cmd, args, { env });
    const out = JSON.parse(r.stdout.trim());
    t.equal(out.code, "NO_SYMBOLS");
    t.match(out.message, runtime === "deno" ? /--perf-basic-prof/ : /BUN_JSC_useJITDump=1/);
  });
}
