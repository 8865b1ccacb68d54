// Finishes a raw log: loads the symbol source of the runtime that wrote it (V8 perf map or
// JSC jitdump, found from the log's META), places functions in their source files (Deno:
// through the TypeScript source map; Bun: by code block hash), names interpreter frames
// from the agent's CodeBlock table, and writes the named vmprof log. Only the code the samples
// hold is located and named; per-file work is cached between runs (cache.ts).
import { existsSync, readFileSync } from "node:fs";
import { readLog } from "../format/reader.ts";
import type { Profile } from "../format/reader.ts";
import { agentInfoPath, type AgentInfo } from "../agent/start.ts";
import { CodeIndex, type CodeRange } from "./code-index.ts";
import { jitdumpSource, perfMapSource, type SymbolSource } from "./symbol-source.ts";
import { remapDenoTypeScript } from "./deno/typescript.ts";
import { locateFunctions } from "./bun/locate.ts";
import { symbolize, type SymbolizeOptions, type SymbolizeResult } from "./symbolize.ts";
import { LLINT_TAG, META, SP_TAG } from "../contract.ts";

export interface FinishOptions extends SymbolizeOptions {
  /** Where JSC wrote its jitdump files (Bun). */
  symbolDir?: string;
  /** The program's entry file, in case the agent could not say (a process killed by a signal). */
  program?: string;
  /** The process that wrote the symbol files has exited: they are complete, nothing to wait for. */
  exited?: boolean;
}

export interface FinishResult extends SymbolizeResult {
  raw: Profile;
  /** Code ranges the symbol source described. */
  ranges: number;
}

/** The symbol source for the process that wrote `raw`. */
export function sourceFor(raw: Profile, symbolDir?: string, exited = false): SymbolSource | undefined {
  const pid = Number(raw.meta.get(META.pid));
  if (!pid) return undefined;
  if (raw.meta.get(META.runtime) === "deno") {
    const map = perfMapSource(pid, symbolDir ? { dir: symbolDir } : {});
    if (!symbolDir) return map;
    // With --lines, V8's jitdump adds line tables for optimized code to the map's names.
    const dump = jitdumpSource(symbolDir, pid, { quietMs: 0 });
    return {
      name: "perf map + jitdump",
      load: (opts) => withPositions(map.load(opts), dump.load()),
      nameRange: map.nameRange,
    };
  }
  // JSC's writer may still be behind in a live process; once it has exited, what is there is all.
  if (raw.meta.get(META.runtime) === "bun" && symbolDir) return jitdumpSource(symbolDir, pid, exited ? { quietMs: 0 } : {});
  return undefined;
}

/** The perf map's ranges, with the line tables of the jitdump's copy of the same code. */
function withPositions(ranges: CodeRange[], dumped: CodeRange[]): CodeRange[] {
  const byStart = new Map<number, CodeRange>();
  for (const d of dumped) if (d.positions) byStart.set(d.start, d);
  if (byStart.size === 0) return ranges;
  for (const r of ranges) {
    const d = byStart.get(r.start);
    if (d && d.size === r.size) r.positions = d.positions;
  }
  return ranges;
}

function readAgentInfo(spool: string): AgentInfo {
  const path = agentInfoPath(spool);
  if (!existsSync(path)) return {};
  try {
    return JSON.parse(readFileSync(path, "utf8")) as AgentInfo;
  } catch {
    return {}; // a half-written file from a killed process: names will be poorer, not wrong
  }
}

/** What the samples hold: the JIT ranges their pcs fall in, and their interpreter frames' CodeBlocks. */
export function sampledCode(raw: Profile, index: CodeIndex): { ranges: Set<CodeRange>; codeBlocks: Set<number> } {
  const ranges = new Set<CodeRange>();
  const codeBlocks = new Set<number>();
  const seen = new Set<number[]>(); // samples with the same stack share one array
  const frames = new Set<number>();
  for (const s of raw.samples) {
    if (seen.has(s.stack)) continue;
    seen.add(s.stack);
    for (const f of s.stack) frames.add(f);
  }
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

/** Names of the sampled interpreter frames' CodeBlocks, from the agent's table (Bun). */
function codeBlockNames(info: AgentInfo, wanted: Set<number>): Map<number, string> {
  const out = new Map<number, string>();
  if (!info.codeBlocks || wanted.size === 0 || !existsSync(info.codeBlocks)) return out;
  try {
    for (const [addr, name] of JSON.parse(readFileSync(info.codeBlocks, "utf8")) as [number, string][]) {
      if (wanted.has(addr)) out.set(addr, name);
    }
  } catch {
    // cut short by a killed process: those frames stay "(interpreter)"
  }
  return out;
}

/**
 * Interpreter frames arrive as LLINT_TAG | CodeBlock*: name them, with the file and line of
 * the JIT code of the same name when that is unique.
 */
function interpreterRanges(names: Map<number, string>, ranges: CodeRange[]): Map<number, CodeRange> {
  const out = new Map<number, CodeRange>();
  if (names.size === 0) return out;
  const byName = new Map<string, CodeRange | null>();
  for (const r of ranges) {
    if (r.kind !== "js" || !r.file) continue;
    const seen = byName.get(r.name);
    byName.set(r.name, seen === undefined || (seen && seen.file === r.file && seen.line === r.line) ? r : null);
  }
  for (const [addr, name] of names) {
    const twin = byName.get(name);
    out.set(LLINT_TAG + addr, {
      start: addr, size: 0, seq: -1, name, kind: "js", tier: "llint",
      file: twin?.file, line: twin?.line, col: twin?.col,
    });
  }
  return out;
}

/**
 * Drops the jitdump records written after the agent's stop marker: code compiled after
 * sampling stopped can reuse the memory of the program's freed code, and a later record wins
 * a lookup (a regexp of the exit hook once took the samples of a hot FTL function).
 */
export function compiledBeforeStop(ranges: CodeRange[], marker: string | undefined): CodeRange[] {
  if (!marker) return ranges;
  const stop = ranges.find((r) => r.name.includes(marker));
  if (!stop) return ranges; // the writer died before it: nothing to tell apart
  return ranges.filter((r) => r.seq < stop.seq);
}

export function finishLog(spool: string, o: FinishOptions = {}): FinishResult {
  const raw = readLog(spool);
  const saved = JSON.parse(raw.meta.get(META.options) ?? "{}") as SymbolizeOptions;
  const source = sourceFor(raw, o.symbolDir, o.exited);
  const info = readAgentInfo(spool);
  const lines = o.lines ?? saved.lines;
  // Names are parsed only for the code the samples hold, except with lines: the inlined
  // functions that V8's line tables point into are found among all of them.
  const lazy = !lines;
  const ranges: CodeRange[] = compiledBeforeStop(source ? source.load({ lazy }) : [], info.stopMarker);
  // The entry file is missing from the loaded files when the program exits while loading.
  const main = info.main ?? o.program;
  const files = [...new Set([...(info.files ?? []), ...(main ? [main] : [])])];
  const index = new CodeIndex(ranges);
  // Only what the samples hold is named: the rest of the jitdump is never looked at.
  const sampled = sampledCode(raw, index);
  if (source?.nameRange) for (const r of lazy ? sampled.ranges : ranges) source.nameRange(r);
  if (raw.meta.get(META.runtime) === "deno") remapDenoTypeScript(lazy ? [...sampled.ranges] : ranges);
  const llintNames = codeBlockNames(info, sampled.codeBlocks);
  if (raw.meta.get(META.runtime) === "bun" && files.length) {
    // The sampled ranges, the JIT twins that lend interpreter frames their file, and the
    // module code whose path goes to its anonymous twin (see locateFunctions).
    const twins = new Set(llintNames.values());
    const wanted = ranges.filter((r) => sampled.ranges.has(r) || twins.has(r.name) || r.name === "<module>");
    locateFunctions(files, wanted, { runtimeVersion: raw.meta.get(META.runtimeVersion) });
  }
  const result = symbolize(raw, index, {
    native: o.native ?? saved.native,
    lines,
    allThreads: o.allThreads ?? saved.allThreads,
    interpreterNames: o.interpreterNames ?? interpreterRanges(llintNames, ranges),
    topLevel: main ? { start: 0, size: 0, seq: -1, name: "<module>", kind: "js", tier: "llint", file: main, line: 1 } : undefined,
  });
  return { ...result, raw, ranges: ranges.length };
}
