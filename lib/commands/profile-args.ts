// The profile command's arguments (`cli.ts [options] PROGRAM args`) from the command line and
// --config FILE.ini: parsing, merging (the command line wins over the file) and validation,
// with one-line VmprofErrors for every mistake.
import { readFileSync } from "node:fs";
import { VmprofError } from "../errors.ts";
import { checkPeriod, DEFAULT_PERIOD } from "../session.ts";
import { numberOption, parseOptions } from "./command.ts";
import { checkPort } from "../server/port.ts";
import { serverUrl } from "../server/server-url.ts";
import { parseLabel } from "../server/labels.ts";

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
      --web-url URL      when the program ends, upload the profile to a profile server (cli.ts serve)
                         and print its URL; the log is kept on disk if the upload fails
      --web-auth TOKEN   the upload token for --web-url (also $VMPROF_WEB_AUTH)
      --push URL         send the profile to a Grafana Pyroscope server (pprof, its ingest API)
      --every S          --push: a window every S seconds while the program runs (continuous)
      --label k=v        --push: a label (repeatable, or k=v,k2=v2); runtime and host always go
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
  /** Upload the profile to this profile server. */
  webUrl?: string;
  webAuth?: string;
  /** Push the profile to this Pyroscope server. */
  push?: string;
  /** --push: seconds between windows of a continuous profile. */
  every?: number;
  /** --push: labels besides runtime and host. */
  labels?: [string, string][];
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
  "web-url": { type: "string" },
  "web-auth": { type: "string" },
  push: { type: "string" },
  every: { type: "string" },
  label: { type: "string", multiple: true },
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

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

export function parseProfileArgs(
  argv: string[],
  readFile: (p: string) => string = (p) => readFileSync(p, "utf8"),
): Args {
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
    ...uploadOptions(v),
  };
}

/** --web-url, --web-auth, --push, --every, --label: checked (URLs, a period of at least 1 s, labels). */
function uploadOptions(v: Values): Pick<ProfileArgs, "webUrl" | "webAuth" | "push" | "every" | "labels"> {
  const webUrl = v["web-url"] as string | undefined;
  const push = v.push as string | undefined;
  if (webUrl !== undefined) serverUrl(webUrl, "--web-url");
  if (push !== undefined) serverUrl(push, "--push");
  if (v["web-auth"] !== undefined && webUrl === undefined) {
    throw new VmprofError("BAD_OPTION", "--web-auth goes with --web-url URL");
  }
  let every: number | undefined;
  if (v.every !== undefined) {
    if (push === undefined) {
      throw new VmprofError("BAD_OPTION", "--every goes with --push URL (a continuous profile for Pyroscope)");
    }
    every = numberOption(v.every, "every", 10);
    if (!(every >= 1 && every <= 86400)) {
      throw new VmprofError("BAD_OPTION", `--every must be 1 .. 86400 seconds, got ${every}`);
    }
  }
  const raw = v.label === undefined ? [] : Array.isArray(v.label) ? v.label : [v.label as string];
  const labels = raw.flatMap((l) => String(l).split(",")).map((l) => l.trim()).filter(Boolean).map(parseLabel);
  if (labels.length && push === undefined) throw new VmprofError("BAD_OPTION", "--label goes with --push URL");
  const out = {
    webUrl,
    webAuth: v["web-auth"] as string | undefined,
    push,
    every,
    labels: labels.length ? labels : undefined,
  };
  // Only the options given: a run without them has the same arguments as before they existed.
  return Object.fromEntries(Object.entries(out).filter(([, x]) => x !== undefined));
}
