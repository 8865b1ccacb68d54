// Shared helpers for the tap tests (run by node): paths of the pinned runtimes, running the
// CLI on each runtime, reading a log back through vmprof-js itself, and the one way the tests
// start a child process (run/start below): with a time limit, and never outliving its test.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { onExit } from "signal-exit"; // the exit hook tap itself uses (pinned to tap 21's version)

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DENO = join(ROOT, "node_modules/.bin/deno");
export const BUN = join(ROOT, "node_modules/.bin/bun");
export const RUNTIMES = { deno: DENO, bun: BUN };
export const CLI = join(ROOT, "cli.ts");

/**
 * How long one child may run unless its caller says otherwise. A profiled run, a digest or a
 * `show` takes 0.1-3 s on a 2-core machine; a hung one (a runtime that crashed half-way, a
 * program waiting forever) is killed after this and its test fails with status null.
 */
export const CHILD_TIMEOUT_MS = 20_000;

// Every child started here leads a process group of its own (spawn's `detached`), so that
// killing the group also kills what it started: the program the CLI profiles, a worker, a
// compiler's passes. When this test file's process ends (normally, by tap's timeout
// (SIGALRM), Ctrl-C or SIGTERM), the groups still running are killed, and so is every process
// still descending from this one however it was started (the browser playwright launches).
const live = new Set();
const killGroup = (pid) => {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: nothing of the group is left.
  }
};

/** Pids of the processes descending from `root`, from /proc (Linux). */
export function descendants(root = process.pid) {
  const children = new Map();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${name}/stat`, "utf8");
    } catch {
      continue; // gone meanwhile
    }
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (!children.has(ppid)) children.set(ppid, []);
    children.get(ppid).push(Number(name));
  }
  const out = [];
  for (const todo = [root]; todo.length;) {
    for (const pid of children.get(todo.pop()) ?? []) {
      out.push(pid);
      todo.push(pid);
    }
  }
  return out;
}

onExit(() => {
  for (const pid of live) killGroup(pid);
  for (const pid of descendants()) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/**
 * Starts `cmd args` in its own process group and returns the ChildProcess, with
 * `done`: a promise of { status, signal, stdout, stderr, error, timedOut } (what spawnSync
 * returns, with utf8 text) once the child and its pipes are closed, and
 * `output()`: the text read so far, { stdout, stderr }.
 * The whole group is killed with SIGKILL `timeout` ms after the start, when the child exits
 * (anything it left behind), when the test `t` ends (if given: for children that run in the
 * background of a test) and when this process ends. `stdin` is closed at once, as with
 * spawnSync; `opts` are spawn's (cwd, env, stdio).
 */
export function start(cmd, args, { timeout = CHILD_TIMEOUT_MS, t, ...opts } = {}) {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], ...opts, detached: true });
  const pid = child.pid;
  if (pid !== undefined) live.add(pid);
  child.stdin?.end();
  let stdout = "", stderr = "", timedOut = false, error;
  child.stdout?.setEncoding("utf8").on("data", (s) => (stdout += s));
  child.stderr?.setEncoding("utf8").on("data", (s) => (stderr += s));
  const timer = setTimeout(() => {
    timedOut = true;
    error = new Error(`${cmd} ${args.join(" ")}: still running after ${timeout / 1000} s, killed`);
    process.stderr.write(`tests/helpers.mjs: ${error.message}\n`);
    if (pid !== undefined) killGroup(pid);
  }, timeout);
  let ended = false;
  const end = () => {
    clearTimeout(timer);
    if (pid !== undefined && !ended) {
      killGroup(pid);
      live.delete(pid);
    }
    ended = true; // the group id may be reused once the group is gone: kill it once only
  };
  t?.teardown(end);
  child.on("exit", () => {
    if (pid !== undefined) killGroup(pid); // what the child left running would hold its pipes open
  });
  child.done = new Promise((resolve) => {
    child.on("error", (e) => {
      error ??= e;
      if (pid === undefined) {
        end();
        resolve({ status: null, signal: null, stdout, stderr, error, timedOut });
      }
    });
    child.on("close", (status, signal) => {
      end();
      resolve({ status, signal, stdout, stderr, error, timedOut });
    });
  });
  child.output = () => ({ stdout, stderr });
  return child;
}

/**
 * Puts every child that `t.spawn` starts (a TS unit test file on Deno or Bun) in a process
 * group of its own, killed when the child ends (with anything it left running) and when this
 * process ends: tap's own timeout kills only the child.
 */
export function ownGroups(t) {
  t.on("spawn", (s) => {
    s.on("preprocess", (options) => (options.detached = true));
    s.on("process", (proc) => {
      if (proc.pid === undefined) return;
      const pid = proc.pid;
      live.add(pid);
      proc.on("exit", () => {
        killGroup(pid);
        live.delete(pid);
      });
    });
  });
}

/** Runs `cmd args` to its end (see start); resolves to { status, signal, stdout, stderr, error, timedOut }. */
export function run(cmd, args, opts = {}) {
  return start(cmd, args, opts).done;
}

/**
 * Resolves once `child` (from start) has written text matching `re` on `stream` ("stdout" or
 * "stderr"), with the match; rejects if the child ends first (all it wrote read) or `ms` pass.
 */
export function waitForOutput(child, stream, re, ms) {
  return new Promise((resolve, reject) => {
    const check = () => {
      const m = re.exec(child.output()[stream]);
      if (m) finish(() => resolve(m));
    };
    const finish = (f) => {
      clearTimeout(timer);
      child[stream].off("data", check);
      child.off("close", exited);
      f();
    };
    const exited = (code, signal) =>
      finish(() =>
        reject(new Error(`exited (${code ?? signal}) before printing ${re}: ${child.output().stderr.slice(-2000)}`))
      );
    const timer = setTimeout(
      () =>
        finish(() =>
          reject(new Error(`no ${re} on ${stream} after ${ms / 1000} s: ${child.output().stderr.slice(-2000)}`))
        ),
      ms,
    );
    child[stream].on("data", check);
    child.on("close", exited);
    check();
  });
}

/** argv that runs a TS file on a runtime. */
export function runArgs(runtime, file, args = []) {
  return runtime === "deno" ? [DENO, ["run", "-A", file, ...args]] : [BUN, [file, ...args]];
}

/** Runs the CLI on `runtime` with `args`; resolves to { status, signal, stdout, stderr }. */
export async function cli(runtime, args, opts = {}) {
  const [cmd, argv] = runArgs(runtime, CLI, args);
  const r = await run(cmd, argv, opts);
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI without waiting (for signal tests); it is killed when the test `t` ends. */
export function cliAsync(t, runtime, args, opts = {}) {
  const [cmd, argv] = runArgs(runtime, CLI, args);
  return start(cmd, argv, { t, ...opts });
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), "vmprof-js-test-"));
}

/**
 * Reads a log with vmprof-js on `runtime` and resolves to a JSON digest: samples, threads,
 * per-function self and total counts keyed by display name, named share, meta.
 */
export async function digest(runtime, log) {
  const [cmd, argv] = runArgs(runtime, join(ROOT, "tests/digest.ts"), [log]);
  const r = await run(cmd, argv);
  if (r.status !== 0) throw new Error(`digest failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
