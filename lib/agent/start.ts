// The agent's shared half: preloaded into the profiled program by cli.ts, it reads its
// settings from VMPROF_JS_AGENT and starts a session on the spool file the CLI named.
// The per-runtime entry points (deno.ts, bun.ts) hook process exit and add what only
// they can know (AgentInfo), written beside the spool for the CLI's symbolizer.
import { writeFileSync } from "node:fs";
import process from "node:process";
import { loadNative } from "../ffi/load.ts";
import type { Native } from "../ffi/native.ts";
import { type RuntimeHints, type SamplingOptions, startSession } from "../session.ts";

export const AGENT_ENV = "VMPROF_JS_AGENT";

export interface AgentSettings extends SamplingOptions {
  spool: string;
}

/** Facts from inside the profiled process that the symbolizer uses. */
export interface AgentInfo {
  /** Source files the program loaded (Bun: to place functions by their code block hash). */
  files?: string[];
  /** The program's entry file. */
  main?: string;
  /**
   * Bun: a JSON file of [address, name] pairs naming the sampled interpreter (LLInt) frames'
   * CodeBlocks, read from the process's memory at exit (or, where that fails, the CodeBlocks
   * and Function cells of a heap snapshot).
   */
  codeBlocks?: string;
  /** Where codeBlocks came from: "memory" (code-block-memory.ts) or "heap snapshot". */
  codeBlockSource?: "memory" | "heap snapshot";
  /**
   * Bun: the pattern of a regexp the agent ran (and JSC compiled) right after sampling
   * stopped. Code compiled after it (the exit hook's own, into memory the exit's full GC
   * freed) is not the program's: the symbolizer drops jitdump records after this one.
   */
  stopMarker?: string;
}

/** Where the agent leaves its AgentInfo for a spool. */
export function agentInfoPath(spool: string): string {
  return `${spool}.agent.json`;
}

let native: Native | undefined;
let settings: AgentSettings | undefined;

/** Starts sampling when the CLI asked for it; returns whether it did. */
export function startAgent(hints: RuntimeHints = {}): boolean {
  const text = process.env[AGENT_ENV];
  if (!text) return false;
  delete process.env[AGENT_ENV]; // not for the program's own child processes
  settings = JSON.parse(text) as AgentSettings;
  try {
    native = loadNative();
    startSession(native, settings.spool, settings, hints);
  } catch (e) {
    console.error(`vmprof-js: ${(e as Error).message}`);
    process.exit(70);
  }
  return true;
}

/** The sampler, while the agent runs it. */
export function agentNative(): Native | undefined {
  return native?.isEnabled() ? native : undefined;
}

/** The spool this agent writes, while it runs. */
export function agentSpool(): string | undefined {
  return native?.isEnabled() ? settings?.spool : undefined;
}

/** Finishes the log (idempotent); `info` is written beside it first. */
export function stopAgent(info?: AgentInfo): void {
  if (!native?.isEnabled() || !settings) return;
  if (info) writeAgentInfo(info);
  native.disable();
}

/** Writes (or rewrites, after stopAgent) the AgentInfo beside the spool. */
export function writeAgentInfo(info: AgentInfo): void {
  if (settings) writeFileSync(agentInfoPath(settings.spool), JSON.stringify(info));
}
