// readAnyProfile: open whatever profile a user has — a vmprof log (ours, CPython's, PyPy's; plain
// or gzipped) or a Chrome/V8 .cpuprofile (plain or gzipped) — as a Profile, by sniffing its bytes.

import { readFileSync } from "node:fs";
import { constants as zlibConstants, gunzipSync } from "node:zlib";
import { VmprofError } from "../errors.ts";
import { parseLog, type Profile } from "../format/reader.ts";
import { SPEEDSCOPE_SCHEMA } from "../export/speedscope.ts";
import { isCpuProfile, parseCpuProfile } from "./cpuprofile.ts";

const decoder = new TextDecoder("utf-8");

/** Reads `path`; see parseAnyProfile. Errors: IO (cannot read), BAD_LOG (not a profile we know). */
export function readAnyProfile(path: string): Profile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new VmprofError("IO", `${path}: cannot read (${(e as Error).message})`);
  }
  return parseAnyProfile(bytes, path);
}

/**
 * A profile held in memory: gzip is undone first; then JSON (the first byte that is not
 * white space is "{") must be a .cpuprofile, and anything else is read as a vmprof log.
 */
export function parseAnyProfile(input: Uint8Array, source = "<buffer>"): Profile {
  let bytes = input;
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      // SYNC_FLUSH: a log cut short still yields what it has (parseLog keeps what it can).
      bytes = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
    } catch (e) {
      throw new VmprofError("BAD_LOG", `${source}: corrupt gzip data (${(e as Error).message})`);
    }
  }
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b) return parseLog(bytes, source); // "{"
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    throw new VmprofError("BAD_LOG", `${source}: looks like JSON but does not parse (${(e as Error).message})`);
  }
  if (!isCpuProfile(json)) {
    const what = (json as { $schema?: unknown }).$schema === SPEEDSCOPE_SCHEMA
      ? "a speedscope file (we write those but do not read them)"
      : "JSON, but not a .cpuprofile (no nodes and samples)";
    throw new VmprofError("BAD_LOG", `${source}: ${what}`);
  }
  return parseCpuProfile(json, source);
}
