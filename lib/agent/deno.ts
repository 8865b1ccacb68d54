// Agent entry point for Deno (`deno run --preload`): sample, and finish the log on unload
// (normal end and Deno.exit). An uncaught exception runs no JS hook: the library's own
// destructor finishes the log then. V8's perf map names everything: no AgentInfo needed.
import { startAgent, stopAgent } from "./start.ts";

if (startAgent()) globalThis.addEventListener("unload", () => stopAgent());
