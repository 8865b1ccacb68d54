// Benchmark workload: the TypeScript compiler type-checks and compiles terser's lib/ (as checked JavaScript) in memory (a real, CPU-bound compiler job).
// Usage: deno run -A bench/workloads/typescript.mjs [--scale X] | bun bench/workloads/typescript.mjs [--scale X]
//
// The project: the 27 files of node_modules/terser/lib (0.93 MB of JavaScript that imports itself)
// as root files, type-checked as JavaScript (allowJs, checkJs, strict: JSDoc types and inference)
// against TypeScript's own lib.es2022 .d.ts files (skipLibCheck), then compiled to .js and .d.ts.
// All files are read into memory before the clock starts, under virtual paths (/terser/lib/...);
// the CompilerHost serves them from there and keeps what is emitted. Each program:
// ts.createProgram, ts.getPreEmitDiagnostics, program.emit.
// --scale X takes the root files in dependency order (a file after those it imports), cycling,
// until X × their total size is reached; each pass over the list is one program: 1 is one program
// of every file, 2 two whole programs, 0.15 one program of the first files making 15% of the bytes.
// Below about 0.3 the work no longer shrinks with the scale: the smallest program is the import
// cycle around ast.js and parse.js (about 0.3 MB), and the compiler's own warm-up is large.
// Prints the result line of measure.mjs plus scale, programs, rootFiles, sourceFiles (incl. lib),
// diagnostics, emittedFiles, emittedBytes; checksum: every diagnostic (code, file, start) and all
// emitted text.
import { readFileSync } from "node:fs";
import { basename, join, posix, relative } from "node:path";
import ts from "typescript";
import { hashNumber, hashText, listFiles, NODE_MODULES, parseScale, run, takeScaled } from "./measure.mjs";

// The program sees the files under fixed virtual paths, so that nothing (file names in
// diagnostics, emitted paths) depends on where the project is checked out.
const LIB_DIR = "/node_modules/typescript/lib";
const OPTIONS = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ["lib.es2022.d.ts"],
  types: [],
  skipLibCheck: true,
  allowJs: true,
  checkJs: true,
  strict: true,
  declaration: true,
  outDir: "/out",
  newLine: ts.NewLineKind.LineFeed,
};

const scale = parseScale("typescript.mjs");
// Every file a program may read, by virtual path: TypeScript's lib .d.ts files and terser's lib/.
const files = new Map();
for (const path of listFiles(join(NODE_MODULES, "typescript", "lib"), (p) => /\/lib\.[^/]*\.d\.ts$/.test(p))) {
  files.set(LIB_DIR + "/" + basename(path), readFileSync(path, "utf8"));
}
const terserLib = join(NODE_MODULES, "terser", "lib");
const sources = listFiles(terserLib, (p) => p.endsWith(".js")).map((p) => "/terser/lib/" + relative(terserLib, p));
for (const path of sources) files.set(path, readFileSync(join(terserLib, path.slice("/terser/lib/".length)), "utf8"));
const roots = dependenciesFirst(sources);
const work = takeScaled(roots, (path) => files.get(path).length, scale);
const passes = [];
for (let i = 0; i < work.length; i += roots.length) passes.push(work.slice(i, i + roots.length));

/**
 * The files in an order where each comes after the files it imports (depth-first from each file
 * in path order; an import cycle is cut where it closes): so any prefix of the list is a program
 * that imports nothing outside itself, and the work grows with the scale.
 */
function dependenciesFirst(paths) {
  const out = [], seen = new Set();
  const visit = (path) => {
    if (seen.has(path) || !files.has(path)) return;
    seen.add(path);
    for (const [, spec] of files.get(path).matchAll(/^(?:import|export)\b[^;]*?\bfrom\s*"(\.[^"]*)"/gms)) {
      visit(posix.join(posix.dirname(path), spec));
    }
    out.push(path);
  };
  paths.forEach(visit);
  return out;
}

/** A CompilerHost that reads only `files` and hands each emitted file to onWrite. */
function memoryHost(onWrite) {
  const host = ts.createCompilerHost(OPTIONS, true);
  host.fileExists = (path) => files.has(path);
  host.readFile = (path) => files.get(path);
  host.directoryExists = () => true;
  host.getDirectories = () => [];
  host.realpath = (path) => path;
  host.getCurrentDirectory = () => "/";
  host.getDefaultLibLocation = () => LIB_DIR;
  host.getDefaultLibFileName = (options) => join(LIB_DIR, ts.getDefaultLibFileName(options));
  host.writeFile = onWrite;
  return host;
}

await run(() => {
  let checksum = 0, sourceFiles = 0, diagnostics = 0, emittedFiles = 0, emittedBytes = 0;
  for (const pass of passes) {
    const host = memoryHost((name, text) => {
      emittedFiles++;
      emittedBytes += text.length;
      checksum = hashText(hashText(checksum, name), text);
    });
    const program = ts.createProgram(pass, OPTIONS, host);
    sourceFiles += program.getSourceFiles().length;
    const found = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
    diagnostics += found.length;
    for (const d of found) {
      checksum = hashNumber(hashNumber(checksum, d.code), d.start ?? 0);
      if (d.file) checksum = hashText(checksum, d.file.fileName);
    }
  }
  return {
    checksum,
    scale,
    programs: passes.length,
    rootFiles: work.length,
    sourceFiles,
    diagnostics,
    emittedFiles,
    emittedBytes,
  };
});
