// Loads the native sampler with the adapter of the runtime we run on (the only place that
// asks which runtime this is, besides the adapters themselves). The adapter is imported
// when this module loads; the library itself is opened on first use. Also says where the
// library is on this machine (findLibrary: the override, the platform package, the checkout).
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { VmprofError } from "../errors.ts";
import {
  isSupported,
  LIBRARY_NAME,
  locateLibrary,
  platformName,
  platformPackage,
  type SupportedPlatform,
} from "./locate.ts";
import { Native, type RawSymbols } from "./native.ts";

/**
 * The folder holding mod.ts and lib/ (a checkout, or the installed npm package); undefined when
 * the code was loaded from the network (JSR), where there is no folder.
 */
export const LOCAL_ROOT: string | undefined = import.meta.url.startsWith("file:")
  ? resolve(dirname(fileURLToPath(import.meta.url)), "../..")
  : undefined;
/** LOCAL_ROOT, or from the network the URL mod.ts was loaded from (a checkout's tools use this). */
export const PROJECT_DIR: string = LOCAL_ROOT ?? new URL("../..", import.meta.url).href.replace(/\/$/, "");

/** This machine as the platform packages name it (`linux-x64-gnu`, `linux-arm64-musl`, `darwin-arm64`). */
export const PLATFORM: string = platformName(
  process.platform,
  process.arch,
  process.platform === "linux" ? libc() : undefined,
);

/**
 * glibc or musl: the runtime's own C library. Deno says it (Deno.build.env); Bun through Node's
 * report API, whose header has glibc's version only on glibc (2.3 ms on Deno, 0.5 ms on Bun).
 */
function libc(): "gnu" | "musl" {
  const deno = (globalThis as { Deno?: { build: { env?: string } } }).Deno;
  if (deno) return deno.build.env === "musl" ? "musl" : "gnu";
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
    return header && !header.glibcVersionRuntime ? "musl" : "gnu";
  } catch {
    return "gnu";
  }
}

/**
 * The platform package's library when it is installed: resolved as a dependency of this package
 * (node_modules, or Deno's npm cache) with no download; from JSR, imported through the npm:
 * dependency deno.json maps it to (each import is a literal, so that `deno publish` rewrites it).
 */
async function packagedLibrary(platform: string): Promise<string | undefined> {
  if (!isSupported(platform)) return undefined;
  if (LOCAL_ROOT !== undefined) {
    try {
      const manifest = createRequire(import.meta.url).resolve(`${platformPackage(platform)}/package.json`);
      return join(dirname(manifest), LIBRARY_NAME);
    } catch {
      return undefined;
    }
  }
  const load: Record<SupportedPlatform, () => Promise<{ libraryPath: string }>> = {
    "linux-x64-gnu": () => import("@vmprof-js/linux-x64-gnu"),
    "linux-arm64-gnu": () => import("@vmprof-js/linux-arm64-gnu"),
    "linux-x64-musl": () => import("@vmprof-js/linux-x64-musl"),
    "linux-arm64-musl": () => import("@vmprof-js/linux-arm64-musl"),
  };
  try {
    return (await load[platform]()).libraryPath;
  } catch {
    return undefined;
  }
}

// The override wins anyway (the CLI hands its child the library it found): no lookup then.
const PACKAGED = process.env.VMPROF_LIB ? undefined : await packagedLibrary(PLATFORM);

/** The library's path on this machine, or a VmprofError saying why there is none. */
export function findLibrary(): string {
  return locateLibrary(process.env, LOCAL_ROOT, existsSync, { platform: PLATFORM, packaged: PACKAGED });
}

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
  const path = findLibrary();
  let raw: RawSymbols;
  try {
    raw = open(path);
  } catch (e) {
    throw new VmprofError("NO_LIBRARY", `cannot load ${path}: ${(e as Error).message}`);
  }
  loaded = new Native(raw, path);
  return loaded;
}
