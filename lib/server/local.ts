// serveLocal: a small HTTP server on 127.0.0.1 (node:http, so Deno and Bun alike) serving fixed in-memory routes.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { VmprofError } from "../errors.ts";
import { checkPort } from "./port.ts";

export interface Route {
  type: string;
  body: Uint8Array;
}

export interface LocalServer {
  /** `http://127.0.0.1:<port>/` */
  url: string;
  port: number;
  /** Stops listening and drops open connections. */
  close(): Promise<void>;
}

export interface ServeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
}

export const HOST = "127.0.0.1";

// Nothing but our own files: no inline scripts, no remote anything. Data from a profile is
// never HTML, but a rule that forbids what the page does not need costs nothing.
export const SECURITY_HEADERS = {
  "Content-Security-Policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options": "nosniff",
  "Referrer-Policy": "no-referrer",
  "Cache-Control": "no-store",
};

/** The longest request target served (the page's paths are a few dozen bytes). */
export const MAX_URL_BYTES = 2048;
/** The most header bytes a request may send (node's default is 16 kB). */
export const MAX_HEADER_BYTES = 8192;
/** A request must arrive whole within this (a client that trickles bytes holds a socket). */
export const REQUEST_TIMEOUT_MS = 10_000;

/**
 * Serves `routes` (path → body) on 127.0.0.1. Requests whose Host header is not
 * 127.0.0.1 or localhost (a DNS-rebinding page) get 403; unknown paths 404; anything
 * but GET and HEAD 405; a target longer than MAX_URL_BYTES 414; a request with a body 413
 * (the connection closed, the body never read). Paths are looked up as they are, never on
 * disk: no path reaches a file. A taken port is a VmprofError("IO").
 */
export function serveLocal(routes: Map<string, Route>, o: ServeOptions = {}): Promise<LocalServer> {
  let port: number;
  try {
    port = checkPort(o.port ?? 0);
  } catch (e) {
    return Promise.reject(e);
  }
  let actualPort = port;
  const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req: IncomingMessage, res: ServerResponse) => {
    if ((req.url ?? "").length > MAX_URL_BYTES) {
      return send(res, 414, "text/plain; charset=utf-8", "request target too long\n");
    }
    if (Number(req.headers["content-length"] ?? 0) > 0 || req.headers["transfer-encoding"] !== undefined) {
      res.setHeader("Connection", "close");
      send(res, 413, "text/plain; charset=utf-8", "no request bodies here\n");
      req.socket.destroySoon?.();
      return;
    }
    const host = (req.headers.host ?? "").toLowerCase();
    if (host !== `${HOST}:${actualPort}` && host !== `localhost:${actualPort}`) {
      return send(res, 403, "text/plain; charset=utf-8", "forbidden host\n");
    }
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("Allow", "GET, HEAD");
      return send(res, 405, "text/plain; charset=utf-8", "method not allowed\n");
    }
    const path = (req.url ?? "/").split("?")[0];
    const route = routes.get(path);
    if (route === undefined) return send(res, 404, "text/plain; charset=utf-8", "not found\n");
    send(res, 200, route.type, req.method === "HEAD" ? undefined : route.body, route.body.length);
  });
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.headersTimeout = REQUEST_TIMEOUT_MS;
  return listen(server, HOST, port).then((s) => {
    actualPort = s.port;
    return s;
  });
}

/**
 * Starts `server` listening on host:port (0: a free port) and tracks its connections, so that
 * close() ends open keep-alive sockets too. A taken port or a bad address is a
 * VmprofError("IO"). Shared by the local viewer and the profile server (lib/server/app.ts).
 */
export function listen(server: Server, host: string, port: number): Promise<LocalServer> {
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve, reject) => {
    server.once("error", (e: Error & { code?: string }) => {
      const why = e.code === "EADDRINUSE"
        ? `port ${port} is in use (pick another with --port, or 0 for any)`
        : e.message;
      reject(new VmprofError("IO", `cannot serve on ${host}:${port}: ${why}`));
    });
    server.listen(port, host, () => {
      const addr = server.address();
      const actual = typeof addr === "object" && addr !== null ? addr.port : port;
      const shown = host.includes(":") ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${actual}/`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            for (const s of sockets) s.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string | Uint8Array | undefined,
  length?: number,
) {
  res.statusCode = status;
  for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
  res.setHeader("Content-Type", type);
  const n = length ?? (typeof body === "string" ? new TextEncoder().encode(body).length : body?.length ?? 0);
  res.setHeader("Content-Length", String(n));
  res.end(body);
}
