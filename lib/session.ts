// One profiling session inside the profiled process: writes the log's header and META, then
// lets the native sampler append stack records until stop(). Used by mod.ts and the agent.
import { writeFileSync } from "node:fs";
import process from "node:process";
import { Flag } from "./format/constants.ts";
import { LogWriter } from "./format/writer.ts";
import { VmprofError } from "./errors.ts";
import type { Native } from "./ffi/native.ts";
import { currentRuntime } from "./runtime.ts";
import { META } from "./contract.ts";

export interface SamplingOptions {
  /** Seconds between samples, 1e-6 .. 1.0 (vmprof's default 0.00099). */
  period?: number;
  /** Record the resident set size with every sample. */
  memory?: boolean;
  /** Wall-clock sampling (vmprof's --real-time) instead of CPU time. */
  realTime?: boolean;
  /** Keep native frames (named from symbols) instead of folding them into their JS caller. */
  native?: boolean;
  /** Record line numbers with every frame. */
  lines?: boolean;
  /** Sample every thread of the process (runtime helper threads too), not only JS threads. */
  allThreads?: boolean;
}

export const DEFAULT_PERIOD = 0.00099;
export const MIN_PERIOD = 1e-6;
export const MAX_PERIOD = 1.0;

export function checkPeriod(period: number): number {
  if (!Number.isFinite(period) || period < MIN_PERIOD || period > MAX_PERIOD) {
    throw new VmprofError("BAD_OPTION", `period must be between 1e-6 and 1.0 seconds, got ${period}`);
  }
  return period;
}

/** What only the runtime-specific entry points know (see lib/agent/bun.ts). */
export interface RuntimeHints {
  /** JSC's interpreter code range: its frames are recorded by CodeBlock instead of pc. */
  llint?: { lo: number; hi: number; offset: number };
}

/** Writes the header to `spool` (truncating it) and starts the sampler appending to it. */
export function startSession(native: Native, spool: string, o: SamplingOptions, hints: RuntimeHints = {}): void {
  const period = checkPeriod(o.period ?? DEFAULT_PERIOD);
  const rt = currentRuntime();
  const w = new LogWriter();
  w.header({
    periodUsec: Math.max(1, Math.round(period * 1e6)),
    flags: (o.memory ? Flag.MEMORY : 0) | (o.realTime ? Flag.REAL_TIME : 0),
    interpName: `${rt.name} ${rt.version}`,
  });
  w.time(Date.now() * 1000);
  const meta: Record<string, string> = {
    [META.os]: "linux",
    [META.bits]: "64",
    [META.runtime]: rt.name,
    [META.runtimeVersion]: rt.version,
    [META.pid]: String(process.pid),
    [META.mode]: o.realTime ? "wall" : "cpu",
    [META.periodNs]: String(Math.round(period * 1e9)),
    [META.options]: JSON.stringify({ native: !!o.native, lines: !!o.lines, allThreads: !!o.allThreads }),
  };
  if (hints.llint) meta[META.llint] = `${hints.llint.lo.toString(16)}-${hints.llint.hi.toString(16)}`;
  for (const [k, v] of Object.entries(meta)) w.meta(k, v);
  try {
    writeFileSync(spool, w.bytes());
  } catch (e) {
    throw new VmprofError("IO", `cannot write ${spool}: ${(e as Error).message}`);
  }
  native.enable({
    path: spool,
    periodNs: period * 1e9,
    realTime: o.realTime,
    memory: o.memory,
    allThreads: o.allThreads,
    threadNames: [...rt.workerThreads, ...rt.gcThreads],
    llint: hints.llint,
  });
}
