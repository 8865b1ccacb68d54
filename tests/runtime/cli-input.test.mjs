// Bad input to the command line and its config file: every option with a wrong type or an
// out-of-range value, unknown ini keys, a missing program, a program that is a directory, an
// unreadable or damaged log. Each gets one line on stderr, no stack trace, and the exit status of
// its kind (lib/errors.ts EXIT_STATUS: 2 usage, 65 bad data, 66 no program, 74 I/O).
import t from "tap";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, ROOT, tempDir } from "../helpers.mjs";

t.setTimeout(120_000); // ~45 CLI starts per runtime, ~0.1 s each on 2 cores, none profiles

const fib = join(ROOT, "examples/fib.ts");
const dir = tempDir();
const ini = (name, text) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};
const log = join(ROOT, "tests/fixtures/python-vmprof.log");
const garbage = ini("garbage.log", "\x00\x00\x00\x00\x00\x00\x00\x00\x07garbage and more garbage");
const json = ini("other.json", '{"hello": 1}');
mkdirSync(join(dir, "a-dir.ts"));
mkdirSync(join(dir, "log-dir"));

const USAGE = 2, BAD_LOG = 65, NO_PROGRAM = 66, IO = 74;

/** [argv, exit status, what the one line says] */
const TABLE = [
  // profile options: wrong types and out-of-range values
  [["-p", "abc", fib], USAGE, /--period expects a number, got "abc"/],
  [["-p", "", fib], USAGE, /--period expects a number, got ""/],
  [["-p", "5", fib], USAGE, /period must be between 1e-6 and 1\.0 seconds, got 5/],
  [["-p", "0", fib], USAGE, /period must be between 1e-6 and 1\.0 seconds, got 0/],
  [["-p", "-0.001", fib], USAGE, /--period: a value that starts with "-" is written --period=VALUE/],
  [["--period=-0.001", fib], USAGE, /period must be between 1e-6 and 1\.0 seconds, got -0\.001/],
  [["-p", "1e-9", fib], USAGE, /period must be between/],
  [["-p", "Infinity", fib], USAGE, /--period expects a number/],
  [["-p", "NaN", fib], USAGE, /--period expects a number/],
  [["--port", "-1", "--web", fib], USAGE, /--port: a value that starts with "-" is written --port=VALUE/],
  [["--port=-1", "--web", fib], USAGE, /--port must be a whole number in 0\.\.65535, got -1/],
  [["--port", "65536", fib], USAGE, /--port must be a whole number in 0\.\.65535, got 65536/],
  [["--port", "80.5", fib], USAGE, /--port must be a whole number/],
  [["--port", "http", fib], USAGE, /--port expects a number, got "http"/],
  [["-o"], USAGE, /Option '-o, --output <value>' argument missing/],
  [["-o", "", fib], USAGE, /-o\/--output needs a file name/],
  [["--config", ini("emptyout.ini", "output =\n"), fib], USAGE, /-o\/--output needs a file name/],
  [["--config", ini("binary.ini", "\x7fELF\x02\x01\x01\n"), fib], USAGE, /binary\.ini:1: expected key = value/],
  [["--lines=yes", fib], USAGE, /--lines' does not take an argument/],
  [["--bogus", fib], USAGE, /Unknown option '--bogus'/],
  [["-Z", fib], USAGE, /Unknown option '-Z'/],
  // the config file
  [["--config", join(dir, "missing.ini"), fib], USAGE, /--config: cannot read .*missing\.ini/],
  [["--config", dir, fib], USAGE, /--config: cannot read/],
  [
    ["--config", ini("unknown.ini", "[vmprof]\nperiod = 0.001\nspeed = 3\n"), fib],
    USAGE,
    /unknown\.ini:3: unknown option "speed"/,
  ],
  [["--config", ini("nokey.ini", "period\n"), fib], USAGE, /nokey\.ini:1: expected key = value, got "period"/],
  [
    ["--config", ini("badbool.ini", "lines = maybe\n"), fib],
    USAGE,
    /badbool\.ini:1: lines must be true or false, got "maybe"/,
  ],
  [["--config", ini("badperiod.ini", "period = fast\n"), fib], USAGE, /--period expects a number, got "fast"/],
  [["--config", ini("range.ini", "period = 2\n"), fib], USAGE, /period must be between 1e-6 and 1\.0 seconds, got 2/],
  [["--config", ini("badport.ini", "port = -3\n"), fib], USAGE, /--port must be a whole number in 0\.\.65535, got -3/],
  [["--config", ini("nested.ini", "config = other.ini\n"), fib], USAGE, /nested\.ini:1: unknown option "config"/],
  // the program
  [[], USAGE, /no program to profile/],
  [["--"], USAGE, /no program to profile/],
  [[join(dir, "nope.ts")], NO_PROGRAM, /cannot find the program to profile: .*nope\.ts/],
  [[join(dir, "a-dir.ts")], NO_PROGRAM, /the program to profile is a directory: .*a-dir\.ts/],
  [
    ["-o", join(dir, "no-such-folder", "out.log"), fib],
    IO,
    /cannot write the log to .*out\.log \(no folder .*no-such-folder\)/,
  ],
  [["-o", join(dir, "log-dir"), fib], IO, /cannot write the log to .*log-dir \(it is a directory\)/],
  // saved logs
  [["show"], USAGE, /show: which log\?/],
  [["show", log, "sideways"], USAGE, /show: unknown view "sideways"/],
  [["show", log, "tree", "extra"], USAGE, /show: unexpected argument "extra"/],
  [["show", log, "--limit=-1", "flat"], USAGE, /--limit must be a whole number >= 0, got -1/],
  [["show", log, "--limit", "2.5", "flat"], USAGE, /--limit must be a whole number >= 0, got 2\.5/],
  [["show", log, "--prune-percent", "150"], USAGE, /--prune-percent must be a number in 0\.\.100, got 150/],
  [["show", log, "--indent", "x"], USAGE, /--indent expects a number, got "x"/],
  [["show", log, "--indent=-2"], USAGE, /--indent must be a whole number in 0\.\.32, got -2/],
  [["show", log, "--thread", "nobody"], USAGE, /show: no thread "nobody"/],
  [["show", join(dir, "missing.log")], IO, /missing\.log: cannot read \(.*ENOENT/],
  [["show", join(dir, "log-dir")], IO, /log-dir: cannot read \(.*(EISDIR|directory)/i],
  [["show", garbage], BAD_LOG, /garbage\.log: not a vmprof log \(bad static header: byte 8 is 0x07/],
  [["show", json], BAD_LOG, /other\.json: JSON, but not a \.cpuprofile/],
  [["export", log, "--format", "png"], USAGE, /unknown export format "png" \(one of: speedscope/],
  [["export", garbage, "--format", "collapsed"], BAD_LOG, /not a vmprof log/],
  [["diff", log], USAGE, /diff: which two profiles\?/],
  [["diff", log, log, "--limit=-4"], USAGE, /--limit expects a whole number, got -4/],
  [["view", log, "--port", "99999"], USAGE, /--port must be a whole number in 0\.\.65535, got 99999/],
  [["view", join(dir, "missing.log"), "--no-open"], IO, /missing\.log: cannot read/],
];

for (const runtime of ["deno", "bun"]) {
  t.test(`${runtime}: each bad input is one clear line and the exit status of its kind`, async (t) => {
    for (const [args, status, re] of TABLE) {
      const what = args.map((a) => a.replace(dir, "DIR").replace(ROOT, "ROOT")).join(" ") || "(nothing)";
      const r = await cli(runtime, args);
      const lines = r.stderr.trimEnd().split("\n");
      t.equal(r.status, status, `${what} → status ${status}`, { stderr: r.stderr });
      t.equal(lines.length, 1, `${what} → one line`, { stderr: r.stderr });
      t.match(lines[0], /^vmprof-js: /, `${what} → the tool's prefix`);
      t.match(lines[0], re, `${what} → says what is wrong`);
      t.notMatch(r.stderr, /^\s+at /m, `${what} → no stack trace`);
      t.equal(r.stdout, "", `${what} → nothing on stdout`);
    }
  });
}
