// `cli.ts upload LOG --web-url URL [--web-auth TOKEN]`: sends a saved log to a profile server
// (`cli.ts serve`) and prints the URL where it opens; vmprof's `python -m vmprof.upload`.

import { basename } from "node:path";
import process from "node:process";
import { VmprofError } from "../errors.ts";
import { readProfileBytes } from "../format/log-file.ts";
import { uploadLog } from "../server/client.ts";
import { type Command, parseOptions, say } from "./command.ts";

const OPTIONS = {
  "web-url": { type: "string" },
  "web-auth": { type: "string" },
  name: { type: "string" },
  program: { type: "string" },
} as const;

export const upload: Command = {
  name: "upload",
  usage:
    `usage: cli.ts upload LOG --web-url URL [--web-auth TOKEN]   send a saved log to a profile server (cli.ts serve)
      --web-url URL        the server, e.g. http://profiles.internal:8377/
      --web-auth TOKEN     the upload token (serve token create NAME); also $VMPROF_WEB_AUTH
      --name NAME          its name in the list (default: the log's file name)
      --program NAME       the profiled program (default: read from the log)`,
  async run(argv) {
    const parsed = parseOptions(argv, OPTIONS, true);
    const { positionals } = parsed;
    const values = parsed.values as Record<string, string | undefined>;
    if (positionals.length !== 1) {
      throw new VmprofError(
        "BAD_OPTION",
        "upload: which log? usage: cli.ts upload LOG --web-url URL [--web-auth TOKEN]",
      );
    }
    const url = values["web-url"];
    if (!url) throw new VmprofError("BAD_OPTION", "upload: --web-url URL is needed (the profile server)");
    const log = positionals[0];
    const bytes = readProfileBytes(log);
    try {
      const r = await uploadLog(bytes, {
        url,
        token: values["web-auth"] ?? process.env.VMPROF_WEB_AUTH,
        name: values.name ?? basename(log),
        program: values.program,
      });
      say(`uploaded ${log} (${r.samples} samples)`);
      process.stdout.write(r.url + "\n");
      return 0;
    } catch (e) {
      if (e instanceof VmprofError) throw new VmprofError(e.code, `${e.message}; the log is still at ${log}`);
      throw e;
    }
  },
};
