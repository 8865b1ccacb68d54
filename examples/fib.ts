// Demo program: naive Fibonacci plus a little string work, a CPU-bound profile to look at.
// Usage: fib.ts [N]   (deno run -A cli.ts examples/fib.ts 30, or bun cli.ts examples/fib.ts 30)
import process from "node:process";

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function words(count: number): number {
  let text = "";
  for (let i = 0; i < count; i++) text += `word${i % 97} `;
  return text.split(" ").filter((w) => w.endsWith("7")).length;
}

const n = Number(process.argv[2] ?? 30);
const started = Date.now();
let total = 0;
for (let round = 0; round < 3; round++) total += fib(n) + words(200_000);
console.log(`fib(${n}) x3 + words: ${total} in ${Date.now() - started} ms`);
