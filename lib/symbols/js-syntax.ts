// A small JavaScript/TypeScript tokenizer, enough to match brackets, find function-like spans
// and plausible definitions, and turn offsets into line:column (for naming Bun's functions).
import { bisect } from "../util/bisect.ts";

/** Token types. */
export const T = { Word: 0, Num: 1, Str: 2, Tmpl: 3, Regex: 4, Punct: 5 } as const;
export type TokenType = typeof T[keyof typeof T];

export interface Token {
  t: TokenType;
  s: number;
  e: number;
  v: string;
}

const KEYWORDS_BEFORE_EXPR = new Set([
  "return",
  "typeof",
  "instanceof",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "case",
  "do",
  "else",
  "yield",
  "await",
  "extends",
]);

/**
 * Tokenize JavaScript/TypeScript well enough to match brackets: comments are
 * skipped, strings, template literals (with nested ${…}) and regular
 * expression literals become single tokens. Unterminated strings end at the
 * line end so that stray quotes (JSX text) do little harm.
 *
 * Longer than 80 lines on purpose: one loop with one branch per token class, sharing the
 * cursor and the template-literal stack, reads best whole, like any hand-written lexer.
 */
export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const n = src.length;
  let i = 0;
  const braceStack: boolean[] = []; // true = "${" of a template literal
  const isIdStart = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 36 || c === 95 || c > 127;
  const isId = (c: number) => isIdStart(c) || (c >= 48 && c <= 57);
  const regexAllowed = () => {
    const p = out[out.length - 1];
    if (!p) return true;
    if (p.t === T.Word) return KEYWORDS_BEFORE_EXPR.has(p.v);
    if (p.t === T.Num || p.t === T.Str || p.t === T.Tmpl || p.t === T.Regex) return false;
    return p.v !== ")" && p.v !== "]";
  };
  const scanTemplate = (start: number) => {
    // i is just after ` or after the } closing a ${…}
    while (i < n) {
      const c = src.charCodeAt(i);
      if (c === 92) i += 2;
      else if (c === 96) {
        i++;
        out.push({ t: T.Tmpl, s: start, e: i, v: "`" });
        return;
      } else if (c === 36 && src.charCodeAt(i + 1) === 123) {
        i += 2;
        out.push({ t: T.Tmpl, s: start, e: i, v: "`${" });
        braceStack.push(true);
        return;
      } else i++;
    }
    out.push({ t: T.Tmpl, s: start, e: n, v: "`" });
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 0xfeff || c === 0xa0 || c === 0x2028 || c === 0x2029) {
      i++;
      continue;
    }
    const s = i;
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      const e = src.indexOf("\n", i);
      i = e < 0 ? n : e;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      const e = src.indexOf("*/", i + 2);
      i = e < 0 ? n : e + 2;
      continue;
    }
    if (isIdStart(c) || c === 35 /* # */ || c === 92 /* \u escape */) {
      i++;
      while (i < n && (isId(src.charCodeAt(i)) || src.charCodeAt(i) === 92)) i++;
      out.push({ t: T.Word, s, e: i, v: src.slice(s, i) });
      continue;
    }
    if ((c >= 48 && c <= 57) || (c === 46 && src.charCodeAt(i + 1) >= 48 && src.charCodeAt(i + 1) <= 57)) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (isId(d) || d === 46) i++;
        else if (
          (d === 43 || d === 45) && (src.charCodeAt(i - 1) | 32) === 101 && !/^0[xX]/.test(src.slice(s, s + 2))
        ) i++;
        else break;
      }
      out.push({ t: T.Num, s, e: i, v: src.slice(s, i) });
      continue;
    }
    if (c === 34 || c === 39) {
      i++;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === c) {
          i++;
          break;
        } else if (d === 10) break;
        else i++;
      }
      out.push({ t: T.Str, s, e: i, v: src.slice(s + 1, i - 1) });
      continue;
    }
    if (c === 96) {
      i++;
      scanTemplate(s);
      continue;
    }
    if (c === 47 && regexAllowed()) {
      i++;
      let inClass = false;
      while (i < n) {
        const d = src.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 10) break;
        else if (inClass) {
          if (d === 93) inClass = false;
          i++;
        } else if (d === 91) {
          inClass = true;
          i++;
        } else if (d === 47) {
          i++;
          break;
        } else i++;
      }
      while (i < n && isId(src.charCodeAt(i))) i++;
      out.push({ t: T.Regex, s, e: i, v: src.slice(s, i) });
      continue;
    }
    if (c === 123) {
      braceStack.push(false);
      i++;
      out.push({ t: T.Punct, s, e: i, v: "{" });
      continue;
    }
    if (c === 125) {
      const tmpl = braceStack.pop();
      i++;
      if (tmpl) {
        scanTemplate(s);
        continue;
      }
      out.push({ t: T.Punct, s, e: i, v: "}" });
      continue;
    }
    // Punctuators: the few multi-character ones that matter here.
    const three = src.slice(i, i + 3);
    const two = src.slice(i, i + 2);
    const p = three === "..." || three === "===" || three === "!=="
      ? three
      : two === "=>" || two === "?." || two === "??" || two === "==" || two === "!=" || two === "<=" || two === ">=" ||
          two === "&&" || two === "||" || two === "++" || two === "--"
      ? two
      : src[i];
    i += p.length;
    out.push({ t: T.Punct, s, e: i, v: p });
  }
  return out;
}

/** Index of the matching closing bracket for each opening one (-1 if unmatched), over ( [ { and template ${ … }. */
export function matchBrackets(toks: Token[]): Int32Array {
  const m = new Int32Array(toks.length).fill(-1);
  const stack: number[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    const v = t.v;
    if (t.t === T.Punct && (v === "(" || v === "[" || v === "{")) stack.push(k);
    else if (t.t === T.Tmpl && v === "`${") stack.push(k);
    else if (
      (t.t === T.Punct && (v === ")" || v === "]" || v === "}")) ||
      (t.t === T.Tmpl && stack.length > 0 && toks[stack[stack.length - 1]].v === "`${")
    ) {
      // A template continuation closes "${" (and may open another one).
      const open = stack.pop();
      if (open !== undefined) m[open] = k;
      if (t.t === T.Tmpl && v === "`${") stack.push(k);
    }
  }
  return m;
}

/**
 * Source spans that may be a function's CodeBlock source: "(params) { body }",
 * "(params) => { body }", "(params) => expression", "x => …", and bare
 * "{ body }" after a parameter list (generator and async bodies). Control-flow
 * blocks such as "if (…) {…}" are included too: they cost a hash, never a match.
 */
export function functionSpans(toks: Token[]): [number, number, number][] {
  const m = matchBrackets(toks);
  const spans: [number, number, number][] = [];
  const exprEnd = (k: number): number => {
    // End (exclusive, in chars) of an arrow's expression body starting at token k.
    let last = k;
    for (let j = k; j < toks.length; j++) {
      const t = toks[j];
      if (t.t === T.Punct) {
        if (t.v === "," || t.v === ";" || t.v === ")" || t.v === "]" || t.v === "}") break;
        if ((t.v === "(" || t.v === "[" || t.v === "{") && m[j] > j) {
          last = m[j];
          j = m[j];
          continue;
        }
      } else if (t.t === T.Tmpl && t.v === "`${" && m[j] > j) {
        // Skip to the end of the whole template literal.
        let q = m[j];
        while (toks[q] && toks[q].v === "`${" && m[q] > q) q = m[q];
        last = q;
        j = q;
        continue;
      }
      last = j;
    }
    return toks[last].e;
  };
  const afterParams = (open: number, close: number) => {
    const start = toks[open].s;
    const nx = toks[close + 1];
    if (!nx) return;
    if (nx.v === "{" && nx.t === T.Punct && m[close + 1] > 0) {
      spans.push([start, toks[m[close + 1]].e, open], [nx.s, toks[m[close + 1]].e, close + 1]);
    } else if (nx.v === "=>") {
      const b = toks[close + 2];
      if (!b) return;
      if (b.v === "{" && b.t === T.Punct && m[close + 2] > 0) {
        spans.push([start, toks[m[close + 2]].e, open], [b.s, toks[m[close + 2]].e, close + 2]);
      } else spans.push([start, exprEnd(close + 2), open]);
    }
  };
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.t === T.Punct && t.v === "(" && m[k] > k) afterParams(k, m[k]);
    else if (t.t === T.Word && toks[k + 1]?.v === "=>") afterParams(k, k);
  }
  return spans;
}

/** Offsets and names of plausible definitions: function f(, f(…){, f = (…) =>, f: function, get f(, class F. */
export function findDefinitions(src: string, toks: Token[] = tokenize(src)): { name: string; offset: number }[] {
  const m = matchBrackets(toks);
  const out: { name: string; offset: number }[] = [];
  for (let k = 0; k < toks.length; k++) {
    const t = toks[k];
    if (t.t !== T.Word) continue;
    const prev = toks[k - 1], next = toks[k + 1];
    if (!next) continue;
    if (prev?.v === "function" || (prev?.v === "*" && toks[k - 2]?.v === "function") || prev?.v === "class") {
      out.push({ name: t.v, offset: prev.v === "class" ? t.s : (next.v === "(" ? next.s : t.s) });
      continue;
    }
    if (next.v === "(" && m[k + 1] > 0 && prev?.v !== "." && prev?.v !== "new") {
      // Method definition: name(params) { — or name(params): Type { in TypeScript.
      let j = m[k + 1] + 1;
      if (toks[j]?.v === ":") {
        let depth = 0;
        for (j++; j < toks.length; j++) {
          const v = toks[j].v;
          if (v === "{" && depth === 0) break;
          if (v === "(" || v === "<" || v === "[") depth++;
          else if (v === ")" || v === ">" || v === "]") depth--;
          else if (v === ";" || v === "=>" || v === "}") break;
        }
      }
      if (toks[j]?.v === "{" && !CONTROL_WORDS.has(t.v)) out.push({ name: t.v, offset: next.s });
      continue;
    }
    if ((next.v === "=" || next.v === ":") && prev?.v !== "." && prev?.v !== "?") {
      let j = k + 2;
      if (toks[j]?.v === "async") j++;
      const a = toks[j];
      if (!a) continue;
      if (a.v === "function") out.push({ name: t.v, offset: (toks[j + 1]?.v === "(" ? toks[j + 1] : a).s });
      else if (a.v === "(" && m[j] > 0 && toks[m[j] + 1]?.v === "=>") out.push({ name: t.v, offset: a.s });
      else if (a.t === T.Word && toks[j + 1]?.v === "=>") out.push({ name: t.v, offset: a.s });
    }
  }
  return out;
}

const CONTROL_WORDS = new Set([
  "if",
  "for",
  "while",
  "switch",
  "catch",
  "with",
  "function",
  "return",
  "typeof",
  "await",
  "yield",
]);

/** Offsets at which each line starts. */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) out.push(i + 1);
  return out;
}

/** 1-based line and column of a character offset, given lineStarts(). */
export function lineCol(starts: number[], off: number): { line: number; col: number } {
  const i = Math.max(0, bisect(starts.length, (k) => starts[k] <= off) - 1);
  return { line: i + 1, col: off - starts[i] + 1 };
}
