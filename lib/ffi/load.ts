// Loads the native sampler with the adapter of the runtime we run on (the only place that
// asks which runtime this is, besides the adapters themselves). The adapter is imported
// when this module loads; the library itself is opened on first use.
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { locateLibrary } from "./locate.ts";
import { Native, type RawSymbols } from "./native.ts";

export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const open: ((path: string) => RawSymbols) | undefined = "Deno" in globalThis
  ? (await import("./deno.ts")).open
  : process.versions.bun
  ? (await import("./bun.ts")).open
  : undefined;

let loaded: Native | undefined;

/** The sampler, opened once per process. */
export function loadNative(): Native {
  if (loaded) return loaded;
  if (!open) throw new VmprofError("NATIVE", "vmprof-js samples on Deno or Bun only");
  const path = locateLibrary(process.env, PROJECT_DIR, existsSync);
  let raw: RawSymbols;
  try {
    raw = open(path);
  } catch (e) {
    throw new VmprofError("NO_LIBRARY", `cannot load ${path}: ${(e as Error).message}`);
  }
  loaded = new Native(raw, path);
  return loaded;
}
