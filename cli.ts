// vmprof-js command line: `cli.ts [options] PROGRAM args` profiles a program; subcommands
// (`show`, ...) work on saved logs. Each subcommand lives in lib/commands/.
import process from "node:process";
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { EXIT_STATUS, isVmprofError } from "./lib/errors.ts";
import { parseProfileArgs, PROFILE_USAGE } from "./lib/commands/profile-args.ts";
import { type Command, say } from "./lib/commands/command.ts";

export const VERSION = "0.1.0";

/**
 * Subcommands by name; the first argument picks one, anything else is a program to profile.
 * Each is loaded only when it runs: the start-up of the CLI is part of the user's wait.
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  show: async () => (await import("./lib/commands/show.ts")).show,
  export: async () => (await import("./lib/commands/export.ts")).exportCommand,
  diff: async () => (await import("./lib/commands/diff.ts")).diffCommand,
  view: async () => (await import("./lib/commands/view.ts")).view,
  serve: async () => (await import("./lib/commands/serve.ts")).serve,
  upload: async () => (await import("./lib/commands/upload.ts")).upload,
  push: async () => (await import("./lib/commands/push.ts")).push,
};

export async function usage(): Promise<string> {
  const commands = await Promise.all(Object.values(COMMANDS).map((load) => load()));
  return [PROFILE_USAGE, ...commands.map((c) => c.usage)].join("\n\n");
}

/** The one line Node.js (or any runtime but Deno and Bun) gets: the sampler loads through their FFI. */
export const NEEDS_DENO_OR_BUN =
  "needs Deno or Bun (it samples through their FFI; Node.js is not supported): bunx vmprof-js app.ts, or deno run -A npm:vmprof-js app.ts";

export async function main(argv: string[]): Promise<number> {
  if (!("Deno" in globalThis) && !process.versions.bun) {
    say(NEEDS_DENO_OR_BUN);
    return 1;
  }
  try {
    const command = Object.hasOwn(COMMANDS, argv[0] ?? "") ? await COMMANDS[argv[0]]() : undefined;
    if (command) {
      if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(command.usage + "\n");
        return 0;
      }
      return await command.run(argv.slice(1));
    }
    const args = parseProfileArgs(argv);
    if (args.command === "help") {
      process.stdout.write(await usage() + "\n");
      return 0;
    }
    if (args.command === "version") {
      process.stdout.write(`vmprof-js ${VERSION}\n`);
      return 0;
    }
    const { profileCommand } = await import("./lib/commands/profile.ts");
    return await profileCommand(args);
  } catch (e) {
    if (!isVmprofError(e)) throw e;
    say(e.message);
    return EXIT_STATUS[e.code];
  }
}

// import.meta.main is Deno's and Bun's; Node.js (24+ has it too) runs main() to say what it needs.
if (import.meta.main || (!("Deno" in globalThis) && !process.versions.bun && isEntry(process.argv[1]))) {
  process.exitCode = await main(process.argv.slice(2));
}

function isEntry(path: string | undefined): boolean {
  try {
    return !!path && realpathSync(path) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
