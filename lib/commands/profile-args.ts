// The profile command's arguments (`cli.ts [options] PROGRAM args`) from the command line and
// --config FILE.ini: parsing, merging (the command line wins over the file) and validation,
// with one-line VmprofErrors for every mistake.
import { readFileSync } from "node:fs";
import { VmprofError } from "../errors.ts";
import { checkPeriod, DEFAULT_PERIOD } from "../session.ts";
import { numberOption, parseOptions } from "./command.ts";
import { checkPort } from "../server/local.ts";

export const PROFILE_USAGE = `usage: cli.ts [options] [--] PROGRAM [ARGS...]   profile PROGRAM (a .ts/.js file)
  -o, --output FILE      save the log to FILE (otherwise print a summary)
  -p, --period SECONDS   time between samples, 1e-06 .. 1.0 (default ${DEFAULT_PERIOD})
  -n, --native           keep native frames (default: fold them into their JS caller)
      --lines            record line numbers
      --real-time        sample wall-clock time instead of CPU time
      --memory           record the resident set size with each sample
      --all-threads      sample every thread, runtime helper threads too
      --web              when the program ends, show the profile as a web page on 127.0.0.1
                         (prints the URL, serves until Ctrl-C; -o also saves the log)
      --port N           --web: serve on port N (default: a free port)
      --no-open          --web: only print the URL, do not start a browser
      --config FILE.ini  read these options from FILE (the command line wins)
  -h, --help             show this help
  -v, --version          print the version`;

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
  /** Serve the profile in the web viewer when the program ends. */
  web: boolean;
  /** --web: the port (0: any free port). */
  port: number;
  /** --web: start a browser on the URL. */
  open: boolean;
}

export type Args = ProfileArgs | { command: "help" } | { command: "version" };

const PROFILE_OPTIONS = {
  output: { type: "string", short: "o" },
  period: { type: "string", short: "p" },
  native: { type: "boolean", short: "n" },
  lines: { type: "boolean" },
  "real-time": { type: "boolean" },
  memory: { type: "boolean" },
  "all-threads": { type: "boolean" },
  web: { type: "boolean" },
  port: { type: "string" },
  "no-open": { type: "boolean" },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

type Values = Record<string, string | boolean | undefined>;

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

export function parseProfileArgs(argv: string[], readFile: (p: string) => string = (p) => readFileSync(p, "utf8")): Args {
  const { own, rest } = splitAtProgram(argv);
  const { values } = parseOptions(own, PROFILE_OPTIONS, false);
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
  const v = { ...fromFile, ...values } as Values;
  if (rest.length === 0) throw new VmprofError("BAD_OPTION", "no program to profile (see --help)");
  if (v.output === "") throw new VmprofError("BAD_OPTION", "-o/--output needs a file name");
  return {
    command: "profile",
    program: rest[0],
    args: rest.slice(1),
    output: v.output as string | undefined,
    period: checkPeriod(numberOption(v.period, "period", DEFAULT_PERIOD)),
    native: !!v.native,
    lines: !!v.lines,
    realTime: !!v["real-time"],
    memory: !!v.memory,
    allThreads: !!v["all-threads"],
    web: !!v.web,
    port: checkPort(numberOption(v.port, "port", 0)),
    open: !v["no-open"],
  };
}
