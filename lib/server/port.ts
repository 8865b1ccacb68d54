// checkPort: the --port option's check, in a module of its own so that parsing the command
// line does not load node:http (on Deno that costs ~30 ms of every profiled run's start).
import { VmprofError } from "../errors.ts";

/** A port number for --port: 0 (any free port) .. 65535. */
export function checkPort(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 65535) {
    throw new VmprofError("BAD_OPTION", `--port must be a whole number in 0..65535, got ${n}`);
  }
  return n;
}
