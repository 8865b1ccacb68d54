// `cli.ts view LOG [NEW_LOG]`: serves the web viewer for a saved profile (two: a diff) on 127.0.0.1 until Ctrl-C.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, delimiter, extname, join } from "node:path";
import process from "node:process";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { VmprofError } from "../errors.ts";
import type { Profile } from "../format/reader.ts";
import { readAnyProfile } from "../import/any.ts";
import { checkPort, type LocalServer, type Route, serveLocal } from "../server/local.ts";
import { encodeWebProfile } from "../view/web-data.ts";
import { type Command, numberOption, parseOptions, say } from "./command.ts";

const OPTIONS = {
  port: { type: "string" },
  "no-open": { type: "boolean" },
} as const;

export interface ViewArgs {
  logs: string[];
  port: number;
  open: boolean;
}

export function parseViewArgs(argv: string[]): ViewArgs {
  const { values, positionals } = parseOptions(argv, OPTIONS, true);
  if (positionals.length === 0) {
    throw new VmprofError("BAD_OPTION", "view: which log? usage: cli.ts view LOG [NEW_LOG]");
  }
  if (positionals.length > 2) throw new VmprofError("BAD_OPTION", `view: unexpected argument "${positionals[2]}"`);
  return { logs: positionals, port: checkPort(numberOption(values.port, "port", 0)), open: !values["no-open"] };
}

/** A saved profile: a vmprof log (ours or Python vmprof's) or a .cpuprofile, plain or gzipped. */
export function loadProfile(path: string): Profile {
  return readAnyProfile(path);
}

export interface Served {
  label: string;
  profile: Profile;
}

const WEB_DIR = fileURLToPath(new URL("../view/web/", import.meta.url));
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/** The page's routes: its files (read now, from lib/view/web/), the profiles' payloads and their list. */
export function webRoutes(profiles: Served[]): Map<string, Route> {
  const routes = new Map<string, Route>();
  for (const f of readdirSync(WEB_DIR)) {
    const type = TYPES[extname(f)];
    if (type) routes.set(`/${f}`, { type, body: readFileSync(join(WEB_DIR, f)) });
  }
  const index = routes.get("/index.html");
  if (index) routes.set("/", index);
  const list = profiles.map((p, i) => {
    routes.set(`/data/${i}.bin`, { type: "application/octet-stream", body: encodeWebProfile(p.profile, p.label) });
    return { label: p.label, url: `data/${i}.bin` };
  });
  routes.set("/data/index.json", {
    type: "application/json",
    body: new TextEncoder().encode(JSON.stringify({ profiles: list })),
  });
  return routes;
}

/**
 * Serves the viewer for one profile (two: old and new, a diff), says the URL on stderr,
 * opens a browser when asked and one is at hand, and returns when SIGINT or SIGTERM comes.
 */
export async function serveProfiles(profiles: Served[], o: { port: number; open: boolean }): Promise<void> {
  const server = await startViewer(profiles, o.port);
  say(`the profile is at ${server.url} (Ctrl-C to stop)`);
  if (o.open) openBrowser(server.url);
  await new Promise<void>((done) => {
    const signals = ["SIGINT", "SIGTERM"] as const;
    const stop = () => {
      for (const s of signals) process.off(s, stop);
      done();
    };
    for (const s of signals) process.on(s, stop);
  });
  await server.close();
}

/** The viewer's server, started. */
export function startViewer(profiles: Served[], port: number): Promise<LocalServer> {
  return serveLocal(webRoutes(profiles), { port });
}

/** Starts a browser on `url` if one is at hand ($BROWSER, xdg-open with a display, macOS open); never fails. */
export function openBrowser(url: string, env: Record<string, string | undefined> = process.env): boolean {
  let cmd: string | undefined;
  if (env.BROWSER) cmd = env.BROWSER;
  else if (process.platform === "darwin") cmd = "open";
  else if ((env.DISPLAY || env.WAYLAND_DISPLAY) && onPath("xdg-open", env.PATH)) cmd = "xdg-open";
  if (!cmd) return false;
  try {
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}

function onPath(exe: string, path = ""): boolean {
  return path.split(delimiter).some((d) => d !== "" && existsSync(join(d, exe)));
}

export const view: Command = {
  name: "view",
  usage: `usage: cli.ts view LOG [NEW_LOG]                  open a saved profile (vmprof log or .cpuprofile) in the web viewer;
                                                   two: a diff, old then new
      --port N           serve on 127.0.0.1:N (default: a free port)
      --no-open          do not start a browser, just print the URL`,
  async run(argv) {
    const a = parseViewArgs(argv);
    const profiles = a.logs.map((path) => ({ label: basename(path), profile: loadProfile(path) }));
    await serveProfiles(profiles, { port: a.port, open: a.open });
    return 0;
  },
};
