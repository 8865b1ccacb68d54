// Pushing profiles to Grafana Pyroscope for fleets: a profile as gzipped pprof (lib/export/pprof.ts)
// sent to the server's documented ingest API (POST /ingest, multipart field "profile", the
// application name with its labels, from/until in Unix seconds), one call per profile or window.

import { randomBytes } from "node:crypto";
import { gzipSync } from "node:zlib";
import { VmprofError } from "../errors.ts";
import { encodePprof } from "../export/pprof.ts";
import type { Stats } from "../profile/stats.ts";
import { httpCall } from "./client.ts";
import { serverUrl } from "./server-url.ts";

export { parseLabel } from "./labels.ts";
import type { PushTarget } from "./push-target.ts";
export { defaultLabels, type PushTarget, serviceName } from "./push-target.ts";

/** The ingest API's application name with labels: `service{k=v,...}` (labels sorted). */
export function ingestName(service: string, labels: Record<string, string>): string {
  const pairs = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`);
  return `${service}{${pairs.join(",")}}`;
}

/** The request one push makes: its URL (with the query) and the multipart body. */
export function ingestRequest(
  stats: Stats,
  t: PushTarget,
  fromSec: number,
  untilSec: number,
): { url: URL; headers: Record<string, string>; body: Uint8Array } {
  const base = serverUrl(t.url, "--push");
  const url = new URL(base.href.replace(/\/*$/, "") + "/ingest");
  url.username = "";
  url.password = "";
  const p = stats.profile;
  const rate = p.periodUsec > 0 ? Math.round(1e6 / p.periodUsec) : 100;
  url.searchParams.set("name", ingestName(t.service, t.labels));
  url.searchParams.set("from", String(Math.floor(fromSec)));
  url.searchParams.set("until", String(Math.max(Math.floor(untilSec), Math.floor(fromSec))));
  url.searchParams.set("format", "pprof");
  url.searchParams.set("sampleRate", String(rate));
  url.searchParams.set("spyName", "vmprof-js");
  url.searchParams.set("units", "samples");
  url.searchParams.set("aggregationType", "sum");
  const pprof = gzipSync(encodePprof(stats, { title: t.service }));
  const boundary = `vmprofjs${randomBytes(12).toString("hex")}`;
  const enc = new TextEncoder();
  const head = enc.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="profile"; filename="profile.pprof"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = enc.encode(`\r\n--${boundary}--\r\n`);
  const body = new Uint8Array(head.length + pprof.length + tail.length);
  body.set(head, 0);
  body.set(pprof, head.length);
  body.set(tail, head.length + pprof.length);
  const headers: Record<string, string> = {
    "Content-Type": `multipart/form-data; boundary=${boundary}`,
    "Content-Length": String(body.length),
  };
  if (base.username) {
    const auth = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    headers.Authorization = `Basic ${btoa(auth)}`;
  }
  return { url, headers, body };
}

/** Pushes `stats` (samples from `fromSec` to `untilSec`, Unix seconds); a VmprofError("IO") with the status when refused. */
export async function pushToPyroscope(stats: Stats, t: PushTarget, fromSec: number, untilSec: number): Promise<void> {
  const { url, headers, body } = ingestRequest(stats, t, fromSec, untilSec);
  const r = await httpCall(url, { method: "POST", headers, body, timeoutMs: t.timeoutMs });
  if (r.status < 200 || r.status >= 300) {
    const why = r.body.trim().split("\n")[0].slice(0, 200) || "no reason given";
    throw new VmprofError("IO", `${url.origin} refused the push: HTTP ${r.status} (${why})`);
  }
}
