// `cli.ts export LOG --format F -o FILE`: a saved profile (vmprof log or .cpuprofile) in another tool's format.
import { writeFileSync } from "node:fs";
import { basename } from "node:path";
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { type Exporter, exporterForPath, EXPORTERS, exportProfile, findExporter } from "../export/exporter.ts";
import { readAnyProfile } from "../import/any.ts";
import { Stats } from "../profile/stats.ts";
import { type Command, parseOptions, say, selectThreads } from "./command.ts";

const OPTIONS = {
  format: { type: "string", short: "f" },
  output: { type: "string", short: "o" },
  thread: { type: "string" },
  threads: { type: "boolean" },
} as const;

export interface ExportArgs {
  log: string;
  exporter: Exporter;
  /** A path, or "-" for standard output. */
  output: string;
  /** Only the threads with this id or a name starting with it. */
  thread?: string;
  threads: boolean;
}

/** `out.log` / `out.log.gz` / `out.cpuprofile` -> `out` + the format's extension. */
export function defaultOutput(log: string, exporter: Exporter): string {
  const stem = log.replace(/\.gz$/i, "").replace(/\.(log|prof|cpuprofile|vmprof)$/i, "");
  return stem + exporter.extension;
}

export function parseExportArgs(argv: string[]): ExportArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS, true);
  const [log, ...extra] = positionals;
  if (!log) throw new VmprofError("BAD_OPTION", "export: which log? usage: cli.ts export LOG --format F [-o FILE]");
  if (extra.length) throw new VmprofError("BAD_OPTION", `export: unexpected argument "${extra[0]}"`);
  const out = values.output as string | undefined;
  const format = values.format as string | undefined;
  let exporter: Exporter | undefined;
  if (format !== undefined) exporter = findExporter(format);
  else if (out !== undefined && out !== "-") exporter = exporterForPath(out);
  if (exporter === undefined) {
    throw new VmprofError(
      "BAD_OPTION",
      `export: which format? give --format (${EXPORTERS.map((e) => e.format).join(", ")}) or an -o FILE ending in ${
        EXPORTERS.map((e) => e.extension).join(", ")
      }`,
    );
  }
  const output = out ?? defaultOutput(log, exporter);
  if (output === log) throw new VmprofError("BAD_OPTION", `export: the output would overwrite ${log}; give -o FILE`);
  return { log, exporter, output, thread: values.thread as string | undefined, threads: !!values.threads };
}

export const exportCommand: Command = {
  name: "export",
  usage: `usage: cli.ts export LOG [--format F] [-o FILE]    a profile (log or .cpuprofile) for another tool
${EXPORTERS.map((e) => `      ${e.format.padEnd(11)} ${e.extension.padEnd(17)} ${e.description}`).join("\n")}
  -f, --format F         one of the formats above (default: from FILE's extension)
  -o, --output FILE      where to write, "-" for stdout (default: LOG with the format's extension)
      --thread T         only the thread with id T, or whose name starts with T
      --threads          collapsed, svg: one root frame per thread`,
  run(argv) {
    const a = parseExportArgs(argv);
    let stats = new Stats(readAnyProfile(a.log));
    if (a.thread !== undefined) stats = selectThreads(stats, a.thread, "export", a.log);
    const data = exportProfile(stats, a.exporter.format, { title: basename(a.log), threads: a.threads });
    if (a.output === "-") {
      process.stdout.write(data);
      return 0;
    }
    try {
      writeFileSync(a.output, data);
    } catch (e) {
      throw new VmprofError("IO", `${a.output}: cannot write (${(e as Error).message})`);
    }
    say(`wrote ${a.output} (${a.exporter.format}, ${stats.samples} samples)`);
    return 0;
  },
};
