// Loads the native sampler with the adapter of the runtime we run on (the only place that
// asks which runtime this is, besides the adapters themselves).
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { locateLibrary } from "./locate.ts";
import { Native, type RawSymbols } from "./native.ts";

export const PROJECT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

let loaded: Native | undefined;

export async function loadNative(): Promise<Native> {
  if (loaded) return loaded;
  const path = locateLibrary(process.env, PROJECT_DIR, existsSync);
  let open: (path: string) => RawSymbols;
  if ("Deno" in globalThis) open = (await import("./deno.ts")).open;
  else if (process.versions.bun) open = (await import("./bun.ts")).open;
  else throw new VmprofError("NATIVE", "vmprof-js runs on Deno or Bun");
  try {
    loaded = new Native(open(path), path);
  } catch (e) {
    if (e instanceof VmprofError) throw e;
    throw new VmprofError("NO_LIBRARY", `cannot load ${path}: ${(e as Error).message}`);
  }
  return loaded;
}
