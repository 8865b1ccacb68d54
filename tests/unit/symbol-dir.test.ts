// Unit tests of where profiled children write their symbol files (lib/symbols/symbol-dir.ts):
// Deno's folder is the same every run (its path is a V8 flag) and private, a run removes its
// own files and those of processes that are gone; Bun's is fresh, and orphans are removed.
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { test } from "../harness.ts";
import { LEFTOVER_MS, symbolDir } from "../../lib/symbols/symbol-dir.ts";

const GONE = 999_999_999; // above any pid_max: no such process

test("deno: one private folder for every run; a run removes its own files and the dead's", () => {
  const base = mkdtempSync(join(tmpdir(), "vmprof-js-symdir-"));
  try {
    const a = symbolDir("deno", base);
    assert.equal(symbolDir("deno", base).path, a.path, "the same folder (so V8's flags are the same)");
    assert.equal(statSync(a.path).mode & 0o777, 0o700);
    writeFileSync(join(a.path, `perf-${GONE}.map`), "");
    const old = (Date.now() - LEFTOVER_MS - 60_000) / 1000;
    utimesSync(join(a.path, `perf-${GONE}.map`), old, old); // a dead process's, long ago: removed
    writeFileSync(join(a.path, `perf-${GONE - 1}.map`), ""); // a dead process's, just now: its CLI may be reading it
    writeFileSync(join(a.path, `perf-${process.pid}.map`), ""); // a live process's: kept
    writeFileSync(join(a.path, "perf-4242.map.unrelated"), "");
    const b = symbolDir("deno", base);
    assert.deepEqual(
      readdirSync(b.path).sort(),
      [`perf-${GONE - 1}.map`, `perf-${process.pid}.map`, "perf-4242.map.unrelated"].sort(),
    );
    rmSync(join(b.path, `perf-${GONE - 1}.map`));
    writeFileSync(join(b.path, `jit-${process.pid}.dump`), "");
    b.remove(process.pid);
    assert.deepEqual(readdirSync(b.path), ["perf-4242.map.unrelated"]);
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("deno: a folder that is not ours (open to others) is not used", () => {
  const base = mkdtempSync(join(tmpdir(), "vmprof-js-symdir-"));
  try {
    mkdirSync(join(base, `vmprof-js-${process.getuid?.()}`), { mode: 0o777 });
    const d = symbolDir("deno", base);
    assert.notEqual(d.path, join(base, `vmprof-js-${process.getuid?.()}`));
    assert.match(d.path, /vmprof-js-sym-\d+-/);
    d.remove();
    assert.ok(!existsSync(d.path));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});

test("bun: a fresh folder per run named by the CLI's pid; folders of CLIs that are gone are removed", () => {
  const base = mkdtempSync(join(tmpdir(), "vmprof-js-symdir-"));
  try {
    const orphan = join(base, `vmprof-js-sym-${GONE}-abcdef`);
    const live = join(base, `vmprof-js-sym-${process.pid}-ghijkl`);
    mkdirSync(orphan);
    mkdirSync(live);
    const a = symbolDir("bun", base);
    const b = symbolDir("bun", base);
    assert.notEqual(a.path, b.path);
    assert.match(a.path, new RegExp(`vmprof-js-sym-${process.pid}-`));
    assert.ok(!existsSync(orphan), "a dead CLI's folder is removed");
    assert.ok(existsSync(live), "a live CLI's folder is kept");
    a.remove();
    assert.ok(!existsSync(a.path));
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
});
