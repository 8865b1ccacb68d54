// vmprof-js public API: profile the running program into a vmprof log and read logs back,
// with vmprof's names (enable, disable, start/stopSampling, readProfile, Stats, tree nodes).
// The API's state lives in lib/api.ts; this file only says what is public.
export {
  disable,
  enable,
  type EnableOptions,
  isEnabled,
  readProfile,
  registerThread,
  samplerStats,
  startSampling,
  stopSampling,
  type Target,
} from "./lib/api.ts";
export { VmprofError } from "./lib/errors.ts";
export type { ErrorCode } from "./lib/errors.ts";
export { Stats } from "./lib/profile/stats.ts";
export type { FlatRow, Tree } from "./lib/profile/stats.ts";
export type { Profile, Sample } from "./lib/format/reader.ts";
export type { NativeStats } from "./lib/ffi/native.ts";
export type { SamplingOptions } from "./lib/session.ts";
export { EXPORTERS, exportProfile } from "./lib/export/exporter.ts";
export type { Exporter, ExportOptions } from "./lib/export/exporter.ts";
export { parseAnyProfile } from "./lib/import/any.ts";
export { diffStats } from "./lib/profile/diff.ts";
export type { DiffOptions, DiffRow, ProfileDiff } from "./lib/profile/diff.ts";

// `deno run -A jsr:@vmprof-js/vmprof-js app.ts` runs this module (the package's "." export):
// run as the main module, it is the command line.
if (import.meta.main) {
  const { main } = await import("./cli.ts");
  const process = (await import("node:process")).default;
  process.exitCode = await main(process.argv.slice(2));
}
