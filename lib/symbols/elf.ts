// Native frame names from ELF symbol tables (.symtab, .dynsym): pc → module, function and offset, for `-n` profiles.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";
import { indexOf, u64 } from "../util/bytes.ts";
import { bisect } from "../util/bisect.ts";
import {
  ELF_HEADER_SIZE,
  EM_AARCH64,
  parseElfHeader,
  parseProgramHeaders,
  parseSectionHeaders,
  type SectionHeader,
} from "./elf-header.ts";
import { cached, cacheDir } from "./cache.ts";
import { VmprofError } from "../errors.ts";

/** A function symbol of a module, in the module's own virtual addresses (what `nm`/`objdump` show). */
export interface ElfSymbol {
  name: string;
  /** st_value: the symbol's virtual address in the module. */
  start: number;
  /** st_size; for a symbol the table gave no size, the distance to the next symbol (or the section end). */
  size: number;
}

/** A PT_LOAD program header: file bytes [offset, offset + filesz) appear at [vaddr, vaddr + memsz). */
export interface ElfSegment {
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
  /** PF_X: the segment holds code. */
  exec: boolean;
}

const PT_LOAD = 1;
const PF_X = 1;
const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const STB_LOCAL = 0;
const STB_WEAK = 2;
const SHN_UNDEF = 0;
const SHN_LORESERVE = 0xff00;

/** Rank of a name among aliases of one address: higher wins (perf's choice: global, fewer underscores, longer). */
function aliasRank(bind: number, name: string): number {
  const bindRank = bind === STB_WEAK ? 1 : bind === STB_LOCAL ? 0 : 2;
  let underscores = 0;
  while (underscores < name.length && name.charCodeAt(underscores) === 0x5f) underscores++;
  return bindRank * 1e6 - Math.min(underscores, 9) * 1e4 + Math.min(name.length, 9999);
}

/**
 * The function symbols and load segments of one ELF64 little-endian file. Build it with
 * `ElfFile.open(path)` (cached per path; undefined for a file that is missing, unreadable or
 * not ELF64 LE). Symbols are kept as sorted typed arrays searched by bisection.
 */
export class ElfFile {
  readonly path: string;
  /** ET_EXEC (2) for a non-PIE executable, ET_DYN (3) for PIE executables and shared objects. */
  readonly type: number;
  readonly segments: ElfSegment[];
  /** Which symbol tables had function symbols: "symtab", "dynsym". */
  readonly tables: string[];
  private readonly starts: Float64Array;
  private readonly ends: Float64Array;
  /** Largest end among symbols 0..i: how far back a lookup must look for an enclosing symbol. */
  private readonly maxEnd: Float64Array;
  private readonly names: string[];

  /** Use `ElfFile.open` / `ElfFile.load`; this takes what `parseElf` read. */
  constructor(path: string, data: ElfData) {
    this.path = path;
    this.type = data.type;
    this.segments = data.segments;
    this.tables = data.tables;
    const n = data.symbols.length;
    this.starts = new Float64Array(n);
    this.ends = new Float64Array(n);
    this.maxEnd = new Float64Array(n);
    this.names = new Array(n);
    let maxEnd = 0;
    for (let i = 0; i < n; i++) {
      const s = data.symbols[i];
      this.starts[i] = s.start;
      this.ends[i] = s.start + s.size;
      maxEnd = Math.max(maxEnd, s.start + s.size);
      this.maxEnd[i] = maxEnd;
      this.names[i] = s.name;
    }
  }

  /** Number of distinct function symbols (aliases of one address count once). */
  get size(): number {
    return this.starts.length;
  }

  /** Parses `path`, or returns undefined if it cannot be read as ELF64 LE. Not cached: see `open`. */
  static load(path: string): ElfFile | undefined {
    let fd = -1;
    try {
      fd = openSync(path, "r");
      const data = parseElf(fd, fstatSync(fd).size);
      return data ? new ElfFile(path, data) : undefined;
    } catch {
      return undefined;
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  }

  /** `load(path)`, once per path for the life of the process. */
  static open(path: string): ElfFile | undefined {
    if (!cache.has(path)) cache.set(path, ElfFile.load(path));
    return cache.get(path);
  }

  /** Forgets cached files (tests; a module rebuilt under the same path). */
  static clearCache(): void {
    cache.clear();
    runtimeTables.clear();
  }

  /** The virtual address that file offset `off` is loaded at, from the PT_LOAD headers (undefined if none maps it). */
  vaddrOfOffset(off: number): number | undefined {
    let best: ElfSegment | undefined;
    for (const s of this.segments) {
      if (off >= s.offset && off < s.offset + s.filesz && (!best || (s.exec && !best.exec))) best = s;
    }
    return best ? off - best.offset + best.vaddr : undefined;
  }

  /** The function symbol whose [start, start + size) holds virtual address `addr`. */
  symbolAt(addr: number): ElfSymbol | undefined {
    const starts = this.starts;
    const hi = bisect(starts.length, (i) => starts[i] <= addr) - 1;
    // hi: the last symbol starting at or before addr. Nested symbols (a small one inside a
    // larger one) are rare: look further back only while some earlier symbol reaches addr,
    // and not far (a bogus huge size must not make every lookup linear).
    for (let i = hi; i >= 0 && i > hi - 64 && this.maxEnd[i] > addr; i--) {
      if (addr < this.ends[i]) return { name: this.names[i], start: starts[i], size: this.ends[i] - starts[i] };
    }
    return undefined;
  }

  /** Every function symbol, in address order (for tests and tools). */
  symbols(): ElfSymbol[] {
    const out: ElfSymbol[] = [];
    for (let i = 0; i < this.starts.length; i++) {
      out.push({ name: this.names[i], start: this.starts[i], size: this.ends[i] - this.starts[i] });
    }
    return out;
  }
}

const cache = new Map<string, ElfFile | undefined>();
const decoder = new TextDecoder();

/** What parseElf reads from a file: its type, load segments and function symbols (sorted, one per address). */
export interface ElfData {
  type: number;
  segments: ElfSegment[];
  tables: string[];
  symbols: ElfSymbol[];
}

interface RawSym {
  start: number;
  size: number;
  name: string;
  rank: number;
  /** The table gave no size: the size is filled in from the next symbol. */
  sized: boolean;
  /** End of the section the symbol is in (caps a filled-in size). */
  secEnd: number;
}

/** `len` bytes at file offset `pos`; a BAD_LOG error naming both when they are not all in the file. */
function readAt(fd: number, pos: number, len: number, fileSize: number): Uint8Array {
  if (len < 0 || pos < 0 || pos + len > fileSize) {
    throw new VmprofError("BAD_LOG", `ELF: ${len} bytes at byte ${pos} lie outside the file (${fileSize} bytes)`);
  }
  const buf = new Uint8Array(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n <= 0) throw new VmprofError("BAD_LOG", `ELF: short read at byte ${pos + got}`);
    got += n;
  }
  return buf;
}

/**
 * Reads the ELF64 LE file open on `fd`: undefined if it is not one; throws on a damaged header.
 * Long on purpose: one pass over the headers, symbol tables and their string tables, each
 * step using the offsets the previous one read; split, each piece would take them all.
 */
export function parseElf(fd: number, fileSize: number): ElfData | undefined {
  const h = parseElfHeader(readAt(fd, 0, ELF_HEADER_SIZE, fileSize));
  if (!h) return undefined;
  const { type, phoff, shoff, phentsize, phnum, shentsize, shnum } = h;

  const segments: ElfSegment[] = [];
  if (phoff && phnum && phentsize >= 56) {
    for (const p of parseProgramHeaders(readAt(fd, phoff, phnum * phentsize, fileSize), phnum, phentsize, phoff)) {
      if (p.type !== PT_LOAD) continue;
      segments.push({
        exec: (p.flags & PF_X) !== 0,
        offset: p.offset,
        vaddr: p.vaddr,
        filesz: p.filesz,
        memsz: p.memsz,
      });
    }
  }

  const tables: string[] = [];
  const raw: RawSym[] = [];
  if (shoff && shnum && shentsize >= 64) {
    const secs = parseSectionHeaders(readAt(fd, shoff, shnum * shentsize, fileSize), shnum, shentsize, shoff);
    const sec = (i: number): SectionHeader => secs[i];
    // .symtab first: when both tables name an address, the full table's entry is read first
    // and an alias of equal rank from .dynsym does not replace it.
    for (const want of [SHT_SYMTAB, SHT_DYNSYM]) {
      for (let i = 0; i < shnum; i++) {
        const s = sec(i);
        if (s.type !== want || s.entsize < 24 || s.link >= shnum || s.size === 0) continue;
        const strSec = sec(s.link);
        let syms: Uint8Array, strs: Uint8Array;
        try {
          syms = readAt(fd, s.offset, s.size, fileSize);
          strs = readAt(fd, strSec.offset, strSec.size, fileSize);
        } catch {
          continue; // a damaged table: use the other one
        }
        const yv = new DataView(syms.buffer);
        let found = 0;
        for (let o = 0; o + 24 <= syms.length; o += s.entsize) {
          const info = syms[o + 4];
          const kind = info & 0xf;
          if (kind !== STT_FUNC && kind !== STT_GNU_IFUNC) continue;
          const shndx = yv.getUint16(o + 6, true);
          if (shndx === SHN_UNDEF || shndx >= SHN_LORESERVE) continue;
          const start = u64(yv, o + 8);
          if (start === 0) continue;
          const nameOff = yv.getUint32(o, true);
          if (nameOff >= strs.length || strs[nameOff] === 0) continue;
          let e = nameOff;
          while (e < strs.length && strs[e] !== 0) e++;
          const size = u64(yv, o + 16);
          const home = shndx < shnum ? sec(shndx) : undefined;
          const name = decoder.decode(strs.subarray(nameOff, e));
          raw.push({
            start,
            size,
            name,
            sized: size > 0,
            rank: aliasRank(info >> 4, name),
            secEnd: home && start >= home.addr ? home.addr + home.size : start,
          });
          found++;
        }
        if (found > 0) tables.push(want === SHT_SYMTAB ? "symtab" : "dynsym");
      }
    }
  }

  // One entry per address: the best-ranked alias, with the largest size any alias gave.
  raw.sort((a, b) => a.start - b.start || b.rank - a.rank);
  const syms: RawSym[] = [];
  for (const r of raw) {
    const last = syms[syms.length - 1];
    if (last && last.start === r.start) {
      if (r.size > last.size) {
        last.size = r.size;
        last.sized = true;
      }
      continue;
    }
    syms.push({ ...r });
  }
  // A symbol without a size (hand-written assembly, _init) runs to the next symbol, within its section.
  for (let i = 0; i < syms.length; i++) {
    const s = syms[i];
    if (s.sized) continue;
    const next = i + 1 < syms.length ? syms[i + 1].start : Infinity;
    s.size = Math.max(0, Math.min(next, s.secEnd) - s.start);
  }
  return {
    type,
    segments,
    tables,
    symbols: syms.filter((s) => s.size > 0).map((s) => ({ name: s.name, start: s.start, size: s.size })),
  };
}

/** One file-backed executable mapping, as parseMaps (symbolize.ts) reads the raw log's `maps` META. */
export interface NativeMapping {
  lo: number;
  hi: number;
  /** File offset of `lo`. */
  offset: number;
  path: string;
}

/** What a native pc is. */
export interface NativeFrame {
  /** basename of the module's path ("libc.so.6", "deno"). */
  module: string;
  path: string;
  /** The function symbol that holds the pc, when the module's symbol tables have one. */
  symbol?: string;
  /** pc − symbol start with a symbol; otherwise the module-relative address (`vaddr`). */
  offset: number;
  /** The pc as a virtual address of the module (what addr2line/objdump take); the file offset if the file could not be read. */
  vaddr: number;
  /** Where the symbol starts, in the module's virtual addresses (with `symbol`). */
  symbolStart?: number;
  /** The symbol's size (with `symbol`). */
  symbolSize?: number;
  /** The runtime address the symbol starts at (with `symbol`): one key per function for all its pcs. */
  symbolPc?: number;
}

/**
 * Resolves runtime pcs of a profiled process to module + symbol + offset, from the
 * process's executable file mappings. Reads each module's ELF headers and symbol tables once
 * (per path, shared across instances); a module that cannot be read still gets `module+offset`.
 */
export class NativeSymbolizer {
  private readonly maps: NativeMapping[];
  private readonly v8Runtime: boolean;

  /**
   * `v8Runtime`: also name V8's runtime functions in modules that embed V8 without symbols
   * (deno; see v8RuntimeFunctions). Costs ~0.3 s per such module, once: turn it on for Deno.
   */
  constructor(maps: NativeMapping[], opts: { v8Runtime?: boolean } = {}) {
    this.maps = maps.filter((m) => m.hi > m.lo).slice().sort((a, b) => a.lo - b.lo);
    this.v8Runtime = opts.v8Runtime ?? false;
  }

  /** The mapping that holds `pc`, if any. */
  mappingOf(pc: number): NativeMapping | undefined {
    // The mappings are sorted and disjoint: the last one starting at or before pc, if it reaches pc.
    const maps = this.maps;
    const m = maps[bisect(maps.length, (i) => maps[i].lo <= pc) - 1];
    return m && pc < m.hi ? m : undefined;
  }

  lookup(pc: number): NativeFrame | undefined {
    const m = this.mappingOf(pc);
    if (!m) return undefined;
    const fileOffset = pc - m.lo + m.offset;
    const module = basename(m.path);
    const elf = ElfFile.open(m.path);
    const vaddr = elf?.vaddrOfOffset(fileOffset);
    if (!elf || vaddr === undefined) return { module, path: m.path, offset: fileOffset, vaddr: fileOffset };
    const sym = elf.symbolAt(vaddr) ?? this.runtimeTable(elf)?.symbolAt(vaddr);
    if (!sym) return { module, path: m.path, offset: vaddr, vaddr };
    return {
      module,
      path: m.path,
      symbol: sym.name,
      offset: vaddr - sym.start,
      vaddr,
      symbolStart: sym.start,
      symbolSize: sym.size,
      symbolPc: pc - (vaddr - sym.start),
    };
  }

  private runtimeTable(elf: ElfFile): ElfFile | undefined {
    return this.v8Runtime ? runtimeTableOf(elf) : undefined;
  }
}

const runtimeTables = new Map<string, ElfFile | undefined>();

/** V8's runtime functions of `elf` as a symbol table of their own (v8RuntimeFunctions), once per path. */
function runtimeTableOf(elf: ElfFile): ElfFile | undefined {
  if (!runtimeTables.has(elf.path)) {
    const symbols = v8RuntimeFunctions(elf.path);
    runtimeTables.set(
      elf.path,
      symbols.length
        ? new ElfFile(elf.path, { type: elf.type, segments: elf.segments, tables: ["v8-runtime"], symbols })
        : undefined,
    );
  }
  return runtimeTables.get(elf.path);
}

/**
 * Reads the symbols of the module at `path`, and with `v8Runtime` V8's runtime functions in
 * it, into this process's caches before a NativeSymbolizer first looks there (the CLI, for
 * the runtime binary, while the program runs).
 */
export function preloadNativeNames(path: string, v8Runtime: boolean): void {
  const elf = ElfFile.open(path);
  if (elf && v8Runtime) runtimeTableOf(elf);
}

/** `symbol` (or `symbol+0x1f` with `withOffset`), else `module+0x<vaddr>`. */
export function nativeFrameName(f: NativeFrame, withOffset = false): string {
  if (f.symbol) return withOffset && f.offset ? `${f.symbol}+0x${f.offset.toString(16)}` : f.symbol;
  return `${f.module}+0x${f.offset.toString(16)}`;
}

// ------------------------------------------------------------------ V8 runtime functions

const V8_PROBE = "AllocateInYoungGeneration";
const v8Cache = new Map<string, ElfSymbol[]>();

/**
 * V8's runtime functions (`Runtime_StringAdd`, `Runtime_AllocateInYoungGeneration`…) of a
 * stripped binary that embeds V8 (deno), from V8's own table of them: `Runtime::Function`
 * entries {id, type, name, entry, nargs, result_size}, 32 bytes each, whose name and entry
 * pointers are RELATIVE relocations in a PIE (plain pointers otherwise). Sizes come from the
 * code: up to the next function start (x86_64: 16-byte aligned, after int3 padding or at a
 * `push rbp; mov rbp, rsp` prologue; aarch64: see functionSizeA64). Empty for modules
 * without V8 or on any doubt; cached.
 */
/** Part of the cache key: a reader that finds more (aarch64 binaries, from 2) must not reuse an older reader's empty answer. */
const V8_RUNTIME_READER = "3";

export function v8RuntimeFunctions(path: string, dir = cacheDir()): ElfSymbol[] {
  let out = v8Cache.get(path);
  if (out) return out;
  // The same for every run of one binary: read once and kept in the user's cache (cache.ts).
  out = cached(dir, "v8-runtime", path, V8_RUNTIME_READER, () => {
    let fd = -1;
    try {
      fd = openSync(path, "r");
      return readV8Runtime(fd, fstatSync(fd).size);
    } catch {
      return [];
    } finally {
      if (fd >= 0) closeSync(fd);
    }
  });
  v8Cache.set(path, out);
  return out;
}

/**
 * Long on purpose: one search through the binary, each step narrowing where the next looks
 * (the probe name's section, the relocations pointing at it, the table around them, the
 * entries' code); split, the pieces would hand each other the whole ELF context.
 */
function readV8Runtime(fd: number, fileSize: number): ElfSymbol[] {
  const h = parseElfHeader(readAt(fd, 0, ELF_HEADER_SIZE, fileSize));
  if (!h) return [];
  const data = parseElf(fd, fileSize);
  if (!data) return [];
  const { shoff, shentsize, shnum } = h;
  if (!shoff || shentsize < 64) return [];
  const secs = parseSectionHeaders(readAt(fd, shoff, shnum * shentsize, fileSize), shnum, shentsize, shoff);
  const SHF_ALLOC = 2, SHF_WRITE = 1, SHF_EXECINSTR = 4, SHT_PROGBITS = 1, SHT_RELA = 4;
  const relative = h.machine === EM_AARCH64 ? 1027 /* R_AARCH64_RELATIVE */ : 8 /* R_X86_64_RELATIVE */;
  const sizeOf = h.machine === EM_AARCH64 ? functionSizeA64 : functionSize;
  const fileOf = (vaddr: number): number | undefined => {
    for (const s of data.segments) {
      if (vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz) return vaddr - s.vaddr + s.offset;
    }
    return undefined;
  };
  const isCode = (vaddr: number) => data.segments.some((s) => s.exec && vaddr >= s.vaddr && vaddr < s.vaddr + s.filesz);
  // Where the probe name lives: a read-only, non-code section.
  const probe = new TextEncoder().encode(`\0${V8_PROBE}\0`);
  let nameAddr = -1;
  for (const s of secs) {
    if (
      s.type !== SHT_PROGBITS || !(s.flags & SHF_ALLOC) || s.flags & (SHF_WRITE | SHF_EXECINSTR) || s.size > 256 << 20
    ) continue;
    const bytes = readAt(fd, s.offset, s.size, fileSize);
    const at = indexOf(bytes, probe);
    if (at >= 0) {
      nameAddr = s.addr + at + 1;
      break;
    }
  }
  if (nameAddr < 0) return [];
  // Pointer slots: RELATIVE relocations (PIE) or plain words in writable/relro data.
  const rel = new Map<number, number>();
  for (const s of secs) {
    if (s.type !== SHT_RELA || s.entsize !== 24 || s.size > 64 << 20) continue;
    const rv = new DataView(readAt(fd, s.offset, s.size, fileSize).buffer);
    for (let o = 0; o + 24 <= rv.byteLength; o += 24) {
      if (rv.getUint32(o + 8, true) === relative) rel.set(u64(rv, o), u64(rv, o + 16));
    }
  }
  const wordCache = new Map<number, DataView>();
  const pointer = (slot: number): number | undefined => {
    const r = rel.get(slot);
    if (r !== undefined) return r;
    const f = fileOf(slot);
    if (f === undefined) return undefined;
    const page = f - (f % 4096);
    let v = wordCache.get(page);
    if (!v) {
      const len = Math.min(8192, fileSize - page);
      v = new DataView(readAt(fd, page, len, fileSize).buffer);
      wordCache.set(page, v);
    }
    const o = f - page;
    return o + 8 <= v.byteLength ? u64(v, o) : undefined;
  };
  const slots: number[] = [];
  for (const [slot, target] of rel) if (target === nameAddr) slots.push(slot);
  if (rel.size === 0) {
    for (const s of secs) {
      if (s.type !== SHT_PROGBITS || !(s.flags & SHF_ALLOC) || !(s.flags & SHF_WRITE) || s.size > 64 << 20) continue;
      const dv = new DataView(readAt(fd, s.offset, s.size, fileSize).buffer);
      for (let o = 0; o + 8 <= dv.byteLength; o += 8) if (u64(dv, o) === nameAddr) slots.push(s.addr + o);
    }
  }
  const strCache = new Map<number, string | undefined>();
  const nameAt = (vaddr: number | undefined): string | undefined => {
    if (vaddr === undefined) return undefined;
    if (strCache.has(vaddr)) return strCache.get(vaddr);
    const f = fileOf(vaddr);
    let name: string | undefined;
    if (f !== undefined) {
      const b = readAt(fd, f, Math.min(80, fileSize - f), fileSize);
      const e = b.indexOf(0);
      const s = e > 0 ? decoder.decode(b.subarray(0, e)) : "";
      name = /^[A-Z][A-Za-z0-9_]{1,70}$/.test(s) ? s : undefined;
    }
    strCache.set(vaddr, name);
    return name;
  };
  const entryAt = (nameSlot: number): { name: string; entry: number } | undefined => {
    const name = nameAt(pointer(nameSlot));
    const entry = pointer(nameSlot + 8);
    return name && entry !== undefined && isCode(entry) ? { name, entry } : undefined;
  };
  let best: { name: string; entry: number }[] = [];
  for (const slot of slots) {
    if (!entryAt(slot)) continue;
    let first = slot;
    while (entryAt(first - 32)) first -= 32;
    const run: { name: string; entry: number }[] = [];
    for (let x = first;; x += 32) {
      const e = entryAt(x);
      if (!e) break;
      run.push(e);
    }
    if (run.length > best.length) best = run;
  }
  if (best.length < 50) return []; // not V8's table
  const out: ElfSymbol[] = [];
  for (const { name, entry } of best) {
    const size = sizeOf(fd, fileSize, fileOf(entry)!);
    if (size > 0) out.push({ name: `Runtime_${name}`, start: entry, size });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Bytes from a function's start (file offset) to the next 16-byte aligned function start, 0 if none within 64 KB. */
function functionSize(fd: number, fileSize: number, off: number): number {
  const max = Math.min(65536, fileSize - off);
  if (max <= 16) return 0;
  const b = readAt(fd, off, max, fileSize);
  for (let a = 16 - (off % 16); a + 4 <= b.length; a += 16) {
    const padded = b[a - 1] === 0xcc && b[a] !== 0xcc;
    const prologue = (b[a] === 0x55 && b[a + 1] === 0x48 && b[a + 2] === 0x89 && b[a + 3] === 0xe5) ||
      (b[a] === 0xf3 && b[a + 1] === 0x0f && b[a + 2] === 0x1e && b[a + 3] === 0xfa);
    if (padded || prologue) {
      let end = a;
      while (end > 0 && b[end - 1] === 0xcc) end--; // the padding is not the function's
      return end;
    }
  }
  return 0;
}

/**
 * aarch64: bytes from a function's start (file offset) to the next function start, 0 if none
 * within 64 KB. A start is `paciasp`/`pacibsp`/`bti c` (nothing else emits them), or the frame
 * record's store `stp x29, x30, [sp, #-n]!` or `sub sp, sp, #n` right after a word that ends a
 * function (`ret`, a tail call `b`/`br`, a call `bl` to a function that does not return, or
 * `nop`/zero/`udf` alignment padding, which is left out).
 */
function functionSizeA64(fd: number, fileSize: number, off: number): number {
  const max = Math.min(65536, fileSize - off);
  if (max <= 8) return 0;
  const b = readAt(fd, off, max, fileSize);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const entry = (w: number) => w === 0xd503233f || w === 0xd503237f || w === 0xd503245f || w === 0xd50324df;
  const opens = (w: number) => ((w & 0xffc07fff) >>> 0) === 0xa9807bfd || ((w & 0xff8003ff) >>> 0) === 0xd10003ff;
  const pads = (w: number) => w === 0xd503201f || ((w & 0xffff0000) >>> 0) === 0;
  const ends = (w: number) =>
    w === 0xd65f03c0 || w === 0xd65f0bff || w === 0xd65f0fff || ((w & 0x7c000000) >>> 0) === 0x14000000 ||
    ((w & 0xfffffc1f) >>> 0) === 0xd61f0000 || pads(w);
  for (let a = 8; a + 4 <= b.length; a += 4) {
    const w = dv.getUint32(a, true);
    if (!entry(w) && !(opens(w) && ends(dv.getUint32(a - 4, true)))) continue;
    let end = a;
    while (end > 4 && pads(dv.getUint32(end - 4, true))) end -= 4; // the padding is not the function's
    return end;
  }
  return 0;
}
