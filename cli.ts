// vmprof-js command line: profile a program in a child process (the runtime started with the
// flags that name JIT code and our agent preloaded), then save, summarize or show the log.
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { spawn } from "node:child_process";
import { isVmprofError, VmprofError } from "./lib/errors.ts";
import { type Args, parseCommandLine, type ProfileArgs, type ShowArgs, USAGE } from "./lib/config.ts";
import { PROJECT_DIR } from "./lib/ffi/load.ts";
import { locateLibrary } from "./lib/ffi/locate.ts";
import { parseLog, readLog } from "./lib/format/reader.ts";
import { Stats } from "./lib/profile/stats.ts";
import { childCommand, currentRuntime } from "./lib/runtime.ts";
import { AGENT_ENV, type AgentSettings } from "./lib/agent/start.ts";
import { finishLog } from "./lib/symbols/finish.ts";
import { renderFlat, renderSummary, renderTree } from "./lib/view/terminal.ts";

export const VERSION = "0.1.0";

/** Exit statuses for our own failures (a profiled program's status is passed through). */
const EXIT_USAGE = 2;
const EXIT_FAILURE = 1;

function say(line: string): void {
  process.stderr.write(`vmprof-js: ${line}\n`);
}

export async function main(argv: string[]): Promise<number> {
  let args: Args;
  try {
    args = parseCommandLine(argv);
    switch (args.command) {
      case "help":
        process.stdout.write(USAGE + "\n");
        return 0;
      case "version":
        process.stdout.write(`vmprof-js ${VERSION}\n`);
        return 0;
      case "show":
        return show(args);
      case "profile":
        return await profile(args);
    }
  } catch (e) {
    if (!isVmprofError(e)) throw e;
    say(e.message);
    return e.code === "BAD_OPTION" || e.code === "NO_PROGRAM" ? EXIT_USAGE : EXIT_FAILURE;
  }
}

function show(a: ShowArgs): number {
  const stats = new Stats(readLog(a.log));
  const text = a.view === "flat"
    ? renderFlat(stats, { percentCutoff: a.percentCutoff, noNative: a.noNative, limit: a.limit })
    : renderTree(stats, { prunePercent: a.prunePercent, pruneLevel: a.pruneLevel, indent: a.indent });
  process.stdout.write(text.endsWith("\n") ? text : text + "\n");
  return 0;
}

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
const SIGNAL_NUMBERS: Record<string, number> = { SIGHUP: 1, SIGINT: 2, SIGKILL: 9, SIGSEGV: 11, SIGTERM: 15, SIGABRT: 6 };

async function profile(a: ProfileArgs): Promise<number> {
  const program = resolve(a.program);
  if (!existsSync(program) || !statSync(program).isFile()) {
    throw new VmprofError("NO_PROGRAM", `cannot find the program to profile: ${a.program}`);
  }
  locateLibrary(process.env, PROJECT_DIR, existsSync); // fail before starting the program
  const rt = currentRuntime();
  const work = mkdtempSync(join(tmpdir(), "vmprof-js-"));
  const spool = join(work, "raw.log");
  const settings: AgentSettings = {
    spool,
    period: a.period,
    memory: a.memory,
    realTime: a.realTime,
    native: a.native,
    lines: a.lines,
    allThreads: a.allThreads,
  };
  const agent = join(PROJECT_DIR, "lib", "agent", `${rt.name}.ts`);
  const cmd = childCommand(rt, agent, program, a.args, work, process.env);
  const started = Date.now();
  const { code, signal } = await run(cmd.cmd, cmd.args, { ...process.env, ...cmd.env, [AGENT_ENV]: JSON.stringify(settings) });
  const status = signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 0) : code ?? EXIT_FAILURE;
  try {
    if (!existsSync(spool) || statSync(spool).size === 0) {
      say(`the program ended (status ${status}) before profiling started; no log written`);
      return status || EXIT_FAILURE;
    }
    const result = finishLog(spool, { symbolDir: work });
    const pid = result.raw.meta.get("pid");
    if (pid) rmSync(`/tmp/perf-${pid}.map`, { force: true });
    const how = signal ? ` (program stopped by ${signal})` : code ? ` (program exited with status ${code})` : "";
    const named = result.samples ? ` (${(100 * result.named / result.samples).toFixed(1)}% named)` : "";
    if (a.output) {
      try {
        writeFileSync(a.output, result.bytes);
      } catch (e) {
        const keep = join(tmpdir(), `vmprof-js-${Date.now()}.log`);
        writeFileSync(keep, result.bytes);
        throw new VmprofError("IO", `cannot write ${a.output} (${(e as Error).message}); the profile was saved to ${keep}`);
      }
      say(`${result.samples} samples${named} in ${((Date.now() - started) / 1000).toFixed(2)} s written to ${a.output}${how}`);
    } else {
      process.stderr.write(renderSummary(new Stats(parseLog(result.bytes))) + "\n");
      if (how) say(how.trim().replace(/^\(|\)$/g, ""));
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return status;
}

function run(cmd: string, args: string[], env: Record<string, string | undefined>): Promise<{ code: number | null; signal: string | null }> {
  return new Promise((done, fail) => {
    const child = spawn(cmd, args, { stdio: "inherit", env });
    const forward = (sig: NodeJS.Signals) => () => child.kill(sig);
    const handlers = FORWARDED.map((s) => [s, forward(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on("error", (e) => fail(new VmprofError("NO_PROGRAM", `cannot start ${cmd}: ${e.message}`)));
    child.on("exit", (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      done({ code, signal });
    });
  });
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
