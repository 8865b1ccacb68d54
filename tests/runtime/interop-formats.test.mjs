// Interop with the tools profiler users already have, on real logs made here by both runtimes:
// every export opened by its real consumer (go tool pprof, a JSON-schema validator, an XML
// parser) with the numbers of `show`; .cpuprofiles from deno/bun --cpu-prof shown and diffed;
// Python vmprof's logs (CPython made here, PyPy made here or the fixture) shown and exported;
// our logs, gzipped too, read by vmprofshow; bad input as one line and a status.
import t from "tap";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { BUN, cli, DENO, digest, ROOT, run as runChild, tempDir } from "../helpers.mjs";

t.setTimeout(100_000); // the file takes 22-33 s on 2 cores

const FIB = join(ROOT, "examples/fib.ts");
const FORMATS = join(ROOT, "tests/fixtures/formats");
const has = async (cmd, args) => (await runChild(cmd, args, { stdio: "ignore" })).status === 0;
const hasGo = await has("go", ["version"]);
const hasVmprof = await has("python3", ["-c", "import vmprof"]);
const hasJsonschema = await has("python3", ["-c", "import jsonschema"]);
const hasPypy = await has("pypy3", ["-c", "import _vmprof"]);
// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;

/** `show LOG flat` as rows { self, total, name }, in the order printed (the table ends at a blank line). */
function flatRows(text) {
  const lines = text.split("\n");
  const end = lines.indexOf("", 1);
  return lines.slice(1, end < 0 ? undefined : end).map((l) => {
    const m = /^\s*[\d.]+%\s+(\d+)\s+[\d.]+%\s+(\d+)\s+(.*)$/.exec(l);
    if (!m) throw new Error(`not a flat row: ${l}`);
    return { self: Number(m[1]), total: Number(m[2]), name: m[3] };
  });
}

/** python3, pypy3, go, deno/bun --cpu-prof: each takes under 2 s here. */
async function run(cmd, args, opts = {}) {
  const r = await runChild(cmd, args, { timeout: 30_000, ...opts });
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** Our log exported to each format and the checks every test needs. */
async function exportAll(t, runtime, log, dir) {
  const out = {};
  for (
    const [format, ext] of [["speedscope", ".speedscope.json"], ["cpuprofile", ".cpuprofile"], ["pprof", ".pb.gz"], [
      "collapsed",
      ".folded",
    ], ["svg", ".svg"]]
  ) {
    const file = join(dir, `out${ext}`);
    const r = await cli(runtime, ["export", log, "--format", format, "-o", file]);
    t.equal(r.status, 0, `export ${format}`, { stderr: r.stderr });
    t.ok(r.stderr.includes(`wrote ${file} (${format}, `), "says what it wrote");
    out[format] = file;
  }
  return out;
}

// One log per runtime shared by the tests below: fib.ts with memory on, and a three-thread one.
const logs = {};
for (const runtime of ["deno", "bun"]) {
  const dir = tempDir();
  const fib = join(dir, "fib.log");
  const workers = join(dir, "workers.log");
  const a = await cli(runtime, ["-o", fib, "--memory", FIB, "27"]);
  const b = await cli(runtime, ["-o", workers, join(ROOT, "tests/fixtures/workers.ts")]);
  logs[runtime] = { dir, fib, workers, ok: a.status === 0 && b.status === 0, stderr: a.stderr + b.stderr };
}

// Python vmprof logs made here, once: CPython's (vmprof 0.6) and PyPy's (its built-in _vmprof).
const pyLogs = { logs: [["pypy fixture", join(FORMATS, "pypy-vmprof.log.gz"), "squares"]], made: [], comments: [] };
if (hasVmprof) {
  const log = join(tempDir(), "cpython.log");
  const r = await run("python3", [
    "-c",
    `
import sys, vmprof
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
with open(sys.argv[1], "w+b") as f:
    vmprof.enable(f.fileno(), 0.001, memory=True)
    for _ in range(15):
        fib(20)
    vmprof.disable()
`,
    log,
  ]);
  pyLogs.made.push(["CPython vmprof", r]);
  pyLogs.logs.push(["cpython", log, "fib"]);
} else pyLogs.comments.push("python3 cannot import vmprof: the CPython log is skipped");
if (hasPypy) {
  const log = join(tempDir(), "pypy.log");
  pyLogs.made.push(["PyPy's _vmprof", await run("pypy3", [join(FORMATS, "make_pypy_log.py"), log])]);
  pyLogs.logs.push(["pypy", log, "squares"]);
} else pyLogs.comments.push("pypy3 is missing: the live PyPy log is skipped (the fixture is not)");

for (const runtime of ["deno", "bun"]) {
  const { dir, fib, workers, ok, stderr } = logs[runtime];

  t.test(`${runtime}: every export agrees with show`, async (t) => {
    t.ok(ok, "profiled fib.ts and workers.ts", { stderr });
    const show = await cli(runtime, ["show", fib, "flat"]);
    t.equal(show.status, 0);
    const rows = flatRows(show.stdout);
    const d = await digest(runtime, fib);
    t.ok(d.samples > 50, `a real profile (${d.samples} samples)`);
    const files = await exportAll(t, runtime, fib, dir);

    // speedscope: frames counted once per sample give show's self and total.
    const ss = JSON.parse(readFileSync(files.speedscope, "utf8"));
    const counts = new Map();
    const label = (f) => {
      const fr = ss.shared.frames[f];
      return fr.file ? `${fr.name} (${fr.file}${fr.line ? ":" + fr.line : ""})` : fr.name;
    };
    let samples = 0;
    for (const p of ss.profiles) {
      t.ok(p.weights.every((w) => w === p.weights[0]), "each sample weighs one period");
      for (const stack of p.samples) {
        samples++;
        for (const n of new Set(stack.map(label))) {
          const c = counts.get(n) ?? { self: 0, total: 0 };
          c.total++;
          counts.set(n, c);
        }
        if (stack.length) counts.get(label(stack[stack.length - 1])).self++;
      }
    }
    t.equal(samples, d.samples, "every sample is in a speedscope profile");
    t.same(Object.fromEntries(counts), d.functions, "speedscope self/total per function = show flat");

    // cpuprofile: read back by show, the same table (V8's "(program)" stands for empty stacks).
    const back = await cli(runtime, ["show", files.cpuprofile, "flat"]);
    t.equal(back.status, 0, "show reads the exported .cpuprofile", { stderr: back.stderr });
    const backRows = flatRows(back.stdout).filter((r) => r.name !== "(program)");
    t.same(
      backRows.map((r) => [r.name, r.self, r.total]).sort(),
      rows.map((r) => [r.name, r.self, r.total]).sort(),
      "log → cpuprofile → show: the same rows",
    );

    // collapsed: counts add up to the samples.
    const folded = readFileSync(files.collapsed, "utf8").trimEnd().split("\n");
    t.equal(folded.reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0), d.samples, "folded counts add up");

    // SVG: an XML parser reads it; the widest frame under the root is the hottest function by total.
    const py = await run("python3", [
      "-c",
      `
import sys, xml.etree.ElementTree as E
ns = {"s": "http://www.w3.org/2000/svg"}
frames = []
for g in E.parse(sys.argv[1]).getroot().iter("{http://www.w3.org/2000/svg}g"):
    frames.append((float(g.find("s:rect", ns).get("width")), g.find("s:title", ns).text))
frames.sort(key=lambda f: -f[0])
print(frames[1][1])
`,
      files.svg,
    ]);
    t.equal(py.status, 0, "python's XML parser reads the SVG", { stderr: py.stderr });
    const hottest = Object.entries(d.functions).sort((a, b) => b[1].total - a[1].total)[0][0];
    t.ok(py.stdout.startsWith(hottest + ":"), `widest frame is ${hottest} (${py.stdout.trim()})`);

    // speedscope's own JSON schema, with a real validator.
    if (hasJsonschema) {
      const v = await run("python3", [
        "-c",
        `
import json, sys, jsonschema
jsonschema.Draft7Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))
`,
        join(FORMATS, "speedscope-file-format-schema.json"),
        files.speedscope,
      ]);
      t.equal(v.status, 0, "valid against speedscope's file-format schema (python jsonschema)", { stderr: v.stderr });
    }

    // pprof: go tool pprof reads it; its flat and cum counts are show's self and total.
    if (hasGo) {
      const top = await run("go", [
        "tool",
        "pprof",
        "-top",
        "-lines",
        "-sample_index=samples",
        "-nodecount=100000",
        files.pprof,
      ]);
      t.equal(top.status, 0, "go tool pprof -top reads it", { stderr: top.stderr });
      const got = {};
      for (const l of top.stdout.split("\n")) {
        const m = /^\s*(\d+)\s+[\d.]+%\s+[\d.]+%\s+(\d+)\s+[\d.]+%\s+(.*)$/.exec(l);
        if (m) got[m[3]] = { self: Number(m[1]), total: Number(m[2]) };
      }
      const want = Object.fromEntries(Object.entries(d.functions).map(([n, c]) => [n.replace(/ \((.*)\)$/, " $1"), c]));
      t.same(got, want, "pprof flat/cum per function = show flat");
      t.match(top.stdout, new RegExp(`Total samples = ${d.samples}\\b`));
      const tags = await run("go", ["tool", "pprof", "-tags", files.pprof]);
      t.match(tags.stdout, /rss: Total/, "memory as the rss label");
      t.match(tags.stdout, /thread_id: Total/, "thread ids as a label");
      // Tiers, when the log has them ("by tier: ignition 69%, turbofan 29%" under show's table).
      const tiers = /by tier: (.*)/.exec(show.stdout)?.[1].split(", ").map((x) => x.split(" ")[0]) ?? [];
      for (const tier of tiers) t.match(tags.stdout, new RegExp(`\\): ${tier}\\n`), `tier ${tier} as a label`);
    }
    if (/by tier: /.test(show.stdout)) {
      t.match(
        readFileSync(files.svg, "utf8"),
        /samples \([\d.]+%\); [a-z]+ \d+/,
        "the SVG's tooltips give samples per tier",
      );
    } else {
      t.comment("go is missing: pprof checks skipped");
    }
  });

  t.test(`${runtime}: threads carry over (speedscope profiles, pprof labels, --thread)`, async (t) => {
    t.ok(ok, "profiled", { stderr });
    const d = await digest(runtime, workers);
    const threads = Object.keys(d.threads);
    t.ok(threads.length >= 3, `three threads (${threads})`);
    const ss = join(dir, "workers.speedscope.json");
    t.equal((await cli(runtime, ["export", workers, "-o", ss])).status, 0, "format from the extension");
    const file = JSON.parse(readFileSync(ss, "utf8"));
    t.equal(file.profiles.length, threads.length, "a speedscope profile per thread");
    t.ok(
      file.profiles.some((p) => /^(worker-|Worker)/.test(p.name)),
      `threads are named (${file.profiles.map((p) => p.name)})`,
    );
    const busiest = threads.sort((a, b) => d.threads[b] - d.threads[a])[0];
    const one = await cli(runtime, ["export", workers, "-f", "collapsed", "-o", "-", "--thread", busiest]);
    t.equal(one.status, 0);
    const n = one.stdout.trimEnd().split("\n").reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0);
    t.equal(n, d.threads[busiest], "--thread keeps that thread's samples");
    const prefix = file.profiles.map((p) => p.name).find((n) => /^(worker-|Worker)/.test(n)).slice(0, 6);
    const byName = await cli(runtime, ["export", workers, "-f", "speedscope", "-o", "-", "--thread", prefix]);
    t.equal(byName.status, 0, `--thread ${prefix}: by name prefix`, { stderr: byName.stderr });
    t.equal(
      JSON.parse(byName.stdout).profiles.length,
      file.profiles.filter((p) => p.name.startsWith(prefix)).length,
      "the workers' profiles",
    );
    const roots = (await cli(runtime, ["export", workers, "-f", "collapsed", "-o", "-", "--threads"])).stdout;
    t.equal(
      new Set(roots.trimEnd().split("\n").map((l) => l.split(";")[0])).size,
      threads.length,
      "--threads: a root per thread",
    );
    if (hasGo) {
      const pb = join(dir, "workers.pb.gz");
      t.equal((await cli(runtime, ["export", workers, "-o", pb])).status, 0);
      const tags = await run("go", ["tool", "pprof", "-tags", pb]);
      t.match(tags.stdout, /thread: Total/, "thread names as a label");
    }
  });

  t.test(`${runtime}: gzipped logs read the same; Python's vmprof reads ours`, async (t) => {
    t.ok(ok, "profiled", { stderr });
    const gz = join(dir, "fib.log.gz");
    writeFileSync(gz, gzipSync(readFileSync(fib)));
    for (const view of ["tree", "flat"]) {
      t.equal(
        (await cli(runtime, ["show", gz, view])).stdout,
        (await cli(runtime, ["show", fib, view])).stdout,
        `show ${view}: gzip = plain`,
      );
    }
    t.same((await digest(runtime, gz)).functions, (await digest(runtime, fib)).functions, "readProfile: gzip = plain");
    if (!hasVmprof) return t.comment("python3 cannot import vmprof: skipped");
    // Self counts, each as a share of all the self time (vmprofshow's total may count empty stacks differently).
    const norm = (xs) => xs.filter((x) => x > 0).map((x) => x / xs.reduce((a, y) => a + y, 0)).sort((a, b) => b - a);
    const ours = norm(flatRows((await cli(runtime, ["show", fib, "flat"])).stdout).map((x) => x.self));
    for (const file of [fib, gz]) {
      const r = await run("python3", ["-m", "vmprof.show", file, "flat"]);
      t.equal(r.status, 0, `vmprofshow reads our log${file.endsWith(".gz") ? ", gzipped" : ""}`, { stderr: r.stderr });
      // "    52.128% - name:file:line", ANSI-coloured.
      const theirs = norm(
        r.stdout.replace(ANSI, "").split("\n")
          .map((l) => /^\s*([\d.]+)% - /.exec(l)).filter(Boolean).map((m) => Number(m[1])),
      );
      t.equal(theirs.length, ours.length, "the same functions with self time");
      t.ok(theirs.every((x, i) => Math.abs(x - ours[i]) < 1e-4), "the same self shares");
    }
  });

  t.test(`${runtime}: .cpuprofiles from deno and bun --cpu-prof open in show, export and diff`, async (t) => {
    t.ok(ok, "profiled", { stderr });
    const profiles = [];
    for (
      const [name, cmd, args] of [
        ["deno", DENO, ["run", "-A", "--cpu-prof", "--cpu-prof-dir=D", FIB, "30"]],
        ["bun", BUN, ["--cpu-prof", "--cpu-prof-dir=D", FIB, "30"]],
      ]
    ) {
      const d = join(tempDir(), "prof");
      const r = await run(cmd, args.map((a) => a.replace("=D", `=${d}`)), { cwd: ROOT });
      t.equal(r.status, 0, `${name} --cpu-prof`, { stderr: r.stderr });
      const file = readdirSync(d).find((f) => f.endsWith(".cpuprofile"));
      t.ok(file, `${name} wrote a .cpuprofile`);
      profiles.push([name, join(d, file)]);
    }
    // Our .cpuprofile has the runtimes' shape: the same top-level keys, node and callFrame fields.
    const ours = join(tempDir(), "ours.cpuprofile");
    t.equal((await cli(runtime, ["export", fib, "-o", ours])).status, 0);
    const mine = JSON.parse(readFileSync(ours, "utf8"));
    for (const [name, file] of profiles) {
      const real = JSON.parse(readFileSync(file, "utf8"));
      t.same(Object.keys(mine).sort(), Object.keys(real).sort(), `top-level keys as ${name}'s`);
      const keys = (objs) => [...new Set(objs.flatMap((o) => Object.keys(o)))].sort();
      const extra = (a, b) => a.filter((k) => !b.includes(k));
      t.same(extra(keys(mine.nodes), [...keys(real.nodes), "positionTicks"]), [], `node fields known to ${name}`);
      t.same(
        extra(keys(mine.nodes.map((n) => n.callFrame)), keys(real.nodes.map((n) => n.callFrame))),
        ["codeType"],
        `callFrame fields as ${name}'s, plus V8's codeType`,
      );
      t.same(real.nodes[0].callFrame, mine.nodes[0].callFrame, "the same (root) node");
    }
    for (const [name, file] of profiles) {
      const json = JSON.parse(readFileSync(file, "utf8"));
      const show = await cli(runtime, ["show", file, "flat"]);
      t.equal(show.status, 0, `show ${name}'s .cpuprofile`, { stderr: show.stderr });
      const rows = flatRows(show.stdout);
      t.ok(rows.some((r) => /^fib \(.*fib\.ts:5\)$/.test(r.name)), `${name}: fib at its line`);
      t.ok(rows.some((r) => /^words /.test(r.name)), `${name}: words`);
      t.equal(rows.reduce((a, r) => a + r.self, 0) <= json.samples.length, true);
      const tree = await cli(runtime, ["show", file]);
      t.equal(tree.status, 0, "tree");
      const folded = (await cli(runtime, ["export", file, "-f", "collapsed", "-o", "-"])).stdout.trimEnd().split("\n");
      t.equal(
        folded.reduce((a, l) => a + Number(l.slice(l.lastIndexOf(" ") + 1)), 0),
        json.samples.length,
        "every sample",
      );
      const diff = await cli(runtime, ["diff", fib, file]);
      t.equal(diff.status, 0, `diff our log with ${name}'s`, { stderr: diff.stderr });
      t.match(diff.stdout, /^A: .*fib\.log \(\d+ samples\)\nB: .*\.cpuprofile \(\d+ samples\)\n/);
      t.match(diff.stdout, /\d {2}words/, "words is compared");
    }
  });

  t.test(`${runtime}: Python vmprof logs (CPython made here, PyPy) show and export`, async (t) => {
    for (const c of pyLogs.comments) t.comment(c);
    for (const [what, r] of pyLogs.made) t.equal(r.status, 0, `${what} wrote a log`, { stderr: r.stderr });
    for (const [what, log, fn] of pyLogs.logs) {
      const show = await cli(runtime, ["show", log, "flat"]);
      t.equal(show.status, 0, `show ${what}`, { stderr: show.stderr });
      t.match(show.stdout, new RegExp(`\\n.*\\b${fn} \\(`), `${what}: ${fn} is there`);
      const tree = await cli(runtime, ["show", log]);
      t.equal(tree.status, 0, `show ${what} tree`);
      const dir = tempDir();
      for (const f of ["svg", "speedscope", "pprof"]) {
        const r = await cli(runtime, ["export", log, "-f", f, "-o", join(dir, `py.${f}`)]);
        t.equal(r.status, 0, `export ${what} as ${f}`, { stderr: r.stderr });
      }
      if (hasGo) {
        t.equal(
          (await run("go", ["tool", "pprof", "-top", join(dir, "py.pprof")])).status,
          0,
          `${what}: go tool pprof reads it`,
        );
      }
    }
  });

  t.test(`${runtime}: bad input is one line and a status, never a stack trace`, async (t) => {
    const dir = tempDir();
    const junk = join(dir, "junk.log");
    writeFileSync(junk, "this is not a profile\n");
    const ss = join(dir, "x.speedscope.json");
    writeFileSync(ss, JSON.stringify({ $schema: "https://www.speedscope.app/file-format-schema.json", profiles: [] }));
    const cases = [
      [
        ["export", FIB, "--format", "nope"],
        2,
        /unknown export format "nope" \(one of: speedscope, cpuprofile, pprof, collapsed, svg\)/,
      ],
      [["export", junk], 2, /export: which format\?/],
      [["export", join(dir, "missing.log"), "-f", "svg"], 74, /missing\.log: cannot read/],
      [["export", junk, "-f", "svg"], 65, /junk\.log: not a vmprof log/],
      [["export", fib, "-f", "svg", "-o", join(dir, "no/such/dir/x.svg")], 74, /x\.svg: cannot write/],
      [
        ["export", fib, "-f", "svg", "--thread", "12345678"],
        2,
        /export: no thread "12345678" in .*fib\.log \(threads: \d+/,
      ],
      [["show", ss], 65, /a speedscope file/],
      [["show", join(dir, "missing.cpuprofile")], 74, /cannot read/],
      [["diff", fib], 2, /diff: which two profiles\?/],
      [["diff", fib, junk], 65, /junk\.log: not a vmprof log/],
      [["diff", fib, fib, "--by", "x"], 2, /--by must be self or total/],
    ];
    for (const [args, status, re] of cases) {
      const r = await cli(runtime, args);
      const what = args.map((a) => a.replace(dir, "D").replace(ROOT, "R")).join(" ");
      t.equal(r.status, status, `${what} → status ${status}`);
      t.match(r.stderr, re, `${what} → message`);
      t.equal(r.stderr.trim().split("\n").length, 1, `${what} → one line`);
      t.notMatch(r.stderr, /^\s+at /m, "no stack trace");
    }
    const help = await cli(runtime, ["export", "--help"]);
    t.match(help.stdout, /speedscope +\.speedscope\.json/, "export --help lists the formats");
  });
}
