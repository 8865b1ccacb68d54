// Finds libvmprof.so: the VMPROF_LIB override, then the platform package (@vmprof-js/<platform>,
// installed with vmprof-js), then the library built in this checkout (zig-out/lib), else one
// line naming this platform and the supported ones. Pure: the caller passes env, the platform,
// where the platform package's library is (if installed) and a file test.
import { VmprofError } from "../errors.ts";

export const LIBRARY_NAME = "libvmprof.so";

/** The platforms with a prebuilt library, each an npm package `@vmprof-js/<platform>`. */
export const SUPPORTED_PLATFORMS = ["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "linux-arm64-musl"] as const;
export type SupportedPlatform = typeof SUPPORTED_PLATFORMS[number];

/** The npm package that holds a platform's prebuilt library. */
export function platformPackage(platform: SupportedPlatform): string {
  return `@vmprof-js/${platform}`;
}

/**
 * This machine as npm names it: `os-cpu` (process.platform, process.arch), and on Linux the
 * C library (`-gnu` or `-musl`): `linux-x64-gnu`, `darwin-arm64`, `win32-x64`.
 */
export function platformName(os: string, cpu: string, libc?: "gnu" | "musl"): string {
  return os === "linux" ? `${os}-${cpu}-${libc ?? "gnu"}` : `${os}-${cpu}`;
}

export function isSupported(platform: string): platform is SupportedPlatform {
  return (SUPPORTED_PLATFORMS as readonly string[]).includes(platform);
}

/** Where the library may be, besides the override: the platform and its package's library. */
export interface LibraryPlaces {
  /** This machine, as platformName() names it. */
  platform: string;
  /** The platform package's library when that package is installed. */
  packaged?: string;
}

const NOT_YET: Record<string, string> = { darwin: "macOS", win32: "Windows" };

export function locateLibrary(
  env: Record<string, string | undefined>,
  projectDir: string | undefined,
  exists: (path: string) => boolean,
  places: LibraryPlaces = { platform: "linux-x64-gnu" },
): string {
  const override = env.VMPROF_LIB;
  if (override) {
    if (!exists(override)) throw new VmprofError("NO_LIBRARY", `VMPROF_LIB=${override} does not exist`);
    return override;
  }
  if (places.packaged && exists(places.packaged)) return places.packaged;
  const built = projectDir === undefined ? undefined : `${projectDir}/zig-out/lib/${LIBRARY_NAME}`;
  if (built && exists(built)) return built;
  const { platform } = places;
  const supported = SUPPORTED_PLATFORMS.join(", ");
  if (!isSupported(platform)) {
    const os = platform.split("-")[0];
    const why = NOT_YET[os] ? `${NOT_YET[os]} is not supported yet` : "this platform is not supported";
    throw new VmprofError(
      "NO_LIBRARY",
      `vmprof-js has no native library for ${platform} (${why}); supported: ${supported}`,
    );
  }
  const build = built ? `, or run \`npm run build\` in ${projectDir}` : "";
  throw new VmprofError(
    "NO_LIBRARY",
    `no native library for ${platform}: install ${
      platformPackage(platform)
    } (vmprof-js installs it as an optional dependency)${build}, or set VMPROF_LIB`,
  );
}
