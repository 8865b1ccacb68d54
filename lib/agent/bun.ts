// Agent entry point for Bun (`bun --preload`): sample, and finish the log on process exit
// (normal end, process.exit and uncaught exceptions all emit "exit").
import process from "node:process";
import { startAgent } from "./start.ts";

const stop = startAgent();
process.on("exit", stop);
