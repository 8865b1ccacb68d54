// The library API's state machine (what mod.ts exports): enable() starts a session into a spool
// file, disable() stops it and names the frames into the target, readProfile() waits for that.
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { VmprofError } from "./errors.ts";
import { loadNative } from "./ffi/load.ts";
import type { NativeStats } from "./ffi/native.ts";
import { readAnyProfile } from "./import/any.ts";
import { Stats } from "./profile/stats.ts";
import { currentRuntime, missingSymbolSource } from "./runtime.ts";
import { type SamplingOptions, startSession } from "./session.ts";

/** Where the finished log goes: a path, a file descriptor, or an open file with writeSync. */
export type Target = string | URL | number | { writeSync(p: Uint8Array): number };

export interface EnableOptions extends SamplingOptions {
  /**
   * Profile even though JIT code cannot be named in this process (names come out as
   * "(unnamed JIT code)"). Without it, enable() refuses and says which flag is missing.
   */
  allowUnnamed?: boolean;
}

interface Active {
  target: Target;
  spool: string;
  work: string;
}

let active: Active | undefined;
let finishing: Promise<void> = Promise.resolve();

/**
 * Starts profiling this process into `target`. Deno must run with
 * `--v8-flags=--perf-basic-prof,--interpreted-frames-native-stack`, Bun with
 * `BUN_JSC_useJITDump=1 BUN_JSC_jitDumpDirectory=DIR`, for function names (cli.ts does this).
 */
export function enable(target: Target, options: EnableOptions = {}): void {
  if (active) throw new VmprofError("ALREADY_ENABLED", "vmprof is already enabled; call disable() first");
  if (!options.allowUnnamed) {
    const missing = missingSymbolSource(currentRuntime(), process.pid, process.env, existsSync);
    if (missing) throw new VmprofError("NO_SYMBOLS", `${missing}; or pass { allowUnnamed: true }`);
  }
  const native = loadNative();
  const work = mkdtempSync(join(tmpdir(), "vmprof-js-"));
  const spool = join(work, "raw.log");
  try {
    startSession(native, spool, options);
  } catch (e) {
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
  active = { target, spool, work };
}

/**
 * Stops profiling and writes the named log to the target given to enable(). The returned
 * promise settles when the log is complete; readProfile() waits for it too.
 */
export function disable(): Promise<void> {
  const a = active;
  if (!a) throw new VmprofError("NOT_ENABLED", "vmprof is not enabled");
  active = undefined;
  loadNative().disable();
  // One finish at a time, each independent of whether the previous one failed.
  finishing = finishing.catch(() => {}).then(async () => {
    try {
      // The naming code is loaded only now: the profiled program neither pays for loading it
      // nor has its JIT tiering perturbed by it (its module-level code once delayed V8's
      // baseline compile of the program's top level, whose Ignition frame is "<anonymous>").
      const { finishLog } = await import("./symbols/finish.ts");
      const symbolDir = process.env.BUN_JSC_jitDumpDirectory;
      // Bun's functions are placed in their files by code block hash: the entry file is
      // searched (cli.ts also searches every module the program loaded).
      writeTarget(a.target, finishLog(a.spool, { symbolDir, program: process.argv[1] }).bytes);
    } finally {
      rmSync(a.work, { recursive: true, force: true });
    }
  });
  return finishing;
}

export function isEnabled(): boolean {
  return active !== undefined;
}

/** vmprof's counter: stopSampling() pauses (nestable), startSampling() resumes. */
export function stopSampling(): number {
  return loadNative().stopSampling();
}

export function startSampling(): number {
  return loadNative().startSampling();
}

/** Samples the calling thread too (a Web Worker can call this; workers are found by name anyway). */
export function registerThread(): void {
  loadNative().registerThread();
}

/** The sampler's counters: samples, drops, threads, bytes written. */
export function samplerStats(): NativeStats {
  return loadNative().stats();
}

/** Reads a vmprof log (ours, Python vmprof's, gzipped or not) or a .cpuprofile into Stats. */
export async function readProfile(path: string | URL): Promise<Stats> {
  await finishing.catch(() => {}); // a log this process is still finishing
  return new Stats(readAnyProfile(path instanceof URL ? path.pathname : path));
}

function writeTarget(t: Target, bytes: Uint8Array): void {
  if (typeof t === "string" || t instanceof URL) {
    const fd = openSync(t, "w");
    try {
      writeAll((b) => writeSync(fd, b), bytes);
    } finally {
      closeSync(fd);
    }
  } else if (typeof t === "number") {
    writeAll((b) => writeSync(t, b), bytes);
  } else {
    writeAll((b) => t.writeSync(b), bytes);
  }
}

function writeAll(write: (b: Uint8Array) => number, bytes: Uint8Array): void {
  for (let off = 0; off < bytes.length;) off += write(bytes.subarray(off));
}
