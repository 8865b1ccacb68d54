// `cli.ts show LOG [tree|flat|lines|threads|memory]`: vmprofshow's views of a saved log,
// plus a per-thread table, a memory summary, and `--thread` to look at one thread.
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { readAnyProfile } from "../import/any.ts";
import { Stats } from "../profile/stats.ts";
import { renderFlat, renderLines, renderMemory, renderSplit, renderThreads, renderTree } from "../view/terminal.ts";
import { type Command, numberOption, parseOptions, selectThreads } from "./command.ts";

const OPTIONS = {
  "prune-percent": { type: "string" },
  "prune-level": { type: "string" },
  indent: { type: "string" },
  "percent-cutoff": { type: "string" },
  "no-native": { type: "boolean" },
  limit: { type: "string" },
  filter: { type: "string" },
  thread: { type: "string" },
} as const;

const VIEWS = ["tree", "flat", "lines", "threads", "memory"] as const;
type View = typeof VIEWS[number];

export interface ShowArgs {
  log: string;
  view: View;
  prunePercent: number;
  pruneLevel: number;
  indent: number;
  percentCutoff: number;
  noNative: boolean;
  limit?: number;
  /** lines: only functions whose name contains this. */
  filter?: string;
  /** Only samples of threads whose id is this or whose name starts with it. */
  thread?: string;
}

export function parseShowArgs(argv: string[]): ShowArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS, true);
  const [log, view = "tree", ...extra] = positionals;
  if (!log) throw new VmprofError("BAD_OPTION", `show: which log? usage: cli.ts show LOG [${VIEWS.join("|")}]`);
  if (!(VIEWS as readonly string[]).includes(view)) {
    throw new VmprofError("BAD_OPTION", `show: unknown view "${view}" (${VIEWS.join(", ")})`);
  }
  if (extra.length) throw new VmprofError("BAD_OPTION", `show: unexpected argument "${extra[0]}"`);
  return {
    log,
    view: view as View,
    prunePercent: numberOption(values["prune-percent"], "prune-percent", 0, { min: 0, max: 100 }),
    pruneLevel: numberOption(values["prune-level"], "prune-level", Infinity, { min: 0, whole: true }),
    indent: numberOption(values.indent, "indent", 2, { min: 0, max: 32, whole: true }),
    percentCutoff: numberOption(values["percent-cutoff"], "percent-cutoff", 0, { min: 0, max: 100 }),
    noNative: !!values["no-native"],
    limit: values.limit === undefined ? undefined : numberOption(values.limit, "limit", 0, { min: 0, whole: true }),
    filter: values.filter as string | undefined,
    thread: values.thread as string | undefined,
  };
}

export const show: Command = {
  name: "show",
  usage: `usage: cli.ts show LOG [tree|flat|lines|threads|memory]   print a saved profile (vmprof log or .cpuprofile)
      --prune-percent P  tree: hide nodes below P percent (default 0)
      --prune-level L    tree: show at most L levels
      --indent N         tree: indent each level by N spaces (default 2)
      --percent-cutoff P flat: hide functions below P percent self time
      --no-native        flat: hide native frames
      --limit N          flat: show at most N rows
      --filter NAME      lines: only functions whose name contains NAME
      --thread T         only the thread with id T, or whose name starts with T`,
  run(argv) {
    const a = parseShowArgs(argv);
    let stats = new Stats(readAnyProfile(a.log));
    if (a.thread !== undefined) stats = selectThreads(stats, a.thread, "show", a.log);
    let text: string;
    switch (a.view) {
      case "flat":
        text = renderFlat(stats, { percentCutoff: a.percentCutoff, noNative: a.noNative, limit: a.limit });
        break;
      case "lines":
        text = renderLines(stats, { filter: a.filter });
        break;
      case "threads":
        text = renderThreads(stats);
        break;
      case "memory":
        text = renderMemory(stats);
        break;
      default:
        text = renderTree(stats, { prunePercent: a.prunePercent, pruneLevel: a.pruneLevel, indent: a.indent });
    }
    const split = a.view === "tree" || a.view === "flat" ? renderSplit(stats) : [];
    process.stdout.write(
      (text.endsWith("\n") ? text : text + "\n") + (split.length ? "\n" + split.join("\n") + "\n" : ""),
    );
    return 0;
  },
};
