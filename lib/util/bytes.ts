// Bytes: the one u64 reader of the ELF, jitdump and LLInt readers, and the one byte-string search.

/**
 * The unsigned 64-bit integer at `off` as a number (exact below 2^53: addresses, sizes and
 * offsets of x86_64 user space all are).
 */
export function u64(dv: DataView, off: number, littleEndian = true): number {
  const a = dv.getUint32(off, littleEndian), b = dv.getUint32(off + 4, littleEndian);
  return littleEndian ? a + b * 4294967296 : b + a * 4294967296;
}

/** Where `needle` first occurs in `hay`, or -1. */
export function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  const first = needle[0];
  for (let i = hay.indexOf(first); i >= 0 && i + needle.length <= hay.length; i = hay.indexOf(first, i + 1)) {
    let k = 1;
    while (k < needle.length && hay[i + k] === needle[k]) k++;
    if (k === needle.length) return i;
  }
  return -1;
}
