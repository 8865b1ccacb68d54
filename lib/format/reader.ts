// parseLog/readLog: read a vmprof log (ours or Python vmprof's, plain or gzipped) into a Profile.

import { closeSync } from "node:fs";
import { VmprofError } from "../errors.ts";
import { ChunkReader, gunzipIfNeeded, openOrThrow, readAll } from "./log-file.ts";
import {
  HEADER,
  INTERP_NAME,
  LINES,
  MAX_DEPTH,
  MAX_VERSION,
  MEMORY,
  META,
  NATIVE_SYMBOLS,
  RPYTHON,
  STACKTRACE,
  TIME_N_ZONE,
  TIME_PAYLOAD_BYTES,
  TRAILER,
  VERSION_DURATION,
  VERSION_MEMORY,
  VERSION_MODE_AWARE,
  VERSION_SAMPLE_TIME,
  VERSION_THREAD_ID,
  VIRTUAL_IP,
} from "./constants.ts";

export interface Sample {
  /**
   * Frame addresses, outermost first. Native frames keep bit 0 set. Samples with the same
   * stack (and lines) share one array, as most samples repeat a few stacks: read-only.
   */
  stack: number[];
  /** Thread id as the log has it (ours: the OS thread id; CPython: a thread-state pointer). */
  thread: number;
  /** Resident set size in kB; 0 unless the log is in memory mode. */
  rss: number;
  /** Line of each frame, parallel to `stack`; lines mode only. */
  lines?: number[];
  /** Version-7 logs only: the sample's nanosecond timestamp (precise to 2^53). */
  time?: number;
}

export interface Profile {
  version: number;
  flags: number;
  periodUsec: number;
  interpName: string;
  /** Start time (µs since the Unix epoch) from TIME_N_ZONE. */
  startMicros?: number;
  /** End time (µs since the Unix epoch) from the TRAILER (version >= 5). */
  endMicros?: number;
  meta: Map<string, string>;
  samples: Sample[];
  /** VIRTUAL_IP and NATIVE_SYMBOLS merged; a code name wins over a native name for the same key. */
  symbols: Map<number, string>;
  /** A trailer was seen. */
  complete: boolean;
  /** Bytes of a partial last record (a log cut short) that were dropped; 0 normally. */
  truncatedBytes: number;
}

const TWO_32 = 4294967296;
const decoder = new TextDecoder("utf-8");

/** Every frame address the samples hold, once (samples with the same stack share one array). */
export function distinctFrames(samples: readonly Sample[]): Set<number> {
  const seen = new Set<number[]>();
  const frames = new Set<number>();
  for (const s of samples) {
    if (seen.has(s.stack)) continue;
    seen.add(s.stack);
    for (const f of s.stack) frames.add(f);
  }
  return frames;
}

/** Bytes read from a file at a time by readLog (a log is never held whole unless gzipped). */
const CHUNK_BYTES = 4 << 20;

/**
 * Reads a log file; see parseLog. Errors: IO (cannot read), BAD_LOG (not a vmprof log).
 * A plain log is read in chunks of `chunkBytes` as it is parsed, so memory holds the
 * samples and one chunk, not the file; a gzipped one is read whole and gunzipped.
 */
export function readLog(path: string, chunkBytes = CHUNK_BYTES): Profile {
  const fd = openOrThrow(path);
  try {
    const buf = new Uint8Array(Math.max(64, chunkBytes));
    const reader = new ChunkReader(fd, path);
    const len = reader.fill(buf, 0);
    if (len >= 2 && buf[0] === 0x1f && buf[1] === 0x8b) return parseLog(readAll(fd, path, buf.subarray(0, len)), path);
    return parse(buf, len, path, reader);
  } finally {
    closeSync(fd);
  }
}

/**
 * Parses a whole log held in memory; gzip is detected by its magic bytes.
 *
 * Tolerant of a log cut short (a process killed mid-write): a partial last record is
 * dropped (counted in `truncatedBytes`), `complete` stays false, everything before it is
 * kept. Anything that cannot be a vmprof log throws VmprofError("BAD_LOG") naming
 * `source` and the byte offset. Bytes after the trailer are ignored, as vmprof does.
 */
export function parseLog(input: Uint8Array, source = "<buffer>"): Profile {
  const bytes = gunzipIfNeeded(input, source);
  return parse(bytes, bytes.length, source, null);
}

function badLog(source: string, why: string): VmprofError {
  return new VmprofError("BAD_LOG", `${source}: not a vmprof log (${why})`);
}

function hex(b: number): string {
  return "0x" + b.toString(16).padStart(2, "0");
}

/**
 * Finds word size and checks the static header [0, 3, 0, period, 0|1]. Returns the word
 * size (4 or 8), or throws. Checks only the bytes present, so a header cut short passes.
 */
function detectWordSize(b: Uint8Array, source: string): number {
  const n = b.length;
  if (n > 7 && b[4] !== 3 && b[7] === 3) throw badLog(source, "big-endian logs are not supported (byte 7 is 3)");
  if (n > 15 && b[8] !== 3 && b[15] === 3) throw badLog(source, "big-endian logs are not supported (byte 15 is 3)");
  const ws = n > 4 && b[4] === 3 ? 4 : 8;
  const end = Math.min(n, 5 * ws);
  for (let p = 0; p < end; p++) {
    const word = (p / ws) | 0;
    const k = p % ws;
    let ok: boolean;
    if (word === 3) ok = true; // the period
    else if (word === 1) ok = b[p] === (k === 0 ? 3 : 0);
    else if (word === 4) ok = k === 0 ? b[p] <= 1 : b[p] === 0;
    else ok = b[p] === 0;
    if (!ok) {
      throw badLog(
        source,
        `bad static header: byte ${p} is ${hex(b[p])}, expected the words [0, 3, 0, period, 0]`,
      );
    }
  }
  return ws;
}

/** Parses `bytes[0, len)`, and what `more` reads after it when there is a `more`. */
function parse(bytes: Uint8Array, len: number, source: string, more: ChunkReader | null): Profile {
  const ws = detectWordSize(bytes.subarray(0, len), source);
  const p = new Parser(bytes, len, source, ws, more);
  if (len < 5 * ws) {
    p.profile.truncatedBytes = len;
    return p.profile;
  }
  // Small batches: JavaScriptCore optimizes a method called many times far more reliably
  // than one long-running loop (whose on-stack replacement can keep failing).
  while (p.step(4096));
  return p.profile;
}

// Words are read byte by byte: records sit at any byte offset, and JavaScriptCore's
// optimized DataView reads kept bailing out here (every call, once the reader was fast
// elsewhere), while plain byte loads are fast in both engines.

/** A little-endian signed 32-bit word. */
function i32(b: Uint8Array, o: number): number {
  return b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
}

/** A little-endian signed 64-bit word as a plain number (exact up to 2^53). */
function rd64(b: Uint8Array, o: number): number {
  return (i32(b, o) >>> 0) + i32(b, o + 4) * TWO_32;
}

/** A signed word or address of `size` bytes as a plain number: lo + hi * 2^32 with hi signed. */
function rd(b: Uint8Array, size: number, o: number): number {
  return size === 8 ? (i32(b, o) >>> 0) + i32(b, o + 4) * TWO_32 : i32(b, o);
}

/** Microseconds since the epoch from a time payload (i64 seconds, i64 microseconds, zone). */
function rdTime(b: Uint8Array, o: number): number {
  return rd64(b, o) * 1e6 + rd64(b, o + 8);
}

const HASH_MUL = 0x01000193; // FNV-1a's prime

/** Final avalanche of a 32-bit hash (murmur3's fmix32), so its low bits index the table. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** `a` equals the first `n` numbers of `b`. */
function same(a: number[], b: Float64Array, n: number): boolean {
  if (a.length !== n) return false;
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The reading state of one log: `bytes[0, len)` holds the log from byte `base` on, and
 * `pos` (relative to `base`) is the start of the next record. With a `more`, the buffer
 * is refilled from the file when a record runs past `len`.
 */
class Parser {
  bytes: Uint8Array;
  len: number;
  base = 0;
  readonly more: ChunkReader | null;
  readonly source: string;
  readonly ws: number; // word size
  readonly as: number; // address size
  readonly profile: Profile;
  readonly codeKeys = new Set<number>(); // keys named by VIRTUAL_IP: a native name never replaces them
  // Distinct stacks: most samples repeat a few, and each distinct one is one array shared
  // by its samples (no caller changes a sample's stack). An open-addressing hash table:
  // slots hold entry + 1 (0: empty); an entry is its hash, stack and (lines mode) lines.
  slots = new Int32Array(1024);
  readonly hashes: number[] = [];
  readonly stacks: number[][] = [];
  readonly lines: (number[] | undefined)[] = [];
  guess = new Int32Array(4096); // intern8's fast path: entry + 1 by depth and innermost frames
  scratch = new Float64Array(64); // the record being read, outermost first
  scratchLines = new Float64Array(64);
  pos: number;
  sawHeader = false;
  version = 0;
  linesMode = false;
  rpython = false;
  memory = false;

  constructor(bytes: Uint8Array, len: number, source: string, ws: number, more: ChunkReader | null) {
    this.bytes = bytes;
    this.len = len;
    this.more = more;
    this.source = source;
    this.ws = ws;
    // 64-bit Windows writes 4-byte words (C long) but 8-byte addresses, and says so in word 4.
    this.as = ws === 4 && bytes[16] === 1 ? 8 : ws;
    this.pos = 5 * ws;
    this.profile = {
      version: 0,
      flags: 0,
      periodUsec: len >= 5 * ws ? rd(bytes, ws, 3 * ws) : 0,
      interpName: "",
      meta: new Map(),
      samples: [],
      symbols: new Map(),
      complete: false,
      truncatedBytes: 0,
    };
  }

  /**
   * Reads up to `budget` records. Returns false when the log is finished: a trailer, the
   * end of the data, or a record cut short (then counted in truncatedBytes).
   */
  step(budget: number): boolean {
    let bytes = this.bytes;
    let len = this.len;
    let pos = this.pos;
    for (let n = 0; n < budget; n++) {
      let next = -1;
      if (pos < len) {
        next = bytes[pos] === STACKTRACE ? this.stacktrace(pos) : this.other(pos);
        if (next >= 0) {
          pos = next;
          continue;
        }
      }
      // -1: cut short (or at the end); -2: trailer read.
      if (next === -1 && this.more !== null) {
        const grew = this.refill(pos); // the record now starts at 0
        bytes = this.bytes;
        len = this.len;
        pos = 0;
        if (grew) continue;
      }
      if (next === -1) this.profile.truncatedBytes = len - pos;
      this.pos = pos;
      return false;
    }
    this.pos = pos;
    return true;
  }

  /**
   * Moves the bytes from `pos` on to the start of the buffer (a new one of twice the size
   * when a single record fills it) and reads more of the file after them. Returns false
   * at the end of the file.
   */
  refill(pos: number): boolean {
    let buf = this.bytes;
    const keep = this.len - pos;
    if (keep === buf.length) {
      buf = new Uint8Array(buf.length * 2);
      buf.set(this.bytes);
    } else if (pos > 0) {
      buf.copyWithin(0, pos, this.len);
    }
    const len = this.more!.fill(buf, keep);
    this.bytes = buf;
    this.base += pos;
    this.len = len;
    return len > keep;
  }

  /** A STACKTRACE record at `pos`: returns the position after it, or -1 if it is cut short. */
  stacktrace(pos: number): number {
    const { bytes, ws, as, len } = this;
    const fixed = pos + 1 + 2 * ws;
    if (fixed > len) return -1;
    const count = rd(bytes, ws, pos + 1);
    const depth = rd(bytes, ws, pos + 1 + ws);
    if (count !== 1) {
      throw badLog(this.source, `stack record at byte ${this.base + pos} has count ${count}, vmprof only knows 1`);
    }
    if (depth < 0 || depth > MAX_DEPTH) {
      throw badLog(this.source, `stack record at byte ${this.base + pos} has depth ${depth} (limit ${MAX_DEPTH})`);
    }
    const paired = this.linesMode || this.rpython;
    if (paired && (depth & 1) !== 0) {
      throw badLog(this.source, `stack record at byte ${this.base + pos} has odd depth ${depth} in a paired mode`);
    }
    const version = this.version;
    let end = fixed + depth * as;
    const threadAt = end;
    if (version >= VERSION_THREAD_ID) end += as;
    const rssAt = end;
    if (this.memory) end += as;
    const timeAt = end;
    if (version >= VERSION_SAMPLE_TIME) end += 8;
    if (end > len) return -1;

    const thread = version >= VERSION_THREAD_ID ? rd(bytes, as, threadAt) : 0;
    const rss = this.memory ? rd(bytes, as, rssAt) : 0;
    const e = this.linesMode
      ? this.internPairs(fixed, depth)
      : this.rpython
      ? this.internRpython(fixed, depth)
      : as === 8
      ? this.intern8(fixed, depth)
      : this.intern4(fixed, depth);
    const stack = this.stacks[e];
    // One object literal per shape, the properties in the order callers have always seen.
    let sample: Sample;
    if (this.linesMode) {
      const lines = this.lines[e];
      sample = version >= VERSION_SAMPLE_TIME
        ? { stack, thread, rss, lines, time: rd64(bytes, timeAt) }
        : { stack, thread, rss, lines };
    } else {
      sample = version >= VERSION_SAMPLE_TIME
        ? { stack, thread, rss, time: rd64(bytes, timeAt) }
        : { stack, thread, rss };
    }
    this.profile.samples.push(sample);
    return end;
  }

  /** Room for `n` frames in the scratch arrays. */
  room(n: number): void {
    if (n <= this.scratch.length) return;
    let size = this.scratch.length;
    while (size < n) size *= 2;
    this.scratch = new Float64Array(size);
    this.scratchLines = new Float64Array(size);
  }

  // One small function per log mode: JavaScriptCore delays optimizing a function while
  // its profile has branches that never ran (as a mode switch inside one function would).

  /**
   * The entry of a plain stack of 8-byte addresses, innermost first at `fixed`. Fast path:
   * the entry last seen with the same depth and two innermost frames, checked in one pass.
   */
  intern8(fixed: number, depth: number): number {
    const b = this.bytes;
    let key = depth;
    if (depth > 0) key = Math.imul(key ^ i32(b, fixed), HASH_MUL) ^ i32(b, fixed + 4);
    if (depth > 1) key = Math.imul(key ^ i32(b, fixed + 8), HASH_MUL) ^ i32(b, fixed + 12);
    key = mix(key) & (this.guess.length - 1);
    const g = this.guess[key] - 1;
    if (g >= 0) {
      const st = this.stacks[g];
      if (st.length === depth) {
        let j = depth - 1;
        for (let o = fixed; j >= 0; o += 8, j--) {
          const lo = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
          const hi = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24);
          if (st[j] !== (lo >>> 0) + hi * TWO_32) break;
        }
        if (j < 0) return g;
      }
    }
    const e = this.hash8(fixed, depth);
    this.guess[key] = e + 1;
    return e;
  }

  /** The entry of a plain stack of 8-byte addresses, by its full hash. */
  hash8(fixed: number, depth: number): number {
    this.room(depth);
    const b = this.bytes;
    const sc = this.scratch;
    let h = depth;
    let i = 0;
    for (let o = fixed + (depth - 1) * 8; o >= fixed; o -= 8) {
      const lo = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
      const hi = b[o + 4] | (b[o + 5] << 8) | (b[o + 6] << 16) | (b[o + 7] << 24);
      h = Math.imul(h ^ lo, HASH_MUL);
      h = Math.imul(h ^ hi, HASH_MUL);
      sc[i++] = (lo >>> 0) + hi * TWO_32;
    }
    return this.find(mix(h), depth);
  }

  /** The entry of a plain stack of 4-byte addresses. */
  intern4(fixed: number, depth: number): number {
    this.room(depth);
    const b = this.bytes;
    const sc = this.scratch;
    let h = depth;
    let i = 0;
    for (let o = fixed + (depth - 1) * 4; o >= fixed; o -= 4) {
      const v = b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);
      h = Math.imul(h ^ v, HASH_MUL);
      sc[i++] = v;
    }
    return this.find(mix(h), depth);
  }

  /** The entry of an RPython stack: (kind, pc) pairs, of which the pc is kept. */
  internRpython(fixed: number, depth: number): number {
    const n = depth >> 1;
    this.room(n);
    const { bytes, as } = this;
    const sc = this.scratch;
    let h = depth;
    let i = 0;
    for (let o = fixed + (depth - 1) * as; o > fixed; o -= 2 * as) {
      const v = rd(bytes, as, o);
      h = Math.imul(h ^ (v | 0), HASH_MUL);
      h = Math.imul(h ^ ((v / TWO_32) | 0), HASH_MUL);
      sc[i++] = v;
    }
    return this.find(mix(h), n);
  }

  /** The entry of the stack in `scratch[0, n)` with hash `h`, added if new. */
  find(h: number, n: number): number {
    const sc = this.scratch;
    const slots = this.slots;
    const mask = slots.length - 1;
    let at = h & mask;
    for (let e = slots[at] - 1; e >= 0; e = slots[at] - 1) {
      if (this.hashes[e] === h && same(this.stacks[e], sc, n)) return e;
      at = (at + 1) & mask;
    }
    const stack: number[] = [];
    for (let i = 0; i < n; i++) stack.push(sc[i]);
    return this.add(at, h, stack, undefined);
  }

  /** Lines mode: (line, code) pairs innermost first; the entry has both arrays. */
  internPairs(fixed: number, depth: number): number {
    const n = depth >> 1;
    this.room(n);
    const { bytes, as } = this;
    const sc = this.scratch;
    const sl = this.scratchLines;
    let h = depth;
    let i = 0;
    for (let o = fixed + (depth - 2) * as; o >= fixed; o -= 2 * as) {
      const line = rd(bytes, as, o);
      const v = rd(bytes, as, o + as);
      h = Math.imul(h ^ (line | 0), HASH_MUL);
      h = Math.imul(h ^ (v | 0), HASH_MUL);
      h = Math.imul(h ^ ((v / TWO_32) | 0), HASH_MUL);
      sl[i] = line;
      sc[i++] = v;
    }
    h = mix(h);
    const slots = this.slots;
    const mask = slots.length - 1;
    let at = h & mask;
    for (let e = slots[at] - 1; e >= 0; e = slots[at] - 1) {
      if (this.hashes[e] === h && same(this.stacks[e], sc, n) && same(this.lines[e]!, sl, n)) return e;
      at = (at + 1) & mask;
    }
    const stack: number[] = [];
    const lines: number[] = [];
    for (let k = 0; k < n; k++) {
      stack.push(sc[k]);
      lines.push(sl[k]);
    }
    return this.add(at, h, stack, lines);
  }

  /** A new entry in the empty slot `at`; the table doubles when half full. */
  add(at: number, h: number, stack: number[], lines: number[] | undefined): number {
    const e = this.stacks.length;
    this.stacks.push(stack);
    this.lines.push(lines);
    this.hashes.push(h);
    this.slots[at] = e + 1;
    if (2 * (e + 1) > this.slots.length) {
      const slots = new Int32Array(this.slots.length * 2);
      const mask = slots.length - 1;
      for (let k = 0; k <= e; k++) {
        let s = this.hashes[k] & mask;
        while (slots[s] !== 0) s = (s + 1) & mask;
        slots[s] = k + 1;
      }
      this.slots = slots;
      // The fast path's table (a cache: starting it empty is fine) grows along.
      if (this.guess.length < slots.length) this.guess = new Int32Array(slots.length);
    }
    return e;
  }

  /**
   * Any record but a stack: returns the position after it, -1 if cut short, -2 after the
   * trailer. Longer than 80 lines on purpose: one case per record marker, as FORMAT.md lists them.
   */
  other(pos: number): number {
    const { bytes, ws, as, len, source, profile } = this;
    const marker = bytes[pos];
    switch (marker) {
      case VIRTUAL_IP:
      case NATIVE_SYMBOLS: {
        if (pos + 1 + as + ws > len) return -1;
        const key = rd(bytes, as, pos + 1);
        const n = rd(bytes, ws, pos + 1 + as);
        if (n < 0) throw badLog(source, `symbol record at byte ${this.base + pos} has length ${n}`);
        const start = pos + 1 + as + ws;
        if (start + n > len) return -1;
        const name = decoder.decode(bytes.subarray(start, start + n));
        if (marker === VIRTUAL_IP) {
          profile.symbols.set(key, name);
          this.codeKeys.add(key);
        } else if (!this.codeKeys.has(key)) {
          profile.symbols.set(key, name);
        }
        return start + n;
      }
      case HEADER: {
        if (this.sawHeader) throw badLog(source, `a second header record at byte ${this.base + pos}`);
        if (pos + 3 > len) return -1;
        const v = (((bytes[pos + 1] << 8) | bytes[pos + 2]) << 16) >> 16; // the format's only big-endian field
        if (v < 0) throw badLog(source, `header at byte ${this.base + pos} has version ${v}`);
        if (v > MAX_VERSION) {
          throw new VmprofError(
            "BAD_LOG",
            `${source}: vmprof log format version ${v} (header at byte ${
              this.base + pos
            }) is newer than this reader supports (${MAX_VERSION})`,
          );
        }
        let o = pos + 3;
        let flags: number;
        if (v >= VERSION_MODE_AWARE) {
          if (o >= len) return -1;
          flags = bytes[o++];
        } else {
          flags = v === VERSION_MEMORY ? MEMORY : 0;
        }
        if (o >= len) return -1;
        const n = bytes[o++];
        if (o + n > len) return -1;
        const name = decoder.decode(bytes.subarray(o, o + n));
        if (name === "pypy") flags |= RPYTHON; // vmprof infers RPython stacks from the name
        this.sawHeader = true;
        this.version = v;
        this.linesMode = (flags & LINES) !== 0;
        this.rpython = (flags & RPYTHON) !== 0;
        this.memory = (flags & MEMORY) !== 0;
        profile.version = v;
        profile.flags = flags;
        profile.interpName = name;
        return o + n;
      }
      case TIME_N_ZONE: {
        if (pos + 1 + TIME_PAYLOAD_BYTES > len) return -1;
        profile.startMicros = rdTime(bytes, pos + 1);
        return pos + 1 + TIME_PAYLOAD_BYTES;
      }
      case META: {
        if (pos + 1 + ws > len) return -1;
        const kn = rd(bytes, ws, pos + 1);
        if (kn < 0) throw badLog(source, `meta record at byte ${this.base + pos} has key length ${kn}`);
        const ks = pos + 1 + ws;
        if (ks + kn + ws > len) return -1;
        const vn = rd(bytes, ws, ks + kn);
        if (vn < 0) throw badLog(source, `meta record at byte ${this.base + pos} has value length ${vn}`);
        const vs = ks + kn + ws;
        if (vs + vn > len) return -1;
        profile.meta.set(
          decoder.decode(bytes.subarray(ks, ks + kn)),
          decoder.decode(bytes.subarray(vs, vs + vn)),
        );
        return vs + vn;
      }
      case TRAILER: {
        const size = 1 + (this.version >= VERSION_DURATION ? TIME_PAYLOAD_BYTES : 0);
        if (pos + size > len) return -1;
        if (size > 1) profile.endMicros = rdTime(bytes, pos + 1);
        profile.complete = true;
        return -2;
      }
      default: {
        const what = marker === INTERP_NAME ? "the deprecated interp-name record" : "unknown record marker";
        throw badLog(source, `${what} ${hex(marker)} at byte ${this.base + pos}`);
      }
    }
  }
}
