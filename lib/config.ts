// Command-line and --config FILE.ini options of cli.ts: parsing, merging (the command line
// wins over the file) and validation, with one-line VmprofErrors for every mistake.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { VmprofError } from "./errors.ts";
import { checkPeriod, DEFAULT_PERIOD } from "./session.ts";

export const USAGE = `usage: cli.ts [options] [--] PROGRAM [ARGS...]     profile PROGRAM (a .ts/.js file)
       cli.ts show LOG [tree|flat] [show options]  print a saved profile

profile options:
  -o, --output FILE      save the log to FILE (otherwise print a summary)
  -p, --period SECONDS   time between samples, 1e-06 .. 1.0 (default ${DEFAULT_PERIOD})
  -n, --native           keep native frames (default: fold them into their JS caller)
      --lines            record line numbers
      --real-time        sample wall-clock time instead of CPU time
      --memory           record the resident set size with each sample
      --all-threads      sample every thread, runtime helper threads too
      --config FILE.ini  read these options from FILE (the command line wins)
  -h, --help             show this help
  -v, --version          print the version

show options:
      --prune-percent P  hide tree nodes below P percent (default 0)
      --prune-level L    show at most L levels
      --indent N         indent each level by N spaces (default 2)
      --percent-cutoff P flat: hide functions below P percent self time
      --no-native        flat: hide native frames
      --limit N          flat: show at most N rows`;

export interface ProfileArgs {
  command: "profile";
  program: string;
  args: string[];
  output?: string;
  period: number;
  native: boolean;
  lines: boolean;
  realTime: boolean;
  memory: boolean;
  allThreads: boolean;
}

export interface ShowArgs {
  command: "show";
  log: string;
  view: "tree" | "flat";
  prunePercent: number;
  pruneLevel: number;
  indent: number;
  percentCutoff: number;
  noNative: boolean;
  limit?: number;
}

export type Args = ProfileArgs | ShowArgs | { command: "help" } | { command: "version" };

const PROFILE_OPTIONS = {
  output: { type: "string", short: "o" },
  period: { type: "string", short: "p" },
  native: { type: "boolean", short: "n" },
  lines: { type: "boolean" },
  "real-time": { type: "boolean" },
  memory: { type: "boolean" },
  "all-threads": { type: "boolean" },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

const SHOW_OPTIONS = {
  "prune-percent": { type: "string" },
  "prune-level": { type: "string" },
  indent: { type: "string" },
  "percent-cutoff": { type: "string" },
  "no-native": { type: "boolean" },
  limit: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

type Values = Record<string, string | boolean | undefined>;

/** parseArgs, with its errors turned into one-line BAD_OPTION errors. */
function parse(argv: string[], options: Record<string, { type: "string" | "boolean"; short?: string }>, positionals: boolean) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: positionals });
  } catch (e) {
    throw new VmprofError("BAD_OPTION", `${(e as Error).message.split("\n")[0]} (see --help)`);
  }
}

/**
 * Splits the profiler's own options from the program and its arguments: the program is the
 * first argument that is neither an option nor an option's value (or the one after `--`).
 */
export function splitAtProgram(argv: string[]): { own: string[]; rest: string[] } {
  const takesValue = new Set<string>();
  for (const [long, o] of Object.entries(PROFILE_OPTIONS)) {
    if (o.type === "string") {
      takesValue.add(`--${long}`);
      if ("short" in o) takesValue.add(`-${o.short}`);
    }
  }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") return { own: argv.slice(0, i), rest: argv.slice(i + 1) };
    if (!a.startsWith("-") || a === "-") return { own: argv.slice(0, i), rest: argv.slice(i) };
    if (takesValue.has(a)) i++;
  }
  return { own: argv, rest: [] };
}

/** `key = value` lines; `[sections]`, `#` and `;` comments ignored; keys as long options. */
export function parseIni(text: string, path: string): Values {
  const out: Values = {};
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith("#") || line.startsWith(";") || line.startsWith("[")) return;
    const eq = line.indexOf("=");
    if (eq < 0) throw new VmprofError("BAD_OPTION", `${path}:${i + 1}: expected key = value, got "${line}"`);
    const key = line.slice(0, eq).trim().replaceAll("_", "-");
    const value = line.slice(eq + 1).trim();
    const spec = (PROFILE_OPTIONS as Record<string, { type: string }>)[key];
    if (!spec || key === "config" || key === "help" || key === "version") {
      throw new VmprofError("BAD_OPTION", `${path}:${i + 1}: unknown option "${key}"`);
    }
    if (spec.type === "boolean") {
      const v = value.toLowerCase();
      if (!["true", "false", "1", "0", "yes", "no", "on", "off"].includes(v)) {
        throw new VmprofError("BAD_OPTION", `${path}:${i + 1}: ${key} must be true or false, got "${value}"`);
      }
      out[key] = ["true", "1", "yes", "on"].includes(v);
    } else {
      out[key] = value;
    }
  });
  return out;
}

function number(v: string | boolean | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== "string" || v.trim() === "" || !Number.isFinite(n)) {
    throw new VmprofError("BAD_OPTION", `--${name} expects a number, got "${v}"`);
  }
  return n;
}

export function parseCommandLine(argv: string[], readFile: (p: string) => string = (p) => readFileSync(p, "utf8")): Args {
  if (argv[0] === "show") return parseShow(argv.slice(1));
  const { own, rest } = splitAtProgram(argv);
  const { values } = parse(own, PROFILE_OPTIONS, false);
  if (values.help) return { command: "help" };
  if (values.version) return { command: "version" };
  let fromFile: Values = {};
  const configPath = values.config as string | undefined;
  if (configPath) {
    let text: string;
    try {
      text = readFile(configPath);
    } catch (e) {
      throw new VmprofError("BAD_OPTION", `--config: cannot read ${configPath}: ${(e as Error).message}`);
    }
    fromFile = parseIni(text, configPath);
  }
  const v: Values = { ...fromFile, ...values };
  if (rest.length === 0) throw new VmprofError("BAD_OPTION", "no program to profile (see --help)");
  return {
    command: "profile",
    program: rest[0],
    args: rest.slice(1),
    output: v.output as string | undefined,
    period: checkPeriod(number(v.period, "period", DEFAULT_PERIOD)),
    native: !!v.native,
    lines: !!v.lines,
    realTime: !!v["real-time"],
    memory: !!v.memory,
    allThreads: !!v["all-threads"],
  };
}

function parseShow(argv: string[]): Args {
  const { values, positionals } = parse(argv, SHOW_OPTIONS, true);
  if (values.help) return { command: "help" };
  const [log, view = "tree", ...extra] = positionals;
  if (!log) throw new VmprofError("BAD_OPTION", "show: which log? usage: cli.ts show LOG [tree|flat]");
  if (view !== "tree" && view !== "flat") throw new VmprofError("BAD_OPTION", `show: unknown view "${view}" (tree or flat)`);
  if (extra.length) throw new VmprofError("BAD_OPTION", `show: unexpected argument "${extra[0]}"`);
  const limit = values.limit === undefined ? undefined : number(values.limit, "limit", 0);
  return {
    command: "show",
    log,
    view,
    prunePercent: number(values["prune-percent"], "prune-percent", 0),
    pruneLevel: number(values["prune-level"], "prune-level", Infinity),
    indent: number(values.indent, "indent", 2),
    percentCutoff: number(values["percent-cutoff"], "percent-cutoff", 0),
    noNative: !!values["no-native"],
    limit,
  };
}
