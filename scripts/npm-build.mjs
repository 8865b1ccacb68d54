// Stages the npm packages in dist/npm/ for scripts/pack.sh: the main package (mod.ts, cli.ts and
// lib/ compiled to JavaScript with .d.ts declarations beside each file, since Deno runs no
// TypeScript from npm packages; the web viewer's files as they are; its package.json from the
// root one) and one folder per platform package (packages/<platform>, with the library built
// into dist/lib/<platform>/). Every package gets the root package.json's version.
// Usage: node scripts/npm-build.mjs
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
const root = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
const PLATFORMS = readdirSync(join(ROOT, "packages")).filter((d) => statSync(join(ROOT, "packages", d)).isDirectory())
  .sort();

const COMPILER = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  rewriteRelativeImportExtensions: true,
  allowImportingTsExtensions: true,
  verbatimModuleSyntax: true,
  sourceMap: false,
};
const DECLARATIONS = { ...COMPILER, declaration: true, isolatedDeclarations: true };

/** Every file under dir, relative to ROOT. */
function walk(dir) {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]
  );
}

function write(path, text) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

let undeclared = 0;

function compile(rel, out) {
  const source = readFileSync(join(ROOT, rel), "utf8");
  const js = ts.transpileModule(source, { compilerOptions: COMPILER, fileName: rel, reportDiagnostics: true });
  const dts = ts.transpileDeclaration(source, {
    compilerOptions: DECLARATIONS,
    fileName: rel,
    reportDiagnostics: true,
  });
  // Declarations the public API (mod.ts, cli.ts: JSR's slow-type check keeps them explicit)
  // does not reach may lean on inference, which isolated declarations cannot do: those types
  // are emitted as far as they go, and counted.
  undeclared += dts.diagnostics?.length ?? 0;
  const problems = js.diagnostics ?? [];
  if (problems.length) {
    const text = problems.map((d) => `${rel}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n")}`).join("\n");
    throw new Error(text);
  }
  const base = join(out, rel.replace(/\.ts$/, ""));
  write(`${base}.js`, js.outputText);
  write(`${base}.d.ts`, dts.outputText);
}

function mainPackage() {
  const out = join(DIST, "npm", "vmprof-js");
  rmSync(out, { recursive: true, force: true });
  const sources = ["mod.ts", "cli.ts", ...walk("lib")];
  for (const rel of sources) {
    if (rel.endsWith(".ts")) compile(rel, out);
    else cpSync(join(ROOT, rel), join(out, rel));
  }
  cpSync(join(ROOT, "bin"), join(out, "bin"), { recursive: true });
  cpSync(join(ROOT, "README.md"), join(out, "README.md"));
  const { devDependencies: _dev, scripts: _scripts, tap: _tap, ...manifest } = root;
  manifest.optionalDependencies = Object.fromEntries(PLATFORMS.map((p) => [`@vmprof-js/${p}`, root.version]));
  write(join(out, "package.json"), JSON.stringify(manifest, null, 2) + "\n");
  return out;
}

function platformPackage(platform) {
  const out = join(DIST, "npm", platform);
  rmSync(out, { recursive: true, force: true });
  cpSync(join(ROOT, "packages", platform), out, { recursive: true });
  const lib = join(DIST, "lib", platform, "lib", "libvmprof.so");
  if (!existsSync(lib)) {
    throw new Error(`${relative(ROOT, lib)} is missing: run scripts/pack.sh (it builds the libraries first)`);
  }
  cpSync(lib, join(out, "libvmprof.so"));
  const manifest = JSON.parse(readFileSync(join(out, "package.json"), "utf8"));
  const { name, ...rest } = manifest;
  write(join(out, "package.json"), JSON.stringify({ name, version: root.version, ...rest }, null, 2) + "\n");
  return out;
}

try {
  const staged = [mainPackage(), ...PLATFORMS.map(platformPackage)];
  for (const dir of staged) console.log(relative(ROOT, dir));
  if (undeclared) console.log(`(${undeclared} inferred types in internal modules' declarations left as written)`);
} catch (e) {
  console.error(`npm-build: ${e.message}`);
  process.exit(1);
}
