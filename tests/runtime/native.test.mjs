// Native frames: profiles a program that spends about half its time in a C function called through
// FFI (tests/fixtures/native: spin.c built here with gcc, ffi-spin.ts). With -n the function is named
// from the library's ELF symbols with its share; without -n its time folds into the JS caller.
import t from "tap";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { cli, digest, ROOT, run, tempDir } from "../helpers.mjs";

t.setTimeout(40_000); // the file takes ~11 s on 2 cores

const FIX = join(ROOT, "tests/fixtures/native");
const fixture = join(FIX, "ffi-spin.ts");
const dir = tempDir();
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

const lib = join(dir, "libspin.so");
const gcc = await run("gcc", ["-O2", "-fno-omit-frame-pointer", "-shared", "-fPIC", "-o", lib, join(FIX, "spin.c")]);
const built = gcc.status === 0;

// Deno calls FFI functions through libffi's ffi_call_unix64 (inside the stripped deno binary), which
// repurposes rbp: the sampler's walk recognises its return point and steps over its frame.
const chain = () => ({});

const jsFrom = (d, pred) => Object.entries(d.functions).filter(([n]) => n.includes("ffi-spin.ts") && pred(n));
const sum = (rows, key) => rows.reduce((a, [, f]) => a + f[key], 0);

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: -n names native_spin from the library's ELF symbols`, {
    skip: built ? false : `gcc failed: ${gcc.stderr || gcc.error}`,
  }, async (t) => {
    const log = join(dir, `${runtime}-n.log`);
    const r = await cli(runtime, ["-n", "-o", log, fixture, lib, "2"]);
    t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
    const truth = JSON.parse(r.stdout.trim().split("\n").pop());
    const d = await digest(runtime, log);
    t.ok(d.samples > 500, `enough samples (${d.samples})`);
    const names = Object.keys(d.functions);
    const spin = Object.entries(d.functions).filter(([n]) => /^native_spin\b/.test(n));
    const share = sum(spin, "self") / d.samples;
    t.ok(spin.length > 0, "native_spin is named", { functions: names.slice(0, 15) });
    t.ok(
      Math.abs(share - truth.native) <= 0.1,
      `native_spin self ${(share * 100).toFixed(1)}% vs measured ${(truth.native * 100).toFixed(1)}%`,
    );
    t.ok(spin.every(([n]) => n.includes("libspin.so")), "the frame names its library");
    t.notOk(names.some((n) => /libspin\.so\+0x/.test(n)), "no pc of native_spin is left as module+offset");
    t.notOk(names.some((n) => /libvmprof/.test(n)), "our own library's frames never show");
    const caller = Object.entries(d.functions).find(([n]) => n.startsWith("callNative "))?.[1];
    const module = Object.entries(d.functions).find(([n]) => n.startsWith("<module> ") && n.includes("ffi-spin.ts"))
      ?.[1];
    // JSC may inline callNative into the module's loop: then the module is the caller.
    const callerTotal = Math.max(
      caller?.total ?? 0,
      (module?.total ?? 0) - (d.functions[names.find((n) => n.startsWith("jsSpin ")) ?? ""]?.total ?? 0),
    );
    t.ok(
      callerTotal / d.samples >= truth.native - 0.1,
      `the JS caller is on native_spin's stacks (${(100 * callerTotal / d.samples).toFixed(1)}%)`,
      chain(runtime),
    );
  });

  t.test(
    `${runtime}: without -n native time folds into the JS caller`,
    { skip: built ? false : "gcc failed" },
    async (t) => {
      const log = join(dir, `${runtime}.log`);
      const r = await cli(runtime, ["-o", log, fixture, lib, "2"]);
      t.equal(r.status, 0, "exit status 0", { stderr: r.stderr });
      const truth = JSON.parse(r.stdout.trim().split("\n").pop());
      const d = await digest(runtime, log);
      t.ok(d.samples > 500, `enough samples (${d.samples})`);
      const names = Object.keys(d.functions);
      t.notOk(names.some((n) => /native_spin|libspin|libvmprof/.test(n)), "no native frame shows", {
        functions: names.slice(0, 15),
      });
      // The samples taken in C are charged to JS code of the fixture other than jsSpin: callNative,
      // or the module code it was inlined into.
      const folded = sum(jsFrom(d, (n) => !n.startsWith("jsSpin ")), "self") / d.samples;
      t.ok(
        Math.abs(folded - truth.native) <= 0.1,
        `JS callers' self ${(folded * 100).toFixed(1)}% vs native time measured ${(truth.native * 100).toFixed(1)}%`,
        chain(runtime),
      );
      t.ok(d.namedShare >= 0.9, `named share ${(d.namedShare * 100).toFixed(1)}% >= 90%`, chain(runtime));
    },
  );
}
