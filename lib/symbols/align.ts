// Aligning a transformed text with its original (Bun's transpiler output with the file on disk):
// a patience diff over word tokens with an LCS table for small gaps, and the offset map it gives.
import { T, type Token, tokenize } from "./js-syntax.ts";
import { bisect } from "../util/bisect.ts";

/**
 * Maps character offsets in a transformed text (Bun's transpiler output) back to
 * the original by aligning their word tokens (identifiers, keywords, numbers,
 * string contents) with a patience diff: tokens unique to both sides anchor the
 * alignment (longest increasing run), the gaps between anchors are aligned
 * recursively, small gaps by a plain LCS table.
 */
export class PositionMap {
  /** Sorted transformed offsets of aligned tokens, and their original offsets. */
  private readonly tPos: number[] = [];
  private readonly oPos: number[] = [];
  private readonly tEnd: number[] = [];
  private readonly oEnd: number[] = [];

  constructor(
    private readonly transformed: string,
    transformedTokens: Token[],
    private readonly original: string,
    originalTokens: Token[] = tokenize(original),
  ) {
    const tw = transformedTokens.filter((t) => t.t !== T.Punct);
    const ow = originalTokens.filter((t) => t.t !== T.Punct);
    const key = (t: Token) => (t.t === T.Str ? "s:" + t.v : t.t === T.Tmpl ? "`" : t.v);
    const pairs = alignSequences(tw.map(key), ow.map(key));
    for (const [i, j] of pairs) {
      this.tPos.push(tw[i].s);
      this.tEnd.push(tw[i].e);
      this.oPos.push(ow[j].s);
      this.oEnd.push(ow[j].e);
    }
  }

  /**
   * The original offset of the transformed span starting at `off` with the
   * character `c0` ("(" of a parameter list, "{" of a body, or a parameter):
   * from an aligned name just before it (scan forward for c0), else from the
   * first aligned token inside it (scan back over whitespace for c0).
   */
  toOriginal(off: number): number {
    const a = this.tPos;
    if (a.length === 0) return off;
    const c0 = this.transformed[off];
    const lo = bisect(a.length, (i) => a[i] < off);
    const o = this.original;
    // An aligned word that ends right before the span (a function or method name, "function", "async").
    const before = lo - 1;
    if (before >= 0 && /^[\s*]*$/.test(this.transformed.slice(this.tEnd[before], off)) && c0 === "(") {
      let p = this.oEnd[before];
      let depth = 0;
      for (let n = 0; p < o.length && n < 200; p++, n++) {
        const ch = o[p];
        if (ch === "<") depth++;
        else if (ch === ">") depth--;
        else if (ch === c0 && depth <= 0) return p;
        else if (depth <= 0 && !/\s|\*/.test(ch)) break;
      }
    }
    if (lo >= a.length) return this.oPos[a.length - 1];
    // The first aligned token at or after the span start: step back over whitespace and
    // what the transform dropped, to the nearest c0.
    const p = this.oPos[lo];
    if (this.transformed.slice(off, a[lo]).trim() === c0 || a[lo] === off) {
      if (a[lo] === off) return p;
      for (let q = p - 1, n = 0; q >= 0 && n < 200; q--, n++) {
        if (o[q] === c0) return q;
        if (!/\s/.test(o[q])) break;
      }
    }
    return p;
  }
}

/**
 * Pairs (i, j) with a[i] === b[j], strictly increasing in both, approximating a
 * longest common subsequence (patience diff with an LCS table for small gaps).
 * The tokens are numbered once, so that counting and comparing them is on integers.
 */
export function alignSequences(a: string[], b: string[]): [number, number][] {
  const ids = new Map<string, number>();
  const number = (xs: string[]) => {
    const out = new Int32Array(xs.length);
    for (let i = 0; i < xs.length; i++) {
      let id = ids.get(xs[i]);
      if (id === undefined) ids.set(xs[i], id = ids.size);
      out[i] = id;
    }
    return out;
  };
  const A = number(a), B = number(b);
  return alignIds(A, B, ids.size);
}

function alignIds(a: Int32Array, b: Int32Array, vocabulary: number): [number, number][] {
  const out: [number, number][] = [];
  const work: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  const segs: [number, number][][] = [];
  // Per token: how often it occurs in the current range of each side, and where in b (last).
  const countA = new Int32Array(vocabulary), countB = new Int32Array(vocabulary), inB = new Int32Array(vocabulary);
  while (work.length > 0) {
    let [alo, ahi, blo, bhi] = work.pop()!;
    const seg: [number, number][] = [];
    while (alo < ahi && blo < bhi && a[alo] === b[blo]) seg.push([alo++, blo++]);
    const tail: [number, number][] = [];
    while (alo < ahi && blo < bhi && a[ahi - 1] === b[bhi - 1]) tail.push([--ahi, --bhi]);
    segs.push(seg, tail.reverse());
    const n = ahi - alo, m = bhi - blo;
    if (n === 0 || m === 0) continue;
    if (n * m <= 40_000) {
      segs.push(lcsTable(a, b, alo, ahi, blo, bhi));
      continue;
    }
    // Anchors: tokens that occur exactly once in each range, in increasing order on both sides.
    for (let i = alo; i < ahi; i++) countA[a[i]]++;
    for (let j = blo; j < bhi; j++) {
      countB[b[j]]++;
      inB[b[j]] = j;
    }
    const cand: [number, number][] = [];
    for (let i = alo; i < ahi; i++) {
      if (countA[a[i]] === 1 && countB[a[i]] === 1) cand.push([i, inB[a[i]]]);
    }
    for (let i = alo; i < ahi; i++) countA[a[i]] = 0;
    for (let j = blo; j < bhi; j++) countB[b[j]] = 0;
    const anchors = longestIncreasing(cand);
    if (anchors.length === 0) {
      // Nothing unique: align a window of each side by LCS and go on with the rest.
      const wa = Math.min(n, 200), wb = Math.min(m, 200);
      const part = lcsTable(a, b, alo, alo + wa, blo, blo + wb);
      segs.push(part);
      const last = part.at(-1);
      const na = last ? last[0] + 1 : alo + wa, nb = last ? last[1] + 1 : blo + wb;
      if (na < ahi && nb < bhi) work.push([na, ahi, nb, bhi]);
      continue;
    }
    let pa = alo, pb = blo;
    for (const [i, j] of anchors) {
      if (i > pa && j > pb) work.push([pa, i, pb, j]);
      seg.push([i, j]);
      pa = i + 1;
      pb = j + 1;
    }
    if (pa < ahi && pb < bhi) work.push([pa, ahi, pb, bhi]);
  }
  for (const s of segs) for (const p of s) out.push(p);
  out.sort((x, y) => x[0] - y[0]);
  return out;
}

/** Longest subsequence of pairs increasing in both coordinates (input sorted by the first). */
function longestIncreasing(pairs: [number, number][]): [number, number][] {
  const tails: number[] = []; // index into pairs of the smallest tail of each length
  const prev = new Int32Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const y = pairs[k][1];
    // Written out rather than through lib/util/bisect.ts: one search per candidate pair of a
    // whole file's tokens, and the callback made alignSequences 25% slower (400k tokens).
    let lo = 0, hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pairs[tails[mid]][1] < y) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1];
    tails[lo] = k;
  }
  const out: [number, number][] = [];
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) out.push(pairs[k]);
  return out.reverse();
}

/** Exact LCS of a[alo..ahi) and b[blo..bhi) by dynamic programming (for small ranges). */
function lcsTable(
  a: Int32Array,
  b: Int32Array,
  alo: number,
  ahi: number,
  blo: number,
  bhi: number,
): [number, number][] {
  const n = ahi - alo, m = bhi - blo;
  const L = new Uint16Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i * (m + 1) + j] = a[alo + i] === b[blo + j]
        ? L[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(L[(i + 1) * (m + 1) + j], L[i * (m + 1) + j + 1]);
    }
  }
  const out: [number, number][] = [];
  let i = 0, j = 0;
  while (i < n && j < m) {
    if (a[alo + i] === b[blo + j]) {
      out.push([alo + i, blo + j]);
      i++;
      j++;
    } else if (L[(i + 1) * (m + 1) + j] >= L[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  return out;
}
