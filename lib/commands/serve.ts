// `cli.ts serve`: the self-hosted profile server over its SQLite store, until Ctrl-C; and
// `cli.ts serve token create|list|revoke`: the upload tokens kept in the same store.

import process from "node:process";
import { VmprofError } from "../errors.ts";
import { checkPort } from "../server/port.ts";
import { defaultDbPath, ProfileStore } from "../server/store.ts";
import { isLoopback, startProfileServer } from "../server/app.ts";
import { DEFAULT_LIMITS, type Limits, MiB } from "../server/limits.ts";
import { type Command, numberOption, parseOptions, say, untilInterrupted } from "./command.ts";

export const DEFAULT_SERVE_PORT = 8377;

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string" },
  db: { type: "string" },
  "allow-anonymous": { type: "boolean" },
  "max-upload-mb": { type: "string" },
  "max-unpacked-mb": { type: "string" },
} as const;

export interface ServeArgs {
  port: number;
  host: string;
  db: string;
  anonymous: boolean;
  limits: Limits;
}

function sizeOption(v: unknown, name: string, dflt: number): number {
  const mb = numberOption(v, name, dflt / MiB);
  if (!(mb > 0) || mb > 4096) {
    throw new VmprofError("BAD_OPTION", `--${name} must be more than 0 and at most 4096 (MiB), got ${mb}`);
  }
  return Math.round(mb * MiB);
}

export function parseServeArgs(argv: string[], env: Record<string, string | undefined> = process.env): ServeArgs {
  const parsed = parseOptions(argv, OPTIONS, true);
  const { positionals } = parsed;
  const values = parsed.values as Record<string, string | boolean | undefined>;
  if (positionals.length) {
    throw new VmprofError("BAD_OPTION", `serve: unexpected argument "${positionals[0]}" (see --help)`);
  }
  const maxUploadBytes = sizeOption(values["max-upload-mb"], "max-upload-mb", DEFAULT_LIMITS.maxUploadBytes);
  const maxUnpackedBytes = sizeOption(values["max-unpacked-mb"], "max-unpacked-mb", DEFAULT_LIMITS.maxUnpackedBytes);
  return {
    port: checkPort(numberOption(values.port, "port", DEFAULT_SERVE_PORT)),
    host: (values.host as string | undefined) ?? "127.0.0.1",
    db: (values.db as string | undefined) ?? defaultDbPath(env),
    anonymous: !!values["allow-anonymous"],
    limits: { maxUploadBytes, maxUnpackedBytes: Math.max(maxUnpackedBytes, maxUploadBytes) },
  };
}

const fmtTime = (ms: number) => new Date(ms).toISOString().replace("T", " ").slice(0, 19);

/** `serve token create NAME | list | revoke NAME [--db FILE]`. */
function tokenCommand(argv: string[]): number {
  const { values, positionals } = parseOptions(argv, { db: { type: "string" } }, true);
  const [what, name, extra] = positionals;
  const usage = "usage: cli.ts serve token create NAME | list | revoke NAME [--db FILE]";
  if (
    extra !== undefined || !["create", "list", "revoke"].includes(what ?? "") ||
    (what !== "list") !== (name !== undefined)
  ) {
    throw new VmprofError("BAD_OPTION", usage);
  }
  const store = new ProfileStore((values.db as string | undefined) ?? defaultDbPath());
  try {
    if (what === "create") {
      const token = store.createToken(name);
      process.stdout.write(token + "\n");
      say(`token "${name}" created in ${store.path}; it is shown only this once (the store keeps its hash)`);
    } else if (what === "revoke") {
      store.revokeToken(name);
      say(`token "${name}" revoked; its uploads stay`);
    } else {
      for (const t of store.listTokens()) {
        const state = t.revoked_at === null ? "active" : `revoked ${fmtTime(t.revoked_at)}`;
        process.stdout.write(`${t.name}\tcreated ${fmtTime(t.created_at)}\t${state}\n`);
      }
    }
  } finally {
    store.close();
  }
  return 0;
}

export const serve: Command = {
  name: "serve",
  usage:
    `usage: cli.ts serve [--port P] [--host H] [--db FILE]   the profile server: upload, list, open, compare, delete
      --port P             listen on port P (default ${DEFAULT_SERVE_PORT}; 0: any free port)
      --host H             the address to bind (default 127.0.0.1; anything else: put TLS in front)
      --db FILE            the SQLite store (default ${defaultDbPath().replace(process.env.HOME ?? "\0", "~")})
      --allow-anonymous    accept uploads without a token, and let anyone list and open profiles
      --max-upload-mb N    refuse uploads larger than N MiB as sent (default ${DEFAULT_LIMITS.maxUploadBytes / MiB})
      --max-unpacked-mb N  refuse logs larger than N MiB unpacked (default ${DEFAULT_LIMITS.maxUnpackedBytes / MiB})
   or: cli.ts serve token create NAME | list | revoke NAME [--db FILE]
                           make a token (printed once), list them, revoke one`,
  async run(argv) {
    if (argv[0] === "token") return tokenCommand(argv.slice(1));
    const a = parseServeArgs(argv);
    const store = new ProfileStore(a.db);
    let server;
    try {
      server = await startProfileServer(store, {
        host: a.host,
        port: a.port,
        anonymous: a.anonymous,
        limits: a.limits,
      });
    } catch (e) {
      store.close();
      throw e;
    }
    if (!isLoopback(a.host)) {
      say(
        `warning: listening on ${a.host}, reachable from other machines: tokens are the only protection, and they travel in clear over http; put a TLS proxy in front`,
      );
    }
    if (a.anonymous) {
      say("warning: --allow-anonymous: anyone who can reach this server can upload, list and open profiles");
    }
    say(`serving ${store.countProfiles()} profiles from ${a.db} at ${server.url} (Ctrl-C to stop)`);
    await untilInterrupted();
    await server.close();
    store.close();
    return 0;
  },
};
