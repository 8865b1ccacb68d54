// Unit tests of lib/commands/deno-dir.ts: the profiled Deno child's DENO_DIR, with links to the
// user's folders and cache files of its own, one per set of V8 flags.
import assert from "node:assert/strict";
import { lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "../harness.ts";
import { childDenoDir, userDenoDir } from "../../lib/commands/deno-dir.ts";

test("userDenoDir: $DENO_DIR, else $XDG_CACHE_HOME/deno, else ~/.cache/deno", () => {
  assert.equal(userDenoDir({ DENO_DIR: "/d", XDG_CACHE_HOME: "/x", HOME: "/h" }), "/d");
  assert.equal(userDenoDir({ XDG_CACHE_HOME: "/x", HOME: "/h" }), "/x/deno");
  assert.equal(userDenoDir({ HOME: "/h" }), "/h/.cache/deno");
});

test("childDenoDir: links to the user's folders, none of their files; one folder per flag set; brought up to date", () => {
  const root = mkdtempSync(join(tmpdir(), "vmprof-deno-dir-"));
  try {
    const user = join(root, "user"), base = join(root, "cache");
    mkdirSync(join(user, "npm"), { recursive: true });
    mkdirSync(join(user, "other"));
    mkdirSync(join(root, "moved"));
    symlinkSync(join(root, "moved"), join(user, "linked")); // a folder of the user's that is a link
    writeFileSync(join(user, "v8_code_cache_v2"), "the user's code cache");
    const env = { DENO_DIR: user };
    const dir = childDenoDir(env, base, ["--perf-basic-prof"])!;
    assert.ok(dir.startsWith(join(base, "deno-dir-")));
    for (const name of ["npm", "other", "linked", "gen", "deps", "remote", "location_data"]) {
      assert.ok(lstatSync(join(dir, name)).isSymbolicLink(), name);
      assert.equal(readlinkSync(join(dir, name)), join(user, name));
      assert.ok(statSync(join(user, name)).isDirectory(), `${name} made in the user's DENO_DIR`);
    }
    assert.throws(() => lstatSync(join(dir, "v8_code_cache_v2")), "the cache files are the child's own");
    assert.equal(childDenoDir(env, base, ["--perf-basic-prof"]), dir, "the same flags: the same folder");
    assert.notEqual(childDenoDir(env, base, ["--perf-basic-prof", "--perf-prof"]), dir, "other flags: another");
    // A folder the user's DENO_DIR gains later, and a link that points elsewhere, are set right.
    mkdirSync(join(user, "later"));
    rmSync(join(dir, "npm"));
    symlinkSync(join(root, "elsewhere"), join(dir, "npm"));
    childDenoDir(env, base, ["--perf-basic-prof"]);
    assert.equal(readlinkSync(join(dir, "later")), join(user, "later"));
    assert.equal(readlinkSync(join(dir, "npm")), join(user, "npm"));
    assert.equal(childDenoDir(env, undefined, ["--perf-basic-prof"]), undefined, "no cache folder: none");
    writeFileSync(join(root, "file"), "");
    assert.equal(childDenoDir(env, join(root, "file"), ["--x"]), undefined, "a cache folder that cannot be made: none");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
