// The arm64 group's stand-in for `cli.ts -o LOG [options] PROGRAM args`: the profiled child is
// the runtime's arm64 build under `qemu-aarch64-static -L /usr/aarch64-linux-gnu`, with the
// aarch64 libvmprof (VMPROF_LIB), the same agent, flags and settings cli.ts gives it
// (childCommand, AgentSettings), then the frames are named by finishLog as cli.ts does.
// Why not cli.ts itself: it starts the child with its own binary (process.execPath), and user
// mode QEMU does not follow execve into an arm64 binary (that needs binfmt_misc, a host-wide
// setting). The naming is runtime-neutral TypeScript, so it runs here on the host runtime
// (of the same kind as the child, as with cli.ts), reading the arm64 binaries' files.
// Usage: <deno|bun> tests/arm64/profile.ts ARM64_RUNTIME [cli options] PROGRAM [ARGS...]
// Prints cli.ts's closing line on stderr; exits with the program's status (128+n by signal n).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { constants, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseProfileArgs } from "../../lib/commands/profile-args.ts";
import { saveLog } from "../../lib/commands/profile.ts";
import { AGENT_ENV, type AgentSettings } from "../../lib/agent/start.ts";
import { PROJECT_DIR } from "../../lib/ffi/load.ts";
import { childCommand, currentRuntime } from "../../lib/runtime.ts";
import { finishLog } from "../../lib/symbols/finish.ts";
import { symbolDir } from "../../lib/symbols/symbol-dir.ts";

const [arm64Runtime, ...cliArgs] = process.argv.slice(2);
const a = parseProfileArgs(cliArgs);
if (!arm64Runtime || a.command !== "profile" || !a.output) {
  console.error("usage: tests/arm64/profile.ts ARM64_RUNTIME -o LOG [options] PROGRAM [ARGS...]");
  process.exit(2);
}
const sysroot = process.env.VMPROF_ARM64_SYSROOT ?? "/usr/aarch64-linux-gnu";
const qemu = process.env.VMPROF_ARM64_QEMU ?? "qemu-aarch64-static";
const rt = { name: currentRuntime().name, execPath: arm64Runtime };
const program = resolve(a.program);
const work = mkdtempSync(join(tmpdir(), "vmprof-js-arm64-"));
// Under this run's own folder: Deno's shared one is cleaned by every other run that starts,
// which removes the perf map of a child that has ended before it is read (a slow emulated
// run on a machine running other profiles loses that race).
const symbols = symbolDir(rt.name, work);
let status = 1;
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
  const agent = join(PROJECT_DIR, "lib", "agent", `${rt.name}.ts`);
  const cmd = childCommand(rt, agent, program, a.args, symbols.path, process.env, { lines: a.lines });
  const env = { ...process.env, ...cmd.env, [AGENT_ENV]: JSON.stringify(settings) };
  const child = spawn(qemu, ["-L", sysroot, cmd.cmd, ...cmd.args], { stdio: "inherit", env });
  // Forwarded as cli.ts does; qemu passes them on to the program.
  const forward = (["SIGINT", "SIGTERM", "SIGHUP"] as const).map((s) => [s, () => child.kill(s)] as const);
  for (const [s, h] of forward) process.on(s, h);
  const ended = await new Promise<{ code: number | null; signal: string | null }>((done) => {
    child.on("error", (e) => {
      console.error(`cannot start ${qemu}: ${e.message}`);
      done({ code: 127, signal: null });
    });
    child.on("exit", (code, signal) => done({ code, signal }));
  });
  for (const [s, h] of forward) process.off(s, h);
  const numbers: Record<string, number> = constants.signals;
  status = ended.signal ? 128 + (numbers[ended.signal] ?? 0) : ended.code ?? 1;
  if (!existsSync(spool) || statSync(spool).size === 0) {
    console.error(`vmprof-js: the program ended (status ${status}) before profiling started; no log written`);
  } else {
    const result = finishLog(spool, { symbolDir: symbols.path, program, exited: true });
    saveLog(a.output, result.bytes);
    const named = result.samples ? ` (${(100 * result.named / result.samples).toFixed(1)}% named)` : "";
    console.error(`vmprof-js: ${result.samples} samples${named} written to ${a.output}`);
  }
} finally {
  symbols.remove(undefined);
  rmSync(work, { recursive: true, force: true });
}
process.exit(status);
