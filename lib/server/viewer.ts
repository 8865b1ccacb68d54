// The web viewer's server: the page's routes (its files from lib/view/web/ and each profile's
// payload), serving them on 127.0.0.1 until Ctrl-C, and opening a browser on the URL.

import { existsSync, readdirSync, readFileSync } from "node:fs";
import { delimiter, extname, join } from "node:path";
import process from "node:process";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Profile } from "../format/reader.ts";
import { type LocalServer, type Route, serveLocal } from "./local.ts";
import { encodeWebProfile } from "../view/web-data.ts";
import { say, untilInterrupted } from "../commands/command.ts";
import { VmprofError } from "../errors.ts";

export interface Served {
  label: string;
  profile: Profile;
}

const WEB_URL = new URL("../view/web/", import.meta.url);
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".json": "application/json",
};

/** The page's routes: its files (read now, from lib/view/web/), the profiles' payloads and their list. */
export function webRoutes(profiles: Served[]): Map<string, Route> {
  if (WEB_URL.protocol !== "file:") {
    // From JSR the page's files are URLs, not a folder to list.
    throw new VmprofError(
      "IO",
      "the web viewer needs vmprof-js on disk: use npm:vmprof-js (or bunx vmprof-js) for --web and view",
    );
  }
  const WEB_DIR = fileURLToPath(WEB_URL);
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
  await untilInterrupted();
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
