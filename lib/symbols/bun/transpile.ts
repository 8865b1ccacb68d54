// Bun's transpiler, run in this process when it is Bun, else in a `bun` child process: the
// JavaScript JSC actually ran for each source file, whose text the code block hashes are computed over.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

/**
 * The transpile itself, as JavaScript source: a function of (Bun, [{ path, source }]) that gives
 * each file's texts or null. Run in this process when it is Bun, else in a `bun` child.
 */
const TRANSPILE = `(Bun, input) => {
const loaders = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".jsx": "jsx" };
return input.map(({ path, source }) => {
  const ext = path.slice(path.lastIndexOf("."));
  try {
    const t = new Bun.Transpiler({ loader: loaders[ext] ?? "js", target: "bun" });
    const plain = t.transformSync(source);
    if (/^(import|export)[\\s{*]/m.test(plain)) return [plain];
    // CommonJS: the runtime prints the module inside its wrapper function, one level deeper.
    const wrapped = t.transformSync("(function (exports, require, module, __filename, __dirname) {\\n" + source + "\\n})();");
    if (/\\b(module\\.exports|exports\\.[A-Za-z_$]|require\\()/.test(plain)) return [wrapped];
    return [plain, wrapped];
  } catch {
    return null;
  }
});
}`;

const TRANSPILE_SCRIPT = `
const input = JSON.parse(await new Response(Bun.stdin.stream()).text());
process.stdout.write(JSON.stringify((${TRANSPILE})(Bun, input)));
`;

/** Bun.Transpiler({ target: "bun" }) over `sources` in one bun child process ([] without a bun binary). */
export function bunTranspile(sources: { path: string; source: string }[], bun?: string): (string[] | undefined)[] {
  // deno-lint-ignore no-explicit-any
  const here = (globalThis as any).Bun;
  if (here && !bun) {
    // This process is the Bun that ran the program (the CLI starts its child with its own
    // binary): its transpiler is the same, and no second runtime has to start.
    const run = (0, eval)(TRANSPILE) as (b: unknown, input: typeof sources) => (string[] | null)[];
    return run(here, sources).map((x) => x ?? undefined);
  }
  const exe = findBun(bun);
  if (!exe) return [];
  const out = execFileSync(exe, ["-e", TRANSPILE_SCRIPT], {
    input: JSON.stringify(sources),
    maxBuffer: 1 << 30,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "ignore"],
  });
  const parsed = JSON.parse(out) as (string[] | null)[];
  return parsed.map((x) => x ?? undefined);
}

function findBun(explicit?: string): string | undefined {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    explicit,
    process.env.VMPROF_BUN,
    basename(process.execPath).startsWith("bun") ? process.execPath : undefined,
    resolve(here, "..", "..", "..", "node_modules", ".bin", "bun"),
  ];
  for (const c of candidates) if (c && existsSync(c)) return c;
  for (const dir of (process.env.PATH ?? "").split(":")) {
    const p = join(dir, "bun");
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

/** Loader Bun would use for a path (exported for tests and callers that transpile themselves). */
export function bunLoaderFor(path: string): "ts" | "tsx" | "jsx" | "js" {
  const ext = extname(path);
  return ext === ".ts" || ext === ".mts" || ext === ".cts"
    ? "ts"
    : ext === ".tsx"
    ? "tsx"
    : ext === ".jsx"
    ? "jsx"
    : "js";
}
