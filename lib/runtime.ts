// Describes the two runtimes as data: which one this is, how to start a program under it so
// that its JIT code can be named, which threads run JavaScript, where the names end up.
import process from "node:process";

export type RuntimeName = "deno" | "bun";

export interface RuntimeInfo {
  name: RuntimeName;
  version: string;
  /** The runtime binary we run on (a child is started with the same one). */
  execPath: string;
  /** Thread-name prefixes of threads that run JavaScript besides the main thread (Web Workers). */
  workerThreads: string[];
  /**
   * Threads that only collect garbage: sampled too, so that the symbolizer learns the GC's
   * code from them and can label GC on JS threads; shown only with --all-threads.
   */
  gcThreads: string[];
}

/** V8 flags that make Deno write /tmp/perf-<pid>.map and give interpreted frames a native pc. */
export const DENO_V8_FLAGS = ["--perf-basic-prof", "--interpreted-frames-native-stack", "--logfile=/dev/null"];

const WORKER_THREADS: Record<RuntimeName, string[]> = { deno: ["worker-"], bun: ["Worker"] };
const GC_THREADS: Record<RuntimeName, string[]> = { deno: [], bun: ["HeapHelper"] };

export function currentRuntime(): RuntimeInfo {
  const v = process.versions as Record<string, string | undefined>;
  const info = (name: RuntimeName, version: string): RuntimeInfo => ({
    name,
    version,
    execPath: process.execPath,
    workerThreads: WORKER_THREADS[name],
    gcThreads: GC_THREADS[name],
  });
  if (v.bun) return info("bun", v.bun);
  if (v.deno) return info("deno", v.deno);
  throw new Error("vmprof-js runs on Deno or Bun");
}

/** Whether a thread of a `runtime` process with this name runs JavaScript (a Web Worker). */
export function isWorkerThread(runtime: string | undefined, name: string): boolean {
  const prefixes = WORKER_THREADS[runtime as RuntimeName] ?? [...WORKER_THREADS.deno, ...WORKER_THREADS.bun];
  return prefixes.some((p) => name.startsWith(p));
}

export interface ChildCommand {
  cmd: string;
  args: string[];
  env: Record<string, string>;
  /** Deno: the V8 flags the child runs with (its code cache holds code compiled under them). */
  v8Flags?: string[];
}

/**
 * The command that runs `program args` under `rt`, with `agent` preloaded (sampling) and, when
 * `symbolDir` is given, the runtime's JIT code names written there (Deno: V8's perf map, plus
 * its jitdump with `lines`; Bun: JSC's jitdump). Either may be left out: the benchmark runs
 * the program with names only, or sampling only, through the same command.
 */
export function childCommand(
  rt: Pick<RuntimeInfo, "name" | "execPath">,
  agent: string | undefined,
  program: string,
  args: string[],
  symbolDir: string | undefined,
  env: Record<string, string | undefined>,
  o: { lines?: boolean } = {},
): ChildCommand {
  const preload = agent ? ["--preload", agent] : [];
  if (rt.name === "deno") {
    const userFlags = env.DENO_V8_FLAGS ? env.DENO_V8_FLAGS.split(",") : [];
    // The perf map goes to our own directory, not /tmp; with lines, V8 also writes a
    // jitdump whose line tables place optimized code in its (inlined) functions.
    const flags = symbolDir ? [...DENO_V8_FLAGS, `--perf-basic-prof-path=${symbolDir}`] : [];
    if (symbolDir && o.lines) flags.push("--perf-prof", `--perf-prof-path=${symbolDir}`);
    const v8 = [...flags, ...userFlags];
    return {
      cmd: rt.execPath,
      args: ["run", "-A", ...(v8.length ? [`--v8-flags=${v8.join(",")}`] : []), ...preload, program, ...args],
      env: {},
      v8Flags: v8,
    };
  }
  return {
    cmd: rt.execPath,
    args: [...preload, program, ...args],
    env: symbolDir ? { BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: symbolDir } : {},
  };
}

/**
 * Why JIT code in this process cannot be named, or undefined when it can. Used by the API
 * (without the CLI) so that a missing flag is an error that says what to add, not garbage.
 */
export function missingSymbolSource(
  rt: RuntimeInfo,
  pid: number,
  env: Record<string, string | undefined>,
  exists: (p: string) => boolean,
): string | undefined {
  if (rt.name === "deno") {
    if (exists(`/tmp/perf-${pid}.map`)) return undefined;
    return "Deno was not started with V8's perf map: run it with " +
      `--v8-flags=${DENO_V8_FLAGS.slice(0, 2).join(",")} (or set DENO_V8_FLAGS), or profile through cli.ts`;
  }
  if (env.BUN_JSC_useJITDump === "1" && env.BUN_JSC_jitDumpDirectory) return undefined;
  return "Bun was not started with JSC's jitdump: set BUN_JSC_useJITDump=1 and " +
    "BUN_JSC_jitDumpDirectory=<dir> in its environment, or profile through cli.ts";
}
