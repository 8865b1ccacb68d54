// The DENO_DIR of a profiled Deno program: the user's, but with V8's code cache (and Deno's
// other SQLite caches) of its own. V8 keeps compiled code per module in DENO_DIR's code cache
// and rejects what was compiled under other V8 flags; the child runs with the perf map flags,
// the CLI and the user's own runs without, so each run overwrote the other's cache for every
// module both load (Deno's node: layer, the program's own modules after a plain run) and
// compiled them again: ~90 ms of every profiled run of an empty program (docs/SYMBOLS.md §8).
// The folder holds links to the user's DENO_DIR's folders (downloaded and npm packages,
// transpiled files, localStorage), so nothing is fetched twice, and its own cache files, one
// such folder per set of V8 flags.
import { lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { fnv1a64 } from "../util/hash.ts";

/** Folders Deno makes in DENO_DIR: made in the user's and linked before the child needs one (else it would make its own). */
const DENO_FOLDERS = ["deps", "remote", "gen", "npm", "registries", "location_data"];

/** Deno's DENO_DIR on Linux: $DENO_DIR, else $XDG_CACHE_HOME/deno, else ~/.cache/deno. */
export function userDenoDir(env: Record<string, string | undefined>): string {
  if (env.DENO_DIR) return resolve(env.DENO_DIR);
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "deno");
  return join(env.HOME || homedir(), ".cache", "deno");
}

/**
 * The DENO_DIR for a child started with `v8Flags`, made or brought up to date under `base`
 * (our cache folder); undefined if it cannot be had (then the child keeps the user's).
 */
export function childDenoDir(
  env: Record<string, string | undefined>,
  base: string | undefined,
  v8Flags: readonly string[],
): string | undefined {
  if (!base) return undefined;
  const user = userDenoDir(env);
  const dir = join(base, `deno-dir-${fnv1a64(`${user}\n${v8Flags.join(",")}`)}`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const name of DENO_FOLDERS) mkdirSync(join(user, name), { recursive: true });
    // Every folder, and every link to one (a DENO_DIR/npm moved to another disk).
    for (const name of readdirSync(user)) {
      if (statSync(join(user, name), { throwIfNoEntry: false })?.isDirectory()) linkInto(dir, name, join(user, name));
    }
    return dir;
  } catch {
    return undefined;
  }
}

/** `dir/name` → `target`, replacing another link there (two CLIs at once both end with the same link). */
function linkInto(dir: string, name: string, target: string): void {
  const at = join(dir, name);
  try {
    if (lstatSync(at).isSymbolicLink() && readlinkSync(at) === target) return;
  } catch {
    // not there yet
  }
  const tmp = `${at}.${process.pid}.tmp`;
  rmSync(tmp, { force: true });
  symlinkSync(target, tmp);
  renameSync(tmp, at); // over a stale link
}
