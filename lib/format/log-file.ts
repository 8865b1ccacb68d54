// Reading profile files: whole (sized by fstat) or chunk by chunk as the log parser asks, gzip
// undone, every failure a VmprofError naming the path. Used by reader.ts and lib/import/.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { VmprofError } from "../errors.ts";

/** A profile file's bytes, or VmprofError("IO") naming the path. */
export function readProfileBytes(path: string): Uint8Array {
  const fd = openOrThrow(path);
  try {
    return readAll(fd, path, new Uint8Array(0));
  } finally {
    closeSync(fd);
  }
}

function ioError(path: string, e: unknown): VmprofError {
  return new VmprofError("IO", `${path}: cannot read (${(e as Error).message})`);
}

export function openOrThrow(path: string): number {
  try {
    return openSync(path, "r");
  } catch (e) {
    throw ioError(path, e);
  }
}

/** Reads into `buf` from `at` on; returns the bytes read, 0 at the end of the file. */
function readSome(fd: number, path: string, buf: Uint8Array, at: number): number {
  try {
    return readSync(fd, buf, at, buf.length - at, null);
  } catch (e) {
    throw ioError(path, e);
  }
}

/**
 * `head` (what was read already) and the rest of the file, in one array. Read into one
 * array sized by fstat (node:fs readFileSync in Deno reads into a second buffer and copies).
 */
export function readAll(fd: number, path: string, head: Uint8Array): Uint8Array {
  let size: number;
  try {
    size = fstatSync(fd).size;
  } catch (e) {
    throw ioError(path, e);
  }
  // One byte to spare, to see the end without growing; pipes and /proc files report 0.
  let buf: Uint8Array;
  try {
    buf = new Uint8Array(Math.max(size, head.length) + 1 + (size === 0 ? 65535 : 0));
  } catch (e) {
    throw ioError(path, e); // too big to hold
  }
  buf.set(head);
  let len = head.length;
  for (;;) {
    if (len === buf.length) {
      const grown = new Uint8Array(buf.length * 2);
      grown.set(buf);
      buf = grown;
    }
    const n = readSome(fd, path, buf, len);
    if (n === 0) return buf.subarray(0, len);
    len += n;
  }
}

/** Where a Parser gets more of a file: one read after another from an open descriptor. */
export class ChunkReader {
  constructor(readonly fd: number, readonly path: string) {}

  /** Reads into `buf` from `len` on until it is full or the file ends; returns the bytes it holds. */
  fill(buf: Uint8Array, len: number): number {
    while (len < buf.length) {
      const n = readSome(this.fd, this.path, buf, len);
      if (n === 0) break;
      len += n;
    }
    return len;
  }
}

/**
 * The most bytes a gzipped profile may unzip to. Logs compress 10-50x; a "gzip bomb" (a few
 * kB that unzip to gigabytes) would exhaust memory before the reader saw a byte of it.
 */
export const MAX_UNZIPPED_BYTES = 2 ** 30;

/**
 * Undoes gzip when the bytes start with its magic; a stream cut short yields what it has.
 * More than `maxBytes` unzipped is refused (BAD_LOG) without holding more than that.
 */
export function gunzipIfNeeded(bytes: Uint8Array, source: string, maxBytes = MAX_UNZIPPED_BYTES): Uint8Array {
  if (bytes.length < 2 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  try {
    // SYNC_FLUSH: a gzip stream cut short yields what it has instead of throwing.
    return gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new VmprofError(
        "BAD_LOG",
        `${source}: unzips to more than ${maxBytes >> 20} MB (${bytes.length} bytes gzipped); refused`,
      );
    }
    // Not "not a vmprof log": a gzipped file may hold a .cpuprofile too (lib/import/any.ts).
    throw new VmprofError("BAD_LOG", `${source}: corrupt gzip data (${(e as Error).message})`);
  }
}
