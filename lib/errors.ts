// VmprofError: the one error type vmprof-js throws, with a machine-readable code and a one-line message.

/** What went wrong, for callers that branch on it (the CLI maps codes to exit statuses and hints). */
export type ErrorCode =
  | "BAD_OPTION" // a user-supplied option or argument is invalid
  | "BAD_LOG" // a file is not a vmprof log, or is damaged beyond a cut-short tail
  | "NO_LIBRARY" // the native sampler library cannot be found or loaded
  | "NO_PROGRAM" // the program to profile does not exist
  | "ALREADY_ENABLED" // enable() while profiling
  | "NOT_ENABLED" // disable() while not profiling
  | "NO_SYMBOLS" // symbol information is missing
  | "NATIVE" // the native side reported an error
  | "IO"; // reading or writing a file failed

/** An expected failure with a clear message: print `message`, never the stack, for a user mistake. */
export class VmprofError extends Error {
  code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.name = "VmprofError";
    this.code = code;
  }
}

/**
 * The CLI's exit status for each kind of failure (sysexits.h numbers where one fits), so a
 * script can tell a usage mistake from a damaged log or a full disk. README "Exit statuses".
 * A profiled program's own status is passed through unchanged.
 */
export const EXIT_STATUS: Record<ErrorCode, number> = {
  BAD_OPTION: 2, // usage: a wrong option, value, config key, or no program given
  BAD_LOG: 65, // EX_DATAERR: the input is not a profile, or is damaged
  NO_PROGRAM: 66, // EX_NOINPUT: the program to profile is missing or not a file
  NO_LIBRARY: 69, // EX_UNAVAILABLE: the native library is not built
  ALREADY_ENABLED: 70, // EX_SOFTWARE: the library API used out of order (not reachable from the CLI)
  NOT_ENABLED: 70,
  NATIVE: 71, // EX_OSERR: the sampler's system calls failed
  IO: 74, // EX_IOERR: a file cannot be read or written
  NO_SYMBOLS: 78, // EX_CONFIG: the runtime lacks the flags that name JIT code
};

/** True if `e` is a VmprofError (with the given code, when one is given). */
export function isVmprofError(e: unknown, code?: ErrorCode): e is VmprofError {
  return e instanceof VmprofError && (code === undefined || e.code === code);
}
