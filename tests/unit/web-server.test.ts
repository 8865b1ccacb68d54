// Unit tests of the web viewer's server side: the 127.0.0.1 server (routes, Host check, headers), the page's routes, `view` and `--web` options.

import assert from "node:assert/strict";
import { request } from "node:http";
import { test } from "../harness.ts";
import { parseLog } from "../../lib/format/reader.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { VmprofError } from "../../lib/errors.ts";
import { serveLocal } from "../../lib/server/local.ts";
import { checkPort } from "../../lib/server/port.ts";
import { parseViewArgs } from "../../lib/commands/view.ts";
import { openBrowser, startViewer, webRoutes } from "../../lib/server/viewer.ts";
import { parseIni, parseProfileArgs } from "../../lib/commands/profile-args.ts";

function get(url: string, headers: Record<string, string> = {}, method = "GET") {
  return new Promise<{ status: number; headers: Record<string, unknown>; body: Uint8Array }>((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Uint8Array[] = [];
      res.on("data", (c: Uint8Array) => chunks.push(c));
      res.on("end", () => {
        const n = chunks.reduce((a, c) => a + c.length, 0);
        const body = new Uint8Array(n);
        let o = 0;
        for (const c of chunks) {
          body.set(c, o);
          o += c.length;
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers as Record<string, unknown>, body });
      });
    });
    req.on("error", reject);
    req.end();
  });
}

function tinyProfile() {
  const w = new LogWriter();
  w.header({ periodUsec: 990, flags: 0, interpName: "deno" });
  w.symbol(0x10, "js:main:1:/app/<main>.ts");
  w.sample([0x10], 1);
  w.trailer(0);
  return parseLog(w.bytes());
}

test("serveLocal: 127.0.0.1 on a free port, routes, 404, 405, foreign Host refused, headers", async () => {
  const body = new TextEncoder().encode("hello");
  const s = await serveLocal(new Map([["/", { type: "text/plain", body }]]));
  try {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    assert.ok(s.port > 0);
    const ok = await get(s.url);
    assert.equal(ok.status, 200);
    assert.equal(new TextDecoder().decode(ok.body), "hello");
    assert.match(String(ok.headers["content-security-policy"]), /default-src 'none'; script-src 'self'/);
    assert.equal(ok.headers["x-content-type-options"], "nosniff");
    assert.equal((await get(`${s.url}nope`)).status, 404);
    assert.equal((await get(s.url, {}, "POST")).status, 405);
    assert.equal((await get(s.url, { Host: "attacker.example" })).status, 403, "DNS rebinding");
    assert.equal((await get(s.url, { Host: `localhost:${s.port}` })).status, 200);
    const head = await get(s.url, {}, "HEAD");
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
  } finally {
    await s.close();
  }
});

test("serveLocal: a taken port is one clear IO error; bad ports are BAD_OPTION", async () => {
  const a = await serveLocal(new Map());
  try {
    await assert.rejects(
      serveLocal(new Map(), { port: a.port }),
      (e: unknown) => e instanceof VmprofError && e.code === "IO" && /port \d+ is in use/.test(e.message),
    );
  } finally {
    await a.close();
  }
  assert.throws(() => checkPort(70000), /--port must be a whole number in 0\.\.65535, got 70000/);
  assert.throws(() => checkPort(1.5), /got 1\.5/);
  assert.equal(checkPort(0), 0);
});

test("webRoutes: the page's files, the payloads and their list", () => {
  const routes = webRoutes([{ label: "a.log", profile: tinyProfile() }, { label: "b.log", profile: tinyProfile() }]);
  for (
    const p of [
      "/",
      "/index.html",
      "/app.js",
      "/model.js",
      "/flame.js",
      "/timeline.js",
      "/style.css",
      "/data/0.bin",
      "/data/1.bin",
    ]
  ) {
    assert.ok(routes.has(p), p);
  }
  assert.match(routes.get("/app.js")!.type, /^text\/javascript/);
  const list = JSON.parse(new TextDecoder().decode(routes.get("/data/index.json")!.body));
  assert.deepEqual(list, { profiles: [{ label: "a.log", url: "data/0.bin" }, { label: "b.log", url: "data/1.bin" }] });
  const html = new TextDecoder().decode(routes.get("/")!.body);
  assert.doesNotMatch(html, /<script>|https?:\/\//, "no inline script, nothing remote");
});

test("startViewer: the page and the payload over HTTP", async () => {
  const s = await startViewer([{ label: "t.log", profile: tinyProfile() }], 0);
  try {
    const page = await get(s.url);
    assert.match(new TextDecoder().decode(page.body), /<canvas id="flame">/);
    const data = await get(`${s.url}data/0.bin`);
    assert.equal(new TextDecoder().decode(data.body.subarray(0, 4)), "VMPW");
  } finally {
    await s.close();
  }
});

test("view and --web options", () => {
  assert.deepEqual(parseViewArgs(["a.log"]), { logs: ["a.log"], port: 0, open: true });
  assert.deepEqual(parseViewArgs(["a.log", "b.log", "--port", "9000", "--no-open"]), {
    logs: ["a.log", "b.log"],
    port: 9000,
    open: false,
  });
  assert.throws(() => parseViewArgs([]), /view: which log\?/);
  assert.throws(() => parseViewArgs(["a", "b", "c"]), /unexpected argument "c"/);
  assert.throws(() => parseViewArgs(["a", "--port", "x"]), /--port expects a number, got "x"/);
  const a = parseProfileArgs(["--web", "app.ts"]);
  assert.ok(a.command === "profile" && a.web && a.open && a.port === 0);
  assert.deepEqual(parseIni("web = yes\nport = 8080\nno_open = true\n", "c.ini"), {
    web: true,
    port: "8080",
    "no-open": true,
  });
  assert.throws(() => parseProfileArgs(["--web", "--port", "70000", "app.ts"]), /--port must be/);
});

test("openBrowser: nothing to open with, nothing happens", () => {
  assert.equal(openBrowser("http://127.0.0.1:1/", { PATH: "/nonexistent" }), false);
});
