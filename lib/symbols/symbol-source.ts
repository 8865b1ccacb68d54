// Symbol sources: the files a runtime writes that name its JIT code (V8's perf map, jitdump
// files of JSC or V8), read for one process into CodeRanges.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CodeRange } from "./code-index.ts";
import { nameRange } from "./perfmap.ts";
import { PerfMapIndex } from "./perfmap-index.ts";
import { parseJitdumpFull, parseJitdumpHeader } from "./jitdump.ts";
import { jitdumpFiles, type WaitOptions, waitUntilStable } from "./jitdump-files.ts";

export type { CodeRange } from "./code-index.ts";
export { jitdumpFiles, type WaitOptions, waitUntilStable } from "./jitdump-files.ts";

/** Something that can list named code ranges of a process (a file written by the runtime, usually). */
export interface SymbolSource {
  name: string;
  /**
   * Every range; with `lazy`, a source may leave names unparsed until nameRange() is called.
   * With `at` as well (the addresses that will be looked up, ascending; asked for only by a
   * source that uses them), it may return only the ranges those lookups return: for each
   * address, the range that covered it last.
   */
  load(opts?: { lazy?: boolean; at?: () => Float64Array }): CodeRange[];
  /** Fills in the name of a range that a lazy load() left unnamed (nothing for the others). */
  nameRange?: (r: CodeRange) => void;
  /** Reads what the runtime has written so far, while it runs: load() then reads only the rest. */
  follow?: () => void;
}

/**
 * V8's perf map, /tmp/perf-<pid>.map (Deno with --perf-basic-prof). V8 writes one line per
 * code object as it makes it (in blocks once the agent runs, zig/perfmap.zig), so the file is
 * complete once the process has exited. follow() indexes it as it grows (perfmap-index.ts).
 */
export function perfMapSource(pid: number, opts: { dir?: string } = {}): SymbolSource {
  const path = join(opts.dir ?? "/tmp", `perf-${pid}.map`);
  const map = new PerfMapIndex(path);
  return {
    name: path,
    follow: () => map.follow(),
    load(opts = {}) {
      map.follow();
      map.close();
      return opts.lazy && opts.at ? map.select(opts.at()) : map.all();
    },
    nameRange,
  };
}

/**
 * All jitdump files of one process in `dir`: JSC (Bun) names them
 * jit-<tid>-<pid>.dump, upstream JSC and V8 jit-<pid>.dump. Files whose header
 * names another pid are skipped. JSC writes records from a background queue, so
 * load() first waits until the files stop growing (see WaitOptions).
 */
export function jitdumpSource(dir: string, pid: number, opts: WaitOptions = {}): SymbolSource {
  return {
    name: join(dir, `jit-*${pid}.dump`),
    load() {
      const files = jitdumpFiles(dir, pid);
      waitUntilStable(files, opts);
      const out: CodeRange[] = [];
      for (const f of files) {
        let bytes: Uint8Array;
        try {
          bytes = readFileSync(f);
        } catch {
          continue;
        }
        const h = parseJitdumpHeader(bytes);
        if (!h || h.pid !== pid) continue;
        out.push(...parseJitdumpFull(bytes, out.length).ranges);
      }
      return out;
    },
  };
}
