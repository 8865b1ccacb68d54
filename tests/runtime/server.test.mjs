// The profile server end to end, on Deno and on Bun: a real `cli.ts serve` on a free loopback port
// with its own SQLite file; uploads with a token, without, with a wrong and a revoked one; oversize,
// truncated and corrupt bodies and a gzip bomb (4xx, nothing stored); 20 concurrent uploads; list,
// open, diff and delete in headless Chromium; SIGKILL mid-upload and a restart on the same file;
// --web-url against a stopped server; Pyroscope pushes (one, and --every) decoded by go tool pprof.
import t from "tap";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { createServer } from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { CLI, cli, ROOT, run, runArgs, start, tempDir, waitForOutput } from "../helpers.mjs";

t.setTimeout(100_000); // the file takes ~33 s on 2 cores (both runtimes, Chromium, a 4 s continuous run each)

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const RUNTIMES = (process.env.SERVER_RUNTIMES ?? "deno,bun").split(",");
const FIB = join(ROOT, "examples/fib.ts");
const BUSY = join(ROOT, "tests/fixtures/busy.ts");
const hasGo = (await run("go", ["version"]).catch(() => ({ status: null }))).status === 0;
let chromium;
try {
  if (existsSync(CHROMIUM)) ({ chromium } = await import("playwright-core"));
} catch {
  chromium = undefined;
}

/** One HTTP request from this process: resolves to { status, json, text }. */
function call(url, { method = "GET", headers = {}, body } = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => {
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          json = undefined;
        }
        resolve({ status: res.statusCode, json, text });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

const auth = (token) => (token ? { Authorization: `Bearer ${token}` } : {});
const upload = (url, token, body, headers = { "Content-Encoding": "gzip" }, name = "raw") =>
  call(`${url}api/profiles?name=${encodeURIComponent(name)}`, {
    method: "POST",
    body,
    headers: { ...headers, ...auth(token) },
  });
const count = async (url, token) => (await call(`${url}api/profiles?limit=5000`, { headers: auth(token) })).json.total;

/** `cli.ts serve` on a free port over `db`; resolves once it prints its URL. Killed when `t` ends. */
async function serve(t, runtime, db, extra = []) {
  const [cmd, argv] = runArgs(runtime, CLI, [
    "serve",
    "--port",
    "0",
    "--db",
    db,
    "--max-upload-mb",
    "1",
    "--max-unpacked-mb",
    "8",
    ...extra,
  ]);
  const proc = start(cmd, argv, { t, timeout: 120_000 });
  const m = await waitForOutput(proc, "stderr", /at (http:\/\/127\.0\.0\.1:\d+\/)/, 30_000);
  return { url: m[1], proc };
}

/** A loopback stand-in for Pyroscope's POST /ingest: records each request (query, headers, body). */
async function pyroscopeReceiver(t) {
  const requests = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      requests.push({
        method: req.method,
        url: new URL(req.url, "http://x"),
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.end("");
    });
  });
  await new Promise((done) => server.listen(0, "127.0.0.1", done));
  t.teardown(() => new Promise((done) => server.close(done)));
  return { url: `http://127.0.0.1:${server.address().port}`, requests };
}

/** Checks one ingest request against the documented contract; writes its pprof to `file`; returns the query. */
function checkIngest(t, r, file) {
  t.equal(r.method, "POST");
  t.equal(r.url.pathname, "/ingest");
  for (const k of ["from", "until"]) t.match(r.url.searchParams.get(k), /^\d{10}$/, `${k} is Unix seconds`);
  t.ok(Number(r.url.searchParams.get("until")) >= Number(r.url.searchParams.get("from")), "until >= from");
  t.equal(r.url.searchParams.get("format"), "pprof");
  const boundary = /^multipart\/form-data; boundary=(\S+)$/.exec(r.headers["content-type"])?.[1];
  t.ok(boundary, "multipart/form-data");
  const text = r.body.toString("latin1");
  const head = text.indexOf("\r\n\r\n");
  t.match(text.slice(0, head), /Content-Disposition: form-data; name="profile"; filename="profile.pprof"/);
  const end = text.lastIndexOf(`\r\n--${boundary}--`);
  const pprof = r.body.subarray(head + 4, end);
  t.equal(pprof[0], 0x1f, "the profile field is gzipped pprof");
  writeFileSync(file, pprof);
  return r.url.searchParams;
}

/** The sample count and top of a pprof file, by go tool pprof. */
async function pprofTop(file) {
  const r = await run("go", ["tool", "pprof", "-sample_index=samples", "-top", file], { timeout: 60_000 });
  const total = /of (\d+) total/.exec(r.stdout)?.[1];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, total: total === undefined ? 0 : Number(total) };
}

const browser = chromium
  ? await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  })
  : undefined;
if (browser) t.teardown(() => browser.close());

for (const runtime of RUNTIMES) {
  t.test(`${runtime}: serve, upload, limits, browser, crash, --web-url, Pyroscope`, async (t) => {
    const outer = t;
    const dir = tempDir();
    const db = join(dir, "profiles.db");
    const log = join(dir, "fib.log");
    const made = await cli(runtime, ["-o", log, FIB, "25"]);
    t.equal(made.status, 0, "a log to upload", { stderr: made.stderr });
    const logBytes = readFileSync(log);

    const token = async (name) => {
      const r = await cli(runtime, ["serve", "token", "create", name, "--db", db]);
      t.equal(r.status, 0, `token ${name} created`, { stderr: r.stderr });
      return r.stdout.trim();
    };
    const alice = await token("alice");
    const bob = await token("bob");
    const carol = await token("carol");
    t.match(alice, /^vmpjs_[A-Za-z0-9_-]{43}$/);
    const revoked = await cli(runtime, ["serve", "token", "revoke", "carol", "--db", db]);
    t.equal(revoked.status, 0);
    const listed = await cli(runtime, ["serve", "token", "list", "--db", db]);
    t.match(listed.stdout, /alice\tcreated .*\tactive\n/);
    t.match(listed.stdout, /carol\tcreated .*\trevoked /);
    t.notMatch(listed.stdout, new RegExp(alice), "token list never shows a token");

    let { url, proc } = await serve(t, runtime, db);

    await t.test("upload with a token, without, with a wrong and a revoked one", async (t) => {
      const ok = await cli(runtime, [
        "upload",
        log,
        "--web-url",
        url,
        "--web-auth",
        alice,
        "--name",
        "<img src=x onerror=window.__x=1>",
      ]);
      t.equal(ok.status, 0, "uploaded", { stderr: ok.stderr });
      t.match(ok.stdout, new RegExp(`^${url}p/[0-9a-f]{16}/\\n$`), "prints the profile's URL");
      for (
        const [what, tok, why] of [["no token", undefined, /uploads need a token/], [
          "a wrong token",
          "vmpjs_nope",
          /unknown or revoked token/,
        ], ["a revoked token", carol, /unknown or revoked token/]]
      ) {
        const r = await cli(runtime, ["upload", log, "--web-url", url, ...(tok ? ["--web-auth", tok] : [])]);
        t.equal(r.status, 74, `${what}: refused`);
        t.match(r.stderr, /refused the upload: HTTP 401/, `${what}: says the status`);
        t.match(r.stderr, why);
        t.match(r.stderr, new RegExp(`the log is still at ${log}`));
        t.equal(r.stderr.trim().split("\n").length, 1, `${what}: one line`);
      }
      t.equal(await count(url, alice), 1, "only the one with a token is stored");
    });

    await t.test("oversize, truncated and corrupt bodies and a gzip bomb: 4xx, nothing stored", async (t) => {
      const before = await count(url, alice);
      const gz = gzipSync(logBytes);
      t.equal((await upload(url, alice, Buffer.alloc(2 << 20, 7), {})).status, 413, "oversize");
      t.equal(
        (await upload(url, alice, gzipSync(Buffer.alloc(64 << 20)))).status,
        413,
        "gzip bomb: 64 MiB of zeros in ~64 kB",
      );
      t.equal((await upload(url, alice, gz.subarray(0, gz.length >> 1))).status, 400, "truncated gzip");
      t.equal(
        (await upload(url, alice, logBytes.subarray(0, logBytes.length - 20), {})).status,
        400,
        "a log cut before its trailer",
      );
      const bad = Buffer.from(gz);
      bad.fill(0x55, 20, 200);
      t.equal((await upload(url, alice, bad)).status, 400, "corrupt gzip");
      t.equal((await upload(url, alice, Buffer.from("not a profile at all"), {})).status, 400, "not a log");
      // A body cut short: Content-Length promises more than arrives, then the client goes.
      const port = Number(new URL(url).port);
      await new Promise((done) => {
        const s = connect(port, "127.0.0.1", () => {
          s.write(
            `POST /api/profiles HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${alice}\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
          );
          s.write(gz.subarray(0, gz.length >> 1), () => setTimeout(() => s.destroy(), 200));
        });
        s.on("close", done);
        s.on("error", done);
      });
      t.equal(await count(url, alice), before, "nothing stored");
    });

    await t.test("20 concurrent uploads are all stored", async (t) => {
      const before = await count(url, alice);
      const gz = gzipSync(logBytes);
      const rs = await Promise.all(
        Array.from({ length: 20 }, (_, i) => upload(url, i % 2 ? alice : bob, gz, undefined, `concurrent-${i}`)),
      );
      t.same(rs.map((r) => r.status), Array(20).fill(201));
      t.equal(new Set(rs.map((r) => r.json.id)).size, 20, "20 ids");
      t.equal(await count(url, alice), before + 20);
      const found = await call(`${url}api/profiles?q=concurrent-1&sort=name`, { headers: auth(bob) });
      t.same(found.json.profiles.map((p) => p.name), [
        "concurrent-1",
        "concurrent-10",
        "concurrent-11",
        "concurrent-12",
        "concurrent-13",
        "concurrent-14",
        "concurrent-15",
        "concurrent-16",
        "concurrent-17",
        "concurrent-18",
        "concurrent-19",
      ], "search and sort");
      const row = found.json.profiles[0];
      t.equal(row.program, "fib.ts");
      t.equal(row.runtime, runtime);
      t.ok(row.samples > 0 && row.duration_s > 0, "samples and duration from the log");
    });

    await t.test("list, open, diff and delete in Chromium", {
      skip: browser ? false : `chromium is not installed at ${CHROMIUM} (.ci/run installs it)`,
    }, async (t) => {
      const page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      page.on("dialog", (d) => d.accept());
      try {
        await page.goto(url);
        await page.waitForFunction(() => globalThis.vmprofList?.ready);
        t.equal(await page.evaluate(() => globalThis.vmprofList.needsToken), true, "asks for a token");
        await page.fill("#token", alice);
        await page.click("#login button[type=submit]");
        await page.waitForFunction(() => globalThis.vmprofList.loads > 0);
        const rows = await page.$$eval("#profiles tbody tr", (trs) => trs.length);
        t.equal(rows, await count(url, alice), "every profile listed");
        const evil = page.locator("#profiles td.name a", { hasText: "<img src=x onerror=window.__x=1>" });
        t.equal(await evil.count(), 1, "a name with markup shows as text");
        t.equal(await page.evaluate(() => globalThis.__x), undefined, "and never runs");
        t.equal(await page.$$eval("#profiles img", (x) => x.length), 0);
        await page.fill("#q", "concurrent-3");
        await page.waitForFunction(() => document.querySelectorAll("#profiles tbody tr").length === 1);
        await page.click('#profiles th button[data-sort="samples"]');
        await page.waitForFunction(() =>
          document.querySelector('#profiles th button[data-sort="samples"]').classList.contains("on")
        );
        await page.fill("#q", "");
        await page.waitForFunction(() => document.querySelectorAll("#profiles tbody tr").length > 2);
        // Open one in the viewer.
        const href = await evil.getAttribute("href");
        await page.goto(new URL(href, url).href);
        await page.waitForFunction(() => globalThis.vmprofDebug?.ready || globalThis.vmprofDebug?.error, null, {
          timeout: 30_000,
        });
        t.equal(await page.evaluate(() => globalThis.vmprofDebug.error), undefined, "the viewer opened it");
        const names = await page.evaluate(() => globalThis.vmprofDebug.rects("flame").map((r) => r.name));
        t.ok(names.some((n) => /fib|words/.test(n)), "its flame graph has the program's functions");
        // Two as a diff.
        await page.goto(url);
        await page.waitForFunction(() => globalThis.vmprofList?.loads > 0);
        const ticks = page.locator("#profiles tbody input[type=checkbox]");
        await ticks.nth(0).check();
        await ticks.nth(1).check();
        await page.click("#compare");
        await page.waitForFunction(() => globalThis.vmprofDebug?.ready || globalThis.vmprofDebug?.error, null, {
          timeout: 30_000,
        });
        t.equal(await page.evaluate(() => globalThis.vmprofDebug.error), undefined);
        t.equal(await page.isVisible('#tabs button[data-tab="diff"]'), true, "the diff tab is there");
        // Delete: alice's rows have a Delete button, bob's do not.
        await page.goto(url);
        await page.waitForFunction(() => globalThis.vmprofList?.loads > 0);
        const mine = await page.$$eval(
          "#profiles tbody tr",
          (trs) => trs.filter((tr) => !tr.querySelector("button.delete").hidden).map((tr) => tr.dataset.id),
        );
        const theirs = await page.$$eval(
          "#profiles tbody tr",
          (trs) => trs.filter((tr) => tr.querySelector("button.delete").hidden).length,
        );
        t.ok(mine.length > 0 && theirs > 0, "Delete only on the user's own");
        const before = await count(url, alice);
        await page.click(`#profiles tr[data-id="${mine[0]}"] button.delete`);
        await page.waitForFunction((id) => !document.querySelector(`#profiles tr[data-id="${id}"]`), mine[0]);
        t.equal(await count(url, alice), before - 1, "deleted on the server");
        t.same(errors, [], "no page errors");
      } finally {
        await page.close();
      }
    });

    await t.test("deletes over the API: only the uploader's token", async (t) => {
      const mine = (await call(`${url}api/profiles`, { headers: auth(bob) })).json.profiles.find((p) => p.mine);
      t.equal(
        (await call(`${url}api/profiles/${mine.id}`, { method: "DELETE", headers: auth(alice) })).status,
        403,
        "not another token's",
      );
      t.equal((await call(`${url}api/profiles/${mine.id}`, { method: "DELETE", headers: auth(bob) })).status, 200);
      t.equal((await call(`${url}api/profiles/${mine.id}`, { method: "DELETE", headers: auth(bob) })).status, 404);
    });

    await t.test("SIGKILL mid-upload, restart on the same file: every finished upload there, no half-stored one", async (t) => {
      const gz = gzipSync(logBytes);
      const port = Number(new URL(url).port);
      // One upload held open half-sent, and a stream of whole ones racing the kill.
      const half = connect(port, "127.0.0.1");
      half.on("error", () => {});
      await new Promise((done) => half.once("connect", done));
      half.write(
        `POST /api/profiles?name=half HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAuthorization: Bearer ${alice}\r\nContent-Encoding: gzip\r\nContent-Length: ${gz.length}\r\n\r\n`,
      );
      half.write(gz.subarray(0, gz.length >> 1));
      // Whole uploads one after another, 10 ms apart; the kill comes once three have finished,
      // with more still arriving.
      const finished = [];
      const racing = Array.from(
        { length: 30 },
        (_, i) =>
          new Promise((done) => setTimeout(done, i * 10)).then(() => upload(url, alice, gz, undefined, `race-${i}`))
            .then((r) => r.status === 201 && finished.push(r.json.id), () => {}),
      );
      for (const until = Date.now() + 20_000; finished.length < 3 && Date.now() < until;) {
        await new Promise((done) => setTimeout(done, 5));
      }
      process.kill(-proc.pid, "SIGKILL");
      const atKill = finished.length;
      await proc.done;
      await Promise.all(racing);
      t.ok(
        atKill >= 3 && finished.length < 30,
        `${finished.length} of 30 uploads finished, the rest were cut by the kill`,
      );
      half.destroy();
      ({ url, proc } = await serve(outer, runtime, db));
      const all = (await call(`${url}api/profiles?limit=5000`, { headers: auth(alice) })).json.profiles;
      const ids = new Set(all.map((p) => p.id));
      t.ok(finished.every((id) => ids.has(id)), "every finished upload is there");
      t.notOk(all.some((p) => p.name === "half"), "the half-sent one is not");
      for (const p of all.filter((p) => p.name.startsWith("race-"))) {
        const r = await call(`${url}api/profiles/${p.id}/log`, { headers: auth(alice) });
        t.equal(r.status, 200, `${p.name} is whole`);
      }
      const check = await run("sqlite3", [db, "PRAGMA integrity_check"]).catch(() => ({ status: null }));
      if (check.status === 0) t.equal(check.stdout.trim(), "ok", "sqlite3 integrity_check");
    });

    await t.test("--web-url: against the server (also from --config), and against a stopped one the log is kept", async (t) => {
      const ini = join(dir, "up.ini");
      writeFileSync(ini, `web-url = ${url}\nweb_auth = ${bob}\n`);
      const ok = await cli(runtime, ["--config", ini, FIB, "22"], { cwd: dir });
      t.equal(ok.status, 0, "profiled and uploaded", { stderr: ok.stderr });
      t.match(ok.stderr, new RegExp(`the profile is at ${url}p/[0-9a-f]{16}/`));
      const stopped = `http://127.0.0.1:${Number(new URL(url).port) === 1 ? 2 : 1}/`;
      const r = await cli(runtime, ["--web-url", stopped, FIB, "22"], { cwd: dir });
      t.equal(r.status, 1, "the failed upload fails the command");
      const kept = /cannot reach http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); the log is at (\S+)/.exec(r.stderr)?.[1];
      t.ok(kept, "one line says so and where the log is", { stderr: r.stderr });
      t.ok(kept && existsSync(kept), "the log is on disk");
      const shown = kept ? await cli(runtime, ["show", kept]) : { status: null };
      t.equal(shown.status, 0, "and is a readable profile");
      const withOutput = await cli(runtime, ["--web-url", stopped, "-o", join(dir, "keep.log"), FIB, "22"]);
      t.match(withOutput.stderr, new RegExp(`the log is at ${join(dir, "keep.log")}`), "-o is where it is kept");
    });

    await t.test("beyond loopback: a warning that tokens are the only protection; --allow-anonymous takes uploads without one", async (t) => {
      const [cmd, argv] = runArgs(runtime, CLI, [
        "serve",
        "--host",
        "0.0.0.0",
        "--port",
        "0",
        "--allow-anonymous",
        "--db",
        join(dir, "open.db"),
      ]);
      const open = start(cmd, argv, { t, timeout: 60_000 });
      const m = await waitForOutput(open, "stderr", /at http:\/\/0\.0\.0\.0:(\d+)\//, 30_000);
      const err = open.output().stderr;
      t.match(
        err,
        /warning: listening on 0\.0\.0\.0, reachable from other machines: tokens are the only protection.*TLS/,
      );
      t.match(err, /warning: --allow-anonymous/);
      const anonUrl = `http://127.0.0.1:${m[1]}/`;
      const r = await cli(runtime, ["upload", log, "--web-url", anonUrl]);
      t.equal(r.status, 0, "an anonymous upload", { stderr: r.stderr });
      const list = await call(`${anonUrl}api/profiles`);
      t.equal(list.status, 200, "listing without a token");
      t.equal(list.json.profiles[0].uploader, null);
      const taken = new URL(url).port;
      const busy = await cli(runtime, ["serve", "--port", taken, "--db", join(dir, "x.db")]);
      t.equal(busy.status, 74, "a port in use is an error, not a hang");
      t.equal(
        busy.stderr,
        `vmprof-js: cannot serve on 127.0.0.1:${taken}: port ${taken} is in use (pick another with --port, or 0 for any)\n`,
        "in one line",
      );
    });

    await t.test("Pyroscope: push LOG and --push --every, checked by a loopback ingest receiver and go tool pprof", async (t) => {
      const rx = await pyroscopeReceiver(t);
      const pushed = await cli(runtime, ["push", log, "--url", rx.url, "--label", "env=ci", "--label", "team=perf"]);
      t.equal(pushed.status, 0, "push", { stderr: pushed.stderr });
      t.equal(rx.requests.length, 1);
      const q = checkIngest(t, rx.requests[0], join(dir, "one.pb.gz"));
      t.match(
        q.get("name"),
        new RegExp(`^fib\\{env=ci,host=[^,]+,runtime=${runtime},team=perf\\}$`),
        "service name and labels",
      );
      t.ok(Number(q.get("sampleRate")) > 900, "the sampling rate in Hz");
      const continuous = join(dir, "busy.log");
      const every = await cli(runtime, [
        "--push",
        rx.url,
        "--every",
        "1",
        "--label",
        "env=ci",
        "-o",
        continuous,
        BUSY,
        "4",
      ], { timeout: 60_000 });
      t.equal(every.status, 0, "a continuous run", { stderr: every.stderr });
      const windows = rx.requests.slice(1);
      t.ok(windows.length >= 2, `${windows.length} windows pushed while the program ran`);
      t.match(every.stderr, new RegExp(`pushed \\d+ samples in ${windows.length} windows`));
      const froms = windows.map((r, i) => Number(checkIngest(t, r, join(dir, `w${i}.pb.gz`)).get("from")));
      t.same(froms, [...froms].sort((a, b) => a - b), "windows in time order");
      for (const r of windows) {
        t.match(r.url.searchParams.get("name"), new RegExp(`^busy\\{env=ci,host=[^,]+,runtime=${runtime}\\}$`));
      }
      if (!hasGo) {
        t.skip("go is not installed: the pprof bodies are not decoded (.ci/run installs golang-go)");
        return;
      }
      const one = await pprofTop(join(dir, "one.pb.gz"));
      t.equal(one.status, 0, "go tool pprof reads the pushed profile", { stderr: one.stderr });
      const { samples } = JSON.parse((await run(...runArgs(runtime, join(ROOT, "tests/digest.ts"), [log]))).stdout);
      t.equal(one.total, samples, "all the log's samples");
      let sum = 0;
      for (let i = 0; i < windows.length; i++) {
        const w = await pprofTop(join(dir, `w${i}.pb.gz`));
        t.equal(w.status, 0, `window ${i} decodes`, { stderr: w.stderr });
        sum += w.total;
      }
      const whole = JSON.parse((await run(...runArgs(runtime, join(ROOT, "tests/digest.ts"), [continuous]))).stdout);
      t.equal(sum, whole.samples, "the windows add up to the whole run, no sample twice or lost");
      t.match(
        (await pprofTop(join(dir, `w${windows.length - 1}.pb.gz`))).stdout,
        /hot/,
        "the hot function is in the pushes",
      );
    });
  });
}

t.test("bench/server.ts runs and reports (20 profiles, 3 rounds: the figures mean nothing, only that it works)", async (t) => {
  for (const runtime of RUNTIMES) {
    const r = await run(
      ...runArgs(runtime, join(ROOT, "bench/server.ts"), ["--profiles", "20", "--rounds", "3", "--runtime", runtime]),
      { timeout: 60_000 },
    );
    t.equal(r.status, 0, `${runtime}: bench/server.ts`, { stderr: r.stderr });
    t.match(r.stdout, new RegExp(`# profile server on ${runtime}: 20 stored profiles`));
    t.match(r.stdout, /\| upload with 20 stored \| [\d.]+ \| [\d.]+ \|/);
    t.match(r.stdout, /\| list all 23 \| [\d.]+ \| [\d.]+ \|/);
  }
});
