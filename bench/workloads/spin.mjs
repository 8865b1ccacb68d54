// Benchmark workload for the profiler's own memory: recursive arithmetic that allocates nothing, so the process's peak RSS moves only with what a profiler adds, however long it runs.
// Usage: deno run -A bench/workloads/spin.mjs [--scale X] | bun bench/workloads/spin.mjs [--scale X]
//
// Not one of the real programs: it only serves the memory part of bench/run.ts, which runs it
// plain and under vmprof-js for a short and a long time. --scale X computes fib(32) X × 60
// times (about 2 s at scale 1 here). Prints the result line of measure.mjs plus scale and calls;
// checksum: the sum of the results.
import { hashNumber, parseScale, run, scaledCount } from "./measure.mjs";

const scale = parseScale("spin.mjs");
const calls = scaledCount(scale, 60);

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

await run(() => {
  let checksum = 0;
  for (let i = 0; i < calls; i++) checksum = hashNumber(checksum, fib(32));
  return { checksum, scale, calls };
});
