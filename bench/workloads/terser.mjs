// Benchmark workload: terser minifies terser's own lib/ sources (a real, code-heavy, CPU-bound job).
// Usage: deno run -A bench/workloads/terser.mjs [--scale X] | bun bench/workloads/terser.mjs [--scale X]
//
// The 27 files of node_modules/terser/lib (0.93 MB), sorted by path, each minified on its own
// (module, compress with 2 passes, mangle, no comments). --scale X minifies the files in order,
// cycling, until X × their total size is done: 1 is every file once, 0.15 the first files making
// 15% of the bytes, 2 every file twice. Prints the result line of measure.mjs, plus scale, files
// (minified), inBytes, outBytes; checksum: every 97th character of each minified output.
import { join } from "node:path";
import { minify } from "terser";
import { listFiles, NODE_MODULES, parseScale, readSources, run, takeScaled } from "./measure.mjs";

const OPTIONS = { module: true, compress: { passes: 2 }, mangle: true, format: { comments: false } };

const scale = parseScale("terser.mjs");
const root = join(NODE_MODULES, "terser");
const sources = readSources(listFiles(join(root, "lib"), (path) => path.endsWith(".js")), root);
const work = takeScaled(sources, (file) => file.code.length, scale);

await run(async () => {
  let inBytes = 0, outBytes = 0, checksum = 0;
  for (const file of work) {
    const result = await minify({ [file.name]: file.code }, OPTIONS);
    inBytes += file.code.length;
    outBytes += result.code.length;
    for (let i = 0; i < result.code.length; i += 97) checksum = (checksum * 31 + result.code.charCodeAt(i)) >>> 0;
  }
  return { checksum, scale, files: work.length, inBytes, outBytes };
});
