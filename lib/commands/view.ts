// `cli.ts view LOG [NEW_LOG]`: serves the web viewer for a saved profile (two: a diff) on 127.0.0.1 until Ctrl-C.

import { basename } from "node:path";
import { VmprofError } from "../errors.ts";
import type { Profile } from "../format/reader.ts";
import { readAnyProfile } from "../import/any.ts";
import { checkPort } from "../server/port.ts";
import { serveProfiles } from "../server/viewer.ts";
import { type Command, numberOption, parseOptions } from "./command.ts";

const OPTIONS = {
  port: { type: "string" },
  "no-open": { type: "boolean" },
} as const;

export interface ViewArgs {
  logs: string[];
  port: number;
  open: boolean;
}

export function parseViewArgs(argv: string[]): ViewArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS, true);
  if (positionals.length === 0) {
    throw new VmprofError("BAD_OPTION", "view: which log? usage: cli.ts view LOG [NEW_LOG]");
  }
  if (positionals.length > 2) throw new VmprofError("BAD_OPTION", `view: unexpected argument "${positionals[2]}"`);
  return { logs: positionals, port: checkPort(numberOption(values.port, "port", 0)), open: !values["no-open"] };
}

/** A saved profile: a vmprof log (ours or Python vmprof's) or a .cpuprofile, plain or gzipped. */
export function loadProfile(path: string): Profile {
  return readAnyProfile(path);
}

export const view: Command = {
  name: "view",
  usage:
    `usage: cli.ts view LOG [NEW_LOG]                  open a saved profile (vmprof log or .cpuprofile) in the web viewer;
                                                   two: a diff, old then new
      --port N           serve on 127.0.0.1:N (default: a free port)
      --no-open          do not start a browser, just print the URL`,
  async run(argv) {
    const a = parseViewArgs(argv);
    const profiles = a.logs.map((path) => ({ label: basename(path), profile: loadProfile(path) }));
    await serveProfiles(profiles, { port: a.port, open: a.open });
    return 0;
  },
};
