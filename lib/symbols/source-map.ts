// A source map decoder (VLQ mappings, first source only) and base64 for inline maps.

/** The bytes of a base64 text (standard alphabet, padding optional). */
export function base64Bytes(b64: string): Uint8Array {
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
