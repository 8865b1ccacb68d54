// The registry of export formats (EXPORTERS, findExporter, exporterForPath) and exportProfile().

import { VmprofError } from "../errors.ts";
import type { Stats } from "../profile/stats.ts";
import { collapsed } from "./collapsed.ts";
import { cpuprofile } from "./cpuprofile.ts";
import { pprof } from "./pprof.ts";
import { speedscope } from "./speedscope.ts";
import { svg } from "./svg.ts";
import type { Exporter, ExportOptions } from "./types.ts";

export type { Exporter, ExportOptions } from "./types.ts";

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
