// The Exporter interface every output format implements, the registry of formats, and exportProfile().

import { VmprofError } from "../errors.ts";
import type { Stats } from "../profile/stats.ts";
import { collapsed } from "./collapsed.ts";
import { cpuprofile } from "./cpuprofile.ts";
import { pprof } from "./pprof.ts";
import { speedscope } from "./speedscope.ts";
import { svg } from "./svg.ts";

export interface ExportOptions {
  /** What the profile is (a file name, the profiled program), for titles inside the output. */
  title?: string;
  /** Export only this thread's samples. */
  thread?: number;
  /** Formats without a notion of threads (collapsed, svg): put each thread's samples under a root frame of its own. */
  threads?: boolean;
}

/**
 * One output format. `export` is pure: Stats in, the file's contents out (text, or bytes
 * for binary formats). Tiers, threads and memory go wherever the format can hold them:
 * each module's header says what it keeps.
 */
export interface Exporter {
  /** The name `--format` takes. */
  format: string;
  /** The usual file ending, with its dot: ".speedscope.json", ".pb.gz". */
  extension: string;
  /** One line for --help. */
  description: string;
  export(stats: Stats, options: ExportOptions): Uint8Array | string;
}

/** Every format, in the order --help lists them. */
export const EXPORTERS: readonly Exporter[] = [speedscope, cpuprofile, pprof, collapsed, svg];

/** The exporter named `format`; a BAD_OPTION error listing the formats when there is none. */
export function findExporter(format: string): Exporter {
  const e = EXPORTERS.find((x) => x.format === format.toLowerCase());
  if (e === undefined) {
    throw new VmprofError(
      "BAD_OPTION",
      `unknown export format "${format}" (one of: ${EXPORTERS.map((x) => x.format).join(", ")})`,
    );
  }
  return e;
}

/** The exporter whose extension ends `path` (longest match first), if any: "out.pb.gz" is pprof. */
export function exporterForPath(path: string): Exporter | undefined {
  const lower = path.toLowerCase();
  return [...EXPORTERS]
    .sort((a, b) => b.extension.length - a.extension.length)
    .find((e) => lower.endsWith(e.extension));
}

/** Stats in `format` (see EXPORTERS); the API behind `cli.ts export`. */
export function exportProfile(stats: Stats, format: string, options: ExportOptions = {}): Uint8Array | string {
  const exporter = findExporter(format);
  const input = options.thread === undefined ? stats : stats.filter((s) => s.thread === options.thread);
  return exporter.export(input, options);
}
