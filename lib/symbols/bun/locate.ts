// Bun: places JSC's functions in their source files (file, line, column), which its jitdump
// does not say, by recomputing each function's code block hash over the text JSC ran.
import { readFileSync } from "node:fs";
import type { CodeRange } from "../code-index.ts";
import { findDefinitions, functionSpans, lineCol, lineStarts, T, type Token, tokenize } from "../js-syntax.ts";
import { PositionMap } from "../align.ts";
import { cacheDir, readCache, writeCache } from "../cache.ts";
import { codeBlockHashValue, decodeCodeBlockHash } from "./code-block-hash.ts";
import { bunTranspile } from "./transpile.ts";

export interface LocateOptions {
  /**
   * Returns, per file, the JavaScript text JSC actually ran (Bun's transpiler
   * output), or undefined. Default: one `bun` child process running
   * Bun.Transpiler({ target: "bun" }) over all files.
   */
  transpile?: (files: { path: string; source: string }[]) => (string | string[] | undefined)[];
  /** The bun binary for the default transpile (default: $VMPROF_BUN, this process if it is bun, node_modules/.bin/bun, bun on PATH). */
  bun?: string;
  /** Guess by name for functions whose hash matched nothing (default true); only unique definitions are used. */
  byName?: boolean;
  /** Where per-file results are kept between runs (lib/symbols/cache.ts); null: no cache. Default: the user's cache, unless `transpile` is given. */
  cacheDir?: string | null;
  /** The Bun version that ran the code (its transpiler decides the spans): part of the cache key. */
  runtimeVersion?: string;
}

export interface LocateReport {
  /** JS ranges that were missing a file before the call. */
  candidates: number;
  byHash: number;
  byName: number;
  unresolved: number;
}

/**
 * Fill in file/line/col on Bun (JSC) ranges that lack them.
 *
 * JSC names code blocks "name#hash", where the hash is the first 32 bits of
 * SHA-1 over the function's source text (from the "(" of its parameter list to
 * the end of its body; a generator or async body is a second code block
 * covering only "{…}"), XOR 1 for construct code. Recomputing it for every
 * function in the text JSC ran — Bun's transpiler output, not the file on disk —
 * identifies each function exactly, anonymous ones included. The position found
 * in the transpiled text is mapped back to the original file by aligning the two
 * token streams. Line and column are those of the "(" (V8's convention too).
 * What the hash cannot place (e.g. class default constructors, whose source is
 * JSC's own) is looked up by name when exactly one definition has that name.
 */
export function locateFunctions(files: string[], ranges: CodeRange[], opts: LocateOptions = {}): LocateReport {
  const { want, todo } = wantedHashes(ranges);
  const report: LocateReport = { candidates: todo.length, byHash: 0, byName: 0, unresolved: 0 };
  if (todo.length === 0) return report;
  const sources: { path: string; source: string }[] = [];
  for (const f of files) {
    try {
      sources.push({ path: f, source: readFileSync(f, "utf8") });
    } catch {
      // unreadable: skip
    }
  }
  const tables = fileTables(sources, opts);
  report.byHash = placeByHash(sources, tables, want);
  if (opts.byName !== false) report.byName = placeByName(sources, tables, todo);
  report.unresolved = todo.filter((r) => r.file === undefined).length;
  return report;
}

/** The ranges to place (JS code without a file), and their code block hashes → ranges. */
function wantedHashes(ranges: CodeRange[]): { want: Map<number, CodeRange[]>; todo: CodeRange[] } {
  const want = new Map<number, CodeRange[]>();
  const todo: CodeRange[] = [];
  // Module code that Bun named by its path lends the path to the anonymous code block with
  // the same hash (a module with top-level await runs its body as a second, async code block).
  const modules = new Map<string, CodeRange>();
  for (const r of ranges) if (r.kind === "js" && r.name === "<module>" && r.file && r.hash) modules.set(r.hash, r);
  for (const r of ranges) {
    if (r.kind !== "js" || r.file !== undefined) continue;
    const mod = r.hash && r.name === "<anonymous>" ? modules.get(r.hash) : undefined;
    if (mod) {
      r.name = "<module>";
      r.file = mod.file;
      r.line = mod.line;
      continue;
    }
    todo.push(r);
    if (r.hash && /^[A-Za-z0-9]{6}$/.test(r.hash)) {
      const v = decodeCodeBlockHash(r.hash);
      const list = want.get(v);
      if (list) list.push(r);
      else want.set(v, [r]);
    }
  }
  return { want, todo };
}

/**
 * Each file's FileTable: from the cache, or (for the files it misses) transpiled, tokenized,
 * aligned and kept for the next run.
 */
function fileTables(sources: { path: string; source: string }[], opts: LocateOptions): (FileTable | undefined)[] {
  const dir = opts.cacheDir === null || (opts.transpile && opts.cacheDir === undefined)
    ? undefined
    : opts.cacheDir ?? cacheDir();
  const version = opts.runtimeVersion ?? "";
  const tables: (FileTable | undefined)[] = sources.map(({ path }) =>
    dir ? readCache<FileTable>(dir, "functions", path, version) : undefined
  );
  const missing = sources.filter((_, i) => tables[i] === undefined);
  if (missing.length === 0) return tables;
  let transpiled: (string | string[] | undefined)[] = [];
  try {
    transpiled = (opts.transpile ?? ((s) => bunTranspile(s, opts.bun)))(missing);
  } catch {
    transpiled = [];
  }
  missing.forEach(({ path, source }, k) => {
    const t = transpiled[k];
    // What JSC ran: the transpiler's output, else (no transpiler) the file itself, which is
    // not worth keeping: a later run with a transpiler would find other spans.
    const texts: string[] = t === undefined ? [source] : typeof t === "string" ? [t] : [...t];
    const table = fileTable(source, texts);
    tables[sources.findIndex((x) => x.path === path)] = table;
    if (dir && t !== undefined) writeCache(dir, "functions", path, version, table);
  });
  return tables;
}

/** Places the wanted ranges whose hash a file's span has; returns how many. */
function placeByHash(
  sources: { path: string }[],
  tables: (FileTable | undefined)[],
  want: Map<number, CodeRange[]>,
): number {
  type Loc = { file: string; line: number; col: number; module: boolean; name?: string };
  const found = new Map<number, Loc[]>();
  for (let i = 0; i < sources.length && found.size < want.size; i++) {
    const path = sources[i].path;
    for (const text of tables[i]?.spans ?? []) {
      if (found.size >= want.size) break;
      // Identical function texts hash alike: keep at most 32 places for one hash.
      const fresh = new Map<number, Loc[]>();
      for (const [v, line, col, name] of text) {
        for (const cand of [v, (v ^ 1) >>> 0]) {
          if (!want.has(cand) || found.has(cand)) continue;
          const list = fresh.get(cand) ?? [];
          fresh.set(cand, list);
          if (list.length >= 32) continue;
          list.push(
            line === 0
              ? { file: path, line: 1, col: 1, module: true }
              : { file: path, line, col, module: false, name: name || undefined },
          );
        }
      }
      for (const [v, l] of fresh) found.set(v, l);
    }
  }
  let placed = 0;
  for (const [value, locs] of found) {
    for (const r of want.get(value) ?? []) {
      // Identical function texts share a hash: prefer the copy bound to the same name.
      const loc = locs.find((l) => l.name === r.name) ?? locs[0];
      r.file = loc.file;
      r.line = loc.line;
      r.col = loc.col;
      // Module code blocks hash the whole transpiled file; Bun names some of them "#hash" only.
      if (loc.module && r.name === "<anonymous>") r.name = "<module>";
      placed++;
    }
  }
  return placed;
}

/** Places what the hash left, where exactly one definition has its name; returns how many. */
function placeByName(sources: { path: string }[], tables: (FileTable | undefined)[], todo: CodeRange[]): number {
  const left = todo.filter((r) =>
    r.file === undefined && r.name && !r.name.startsWith("<") && !JSC_BUILTIN_NAMES.has(r.name)
  );
  if (left.length === 0) return 0;
  const defs = new Map<string, { file: string; line: number; col: number }[]>();
  sources.forEach(({ path }, i) => {
    for (const [name, line, col] of tables[i]?.definitions ?? []) {
      const at = defs.get(name) ?? [];
      at.push({ file: path, line, col });
      defs.set(name, at);
    }
  });
  let placed = 0;
  for (const r of left) {
    const d = defs.get(r.name);
    if (!d) continue;
    const unique = new Set(d.map((x) => `${x.file}:${x.line}`));
    if (unique.size !== 1) continue;
    r.file = d[0].file;
    r.line = d[0].line;
    r.col = d[0].col;
    placed++;
  }
  return placed;
}

/** Names of functions JSC itself implements in JavaScript (never in user files). */
const JSC_BUILTIN_NAMES = new Set([
  "map",
  "filter",
  "forEach",
  "reduce",
  "reduceRight",
  "find",
  "findIndex",
  "findLast",
  "findLastIndex",
  "some",
  "every",
  "flat",
  "flatMap",
  "fill",
  "includes",
  "indexOf",
  "sort",
  "toSorted",
  "values",
  "keys",
  "entries",
  "next",
  "return",
  "throw",
  "then",
  "catch",
  "finally",
  "resolve",
  "reject",
  "all",
  "allSettled",
  "race",
  "any",
  "generatorResume",
  "asyncGeneratorResume",
  "asyncFunctionResume",
  "performIteration",
  "performPromiseThen",
  "promiseReactionJob",
  "from",
  "of",
  "apply",
  "call",
  "bind",
  "join",
  "replace",
  "replaceAll",
  "split",
  "match",
  "matchAll",
  "search",
  "at",
  "copyWithin",
  "push",
  "pop",
  "shift",
  "unshift",
  "splice",
  "slice",
  "concat",
]);

interface Hit {
  value: number;
  offset: number;
  /** The span is the whole text: module or script code. */
  whole: boolean;
  /** The identifier the function is bound to in the text, if any ("f" in "f = (", "function f(", "f(…) {"). */
  name?: string;
}

/**
 * What a file yields for every run of it: each function-like span of each text JSC may have run
 * for it (the transpiler's variants), as [hash value, line, col, bound name] with line and col in
 * the original file (line 0: the span of the whole text, module or script code); and the
 * function definitions of the original by name, [name, line, col], for the guess by name.
 */
interface FileTable {
  spans: [number, number, number, string][][];
  definitions: [string, number, number][];
}

function fileTable(source: string, texts: string[]): FileTable {
  const lines = lineStarts(source);
  const originalTokens = tokenize(source);
  const spans = texts.map((text) => {
    const toks = text === source ? originalTokens : tokenize(text);
    const map = text === source ? undefined : new PositionMap(text, toks, source, originalTokens);
    const out: [number, number, number, string][] = [];
    for (const [s, e, k] of [[0, text.length, -1] as [number, number, number], ...functionSpans(toks)]) {
      const v = codeBlockHashValue(text.slice(s, e));
      if (s === 0 && e === text.length) {
        out.push([v, 0, 0, ""]);
        continue;
      }
      const { line, col } = lineCol(lines, map ? map.toOriginal(s) : s);
      out.push([v, line, col, (k >= 0 ? boundName(toks, k) : undefined) ?? ""]);
    }
    return out;
  });
  const definitions = findDefinitions(source, originalTokens).map((d): [string, number, number] => {
    const { line, col } = lineCol(lines, d.offset);
    return [d.name, line, col];
  });
  return { spans, definitions };
}

const NOT_NAMES = new Set([
  "function",
  "async",
  "get",
  "set",
  "static",
  "return",
  "=>",
  "if",
  "for",
  "while",
  "switch",
  "catch",
]);

/** The name a function starting at token k is given by its context: "function NAME(", "NAME(", "NAME = (", "NAME: (". */
function boundName(toks: Token[], k: number): string | undefined {
  let j = k - 1;
  if (toks[j]?.v === ")") return undefined; // a body span: no name of its own
  while (
    j >= 0 &&
    (toks[j].v === "=" || toks[j].v === ":" || toks[j].v === "*" || toks[j].v === "async" || toks[j].v === "function")
  ) j--;
  const t = toks[j];
  if (!t || t.t !== T.Word && t.t !== T.Str) return undefined;
  if (t.v === "constructor") return className(toks, j);
  return NOT_NAMES.has(t.v) ? undefined : t.v;
}

/** For a "constructor" token: the name of the class whose body encloses it (JSC names constructors so). */
function className(toks: Token[], k: number): string | undefined {
  let depth = 0;
  for (let j = k - 1; j >= 0; j--) {
    const v = toks[j].v;
    if (toks[j].t !== T.Punct) continue;
    if (v === "}") depth++;
    else if (v === "{") {
      if (depth === 0) {
        // The class body's "{": walk back over "class NAME extends X" to the name.
        for (let q = j - 1; q >= 0 && q > j - 64; q--) {
          if (toks[q].v === "class" && toks[q].t === T.Word) {
            const n = toks[q + 1];
            if (n && n.t === T.Word && n.v !== "extends") return n.v;
            // "NAME = class extends X {": an anonymous class takes the binding's name.
            const eq = toks[q - 1], id = toks[q - 2];
            return (eq?.v === "=" || eq?.v === ":") && id?.t === T.Word ? id.v : undefined;
          }
        }
        return undefined;
      }
      depth--;
    }
  }
  return undefined;
}
