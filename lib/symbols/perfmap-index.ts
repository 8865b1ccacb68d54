// V8's perf map as an index of addresses, read as V8 writes it: each line's start and size in
// typed arrays, its name kept as bytes until a sample falls in its code. A program's map holds
// tens of thousands of code objects and a profile hits a few hundred: only those become ranges.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { CodeRange } from "./code-index.ts";
import { parsePerfMap } from "./perfmap.ts";

const NL = 0x0a, SP = 0x20, CR = 0x0d;
/** Bytes compared at the file's start to notice a file written again from the beginning. */
const HEAD = 64;
const decoder = new TextDecoder();

/** The value of hex digit `c`, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  c |= 0x20; // lower case
  return c >= 0x61 && c <= 0x66 ? c - 0x61 + 10 : -1;
}

export class PerfMapIndex {
  private bytes = new Uint8Array(1 << 16);
  /** Bytes read; those before `parsed` are complete lines, indexed. */
  private len = 0;
  private parsed = 0;
  private starts = new Float64Array(1024);
  private sizes = new Float64Array(1024);
  /** Each line's name: bytes [nameAt, nameEnd) (a name with a newline spans lines). */
  private nameAt = new Uint32Array(1024);
  private nameEnd = new Uint32Array(1024);
  private n = 0;
  private fd: number | undefined;

  constructor(readonly path: string) {}

  /** Code objects indexed so far. */
  get lines(): number {
    return this.n;
  }

  /**
   * Reads what V8 has added to the file since the last call and indexes its complete lines.
   * A missing file is nothing yet; a file shorter than what was read, or with another start,
   * was written again from the beginning (a pid's stale map that V8 truncated) and is read again.
   */
  follow(): void {
    if (this.fd === undefined) {
      try {
        this.fd = openSync(this.path, "r");
      } catch {
        return;
      }
    }
    const size = fstatSync(this.fd).size;
    if (size < this.len || (this.len > 0 && !this.sameHead())) this.reset();
    if (size > this.bytes.length) this.bytes = grow(this.bytes, Math.max(this.bytes.length * 2, size));
    while (this.len < size) {
      const got = readSync(this.fd, this.bytes, this.len, size - this.len, this.len);
      if (got <= 0) break;
      this.len += got;
    }
    this.index();
  }

  /** Indexes bytes that follow what was read (what follow() does with the file's new bytes). */
  append(chunk: Uint8Array): void {
    if (this.len + chunk.length > this.bytes.length) {
      this.bytes = grow(this.bytes, Math.max(this.bytes.length * 2, this.len + chunk.length));
    }
    this.bytes.set(chunk, this.len);
    this.len += chunk.length;
    this.index();
  }

  /** Closes the file (follow() opens it again). */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /**
   * The ranges that own at least one point of `at` (ascending): for each point, the last line
   * whose code covers it, as a later record wins in CodeIndex. Their names are left raw in
   * `unnamed` for nameRange(). `seq` is the line's place in the map.
   */
  select(at: Float64Array): CodeRange[] {
    const owner = new Int32Array(at.length).fill(-1);
    for (let i = 0; i < this.n; i++) {
      const s = this.starts[i], e = s + this.sizes[i];
      if (!(e > s)) continue;
      let lo = 0, hi = at.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (at[mid] < s) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo; j < at.length && at[j] < e; j++) owner[j] = i;
    }
    const out: CodeRange[] = [];
    const taken = new Set<number>();
    for (const i of owner) {
      if (i < 0 || taken.has(i)) continue;
      taken.add(i);
      const name = decoder.decode(this.bytes.subarray(this.nameAt[i], this.nameEnd[i]));
      out.push({ start: this.starts[i], size: this.sizes[i], seq: i, name, kind: "other", unnamed: name });
    }
    return out;
  }

  /** Every line as a named range (parsePerfMap of what was read). */
  all(): CodeRange[] {
    return parsePerfMap(decoder.decode(this.bytes.subarray(0, this.parsed)));
  }

  private sameHead(): boolean {
    const n = Math.min(HEAD, this.len);
    const head = new Uint8Array(n);
    if (readSync(this.fd!, head, 0, n, 0) !== n) return false;
    for (let i = 0; i < n; i++) if (head[i] !== this.bytes[i]) return false;
    return true;
  }

  private reset(): void {
    this.len = this.parsed = this.n = 0;
  }

  /** Indexes the complete lines after `parsed`; a line that is not "START SIZE name" continues the name before it. */
  private index(): void {
    const b = this.bytes;
    let at = this.parsed;
    for (;;) {
      const nl = b.indexOf(NL, at);
      if (nl < 0 || nl >= this.len) break;
      let end = nl;
      if (end > at && b[end - 1] === CR) end--;
      // "START SIZE name": each field hex, then a space.
      const afterStart = this.hexField(at, end);
      const start = this.hex;
      const name = afterStart < 0 ? -1 : this.hexField(afterStart, end);
      if (name >= 0) {
        if (this.n === this.starts.length) this.growLines();
        this.starts[this.n] = start;
        this.sizes[this.n] = this.hex;
        this.nameAt[this.n] = name;
        this.nameEnd[this.n] = end;
        this.n++;
      } else if (this.n > 0) {
        this.nameEnd[this.n - 1] = end; // the name goes on over this line
      }
      at = nl + 1;
    }
    this.parsed = at;
  }

  /** The value hexField() read last. */
  private hex = 0;

  /**
   * Reads a hex field (an optional 0x, then digits) at `p` that a space ends before `end`:
   * its value into `hex`, and the position after the space; -1 if there is no such field.
   */
  private hexField(p: number, end: number): number {
    const b = this.bytes;
    if (b[p] === 0x30 && (b[p + 1] | 0x20) === 0x78) p += 2; // 0x
    let v = 0, digits = 0, d: number;
    while (p < end && (d = hexDigit(b[p])) >= 0) {
      v = v * 16 + d;
      p++;
      digits++;
    }
    this.hex = v;
    return digits > 0 && p < end && b[p] === SP ? p + 1 : -1;
  }

  private growLines(): void {
    const m = this.starts.length * 2;
    this.starts = grow(this.starts, m);
    this.sizes = grow(this.sizes, m);
    this.nameAt = grow(this.nameAt, m);
    this.nameEnd = grow(this.nameEnd, m);
  }
}

function grow<T extends Uint8Array | Uint32Array | Float64Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}
