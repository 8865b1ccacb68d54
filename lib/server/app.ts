// The profile server's HTTP app (`cli.ts serve`): the list page, the web viewer for any stored
// profile or two (a diff), and the API that uploads, lists and deletes, each behind its token check.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { readFileSync } from "node:fs";
import process from "node:process";
import { gunzipSync } from "node:zlib";
import { parseLog } from "../format/reader.ts";
import { encodeWebProfile } from "../view/web-data.ts";
import { listen, SECURITY_HEADERS } from "./local.ts";
import type { LocalServer, Route } from "./local.ts";
import { webRoutes } from "./viewer.ts";
import { DEFAULT_LIMITS, HttpError, type Limits, readBody } from "./limits.ts";
import { ingest } from "./ingest.ts";
import { type ProfileStore, SORT_COLUMNS, type SortColumn } from "./store.ts";
import { bearerToken } from "./tokens.ts";

export interface AppOptions {
  /** Accept uploads (and let anyone list and open profiles) without a token. */
  anonymous?: boolean;
  limits?: Limits;
  /** The address the server is bound to: on loopback, requests must name it in their Host (no DNS rebinding). */
  host: string;
}

/** A started profile server: the same handle as the local viewer's. */
export type RunningServer = LocalServer;

const COOKIE = "vmprof_token";
const ID = /^[0-9a-f]{16}$/;
const LIST_URL = new URL("./web/", import.meta.url); // read when serving (webRoutes says so first if it is not a file:)
const JSON_TYPE = "application/json; charset=utf-8";

type Who = { id: number; name: string } | undefined;

/** True for the addresses only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/** The page's own files (the list page, and the viewer's files under every /p/IDS/). */
function staticRoutes(): { list: Map<string, Route>; viewer: Map<string, Route> } {
  const viewer = webRoutes([]);
  for (const k of [...viewer.keys()]) if (k.startsWith("/data/")) viewer.delete(k);
  const file = (name: string, type: string): Route => ({ type, body: readFileSync(new URL(name, LIST_URL)) });
  const list = new Map<string, Route>([
    ["/", file("list.html", "text/html; charset=utf-8")],
    ["/list.js", file("list.js", "text/javascript; charset=utf-8")],
    ["/list.css", file("list.css", "text/css; charset=utf-8")],
    ["/style.css", viewer.get("/style.css")!],
    ["/favicon.svg", viewer.get("/favicon.svg")!],
  ]);
  return { list, viewer };
}

/** The request handler of the profile server over `store`. */
export function profileApp(store: ProfileStore, o: AppOptions) {
  const limits = o.limits ?? DEFAULT_LIMITS;
  const { list, viewer } = staticRoutes();
  const payloads = new Map<string, Uint8Array>(); // a few encoded profiles, most recent last
  const loopback = isLoopback(o.host);

  function who(req: IncomingMessage): Who {
    const token = bearerToken(req.headers.authorization) ?? cookieToken(req.headers.cookie);
    if (token === undefined) return undefined;
    const t = store.checkToken(token);
    if (!t) throw new HttpError(401, "unknown or revoked token");
    return t;
  }

  function mayRead(req: IncomingMessage): Who {
    const w = who(req);
    if (!w && !o.anonymous) {
      throw new HttpError(401, "a token is needed (Authorization: Bearer TOKEN; see serve token create)");
    }
    return w;
  }

  /** A change made with the browser's cookie must come from our own page (no cross-site forms). */
  function sameOrigin(req: IncomingMessage): void {
    if (bearerToken(req.headers.authorization) !== undefined || !cookieToken(req.headers.cookie)) return;
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${req.headers.host}` && origin !== `https://${req.headers.host}`) {
      throw new HttpError(403, "a change from another site's page");
    }
  }

  function payload(id: string): Uint8Array {
    let p = payloads.get(id);
    if (p) {
      payloads.delete(id);
    } else {
      const row = store.getProfile(id);
      const gz = store.profileLog(id);
      if (!row || !gz) throw new HttpError(404, `no profile ${id}`);
      p = encodeWebProfile(parseLog(gunzipSync(gz), row.name), `${row.name} (${row.program || row.runtime})`);
      if (payloads.size >= 8) payloads.delete(payloads.keys().next().value!);
    }
    payloads.set(id, p);
    return p;
  }

  async function handle(req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
    const host = (req.headers.host ?? "").toLowerCase();
    if (loopback && !new Set([`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`]).has(host)) {
      throw new HttpError(403, "forbidden host");
    }
    const url = new URL(req.url ?? "/", "http://server");
    const path = url.pathname;
    const method = req.method ?? "GET";
    const get = method === "GET" || method === "HEAD";

    if (path === "/api/profiles") {
      if (method === "POST") return await upload(req, res, url);
      if (!get) return methodNotAllowed(res, "GET, HEAD, POST");
      const w = mayRead(req);
      const sort = url.searchParams.get("sort") ?? "created_at";
      const found = store.listProfiles({
        q: url.searchParams.get("q") ?? "",
        sort: (SORT_COLUMNS as readonly string[]).includes(sort) ? sort as SortColumn : "created_at",
        desc: url.searchParams.has("desc") ? url.searchParams.get("desc") !== "0" : undefined,
        limit: Number(url.searchParams.get("limit") ?? 500) || 500,
        offset: Number(url.searchParams.get("offset") ?? 0) || 0,
      });
      return sendJson(res, 200, {
        you: w?.name ?? null,
        total: found.total,
        profiles: found.profiles.map(({ token_id, ...p }) => ({ ...p, mine: w !== undefined && token_id === w.id })),
      });
    }
    const one = /^\/api\/profiles\/([^/]+)(\/log)?$/.exec(path);
    if (one) {
      const id = one[1];
      if (!ID.test(id)) throw new HttpError(404, "no such profile");
      if (one[2]) {
        if (!get) return methodNotAllowed(res, "GET, HEAD");
        mayRead(req);
        const gz = store.profileLog(id);
        if (!gz) throw new HttpError(404, `no profile ${id}`);
        return send(res, 200, "application/gzip", gz, { "Content-Disposition": `attachment; filename="${id}.log.gz"` });
      }
      if (method !== "DELETE") return methodNotAllowed(res, "DELETE");
      sameOrigin(req);
      const w = who(req);
      if (!w) throw new HttpError(401, "deleting needs the token that uploaded the profile");
      const r = store.deleteProfile(id, w.id);
      if (r === "missing") throw new HttpError(404, `no profile ${id}`);
      if (r === "not-owner") throw new HttpError(403, "only the token that uploaded a profile can delete it");
      payloads.delete(id);
      return sendJson(res, 200, { deleted: id });
    }
    if (path === "/api/session") {
      if (method === "POST") {
        sameOrigin(req);
        const body = await readBody(req, 4096);
        let token: unknown;
        try {
          token = JSON.parse(new TextDecoder().decode(body)).token;
        } catch {
          throw new HttpError(400, 'expected {"token": "..."}');
        }
        const t = typeof token === "string" ? store.checkToken(token) : undefined;
        if (!t) throw new HttpError(401, "unknown or revoked token");
        const secure = req.headers["x-forwarded-proto"] === "https" ? "; Secure" : "";
        return sendJson(res, 200, { you: t.name }, {
          "Set-Cookie": `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/; Max-Age=2592000${secure}`,
        });
      }
      if (method === "DELETE") {
        return sendJson(res, 200, {}, { "Set-Cookie": `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0` });
      }
      return methodNotAllowed(res, "POST, DELETE");
    }
    if (!get) return methodNotAllowed(res, "GET, HEAD");
    const page = list.get(path);
    if (page) return send(res, 200, page.type, page.body);
    const view = /^\/p\/([0-9a-f]{16})(?:,([0-9a-f]{16}))?(\/.*)$/.exec(path);
    if (view) {
      const ids = view[2] ? [view[1], view[2]] : [view[1]];
      const rest = view[3];
      if (rest === "/data/index.json") {
        mayRead(req);
        return sendJson(res, 200, { profiles: ids.map((id, i) => ({ label: id, url: `data/${i}.bin` })) });
      }
      const bin = /^\/data\/([01])\.bin$/.exec(rest);
      if (bin && Number(bin[1]) < ids.length) {
        mayRead(req);
        return send(res, 200, "application/octet-stream", payload(ids[Number(bin[1])]));
      }
      const file = viewer.get(rest === "/" ? "/index.html" : rest);
      if (file) return send(res, 200, file.type, file.body);
    }
    throw new HttpError(404, "not found");
  }

  async function upload(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    let w: Who;
    try {
      w = who(req);
      if (!w && !o.anonymous) {
        throw new HttpError(401, "uploads need a token (--web-auth TOKEN; see serve token create)");
      }
    } catch (e) {
      req.resume();
      throw e;
    }
    const body = await readBody(req, limits.maxUploadBytes);
    const encoding = String(req.headers["content-encoding"] ?? "identity").toLowerCase();
    if (encoding !== "gzip" && encoding !== "identity") {
      throw new HttpError(415, `unsupported Content-Encoding ${encoding} (gzip or none)`);
    }
    const row = ingest(body, encoding === "gzip", {
      name: url.searchParams.get("name") ?? undefined,
      program: url.searchParams.get("program") ?? undefined,
    }, limits);
    const id = store.addProfile(row, w);
    // Behind a TLS proxy the URL to print is the proxy's (X-Forwarded-Proto: https).
    const proto = req.headers["x-forwarded-proto"] === "https" ? "https" : "http";
    const base = `${proto}://${req.headers.host}`;
    return sendJson(res, 201, { id, url: `${base}/p/${id}/`, samples: row.samples });
  }

  return (req: IncomingMessage, res: ServerResponse, port: number) =>
    handle(req, res, port).catch((e) => {
      if (e instanceof HttpError) {
        if (!res.headersSent) {
          sendJson(res, e.status, { error: e.message }, e.status === 413 ? { Connection: "close" } : {});
        }
        return;
      }
      if (!res.headersSent) {
        sendJson(res, 500, { error: "internal error" });
      }
      process.stderr.write(`vmprof-js serve: ${(e as Error)?.stack ?? e}\n`);
    });
}

function cookieToken(cookie: string | undefined): string | undefined {
  for (const part of (cookie ?? "").split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === COOKIE && v.length) return v.join("=") || undefined;
  }
  return undefined;
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  sendJson(res, 405, { error: "method not allowed" }, { Allow: allow });
}

function sendJson(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(res, status, JSON_TYPE, new TextEncoder().encode(JSON.stringify(value)), headers);
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: Uint8Array,
  headers: Record<string, string> = {},
): void {
  res.statusCode = status;
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  res.setHeader(
    "Content-Security-Policy",
    SECURITY_HEADERS["Content-Security-Policy"].replace("form-action 'none'", "form-action 'self'"),
  );
  res.setHeader("Content-Type", type);
  res.setHeader("Content-Length", String(body.length));
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
  res.end(res.req?.method === "HEAD" ? undefined : body);
}

/** Serves `store` on host:port (0: a free port); a taken port or a bad address is a VmprofError("IO"). */
export async function startProfileServer(
  store: ProfileStore,
  o: AppOptions & { port: number },
): Promise<RunningServer> {
  let port = o.port;
  const app = profileApp(store, o);
  const server: Server = createServer((req, res) => void app(req, res, port));
  const running = await listen(server, o.host, o.port);
  port = running.port;
  return running;
}
