// Parser for V8's /tmp/perf-<pid>.map (--perf-basic-prof): "START SIZE name" lines → CodeRange[].
import type { CodeRange } from "./code-index.ts";

export type { CodeRange } from "./code-index.ts";

/** What a V8 code name says, without address and size. */
export type V8Name = Omit<CodeRange, "start" | "size" | "seq"> & {
  /** The code was compiled for on-stack replacement ("o" before the tier mark). */
  osr?: boolean;
};

const LINE_RE = /^(?:0x)?([0-9a-fA-F]+) (?:0x)?([0-9a-fA-F]+) (.*)$/s;

/**
 * Parse a perf map. Lines are "START SIZE NAME" with hex START/SIZE (an optional
 * 0x prefix, as on Android, is accepted). A name containing a newline (possible
 * for computed property names) continues on the next line: such a continuation
 * does not start with two hex fields and is glued back. An unterminated last line
 * is ignored (the writer may be mid-line). `seqBase` offsets the `seq` field so
 * several sources can be merged with a global order.
 */
export function parsePerfMap(text: string, seqBase = 0): CodeRange[] {
  const out: CodeRange[] = [];
  const end = text.lastIndexOf("\n");
  if (end < 0) return out;
  let pendingStart = -1, pendingSize = 0, pendingName = "";
  const flush = () => {
    if (pendingStart < 0) return;
    const n = parseV8Name(pendingName);
    delete n.osr;
    out.push({ start: pendingStart, size: pendingSize, seq: seqBase + out.length, ...n });
    pendingStart = -1;
  };
  for (let line of text.slice(0, end).split("\n")) {
    if (line.endsWith("\r")) line = line.slice(0, -1);
    const m = LINE_RE.exec(line);
    if (m) {
      flush();
      pendingStart = parseInt(m[1], 16);
      pendingSize = parseInt(m[2], 16);
      pendingName = m[3];
    } else if (pendingStart >= 0) {
      pendingName += "\n" + line;
    }
  }
  flush();
  return out;
}

/** Fills in what a range's V8 name says (name, kind, file, line, tier) if a lazy read left it (perfmap-index.ts). */
export function nameRange(r: CodeRange): void {
  if (r.unnamed === undefined) return;
  const n = parseV8Name(r.unnamed);
  delete n.osr;
  delete r.unnamed;
  Object.assign(r, n);
}

const TIERS: Record<string, string> = { "~": "ignition", "^": "sparkplug", "+": "maglev", "*": "turbofan" };
const LOCATION_RE = /^(.*) ([^ ]*):(\d+):(\d+)$/s;
const WASM_RE = /^(.*)-(\d+|<anonymous>)-(liftoff|turbofan|none|[a-z]+)$/s;
const REGEXP_RE = /^RegExp\.?[<>]? ?src: '(.*)' flags: '(.*)'$/s;

/**
 * Parse one V8 code name as logged by CodeEventLogger ("TAG:" + details):
 *   JS:*'fib file:///a.ts:2:13      JS function, tier mark, context-specialised ('), location
 *   JS:o+bar file:///a.ts:6:6       "o" = OSR code
 *   JS:~ file:///a.ts:16:7          anonymous function
 *   Script:~ file:///a.ts:1:1       top-level code      Eval:~ :1:1   eval'd code
 *   JS:name-0-liftoff               wasm function (name-index-tier)
 *   Builtin:ArrayMap  BytecodeHandler:Ldar.Wide  Stub:js-to-wasm:ii:i  Handler:…  Callback:…
 *   RegExp.> src: 'a+b' flags: 'g'  (the "<"/">" after "RegExp." varies by V8 version)
 */
export function parseV8Name(raw: string): V8Name {
  const rx = REGEXP_RE.exec(raw);
  if (rx) return { name: `/${rx[1]}/${rx[2]}`, kind: "regexp" };
  const colon = raw.indexOf(":");
  const tag = colon > 0 ? raw.slice(0, colon) : "";
  const rest = colon > 0 ? raw.slice(colon + 1) : raw;
  switch (tag) {
    case "Builtin":
      return { name: rest, kind: rest.startsWith("Interpreter") ? "interpreter" : "builtin" };
    case "BytecodeHandler":
      return { name: rest, kind: "interpreter" };
    case "Stub":
    case "Handler":
      return { name: rest, kind: "stub" };
    case "Callback":
      return { name: rest, kind: "other" };
    case "RegExp":
      return { name: rest, kind: "regexp" };
    case "JS":
    case "Script":
    case "Eval":
    case "Function": // older V8
    case "LazyCompile": // older V8
      return parseJsName(tag, rest);
    default:
      return { name: raw, kind: "other" };
  }
}

function parseJsName(tag: string, rest: string): V8Name {
  // Marker: optional "o" (OSR) before a tier mark, the tier mark, optional "'"
  // (context-specialised Maglev/TurboFan code). Interpreted functions whose
  // optimisation is disabled carry no mark at all.
  let i = 0;
  let osr = false;
  if (rest[0] === "o" && rest[1] !== undefined && "~^+*".includes(rest[1])) {
    osr = true;
    i = 1;
  }
  const tier = TIERS[rest[i]];
  if (tier) i++;
  if (tier && rest[i] === "'") i++;
  const body = rest.slice(i);
  const loc = LOCATION_RE.exec(body);
  if (loc) {
    const line = Number(loc[3]), col = Number(loc[4]);
    let name = loc[1];
    if (name === "") {
      // Top-level code: the Script/Eval entries, and the OSR/optimised code of a
      // module body, which V8 logs as an anonymous JS function at 1:1.
      if (tag === "Eval") name = "<eval>";
      else if (tag === "Script" || (line === 1 && col === 1)) name = "<module>";
      else name = "<anonymous>";
    }
    const r: V8Name = { name, kind: "js", line, col };
    const file = urlToFile(loc[2]);
    if (file !== undefined) r.file = file;
    if (tier) r.tier = tier;
    if (osr) r.osr = true;
    return r;
  }
  if (tag === "JS" && !tier) {
    const w = WASM_RE.exec(body);
    if (w) return { name: w[1], kind: "wasm", tier: w[3] };
  }
  // "TAG:<mark> <script name>" (no position), or anything unexpected.
  const r: V8Name = { name: body.trim() || "<anonymous>", kind: "js" };
  if (tier) r.tier = tier;
  if (osr) r.osr = true;
  return r;
}

/** "file:///a%20b.ts" → "/a b.ts"; "" → undefined; other schemes (node:, ext:, https:) unchanged. */
export function urlToFile(url: string): string | undefined {
  if (url === "") return undefined;
  if (url.startsWith("file://")) {
    let p = url.slice(7);
    if (p.startsWith("localhost/")) p = p.slice(9);
    try {
      return decodeURIComponent(p);
    } catch {
      return p;
    }
  }
  return url;
}
