// The musl libraries (issue 14): neither runtime runs on musl here (Bun's musl build wants
// Alpine's libstdc++, Deno has none), so tests/musl/probe.zig, built for <arch>-linux-musl,
// loads each packaged musl library with dlopen, samples a spin loop on two threads and checks
// the samples; x86_64 natively (Debian's musl), aarch64 under qemu-aarch64-static (musl:arm64).
import t from "tap";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ROOT, run, tempDir } from "../helpers.mjs";

t.setTimeout(240_000); // ~25 s with Zig's cache warm; the cold builds of the libraries and probes take longer

const dir = tempDir();
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const TARGETS = [
  { arch: "x86_64", platform: "linux-x64-musl", loader: "/lib/ld-musl-x86_64.so.1", run: [] },
  { arch: "aarch64", platform: "linux-arm64-musl", loader: "/lib/ld-musl-aarch64.so.1", run: ["qemu-aarch64-static"] },
];

function which(cmd) {
  return (process.env.PATH ?? "").split(":").some((d) => d && existsSync(join(d, cmd)));
}

t.before(async () => {
  const libs = await run("bash", [join(ROOT, "scripts/pack.sh"), "--libs"], { timeout: 200_000 });
  if (libs.status !== 0) throw new Error(`scripts/pack.sh --libs: ${libs.stderr.slice(-3000)}`);
});

for (const target of TARGETS) {
  t.test(`${target.arch}-linux-musl: the packaged library samples two threads of a musl program`, async (t) => {
    if (!existsSync(target.loader)) {
      return t.skip(
        `no ${target.loader} (Debian's musl${target.arch === "aarch64" ? ":arm64" : ""}; .ci/run installs it)`,
      );
    }
    if (target.run.length && !which(target.run[0])) {
      return t.skip(`no ${target.run[0]} (Debian's qemu-user-static; .ci/run installs it)`);
    }
    const probe = join(dir, `probe-${target.arch}`);
    const built = await run("bash", [
      join(ROOT, "scripts/zig.sh"),
      "build-exe",
      join(ROOT, "tests/musl/probe.zig"),
      "-target",
      `${target.arch}-linux-musl`,
      "-mcpu=baseline",
      "-dynamic",
      "-lc",
      "-rdynamic",
      "-fno-omit-frame-pointer",
      "-O",
      "ReleaseSafe",
      `-femit-bin=${probe}`,
    ], { timeout: 120_000 });
    t.equal(built.status, 0, "the probe builds", { stderr: built.stderr });
    const lib = join(ROOT, "dist/lib", target.platform, "lib/libvmprof.so");
    const [cmd, ...pre] = [...target.run, probe];
    const r = await run(cmd, [...pre, lib, join(dir, `${target.arch}.log`), "400"], { timeout: 60_000 });
    t.equal(r.status, 0, "the probe's checks hold", { stderr: r.stderr });
    t.match(r.stderr, /main thread (\d+) samples .* second thread (\d+)/, r.stderr.trim().split("\n")[0]);
    t.match(r.stderr, /^musl probe: ok$/m);
  });
}
