// Symbol sources (V8 perf map, JSC jitdump), JSC LLInt range discovery, and file:line recovery for Bun functions.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import { homedir } from "node:os";
import { fileURLToPath } from "node:url";
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import process from "node:process";
import type { CodeRange } from "./code-index.ts";
import { parsePerfMap } from "./perfmap.ts";
import { parseJitdumpFull, parseJitdumpHeader } from "./jitdump.ts";

export type { CodeRange } from "./code-index.ts";

/** Something that can list named code ranges of a process (a file written by the runtime, usually). */
export interface SymbolSource {
  name: string;
  load(): CodeRange[];
}

export interface WaitOptions {
  /** The files count as complete once their sizes have not changed for this long (ms). */
  quietMs?: number;
  /** Give up waiting after this long (ms) and read what is there. */
  maxWaitMs?: number;
}

// ------------------------------------------------------------------ sources

/**
 * V8's perf map, /tmp/perf-<pid>.map (Deno with --perf-basic-prof). V8 writes
 * it synchronously, one line-buffered write per code object, so the file is
 * complete as soon as the process has exited (and nearly so while it runs).
 */
export function perfMapSource(pid: number, opts: { dir?: string } = {}): SymbolSource {
  const path = join(opts.dir ?? "/tmp", `perf-${pid}.map`);
  return {
    name: path,
    load() {
      if (!existsSync(path)) return [];
      return parsePerfMap(readFileSync(path, "utf8"));
    },
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

/** Paths of the jitdump files in `dir` that belong to `pid` (by file name), sorted. */
export function jitdumpFiles(dir: string, pid: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const re = /^jit-(?:(\d+)-)?(\d+)\.dump$/;
  return names
    .filter((n) => {
      const m = re.exec(n);
      return m !== null && Number(m[2]) === pid;
    })
    .sort()
    .map((n) => join(dir, n));
}

/**
 * Block until none of `files` has changed size for `quietMs` (default 100), or
 * `maxWaitMs` (default 2000) has passed. Synchronous (Atomics.wait on a private
 * buffer), so it can run in exit handlers. Returns the time waited in ms.
 */
export function waitUntilStable(files: string[], opts: WaitOptions = {}): number {
  const quiet = opts.quietMs ?? 100;
  const max = opts.maxWaitMs ?? 2000;
  const t0 = Date.now();
  const sizes = () => files.map((f) => {
    try {
      return statSync(f).size;
    } catch {
      return -1;
    }
  }).join(",");
  let last = sizes();
  let since = t0;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    const now = Date.now();
    if (now - since >= quiet || now - t0 >= max) return now - t0;
    Atomics.wait(cell, 0, 0, Math.min(10, quiet));
    const s = sizes();
    if (s !== last) {
      last = s;
      since = Date.now();
    }
  }
}

// ------------------------------------------------------------------ JSC LLInt

/**
 * Where the LLInt (JSC's interpreter) lives in a running Bun process, and the
 * CodeRange that names it. JSC fills the opcode table in the section
 * "__DATA,__jsc_opcodes" (zeros in the file) with the address of every opcode
 * handler when it initialises; all handlers sit in one block of .text, so
 * [min, max] of the table, widened to the end of the last handler (the int3
 * padding that follows it), is the interpreter's code. Reads
 * /proc/<pid>/exe and /proc/<pid>/mem, so call it from inside the process
 * (pid "self") or from a parent allowed to read the child's memory.
 */
export function findLlintRange(pid: number | "self" = "self"): { start: number; end: number; handlers: number } | undefined {
  const exe = `/proc/${pid}/exe`;
  let sec: { addr: number; size: number } | undefined;
  let text: { addr: number; off: number; size: number } | undefined;
  try {
    const secs = elfSectionsOfFile(exe);
    sec = secs.get("__DATA,__jsc_opcodes") ?? secs.get("__jsc_opcodes");
    text = secs.get(".text");
  } catch {
    return undefined;
  }
  if (!sec || !text) return undefined;
  const buf = new Uint8Array(sec.size);
  let fd = -1;
  try {
    fd = openSync(`/proc/${pid}/mem`, "r");
    readSync(fd, buf, 0, buf.length, sec.addr);
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  const dv = new DataView(buf.buffer);
  let lo = Infinity, hi = 0, n = 0;
  for (let i = 0; i + 8 <= buf.length; i += 8) {
    const v = dv.getUint32(i, true) + dv.getUint32(i + 4, true) * 4294967296;
    if (v >= text.addr && v < text.addr + text.size) {
      n++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (n === 0) return undefined;
  // Extend past the last handler: to the first run of 8 int3 (0xcc) bytes, at most 64 KB on.
  let end = hi + 1;
  try {
    const fdExe = openSync(exe, "r");
    const chunk = new Uint8Array(65536);
    const got = readSync(fdExe, chunk, 0, chunk.length, text.off + (hi - text.addr));
    closeSync(fdExe);
    let run = 0;
    for (let i = 0; i < got; i++) {
      run = chunk[i] === 0xcc ? run + 1 : 0;
      if (run === 8) {
        end = hi + i - 7;
        break;
      }
    }
    if (run < 8) end = hi + 4096;
  } catch {
    end = hi + 4096;
  }
  return { start: lo, end, handlers: n };
}

/** A CodeRange for the LLInt, so that samples in it read "LLInt" rather than a bare address. */
export function llintCodeRange(r: { start: number; end: number }, seq = -1): CodeRange {
  return { start: r.start, size: r.end - r.start, seq, name: "LLInt", kind: "interpreter", tier: "llint" };
}

/** elfSections() of a file, reading only its headers and section name table. */
export function elfSectionsOfFile(path: string): Map<string, { addr: number; off: number; size: number }> {
  const fd = openSync(path, "r");
  try {
    const head = new Uint8Array(64);
    readSync(fd, head, 0, 64, 0);
    const dv = new DataView(head.buffer);
    if (dv.getUint32(0, false) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return new Map();
    const u64 = (v: DataView, o: number) => v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;
    const shoff = u64(dv, 0x28), shentsize = dv.getUint16(0x3a, true), shnum = dv.getUint16(0x3c, true);
    const shstrndx = dv.getUint16(0x3e, true);
    const table = new Uint8Array(shnum * shentsize);
    readSync(fd, table, 0, table.length, shoff);
    const tv = new DataView(table.buffer);
    const strOff = u64(tv, shstrndx * shentsize + 0x18), strSize = u64(tv, shstrndx * shentsize + 0x20);
    const strs = new Uint8Array(strSize);
    readSync(fd, strs, 0, strSize, strOff);
    // Reassemble a minimal image: header, section table and names at the same relative layout.
    const img = new Uint8Array(64 + table.length + strSize);
    img.set(head, 0);
    img.set(table, 64);
    img.set(strs, 64 + table.length);
    const iv = new DataView(img.buffer);
    iv.setUint32(0x28, 64, true);
    iv.setUint32(0x2c, 0, true);
    const sh = 64 + shstrndx * shentsize + 0x18;
    iv.setUint32(sh, 64 + table.length, true);
    iv.setUint32(sh + 4, 0, true);
    const out = elfSections(img);
    // The name table's own entry now points into the small image: restore its file offset.
    for (const [k, v] of out) if (k === ".shstrtab") out.set(k, { ...v, off: strOff });
    return out;
  } finally {
    closeSync(fd);
  }
}

/** The parts of a JSC "GCDebugging" heap snapshot (bun:jsc generateHeapSnapshotForDebugging()) used here. */
export interface JscHeapSnapshot {
  /** Per node: id, size, class index, flags, label index, cell address ("0x…"), wrapped address. */
  nodes: (number | string)[];
  nodeClassNames: string[];
  labels: string[];
  /** Per edge: from id, to id, type index, name or index. */
  edges: number[];
}

/**
 * CodeBlock address → function name, from a JSC heap snapshot taken in the
 * profiled Bun process. An LLInt frame's CodeBlock* (fp+16) is the cell the
 * snapshot lists as a FunctionCodeBlock, reached by Function → FunctionExecutable
 * → FunctionCodeBlock edges; the Function's label is its name. Also maps each
 * Function cell (an LLInt frame's callee, fp+24) to its name.
 */
export function codeBlockNamesFromHeapSnapshot(snap: JscHeapSnapshot): Map<number, string> {
  const NF = 7;
  const nodes = snap.nodes;
  const cls = (i: number) => snap.nodeClassNames[nodes[i + 2] as number] ?? "";
  const addr = (i: number) => parseInt(String(nodes[i + 5]), 16);
  const byId = new Map<number, number>();
  for (let i = 0; i + NF <= nodes.length; i += NF) byId.set(nodes[i] as number, i);
  const execName = new Map<number, string>(); // executable node index → name
  const blockName = new Map<number, string>(); // CodeBlock node index → its function's name
  const rareName = new Map<number, string>(); // FunctionRareData node index → its function's name
  const out = new Map<number, string>();
  const e = snap.edges;
  const label = (i: number) => snap.labels[nodes[i + 4] as number] || "<anonymous>";
  const nameExec = (exec: number, name: string) => {
    if (!execName.has(exec) || execName.get(exec) === "<anonymous>") execName.set(exec, name);
  };
  // A JSFunction points at its executable, or (once it has rare data) at a FunctionRareData that does.
  for (let k = 0; k + 4 <= e.length; k += 4) {
    const from = byId.get(e[k]), to = byId.get(e[k + 1]);
    if (from === undefined || to === undefined || !/Function$/.test(cls(from))) continue;
    if (cls(to) === "FunctionExecutable") nameExec(to, label(from));
    else if (cls(to) === "FunctionRareData") rareName.set(to, label(from));
    else continue;
    out.set(addr(from), label(from));
  }
  for (let k = 0; k + 4 <= e.length; k += 4) {
    const from = byId.get(e[k]), to = byId.get(e[k + 1]);
    if (from === undefined || to === undefined) continue;
    const viaRare = rareName.get(from);
    if (viaRare !== undefined && cls(to) === "FunctionExecutable") nameExec(to, viaRare);
  }
  for (let k = 0; k + 4 <= e.length; k += 4) {
    const from = byId.get(e[k]), to = byId.get(e[k + 1]);
    if (from === undefined || to === undefined) continue;
    const c = cls(to);
    if (cls(from) === "FunctionExecutable" && c.endsWith("CodeBlock") && !c.startsWith("Unlinked")) {
      const name = execName.get(from) ?? "<anonymous>";
      out.set(addr(to), name);
      blockName.set(to, name);
    } else if (cls(from) === "ModuleProgramExecutable" && c === "ModuleProgramCodeBlock") {
      out.set(addr(to), "<module>");
      blockName.set(to, "<module>");
    }
  }
  // The executable points at its newest CodeBlock; a frame entered before the function was
  // optimized still runs the older one, which the newer reaches as its alternative.
  for (let changed = true; changed;) {
    changed = false;
    for (let k = 0; k + 4 <= e.length; k += 4) {
      const from = byId.get(e[k]), to = byId.get(e[k + 1]);
      if (from === undefined || to === undefined || blockName.has(to)) continue;
      const name = blockName.get(from);
      const c = cls(to);
      if (name === undefined || !c.endsWith("CodeBlock") || c.startsWith("Unlinked")) continue;
      out.set(addr(to), name);
      blockName.set(to, name);
      changed = true;
    }
  }
  return out;
}

/** Section name → address, file offset and size, from a 64-bit little-endian ELF image. */
export function elfSections(elf: Uint8Array): Map<string, { addr: number; off: number; size: number }> {
  const dv = new DataView(elf.buffer, elf.byteOffset, elf.byteLength);
  const out = new Map<string, { addr: number; off: number; size: number }>();
  if (dv.getUint32(0, false) !== 0x7f454c46 || elf[4] !== 2 || elf[5] !== 1) return out;
  const u64 = (o: number) => dv.getUint32(o, true) + dv.getUint32(o + 4, true) * 4294967296;
  const shoff = u64(0x28), shentsize = dv.getUint16(0x3a, true), shnum = dv.getUint16(0x3c, true);
  const shstrndx = dv.getUint16(0x3e, true);
  if (shoff === 0 || shoff + shnum * shentsize > elf.length) return out;
  const strOff = u64(shoff + shstrndx * shentsize + 0x18);
  const dec = new TextDecoder();
  for (let i = 0; i < shnum; i++) {
    const h = shoff + i * shentsize;
    const nameOff = strOff + dv.getUint32(h, true);
    let e = nameOff;
    while (e < elf.length && elf[e] !== 0) e++;
    out.set(dec.decode(elf.subarray(nameOff, e)), { addr: u64(h + 0x10), off: u64(h + 0x18), size: u64(h + 0x20) });
  }
  return out;
}

// ------------------------------------------------------------------ Deno: TypeScript lines

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

function base64Bytes(b64: string): Uint8Array {
  const T = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const clean = b64.replace(/=+$/, "");
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0, acc = 0, o = 0;
  for (let i = 0; i < clean.length; i++) {
    acc = (acc << 6) | T.indexOf(clean[i]);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/** A decoded source map (first source only): generated line → sorted [genCol, srcLine, srcCol] triples. */
export class SourceMap {
  private readonly lines: number[][] = [];

  constructor(mappings: string) {
    const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let srcLine = 0, srcCol = 0, srcIdx = 0;
    let line: number[] = [];
    let genCol = 0;
    let i = 0;
    const vlq = (): number => {
      let result = 0, shift = 0, c: number;
      do {
        c = B64.indexOf(mappings[i++]);
        result += (c & 31) << shift;
        shift += 5;
      } while (c & 32);
      return result & 1 ? -(result >>> 1) : result >>> 1;
    };
    while (i <= mappings.length) {
      const ch = mappings[i];
      if (ch === ";" || ch === undefined) {
        this.lines.push(line);
        line = [];
        genCol = 0;
        i++;
        if (ch === undefined) break;
        continue;
      }
      if (ch === ",") {
        i++;
        continue;
      }
      genCol += vlq();
      if (i < mappings.length && mappings[i] !== "," && mappings[i] !== ";") {
        srcIdx += vlq();
        srcLine += vlq();
        srcCol += vlq();
        if (i < mappings.length && mappings[i] !== "," && mappings[i] !== ";") vlq(); // name
        if (srcIdx === 0) line.push(genCol, srcLine, srcCol);
      }
    }
  }

  /** Original 0-based line/col for a 0-based generated position: the last mapping at or before it on its line. */
  lookup(genLine: number, genCol: number): { line: number; col: number } | undefined {
    const l = this.lines[genLine];
    if (!l || l.length === 0) return undefined;
    let best = 0;
    for (let k = 0; k < l.length; k += 3) {
      if (l[k] <= genCol) best = k;
      else break;
    }
    // Within one mapped token run the text is usually copied as is: keep the offset from it.
    const delta = genCol - l[best];
    return { line: l[best + 1], col: l[best + 2] + (delta >= 0 && delta <= 64 ? delta : 0) };
  }
}

// ------------------------------------------------------------------ locating Bun functions

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
  const want = new Map<number, CodeRange[]>(); // hash value → ranges
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
  let transpiled: (string | string[] | undefined)[] = [];
  if (want.size > 0 && sources.length > 0) {
    try {
      transpiled = (opts.transpile ?? ((s) => bunTranspile(s, opts.bun)))(sources);
    } catch {
      transpiled = [];
    }
  }

  type Loc = { file: string; line: number; col: number; module: boolean; name?: string };
  const found = new Map<number, Loc[]>();
  for (let i = 0; i < sources.length && found.size < want.size; i++) {
    const { path, source } = sources[i];
    const t = transpiled[i];
    // What JSC ran: the transpiler's output, else (no transpiler) the file itself.
    const texts: string[] = t === undefined ? [source] : typeof t === "string" ? [t] : [...t];
    const lines = lineStarts(source);
    for (const text of texts) {
      if (found.size >= want.size) break;
      const toks = tokenize(text);
      const hits = hashFunctions(text, toks, want, found);
      if (hits.length === 0) continue;
      const map = text === source ? undefined : new PositionMap(text, toks, source);
      const fresh = new Map<number, Loc[]>();
      for (const { value, offset, whole, name } of hits) {
        const list = fresh.get(value) ?? [];
        fresh.set(value, list);
        if (whole) {
          list.push({ file: path, line: 1, col: 1, module: true });
          continue;
        }
        const pos = map ? map.toOriginal(offset) : offset;
        list.push({ file: path, ...lineCol(lines, pos), module: false, name });
      }
      for (const [v, l] of fresh) found.set(v, l);
    }
  }
  for (const [value, locs] of found) {
    for (const r of want.get(value) ?? []) {
      // Identical function texts share a hash: prefer the copy bound to the same name.
      const loc = locs.find((l) => l.name === r.name) ?? locs[0];
      r.file = loc.file;
      r.line = loc.line;
      r.col = loc.col;
      // Module code blocks hash the whole transpiled file; Bun names some of them "#hash" only.
      if (loc.module && r.name === "<anonymous>") r.name = "<module>";
      report.byHash++;
    }
  }

  if (opts.byName !== false) {
    const left = todo.filter((r) => r.file === undefined && r.name && !r.name.startsWith("<") && !JSC_BUILTIN_NAMES.has(r.name));
    if (left.length > 0) {
      const defs = new Map<string, { file: string; line: number; col: number }[]>();
      for (const { path, source } of sources) {
        const starts = lineStarts(source);
        for (const d of findDefinitions(source)) {
          const list = defs.get(d.name) ?? [];
          list.push({ file: path, ...lineCol(starts, d.offset) });
          defs.set(d.name, list);
        }
      }
      for (const r of left) {
        const d = defs.get(r.name);
        if (!d) continue;
        const unique = new Set(d.map((x) => `${x.file}:${x.line}`));
        if (unique.size !== 1) continue;
        r.file = d[0].file;
        r.line = d[0].line;
        r.col = d[0].col;
        report.byName++;
      }
    }
  }
  report.unresolved = todo.filter((r) => r.file === undefined).length;
  return report;
}

/** Names of functions JSC itself implements in JavaScript (never in user files). */
const JSC_BUILTIN_NAMES = new Set([
  "map", "filter", "forEach", "reduce", "reduceRight", "find", "findIndex", "findLast", "findLastIndex", "some",
  "every", "flat", "flatMap", "fill", "includes", "indexOf", "sort", "toSorted", "values", "keys", "entries",
  "next", "return", "throw", "then", "catch", "finally", "resolve", "reject", "all", "allSettled", "race", "any",
  "generatorResume", "asyncGeneratorResume", "asyncFunctionResume", "performIteration", "performPromiseThen",
  "promiseReactionJob", "from", "of", "apply", "call", "bind", "join", "replace", "replaceAll", "split",
  "match", "matchAll", "search", "at", "copyWithin", "push", "pop", "shift", "unshift", "splice", "slice", "concat",
]);

/** JSC's CodeBlockHash text (6 characters of base 62) → its 32-bit value. */
export function decodeCodeBlockHash(s: string): number {
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const d = c >= 65 && c <= 90 ? c - 65 : c >= 97 && c <= 122 ? c - 71 : c - 48 + 52;
    v = v * 62 + d;
  }
  return v >>> 0;
}

/** The 32-bit value JSC's CodeBlockHash gives a piece of source text (call code; XOR 1 for construct). */
export function codeBlockHashValue(text: string): number {
  const d = createHash("sha1").update(text, "utf8").digest();
  const v = (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0;
  return v === 0 ? 1 : v;
}

/** 32-bit value → JSC's 6-character text form. */
export function encodeCodeBlockHash(v: number): string {
  const T = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  let s = "";
  for (let i = 0; i < 6; i++) {
    s = T[v % 62] + s;
    v = Math.floor(v / 62);
  }
  return s;
}

interface Hit {
  value: number;
  offset: number;
  /** The span is the whole text: module or script code. */
  whole: boolean;
  /** The identifier the function is bound to in the text, if any ("f" in "f = (", "function f(", "f(…) {"). */
  name?: string;
}

/** Hash every function-like span of `text`; return the wanted ones (identical texts hash alike: up to 32 hits each). */
function hashFunctions(text: string, toks: Token[], want: Map<number, unknown>, found: Map<number, unknown>): Hit[] {
  const hits: Hit[] = [];
  const count = new Map<number, number>();
  // Module (and script) code blocks hash the whole text.
  for (const [s, e, k] of [[0, text.length, -1] as [number, number, number], ...functionSpans(toks)]) {
    const v = codeBlockHashValue(text.slice(s, e));
    for (const cand of [v, (v ^ 1) >>> 0]) {
      if (!want.has(cand) || found.has(cand)) continue;
      const c = count.get(cand) ?? 0;
      if (c >= 32) continue;
      count.set(cand, c + 1);
      hits.push({ value: cand, offset: s, whole: s === 0 && e === text.length, name: k >= 0 ? boundName(toks, k) : undefined });
    }
  }
  return hits;
}

const NOT_NAMES = new Set(["function", "async", "get", "set", "static", "return", "=>", "if", "for", "while", "switch", "catch"]);

/** The name a function starting at token k is given by its context: "function NAME(", "NAME(", "NAME = (", "NAME: (". */
function boundName(toks: Token[], k: number): string | undefined {
  let j = k - 1;
  if (toks[j]?.v === ")") return undefined; // a body span: no name of its own
  while (j >= 0 && (toks[j].v === "=" || toks[j].v === ":" || toks[j].v === "*" || toks[j].v === "async" || toks[j].v === "function")) j--;
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

// ------------------------------------------------------------------ a small JS/TS tokenizer

const enum T {
  Word,
  Num,
  Str,
  Tmpl,
  Regex,
  Punct,
}

interface Token {
  t: T;
  s: number;
  e: number;
  v: string;
}

const KEYWORDS_BEFORE_EXPR = new Set([
  "return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else", "yield",
  "await", "extends",
]);

/**
 * Tokenize JavaScript/TypeScript well enough to match brackets: comments are
 * skipped, strings, template literals (with nested ${…}) and regular
 * expression literals become single tokens. Unterminated strings end at the
 * line end so that stray quotes (JSX text) do little harm.
 */
function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  const braceStack: boolean[] = []; // true = "${" of a template literal
  const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c > 127;
  const isId = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);
  const regexAllowed = () => {
    const p = out[out.length - 1];
    if (!p) return true;
    if (p.t === T.Word) return KEYWORDS_BEFORE_EXPR.has(p.v);
    if (p.t === T.Num || p.t === T.Str || p.t === T.Tmpl || p.t === T.Regex) return false;
    return p.v !== ")" && p.v !== "]";
  };
  const scanTemplate = (start: number) => {
    // i is just after ` or after the } closing a ${…}
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 96) {
        i++;
        out.push({ t: T.Tmpl, s: start, e: i, v: "`" });
        return;
      } else if (c === 36 && src.charCodeAt(i + 1) === 123) {
        i += 2;
        out.push({ t: T.Tmpl, s: start, e: i, v: "`${" });
        braceStack.push(true);
        return;
      } else i++;
    }
    out.push({ t: T.Tmpl, s: start, e: n, v: "`" });
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff || c === 0xa0 || c === 0x2028 || c === 0x2029) {
      i++;
      continue;
    }
    const s = i;
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      const e = src.indexOf("\n", i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const e = src.indexOf("*/", i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (isIdStart(c) || c === 35 /* # */ || c === 92 /* \u escape */) {
      i++;
      while (i < n && (isId(src.charCodeAt(i)) || src.charCodeAt(i) === 92)) i++;
      out.push({ t: T.Word, s, e: i, v: src.slice(s, i) });
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (isId(d) || d === 46) i++;
        else if ((d === 43 || d === 45) && (src.charCodeAt(i - 1) | 32) === 101 && !/^0[xX]/.test(src.slice(s, s + 2))) i++;
        else break;
      }
      out.push({ t: T.Num, s, e: i, v: src.slice(s, i) });
      continue;
    }
    if (c === 34 || c === 39) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === c) {
          i++;
          break;
        } else if (d === 10) break;
        else i++;
      }
      out.push({ t: T.Str, s, e: i, v: src.slice(s + 1, i - 1) });
      continue;
    }
    if (c === 96) {
      i++;
      scanTemplate(s);
      continue;
    }
    if (c === 47 && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 10) break;
        else if (inClass) {
          if (d === 93) inClass = false;
          i++;
        } else if (d === 91) {
          inClass = true;
          i++;
        } else if (d === 47) {
          i++;
          break;
        } else i++;
      }
      while (i < n && isId(src.charCodeAt(i))) i++;
      out.push({ t: T.Regex, s, e: i, v: src.slice(s, i) });
      continue;
    }
    if (c === 123) {
      braceStack.push(false);
      i++;
      out.push({ t: T.Punct, s, e: i, v: "{" });
      continue;
    }
    if (c === 125) {
      const tmpl = braceStack.pop();
      i++;
      if (tmpl) {
        scanTemplate(s);
        continue;
      }
      out.push({ t: T.Punct, s, e: i, v: "}" });
      continue;
    }
    // Punctuators: the few multi-character ones that matter here.
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    const p = three === "..." || three === "===" || three === "!==" ? three : two === "=>" || two === "?." || two === "??" || two === "==" || two === "!=" || two === "<=" || two === ">=" || two === "&&" || two === "||" || two === "++" || two === "--" ? two : src[i];
    i += p.length;
    out.push({ t: T.Punct, s, e: i, v: p });
  }
  return out;
}

/** Index of the matching closing bracket for each opening one (-1 if unmatched), over ( [ { and template ${ … }. */
function matchBrackets(toks: Token[]): Int32Array {
  const m = new Int32Array(toks.length).fill(-1);
  const stack: number[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    const v = t.v;
    if (t.t === T.Punct && (v === "(" || v === "[" || v === "{")) stack.push(k);
    else if (t.t === T.Tmpl && v === "`${") stack.push(k);
    else if ((t.t === T.Punct && (v === ")" || v === "]" || v === "}")) || (t.t === T.Tmpl && stack.length > 0 && toks[stack[stack.length - 1]].v === "`${")) {
      // A template continuation closes "${" (and may open another one).
      const open = stack.pop();
      if (open !== undefined) m[open] = k;
      if (t.t === T.Tmpl && v === "`${") stack.push(k);
    }
  }
  return m;
}

/**
 * Source spans that may be a function's CodeBlock source: "(params) { body }",
 * "(params) => { body }", "(params) => expression", "x => …", and bare
 * "{ body }" after a parameter list (generator and async bodies). Control-flow
 * blocks such as "if (…) {…}" are included too: they cost a hash, never a match.
 */
function functionSpans(toks: Token[]): [number, number, number][] {
  const m = matchBrackets(toks);
  const spans: [number, number, number][] = [];
  const exprEnd = (k: number): number => {
    // End (exclusive, in chars) of an arrow's expression body starting at token k.
    let last = k;
    for (let j = k; j < toks.length; j++) {
      const t = toks[j];
      if (t.t === T.Punct) {
        if (t.v === "," || t.v === ";" || t.v === ")" || t.v === "]" || t.v === "}") break;
        if ((t.v === "(" || t.v === "[" || t.v === "{") && m[j] > j) {
          last = m[j];
          j = m[j];
          continue;
        }
      } else if (t.t === T.Tmpl && t.v === "`${" && m[j] > j) {
        // Skip to the end of the whole template literal.
        let q = m[j];
        while (toks[q] && toks[q].v === "`${" && m[q] > q) q = m[q];
        last = q;
        j = q;
        continue;
      }
      last = j;
    }
    return toks[last].e;
  };
  const afterParams = (open: number, close: number) => {
    const start = toks[open].s;
    const nx = toks[close + 1];
    if (!nx) return;
    if (nx.v === "{" && nx.t === T.Punct && m[close + 1] > 0) {
      spans.push([start, toks[m[close + 1]].e, open], [nx.s, toks[m[close + 1]].e, close + 1]);
    } else if (nx.v === "=>") {
      const b = toks[close + 2];
      if (!b) return;
      if (b.v === "{" && b.t === T.Punct && m[close + 2] > 0) {
        spans.push([start, toks[m[close + 2]].e, open], [b.s, toks[m[close + 2]].e, close + 2]);
      } else spans.push([start, exprEnd(close + 2), open]);
    }
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.t === T.Punct && t.v === "(" && m[k] > k) afterParams(k, m[k]);
    else if (t.t === T.Word && toks[k + 1]?.v === "=>") afterParams(k, k);
  }
  return spans;
}

/** Offsets and names of plausible definitions: function f(, f(…){, f = (…) =>, f: function, get f(, class F. */
function findDefinitions(src: string): { name: string; offset: number }[] {
  const toks = tokenize(src);
  const m = matchBrackets(toks);
  const out: { name: string; offset: number }[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.t !== T.Word) continue;
    const prev = toks[k - 1], next = toks[k + 1];
    if (!next) continue;
    if (prev?.v === "function" || (prev?.v === "*" && toks[k - 2]?.v === "function") || prev?.v === "class") {
      out.push({ name: t.v, offset: prev.v === "class" ? t.s : (next.v === "(" ? next.s : t.s) });
      continue;
    }
    if (next.v === "(" && m[k + 1] > 0 && prev?.v !== "." && prev?.v !== "new") {
      // Method definition: name(params) { — or name(params): Type { in TypeScript.
      let j = m[k + 1] + 1;
      if (toks[j]?.v === ":") {
        let depth = 0;
        for (j++; j < toks.length; j++) {
          const v = toks[j].v;
          if (v === "{" && depth === 0) break;
          if (v === "(" || v === "<" || v === "[") depth++;
          else if (v === ")" || v === ">" || v === "]") depth--;
          else if (v === ";" || v === "=>" || v === "}") break;
        }
      }
      if (toks[j]?.v === "{" && !CONTROL_WORDS.has(t.v)) out.push({ name: t.v, offset: next.s });
      continue;
    }
    if ((next.v === "=" || next.v === ":") && prev?.v !== "." && prev?.v !== "?") {
      let j = k + 2;
      if (toks[j]?.v === "async") j++;
      const a = toks[j];
      if (!a) continue;
      if (a.v === "function") out.push({ name: t.v, offset: (toks[j + 1]?.v === "(" ? toks[j + 1] : a).s });
      else if (a.v === "(" && m[j] > 0 && toks[m[j] + 1]?.v === "=>") out.push({ name: t.v, offset: a.s });
      else if (a.t === T.Word && toks[j + 1]?.v === "=>") out.push({ name: t.v, offset: a.s });
    }
  }
  return out;
}

const CONTROL_WORDS = new Set(["if", "for", "while", "switch", "catch", "with", "function", "return", "typeof", "await", "yield"]);

/**
 * Maps character offsets in a transformed text (Bun's transpiler output) back to
 * the original by aligning their word tokens (identifiers, keywords, numbers,
 * string contents) with a patience diff: tokens unique to both sides anchor the
 * alignment (longest increasing run), the gaps between anchors are aligned
 * recursively, small gaps by a plain LCS table.
 */
class PositionMap {
  /** Sorted transformed offsets of aligned tokens, and their original offsets. */
  private readonly tPos: number[] = [];
  private readonly oPos: number[] = [];
  private readonly tEnd: number[] = [];
  private readonly oEnd: number[] = [];

  constructor(private readonly transformed: string, transformedTokens: Token[], private readonly original: string) {
    const tw = transformedTokens.filter((t) => t.t !== T.Punct);
    const ow = tokenize(original).filter((t) => t.t !== T.Punct);
    const key = (t: Token) => (t.t === T.Str ? "s:" + t.v : t.t === T.Tmpl ? "`" : t.v);
    const pairs = alignSequences(tw.map(key), ow.map(key));
    for (const [i, j] of pairs) {
      this.tPos.push(tw[i].s);
      this.tEnd.push(tw[i].e);
      this.oPos.push(ow[j].s);
      this.oEnd.push(ow[j].e);
    }
  }

  /**
   * The original offset of the transformed span starting at `off` with the
   * character `c0` ("(" of a parameter list, "{" of a body, or a parameter):
   * from an aligned name just before it (scan forward for c0), else from the
   * first aligned token inside it (scan back over whitespace for c0).
   */
  toOriginal(off: number): number {
    const a = this.tPos;
    if (a.length === 0) return off;
    const c0 = this.transformed[off];
    let lo = 0, hi = a.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (a[mid] < off) lo = mid + 1;
      else hi = mid;
    }
    const o = this.original;
    // An aligned word that ends right before the span (a function or method name, "function", "async").
    const before = lo - 1;
    if (before >= 0 && /^[\s*]*$/.test(this.transformed.slice(this.tEnd[before], off)) && c0 === "(") {
      let p = this.oEnd[before];
      let depth = 0;
      for (let n = 0; p < o.length && n < 200; p++, n++) {
        const ch = o[p];
        if (ch === "<") depth++;
        else if (ch === ">") depth--;
        else if (ch === c0 && depth <= 0) return p;
        else if (depth <= 0 && !/\s|\*/.test(ch)) break;
      }
    }
    if (lo >= a.length) return this.oPos[a.length - 1];
    // The first aligned token at or after the span start: step back over whitespace and
    // what the transform dropped, to the nearest c0.
    let p = this.oPos[lo];
    if (this.transformed.slice(off, a[lo]).trim() === c0 || a[lo] === off) {
      if (a[lo] === off) return p;
      for (let q = p - 1, n = 0; q >= 0 && n < 200; q--, n++) {
        if (o[q] === c0) return q;
        if (!/\s/.test(o[q])) break;
      }
    }
    return p;
  }
}

/**
 * Pairs (i, j) with a[i] === b[j], strictly increasing in both, approximating a
 * longest common subsequence (patience diff with an LCS table for small gaps).
 */
export function alignSequences(a: string[], b: string[]): [number, number][] {
  const out: [number, number][] = [];
  const work: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  const segs: [number, number][][] = [];
  while (work.length > 0) {
    let [alo, ahi, blo, bhi] = work.pop()!;
    const seg: [number, number][] = [];
    while (alo < ahi && blo < bhi && a[alo] === b[blo]) seg.push([alo++, blo++]);
    const tail: [number, number][] = [];
    while (alo < ahi && blo < bhi && a[ahi - 1] === b[bhi - 1]) tail.push([--ahi, --bhi]);
    segs.push(seg, tail.reverse());
    const n = ahi - alo, m = bhi - blo;
    if (n === 0 || m === 0) continue;
    if (n * m <= 40_000) {
      segs.push(lcsTable(a, b, alo, ahi, blo, bhi));
      continue;
    }
    // Anchors: tokens that occur exactly once in each range, in increasing order on both sides.
    const count = new Map<string, number>();
    for (let i = alo; i < ahi; i++) count.set(a[i], (count.get(a[i]) ?? 0) + 1);
    const inB = new Map<string, number>();
    const bCount = new Map<string, number>();
    for (let j = blo; j < bhi; j++) {
      bCount.set(b[j], (bCount.get(b[j]) ?? 0) + 1);
      inB.set(b[j], j);
    }
    const cand: [number, number][] = [];
    for (let i = alo; i < ahi; i++) {
      if (count.get(a[i]) === 1 && bCount.get(a[i]) === 1) cand.push([i, inB.get(a[i])!]);
    }
    const anchors = longestIncreasing(cand);
    if (anchors.length === 0) {
      // Nothing unique: align a window of each side by LCS and go on with the rest.
      const wa = Math.min(n, 200), wb = Math.min(m, 200);
      const part = lcsTable(a, b, alo, alo + wa, blo, blo + wb);
      segs.push(part);
      const last = part.at(-1);
      const na = last ? last[0] + 1 : alo + wa, nb = last ? last[1] + 1 : blo + wb;
      if (na < ahi && nb < bhi) work.push([na, ahi, nb, bhi]);
      continue;
    }
    let pa = alo, pb = blo;
    for (const [i, j] of anchors) {
      if (i > pa && j > pb) work.push([pa, i, pb, j]);
      seg.push([i, j]);
      pa = i + 1;
      pb = j + 1;
    }
    if (pa < ahi && pb < bhi) work.push([pa, ahi, pb, bhi]);
  }
  for (const s of segs) for (const p of s) out.push(p);
  out.sort((x, y) => x[0] - y[0]);
  return out;
}

/** Longest subsequence of pairs increasing in both coordinates (input sorted by the first). */
function longestIncreasing(pairs: [number, number][]): [number, number][] {
  const tails: number[] = []; // index into pairs of the smallest tail of each length
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const y = pairs[k][1];
    let lo = 0, hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pairs[tails[mid]][1] < y) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1];
    tails[lo] = k;
  }
  const out: [number, number][] = [];
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) out.push(pairs[k]);
  return out.reverse();
}

/** Exact LCS of a[alo..ahi) and b[blo..bhi) by dynamic programming (for small ranges). */
function lcsTable(a: string[], b: string[], alo: number, ahi: number, blo: number, bhi: number): [number, number][] {
  const n = ahi - alo, m = bhi - blo;
  const L = new Uint16Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i * (m + 1) + j] = a[alo + i] === b[blo + j]
        ? L[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(L[(i + 1) * (m + 1) + j], L[i * (m + 1) + j + 1]);
    }
  }
  const out: [number, number][] = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[alo + i] === b[blo + j]) {
      out.push([alo + i, blo + j]);
      i++;
      j++;
    } else if (L[(i + 1) * (m + 1) + j] >= L[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return out;
}

/** Offsets at which each line starts. */
function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) out.push(i + 1);
  return out;
}

/** 1-based line and column of a character offset, given lineStarts(). */
function lineCol(starts: number[], off: number): { line: number; col: number } {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid] <= off) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, col: off - starts[lo] + 1 };
}

// ------------------------------------------------------------------ the default transpiler: a bun child process

const TRANSPILE_SCRIPT = `
const input = JSON.parse(await new Response(Bun.stdin.stream()).text());
const loaders = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".jsx": "jsx" };
const out = input.map(({ path, source }) => {
  const ext = path.slice(path.lastIndexOf("."));
  try {
    const t = new Bun.Transpiler({ loader: loaders[ext] ?? "js", target: "bun" });
    const plain = t.transformSync(source);
    if (/^(import|export)[\\s{*]/m.test(plain)) return [plain];
    // CommonJS: the runtime prints the module inside its wrapper function, one level deeper.
    const wrapped = t.transformSync("(function (exports, require, module, __filename, __dirname) {\\n" + source + "\\n})();");
    if (/\\b(module\\.exports|exports\\.[A-Za-z_$]|require\\()/.test(plain)) return [wrapped];
    return [plain, wrapped];
  } catch {
    return null;
  }
});
process.stdout.write(JSON.stringify(out));
`;

function bunTranspile(sources: { path: string; source: string }[], bun?: string): (string[] | undefined)[] {
  const exe = findBun(bun);
  if (!exe) return [];
  const out = execFileSync(exe, ["-e", TRANSPILE_SCRIPT], {
    input: JSON.stringify(sources),
    maxBuffer: 1 << 30,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "ignore"],
  });
  const parsed = JSON.parse(out) as (string[] | null)[];
  return parsed.map((x) => x ?? undefined);
}

function findBun(explicit?: string): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    explicit,
    process.env.VMPROF_BUN,
    basename(process.execPath).startsWith("bun") ? process.execPath : undefined,
    resolve(here, "..", "..", "node_modules", ".bin", "bun"),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir, "bun");
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Loader Bun would use for a path (exported for tests and callers that transpile themselves). */
export function bunLoaderFor(path: string): "ts" | "tsx" | "jsx" | "js" {
  const ext = extname(path);
  return ext === ".ts" || ext === ".mts" || ext === ".cts" ? "ts" : ext === ".tsx" ? "tsx" : ext === ".jsx" ? "jsx" : "js";
}
