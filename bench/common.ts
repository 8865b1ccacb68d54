// What the benchmarks share: the median, the pinned runtime binaries, the --runtime option, and a clear exit on a usage error.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

export const PROJECT_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

export type RuntimeName = "deno" | "bun";

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Prints `<script>: message` and exits with status 2 (a bad option or a missing tool). */
export function usageError(script: string, msg: string): never {
  console.error(`${script}: ${msg}`);
  process.exit(2);
}

/** node_modules/.bin/<runtime>, the pinned binary (npm install puts it there). */
export function runtimeBinary(rt: RuntimeName): string {
  return join(PROJECT_DIR, "node_modules", ".bin", rt);
}

/** runtimeBinary, or a usage error when it is not installed. */
export function requireRuntime(script: string, rt: RuntimeName): string {
  const exe = runtimeBinary(rt);
  if (!existsSync(exe)) usageError(script, `${exe} not found (run npm install)`);
  return exe;
}

/** The --runtime option of a bench script: deno, bun or both; anything else is a usage error. */
export function runtimesOption(script: string, text: string): RuntimeName[] {
  if (text === "both") return ["deno", "bun"];
  if (text === "deno" || text === "bun") return [text];
  usageError(script, `--runtime must be deno, bun or both, got ${text}`);
}
