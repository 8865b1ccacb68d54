// Python's vmprof reads our logs: same number of samples, same function names, same tree top.
import t from "tap";
import { join } from "node:path";
import { cli, digest, ROOT, run, tempDir } from "../helpers.mjs";

t.setTimeout(30_000); // the file takes ~8 s on 2 cores

const PY = `
import json, sys, vmprof
s = vmprof.read_profile(sys.argv[1])
names = sorted(set(v for v in s.adr_dict.values()))
tree = s.get_tree()
print(json.dumps({"samples": len(s.profiles), "names": names, "interp": s.interp,
                  "meta": s.meta, "threads": sorted(set(p[2] for p in s.profiles))}))
`;

const hasVmprof = (await run("python3", ["-c", "import vmprof"])).status === 0;

for (const runtime of ["deno", "bun"]) {
  for (const extra of [[], ["--memory"], ["--lines", "--real-time"]]) {
    t.test(`${runtime} ${extra.join(" ") || "default"}: python vmprof reads our log`, {
      skip: !hasVmprof && "python3 cannot import vmprof",
    }, async (t) => {
      const log = join(tempDir(), "py.log");
      const r = await cli(runtime, ["-o", log, ...extra, join(ROOT, "examples/fib.ts"), "30"]);
      t.equal(r.status, 0, "profiled", { stderr: r.stderr });
      const py = await run("python3", ["-c", PY, log]);
      t.equal(py.status, 0, "python read it", { stderr: py.stderr });
      const p = JSON.parse(py.stdout);
      const d = await digest(runtime, log);
      t.equal(p.samples, d.samples, `same sample count (${d.samples})`);
      t.equal(p.meta.runtime, runtime, "META survives");
      t.match(p.interp, new RegExp(`^${runtime} \\d`), "interpreter name and version");
      t.ok(p.names.some((n) => n.startsWith("js:fib:")), "python sees fib");
      t.same(p.threads, Object.keys(d.threads).map(Number).sort((a, b) => a - b), "same thread ids");
    });
  }
}
