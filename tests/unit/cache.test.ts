// Unit tests of the naming cache (lib/symbols/cache.ts) and of what uses it: an entry is a hit
// only for the same file and key, a changed file or a corrupt entry is a miss, the cache can be
// turned off, and locating Bun's functions from the cache gives what locating them afresh gives.
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "../harness.ts";
import { cached, cacheDir, readCache, writeCache } from "../../lib/symbols/cache.ts";
import { locateFunctions } from "../../lib/symbols/bun/locate.ts";
import { parseJitdump } from "../../lib/symbols/jitdump.ts";

const FIX = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "symbols");
const APP = join(FIX, "app");
const appFiles = ["main.ts", "vec.ts", "shapes.ts", "text.js"].map((f) => join(APP, f));

function scratch(): string {
  return mkdtempSync(join(tmpdir(), "vmprof-js-cache-"));
}

test("cacheDir: the override, off, XDG, then ~/.cache", () => {
  assert.equal(cacheDir({ VMPROF_CACHE_DIR: "/x/y" }), "/x/y");
  assert.equal(cacheDir({ VMPROF_CACHE_DIR: "off" }), undefined);
  assert.equal(cacheDir({ XDG_CACHE_HOME: "/xdg" }), "/xdg/vmprof-js");
  assert.equal(cacheDir({ HOME: "/home/u" }), "/home/u/.cache/vmprof-js");
});

test("an entry is a hit for the same file and key only; a changed file is a miss", () => {
  const dir = scratch();
  try {
    const file = join(dir, "src.js");
    writeFileSync(file, "function f() {}");
    let computed = 0;
    const compute = () => ++computed;
    assert.equal(cached(dir, "k", file, "v1", compute), 1);
    assert.equal(cached(dir, "k", file, "v1", compute), 1, "second call: from the cache");
    assert.equal(computed, 1);
    assert.equal(readCache(dir, "k", file, "v2"), undefined, "another key (a runtime version) misses");
    assert.equal(readCache(dir, "other", file, "v1"), undefined, "another kind misses");
    writeFileSync(file, "function f() { return 1; }");
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    assert.equal(readCache(dir, "k", file, "v1"), undefined, "a changed file misses");
    assert.equal(cached(dir, "k", file, "v1", compute), 2);
    assert.equal(readdirSync(join(dir, "k")).length, 1, "one entry per file: the new one replaced the old");
    assert.equal(cached(undefined, "k", file, "v1", compute), 3, "no folder: always computed");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a corrupt entry is a miss, an unwritable folder is ignored", () => {
  const dir = scratch();
  try {
    const file = join(dir, "src.js");
    writeFileSync(file, "x");
    writeCache(dir, "k", file, "", { a: 1 });
    const [entry] = readdirSync(join(dir, "k"));
    writeFileSync(join(dir, "k", entry), "{ not json");
    assert.equal(readCache(dir, "k", file, ""), undefined);
    writeFileSync(join(dir, "blocked"), "a file where a folder should be");
    writeCache(join(dir, "blocked"), "k", file, "", 1); // must not throw
    assert.equal(readCache(join(dir, "blocked"), "k", file, ""), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("locateFunctions from the cache places every function where a fresh run does", () => {
  const dir = scratch();
  try {
    // The app's sources copied into the scratch folder, so the entries are for files we own.
    const files = appFiles.map((f) => {
      const copy = join(dir, f.split("/").pop()!);
      writeFileSync(copy, readFileSync(f));
      return copy;
    });
    let transpiles = 0;
    const transpile = (fs: { path: string }[]) => {
      transpiles++;
      return fs.map((f) => readFileSync(join(FIX, "app-bun", f.path.split("/").pop() + ".js"), "utf8"));
    };
    const run = () => {
      const ranges = parseJitdump(readFileSync(join(FIX, "app.jitdump")));
      for (const r of ranges) if (r.file?.endsWith("/app/main.ts")) r.file = join(dir, "main.ts");
      const report = locateFunctions(files, ranges, {
        transpile,
        cacheDir: join(dir, "cache"),
        runtimeVersion: "1.4.5",
      });
      return { report, places: ranges.map((r) => `${r.name}#${r.hash} ${r.file ?? "?"}:${r.line}:${r.col}`) };
    };
    const fresh = run();
    assert.equal(transpiles, 1);
    const again = run();
    assert.equal(transpiles, 1, "the second run transpiles nothing: every file came from the cache");
    assert.deepEqual(again, fresh);
    assert.deepEqual(fresh.report, { candidates: 57, byHash: 44, byName: 2, unresolved: 11 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
