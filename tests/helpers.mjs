// Shared helpers for the tap tests (run by node): paths of the pinned runtimes, running the
// CLI on each runtime, and reading a log back through vmprof-js itself.
import { spawnSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const DENO = join(ROOT, "node_modules/.bin/deno");
export const BUN = join(ROOT, "node_modules/.bin/bun");
export const RUNTIMES = { deno: DENO, bun: BUN };
export const CLI = join(ROOT, "cli.ts");

/** argv that runs a TS file on a runtime. */
export function runArgs(runtime, file, args = []) {
  return runtime === "deno" ? [DENO, ["run", "-A", file, ...args]] : [BUN, [file, ...args]];
}

/** Runs the CLI on `runtime` with `args`; returns { status, stdout, stderr }. */
export function cli(runtime, args, opts = {}) {
  const [cmd, argv] = runArgs(runtime, CLI, args);
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8", timeout: 120_000, ...opts });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI without waiting (for signal tests). */
export function cliAsync(runtime, args) {
  const [cmd, argv] = runArgs(runtime, CLI, args);
  return spawn(cmd, argv, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), "vmprof-js-test-"));
}

/**
 * Reads a log with vmprof-js on `runtime` and returns a JSON digest: samples, threads,
 * per-function self and total counts keyed by display name, named share, meta.
 */
export function digest(runtime, log) {
  const [cmd, argv] = runArgs(runtime, join(ROOT, "tests/digest.ts"), [log]);
  const r = spawnSync(cmd, argv, { cwd: ROOT, encoding: "utf8", timeout: 60_000 });
  if (r.status !== 0) throw new Error(`digest failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
