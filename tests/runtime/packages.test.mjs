// Installing vmprof-js like any Deno or Bun tool, from a real registry: scripts/pack.sh builds the
// four libraries and packs every package, a Verdaccio started here (loopback port, storage in a
// temp folder) takes them, and in an empty folder outside the checkout, with nothing but deno,
// bun and bunx on PATH (no Zig): `bun add` + `bunx vmprof-js`, `deno run -A npm:vmprof-js`, the
// library's import on both runtimes, each checked for a readable log with named frames and for
// the platform package's library; under Node.js the command says in one line what it needs.
import t from "tap";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { createServer as createHttpServer } from "node:http";
import { join } from "node:path";
import process from "node:process";
import { BUN, DENO, digest, ROOT, run, start, tempDir } from "../helpers.mjs";

t.setTimeout(300_000); // ~70 s on 2 cores with Zig's cache warm, ~2 min cold (the four libraries)

const VERSION = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
const glibc = !!process.report.getReport().header.glibcVersionRuntime;
const PLATFORM = `linux-${process.arch}-${glibc ? "gnu" : "musl"}`;
const PLATFORMS = ["linux-x64-gnu", "linux-arm64-gnu", "linux-x64-musl", "linux-arm64-musl"];

/** A free loopback port (the kernel picks it; closed again before Verdaccio takes it). */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer().once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const work = tempDir();
const registryDir = join(work, "registry");
const bin = join(work, "bin"); // the only folder on PATH: deno, bun, bunx
const home = join(work, "home");
for (const d of [registryDir, bin, home]) mkdirSync(d, { recursive: true });
t.teardown(() => rmSync(work, { recursive: true, force: true }));
symlinkSync(DENO, join(bin, "deno"));
symlinkSync(BUN, join(bin, "bun"));
symlinkSync(join(ROOT, "node_modules/.bin/bunx"), join(bin, "bunx"));

let registry;
/** The environment of a user's shell: this registry, a fresh HOME and caches, no Zig, no VMPROF_LIB. */
function userEnv(extra = {}) {
  return {
    PATH: bin,
    HOME: home,
    TMPDIR: process.env.TMPDIR ?? "/tmp",
    NPM_CONFIG_REGISTRY: registry,
    BUN_CONFIG_REGISTRY: registry,
    BUN_INSTALL_CACHE_DIR: join(home, "bun-cache"),
    DENO_DIR: join(home, "deno-dir"),
    NO_COLOR: "1",
    ...extra,
  };
}

/** A CPU-bound program that says which libvmprof.so its process mapped (the agent loads it before the program runs). */
const APP = `
function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
let s = 0;
const end = Date.now() + 600;
while (Date.now() < end) s += fib(20);
const lib = (await import("node:fs")).readFileSync("/proc/self/maps", "utf8").split("\\n").find((l) => l.endsWith("libvmprof.so"));
console.log("LIB " + (lib ? lib.slice(lib.indexOf("/")) : "none") + " " + (s > 0));
`;

/** Uses the library as the README says, then prints what it saw. */
const LIBRARY_USE = (specifier) => `
import { disable, enable, readProfile } from "${specifier}";
import { readFileSync } from "node:fs";
function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
enable("lib.log");
let s = 0;
const end = Date.now() + 600;
while (Date.now() < end) s += fib(20);
await disable();
const stats = await readProfile("lib.log");
const fibRow = stats.flat().find((r) => r.name.startsWith("js:fib:"));
const lib = readFileSync("/proc/self/maps", "utf8").split("\\n").find((l) => l.endsWith("libvmprof.so"));
console.log(JSON.stringify({ samples: stats.samples, fib: fibRow ? fibRow.total : 0, lib: lib ? lib.slice(lib.indexOf("/")) : "none", s: s > 0 }));
`;

t.before(async () => {
  const packed = await run("bash", [join(ROOT, "scripts/pack.sh")], { timeout: 240_000 });
  if (packed.status !== 0) throw new Error(`scripts/pack.sh failed: ${packed.stderr.slice(-3000)}`);
  t.comment(packed.stdout.trim().split("\n").map((l) => `packed ${l}`).join("\n"));

  const port = await freePort();
  registry = `http://127.0.0.1:${port}/`;
  // Our packages are served only from this storage (never proxied: the names must not come from
  // the public registry); anything else they might need goes to npm's.
  writeFileSync(
    join(registryDir, "config.yaml"),
    [
      `storage: ${join(registryDir, "storage")}`,
      `auth: { htpasswd: { file: ${join(registryDir, "htpasswd")}, max_users: -1 } }`,
      "uplinks: { npmjs: { url: https://registry.npmjs.org/ } }",
      "packages:",
      "  '@vmprof-js/*': { access: $all, publish: $all }",
      "  'vmprof-js': { access: $all, publish: $all }",
      "  '**': { access: $all, proxy: npmjs }",
      "log: { type: stdout, format: pretty, level: warn }",
      "",
    ].join("\n"),
  );
  const verdaccio = start(process.execPath, [
    join(ROOT, "node_modules/verdaccio/bin/verdaccio"),
    "--config",
    join(registryDir, "config.yaml"),
    "--listen",
    `127.0.0.1:${port}`,
  ], { timeout: 290_000 });
  t.teardown(() => process.kill(-verdaccio.pid, "SIGKILL"));
  const up = Date.now();
  for (;;) {
    const ok = await fetch(`${registry}-/ping`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() - up > 30_000) {
      throw new Error(`verdaccio did not answer in 30 s: ${verdaccio.output().stdout}${verdaccio.output().stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const npmrc = join(registryDir, "npmrc");
  writeFileSync(npmrc, `//127.0.0.1:${port}/:_authToken=test\n`);
  for (const f of readdirSync(join(ROOT, "dist/packages")).sort()) {
    const r = await run("npm", [
      "publish",
      join(ROOT, "dist/packages", f),
      "--registry",
      registry,
      "--userconfig",
      npmrc,
    ], { timeout: 60_000 });
    if (r.status !== 0) throw new Error(`npm publish ${f}: ${r.stderr}`);
  }
});

t.test("one version everywhere: package.json, deno.json (and its npm: imports), cli.ts, every packed package", (t) => {
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  t.equal(deno.version, VERSION, "deno.json");
  for (const p of PLATFORMS) {
    t.equal(deno.imports[`@vmprof-js/${p}`], `npm:@vmprof-js/${p}@${VERSION}`, `deno.json imports ${p}`);
  }
  t.match(readFileSync(join(ROOT, "cli.ts"), "utf8"), `export const VERSION = "${VERSION}";`, "cli.ts VERSION");
  const names = readdirSync(join(ROOT, "dist/packages")).sort();
  t.same(
    names,
    [`vmprof-js-${VERSION}.tgz`, ...PLATFORMS.map((p) => `vmprof-js-${p}-${VERSION}.tgz`).sort()],
    "five packages",
  );
  const main = JSON.parse(readFileSync(join(ROOT, "dist/npm/vmprof-js/package.json"), "utf8"));
  t.same(
    main.optionalDependencies,
    Object.fromEntries(PLATFORMS.map((p) => [`@vmprof-js/${p}`, VERSION])),
    "optionalDependencies",
  );
  t.notOk(main.private, "not private");
  t.notOk(main.devDependencies, "no devDependencies in the published manifest");
  for (const p of PLATFORMS) {
    const m = JSON.parse(readFileSync(join(ROOT, "dist/npm", p, "package.json"), "utf8"));
    t.equal(m.version, VERSION, `${p} version`);
    const [, cpu, libc] = p.split("-");
    t.same([m.os, m.cpu, m.libc], [["linux"], [cpu], [libc === "gnu" ? "glibc" : "musl"]], `${p} os/cpu/libc`);
    const elf = readFileSync(join(ROOT, "dist/npm", p, "libvmprof.so"));
    t.equal(elf.readUInt16LE(18), cpu === "x64" ? 62 : 183, `${p}: an ${cpu} ELF (e_machine)`);
  }
  t.end();
});

t.test("no Zig on the user's PATH", async (t) => {
  t.same(readdirSync(bin).sort(), ["bun", "bunx", "deno"], "deno, bun and bunx only");
  // What each runtime sees (Deno puts a folder of its own in front).
  const zig = "console.log(process.env.PATH.split(':').filter((d) => require('fs').existsSync(d + '/zig')).length)";
  for (
    const [cmd, args] of [[DENO, [
      "eval",
      `import process from "node:process"; import { createRequire } from "node:module"; const require = createRequire(import.meta.url); ${zig}`,
    ]], [BUN, ["-e", zig]]]
  ) {
    const r = await run(cmd, args, { env: userEnv() });
    t.equal(r.stdout.trim(), "0", `${cmd.split("/").pop()}: no zig in any PATH folder`, { stderr: r.stderr });
  }
});

t.test("bun: bun add -d vmprof-js, bunx vmprof-js -o out.log app.ts, then the library's import", async (t) => {
  const app = join(work, "bun-app");
  mkdirSync(app);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "bun-app", private: true }) + "\n");
  writeFileSync(join(app, "app.ts"), APP);
  const add = await run(join(bin, "bun"), ["add", "-d", "vmprof-js"], { cwd: app, env: userEnv(), timeout: 60_000 });
  t.equal(add.status, 0, "bun add", { stderr: add.stderr });
  t.ok(existsSync(join(app, "node_modules/@vmprof-js", PLATFORM, "libvmprof.so")), `installed @vmprof-js/${PLATFORM}`);
  t.same(
    readdirSync(join(app, "node_modules/@vmprof-js")),
    [PLATFORM],
    "only this platform's package (os, cpu and libc)",
  );

  const r = await run(join(bin, "bunx"), ["vmprof-js", "-o", "out.log", "app.ts"], {
    cwd: app,
    env: userEnv(),
    timeout: 60_000,
  });
  t.equal(r.status, 0, "bunx vmprof-js", { stderr: r.stderr });
  t.match(
    r.stdout,
    new RegExp(`LIB ${app}/node_modules/@vmprof-js/${PLATFORM}/libvmprof.so true`),
    "the platform package's library",
  );
  const d = await digest("bun", join(app, "out.log"));
  t.ok(d.samples > 50, `${d.samples} samples`);
  const fib = d.functions[`fib (${join(app, "app.ts")}:2)`]?.total;
  t.ok(fib > d.samples / 2, `fib named, on the stack in most samples (${fib} of ${d.samples})`);

  writeFileSync(join(app, "lib.ts"), LIBRARY_USE("vmprof-js"));
  const jit = join(work, "bun-jitdump");
  mkdirSync(jit);
  const lib = await run(join(bin, "bun"), ["lib.ts"], {
    cwd: app,
    env: userEnv({ BUN_JSC_useJITDump: "1", BUN_JSC_jitDumpDirectory: jit }),
    timeout: 60_000,
  });
  t.equal(lib.status, 0, 'import { enable, disable, readProfile } from "vmprof-js"', { stderr: lib.stderr });
  const seen = JSON.parse(lib.stdout.trim().split("\n").pop());
  t.equal(seen.lib, join(app, "node_modules/@vmprof-js", PLATFORM, "libvmprof.so"), "the platform package's library");
  t.ok(seen.samples > 50 && seen.fib > seen.samples / 2, `fib named in ${seen.fib} of ${seen.samples} samples`);

  // Node.js: one line that says what it needs (the bin, and the package's cli.js run directly).
  for (const file of ["node_modules/.bin/vmprof-js", "node_modules/vmprof-js/cli.js"]) {
    const n = await run(process.execPath, [file, "app.ts"], { cwd: app, env: userEnv() });
    t.equal(n.status, 1, `node ${file}: status 1`);
    t.match(n.stderr, /^vmprof-js: needs Deno or Bun .*\n$/, `node ${file}: one line`);
  }
});

t.test("deno: deno run -A npm:vmprof-js -o out.log app.ts, then the library's import (deno add npm:vmprof-js)", async (t) => {
  const app = join(work, "deno-app");
  mkdirSync(app);
  writeFileSync(join(app, "app.ts"), APP);
  // --min-dep-age=0: Deno 2.9 holds back versions published in the last 24 hours, as these were.
  const r = await run(join(bin, "deno"), ["run", "-A", "--min-dep-age=0", "npm:vmprof-js", "-o", "out.log", "app.ts"], {
    cwd: app,
    env: userEnv(),
    timeout: 90_000,
  });
  t.equal(r.status, 0, "deno run -A npm:vmprof-js", { stderr: r.stderr });
  t.match(
    r.stdout,
    new RegExp(`LIB ${home}/deno-dir/npm/[^/]+/@vmprof-js/${PLATFORM}/${VERSION}/libvmprof.so true`),
    "the platform package's library",
  );
  const d = await digest("deno", join(app, "out.log"));
  t.ok(d.samples > 50, `${d.samples} samples`);
  const fib = d.functions[`fib (${join(app, "app.ts")}:2)`]?.total;
  t.ok(fib > d.samples / 2, `fib named, on the stack in most samples (${fib} of ${d.samples})`);

  const add = await run(join(bin, "deno"), ["add", "--min-dep-age=0", "npm:vmprof-js"], {
    cwd: app,
    env: userEnv(),
    timeout: 60_000,
  });
  t.equal(add.status, 0, "deno add npm:vmprof-js", { stderr: add.stderr });
  writeFileSync(join(app, "lib.ts"), LIBRARY_USE("vmprof-js"));
  const check = await run(join(bin, "deno"), ["check", "lib.ts"], { cwd: app, env: userEnv(), timeout: 60_000 });
  t.equal(check.status, 0, "deno check lib.ts: the package's declarations type the import", { stderr: check.stderr });
  const lib = await run(join(bin, "deno"), [
    "run",
    "-A",
    "--v8-flags=--perf-basic-prof,--interpreted-frames-native-stack",
    "lib.ts",
  ], {
    cwd: app,
    env: userEnv(),
    timeout: 60_000,
  });
  t.equal(lib.status, 0, 'import { enable, disable, readProfile } from "vmprof-js"', { stderr: lib.stderr });
  const seen = JSON.parse(lib.stdout.trim().split("\n").pop());
  t.match(seen.lib, new RegExp(`/@vmprof-js/${PLATFORM}/${VERSION}/libvmprof.so$`), "the platform package's library");
  t.ok(seen.samples > 50 && seen.fib > seen.samples / 2, `fib named in ${seen.fib} of ${seen.samples} samples`);
});

t.test("deno: from JSR the library comes from the npm: platform package (the published files served over HTTP, imported as JSR serves them)", async (t) => {
  // `deno publish` rewrites the bare @vmprof-js/<platform> imports to the npm: specifiers of
  // deno.json's "imports"; an import map from the same deno.json does the same here, and the
  // code runs from http: URLs, as it does from https://jsr.io (no folder, no node_modules).
  const deno = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8"));
  const published = (path) => deno.publish.include.some((p) => (p.endsWith("/") ? path.startsWith(p) : path === p));
  const server = createHttpServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, "http://x").pathname.slice(1));
    if (!published(path) || path.includes("..") || !existsSync(join(ROOT, path))) {
      res.writeHead(404).end();
      return;
    }
    const type = path.endsWith(".json") ? "application/json" : "application/typescript";
    res.writeHead(200, { "content-type": type }).end(readFileSync(join(ROOT, path)));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => server.close());
  const base = `http://127.0.0.1:${server.address().port}/`;
  const app = join(work, "jsr-app");
  mkdirSync(app);
  writeFileSync(join(app, "import-map.json"), JSON.stringify({ imports: deno.imports }));
  writeFileSync(join(app, "lib.ts"), LIBRARY_USE(`${base}mod.ts`));
  const lib = await run(join(bin, "deno"), [
    "run",
    "-A",
    "--min-dep-age=0",
    "--import-map=import-map.json",
    "--v8-flags=--perf-basic-prof,--interpreted-frames-native-stack",
    "lib.ts",
  ], { cwd: app, env: userEnv(), timeout: 60_000 });
  t.equal(lib.status, 0, `import { enable, disable, readProfile } from "${base}mod.ts"`, { stderr: lib.stderr });
  const seen = JSON.parse(lib.stdout.trim().split("\n").pop() || "{}");
  t.match(
    seen.lib,
    new RegExp(`/@vmprof-js/${PLATFORM}/${VERSION}/libvmprof.so$`),
    "the npm: platform package's library",
  );
  t.ok(seen.samples > 50 && seen.fib > seen.samples / 2, `fib named in ${seen.fib} of ${seen.samples} samples`);

  writeFileSync(join(app, "app.ts"), APP);
  const r = await run(join(bin, "deno"), [
    "run",
    "-A",
    "--min-dep-age=0",
    "--import-map=import-map.json",
    `${base}mod.ts`,
    "-o",
    "out.log",
    "app.ts",
  ], { cwd: app, env: userEnv(), timeout: 60_000 });
  t.equal(
    r.status,
    0,
    `deno run -A ${base}mod.ts -o out.log app.ts (the "." export, as jsr:@vmprof-js/vmprof-js runs it)`,
    { stderr: r.stderr },
  );
  t.match(
    r.stdout,
    new RegExp(`LIB ${home}/deno-dir/npm/[^/]+/@vmprof-js/${PLATFORM}/${VERSION}/libvmprof.so true`),
    "the npm: platform package's library",
  );
  const d = await digest("deno", join(app, "out.log"));
  const fib = d.functions[`fib (${join(app, "app.ts")}:2)`]?.total;
  t.ok(fib > d.samples / 2, `fib named, on the stack in most samples (${fib} of ${d.samples})`);

  // The web viewer serves its page from a folder, which JSR does not give: one line says so.
  const web = await run(join(bin, "deno"), [
    "run",
    "-A",
    "--min-dep-age=0",
    "--import-map=import-map.json",
    `${base}mod.ts`,
    "--web",
    "--no-open",
    "app.ts",
  ], { cwd: app, env: userEnv(), timeout: 60_000 });
  t.equal(web.status, 74, "--web from JSR: status 74 (EX_IOERR: no page to serve)");
  t.match(
    web.stderr,
    /^vmprof-js: the web viewer needs vmprof-js on disk: use npm:vmprof-js .*$/m,
    "--web from JSR: one line that says what to use",
  );
  t.notMatch(web.stderr, /^\s+at /m, "no stack trace");
});
