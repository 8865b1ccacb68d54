// parseLog/readLog: read a vmprof log (ours or Python vmprof's, plain or gzipped) into a Profile.

import { readFileSync } from "node:fs";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { VmprofError } from "../errors.ts";
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
  /** Frame addresses, outermost first. Native frames keep bit 0 set. */
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

/** Reads a log file; see parseLog. Errors: IO (cannot read), BAD_LOG (not a vmprof log). */
export function readLog(path: string): Profile {
  return parseLog(readProfileBytes(path), path);
}

/** A profile file's bytes, or VmprofError("IO") naming the path. */
export function readProfileBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new VmprofError("IO", `${path}: cannot read (${(e as Error).message})`);
  }
}

/** Undoes gzip when the bytes start with its magic; a stream cut short yields what it has. */
export function gunzipIfNeeded(bytes: Uint8Array, source: string): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    // SYNC_FLUSH: a gzip stream cut short yields what it has instead of throwing.
    return gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  } catch (e) {
    // Not "not a vmprof log": a gzipped file may hold a .cpuprofile too (lib/import/any.ts).
    throw new VmprofError("BAD_LOG", `${source}: corrupt gzip data (${(e as Error).message})`);
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
  return parse(gunzipIfNeeded(input, source), source);
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
  if (n > 7 && b[4] !== 3 && b[7] === 3) throw badLog(source, "big-endian logs are not supported");
  if (n > 15 && b[8] !== 3 && b[15] === 3) throw badLog(source, "big-endian logs are not supported");
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

function parse(bytes: Uint8Array, source: string): Profile {
  const ws = detectWordSize(bytes, source);
  const p = new Parser(bytes, source, ws);
  if (bytes.length < 5 * ws) {
    p.profile.truncatedBytes = bytes.length;
    return p.profile;
  }
  // Small batches: JavaScriptCore optimizes a method called many times far more reliably
  // than one long-running loop (whose on-stack replacement can keep failing).
  while (p.step(4096));
  return p.profile;
}

function rd64(dv: DataView, o: number): number {
  return dv.getUint32(o, true) + dv.getInt32(o + 4, true) * TWO_32;
}

/** A signed word or address of `size` bytes as a plain number: lo + hi * 2^32 with hi signed. */
function rd(dv: DataView, size: number, o: number): number {
  return size === 8 ? dv.getUint32(o, true) + dv.getInt32(o + 4, true) * TWO_32 : dv.getInt32(o, true);
}

/** Microseconds since the epoch from a time payload (i64 seconds, i64 microseconds, zone). */
function rdTime(dv: DataView, o: number): number {
  return rd64(dv, o) * 1e6 + rd64(dv, o + 8);
}

/** The reading state of one log; `pos` is the start of the next record. */
class Parser {
  readonly bytes: Uint8Array;
  readonly dv: DataView;
  readonly len: number;
  readonly source: string;
  readonly ws: number; // word size
  readonly as: number; // address size
  readonly profile: Profile;
  readonly codeKeys = new Set<number>(); // keys named by VIRTUAL_IP: a native name never replaces them
  pos: number;
  sawHeader = false;
  version = 0;
  linesMode = false;
  rpython = false;
  memory = false;

  constructor(bytes: Uint8Array, source: string, ws: number) {
    this.bytes = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.len = bytes.length;
    this.source = source;
    this.ws = ws;
    // 64-bit Windows writes 4-byte words (C long) but 8-byte addresses, and says so in word 4.
    this.as = ws === 4 && bytes[16] === 1 ? 8 : ws;
    this.pos = 5 * ws;
    this.profile = {
      version: 0,
      flags: 0,
      periodUsec: bytes.length >= 5 * ws ? rd(this.dv, ws, 3 * ws) : 0,
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
    const bytes = this.bytes;
    const len = this.len;
    let pos = this.pos;
    for (let n = 0; n < budget; n++) {
      if (pos >= len) {
        this.pos = pos;
        return false;
      }
      const next = bytes[pos] === STACKTRACE ? this.stacktrace(pos) : this.other(pos);
      if (next < 0) {
        // -1: cut short; -2: trailer read.
        if (next === -1) this.profile.truncatedBytes = len - pos;
        this.pos = pos;
        return false;
      }
      pos = next;
    }
    this.pos = pos;
    return true;
  }

  /** A STACKTRACE record at `pos`: returns the position after it, or -1 if it is cut short. */
  stacktrace(pos: number): number {
    const { dv, ws, as, len } = this;
    const fixed = pos + 1 + 2 * ws;
    if (fixed > len) return -1;
    const count = rd(dv, ws, pos + 1);
    const depth = rd(dv, ws, pos + 1 + ws);
    if (count !== 1) {
      throw badLog(this.source, `stack record at byte ${pos} has count ${count}, vmprof only knows 1`);
    }
    if (depth < 0 || depth > MAX_DEPTH) {
      throw badLog(this.source, `stack record at byte ${pos} has depth ${depth} (limit ${MAX_DEPTH})`);
    }
    const paired = this.linesMode || this.rpython;
    if (paired && (depth & 1) !== 0) {
      throw badLog(this.source, `stack record at byte ${pos} has odd depth ${depth} in a paired mode`);
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

    const thread = version >= VERSION_THREAD_ID ? rd(dv, as, threadAt) : 0;
    const rss = this.memory ? rd(dv, as, rssAt) : 0;
    const stack: number[] = [];
    if (this.linesMode) {
      // (line, code) pairs, innermost first: read them backwards to get outermost first.
      const lines: number[] = [];
      for (let o = fixed + (depth - 2) * as; o >= fixed; o -= 2 * as) {
        lines.push(rd(dv, as, o));
        stack.push(rd(dv, as, o + as));
      }
      const sample: Sample = { stack, thread, rss, lines };
      if (version >= VERSION_SAMPLE_TIME) sample.time = rd64(dv, timeAt);
      this.profile.samples.push(sample);
      return end;
    }
    if (this.rpython) {
      // (kind, pc) pairs: keep the pc.
      for (let o = fixed + (depth - 1) * as; o > fixed; o -= 2 * as) stack.push(rd(dv, as, o));
    } else if (as === 8) {
      for (let o = fixed + (depth - 1) * 8; o >= fixed; o -= 8) {
        stack.push(dv.getUint32(o, true) + dv.getInt32(o + 4, true) * TWO_32);
      }
    } else {
      for (let o = fixed + (depth - 1) * as; o >= fixed; o -= as) stack.push(dv.getInt32(o, true));
    }
    const sample: Sample = { stack, thread, rss };
    if (version >= VERSION_SAMPLE_TIME) sample.time = rd64(dv, timeAt);
    this.profile.samples.push(sample);
    return end;
  }

  /** Any record but a stack: returns the position after it, -1 if cut short, -2 after the trailer. */
  other(pos: number): number {
    const { bytes, dv, ws, as, len, source, profile } = this;
    const marker = bytes[pos];
    switch (marker) {
      case VIRTUAL_IP:
      case NATIVE_SYMBOLS: {
        if (pos + 1 + as + ws > len) return -1;
        const key = rd(dv, as, pos + 1);
        const n = rd(dv, ws, pos + 1 + as);
        if (n < 0) throw badLog(source, `symbol record at byte ${pos} has length ${n}`);
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
        if (this.sawHeader) throw badLog(source, `a second header record at byte ${pos}`);
        if (pos + 3 > len) return -1;
        const v = dv.getInt16(pos + 1, false); // the format's only big-endian field
        if (v < 0) throw badLog(source, `header at byte ${pos} has version ${v}`);
        if (v > MAX_VERSION) {
          throw new VmprofError(
            "BAD_LOG",
            `${source}: vmprof log format version ${v} is newer than this reader supports (${MAX_VERSION})`,
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
        profile.startMicros = rdTime(dv, pos + 1);
        return pos + 1 + TIME_PAYLOAD_BYTES;
      }
      case META: {
        if (pos + 1 + ws > len) return -1;
        const kn = rd(dv, ws, pos + 1);
        if (kn < 0) throw badLog(source, `meta record at byte ${pos} has key length ${kn}`);
        const ks = pos + 1 + ws;
        if (ks + kn + ws > len) return -1;
        const vn = rd(dv, ws, ks + kn);
        if (vn < 0) throw badLog(source, `meta record at byte ${pos} has value length ${vn}`);
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
        if (size > 1) profile.endMicros = rdTime(dv, pos + 1);
        profile.complete = true;
        return -2;
      }
      default: {
        const what = marker === INTERP_NAME ? "the deprecated interp-name record" : "unknown record marker";
        throw badLog(source, `${what} ${hex(marker)} at byte ${pos}`);
      }
    }
  }
}
