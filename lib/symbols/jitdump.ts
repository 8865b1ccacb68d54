// Parser for Linux perf jitdump files (JSC's BUN_JSC_useJITDump, V8's --perf-prof) → CodeRange[].
import type { CodeRange } from "./code-index.ts";
import { VmprofError } from "../errors.ts";
import { parseV8Name, urlToFile } from "./perfmap.ts";
import { u64 } from "../util/bytes.ts";

export type { CodeRange } from "./code-index.ts";

/** "JiTD" read as a little-endian u32; a big-endian writer gives 0x4454694a. */
const MAGIC = 0x4a695444;
const MAGIC_SWAPPED = 0x4454694a;
const REC_CODE_LOAD = 0;
const REC_CODE_MOVE = 1;
const REC_DEBUG_INFO = 2;
const REC_CLOSE = 3;
const FILE_HEADER_SIZE = 40;
const REC_HEADER_SIZE = 16;
const CODE_LOAD_FIXED = 56; // record header + pid, tid, vma, code_addr, code_size, code_index

/** What the file header says. */
export interface JitdumpHeader {
  version: number;
  elfMachine: number;
  pid: number;
  /** Nanoseconds of the writer's clock (CLOCK_MONOTONIC for both JSC and V8). */
  timestamp: number;
  flags: number;
  littleEndian: boolean;
}

/** Parse the 40-byte file header; undefined if the bytes are not a jitdump. */
export function parseJitdumpHeader(bytes: Uint8Array): JitdumpHeader | undefined {
  if (bytes.length < FILE_HEADER_SIZE) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const m = dv.getUint32(0, true);
  if (m !== MAGIC && m !== MAGIC_SWAPPED) return undefined;
  const le = m === MAGIC;
  return {
    version: dv.getUint32(4, le),
    elfMachine: dv.getUint32(12, le),
    pid: dv.getUint32(20, le),
    timestamp: u64(dv, 24, le),
    flags: u64(dv, 32, le),
    littleEndian: le,
  };
}

export interface JitdumpResult {
  header: JitdumpHeader;
  ranges: CodeRange[];
  /** True if the file ended inside a record (normal while JSC is still writing). */
  truncated: boolean;
  /** True if a JIT_CODE_CLOSE record was seen. */
  closed: boolean;
  /** Bytes that were parsed into whole records (a reader can resume from here). */
  consumed: number;
}

/**
 * Parse a jitdump. JIT_CODE_LOAD becomes a CodeRange (code bytes skipped),
 * JIT_CODE_MOVE adds a copy at the new address, JIT_CODE_DEBUG_INFO gives the
 * following load of the same address its file/line/col when its name had none,
 * JIT_CODE_CLOSE and unknown records are skipped. A truncated final record is
 * tolerated: a CODE_LOAD whose fixed part and name are complete is still used
 * (the missing tail is only code bytes). Throws on a file that is not a jitdump.
 */
export function parseJitdump(bytes: Uint8Array, seqBase = 0): CodeRange[] {
  return parseJitdumpFull(bytes, seqBase).ranges;
}

/**
 * parseJitdump with what a resumable reader needs (header, truncation, bytes consumed).
 * Longer than 80 lines on purpose: one loop over the records with one case per record
 * type, as the jitdump specification lists them.
 */
export function parseJitdumpFull(bytes: Uint8Array, seqBase = 0): JitdumpResult {
  const header = parseJitdumpHeader(bytes);
  if (!header) {
    const why = bytes.length < FILE_HEADER_SIZE
      ? `it ends at byte ${bytes.length}, inside its ${FILE_HEADER_SIZE}-byte header`
      : "bad magic at byte 0";
    throw new VmprofError("BAD_LOG", `not a jitdump file (${why})`);
  }
  const le = header.littleEndian;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  const ranges: CodeRange[] = [];
  const byStart = new Map<number, CodeRange>();
  const pendingDebug = new Map<
    number,
    { file?: string; line: number; col: number; positions: NonNullable<CodeRange["positions"]> }
  >();
  let truncated = false, closed = false;
  let off = dv.getUint32(8, le); // header total_size: where the first record starts
  if (off < FILE_HEADER_SIZE) off = FILE_HEADER_SIZE;
  let consumed = Math.min(off, len);

  while (off < len) {
    if (off + REC_HEADER_SIZE > len) {
      truncated = true;
      break;
    }
    const id = dv.getUint32(off, le);
    const size = dv.getUint32(off + 4, le);
    if (size < REC_HEADER_SIZE) {
      // Corrupt (or zero-filled preallocated tail): nothing after this can be trusted.
      truncated = true;
      break;
    }
    const recEnd = off + size;
    const whole = recEnd <= len;
    if (id === REC_CODE_LOAD) {
      if (off + CODE_LOAD_FIXED > len) {
        truncated = true;
        break;
      }
      const codeAddr = u64(dv, off + 32, le);
      const codeSize = u64(dv, off + 40, le);
      const nameEnd = indexOfZero(bytes, off + CODE_LOAD_FIXED, Math.min(recEnd, len));
      if (nameEnd < 0) {
        truncated = true;
        break;
      }
      const raw = utf8(bytes, off + CODE_LOAD_FIXED, nameEnd);
      const r: CodeRange = { start: codeAddr, size: codeSize, seq: seqBase + ranges.length, ...parseCodeName(raw) };
      const dbg = pendingDebug.get(codeAddr);
      if (dbg) {
        pendingDebug.delete(codeAddr);
        if (r.file === undefined && dbg.file !== undefined) r.file = dbg.file;
        if (r.line === undefined && dbg.line > 0) {
          r.line = dbg.line;
          if (dbg.col > 0) r.col = dbg.col;
        }
        if (dbg.positions.offsets.length > 0) r.positions = dbg.positions;
      }
      ranges.push(r);
      byStart.set(codeAddr, r);
      if (!whole) {
        truncated = true;
        break;
      }
    } else if (!whole) {
      truncated = true;
      break;
    } else if (id === REC_CODE_MOVE) {
      // pid u32, tid u32, vma u64, old_code_addr u64, new_code_addr u64, code_size u64, code_index u64
      if (size >= REC_HEADER_SIZE + 48) {
        const oldAddr = u64(dv, off + 32, le);
        const newAddr = u64(dv, off + 40, le);
        const codeSize = u64(dv, off + 48, le);
        const prev = byStart.get(oldAddr);
        if (prev) {
          const moved: CodeRange = {
            ...prev,
            start: newAddr,
            size: codeSize || prev.size,
            seq: seqBase + ranges.length,
          };
          ranges.push(moved);
          byStart.set(newAddr, moved);
        }
      }
    } else if (id === REC_DEBUG_INFO) {
      // code_addr u64, nr_entry u64, then entries { addr u64, lineno u32, discrim u32, name\0 }.
      // Perf's spec: the record precedes the CODE_LOAD of the same code_addr. The
      // first entry carries the function's own position (V8 and JSC both emit it
      // in code order); discrim is the column for V8 and JSC.
      if (size >= REC_HEADER_SIZE + 16) {
        const codeAddr = u64(dv, off + 16, le);
        const n = u64(dv, off + 24, le);
        const p = off + 32;
        if (n > 0 && p + 16 < recEnd) {
          const line = dv.getUint32(p + 8, le);
          const col = dv.getUint32(p + 12, le);
          const e = indexOfZero(bytes, p + 16, recEnd);
          const file = e > p + 16 ? urlToFile(utf8(bytes, p + 16, e)) : undefined;
          // The whole table: code address -> position, in code order.
          const positions: NonNullable<CodeRange["positions"]> = { offsets: [], lines: [], cols: [], files: [] };
          let q = p;
          let prevAt = -1, prevLen = -1, prevFile: string | undefined;
          for (let i = 0; i < n && q + 16 < recEnd; i++) {
            const end = indexOfZero(bytes, q + 16, recEnd);
            if (end < 0) break;
            positions.offsets.push(u64(dv, q, le) - codeAddr);
            positions.lines.push(dv.getUint32(q + 8, le));
            positions.cols.push(dv.getUint32(q + 12, le));
            // Consecutive entries nearly always name the same file: decode it once.
            const len = end - (q + 16);
            if (len !== prevLen || !sameBytes(bytes, prevAt, q + 16, len)) {
              prevFile = len > 0 ? urlToFile(utf8(bytes, q + 16, end)) : undefined;
              prevAt = q + 16;
              prevLen = len;
            }
            positions.files.push(prevFile);
            q = end + 1;
          }
          pendingDebug.set(codeAddr, { file, line, col, positions });
        }
      }
    } else if (id === REC_CLOSE) {
      closed = true;
    }
    off = recEnd;
    consumed = off;
  }
  return { header, ranges, truncated, closed, consumed };
}

function sameBytes(b: Uint8Array, a: number, c: number, len: number): boolean {
  if (a < 0) return false;
  for (let i = 0; i < len; i++) if (b[a + i] !== b[c + i]) return false;
  return true;
}

const JSC_RE = /^JSC-([A-Za-z0-9]+): ?(.*)$/s;
const HASH_RE = /^(.*)#([A-Za-z0-9]{6})$/s;
const JSC_TIERS: Record<string, string> = { Baseline: "baseline", DFG: "dfg", FTL: "ftl", LLInt: "llint" };

/** Name of a jitdump record: JSC ("JSC-<Profile>: …") or V8 (same names as its perf map). */
export function parseCodeName(raw: string): Omit<CodeRange, "start" | "size" | "seq"> {
  if (raw.startsWith("JSC-")) return parseJscName(raw);
  const n = parseV8Name(raw);
  delete n.osr;
  return n;
}

/**
 * Parse a JSC jitdump name. "JSC-<Profile>: <details>" where Profile is a
 * LinkBuffer profile (Baseline, DFG, FTL, DFGOSREntry, DFGOSRExit, FTLOSRExit,
 * InlineCache, JumpIsland, Thunk, LLIntThunk, DFGThunk, FTLThunk, WasmThunk,
 * ExtraCTIThunk, WasmOMG, WasmBBQ, YarrJIT, CSSJIT, Uncategorized).
 * For Baseline/DFG/FTL the details are CodeBlock::inferredNameWithHash():
 * "<ecmaName>#<hash>", "#<hash>" for anonymous functions, "<global>#…",
 * "<eval>#…", and in Bun's JSC the module's source URL (a path) for module code.
 */
export function parseJscName(raw: string): Omit<CodeRange, "start" | "size" | "seq"> {
  const m = JSC_RE.exec(raw);
  if (!m) return { name: raw, kind: "other" };
  const profile = m[1];
  const details = m[2];
  const tier = JSC_TIERS[profile];
  if (tier) {
    const h = HASH_RE.exec(details);
    const name = h ? h[1] : details;
    const out: Omit<CodeRange, "start" | "size" | "seq"> = { name: name || "<anonymous>", kind: "js", tier };
    if (h) out.hash = h[2];
    if (looksLikeModulePath(name)) {
      out.name = "<module>";
      out.file = urlToFile(name);
      out.line = 1;
    }
    return out;
  }
  if (profile === "YarrJIT") return { name: details, kind: "regexp" };
  if (profile === "WasmBBQ" || profile === "WasmOMG" || profile === "Wasm") {
    const out: Omit<CodeRange, "start" | "size" | "seq"> = { name: details || "<wasm>", kind: "wasm" };
    if (profile !== "Wasm") out.tier = profile.slice(4).toLowerCase();
    return out;
  }
  const label = details && details !== "unspecified" ? `${profile}: ${details}` : profile;
  if (profile === "LLIntThunk") return { name: label, kind: "interpreter" };
  if (profile === "CSSJIT" || profile === "Uncategorized") return { name: label, kind: "other" };
  if (profile.startsWith("Wasm")) return { name: label, kind: "wasm" };
  // Thunk, ExtraCTIThunk, DFGThunk, FTLThunk, InlineCache, JumpIsland, OSR entry/exit ramps.
  return { name: label, kind: "stub" };
}

/** Module code in Bun is named by its source URL: an absolute path or a URL-ish "scheme:…". */
function looksLikeModulePath(name: string): boolean {
  return name.startsWith("/") || name.startsWith("file://") ||
    /^[a-z][a-z0-9+.-]*:\/?[^ ]/.test(name) && name.includes("/");
}

function indexOfZero(bytes: Uint8Array, from: number, to: number): number {
  const end = Math.min(to, bytes.length);
  for (let i = from; i < end; i++) if (bytes[i] === 0) return i;
  return -1;
}

const decoder = new TextDecoder("utf-8");
function utf8(bytes: Uint8Array, from: number, to: number): string {
  // Names are almost always ASCII: build short ones directly, avoiding the decoder call cost.
  if (to - from < 64) {
    let s = "";
    for (let i = from; i < to; i++) {
      const c = bytes[i];
      if (c >= 0x80) return decoder.decode(bytes.subarray(from, to));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(bytes.subarray(from, to));
}
