// Integers from bytes: the one u64 reader of the ELF, jitdump and LLInt readers.

/**
 * The unsigned 64-bit integer at `off` as a number (exact below 2^53: addresses, sizes and
 * offsets of x86_64 user space all are).
 */
export function u64(dv: DataView, off: number, littleEndian = true): number {
  const a = dv.getUint32(off, littleEndian), b = dv.getUint32(off + 4, littleEndian);
  return littleEndian ? a + b * 4294967296 : b + a * 4294967296;
}
