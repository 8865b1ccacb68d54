// A short, fast, non-cryptographic hash of a string (FNV-1a, 64 bits as two 32-bit lanes), for
// names of cache files: node:crypto would cost Deno ~15 ms of start-up to load, for nothing.

/** 16 hex digits that depend on every UTF-16 unit of `s`. */
export function fnv1a64(s: string): string {
  let a = 0x811c9dc5, b = 0x050c5d1f;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c ^ (a >>> 16), 0x01000193);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}
