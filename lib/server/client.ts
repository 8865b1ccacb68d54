// The profile server's client side: POST a log, gzipped, to a server's /api/profiles with a token
// (what `upload` and the `--web-url` run option do); every failure is one line with the HTTP status.

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { gzipSync } from "node:zlib";
import { VmprofError } from "../errors.ts";
import { serverUrl } from "./server-url.ts";

export { serverUrl };

export interface UploadOptions {
  /** The server's address, e.g. http://profiles.example:8080/ */
  url: string;
  token?: string;
  /** The profile's name in the list (default: the log's file name). */
  name?: string;
  /** The profiled program, when known. */
  program?: string;
  timeoutMs?: number;
}

export interface Uploaded {
  id: string;
  /** Where the profile opens in the viewer. */
  url: string;
  samples: number;
}

/** The response of one HTTP request, or a VmprofError("IO") naming the server when it cannot be reached. */
export function httpCall(
  url: URL,
  o: { method: string; headers: Record<string, string>; body?: Uint8Array; timeoutMs?: number },
): Promise<{ status: number; body: string }> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method, headers: o.headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c.length < 4096 ? c : c.slice(0, 4096)));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: text }));
      res.on("error", (e) => reject(new VmprofError("IO", `${url.origin}: the answer was cut short (${e.message})`)));
    });
    req.setTimeout(
      o.timeoutMs ?? 60_000,
      () => req.destroy(new Error(`no answer in ${(o.timeoutMs ?? 60_000) / 1000} s`)),
    );
    req.on("error", (e: Error & { code?: string }) => {
      reject(new VmprofError("IO", `cannot reach ${url.origin} (${e.code ?? e.message})`));
    });
    req.end(o.body);
  });
}

/** Uploads a log (plain or gzipped bytes) to the profile server; a VmprofError("IO") with the status when it is refused. */
export async function uploadLog(log: Uint8Array, o: UploadOptions): Promise<Uploaded> {
  const base = serverUrl(o.url);
  const target = new URL("api/profiles", base.href.endsWith("/") ? base : new URL(base.href + "/"));
  if (o.name) target.searchParams.set("name", o.name);
  if (o.program) target.searchParams.set("program", o.program);
  const gzipped = log.length >= 2 && log[0] === 0x1f && log[1] === 0x8b;
  const body = gzipped ? log : gzipSync(log);
  const headers: Record<string, string> = {
    "Content-Type": "application/octet-stream",
    "Content-Length": String(body.length),
  };
  if (!gzipped) headers["Content-Encoding"] = "gzip";
  if (o.token) headers.Authorization = `Bearer ${o.token}`;
  const r = await httpCall(target, { method: "POST", headers, body, timeoutMs: o.timeoutMs });
  let json: { id?: string; url?: string; samples?: number; error?: string } = {};
  try {
    json = JSON.parse(r.body);
  } catch {
    // not ours, or not JSON: the status says enough
  }
  if (r.status !== 201 || !json.id || !json.url) {
    const why = json.error ?? (r.body.trim().split("\n")[0].slice(0, 200) || "no reason given");
    throw new VmprofError("IO", `${base.origin} refused the upload: HTTP ${r.status} (${why})`);
  }
  return { id: json.id, url: json.url, samples: json.samples ?? 0 };
}
