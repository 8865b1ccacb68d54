// Where a Pyroscope push goes and what it is called: the server, the service name and the labels.

import { hostname } from "node:os";

export interface PushTarget {
  /** The Pyroscope server, e.g. http://pyroscope:4040 (user:password@ in it becomes Basic auth). */
  url: string;
  /** The application (service) name. */
  service: string;
  /** Labels besides the service name: runtime, host, and --label ones. */
  labels: Record<string, string>;
  timeoutMs?: number;
}

/** The labels every push carries: the runtime and this host's name, then the user's (which win). */
export function defaultLabels(runtime: string, extra: [string, string][] = []): Record<string, string> {
  const host = hostname().replace(/[^A-Za-z0-9_.-]/g, "_") || "unknown";
  return { runtime, host, ...Object.fromEntries(extra) };
}

/** A service name from a program path: its file name without the extension, in the characters Pyroscope keeps. */
export function serviceName(program: string): string {
  const base = program.split(/[\\/]/).pop() ?? "";
  return base.replace(/\.[^.]*$/, "").replace(/[^A-Za-z0-9_.-]/g, "_") || "vmprof-js";
}
