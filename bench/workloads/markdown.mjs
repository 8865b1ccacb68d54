// Benchmark workload: markdown-it renders every Markdown file found in node_modules (READMEs, changelogs, docs) to HTML, again and again (a string- and regexp-heavy CPU load).
// Usage: deno run -A bench/workloads/markdown.mjs [--scale X] | bun bench/workloads/markdown.mjs [--scale X]
//
// The input: every *.md file under node_modules (454 files, 3.2 MB with this project's lockfile:
// a change of the lockfile changes the input, its size and the checksum; dot-folders skipped),
// sorted by path and read before the clock starts. Each file is
// rendered on its own by one markdown-it instance (the default preset with html, linkify and
// typographer on). --scale X renders the files in order, cycling, until X × ROUNDS × their total
// size is done (ROUNDS passes over the input at scale 1). Prints the result line of measure.mjs
// plus scale, rounds, files, renders, inBytes, outBytes; checksum: every 7th character of each
// rendered HTML.
import { basename } from "node:path";
import MarkdownIt from "markdown-it";
import { hashText, listFiles, NODE_MODULES, parseScale, readSources, run, takeScaled } from "./measure.mjs";

/** Passes over the input at --scale 1. */
const ROUNDS = 6;

const scale = parseScale("markdown.mjs");
const sources = readSources(
  listFiles(
    NODE_MODULES,
    (path) => /\.md$/i.test(path) && !path.slice(NODE_MODULES.length).split("/").some((part) => part.startsWith(".")),
  ),
);
const work = takeScaled(sources, (file) => file.code.length, scale * ROUNDS);
const md = new MarkdownIt({ html: true, linkify: true, typographer: true });

await run(() => {
  let checksum = 0, inBytes = 0, outBytes = 0;
  for (const file of work) {
    const html = md.render(file.code, { file: basename(file.name) });
    inBytes += file.code.length;
    outBytes += html.length;
    checksum = hashText(checksum, html, 7);
  }
  return {
    checksum,
    scale,
    rounds: Number((scale * ROUNDS).toPrecision(12)),
    files: sources.length,
    renders: work.length,
    inBytes,
    outBytes,
  };
});
