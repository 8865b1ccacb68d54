// `cli.ts diff A B`: the functions whose share of the samples changed most between two profiles.
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { readAnyProfile } from "../import/any.ts";
import { diffStats } from "../profile/diff.ts";
import { Stats } from "../profile/stats.ts";
import { renderDiff } from "../view/diff.ts";
import { type Command, numberOption, parseOptions } from "./command.ts";

const OPTIONS = {
  by: { type: "string" },
  match: { type: "string" },
  "no-native": { type: "boolean" },
  limit: { type: "string" },
} as const;

export interface DiffArgs {
  a: string;
  b: string;
  by: "self" | "total";
  match: "location" | "name";
  noNative: boolean;
  limit: number;
}

export function parseDiffArgs(argv: string[]): DiffArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS, true);
  if (positionals.length !== 2) {
    throw new VmprofError("BAD_OPTION", "diff: which two profiles? usage: cli.ts diff A B");
  }
  const by = values.by ?? "self";
  if (by !== "self" && by !== "total") throw new VmprofError("BAD_OPTION", `--by must be self or total, got "${by}"`);
  const match = values.match ?? "location";
  if (match !== "location" && match !== "name") {
    throw new VmprofError("BAD_OPTION", `--match must be location or name, got "${match}"`);
  }
  const limit = numberOption(values.limit, "limit", 30);
  if (!Number.isInteger(limit) || limit < 0) {
    throw new VmprofError("BAD_OPTION", `--limit expects a whole number, got ${limit}`);
  }
  return { a: positionals[0], b: positionals[1], by, match, noNative: !!values["no-native"], limit };
}

export const diffCommand: Command = {
  name: "diff",
  usage: `usage: cli.ts diff A B                            the functions whose share changed most from profile A to B
      --by self|total    rank by the change in self share (default) or in total share
      --match location|name  pair functions by name, line and file (default) or by name alone
      --no-native        leave native frames out
      --limit N          show at most N functions (default 30)`,
  run(argv) {
    const a = parseDiffArgs(argv);
    const diff = diffStats(new Stats(readAnyProfile(a.a)), new Stats(readAnyProfile(a.b)), {
      by: a.by,
      match: a.match,
      noNative: a.noNative,
    });
    process.stdout.write(renderDiff(diff, { labelA: a.a, labelB: a.b, limit: a.limit }));
    return 0;
  },
};
