// Unit tests of lib/commands/profile-args.ts (and show's options): splitting at the program, defaults, the period
// range, the config file (command line wins), and one-line errors for every mistake.
import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { parseIni, parseProfileArgs as parseCommandLine, splitAtProgram } from "../../lib/commands/profile-args.ts";
import { parseShowArgs } from "../../lib/commands/show.ts";
import { VmprofError } from "../../lib/errors.ts";

function badOption(f: () => unknown, re: RegExp) {
  assert.throws(
    f,
    (e: unknown) =>
      e instanceof VmprofError && e.code === "BAD_OPTION" && re.test(e.message) && !e.message.includes("\n"),
  );
}

test("the program and its own options are passed through untouched", () => {
  assert.deepEqual(splitAtProgram(["-o", "x.log", "-n", "app.ts", "-o", "y", "--flag"]), {
    own: ["-o", "x.log", "-n"],
    rest: ["app.ts", "-o", "y", "--flag"],
  });
  assert.deepEqual(splitAtProgram(["--period", "0.01", "--", "-weird.ts", "a"]), {
    own: ["--period", "0.01"],
    rest: ["-weird.ts", "a"],
  });
  const a = parseCommandLine(["-o", "x.log", "app.ts", "-p", "7"]);
  assert.equal(a.command, "profile");
  if (a.command !== "profile") return;
  assert.equal(a.program, "app.ts");
  assert.deepEqual(a.args, ["-p", "7"]);
  assert.equal(a.output, "x.log");
  assert.equal(a.period, 0.00099);
  assert.equal(a.native || a.lines || a.realTime || a.memory || a.allThreads, false);
});

test("every profiling option", () => {
  const a = parseCommandLine([
    "-p",
    "0.01",
    "-n",
    "--lines",
    "--real-time",
    "--memory",
    "--all-threads",
    "--output=o.log",
    "--web",
    "--port",
    "8123",
    "--no-open",
    "app.ts",
  ]);
  assert.deepEqual(a, {
    command: "profile",
    program: "app.ts",
    args: [],
    output: "o.log",
    period: 0.01,
    native: true,
    lines: true,
    realTime: true,
    memory: true,
    allThreads: true,
    web: true,
    port: 8123,
    open: false,
  });
});

test("period bounds are 1e-6 .. 1.0 seconds", () => {
  for (const p of ["0.000001", "1.0", "0.5"]) parseCommandLine(["-p", p, "a.ts"]);
  badOption(() => parseCommandLine(["-p", "0.0000009", "a.ts"]), /between 1e-6 and 1\.0 seconds, got 9e-7/);
  badOption(() => parseCommandLine(["-p", "2", "a.ts"]), /got 2$/);
  badOption(() => parseCommandLine(["-p", "fast", "a.ts"]), /--period expects a number, got "fast"/);
});

test("bad options and missing pieces are one-line BAD_OPTION errors", () => {
  badOption(() => parseCommandLine(["--nope", "a.ts"]), /Unknown option '--nope'/);
  badOption(() => parseCommandLine([]), /no program to profile/);
  badOption(() => parseCommandLine(["-o"]), /argument missing|requires|value/i);
  badOption(() => parseShowArgs([]), /which log/);
  badOption(() => parseShowArgs(["x.log", "sideways"]), /unknown view "sideways"/);
  badOption(() => parseShowArgs(["x.log", "--indent", "x"]), /--indent expects a number/);
});

test("ini file: keys as long options, booleans, comments; the command line wins", () => {
  const ini =
    "[vmprof]\n# comment\n; other comment\nperiod = 0.005\nreal_time = true\nmemory = no\noutput = file.log\n";
  assert.deepEqual(parseIni(ini, "c.ini"), { period: "0.005", "real-time": true, memory: false, output: "file.log" });
  const a = parseCommandLine(["--config", "c.ini", "-o", "cli.log", "app.ts"], () => ini);
  assert.ok(a.command === "profile");
  if (a.command !== "profile") return;
  assert.equal(a.output, "cli.log");
  assert.equal(a.period, 0.005);
  assert.equal(a.realTime, true);
  badOption(() => parseIni("colour = red\n", "c.ini"), /c\.ini:1: unknown option "colour"/);
  badOption(() => parseIni("native = maybe\n", "c.ini"), /c\.ini:1: native must be true or false/);
  badOption(() => parseIni("just words\n", "c.ini"), /c\.ini:1: expected key = value/);
  badOption(() =>
    parseCommandLine(["--config", "/nonexistent.ini", "a.ts"], () => {
      throw new Error("ENOENT");
    }), /cannot read \/nonexistent\.ini/);
  badOption(() => parseCommandLine(["--config", "c.ini", "a.ts"], () => "period = 3\n"), /got 3/);
});

test("show options", () => {
  assert.deepEqual(parseShowArgs(["x.log", "flat", "--percent-cutoff", "2", "--no-native", "--limit", "5"]), {
    log: "x.log",
    view: "flat",
    prunePercent: 0,
    pruneLevel: Infinity,
    indent: 2,
    percentCutoff: 2,
    noNative: true,
    limit: 5,
    filter: undefined,
    thread: undefined,
  });
  assert.deepEqual(
    [
      parseShowArgs(["x.log", "lines", "--filter", "fib"]).filter,
      parseShowArgs(["x.log", "--thread", "worker-1"]).thread,
    ],
    ["fib", "worker-1"],
  );
  const t = parseShowArgs(["x.log", "--prune-percent", "1.5", "--prune-level", "3", "--indent", "4"]);
  assert.equal(t.prunePercent, 1.5);
  assert.equal(t.pruneLevel, 3);
  assert.equal(t.indent, 4);
  assert.equal(parseCommandLine(["--help"]).command, "help");
  assert.equal(parseCommandLine(["-v"]).command, "version");
});
