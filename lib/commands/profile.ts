// `cli.ts [options] PROGRAM args`: runs PROGRAM in a child process of the same runtime, with
// the flags that name JIT code and our agent preloaded; forwards signals; then names the
// frames and saves the log (-o) or prints a summary. Exits with the program's status.
import {
  accessSync,
  constants as fsConstants,
  copyFileSync,
  existsSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { constants, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import process from "node:process";
import { spawn } from "node:child_process";
import { VmprofError } from "../errors.ts";
import type { ProfileArgs } from "./profile-args.ts";
import { fileURLToPath } from "node:url";
import { findLibrary } from "../ffi/load.ts";
import { childCommand, currentRuntime } from "../runtime.ts";
import { AGENT_ENV, type AgentSettings } from "../agent/start.ts";
import type { FinishResult, Followed } from "../symbols/finish.ts";
import { type SymbolDir, symbolDir, workDir } from "../symbols/symbol-dir.ts";
import { say } from "./command.ts";
import { childDenoDir } from "./deno-dir.ts";
import { cacheDir } from "../symbols/cache.ts";
import type { ContinuousPush } from "../server/continuous.ts";
import { defaultLabels, type PushTarget, serviceName } from "../server/push-target.ts";

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
/** Every signal's number (SIGILL, SIGBUS, SIGFPE… as well as the usual ones), from node:os. */
const SIGNAL_NUMBERS: Record<string, number> = constants.signals;

export interface ProfileRun {
  /** The program's exit status (128 + signal number when a signal ended it). */
  status: number;
  /** The finished log, or undefined when the program ended before profiling started. */
  result?: FinishResult;
  /** Milliseconds spent after the program ended naming the frames and building the log. */
  finishMs?: number;
  /** --push --every: the continuous push, stopped; its last window is still to push. */
  pusher?: ContinuousPush;
}

/** Where --push sends: the program's name as the service, the runtime, host and --label labels. */
export function pushTarget(a: ProfileArgs, runtime: string): PushTarget {
  return { url: a.push!, service: serviceName(a.program), labels: defaultLabels(runtime, a.labels) };
}

/** Profiles the program; writes nothing to the terminal but the program's own output. */
export async function profileProgram(a: ProfileArgs): Promise<ProfileRun> {
  const program = resolve(a.program);
  if (!existsSync(program)) throw new VmprofError("NO_PROGRAM", `cannot find the program to profile: ${a.program}`);
  if (!statSync(program).isFile()) {
    const what = statSync(program).isDirectory() ? "a directory" : "not a regular file";
    throw new VmprofError("NO_PROGRAM", `the program to profile is ${what}: ${a.program}`);
  }
  if (a.output !== undefined) checkWritable(a.output); // before the program runs, not after
  const library = findLibrary(); // fail before starting the program; the agent loads the same one
  const rt = currentRuntime();
  const work = workDir();
  let symbols: SymbolDir | undefined;
  let childPid: number | undefined;
  let following: ReturnType<typeof followWhileRunning> | undefined;
  try {
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
    const agent = agentModule(rt.name);
    // Deno's is the same folder every run (its path is a V8 flag, and a changed flag costs
    // V8's code cache); Bun's a fresh one on tmpfs (symbol-dir.ts).
    symbols = symbolDir(rt.name);
    const cmd = childCommand(rt, agent, program, a.args, symbols.path, process.env, { lines: a.lines });
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...cmd.env,
      [AGENT_ENV]: JSON.stringify(settings),
      VMPROF_LIB: library,
    };
    // A code cache of the child's own: the CLI's runs and the user's would overwrite it (deno-dir.ts).
    const denoDir = cmd.v8Flags?.length ? childDenoDir(process.env, cacheDir(), cmd.v8Flags) : undefined;
    if (denoDir) env.DENO_DIR = denoDir;
    const running = run(cmd.cmd, cmd.args, env);
    // The naming code loads while the program runs (this process is idle meanwhile), not
    // before the program starts: its start-up is part of the user's wait. So does the symbol
    // source where it can be read before the end (Deno's perf map): little is left at the exit.
    const naming = import("../symbols/finish.ts");
    naming.catch(() => {}); // a failure surfaces where it is awaited
    following = followWhileRunning(naming, rt.name, running.pid, symbols.path, realBinary(cmd.cmd));
    let pusher: ContinuousPush | undefined;
    if (a.push && a.every) {
      const { ContinuousPush } = await import("../server/continuous.ts");
      const name = async (copy: string) =>
        (await naming).finishLog(copy, { symbolDir: symbols!.path, program, exited: false }).bytes;
      pusher = new ContinuousPush(spool, pushTarget(a, rt.name), name, a.every);
    }
    const { code, signal, pid } = await running.ended;
    const followed = following.stop();
    await pusher?.stop();
    childPid = pid;
    const status = signal ? 128 + (SIGNAL_NUMBERS[signal] ?? 0) : code ?? 1;
    if (!existsSync(spool) || statSync(spool).size === 0) {
      await pusher?.finish(undefined);
      return { status };
    }
    let result: FinishResult;
    const finishing = performance.now();
    try {
      const { finishLog } = await naming;
      result = finishLog(spool, { symbolDir: symbols.path, program, exited: true, followed });
    } catch (e) {
      // Never lose the samples: keep the raw log (readable by `show`, addresses unnamed).
      const keep = join(tmpdir(), `vmprof-js-raw-${process.pid}-${Date.now()}.log`);
      try {
        copyFileSync(spool, keep);
      } catch (c) {
        throw new VmprofError(
          "IO",
          `cannot name the frames (${(e as Error).message}), nor keep the raw log (${(c as Error).message})`,
        );
      }
      throw new VmprofError("IO", `cannot name the frames (${(e as Error).message}); the raw log was kept at ${keep}`);
    }
    return { status, result, finishMs: performance.now() - finishing, pusher };
  } finally {
    following?.stop(); // a program that could not start
    rmSync(work, { recursive: true, force: true });
    symbols?.remove(childPid);
  }
}

/**
 * The agent's module for the child to preload: a path beside this file (`.ts` in a checkout or
 * from JSR, `.js` in the npm package, which ships JavaScript), or its URL when loaded from JSR.
 */
function agentModule(runtime: string): string {
  const ext = import.meta.url.endsWith(".js") ? ".js" : ".ts";
  const url = new URL(`../agent/${runtime}${ext}`, import.meta.url);
  return url.protocol === "file:" ? fileURLToPath(url) : url.href;
}

/** The file `cmd` runs, as the kernel's maps name it (they resolve links); `cmd` itself if that fails. */
function realBinary(cmd: string): string {
  try {
    return realpathSync(cmd);
  } catch {
    return cmd;
  }
}

/** How often the CLI reads on in the symbol source while the program runs. */
const FOLLOW_MS = 200;

/**
 * Follows the program's symbol source while it runs (finish.ts followSource), every FOLLOW_MS;
 * stop() ends that and gives the source for finishLog, undefined where there is none to follow.
 */
function followWhileRunning(
  naming: Promise<typeof import("../symbols/finish.ts")>,
  runtime: string,
  pid: number | undefined,
  dir: string,
  binary: string,
): { stop(): Followed | undefined } {
  let followed: Followed | undefined;
  let stopped = false;
  let timer: ReturnType<typeof setInterval> | undefined;
  naming.then(({ followSource }) => {
    if (stopped || pid === undefined) return;
    const f = followed = followSource(runtime, pid, dir, binary);
    timer = setInterval(() => {
      try {
        f.step();
      } catch {
        clearInterval(timer); // an unreadable map: finishLog reads it at the end, or says why not
      }
    }, FOLLOW_MS);
  }, () => {});
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      return followed;
    },
  };
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string | undefined>,
): { pid?: number; ended: Promise<{ code: number | null; signal: string | null; pid?: number }> } {
  const child = spawn(cmd, args, { stdio: "inherit", env });
  const ended = new Promise<{ code: number | null; signal: string | null; pid?: number }>((done, fail) => {
    const handlers = FORWARDED.map((s) => [s, () => child.kill(s)] as const);
    for (const [s, h] of handlers) process.on(s, h);
    child.on("error", (e) => fail(new VmprofError("NO_PROGRAM", `cannot start ${cmd}: ${e.message}`)));
    child.on("exit", (code, signal) => {
      for (const [s, h] of handlers) process.off(s, h);
      done({ code, signal, pid: child.pid });
    });
  });
  return { pid: child.pid, ended };
}

/** An IO error now, before the program runs, when -o names a file that cannot be written. */
function checkWritable(path: string): void {
  const dir = dirname(resolve(path));
  try {
    if (existsSync(path) && statSync(path).isDirectory()) throw new Error("it is a directory");
    accessSync(existsSync(path) ? path : dir, fsConstants.W_OK);
  } catch (e) {
    const why = (e as { code?: string }).code === "ENOENT" ? `no folder ${dir}` : (e as Error).message;
    throw new VmprofError("IO", `cannot write the log to ${path} (${why})`);
  }
}

/**
 * Saves the log to `path`; if that fails (a full disk), saves it in the temporary folder or
 * the current one and says where. The samples are lost only when no place takes them.
 */
export function saveLog(path: string, bytes: Uint8Array): void {
  try {
    writeFileSync(path, bytes);
  } catch (e) {
    const why = (e as Error).message;
    rmSync(path, { force: true }); // a partial file is not a profile
    for (const place of [tmpdir(), process.cwd()]) {
      const keep = join(place, `vmprof-js-${process.pid}-${Date.now()}.log`);
      try {
        writeFileSync(keep, bytes, { mode: 0o600 });
      } catch {
        rmSync(keep, { force: true });
        continue;
      }
      throw new VmprofError("IO", `cannot write ${path} (${why}); the profile was saved to ${keep}`);
    }
    throw new VmprofError("IO", `cannot write ${path} (${why}), nor a copy in ${tmpdir()} or ${process.cwd()}`);
  }
}

/** How the program ended, for the closing line ("" for a clean exit). */
export function endedBy(status: number): string {
  if (status === 0) return "";
  const sig = Object.entries(SIGNAL_NUMBERS).find(([, n]) => 128 + n === status)?.[0];
  return sig ? `program stopped by ${sig}` : `program exited with status ${status}`;
}

/** The default profile command: -o saves the log, otherwise a summary on stderr. */
export async function profileCommand(a: ProfileArgs): Promise<number> {
  const started = Date.now();
  const { status, result, finishMs, pusher } = await profileProgram(a);
  if (!result) {
    say(`the program ended (status ${status}) before profiling started; no log written`);
    return status || 1;
  }
  const how = endedBy(status);
  if (a.output) {
    saveLog(a.output, result.bytes);
    const named = result.samples ? ` (${(100 * result.named / result.samples).toFixed(1)}% named)` : "";
    const secs = ((Date.now() - started) / 1000).toFixed(2);
    const naming = finishMs === undefined ? "" : `; naming took ${(finishMs / 1000).toFixed(2)} s`;
    say(`${result.samples} samples${named} in ${secs} s written to ${a.output}${naming}${how ? ` (${how})` : ""}`);
  } else if (!a.web && !a.webUrl) {
    const [{ renderSummary }, { Stats }, { parseLog }] = await Promise.all([
      import("../view/terminal.ts"),
      import("../profile/stats.ts"),
      import("../format/reader.ts"),
    ]);
    process.stderr.write(renderSummary(new Stats(parseLog(result.bytes))));
    if (how) say(how);
  } else {
    say(`${result.samples} samples${how ? ` (${how})` : ""}`);
  }
  let sent = true;
  if (a.webUrl || a.push) sent = await sendProfile(a, result, pusher);
  if (a.web) {
    const [{ serveProfiles }, { parseLog }] = await Promise.all([
      import("../server/viewer.ts"),
      import("../format/reader.ts"),
    ]);
    await serveProfiles([{ label: basename(a.program), profile: parseLog(result.bytes) }], {
      port: a.port,
      open: a.open,
    });
  }
  return status === 0 && !sent ? 1 : status;
}

/**
 * --web-url: uploads the log and prints its URL; --push: pushes it (the last window of a
 * continuous profile). A failure is one line; the log stays on disk (-o, or a file saved now)
 * and its path is printed. False if anything failed.
 */
async function sendProfile(a: ProfileArgs, result: FinishResult, pusher: ContinuousPush | undefined): Promise<boolean> {
  let kept = a.output;
  const keep = (why: string) => {
    if (kept === undefined) {
      kept = resolve(`vmprof-${basename(a.program).replace(/\.[^.]*$/, "")}-${Date.now()}.log`);
      saveLog(kept, result.bytes);
    }
    say(`${why}; the log is at ${kept}`);
  };
  let ok = true;
  if (a.webUrl) {
    const { uploadLog } = await import("../server/client.ts");
    try {
      const r = await uploadLog(result.bytes, {
        url: a.webUrl,
        token: a.webAuth ?? process.env.VMPROF_WEB_AUTH,
        name: basename(a.program),
        program: basename(a.program),
      });
      say(`the profile is at ${r.url}`);
    } catch (e) {
      if (!(e instanceof VmprofError)) throw e;
      keep(e.message);
      ok = false;
    }
  }
  if (a.push) {
    try {
      if (pusher) {
        await pusher.finish(result.bytes);
        say(`pushed ${pusher.samples} samples in ${pusher.windows} windows to ${new URL(a.push).origin}`);
      } else {
        const [{ pushToPyroscope }, { Stats }, { parseLog }] = await Promise.all([
          import("../server/pyroscope.ts"),
          import("../profile/stats.ts"),
          import("../format/reader.ts"),
        ]);
        const p = parseLog(result.bytes);
        const until = (p.endMicros ?? Date.now() * 1000) / 1e6;
        await pushToPyroscope(
          new Stats(p),
          pushTarget(a, p.meta.get("runtime") ?? currentRuntime().name),
          (p.startMicros ?? until * 1e6) / 1e6,
          until,
        );
        say(`pushed ${p.samples.length} samples to ${new URL(a.push).origin}`);
      }
    } catch (e) {
      if (!(e instanceof VmprofError)) throw e;
      keep(e.message);
      ok = false;
    }
  }
  return ok;
}
