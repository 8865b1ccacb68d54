// Deno: V8 reports positions in the JavaScript Deno emitted for a TypeScript module; map them
// back to the TypeScript the user wrote through the inline source map in Deno's cache.
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import type { CodeRange } from "../code-index.ts";
import { base64Bytes, SourceMap } from "../source-map.ts";

/**
 * V8 reports the line:col of the JavaScript Deno emitted for a .ts/.tsx/.jsx
 * module, not of the file the user wrote. Deno keeps that JavaScript in its
 * cache ($DENO_DIR/gen/file/<absolute path>.js) with an inline source map:
 * map every such range's line and column back through it. The map's
 * sourcesContent must equal the file on disk, so a stale cache is ignored.
 * Returns the number of ranges changed.
 */
export function remapDenoTypeScript(ranges: CodeRange[], opts: { denoDir?: string } = {}): number {
  const denoDir = opts.denoDir ?? process.env.DENO_DIR ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "deno");
  const maps = new Map<string, SourceMap | null>();
  const mapOf = (file: string): SourceMap | null => {
    let map = maps.get(file);
    if (map === undefined) {
      map = file.startsWith("/") && /\.(m?ts|cts|tsx|jsx)$/.test(file)
        ? loadDenoSourceMap(join(denoDir, "gen", "file", file + ".js"), file)
        : null;
      maps.set(file, map);
    }
    return map;
  };
  let changed = 0;
  for (const r of ranges) {
    if (r.kind !== "js" || !r.file) continue;
    const map = mapOf(r.file);
    if (map && r.line !== undefined) {
      const to = map.lookup(r.line - 1, (r.col ?? 1) - 1);
      if (to) {
        r.line = to.line + 1;
        r.col = to.col + 1;
        changed++;
      }
    }
    // Line tables (optimized code, with --lines) point into the same transpiled text.
    const pos = r.positions;
    if (!pos) continue;
    for (let i = 0; i < pos.lines.length; i++) {
      const m = mapOf(pos.files[i] ?? r.file);
      const to = m && pos.lines[i] > 0 ? m.lookup(pos.lines[i] - 1, Math.max(0, pos.cols[i] - 1)) : undefined;
      if (to) {
        pos.lines[i] = to.line + 1;
        pos.cols[i] = to.col + 1;
      }
    }
  }
  return changed;
}

function loadDenoSourceMap(cacheFile: string, original: string): SourceMap | null {
  try {
    const js = readFileSync(cacheFile, "utf8");
    const m = /\/\/# sourceMappingURL=data:application\/json;base64,([A-Za-z0-9+/=]+)/.exec(js);
    if (!m) return null;
    const json = JSON.parse(new TextDecoder().decode(base64Bytes(m[1]))) as {
      mappings: string;
      sourcesContent?: (string | null)[];
    };
    const content = json.sourcesContent?.[0];
    if (typeof content === "string" && content !== readFileSync(original, "utf8")) return null; // stale cache
    return new SourceMap(json.mappings);
  } catch {
    return null;
  }
}
