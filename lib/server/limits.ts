// The profile server's limits on what an upload may be: its size on the wire and unpacked (no
// gzip bomb), read and checked before anything is parsed or stored; a breach is an HttpError.

import type { IncomingMessage } from "node:http";
import { gunzipSync } from "node:zlib";

export const MiB = 1 << 20;

export interface Limits {
  /** Largest request body accepted, as sent (compressed). */
  maxUploadBytes: number;
  /** Largest log accepted once unpacked: a small body that gunzips past this is refused. */
  maxUnpackedBytes: number;
}

export const DEFAULT_LIMITS: Limits = { maxUploadBytes: 32 * MiB, maxUnpackedBytes: 256 * MiB };

/** A request the server refuses: the HTTP status and one line for the client to print. */
export class HttpError extends Error {
  constructor(public status: number, message: string) {
    super(message);
    this.name = "HttpError";
  }
}

/**
 * The request's body, whole, refused with 413 as soon as it is known to exceed `max` bytes
 * (its Content-Length, or what has arrived); a client that goes away before the end rejects
 * with 400, so a cut-short upload is never stored.
 */
export function readBody(req: IncomingMessage, max: number): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared > max) {
      req.resume();
      return reject(new HttpError(413, `the upload is ${declared} bytes, more than this server's limit of ${max}`));
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    let done = false;
    const fail = (e: HttpError) => {
      if (done) return;
      done = true;
      chunks.length = 0;
      reject(e);
    };
    req.on("data", (c: Uint8Array) => {
      if (done) return;
      size += c.length;
      if (size > max) {
        fail(new HttpError(413, `the upload is more than this server's limit of ${max} bytes`));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on("aborted", () => fail(new HttpError(400, "the upload was cut short")));
    req.on("error", () => fail(new HttpError(400, "the upload was cut short")));
    req.on("end", () => {
      if (done) return;
      if (Number.isFinite(declared) && size !== declared) {
        return fail(new HttpError(400, `the upload was cut short (${size} of ${declared} bytes)`));
      }
      done = true;
      const body = new Uint8Array(size);
      let o = 0;
      for (const c of chunks) {
        body.set(c, o);
        o += c.length;
      }
      resolve(body);
    });
  });
}

export const isGzip = (b: Uint8Array) => b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;

/**
 * Undoes gzip, strictly (a stream cut short or damaged is a 400, unlike the tolerant reader
 * for files on disk) and never past `max` bytes of output (413): memory is bounded by the
 * limit, whatever the ratio.
 */
export function gunzipLimited(bytes: Uint8Array, max: number): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: max });
  } catch (e) {
    const err = e as Error & { code?: string };
    if (err.code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError) {
      throw new HttpError(413, `the upload unpacks to more than this server's limit of ${max} bytes`);
    }
    throw new HttpError(400, `the upload is not valid gzip (${err.message})`);
  }
}
