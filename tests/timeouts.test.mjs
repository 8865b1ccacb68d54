// Tests fail fast: a hung child is killed at its time limit with everything it started (the CLI
// and the program it profiles), a child left running by a test dies when the test ends, and a
// test file that hangs fails at its own timeout and leaves no process behind (tests/helpers.mjs).
import t from "tap";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { cliAsync, DENO, descendants, ROOT, run, start, tempDir, waitForOutput } from "./helpers.mjs";

t.setTimeout(60_000); // the file takes ~11 s on 2 cores

const fixture = join(ROOT, "tests/fixtures/exits.ts"); // "hang": prints "ready", then burns CPU forever

/** Whether `pid` is a live process (a zombie waiting to be reaped is not). */
function alive(pid) {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

/** Live processes left in the process group `pgid` (zombies are dead: a container's init may never reap them). */
function groupLeft(pgid) {
  const left = [];
  for (const name of readdirSync("/proc").filter((n) => /^\d+$/.test(n))) {
    try {
      const [state, , pgrp] = readFileSync(`/proc/${name}/stat`, "utf8").split(") ").at(-1).split(" ");
      if (Number(pgrp) === pgid && state !== "Z") left.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return left;
}

/** Waits up to `ms` for `pids` to be gone (the kernel and init reap a killed grandchild soon, not at once). */
async function gone(pids, ms = 3000) {
  for (const end = Date.now() + ms; pids.some(alive) && Date.now() < end;) await new Promise((r) => setTimeout(r, 50));
  return pids.filter(alive);
}

t.test("a child past its time limit is killed with its process group (the CLI and its program)", async (t) => {
  const log = join(tempDir(), "hang.log");
  const started = Date.now();
  const cli = cliAsync(t, "deno", ["-o", log, fixture, "hang"], { timeout: 5000 });
  await waitForOutput(cli, "stdout", /ready/, 4500);
  const program = descendants(cli.pid);
  t.ok(program.length > 0, `the CLI (${cli.pid}) started the program (${program})`);
  const r = await cli.done;
  const ms = Date.now() - started;
  t.ok(r.timedOut, "killed at its time limit");
  t.equal(r.signal, "SIGKILL", "by SIGKILL");
  t.ok(ms < 5000 + 2000, `done ${ms} ms after the start (limit 5000 ms)`);
  t.same(await gone([cli.pid, ...program]), [], "the CLI and the program are gone");
  t.same(groupLeft(cli.pid), [], "nothing is left in its process group");
});

t.test("a child a test leaves running is killed when the test ends", async (t) => {
  let pid;
  await t.test("starts a child and does not wait for it", async (t) => {
    const child = start(DENO, ["eval", "console.log('up'); setInterval(() => {}, 1000)"], { t, timeout: 60_000 });
    await waitForOutput(child, "stdout", /up/, 20_000);
    pid = child.pid;
    t.ok(alive(pid), "running while the test runs");
  });
  t.same(await gone([pid]), [], "gone once the test has ended");
  t.same(groupLeft(pid), [], "and its process group too");
});

t.test("a test file that hangs fails at its timeout and leaves no process behind", async (t) => {
  const dir = tempDir();
  const pidsFile = join(dir, "pids.json");
  const inner = join(dir, "hang.test.mjs");
  // A test that hangs on a profiled program, with a second child no test owns (only the exit hook
  // can end it); once both run, the file's timeout is set to 2 s, as each test file sets its own.
  writeFileSync(
    inner,
    `
import tap from ${JSON.stringify(import.meta.resolve("tap"))};
import { writeFileSync } from "node:fs";
import { cliAsync, DENO, descendants, start, waitForOutput } from ${
      JSON.stringify(pathToFileURL(join(ROOT, "tests/helpers.mjs")).href)
    };
tap.setTimeout(60_000);
tap.test("hangs", async (t) => {
  const cli = cliAsync(t, "deno", ["-o", ${JSON.stringify(join(dir, "hang.log"))}, ${
      JSON.stringify(fixture)
    }, "hang"], { timeout: 600_000 });
  const other = start(DENO, ["eval", "setInterval(() => {}, 1000)"], { timeout: 600_000 });
  await waitForOutput(cli, "stdout", /ready/, 30_000);
  writeFileSync(${
      JSON.stringify(pidsFile)
    }, JSON.stringify({ at: Date.now(), pids: [...new Set([cli.pid, other.pid, ...descendants()])] }));
  tap.setTimeout(2000);
  await new Promise(() => {});
});
`,
  );
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(TAP|_TAPJS|NODE_OPTIONS)/.test(k)));
  const r = await run(join(ROOT, "node_modules/.bin/tap"), ["--disable-coverage", "--reporter=tap", inner], {
    env,
    timeout: 60_000,
  });
  const ended = Date.now();
  t.not(r.status, 0, "the hung file fails");
  t.match(r.stdout, /timeout/, "for its timeout", { stdout: r.stdout.slice(-3000) });
  const { at, pids } = JSON.parse(readFileSync(pidsFile, "utf8"));
  t.ok(ended - at < 2000 + 6000, `tap ended ${ended - at} ms after the 2 s timeout was set`);
  t.ok(pids.length >= 3, `the CLI, its program and the other child were running (${pids})`);
  t.same(await gone(pids), [], "none of them is left");
});
