// `cli.ts show LOG [tree|flat]`: vmprofshow's call tree and flat table of a saved log.
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { readAnyProfile } from "../import/any.ts";
import { Stats } from "../profile/stats.ts";
import { renderFlat, renderSplit, renderTree } from "../view/terminal.ts";
import { type Command, numberOption, parseOptions } from "./command.ts";

const OPTIONS = {
  "prune-percent": { type: "string" },
  "prune-level": { type: "string" },
  indent: { type: "string" },
  "percent-cutoff": { type: "string" },
  "no-native": { type: "boolean" },
  limit: { type: "string" },
} as const;

export interface ShowArgs {
  log: string;
  view: "tree" | "flat";
  prunePercent: number;
  pruneLevel: number;
  indent: number;
  percentCutoff: number;
  noNative: boolean;
  limit?: number;
}

export function parseShowArgs(argv: string[]): ShowArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS, true);
  const [log, view = "tree", ...extra] = positionals;
  if (!log) throw new VmprofError("BAD_OPTION", "show: which log? usage: cli.ts show LOG [tree|flat]");
  if (view !== "tree" && view !== "flat") throw new VmprofError("BAD_OPTION", `show: unknown view "${view}" (tree or flat)`);
  if (extra.length) throw new VmprofError("BAD_OPTION", `show: unexpected argument "${extra[0]}"`);
  return {
    log,
    view,
    prunePercent: numberOption(values["prune-percent"], "prune-percent", 0),
    pruneLevel: numberOption(values["prune-level"], "prune-level", Infinity),
    indent: numberOption(values.indent, "indent", 2),
    percentCutoff: numberOption(values["percent-cutoff"], "percent-cutoff", 0),
    noNative: !!values["no-native"],
    limit: values.limit === undefined ? undefined : numberOption(values.limit, "limit", 0),
  };
}

export const show: Command = {
  name: "show",
  usage: `usage: cli.ts show LOG [tree|flat]                print a saved profile (vmprof log or .cpuprofile)
      --prune-percent P  tree: hide nodes below P percent (default 0)
      --prune-level L    tree: show at most L levels
      --indent N         tree: indent each level by N spaces (default 2)
      --percent-cutoff P flat: hide functions below P percent self time
      --no-native        flat: hide native frames
      --limit N          flat: show at most N rows`,
  run(argv) {
    const a = parseShowArgs(argv);
    const stats = new Stats(readAnyProfile(a.log));
    const text = a.view === "flat"
      ? renderFlat(stats, { percentCutoff: a.percentCutoff, noNative: a.noNative, limit: a.limit })
      : renderTree(stats, { prunePercent: a.prunePercent, pruneLevel: a.pruneLevel, indent: a.indent });
    const split = renderSplit(stats);
    process.stdout.write((text.endsWith("\n") ? text : text + "\n") + (split.length ? "\n" + split.join("\n") + "\n" : ""));
    return 0;
  },
};
