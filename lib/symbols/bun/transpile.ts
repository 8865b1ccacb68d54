// Bun's transpiler, run in a `bun` child process: the JavaScript JSC actually ran for each source
// file, whose text the code block hashes are computed over.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { basename, dirname, extname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const TRANSPILE_SCRIPT = `
const input = JSON.parse(await new Response(Bun.stdin.stream()).text());
const loaders = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".jsx": "jsx" };
const out = input.map(({ path, source }) => {
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
process.stdout.write(JSON.stringify(out));
`;

/** Bun.Transpiler({ target: "bun" }) over `sources` in one bun child process ([] without a bun binary). */
export function bunTranspile(sources: { path: string; source: string }[], bun?: string): (string[] | undefined)[] {
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
  return ext === ".ts" || ext === ".mts" || ext === ".cts" ? "ts" : ext === ".tsx" ? "tsx" : ext === ".jsx" ? "jsx" : "js";
}
