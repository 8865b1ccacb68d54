// The shape of a cli.ts subcommand: a name, a usage paragraph for --help, and run(argv).
import { parseArgs } from "node:util";
import { VmprofError } from "../errors.ts";
import type { Stats } from "../profile/stats.ts";

export interface Command {
  name: string;
  /** One usage line and its options, shown by `cli.ts --help`. */
  usage: string;
  /** Runs with the arguments after the command name; resolves to the exit status. */
  run(argv: string[]): Promise<number> | number;
}

export type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }>;

/** The long name of short option `-x`. */
function optionName(options: OptionSpec, short: string): string {
  return Object.entries(options).find(([, o]) => `-${o.short}` === short)?.[0] ?? short.slice(1);
}

/** node:util parseArgs with its errors turned into one-line BAD_OPTION errors. */
export function parseOptions(argv: string[], options: OptionSpec, allowPositionals: boolean) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals });
  } catch (e) {
    const first = (e as Error).message.split("\n")[0];
    // "--port -1": parseArgs takes -1 for an option; say how to pass a negative value.
    const ambiguous = /^Option '(-\w, )?(--?[\w-]+)[^']*' argument is ambiguous/.exec(first);
    if (ambiguous) {
      const opt = ambiguous[2].startsWith("--") ? ambiguous[2] : `--${optionName(options, ambiguous[2])}`;
      throw new VmprofError("BAD_OPTION", `${opt}: a value that starts with "-" is written ${opt}=VALUE (see --help)`);
    }
    throw new VmprofError("BAD_OPTION", `${first} (see --help)`);
  }
}

/** What a numeric option may be: at least `min`, at most `max`, a whole number. */
export interface NumberRange {
  min?: number;
  max?: number;
  whole?: boolean;
}

/** A numeric option value, or `dflt` when absent; a clear error when not a number or out of `range`. */
export function numberOption(v: unknown, name: string, dflt: number, range: NumberRange = {}): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) {
    throw new VmprofError("BAD_OPTION", `--${name} expects a number, got "${v}"`);
  }
  const { min = -Infinity, max = Infinity, whole = false } = range;
  if (n < min || n > max || (whole && !Number.isInteger(n))) {
    const kind = whole ? "a whole number" : "a number";
    const span = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    throw new VmprofError("BAD_OPTION", `--${name} must be ${kind} ${span}, got ${v}`);
  }
  return n;
}

/**
 * `stats` cut to the threads `--thread T` names (the id T, or names starting with T); a
 * BAD_OPTION error listing the threads of `log` when none match.
 */
export function selectThreads(stats: Stats, which: string, command: string, log: string): Stats {
  const tids = new Set(stats.threadsMatching(which));
  if (tids.size === 0) {
    const known = [...stats.threads().keys()].map((t) => `${t} ${stats.threadNames().get(t) ?? ""}`.trim());
    throw new VmprofError("BAD_OPTION", `${command}: no thread "${which}" in ${log} (threads: ${known.join(", ")})`);
  }
  return stats.filter((s) => tids.has(s.thread));
}

/** Writes to stderr with the tool's prefix. */
export function say(line: string): void {
  process.stderr.write(`vmprof-js: ${line}\n`);
}

/** Resolves at the first SIGINT or SIGTERM (a server's Ctrl-C), and stops listening for them. */
export function untilInterrupted(): Promise<void> {
  return new Promise<void>((done) => {
    const signals = ["SIGINT", "SIGTERM"] as const;
    const stop = () => {
      for (const s of signals) process.off(s, stop);
      done();
    };
    for (const s of signals) process.on(s, stop);
  });
}
