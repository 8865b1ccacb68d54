// Guest helper for the Ctrl-C check (tests/guest/init.sh), run by Bun: starts the CLI on Deno
// profiling tests/fixtures/exits.ts hang into argv[2], sends SIGINT once the program says
// "ready" and has run a few seconds, and prints one JSON line: how the CLI ended, how long it
// took. (A shell's background job starts with SIGINT ignored, which the CLI's child could
// inherit, so the CLI is started from here, as the host test starts it from node; Bun rather
// than Deno drives it because Deno's child_process reports exit status 130 as "killed by SIGINT".)
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const log = process.argv[2] ?? "/tmp/c.log";
const READY_MS = 60_000, RUN_MS = 3_000, STOP_MS = 30_000;

const started = performance.now();
const child = spawn(join(root, "node_modules/.bin/deno"), [
  "run",
  "-A",
  join(root, "cli.ts"),
  "-o",
  log,
  join(root, "tests/fixtures/exits.ts"),
  "hang",
], {
  cwd: root,
  stdio: ["ignore", "pipe", "pipe"],
});
let out = "", err = "";
child.stdout.on("data", (b) => (out += b));
child.stderr.on("data", (b) => (err += b));
const exited = new Promise<{ code: number | null; signal: string | null }>((done) =>
  child.on("exit", (code, signal) => done({ code, signal }))
);
const within = <T>(p: Promise<T>, ms: number) =>
  Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms))]);

let poll: ReturnType<typeof setInterval> | undefined;
const ready = await within(
  Promise.race([
    new Promise<true>((done) => {
      poll = setInterval(() => out.includes("ready") && done(true), 20);
    }),
    exited.then(() => false), // ended before it was ready (a crash)
  ]),
  READY_MS,
);
clearInterval(poll);
const readyMs = Math.round(performance.now() - started);
const result: Record<string, unknown> = { ok: false, readyMs };
if (!ready) {
  const end = child.exitCode !== null || child.signalCode !== null;
  result.error = end
    ? `ended before it was ready (status ${child.exitCode}, signal ${child.signalCode})`
    : `no "ready" within ${READY_MS} ms`;
} else {
  await within(exited, RUN_MS);
  child.kill("SIGINT");
  const sent = performance.now();
  const end = await within(exited, STOP_MS);
  result.stopMs = Math.round(performance.now() - sent);
  if (!end) {
    result.error = `still running ${STOP_MS} ms after SIGINT`;
  } else {
    result.status = end.code;
    result.signal = end.signal;
    result.ok = end.code === 130;
    if (!result.ok) result.error = "status is not 130 (128+SIGINT)";
  }
}
if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
if (!result.ok) result.stderr = err.trim().split("\n").slice(-3).join(" | ");
console.log(JSON.stringify(result));
process.exit(0);
