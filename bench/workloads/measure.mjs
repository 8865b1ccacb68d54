// What the benchmark workloads share: the --scale option, CPU clocks, input helpers and the timed run that prints the one JSON result line.
//
// Result protocol: a workload prints exactly one JSON line on stdout:
//   workMs     elapsed ms of the work (performance.now)
//   cpuMs      CPU ms of the whole process meanwhile (every thread: GC, JIT, profilers' threads)
//   mainCpuMs  CPU ms of the main thread meanwhile (/proc/thread-self/schedstat), null if unknown
//   otherCpuMs CPU ms the rest of the machine used meanwhile (/proc/stat busy incl. steal,
//              minus cpuMs), null if unknown: tells "slower" from "crowded out" on a shared box
//   peakRssKb  peak resident set of the process (VmHWM) at the end of the work, null if unknown
//   checksum   a 32-bit unsigned hash of the work's output: must never vary for a given --scale
//   ...        workload-specific counts (scale, files, inBytes, ...)
// Runtime start-up and reading the input are not timed: only the work function passed to run().
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/** The project's node_modules folder (where every workload finds its input). */
export const NODE_MODULES = fileURLToPath(new URL("../../node_modules/", import.meta.url));

/** Prints `<workload>: message` on stderr and exits with status 2 (a usage error). */
export function usageError(name, msg) {
  process.stderr.write(`${name}: ${msg}\n`);
  process.exit(2);
}

/**
 * Parses the command line: only `--scale X` (or `--scale=X`), a positive finite number that
 * multiplies the amount of work (default 1; 0.15 is the quick mode). Anything else is a usage error.
 */
export function parseScale(name, argv = process.argv.slice(2)) {
  let scale = 1;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let text;
    if (arg === "--scale") {
      text = argv[++i];
      if (text === undefined) usageError(name, "--scale needs a value (a positive number, e.g. 1 or 0.15)");
    } else if (arg.startsWith("--scale=")) {
      text = arg.slice("--scale=".length);
    } else {
      usageError(name, `unknown argument ${JSON.stringify(arg)} (usage: ${name} [--scale X])`);
    }
    scale = Number(text);
    if (text.trim() === "" || !Number.isFinite(scale) || scale <= 0) {
      usageError(name, `--scale needs a positive number, got ${JSON.stringify(text)}`);
    }
  }
  return scale;
}

/** Math.round(scale * atScaleOne), at least 1: a count of work items for this scale. */
export function scaledCount(scale, atScaleOne) {
  return Math.max(1, Math.round(scale * atScaleOne));
}

/**
 * The work list for a scale: the items in order, cycling, until their weights add up to
 * scale × the total weight (at least one item). Scale 1 is every item once; 0.15 the first
 * 15% of the input; 2.5 the whole list twice and then half of it.
 */
export function takeScaled(items, weight, scale) {
  const total = items.reduce((sum, item) => sum + weight(item), 0);
  const target = scale * total;
  const out = [];
  let sum = 0;
  // The small tolerance keeps scale 1 at exactly one pass despite float rounding.
  while (out.length === 0 || sum < target - 1e-9 * total) {
    const item = items[out.length % items.length];
    out.push(item);
    sum += weight(item);
  }
  return out;
}

/** Every file under dir (recursively) for which keep(path) holds, sorted by path (code-unit order). */
export function listFiles(dir, keep) {
  const out = [];
  const walk = (d) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && keep(path)) out.push(path);
    }
  };
  walk(dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Reads files into { name (relative to base), code } records, in the given order. */
export function readSources(paths, base = NODE_MODULES) {
  return paths.map((path) => ({ name: relative(base, path), code: readFileSync(path, "utf8") }));
}

/** Folds every `step`-th UTF-16 code unit of text (from the first) into a 32-bit checksum: h = h × 31 + unit. */
export function hashText(checksum, text, step = 1) {
  let h = checksum >>> 0;
  for (let i = 0; i < text.length; i += step) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

/** Folds a number (an integer count) into a 32-bit checksum. */
export function hashNumber(checksum, n) {
  return (Math.imul(checksum >>> 0, 31) + (n >>> 0)) >>> 0;
}

/** CPU ms of the calling thread (Linux schedstat, ns resolution), or null. */
export function threadCpuMs() {
  try {
    return Number(readFileSync("/proc/thread-self/schedstat", "utf8").split(" ")[0]) / 1e6;
  } catch {
    return null;
  }
}

/** Busy CPU ms of the whole machine so far (user, nice, system, irq, softirq, steal; USER_HZ = 100), or null. */
export function machineBusyMs() {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) * 10;
  } catch {
    return null;
  }
}

/**
 * Times `await work()` and prints the one JSON result line. work returns (or resolves to)
 * { checksum, ...extra }; extra (counts, sizes) is printed after the timings.
 */
/** Peak resident set of this process so far (VmHWM in /proc/self/status), kB, or null. */
function peakRss() {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync("/proc/self/status", "utf8"));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/**
 * Set on globalThis by bench/inprocess.ts before it imports a workload: run() then hands it
 * the work function (to time many times in one process) instead of timing it once.
 */
export const COLLECT_WORK = "__vmprofJsBenchCollectWork";

export async function run(work) {
  const collect = globalThis[COLLECT_WORK];
  if (typeof collect === "function") return collect(work);
  const busy0 = machineBusyMs();
  const cpu0 = process.cpuUsage();
  const main0 = threadCpuMs();
  const start = performance.now();
  const { checksum, ...extra } = await work();
  const workMs = performance.now() - start;
  const main1 = threadCpuMs();
  const cpu = process.cpuUsage(cpu0);
  const busy1 = machineBusyMs();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  const mainCpuMs = main0 === null || main1 === null ? null : main1 - main0;
  const otherCpuMs = busy0 === null || busy1 === null ? null : Math.max(0, busy1 - busy0 - cpuMs);
  const peakRssKb = peakRss();
  process.stdout.write(
    JSON.stringify({ workMs, cpuMs, mainCpuMs, otherCpuMs, peakRssKb, checksum: checksum >>> 0, ...extra }) + "\n",
  );
}
