// Naming Bun's JIT code: JSC's jitdump (records after the agent's stop marker dropped), each
// sampled function placed in its file by its code block hash, interpreter (LLInt) frames
// named from the agent's CodeBlock table.
import { existsSync, readFileSync } from "node:fs";
import type { AgentInfo } from "../../agent/start.ts";
import { LLINT_TAG, META } from "../../contract.ts";
import type { CodeRange } from "../code-index.ts";
import { jitdumpSource } from "../symbol-source.ts";
import type { RuntimeNaming } from "../runtime-naming.ts";
import { locateFunctions } from "./locate.ts";

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

/** Names (and files, where memory said) of the sampled interpreter frames' CodeBlocks, from the agent's table. */
function codeBlockNames(info: AgentInfo, wanted: Set<number>): Map<number, { name: string; file?: string }> {
  const out = new Map<number, { name: string; file?: string }>();
  if (!info.codeBlocks || wanted.size === 0 || !existsSync(info.codeBlocks)) return out;
  try {
    for (const [addr, name, file] of JSON.parse(readFileSync(info.codeBlocks, "utf8")) as [number, string, string?][]) {
      if (wanted.has(addr)) out.set(addr, { name, file });
    }
  } catch {
    // cut short by a killed process: those frames stay "(interpreter)"
  }
  return out;
}

/**
 * Interpreter frames arrive as LLINT_TAG | CodeBlock*: name them, with their file (from memory)
 * and the line of the JIT code of the same name in that file, when that is unique.
 */
function interpreterRanges(
  names: Map<number, { name: string; file?: string }>,
  ranges: CodeRange[],
): Map<number, CodeRange> {
  const out = new Map<number, CodeRange>();
  if (names.size === 0) return out;
  const byName = new Map<string, CodeRange | null>();
  for (const r of ranges) {
    if (r.kind !== "js" || !r.file) continue;
    const seen = byName.get(r.name);
    byName.set(r.name, seen === undefined || (seen && seen.file === r.file && seen.line === r.line) ? r : null);
  }
  for (const [addr, { name, file: own }] of names) {
    const found = byName.get(name);
    const twin = found && (!own || found.file === own) ? found : undefined;
    const file = own ?? twin?.file;
    // Top-level code of some module, file unknown: left to the symbolizer's top level (the
    // program's entry file), as when the CodeBlock is not named at all.
    if (name === "<module>" && !file) continue;
    out.set(LLINT_TAG + addr, {
      start: addr,
      size: 0,
      seq: -1,
      name,
      kind: "js",
      tier: "llint",
      file,
      line: twin?.line ?? (name === "<module>" ? 1 : undefined),
      col: twin?.col,
    });
  }
  return out;
}

export const bunNaming: RuntimeNaming = {
  source(pid, symbolDir, exited, info) {
    if (!symbolDir) return undefined;
    // JSC's writer may still be behind in a live process; once it has exited, what is there is all.
    const dump = jitdumpSource(symbolDir, pid, exited ? { quietMs: 0 } : {});
    return { name: dump.name, load: () => compiledBeforeStop(dump.load(), info.stopMarker) };
  },
  refine({ raw, ranges, sampled, info, files }) {
    const names = codeBlockNames(info, sampled.codeBlocks);
    if (files.length) {
      // The sampled ranges, the JIT twins that lend interpreter frames their file, and the
      // module code whose path goes to its anonymous twin (see locateFunctions).
      const twins = new Set([...names.values()].map((n) => n.name));
      const wanted = ranges.filter((r) => sampled.ranges.has(r) || twins.has(r.name) || r.name === "<module>");
      locateFunctions(files, wanted, { runtimeVersion: raw.meta.get(META.runtimeVersion) });
    }
    return interpreterRanges(names, ranges);
  },
  v8Runtime: false,
};
