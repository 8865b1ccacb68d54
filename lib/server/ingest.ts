// From an upload's bytes to a stored profile's row: unpack within the limits, parse the log once,
// refuse anything that is not a whole vmprof log, and take the list's columns from it.

import { gzipSync } from "node:zlib";
import { basename } from "node:path";
import { parseLog, type Profile } from "../format/reader.ts";
import { isVmprofError } from "../errors.ts";
import { gunzipLimited, HttpError, isGzip, type Limits } from "./limits.ts";
import type { NewProfile } from "./store.ts";

/** What the uploader may say about the profile (query parameters of the upload). */
export interface UploadInfo {
  name?: string;
  program?: string;
}

const MAX_TEXT = 200;

/** A short one-line text from a query value: control characters dropped, at most 200 characters. */
export function cleanText(s: string | null | undefined): string {
  // deno-lint-ignore no-control-regex -- control characters are what it removes
  return (s ?? "").replace(/[\u0000-\u001f\u007f]/g, "").trim().slice(0, MAX_TEXT);
}

/**
 * The row to store for an upload body (sent gzipped with Content-Encoding: gzip, or a plain or
 * gzipped log as is). HttpError 400 for anything but a complete vmprof log, 413 past the limits.
 */
export function ingest(body: Uint8Array, gzipEncoded: boolean, info: UploadInfo, limits: Limits): NewProfile {
  if (body.length === 0) throw new HttpError(400, "the upload is empty");
  let log = gzipEncoded ? gunzipLimited(body, limits.maxUnpackedBytes) : body;
  const packedOnce = gzipEncoded && !isGzip(log);
  if (isGzip(log)) log = gunzipLimited(log, limits.maxUnpackedBytes); // a .log.gz sent as it is
  if (log.length > limits.maxUnpackedBytes) {
    throw new HttpError(
      413,
      `the log is ${log.length} bytes, more than this server's limit of ${limits.maxUnpackedBytes}`,
    );
  }
  let p: Profile;
  try {
    p = parseLog(log, "the upload");
  } catch (e) {
    if (isVmprofError(e)) throw new HttpError(400, e.message);
    throw e;
  }
  if (!p.complete || p.truncatedBytes > 0) {
    throw new HttpError(400, "the upload is not a whole vmprof log (it ends before the trailer): nothing was stored");
  }
  const runtime = p.meta.get("runtime") || p.interpName || "unknown";
  return {
    name: cleanText(info.name) || "profile",
    program: cleanText(info.program) || programOf(p),
    runtime: cleanText(runtime),
    runtime_version: cleanText(p.meta.get("runtime_version")),
    started_at: p.startMicros === undefined ? null : Math.round(p.startMicros / 1000),
    duration_s: p.startMicros !== undefined && p.endMicros !== undefined && p.endMicros >= p.startMicros
      ? (p.endMicros - p.startMicros) / 1e6
      : null,
    samples: p.samples.length,
    log_bytes: log.length,
    // The body as sent when it is the log gzipped once: no second compression.
    log_gz: packedOnce ? body : gzipSync(log),
  };
}

/**
 * The profiled program's file name: the file of the top-level `<module>` frame, else the user
 * file (an absolute path, not the runtime's own) found outermost in most samples; "" if none.
 */
export function programOf(p: Profile): string {
  const fileOf = new Map<number, string>();
  for (const [addr, name] of p.symbols) {
    const m = /^js:(.*):\d+:(\/.+)$/.exec(name);
    if (!m) continue;
    if (m[1] === "<module>") return cleanText(basename(m[2]));
    fileOf.set(addr, m[2]);
  }
  const votes = new Map<string, number>();
  const step = Math.max(1, Math.floor(p.samples.length / 5000)); // a sample of the samples is enough
  for (let i = 0; i < p.samples.length; i += step) {
    const file = p.samples[i].stack.map((a) => fileOf.get(a)).find((f) => f !== undefined);
    if (file) votes.set(file, (votes.get(file) ?? 0) + 1);
  }
  let best = "", most = 0;
  for (const [file, n] of votes) if (n > most) [best, most] = [file, n];
  return cleanText(basename(best));
}
