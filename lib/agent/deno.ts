// Agent entry point for Deno (`deno run --preload`): sample, and finish the log on unload
// (normal end and Deno.exit). An uncaught exception runs no JS hook: the library's own
// destructor finishes the log then.
import { startAgent } from "./start.ts";

const stop = startAgent();
globalThis.addEventListener("unload", stop);
