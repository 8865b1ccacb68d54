// Finishes a raw log: loads the symbol source of the runtime that wrote it (V8 perf map or
// JSC jitdump, found from the log's META) and writes the named vmprof log.
import { readLog } from "../format/reader.ts";
import type { Profile } from "../format/reader.ts";
import { CodeIndex, type CodeRange } from "./code-index.ts";
import { jitdumpSource, perfMapSource, type SymbolSource } from "./sources.ts";
import { symbolize, type SymbolizeOptions, type SymbolizeResult } from "./symbolize.ts";

export interface FinishOptions extends SymbolizeOptions {
  /** Where JSC wrote its jitdump files (Bun). */
  symbolDir?: string;
}

export interface FinishResult extends SymbolizeResult {
  raw: Profile;
  /** Code ranges the symbol source described. */
  ranges: number;
}

/** The symbol source for the process that wrote `raw`. */
export function sourceFor(raw: Profile, symbolDir?: string): SymbolSource | undefined {
  const pid = Number(raw.meta.get("pid"));
  if (!pid) return undefined;
  if (raw.meta.get("runtime") === "deno") return perfMapSource(pid);
  if (raw.meta.get("runtime") === "bun" && symbolDir) return jitdumpSource(symbolDir, pid);
  return undefined;
}

export function finishLog(spool: string, o: FinishOptions = {}): FinishResult {
  const raw = readLog(spool);
  const saved = JSON.parse(raw.meta.get("vmprof_js.options") ?? "{}") as SymbolizeOptions;
  const source = sourceFor(raw, o.symbolDir);
  const ranges: CodeRange[] = source ? source.load() : [];
  const result = symbolize(raw, new CodeIndex(ranges), {
    native: o.native ?? saved.native,
    lines: o.lines ?? saved.lines,
    interpreterNames: o.interpreterNames,
  });
  return { ...result, raw, ranges: ranges.length };
}
