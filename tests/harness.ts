// A tiny TAP-14 test harness that Deno and Bun both run directly (`deno run -A x.test.ts`, `bun x.test.ts`).

import { spawnSync } from "node:child_process";
import process from "node:process";
import { inspect } from "node:util";

type TestFn = () => void | Promise<void>;

/**
 * spawnSync options every child of a unit test gets: a tool (gcc, strip, python3) or a small
 * program built here takes well under a second; a hung one is killed, not waited for. (The
 * test file itself runs in a process group of its own that tests/unit.test.mjs kills when it ends.)
 */
export const CHILD = { timeout: 30_000, killSignal: "SIGKILL" } as const;

const queue: { name: string; fn: TestFn }[] = [];
let scheduled = false;

/** Thrown by skip(): the test is reported as `ok N - name # SKIP reason`. */
class SkipTest extends Error {
  constructor(public reason: string) {
    super(reason);
  }
}

/** Ends the current test as skipped. */
export function skip(reason: string): never {
  throw new SkipTest(reason);
}

/** Registers a test; tests run one after another once the module has finished loading. */
export function test(name: string, fn: TestFn): void {
  queue.push({ name, fn });
  if (!scheduled) {
    scheduled = true;
    setTimeout(run, 0);
  }
}

/** A YAML-safe single line (TAP names and directives are line-based; `#` starts a directive). */
function oneLine(s: string): string {
  return s.replace(/\s*\n\s*/g, " ").replace(/#/g, "\\#");
}

/** A YAML block scalar, indented under a key at 2 spaces. */
function block(s: string): string {
  return "|-\n" + s.split("\n").map((l) => "    " + l).join("\n");
}

function diagnostic(e: unknown): string {
  const lines = ["  ---"];
  if (e instanceof Error) {
    lines.push(`  message: ${block(e.message)}`);
    const err = e as Error & { code?: unknown; actual?: unknown; expected?: unknown; operator?: unknown };
    if (err.name === "AssertionError" && "expected" in err) {
      lines.push(`  operator: ${JSON.stringify(String(err.operator))}`);
      lines.push(`  expected: ${block(inspect(err.expected, { depth: 6 }))}`);
      lines.push(`  actual: ${block(inspect(err.actual, { depth: 6 }))}`);
    } else if (err.code !== undefined) {
      lines.push(`  code: ${JSON.stringify(String(err.code))}`);
    }
    if (e.stack) lines.push(`  stack: ${block(e.stack)}`);
  } else {
    lines.push(`  message: ${block(inspect(e))}`);
  }
  lines.push("  ...");
  return lines.join("\n");
}

async function run(): Promise<void> {
  console.log("TAP version 14");
  let n = 0;
  let failed = 0;
  for (;;) {
    const t = queue.shift();
    if (t === undefined) {
      // Tests registered after a top-level await still run.
      await new Promise((r) => setTimeout(r, 0));
      if (queue.length === 0) break;
      continue;
    }
    n++;
    const started = performance.now();
    try {
      await t.fn();
      console.log(`ok ${n} - ${oneLine(t.name)}`);
    } catch (e) {
      if (e instanceof SkipTest) {
        console.log(`ok ${n} - ${oneLine(t.name)} # SKIP ${oneLine(e.reason)}`);
      } else {
        failed++;
        console.log(`not ok ${n} - ${oneLine(t.name)}`);
        console.log(diagnostic(e));
      }
    }
    const ms = performance.now() - started;
    if (ms > 1000) console.log(`# ${oneLine(t.name)}: ${(ms / 1000).toFixed(1)} s`);
  }
  console.log(`1..${n}`);
  if (failed > 0) console.log(`# failed ${failed} of ${n}`);
  process.exitCode = failed > 0 ? 1 : 0;
}

/** Runs Python scripts that use vmprof (interop tests). */
export interface PythonVmprof {
  /** Runs `script` with `args` as sys.argv[1:]; returns stdout, throws with stderr on failure. */
  run(script: string, ...args: string[]): string;
}

let python: PythonVmprof | null | undefined;

/** Python with vmprof importable (`python3`, or $PYTHON), or undefined: callers skip(). */
export function pythonVmprof(): PythonVmprof | undefined {
  if (python === undefined) {
    const exe = process.env.PYTHON ?? "python3";
    const probe = spawnSync(exe, ["-c", "import vmprof"], { ...CHILD, encoding: "utf8" });
    python = probe.status === 0
      ? {
        run(script: string, ...args: string[]): string {
          const r = spawnSync(exe, ["-c", script, ...args], { ...CHILD, encoding: "utf8", maxBuffer: 256 << 20 });
          if (r.status !== 0) throw new Error(`${exe} failed (${r.status}): ${r.stderr || r.error}`);
          return r.stdout;
        },
      }
      : null;
  }
  return python ?? undefined;
}
