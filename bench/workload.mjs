// Overhead-benchmark workload: terser minifies terser's own lib/ sources (a real, code-heavy, CPU-bound job) and prints the time its work took.
// Usage: deno run -A bench/workload.mjs [--rounds N] | bun bench/workload.mjs [--rounds N]
//
// The work is deterministic (same files, same options, same number of rounds); runtime
// start-up and reading the input are not timed. Prints one JSON line on stdout:
//   workMs     elapsed ms of the work (performance.now)
//   cpuMs      CPU ms of the whole process meanwhile (every thread: GC, JIT, profilers' threads)
//   mainCpuMs  CPU ms of the main thread meanwhile (/proc/thread-self/schedstat), null if unknown
//   otherCpuMs CPU ms the rest of the machine used meanwhile (/proc/stat busy incl. steal,
//              minus cpuMs), null if unknown: tells "slower" from "crowded out" on a shared box
//   rounds, files, inBytes, outBytes, checksum (of the minified output: must never vary)
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join, relative } from "node:path";
import process from "node:process";
import { minify } from "terser";

const DEFAULT_ROUNDS = 1;
const OPTIONS = { module: true, compress: { passes: 2 }, mangle: true, format: { comments: false } };

function parseRounds(argv) {
  const i = argv.indexOf("--rounds");
  if (i < 0) return DEFAULT_ROUNDS;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`workload: --rounds needs a positive integer, got ${argv[i + 1]}\n`);
    process.exit(2);
  }
  return n;
}

function listJs(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listJs(path));
    else if (entry.name.endsWith(".js")) out.push(path);
  }
  return out;
}

/** CPU ms of the calling thread (Linux schedstat, ns resolution), or null. */
function threadCpuMs() {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return null;
  }
}

/** Busy CPU ms of the whole machine so far (user, nice, system, irq, softirq, steal; USER_HZ = 100), or null. */
function machineBusyMs() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 10;
  } catch {
    return null;
  }
}

const root = fileURLToPath(new URL("../node_modules/terser/", import.meta.url));
const files = listJs(join(root, "lib")).sort().map((path) => ({ name: relative(root, path), code: readFileSync(path, "utf8") }));
const rounds = parseRounds(process.argv.slice(2));

let inBytes = 0, outBytes = 0, checksum = 0;
const busy0 = machineBusyMs();
const cpu0 = process.cpuUsage();
const main0 = threadCpuMs();
const start = performance.now();
for (let r = 0; r < rounds; r++) {
  for (const file of files) {
    const result = await minify({ [file.name]: file.code }, OPTIONS);
    inBytes += file.code.length;
    outBytes += result.code.length;
    for (let i = 0; i < result.code.length; i += 97) checksum = (checksum * 31 + result.code.charCodeAt(i)) >>> 0;
  }
}
const workMs = performance.now() - start;
const main1 = threadCpuMs();
const cpu = process.cpuUsage(cpu0);
const busy1 = machineBusyMs();
const cpuMs = (cpu.user + cpu.system) / 1000;
const mainCpuMs = main0 === null || main1 === null ? null : main1 - main0;
const otherCpuMs = busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - cpuMs);
process.stdout.write(
  JSON.stringify({ workMs, cpuMs, mainCpuMs, otherCpuMs, rounds, files: files.length, inBytes, outBytes, checksum }) + "\n",
);
