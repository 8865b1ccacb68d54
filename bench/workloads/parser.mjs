// Benchmark workload: acorn parses real ES-module sources (terser's lib/, acorn's and markdown-it's own bundles) again and again (a parser's CPU and allocation load).
// Usage: deno run -A bench/workloads/parser.mjs [--scale X] | bun bench/workloads/parser.mjs [--scale X]
//
// The input: node_modules/terser/lib/**/*.js, acorn/dist/acorn.mjs and markdown-it/dist/markdown-it.mjs
// (29 files, 1.29 MB), sorted by path and read before the clock starts. Each file is parsed on its
// own (acorn, ecmaVersion "latest", a module, with node locations), and its AST walked to count
// its nodes by type. --scale X parses the files in order, cycling, until X × ROUNDS × their total
// size is done (ROUNDS passes over the input at scale 1). Prints the result line of measure.mjs
// plus scale, rounds, parses, inBytes, nodes; checksum: each parse's count of every node type
// (in order of first appearance).
import { join } from "node:path";
import { parse } from "acorn";
import { hashNumber, hashText, listFiles, NODE_MODULES, parseScale, readSources, run, takeScaled } from "./measure.mjs";

/** Passes over the input at --scale 1. */
const ROUNDS = 14;

const scale = parseScale("parser.mjs");
const sources = readSources([
  join(NODE_MODULES, "acorn", "dist", "acorn.mjs"),
  join(NODE_MODULES, "markdown-it", "dist", "markdown-it.mjs"),
  ...listFiles(join(NODE_MODULES, "terser", "lib"), (path) => path.endsWith(".js")),
]);
const work = takeScaled(sources, (file) => file.code.length, scale * ROUNDS);

/** Node counts by type of an ESTree AST, in order of first appearance (an explicit stack: the AST is deep). */
function countNodes(ast) {
  const counts = new Map();
  const stack = [ast];
  while (stack.length > 0) {
    const node = stack.pop();
    counts.set(node.type, (counts.get(node.type) ?? 0) + 1);
    for (const key in node) {
      const value = node[key];
      if (value === null || typeof value !== "object" || key === "loc") continue;
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (value[i] !== null) stack.push(value[i]);
      } else if (typeof value.type === "string") {
        stack.push(value);
      }
    }
  }
  return counts;
}

await run(() => {
  let checksum = 0, inBytes = 0, nodes = 0;
  for (const file of work) {
    const ast = parse(file.code, { ecmaVersion: "latest", sourceType: "module", locations: true });
    inBytes += file.code.length;
    for (const [type, count] of countNodes(ast)) {
      checksum = hashNumber(hashText(checksum, type), count);
      nodes += count;
    }
  }
  return { checksum, scale, rounds: Number((scale * ROUNDS).toPrecision(12)), parses: work.length, inBytes, nodes };
});
