// ELF section headers by name (address, file offset, size), from a whole image or from a file
// by reading only its headers: how lib/symbols/bun/llint.ts finds JSC's opcode table.
import { closeSync, openSync, readSync } from "node:fs";

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
