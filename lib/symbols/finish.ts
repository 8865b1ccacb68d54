// Finishes a raw log: loads the symbol source of the runtime that wrote it (found from the
// log's META), names what the samples hold, lets the runtime's naming (deno/naming.ts,
// bun/naming.ts) fill in files, lines and interpreter frames, and writes the named vmprof log.
// Per-file work is cached between runs (cache.ts).
import { existsSync, readFileSync } from "node:fs";
import { distinctFrames, readLog } from "../format/reader.ts";
import type { Profile } from "../format/reader.ts";
import { type AgentInfo, agentInfoPath } from "../agent/start.ts";
import { CodeIndex, type CodeRange } from "./code-index.ts";
import { parseMaps, symbolize, type SymbolizeOptions, type SymbolizeResult } from "./symbolize.ts";
import { preloadNativeNames } from "./elf.ts";
import { LLINT_TAG, META, SP_TAG } from "../contract.ts";
import type { RuntimeNaming, Sampled } from "./runtime-naming.ts";
import type { SymbolSource } from "./symbol-source.ts";
import { denoNaming } from "./deno/naming.ts";
import { bunNaming } from "./bun/naming.ts";

export interface FinishOptions extends SymbolizeOptions {
  /** Where JSC wrote its jitdump files (Bun). */
  symbolDir?: string;
  /** The program's entry file, in case the agent could not say (a process killed by a signal). */
  program?: string;
  /** The process that wrote the symbol files has exited: they are complete, nothing to wait for. */
  exited?: boolean;
  /** The symbol source the caller followed while process `pid` ran (followSource): used for that pid's log. */
  followed?: Followed;
}

export interface FinishResult extends SymbolizeResult {
  raw: Profile;
  /** Code ranges the symbol source described. */
  ranges: number;
}

/** Each runtime's part of naming (runtime-naming.ts), by the runtime that wrote the log. */
const NAMING: Record<string, RuntimeNaming> = { deno: denoNaming, bun: bunNaming };

function readAgentInfo(spool: string): AgentInfo {
  const path = agentInfoPath(spool);
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as AgentInfo;
  } catch {
    return {}; // a half-written file from a killed process: names will be poorer, not wrong
  }
}

/**
 * What the samples hold (`frames`: their distinct raw frames, distinctFrames): the JIT ranges
 * their pcs fall in, and their interpreter frames' CodeBlocks.
 */
export function sampledCode(frames: Iterable<number>, index: CodeIndex): Sampled {
  const ranges = new Set<CodeRange>();
  const codeBlocks = new Set<number>();
  for (const f of frames) {
    if (f >= LLINT_TAG) {
      codeBlocks.add(f - LLINT_TAG);
      continue;
    }
    // The namer looks a pc up as it is (a leaf) and a return address just before it (the call).
    const pc = f >= SP_TAG ? f - SP_TAG : f;
    for (const at of [pc, pc - 1]) {
      const r = index.lookup(at);
      if (r) ranges.add(r);
    }
  }
  return { ranges, codeBlocks };
}

/**
 * Every address naming looks up (CodeIndex.lookup) for the samples' distinct raw `frames`,
 * ascending: each frame as recorded, the byte before it (a return address's call), and a
 * leaf's [sp] word and the byte before that.
 */
export function lookupPoints(frames: Iterable<number>): Float64Array {
  const points: number[] = [];
  for (const f of frames) {
    if (f >= LLINT_TAG) continue;
    points.push(f, f - 1);
    if (f >= SP_TAG) points.push(f - SP_TAG, f - SP_TAG - 1);
  }
  const sorted = Float64Array.from(points).sort();
  let n = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[n - 1]) sorted[n++] = sorted[i];
  return sorted.subarray(0, n);
}

/**
 * Naming work for the caller to do while `runtime`'s process `pid` runs, then hand to
 * finishLog (FinishOptions.followed): step() now and then reads the symbol source as far as
 * V8 has written it (Deno's perf map; Bun's needs what the agent reports at the end), and,
 * the first time, the names in the runtime's binary (`binary`, the same runtime's).
 */
export function followSource(runtime: string, pid: number, symbolDir: string, binary?: string): Followed {
  const naming = NAMING[runtime];
  const source = naming?.followable ? naming.source(pid, symbolDir, false, {}) : undefined;
  let first = true;
  return {
    pid,
    source: source?.follow ? source : undefined,
    step() {
      if (first) preloadModules(pid, binary, naming?.v8Runtime ?? false);
      first = false;
      source?.follow?.();
    },
  };
}

/**
 * The symbols of the modules process `pid` runs code from (its executable mappings now: the
 * runtime binary and the C libraries), V8's runtime functions of `binary` when it embeds V8.
 */
function preloadModules(pid: number, binary: string | undefined, v8Runtime: boolean): void {
  let maps = "";
  try {
    maps = readFileSync(`/proc/${pid}/maps`, "utf8");
  } catch {
    // gone already, or no /proc: the binary alone
  }
  const paths = new Set(parseMaps(maps.split("\n").filter((l) => / ..x. /.test(l)).join("\n")).map((m) => m.path));
  if (binary) paths.add(binary);
  for (const path of paths) preloadNativeNames(path, v8Runtime && path === binary);
}

/** Naming work done while a process ran (followSource). */
export interface Followed {
  pid: number;
  /** The symbol source read so far, for finishLog to read on from. */
  source?: SymbolSource;
  step(): void;
}

export function finishLog(spool: string, o: FinishOptions = {}): FinishResult {
  const raw = readLog(spool);
  const saved = JSON.parse(raw.meta.get(META.options) ?? "{}") as SymbolizeOptions;
  const naming = NAMING[raw.meta.get(META.runtime) ?? ""];
  const info = readAgentInfo(spool);
  if (info.codeBlocks && info.codeBlockSource) raw.meta.set(META.interpreterNames, info.codeBlockSource);
  const pid = Number(raw.meta.get(META.pid));
  const followed = o.followed?.pid === pid ? o.followed.source : undefined;
  const source = naming && pid ? followed ?? naming.source(pid, o.symbolDir, o.exited ?? false, info) : undefined;
  const lines = o.lines ?? saved.lines;
  // Names are parsed only for the code the samples hold, except with lines: the inlined
  // functions that V8's line tables point into are found among all of them.
  const lazy = !lines;
  const frames = distinctFrames(raw.samples); // what the samples hold, for the source and the namer
  const ranges: CodeRange[] = source ? source.load({ lazy, at: () => lookupPoints(frames) }) : [];
  // The entry file is missing from the loaded files when the program exits while loading.
  const main = info.main ?? o.program;
  const files = [...new Set([...(info.files ?? []), ...(main ? [main] : [])])];
  const index = new CodeIndex(ranges);
  // Only what the samples hold is named: the rest of the symbol source is never looked at.
  const sampled = sampledCode(frames, index);
  if (source?.nameRange) { for (const r of lazy ? sampled.ranges : ranges) source.nameRange(r); }
  const interpreterNames = naming?.refine({ raw, ranges, sampled, lazy, info, files });
  const result = symbolize(raw, index, {
    native: o.native ?? saved.native,
    lines,
    allThreads: o.allThreads ?? saved.allThreads,
    interpreterNames: o.interpreterNames ?? interpreterNames,
    topLevel: main
      ? { start: 0, size: 0, seq: -1, name: "<module>", kind: "js", tier: "llint", file: main, line: 1 }
      : undefined,
    v8Runtime: naming?.v8Runtime,
  });
  return { ...result, raw, ranges: ranges.length };
}
