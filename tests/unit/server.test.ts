// Unit tests of the profile server's parts: the store (schema versions and migration, tokens kept
// as hashes, search, sort, owner-only delete), the upload limits (size, gzip bomb, cut short),
// ingest, the HTTP app's auth rules, the Pyroscope request and windows, and the options.

import assert from "node:assert/strict";
import { request } from "node:http";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DatabaseSync } from "node:sqlite";
import { test } from "../harness.ts";
import { LogWriter } from "../../lib/format/writer.ts";
import { parseLog } from "../../lib/format/reader.ts";
import { VmprofError } from "../../lib/errors.ts";
import { Stats } from "../../lib/profile/stats.ts";
import { defaultDbPath, MIGRATIONS, type NewProfile, ProfileStore, SCHEMA_VERSION } from "../../lib/server/store.ts";
import { bearerToken, checkTokenName, hashToken, TOKEN_PREFIX } from "../../lib/server/tokens.ts";
import { gunzipLimited, HttpError, MiB } from "../../lib/server/limits.ts";
import { cleanText, ingest, programOf } from "../../lib/server/ingest.ts";
import { isLoopback, startProfileServer } from "../../lib/server/app.ts";
import { uploadLog } from "../../lib/server/client.ts";
import { ingestName, ingestRequest, parseLabel, serviceName } from "../../lib/server/pyroscope.ts";
import { newSamples } from "../../lib/server/continuous.ts";
import { parseServeArgs } from "../../lib/commands/serve.ts";
import { parseIni, parseProfileArgs } from "../../lib/commands/profile-args.ts";

const LIMITS = { maxUploadBytes: 1 * MiB, maxUnpackedBytes: 2 * MiB };

/** A whole named log: `n` samples on thread 7 (and `m` on thread 8), a <module> frame in /app/main.ts. */
function logBytes(n = 3, m = 0, complete = true): Uint8Array {
  const w = new LogWriter();
  w.header({ periodUsec: 1000, flags: 0, interpName: "deno" });
  w.meta("runtime", "deno");
  w.meta("runtime_version", "2.9.6");
  w.symbol(0x10000, "js:<module>:1:/app/main.ts");
  w.symbol(0x10002, "js:hot:3:/app/main.ts");
  for (let i = 0; i < n; i++) w.sample([0x10000, 0x10002], 7);
  for (let i = 0; i < m; i++) w.sample([0x10000], 8);
  if (complete) w.trailer(0);
  return w.bytes();
}

function row(name: string, extra: Partial<NewProfile> = {}): NewProfile {
  return {
    name,
    program: "main.ts",
    runtime: "deno",
    runtime_version: "2.9.6",
    started_at: 1,
    duration_s: 1.5,
    samples: 3,
    log_bytes: 10,
    log_gz: gzipSync(logBytes()),
    ...extra,
  };
}

function tempDb() {
  const dir = mkdtempSync(join(tmpdir(), "vmprof-store-"));
  return { path: join(dir, "p.db"), done: () => rmSync(dir, { recursive: true, force: true }) };
}

function call(url: string, o: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {}) {
  return new Promise<{ status: number; json: Record<string, unknown>; headers: Record<string, unknown> }>(
    (resolve, reject) => {
      const req = request(url, { method: o.method ?? "GET", headers: o.headers }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => {
          let json = {};
          try {
            json = JSON.parse(text);
          } catch { /* not JSON */ }
          resolve({ status: res.statusCode ?? 0, json, headers: res.headers as Record<string, unknown> });
        });
      });
      req.on("error", reject);
      req.end(o.body);
    },
  );
}

test("store: a new file is created at the current schema version; the default path is under the data folder", () => {
  const db = tempDb();
  try {
    const s = new ProfileStore(db.path);
    assert.equal(s.version(), SCHEMA_VERSION);
    assert.equal(SCHEMA_VERSION, MIGRATIONS.length);
    s.close();
  } finally {
    db.done();
  }
  assert.equal(defaultDbPath({ XDG_DATA_HOME: "/d", HOME: "/h" }), "/d/vmprof-js/profiles.db");
  assert.equal(defaultDbPath({ HOME: "/h" }), "/h/.local/share/vmprof-js/profiles.db");
});

test("store: a version-1 file is migrated forward with its rows; a newer one is refused", () => {
  const db = tempDb();
  try {
    const raw = new DatabaseSync(db.path);
    raw.exec(MIGRATIONS[0]);
    raw.exec("PRAGMA user_version = 1");
    raw.prepare(
      "INSERT INTO profiles (id, name, program, runtime, created_at, duration_s, samples, log_bytes, log_gz) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
      .run("00000000000000aa", "old", "a.ts", "bun", 5, 1, 2, 3, new Uint8Array([1]));
    raw.close();
    const s = new ProfileStore(db.path);
    assert.equal(s.version(), SCHEMA_VERSION);
    const p = s.getProfile("00000000000000aa");
    assert.equal(p?.name, "old");
    assert.equal(p?.runtime_version, "", "the column added by migration 2 has its default");
    s.close();
    const newer = new DatabaseSync(db.path);
    newer.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    assert.throws(
      () => new ProfileStore(db.path),
      (e: unknown) => e instanceof VmprofError && /newer than this vmprof-js knows/.test(e.message),
    );
  } finally {
    db.done();
  }
});

test("tokens: printed once, stored only as a hash; unknown, revoked and duplicate names", () => {
  const db = tempDb();
  try {
    const s = new ProfileStore(db.path);
    const token = s.createToken("alice");
    assert.ok(token.startsWith(TOKEN_PREFIX) && token.length > 40);
    assert.deepEqual(s.checkToken(token), { id: 1, name: "alice" });
    assert.equal(s.checkToken(token + "x"), undefined);
    assert.throws(() => s.createToken("alice"), /exists already/);
    assert.throws(() => s.createToken("bad name"), /a token name is/);
    s.revokeToken("alice");
    assert.equal(s.checkToken(token), undefined, "a revoked token no longer works");
    assert.throws(() => s.revokeToken("alice"), /revoked already/);
    assert.throws(() => s.revokeToken("nobody"), /no token named "nobody"/);
    assert.equal(s.listTokens()[0].revoked_at !== null, true);
    s.close();
    const file = readFileSync(db.path).toString("latin1") + (() => {
      try {
        return readFileSync(db.path + "-wal").toString("latin1");
      } catch {
        return "";
      }
    })();
    assert.ok(!file.includes(token), "the token itself is nowhere in the store");
    assert.ok(file.includes(hashToken(token)), "its hash is");
  } finally {
    db.done();
  }
  assert.equal(bearerToken("Bearer abc"), "abc");
  assert.equal(bearerToken("Basic abc"), undefined);
  assert.equal(checkTokenName("ci-bot@team"), "ci-bot@team");
});

test("store: search words, LIKE wildcards taken literally, whitelisted sort, owner-only delete", () => {
  const s = new ProfileStore(":memory:");
  s.createToken("a");
  s.createToken("b");
  const a = { id: 1, name: "a" }, b = { id: 2, name: "b" };
  const one = s.addProfile(row("parser run", { samples: 10 }), a, 1000);
  const two = s.addProfile(row("100% cpu", { program: "minify.ts", samples: 5 }), b, 2000);
  s.addProfile(row("anon", { runtime: "bun", samples: 7 }), undefined, 3000);
  assert.equal(s.listProfiles().profiles[0].name, "anon", "newest first by default");
  assert.deepEqual(s.listProfiles({ q: "parser" }).profiles.map((p) => p.id), [one]);
  assert.deepEqual(s.listProfiles({ q: "100%" }).profiles.map((p) => p.id), [two]);
  assert.equal(s.listProfiles({ q: "%" }).total, 1, "% matches only a literal %");
  assert.equal(s.listProfiles({ q: "bun anon" }).total, 1, "every word must match");
  assert.deepEqual(s.listProfiles({ sort: "samples" }).profiles.map((p) => p.samples), [5, 7, 10]);
  assert.deepEqual(s.listProfiles({ sort: "samples", desc: true }).profiles.map((p) => p.samples), [10, 7, 5]);
  // A sort that is not a column is the default; a quote in a search is just a character.
  assert.equal(s.listProfiles({ sort: "name; DROP TABLE profiles" as never }).total, 3);
  assert.equal(s.listProfiles({ q: "' OR 1=1 --" }).total, 0);
  assert.equal(s.deleteProfile(one, b.id), "not-owner");
  assert.equal(s.deleteProfile(one, a.id), "deleted");
  assert.equal(s.deleteProfile(one, a.id), "missing");
  assert.equal(s.countProfiles(), 2);
  s.close();
});

test("limits: a gzip bomb stops at the limit (413); cut-short or damaged gzip is 400", () => {
  const bomb = gzipSync(new Uint8Array(64 * MiB));
  assert.ok(bomb.length < 100_000);
  assert.throws(() => gunzipLimited(bomb, 2 * MiB), (e: unknown) => e instanceof HttpError && e.status === 413);
  const gz = gzipSync(logBytes(50));
  assert.throws(
    () => gunzipLimited(gz.subarray(0, gz.length - 8), MiB),
    (e: unknown) => e instanceof HttpError && e.status === 400,
  );
  const bad = gz.slice();
  bad[12] ^= 0xff;
  assert.throws(() => gunzipLimited(bad, MiB), (e: unknown) => e instanceof HttpError && e.status === 400);
});

test("ingest: a whole log becomes a row; cut short, garbage or empty is 400; the body is stored as sent when it is the gzipped log", () => {
  const log = logBytes(4);
  const gz = gzipSync(log);
  const r = ingest(gz, true, { name: "x\u0000y", program: "" }, LIMITS);
  assert.equal(r.name, "xy", "control characters dropped");
  assert.equal(r.program, "main.ts", "from the <module> frame");
  assert.equal(r.runtime, "deno");
  assert.equal(r.runtime_version, "2.9.6");
  assert.equal(r.samples, 4);
  assert.equal(r.log_gz, gz);
  assert.equal(ingest(log, false, {}, LIMITS).name, "profile");
  assert.equal(ingest(gz, false, {}, LIMITS).samples, 4, "a .log.gz sent as is");
  const status = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return e instanceof HttpError ? e.status : -1;
    }
    return 0;
  };
  assert.equal(status(() => ingest(logBytes(4, 0, false), false, {}, LIMITS)), 400, "no trailer");
  assert.equal(status(() => ingest(log.subarray(0, log.length - 5), false, {}, LIMITS)), 400, "cut short");
  assert.equal(status(() => ingest(new TextEncoder().encode("hello world, not a log"), false, {}, LIMITS)), 400);
  assert.equal(status(() => ingest(new Uint8Array(0), false, {}, LIMITS)), 400);
  assert.equal(
    status(() => ingest(new Uint8Array(3 * MiB), false, {}, LIMITS)),
    413,
    "plain but past the unpacked limit",
  );
  assert.equal(cleanText("a".repeat(500)).length, 200);
  assert.equal(programOf(parseLog(log)), "main.ts");
});

test("app: uploads need a live token (or --allow-anonymous), listing too; delete is the owner's; limits answer 4xx", async () => {
  const s = new ProfileStore(":memory:");
  const alice = s.createToken("alice");
  const bob = s.createToken("bob");
  const server = await startProfileServer(s, { host: "127.0.0.1", port: 0, limits: LIMITS });
  try {
    const up = (
      token: string | undefined,
      body: Uint8Array,
      headers: Record<string, string> = { "Content-Encoding": "gzip" },
    ) =>
      call(`${server.url}api/profiles?name=n`, {
        method: "POST",
        body,
        headers: { ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
      });
    const gz = gzipSync(logBytes(5));
    assert.equal((await up(undefined, gz)).status, 401);
    assert.equal((await up("vmpjs_wrong", gz)).status, 401);
    const ok = await up(alice, gz);
    assert.equal(ok.status, 201);
    const id = String(ok.json.id);
    assert.match(String(ok.json.url), new RegExp(`^${server.url}p/${id}/$`));
    assert.equal((await up(alice, gzipSync(new Uint8Array(64 * MiB)))).status, 413, "gzip bomb");
    assert.equal((await up(alice, new Uint8Array(2 * MiB), {})).status, 413, "oversize");
    assert.equal((await up(alice, gz.subarray(0, gz.length - 10))).status, 400, "truncated");
    assert.equal((await up(alice, new Uint8Array([1, 2, 3]), {})).status, 400, "corrupt");
    assert.equal(s.countProfiles(), 1, "nothing stored by the refused ones");
    assert.equal((await call(`${server.url}api/profiles`)).status, 401, "listing needs a token");
    const list = await call(`${server.url}api/profiles`, { headers: { Authorization: `Bearer ${bob}` } });
    assert.equal(list.status, 200);
    assert.equal(list.json.total, 1);
    assert.equal((list.json.profiles as { mine: boolean }[])[0].mine, false);
    assert.equal((await call(`${server.url}p/${id}/data/0.bin`)).status, 401);
    assert.equal(
      (await call(`${server.url}p/${id}/data/0.bin`, { headers: { Authorization: `Bearer ${bob}` } })).status,
      200,
    );
    assert.equal((await call(`${server.url}p/${id}/`)).status, 200, "the viewer's own files are public");
    assert.equal(
      (await call(`${server.url}api/profiles/${id}`, { method: "DELETE", headers: { Authorization: `Bearer ${bob}` } }))
        .status,
      403,
    );
    assert.equal((await call(`${server.url}api/profiles/${id}`, { method: "DELETE" })).status, 401);
    // A cookie-borne delete from another site's page is refused.
    const cross = await call(`${server.url}api/profiles/${id}`, {
      method: "DELETE",
      headers: { Cookie: `vmprof_token=${alice}`, Origin: "http://evil.example" },
    });
    assert.equal(cross.status, 403);
    assert.equal(
      (await call(`${server.url}api/profiles/${id}`, {
        method: "DELETE",
        headers: { Authorization: `Bearer ${alice}` },
      })).status,
      200,
    );
    assert.equal(s.countProfiles(), 0);
    assert.equal((await call(`${server.url}api/profiles/../../etc/passwd`)).status, 404);
    assert.equal((await call(server.url, { headers: { Host: "evil.example" } })).status, 403, "DNS rebinding");
    const login = await call(`${server.url}api/session`, {
      method: "POST",
      body: new TextEncoder().encode(JSON.stringify({ token: alice })),
    });
    assert.equal(login.status, 200);
    assert.match(String(login.headers["set-cookie"]), /vmprof_token=.*HttpOnly; SameSite=Strict/);
    // The client: a refusal is one line with the status.
    await assert.rejects(
      uploadLog(logBytes(2), { url: server.url, token: "nope" }),
      /refused the upload: HTTP 401 \(unknown or revoked token\)/,
    );
    const r = await uploadLog(logBytes(2), { url: server.url, token: alice, name: "<b>x</b>" });
    assert.equal(r.samples, 2);
  } finally {
    await server.close();
    s.close();
  }
  const anon = new ProfileStore(":memory:");
  const open = await startProfileServer(anon, { host: "127.0.0.1", port: 0, anonymous: true, limits: LIMITS });
  try {
    const r = await uploadLog(logBytes(2), { url: open.url });
    const list = await call(`${open.url}api/profiles`);
    assert.equal(list.status, 200);
    assert.equal((list.json.profiles as { id: string; uploader: null }[])[0].id, r.id);
    assert.equal((list.json.profiles as { uploader: null }[])[0].uploader, null);
  } finally {
    await open.close();
    anon.close();
  }
  assert.ok(isLoopback("127.0.0.1") && isLoopback("::1") && !isLoopback("0.0.0.0"));
});

test("pyroscope: the ingest request (name with labels, times, pprof in the multipart field) and windows of new samples", () => {
  assert.deepEqual(parseLabel("env=prod"), ["env", "prod"]);
  assert.throws(() => parseLabel("env"), /--label expects NAME=VALUE/);
  assert.throws(() => parseLabel("bad-name=x"), /--label expects/);
  assert.throws(() => parseLabel("k=a,b"), /--label expects/);
  assert.equal(ingestName("svc", { runtime: "bun", env: "p" }), "svc{env=p,runtime=bun}");
  assert.equal(serviceName("/srv/app/main.server.ts"), "main.server");
  const stats = new Stats(parseLog(logBytes(3)));
  const r = ingestRequest(
    stats,
    { url: "http://u:p%40ss@pyro:4040/base/", service: "svc", labels: { runtime: "deno" } },
    100.7,
    110.2,
  );
  assert.equal(r.url.origin + r.url.pathname, "http://pyro:4040/base/ingest");
  assert.equal(r.url.searchParams.get("name"), "svc{runtime=deno}");
  assert.equal(r.url.searchParams.get("from"), "100");
  assert.equal(r.url.searchParams.get("until"), "110");
  assert.equal(r.url.searchParams.get("format"), "pprof");
  assert.equal(r.url.searchParams.get("sampleRate"), "1000");
  assert.equal(r.headers.Authorization, `Basic ${btoa("u:p@ss")}`);
  const boundary = /boundary=(\S+)/.exec(r.headers["Content-Type"])![1];
  const text = new TextDecoder("latin1").decode(r.body);
  assert.ok(
    text.startsWith(`--${boundary}\r\nContent-Disposition: form-data; name="profile"; filename="profile.pprof"`),
  );
  assert.ok(text.endsWith(`\r\n--${boundary}--\r\n`));
  assert.equal(Number(r.headers["Content-Length"]), r.body.length);
  // Windows: thread 7's first 3 samples were pushed; thread 8 shows up later and is all new.
  const later = parseLog(logBytes(5, 2));
  const w = newSamples(later, new Map([[7, 3]]));
  assert.equal(w.n, 4);
  assert.deepEqual([...w.counts], [[7, 5], [8, 2]]);
  assert.equal(newSamples(later, w.counts).n, 0);
});

test("options: serve's, and the run's --web-url/--web-auth/--push/--every/--label, on the command line and in --config", () => {
  const s = parseServeArgs(["--port", "0", "--db", "/x.db", "--max-upload-mb", "2"], { HOME: "/h" });
  assert.equal(s.port, 0);
  assert.equal(s.db, "/x.db");
  assert.equal(s.limits.maxUploadBytes, 2 * MiB);
  assert.equal(s.host, "127.0.0.1");
  assert.equal(s.anonymous, false);
  assert.equal(parseServeArgs(["--allow-anonymous"], { HOME: "/h" }).db, "/h/.local/share/vmprof-js/profiles.db");
  assert.throws(() => parseServeArgs(["--max-upload-mb", "0"]), /--max-upload-mb must be more than 0/);
  const a = parseProfileArgs([
    "--web-url",
    "http://s:1/",
    "--web-auth",
    "T",
    "--push",
    "http://p:4040",
    "--every",
    "5",
    "--label",
    "env=a,team=b",
    "--label",
    "x=y",
    "app.ts",
  ]);
  assert.equal(a.command, "profile");
  if (a.command !== "profile") return;
  assert.equal(a.webUrl, "http://s:1/");
  assert.equal(a.webAuth, "T");
  assert.equal(a.every, 5);
  assert.deepEqual(a.labels, [["env", "a"], ["team", "b"], ["x", "y"]]);
  assert.throws(
    () => parseProfileArgs(["--web-url", "ftp://x", "a.ts"]),
    /--web-url must be an http:\/\/ or https:\/\/ URL/,
  );
  assert.throws(() => parseProfileArgs(["--every", "5", "a.ts"]), /--every goes with --push/);
  assert.throws(
    () => parseProfileArgs(["--push", "http://p", "--every", "0.1", "a.ts"]),
    /--every must be 1 \.\. 86400/,
  );
  assert.throws(() => parseProfileArgs(["--web-auth", "T", "a.ts"]), /--web-auth goes with --web-url/);
  const ini = "web_url = http://s:2/\nweb-auth = TOK\npush = http://p:4040\nevery = 3\nlabel = env=ci\n";
  const c = parseProfileArgs(["--config", "x.ini", "app.ts"], () => ini);
  if (c.command !== "profile") throw new Error("not a profile");
  assert.equal(c.webUrl, "http://s:2/");
  assert.equal(c.webAuth, "TOK");
  assert.equal(c.every, 3);
  assert.deepEqual(c.labels, [["env", "ci"]]);
  assert.deepEqual(parseIni("web-url = http://a/\n", "f"), { "web-url": "http://a/" });
});

test("parsing the run's options loads no HTTP client or server (node:http costs every run ~30 ms on Deno)", () => {
  const seen = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    assert.ok(!/from "node:https?"/.test(text), `${file} imports node:http`);
    for (const m of text.matchAll(/^import [^;]*? from "(\.{1,2}\/[^"]+)";/gm)) {
      if (/^import type /.test(m[0])) continue;
      walk(join(file, "..", m[1]));
    }
  };
  walk(new URL("../../lib/commands/profile-args.ts", import.meta.url).pathname);
  assert.ok([...seen].some((f) => f.endsWith("server-url.ts")) && [...seen].some((f) => f.endsWith("labels.ts")));
});
