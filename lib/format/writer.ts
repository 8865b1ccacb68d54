// LogWriter: builds a vmprof log (static header, records, trailer) in a growable byte buffer.

import { VmprofError } from "../errors.ts";
import {
  HEADER,
  LINES,
  MAX_DEPTH,
  MAX_VERSION,
  MEMORY,
  META,
  NATIVE_SYMBOLS,
  STACKTRACE,
  TIME_N_ZONE,
  TRAILER,
  VERSION,
  VERSION_DURATION,
  VERSION_MEMORY,
  VERSION_MODE_AWARE,
  VERSION_SAMPLE_TIME,
  VERSION_THREAD_ID,
  VIRTUAL_IP,
  WORD_SIZE_BYTES,
} from "./constants.ts";

const TWO_32 = 4294967296;
const W = WORD_SIZE_BYTES;
const encoder = new TextEncoder();

export interface HeaderOptions {
  periodUsec: number;
  flags: number;
  interpName: string;
  /** Format version, 6 unless you are producing an old-format log for a test (1..7). */
  version?: number;
}

/**
 * Writes one log, record by record, into memory. Words and addresses are 8-byte
 * little-endian; numbers are plain JS numbers (up to 2^53, negative allowed).
 * `bytes()` copies out everything so far; `take()` copies it out and empties the buffer,
 * for writers that stream to a file as they go.
 */
export class LogWriter {
  #buf: Uint8Array;
  #view: DataView;
  #len = 0;
  #flags = 0;
  #version = VERSION;
  #started = false;

  constructor(initialBytes = 64 * 1024) {
    this.#buf = new Uint8Array(Math.max(64, initialBytes));
    this.#view = new DataView(this.#buf.buffer);
  }

  /** Bytes written since construction or the last take(). */
  get length(): number {
    return this.#len;
  }

  /** The static 5-word header [0, 3, 0, period, 0] and the HEADER record. Must come first. */
  header(o: HeaderOptions): void {
    const version = o.version ?? VERSION;
    if (this.#started) throw new VmprofError("BAD_OPTION", "LogWriter: header() written twice");
    if (!Number.isInteger(version) || version < 0 || version > MAX_VERSION) {
      throw new VmprofError("BAD_OPTION", `LogWriter: version ${version} is not in 0..${MAX_VERSION}`);
    }
    if (!Number.isInteger(o.periodUsec) || o.periodUsec < 0) {
      throw new VmprofError("BAD_OPTION", `LogWriter: periodUsec ${o.periodUsec} is not a whole number >= 0`);
    }
    if (!Number.isInteger(o.flags) || o.flags < 0 || o.flags > 0xff) {
      throw new VmprofError("BAD_OPTION", `LogWriter: flags ${o.flags} do not fit in a byte`);
    }
    const name = encoder.encode(o.interpName);
    if (name.length > 255) {
      throw new VmprofError("BAD_OPTION", "LogWriter: interpName is longer than 255 bytes");
    }
    this.#started = true;
    this.#version = version;
    // Before version 4 there is no flags byte: memory mode is spelled "version 3".
    this.#flags = version >= VERSION_MODE_AWARE ? o.flags : (version === VERSION_MEMORY ? MEMORY : 0);
    this.#ensure(5 * W + 5 + name.length);
    this.#word(0);
    this.#word(3);
    this.#word(0);
    this.#word(o.periodUsec);
    this.#word(0);
    this.#byte(HEADER);
    this.#view.setUint16(this.#len, version, false); // the format's only big-endian field
    this.#len += 2;
    if (version >= VERSION_MODE_AWARE) this.#byte(this.#flags);
    this.#byte(name.length);
    this.#raw(name);
  }

  /** TIME_N_ZONE: the start time (microseconds since the Unix epoch), zone left empty. */
  time(unixMicros: number): void {
    this.#need();
    this.#ensure(25);
    this.#byte(TIME_N_ZONE);
    this.#timePayload(unixMicros);
  }

  /** META: a free-form key/value pair. */
  meta(key: string, value: string): void {
    this.#need();
    const k = encoder.encode(key);
    const v = encoder.encode(value);
    this.#ensure(1 + 2 * W + k.length + v.length);
    this.#byte(META);
    this.#word(k.length);
    this.#raw(k);
    this.#word(v.length);
    this.#raw(v);
  }

  /**
   * STACKTRACE with count 1. `stack` is outermost first (as the reader returns it) and is
   * written innermost first. `rss` (kB) is required in memory mode and ignored otherwise;
   * `lines` (parallel to `stack`, 0 for native frames) is used in lines mode, where
   * entries are (line, addr) pairs. `timeNs` is written only for version-7 logs.
   */
  sample(stack: number[], thread: number, rss?: number, lines?: number[], timeNs?: number): void {
    this.#need();
    const n = stack.length;
    const linesMode = (this.#flags & LINES) !== 0;
    const memory = (this.#flags & MEMORY) !== 0;
    const depth = linesMode ? 2 * n : n;
    if (depth > MAX_DEPTH) {
      throw new VmprofError("BAD_OPTION", `LogWriter: stack of ${depth} entries is deeper than ${MAX_DEPTH}`);
    }
    if (memory && rss === undefined) {
      throw new VmprofError("BAD_OPTION", "LogWriter: memory mode needs the rss of every sample");
    }
    const v = this.#version;
    this.#ensure(1 + W * (2 + depth + 3));
    this.#byte(STACKTRACE);
    this.#word(1);
    this.#word(depth);
    const view = this.#view;
    let o = this.#len;
    if (linesMode) {
      for (let i = n - 1; i >= 0; i--) {
        const line = lines === undefined ? 0 : lines[i] ?? 0;
        view.setUint32(o, line >>> 0, true);
        view.setInt32(o + 4, Math.floor(line / TWO_32), true);
        const a = stack[i];
        view.setUint32(o + 8, a >>> 0, true);
        view.setInt32(o + 12, Math.floor(a / TWO_32), true);
        o += 16;
      }
    } else {
      for (let i = n - 1; i >= 0; i--) {
        const a = stack[i];
        view.setUint32(o, a >>> 0, true);
        view.setInt32(o + 4, Math.floor(a / TWO_32), true);
        o += 8;
      }
    }
    this.#len = o;
    if (v >= VERSION_THREAD_ID) this.#word(thread);
    if (memory) this.#word(rss as number);
    if (v >= VERSION_SAMPLE_TIME) this.#word(timeNs ?? 0);
  }

  /** VIRTUAL_IP: the name of a code address, `js:<name>:<line>:<file>`. */
  symbol(addr: number, name: string): void {
    this.#symbol(VIRTUAL_IP, addr, name);
  }

  /** NATIVE_SYMBOLS: the name of a native address (bit 0 set), `n:<symbol>:<line>:<file or ->`. */
  nativeSymbol(addr: number, name: string): void {
    this.#symbol(NATIVE_SYMBOLS, addr, name);
  }

  /** TRAILER: the end of the log, with the end time from version 5 on. */
  trailer(unixMicros: number): void {
    this.#need();
    this.#ensure(25);
    this.#byte(TRAILER);
    if (this.#version >= VERSION_DURATION) this.#timePayload(unixMicros);
  }

  /** A copy of every byte written so far (since the last take()). */
  bytes(): Uint8Array {
    return this.#buf.slice(0, this.#len);
  }

  /** Like bytes(), then empties the buffer; the writer keeps its header state. */
  take(): Uint8Array {
    const out = this.#buf.slice(0, this.#len);
    this.#len = 0;
    return out;
  }

  #symbol(marker: number, addr: number, name: string): void {
    this.#need();
    const s = encoder.encode(name);
    this.#ensure(1 + 2 * W + s.length);
    this.#byte(marker);
    this.#word(addr);
    this.#word(s.length);
    this.#raw(s);
  }

  #timePayload(unixMicros: number): void {
    const sec = Math.floor(unixMicros / 1e6);
    this.#word(sec);
    this.#word(unixMicros - sec * 1e6);
    this.#word(0); // zone: empty, as vmprof writes it
  }

  #need(): void {
    if (!this.#started) throw new VmprofError("BAD_OPTION", "LogWriter: header() must be written first");
  }

  #ensure(extra: number): void {
    const want = this.#len + extra;
    if (want <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < want) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.#buf.subarray(0, this.#len));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }

  #byte(b: number): void {
    this.#buf[this.#len++] = b;
  }

  /** A signed 8-byte little-endian word: low half mod 2^32, high half floor(v / 2^32). */
  #word(v: number): void {
    this.#view.setUint32(this.#len, v >>> 0, true);
    this.#view.setInt32(this.#len + 4, Math.floor(v / TWO_32), true);
    this.#len += 8;
  }

  #raw(b: Uint8Array): void {
    this.#buf.set(b, this.#len);
    this.#len += b.length;
  }
}
