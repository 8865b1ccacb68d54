// Frame names in vmprof's `<kind>:<name>:<line>:<file>` form: parse them and make them readable.

export interface ParsedName {
  /** "js", "py", "n" (native), ...; "" when the name is not in vmprof form. */
  kind: string;
  name: string;
  /** First line of the function; 0 when unknown. */
  line: number;
  /** Source file, library path, or "-"/"" when unknown. */
  file: string;
}

const KIND = /^([A-Za-z][A-Za-z0-9_]*):/;
// The name ends at the first ":<digits>:" so that C++ names ("v8::internal::Foo") survive;
// the file takes the rest, so file URLs and drive letters keep their colons.
const REST = /^(.*?):(-?\d+):(.*)$/s;

/**
 * Splits `js:fib:3:/app/fib.ts` into kind "js", name "fib", line 3, file "/app/fib.ts".
 * Also accepts vmprof's two-part `kind:name` (PyPy JIT code) and plain names (hex
 * addresses, "<all>"), which come back with kind "", line 0 and file "".
 */
export function parseName(full: string): ParsedName {
  const k = KIND.exec(full);
  if (k === null) return { kind: "", name: full, line: 0, file: "" };
  const rest = full.slice(k[0].length);
  const m = REST.exec(rest);
  if (m === null) return { kind: k[1], name: rest, line: 0, file: "" };
  return { kind: k[1], name: m[1], line: Number(m[2]), file: m[3] };
}

/** True when the file part says nothing ("-" is vmprof's "no file" for native symbols). */
export function isUnknownFile(file: string): boolean {
  return file === "" || file === "-";
}

/** `fib (/app/fib.ts:3)`; `memcpy (libc.so.6)` when the line is 0; just `fib` without a file. */
export function displayName(full: string): string {
  const p = parseName(full);
  if (isUnknownFile(p.file)) return p.name;
  return p.line > 0 ? `${p.name} (${p.file}:${p.line})` : `${p.name} (${p.file})`;
}

/** `file:line`, `file`, or "" — the location column of the terminal views. */
export function location(p: ParsedName): string {
  if (isUnknownFile(p.file)) return "";
  return p.line > 0 ? `${p.file}:${p.line}` : p.file;
}
