// Where a profiled child writes the files that name its JIT code, and their removal afterwards.
//
// Deno gets one folder per user that stays the same from run to run: the folder is a V8 flag
// (--perf-basic-prof-path), and V8 rejects its code cache when any flag differs from the run
// that made the cache, so a fresh folder each run made every profiled run compile the whole
// program again (TypeScript checker: ~0.2 s more of the user's wait; docs/SYMBOLS.md §7). The
// files in it are named by pid (perf-<pid>.map, jit-<pid>.dump): a run removes its own, and
// the files of processes that no longer exist (a CLI killed with SIGKILL) at a later start,
// once they are ten minutes old (a CLI may still be reading a child's that has just ended).
// Bun gets a fresh folder per run, removed whole: JSC keeps no code cache to lose. Its name
// holds the CLI's pid, so that the folder of a CLI killed with SIGKILL goes at the next start.
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/** tmpfs when there is one: JSC's jitdump writer loses records written just before exit on disk. */
function base(): string {
  try {
    if (lstatSync("/dev/shm").isDirectory()) return "/dev/shm";
  } catch {
    // no /dev/shm
  }
  return tmpdir();
}

export interface SymbolDir {
  path: string;
  /** Removes what this run's `pid` left (all of a fresh folder). */
  remove(pid?: number): void;
}

/** A folder only this user can write, the same for every run, or undefined if it cannot be had safely. */
function stableFolder(dir: string): string | undefined {
  const uid = process.getuid?.() ?? -1;
  const path = join(dir, `vmprof-js-${uid}`);
  try {
    mkdirSync(path, { mode: 0o700, recursive: true });
    const s = lstatSync(path);
    // Someone else's folder, or a link planted where ours should be: not ours to use.
    if (!s.isDirectory() || s.isSymbolicLink() || (uid >= 0 && s.uid !== uid) || (s.mode & 0o077) !== 0) {
      return undefined;
    }
    return path;
  } catch {
    return undefined;
  }
}

const PID_FILE = /^(?:perf|jit)-(?:\d+-)?(\d+)\.(?:map|dump)$/;

/** The process exists and is not a zombie (a killed program whose new parent never reaps it). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as { code?: string }).code === "EPERM";
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat[stat.lastIndexOf(")") + 2] !== "Z";
  } catch {
    return true; // no /proc: kill(0) is all we know
  }
}

const FRESH_FOLDER = /^vmprof-js-sym-(?:(\d+)-)?[A-Za-z0-9]{6}$/;
const WORK_FOLDER = /^vmprof-js-run-(\d+)-[A-Za-z0-9]{6}$/;
const HOUR_MS = 3600_000;
/** How old a dead process's symbol file must be before another run removes it. */
export const LEFTOVER_MS = 10 * 60_000;

/**
 * A fresh folder for one profiled run's raw log (the spool), only this user's, named by the
 * CLI's pid; the folders of CLIs that are gone (killed with SIGKILL) are removed first.
 */
export function workDir(dir = tmpdir()): string {
  removeOrphanFolders(dir, WORK_FOLDER);
  return mkdtempSync(join(dir, `vmprof-js-run-${process.pid}-`));
}

/** Fresh folders of CLIs that are gone (and, from versions that put no pid in the name, old ones). */
function removeOrphanFolders(dir: string, pattern = FRESH_FOLDER): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const uid = process.getuid?.();
  for (const f of names) {
    const m = pattern.exec(f);
    if (!m) continue;
    const path = join(dir, f);
    try {
      const s = statSync(path);
      if (uid !== undefined && s.uid !== uid) continue; // another user's
      const orphan = m[1] ? !alive(Number(m[1])) : Date.now() - s.mtimeMs > HOUR_MS;
      if (orphan) rmSync(path, { recursive: true, force: true });
    } catch {
      // gone meanwhile
    }
  }
}

/** The folder for a run's symbol files on `runtime`, under `dir` (tmpfs when there is one). */
export function symbolDir(runtime: "deno" | "bun", dir = base()): SymbolDir {
  const stable = runtime === "deno" ? stableFolder(dir) : undefined;
  if (!stable) {
    removeOrphanFolders(dir);
    const path = mkdtempSync(join(dir, `vmprof-js-sym-${process.pid}-`));
    return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
  }
  // Leftovers of runs whose process is gone, once they are old: a child that has just ended
  // leaves its map for its CLI to read, and that CLI may still be naming (two profiled runs at
  // once: the second's start removed the first's map before it was read, 0% named).
  const now = Date.now();
  for (const f of readdirSync(stable)) {
    const m = PID_FILE.exec(f);
    if (!m || alive(Number(m[1]))) continue;
    try {
      if (now - statSync(join(stable, f)).mtimeMs > LEFTOVER_MS) rmSync(join(stable, f), { force: true });
    } catch {
      // removed meanwhile
    }
  }
  return {
    path: stable,
    remove(pid) {
      if (pid === undefined) return;
      for (const f of readdirSync(stable)) {
        if (PID_FILE.exec(f)?.[1] === String(pid)) rmSync(join(stable, f), { force: true });
      }
    },
  };
}
