// Finds libvmprof.so: the VMPROF_LIB override, then the library built in this checkout,
// else an error that says how to build it. Pure: the caller passes env and a file test.
import { VmprofError } from "../errors.ts";

export const LIBRARY_NAME = "libvmprof.so";

export function locateLibrary(
  env: Record<string, string | undefined>,
  projectDir: string,
  exists: (path: string) => boolean,
): string {
  const override = env.VMPROF_LIB;
  if (override) {
    if (!exists(override)) throw new VmprofError("NO_LIBRARY", `VMPROF_LIB=${override} does not exist`);
    return override;
  }
  const built = `${projectDir}/zig-out/lib/${LIBRARY_NAME}`;
  if (exists(built)) return built;
  throw new VmprofError(
    "NO_LIBRARY",
    `the native sampler is not built (no ${built}): run \`npm run build\` in ${projectDir}, or set VMPROF_LIB`,
  );
}
