// The one reader of ELF64 little-endian headers: the file header, the program headers and the
// section headers (with their names). Used for symbol tables (elf.ts) and for JSC's opcode table (bun/llint.ts).
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { u64 } from "../util/bytes.ts";
import { VmprofError } from "../errors.ts";

/** The fields of the 64-byte file header that the readers use. */
export interface ElfHeader {
  /** ET_EXEC (2) for a non-PIE executable, ET_DYN (3) for PIE executables and shared objects. */
  type: number;
  /** e_machine: EM_X86_64 (62) or EM_AARCH64 (183) here. */
  machine: number;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  /** Index of the section that holds the section names. */
  shstrndx: number;
}

export const ELF_HEADER_SIZE = 64;
export const EM_X86_64 = 62;
export const EM_AARCH64 = 183;

/** The file header at the start of `bytes`; undefined if they are not ELF64 little-endian. */
export function parseElfHeader(bytes: Uint8Array): ElfHeader | undefined {
  if (bytes.length < ELF_HEADER_SIZE) return undefined;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dv.getUint32(0, false) !== 0x7f454c46 || bytes[4] !== 2 || bytes[5] !== 1) return undefined;
  return {
    type: dv.getUint16(0x10, true),
    machine: dv.getUint16(0x12, true),
    phoff: u64(dv, 0x20),
    shoff: u64(dv, 0x28),
    phentsize: dv.getUint16(0x36, true),
    phnum: dv.getUint16(0x38, true),
    shentsize: dv.getUint16(0x3a, true),
    shnum: dv.getUint16(0x3c, true),
    shstrndx: dv.getUint16(0x3e, true),
  };
}

/** One program header (Elf64_Phdr). */
export interface ProgramHeader {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

/**
 * Each of the `count` entries of a header table, `entsize` bytes apart, read by `entry`, which
 * reads `need` bytes of each; a BAD_LOG error when the entries are smaller or the table shorter.
 */
function entries<T>(
  table: Uint8Array,
  at: number,
  count: number,
  entsize: number,
  need: number,
  what: string,
  entry: (dv: DataView, o: number) => T,
): T[] {
  if (count > 0 && (entsize < need || (count - 1) * entsize + need > table.length)) {
    throw new VmprofError(
      "BAD_LOG",
      `ELF: the ${count} ${what} headers of ${entsize} bytes at byte ${at} do not fit in ${table.length} bytes (each needs ${need})`,
    );
  }
  const dv = new DataView(table.buffer, table.byteOffset, table.byteLength);
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(entry(dv, i * entsize));
  return out;
}

/** The `count` program headers in `table` (the bytes at phoff, file offset `at`), `entsize` bytes apart. */
export function parseProgramHeaders(table: Uint8Array, count: number, entsize: number, at = 0): ProgramHeader[] {
  return entries(table, at, count, entsize, 48, "program", (dv, o) => ({
    type: dv.getUint32(o, true),
    flags: dv.getUint32(o + 4, true),
    offset: u64(dv, o + 8),
    vaddr: u64(dv, o + 16),
    filesz: u64(dv, o + 32),
    memsz: u64(dv, o + 40),
  }));
}

/** One section header (Elf64_Shdr). */
export interface SectionHeader {
  /** Offset of the section's name in the section-name table. */
  name: number;
  type: number;
  flags: number;
  addr: number;
  offset: number;
  size: number;
  link: number;
  entsize: number;
}

/** The `count` section headers in `table` (the bytes at shoff, file offset `at`), `entsize` bytes apart. */
export function parseSectionHeaders(table: Uint8Array, count: number, entsize: number, at = 0): SectionHeader[] {
  return entries(table, at, count, entsize, 64, "section", (dv, o) => ({
    name: dv.getUint32(o, true),
    type: dv.getUint32(o + 4, true),
    flags: u64(dv, o + 8),
    addr: u64(dv, o + 0x10),
    offset: u64(dv, o + 0x18),
    size: u64(dv, o + 0x20),
    link: dv.getUint32(o + 0x28, true),
    entsize: u64(dv, o + 0x38),
  }));
}

/** Where a section is: its virtual address, file offset and size. */
export interface SectionPlace {
  addr: number;
  off: number;
  size: number;
}

const decoder = new TextDecoder();

/** Section name → place, given the headers and the section-name table's bytes. */
function sectionsByName(headers: SectionHeader[], names: Uint8Array): Map<string, SectionPlace> {
  const out = new Map<string, SectionPlace>();
  for (const h of headers) {
    let e = h.name;
    while (e < names.length && names[e] !== 0) e++;
    out.set(decoder.decode(names.subarray(h.name, e)), { addr: h.addr, off: h.offset, size: h.size });
  }
  return out;
}

/** Section name → address, file offset and size, from a whole ELF64 little-endian image. */
export function elfSections(elf: Uint8Array): Map<string, SectionPlace> {
  const h = parseElfHeader(elf);
  if (!h || h.shoff === 0) return new Map();
  if (h.shoff + h.shnum * h.shentsize > elf.length) {
    throw new VmprofError(
      "BAD_LOG",
      `ELF: the section headers at byte ${h.shoff} (${h.shnum} of ${h.shentsize} bytes) run past the end (${elf.length} bytes)`,
    );
  }
  const headers = parseSectionHeaders(elf.subarray(h.shoff), h.shnum, h.shentsize, h.shoff);
  const strtab = headers[h.shstrndx];
  return sectionsByName(
    headers,
    strtab
      ? elf.subarray(Math.min(strtab.offset, elf.length), Math.min(strtab.offset + strtab.size, elf.length))
      : new Uint8Array(),
  );
}

/** elfSections() of a file, reading only its headers and section name table. */
export function elfSectionsOfFile(path: string): Map<string, SectionPlace> {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const read = (len: number, pos: number) => {
      if (pos + len > size) {
        throw new VmprofError(
          "BAD_LOG",
          `ELF ${path}: ${len} bytes at byte ${pos} lie outside the file (${size} bytes)`,
        );
      }
      const buf = new Uint8Array(len);
      readSync(fd, buf, 0, len, pos);
      return buf;
    };
    const h = parseElfHeader(read(ELF_HEADER_SIZE, 0));
    if (!h || h.shoff === 0) return new Map();
    const headers = parseSectionHeaders(read(h.shnum * h.shentsize, h.shoff), h.shnum, h.shentsize, h.shoff);
    const strtab = headers[h.shstrndx];
    return sectionsByName(headers, strtab ? read(strtab.size, strtab.offset) : new Uint8Array());
  } finally {
    closeSync(fd);
  }
}
