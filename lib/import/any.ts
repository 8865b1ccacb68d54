// readAnyProfile: open whatever profile a user has — a vmprof log (ours, CPython's, PyPy's; plain
// or gzipped) or a Chrome/V8 .cpuprofile (plain or gzipped) — as a Profile, by sniffing its bytes.

import { VmprofError } from "../errors.ts";
import { parseLog, type Profile } from "../format/reader.ts";
import { gunzipIfNeeded, readProfileBytes } from "../format/log-file.ts";
import { SPEEDSCOPE_SCHEMA } from "../export/speedscope.ts";
import { isCpuProfile, parseCpuProfile } from "./cpuprofile.ts";

const decoder = new TextDecoder("utf-8");

/** Reads `path`; see parseAnyProfile. Errors: IO (cannot read), BAD_LOG (not a profile we know). */
export function readAnyProfile(path: string): Profile {
  return parseAnyProfile(readProfileBytes(path), path);
}

/**
 * A profile held in memory: gzip is undone first; then JSON (the first byte that is not
 * white space is "{") must be a .cpuprofile, and anything else is read as a vmprof log.
 */
export function parseAnyProfile(input: Uint8Array, source = "<buffer>"): Profile {
  const bytes = gunzipIfNeeded(input, source);
  let i = 0;
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x0a || bytes[i] === 0x0d || bytes[i] === 0x09)) i++;
  if (bytes[i] !== 0x7b) return parseLog(bytes, source); // "{"
  let json: unknown;
  try {
    json = JSON.parse(decoder.decode(bytes));
  } catch (e) {
    const why = (e as Error).message.replace(/\s+/g, " ").slice(0, 200);
    throw new VmprofError("BAD_LOG", `${source}: looks like JSON but does not parse (${why})`);
  }
  if (!isCpuProfile(json)) {
    const what = (json as { $schema?: unknown }).$schema === SPEEDSCOPE_SCHEMA
      ? "a speedscope file (we write those but do not read them)"
      : "JSON, but not a .cpuprofile (no nodes and samples)";
    throw new VmprofError("BAD_LOG", `${source}: ${what}`);
  }
  return parseCpuProfile(json, source);
}
