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

/** True if `e` is a VmprofError (with the given code, when one is given). */
export function isVmprofError(e: unknown, code?: ErrorCode): e is VmprofError {
  return e instanceof VmprofError && (code === undefined || e.code === code);
}
