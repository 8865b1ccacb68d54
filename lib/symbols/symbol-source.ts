// Symbol sources: the files a runtime writes that name its JIT code (V8's perf map, jitdump
// files of JSC or V8), read for one process into CodeRanges.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { CodeRange } from "./code-index.ts";
import { nameRange, parsePerfMap, parsePerfMapAddresses } from "./perfmap.ts";
import { parseJitdumpFull, parseJitdumpHeader } from "./jitdump.ts";
import { jitdumpFiles, type WaitOptions, waitUntilStable } from "./jitdump-files.ts";

export type { CodeRange } from "./code-index.ts";
export { jitdumpFiles, type WaitOptions, waitUntilStable } from "./jitdump-files.ts";

/** Something that can list named code ranges of a process (a file written by the runtime, usually). */
export interface SymbolSource {
  name: string;
  /** Every range; with `lazy`, a source may leave names unparsed until nameRange() is called. */
  load(opts?: { lazy?: boolean }): CodeRange[];
  /** Fills in the name of a range that a lazy load() left unnamed (nothing for the others). */
  nameRange?: (r: CodeRange) => void;
}

/**
 * V8's perf map, /tmp/perf-<pid>.map (Deno with --perf-basic-prof). V8 writes
 * it synchronously, one line-buffered write per code object, so the file is
 * complete as soon as the process has exited (and nearly so while it runs).
 */
export function perfMapSource(pid: number, opts: { dir?: string } = {}): SymbolSource {
  const path = join(opts.dir ?? "/tmp", `perf-${pid}.map`);
  return {
    name: path,
    load(opts = {}) {
      if (!existsSync(path)) return [];
      const text = readFileSync(path, "utf8");
      return opts.lazy ? parsePerfMapAddresses(text) : parsePerfMap(text);
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
