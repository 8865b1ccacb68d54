// JSC's CodeBlockHash: the "#EoE7sP" after a Bun function's name, the first 32 bits of SHA-1
// over the function's source text, in its 6-character base-62 text form.
import { createHash } from "node:crypto";

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
