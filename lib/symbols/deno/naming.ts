// Naming Deno's JIT code: V8's perf map (with --lines, the line tables of V8's jitdump too),
// and TypeScript positions mapped back through the source maps Deno cached.
import type { CodeRange } from "../code-index.ts";
import { jitdumpSource, perfMapSource } from "../symbol-source.ts";
import type { RuntimeNaming } from "../runtime-naming.ts";
import { remapDenoTypeScript } from "./typescript.ts";

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

export const denoNaming: RuntimeNaming = {
  source(pid, symbolDir) {
    const map = perfMapSource(pid, symbolDir ? { dir: symbolDir } : {});
    if (!symbolDir) return map;
    // With --lines, V8's jitdump adds line tables for optimized code to the map's names.
    const dump = jitdumpSource(symbolDir, pid, { quietMs: 0 });
    return {
      name: "perf map + jitdump",
      load: (opts) => withPositions(map.load(opts), dump.load()),
      nameRange: map.nameRange,
      follow: map.follow,
    };
  },
  refine({ ranges, sampled, lazy }) {
    remapDenoTypeScript(lazy ? [...sampled.ranges] : ranges);
    return undefined;
  },
  v8Runtime: true,
  followable: true,
};
