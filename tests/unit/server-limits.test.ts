// Unit tests of the local viewer's server against hostile requests: no path reaches a file,
// oversized targets and headers are refused, request bodies are refused unread, loopback only.
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "../harness.ts";
import { HOST, MAX_URL_BYTES, serveLocal } from "../../lib/server/local.ts";
import { webRoutes } from "../../lib/server/viewer.ts";
import { parseLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";

/** Sends raw bytes to the server and resolves to the status line and everything it answered. */
function raw(port: number, text: string | Uint8Array): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, HOST);
    let got = "";
    s.setEncoding("utf8");
    s.on("data", (d: string) => (got += d));
    s.on(
      "error",
      (e: Error & { code?: string }) => (e.code === "ECONNRESET" || e.code === "EPIPE" ? s.destroy() : reject(e)),
    );
    s.on("close", () => resolve({ status: Number(/^HTTP\/1\.1 (\d+)/.exec(got)?.[1] ?? 0), text: got }));
    s.write(text, () => s.end());
    setTimeout(() => s.destroy(), 5000);
  });
}

function profile() {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags: 0, interpName: "deno" });
  w.symbol(0x10, "js:main:1:/app/main.ts");
  w.sample([0x10], 1);
  w.trailer(0);
  return parseLog(w.bytes());
}

test("the viewer's server: no path traversal, only its own routes", async () => {
  const s = await serveLocal(webRoutes([{ label: "x", profile: profile() }]));
  try {
    const host = `Host: ${HOST}:${s.port}\r\n`;
    for (
      const path of [
        "/../../../../etc/passwd",
        "/..%2f..%2f..%2fetc%2fpasswd",
        "//etc/passwd",
        "/data/../../package.json",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/data/0.bin/../../cli.ts",
        "/index.html%00.js",
        "/lib/view/web/app.js",
      ]
    ) {
      const r = await raw(s.port, `GET ${path} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
      assert.equal(r.status, 404, `${path} → 404`);
      assert.doesNotMatch(r.text, /root:|"name": "vmprof-js"|import/, `${path}: nothing from disk`);
    }
    const ok = await raw(s.port, `GET /app.js HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
    assert.equal(ok.status, 200, "its own files are served");
  } finally {
    await s.close();
  }
});

test("the viewer's server: oversized targets and headers, and request bodies, are refused", async () => {
  const s = await serveLocal(new Map([["/", { type: "text/plain", body: new TextEncoder().encode("hi") }]]));
  try {
    const host = `Host: ${HOST}:${s.port}\r\n`;
    const long = await raw(
      s.port,
      `GET /${"a".repeat(MAX_URL_BYTES + 10)} HTTP/1.1\r\n${host}Connection: close\r\n\r\n`,
    );
    assert.equal(long.status, 414, "a 2 kB+ target → 414");
    const headers = await raw(
      s.port,
      `GET / HTTP/1.1\r\n${host}X-Big: ${"b".repeat(64 * 1024)}\r\nConnection: close\r\n\r\n`,
    );
    assert.ok(
      headers.status === 431 || headers.status === 400 || headers.status === 0,
      `64 kB of headers refused (${headers.status})`,
    );
    assert.notEqual(headers.status, 200);
    const body = await raw(s.port, `GET / HTTP/1.1\r\n${host}Content-Length: 100000000\r\n\r\n${"x".repeat(1000)}`);
    assert.equal(body.status, 413, "a request with a body → 413, the body not read");
    const chunked = await raw(
      s.port,
      `GET / HTTP/1.1\r\n${host}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`,
    );
    assert.equal(chunked.status, 413, "a chunked body → 413");
    const post = await raw(s.port, `POST / HTTP/1.1\r\n${host}Content-Length: 3\r\n\r\nabc`);
    assert.ok(post.status === 413 || post.status === 405, `POST refused (${post.status})`);
    const fine = await raw(s.port, `GET / HTTP/1.1\r\n${host}Connection: close\r\n\r\n`);
    assert.equal(fine.status, 200, "and a plain GET still works");
  } finally {
    await s.close();
  }
});

test("the viewer's server listens on the loopback address only", async () => {
  const s = await serveLocal(new Map());
  try {
    assert.equal(HOST, "127.0.0.1");
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:/);
  } finally {
    await s.close();
  }
});
