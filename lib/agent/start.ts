// The agent's shared half: preloaded into the profiled program by cli.ts, it reads its
// settings from VMPROF_JS_AGENT and starts a session on the spool file the CLI named.
// The per-runtime entry points (deno.ts, bun.ts) only hook process exit.
import process from "node:process";
import { loadNative } from "../ffi/load.ts";
import type { Native } from "../ffi/native.ts";
import { type SamplingOptions, startSession } from "../session.ts";

export const AGENT_ENV = "VMPROF_JS_AGENT";

export interface AgentSettings extends SamplingOptions {
  spool: string;
}

let native: Native | undefined;

/** Starts sampling; returns the function that finishes the log (idempotent). */
export function startAgent(): () => void {
  const text = process.env[AGENT_ENV];
  if (!text) return () => {};
  delete process.env[AGENT_ENV]; // not for the program's own child processes
  const settings = JSON.parse(text) as AgentSettings;
  try {
    native = loadNative();
    startSession(native, settings.spool, settings);
  } catch (e) {
    console.error(`vmprof-js: ${(e as Error).message}`);
    process.exit(70);
  }
  return stopAgent;
}

export function stopAgent(): void {
  if (native?.isEnabled()) native.disable();
}
