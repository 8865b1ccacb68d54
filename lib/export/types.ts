// What every export format implements (Exporter) and the options it takes. A module of its own
// so that the formats and the registry (exporter.ts) both import it and not each other.
import type { Stats } from "../profile/stats.ts";

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
