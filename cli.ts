// vmprof-js command line: `cli.ts [options] PROGRAM args` profiles a program; subcommands
// (`show`, ...) work on saved logs. Each subcommand lives in lib/commands/.
import process from "node:process";
import { isVmprofError } from "./lib/errors.ts";
import { parseProfileArgs, PROFILE_USAGE } from "./lib/commands/profile-args.ts";
import { type Command, say } from "./lib/commands/command.ts";
import { profileCommand } from "./lib/commands/profile.ts";
import { show } from "./lib/commands/show.ts";
import { view } from "./lib/commands/view.ts";
import { exportCommand } from "./lib/commands/export.ts";
import { diffCommand } from "./lib/commands/diff.ts";

export const VERSION = "0.1.0";

/** Subcommands by name; the first argument picks one, anything else is a program to profile. */
const COMMANDS: Command[] = [show, exportCommand, diffCommand, view];

export function usage(): string {
  return [PROFILE_USAGE, ...COMMANDS.map((c) => c.usage)].join("\n\n");
}

export async function main(argv: string[]): Promise<number> {
  try {
    const command = COMMANDS.find((c) => c.name === argv[0]);
    if (command) {
      if (argv.includes("--help") || argv.includes("-h")) {
        process.stdout.write(command.usage + "\n");
        return 0;
      }
      return await command.run(argv.slice(1));
    }
    const args = parseProfileArgs(argv);
    if (args.command === "help") {
      process.stdout.write(usage() + "\n");
      return 0;
    }
    if (args.command === "version") {
      process.stdout.write(`vmprof-js ${VERSION}\n`);
      return 0;
    }
    return await profileCommand(args);
  } catch (e) {
    if (!isVmprofError(e)) throw e;
    say(e.message);
    return e.code === "BAD_OPTION" || e.code === "NO_PROGRAM" ? 2 : 1;
  }
}

if (import.meta.main) {
  process.exitCode = await main(process.argv.slice(2));
}
