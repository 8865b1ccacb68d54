// The profile server's times with many stored profiles: a real `cli.ts serve` child on a fresh
// SQLite file, filled with N uploads of one real log; then upload, list, search and sort timed
// with N stored (medians and 95th percentiles of the client's wall time per request).
//
//   node_modules/.bin/deno run -A bench/server.ts [--profiles N] [--rounds R] [--runtime deno|bun] [--log FILE]
//
// The server runs on --runtime (default: the one running this script); the client is this process.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { median, PROJECT_DIR, runtimeBinary, type RuntimeName, usageError } from "./common.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    profiles: { type: "string" },
    rounds: { type: "string" },
    runtime: { type: "string" },
    log: { type: "string" },
  },
});
const N = Number(values.profiles ?? 1000);
const ROUNDS = Number(values.rounds ?? 50);
const rt = (values.runtime ?? ("Deno" in globalThis ? "deno" : "bun")) as RuntimeName;
if (!(N > 0) || !(ROUNDS > 0) || (rt !== "deno" && rt !== "bun")) {
  usageError("bench/server.ts", "--profiles N --rounds R --runtime deno|bun");
}
const bin = runtimeBinary(rt);
const cli = join(PROJECT_DIR, "cli.ts");
const work = mkdtempSync(join(tmpdir(), "vmprof-bench-server-"));
const db = join(work, "profiles.db");
const runArgs = (args: string[]) => (rt === "deno" ? ["run", "-A", cli, ...args] : [cli, ...args]);

function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const c = spawn(bin, runArgs(args), { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "", stderr = "";
    c.stdout.on("data", (d) => (stdout += d));
    c.stderr.on("data", (d) => (stderr += d));
    c.on("close", (code) => done({ code, stdout, stderr }));
  });
}

function call(
  url: string,
  o: { method?: string; headers?: Record<string, string>; body?: Uint8Array } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? "GET", headers: o.headers, agent: false }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(o.body);
  });
}

async function timed(
  what: string,
  n: number,
  f: (i: number) => Promise<void>,
): Promise<{ what: string; median: number; p95: number }> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f(i);
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { what, median: median(ms), p95: ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))] };
}

try {
  let log = values.log;
  if (!log) {
    log = join(work, "fib.log");
    const made = await runCli(["-o", log, join(PROJECT_DIR, "examples/fib.ts"), "27"]);
    if (made.code !== 0) throw new Error(`cannot make a log: ${made.stderr}`);
  }
  const body = gzipSync(readFileSync(log));
  const token = (await runCli(["serve", "token", "create", "bench", "--db", db])).stdout.trim();
  const server = spawn(bin, runArgs(["serve", "--port", "0", "--db", db]), { stdio: ["ignore", "ignore", "pipe"] });
  const url = await new Promise<string>((done, fail) => {
    let err = "";
    server.stderr!.on("data", (d) => {
      err += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(err);
      if (m) done(m[1]);
    });
    server.on("close", () => fail(new Error(`serve ended: ${err}`)));
  });
  const headers = {
    Authorization: `Bearer ${token}`,
    "Content-Encoding": "gzip",
    "Content-Type": "application/octet-stream",
  };
  const up = async (i: number) => {
    const r = await call(`${url}api/profiles?name=bench-${i}&program=p${i % 37}.ts`, { method: "POST", headers, body });
    if (r.status !== 201) throw new Error(`upload ${i}: HTTP ${r.status} ${r.text}`);
  };
  const fill = await timed(`fill: ${N} uploads, one after another`, N, up);
  const rows: { what: string; median: number; p95: number }[] = [fill];
  rows.push(await timed(`upload with ${N} stored`, ROUNDS, (i) => up(N + i)));
  const get = (q: string) => async () => {
    const r = await call(`${url}api/profiles?${q}`, { headers: { Authorization: `Bearer ${token}` } });
    if (r.status !== 200) throw new Error(`list ${q}: HTTP ${r.status}`);
  };
  rows.push(await timed(`list, newest 500 (the page's default)`, ROUNDS, get("")));
  rows.push(await timed(`list all ${N + ROUNDS}`, ROUNDS, get("limit=5000")));
  rows.push(await timed(`search "p7.ts"`, ROUNDS, get("q=p7.ts")));
  rows.push(await timed(`sort by samples, all`, ROUNDS, get("sort=samples&limit=5000")));
  rows.push(
    await timed(`open one (the viewer's payload)`, ROUNDS, async () => {
      const list = JSON.parse(
        (await call(`${url}api/profiles?limit=1`, { headers: { Authorization: `Bearer ${token}` } })).text,
      );
      const r = await call(`${url}p/${list.profiles[0].id}/data/0.bin`, {
        headers: { Authorization: `Bearer ${token}` },
      });
      if (r.status !== 200) throw new Error(`open: HTTP ${r.status}`);
    }),
  );
  server.kill("SIGTERM");
  const size = readFileSync(db).length;
  console.log(
    `# profile server on ${rt}: ${N} stored profiles of ${
      readFileSync(log).length
    } bytes (${body.length} gzipped); store ${(size / 2 ** 20).toFixed(1)} MiB`,
  );
  console.log("| request | median ms | p95 ms |\n| --- | ---: | ---: |");
  for (const r of rows) console.log(`| ${r.what} | ${r.median.toFixed(2)} | ${r.p95.toFixed(2)} |`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
