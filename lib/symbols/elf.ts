// Native frame names from ELF symbol tables (.symtab, .dynsym): pc → module, function and offset, for `-n` profiles.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { basename } from "node:path";

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
    let lo = 0, hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
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

function readAt(fd: number, pos: number, len: number, fileSize: number): Uint8Array {
  if (len < 0 || pos < 0 || pos + len > fileSize) throw new RangeError("ELF header points outside the file");
  const buf = new Uint8Array(len);
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n <= 0) throw new RangeError("short read");
    got += n;
  }
  return buf;
}

/** Reads the ELF64 LE file open on `fd`: undefined if it is not one; throws on a damaged header. */
export function parseElf(fd: number, fileSize: number): ElfData | undefined {
  const head = readAt(fd, 0, 64, fileSize);
  const hv = new DataView(head.buffer);
  if (hv.getUint32(0, false) !== 0x7f454c46 || head[4] !== 2 || head[5] !== 1) return undefined;
  const u64 = (v: DataView, o: number) => v.getUint32(o, true) + v.getUint32(o + 4, true) * 4294967296;
  const type = hv.getUint16(0x10, true);
  const phoff = u64(hv, 0x20), shoff = u64(hv, 0x28);
  const phentsize = hv.getUint16(0x36, true), phnum = hv.getUint16(0x38, true);
  const shentsize = hv.getUint16(0x3a, true), shnum = hv.getUint16(0x3c, true);

  const segments: ElfSegment[] = [];
  if (phoff && phnum && phentsize >= 56) {
    const ph = readAt(fd, phoff, phnum * phentsize, fileSize);
    const pv = new DataView(ph.buffer);
    for (let i = 0; i < phnum; i++) {
      const o = i * phentsize;
      if (pv.getUint32(o, true) !== PT_LOAD) continue;
      segments.push({
        exec: (pv.getUint32(o + 4, true) & PF_X) !== 0,
        offset: u64(pv, o + 8),
        vaddr: u64(pv, o + 16),
        filesz: u64(pv, o + 32),
        memsz: u64(pv, o + 40),
      });
    }
  }

  const tables: string[] = [];
  const raw: RawSym[] = [];
  if (shoff && shnum && shentsize >= 64) {
    const sh = readAt(fd, shoff, shnum * shentsize, fileSize);
    const sv = new DataView(sh.buffer);
    const sec = (i: number) => {
      const o = i * shentsize;
      return {
        type: sv.getUint32(o + 4, true),
        addr: u64(sv, o + 0x10),
        offset: u64(sv, o + 0x18),
        size: u64(sv, o + 0x20),
        link: sv.getUint32(o + 0x28, true),
        entsize: u64(sv, o + 0x38),
      };
    };
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
            start, size, name, sized: size > 0, rank: aliasRank(info >> 4, name),
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

  constructor(maps: NativeMapping[]) {
    this.maps = maps.filter((m) => m.hi > m.lo).slice().sort((a, b) => a.lo - b.lo);
  }

  /** The mapping that holds `pc`, if any. */
  mappingOf(pc: number): NativeMapping | undefined {
    const maps = this.maps;
    let lo = 0, hi = maps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const m = maps[mid];
      if (pc < m.lo) hi = mid - 1;
      else if (pc >= m.hi) lo = mid + 1;
      else return m;
    }
    return undefined;
  }

  lookup(pc: number): NativeFrame | undefined {
    const m = this.mappingOf(pc);
    if (!m) return undefined;
    const fileOffset = pc - m.lo + m.offset;
    const module = basename(m.path);
    const elf = ElfFile.open(m.path);
    const vaddr = elf?.vaddrOfOffset(fileOffset);
    if (!elf || vaddr === undefined) return { module, path: m.path, offset: fileOffset, vaddr: fileOffset };
    const sym = elf.symbolAt(vaddr);
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
}

/** `symbol` (or `symbol+0x1f` with `withOffset`), else `module+0x<vaddr>`. */
export function nativeFrameName(f: NativeFrame, withOffset = false): string {
  if (f.symbol) return withOffset && f.offset ? `${f.symbol}+0x${f.offset.toString(16)}` : f.symbol;
  return `${f.module}+0x${f.offset.toString(16)}`;
}
