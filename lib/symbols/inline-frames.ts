// Inlined functions as frames of their own: optimized code's line tables (V8 jitdump, with
// --lines) place a pc in the innermost inlined function; when that is another function than
// the code's own, it becomes a frame inside the code's frame.
import type { CodeIndex, CodeRange } from "./code-index.ts";
import { codeName } from "./frame-keys.ts";
import { bisect } from "../util/bisect.ts";

/** A frame found in a line table: its key and the line it was at (0: unknown). */
export interface Frame {
  key: number;
  line: number;
}

export interface FunctionStart {
  line: number;
  col: number;
  range: CodeRange;
}

/** JS functions by file, sorted by where they start (one entry per function). */
export function functionStarts(index: CodeIndex): Map<string, FunctionStart[]> {
  const out = new Map<string, FunctionStart[]>();
  const seen = new Set<string>();
  for (const r of index.visible()) {
    if (r.kind !== "js" || !r.file || !r.line) continue;
    const id = `${r.file}:${r.line}:${r.col ?? 0}`;
    if (seen.has(id)) continue;
    seen.add(id);
    let list = out.get(r.file);
    if (!list) out.set(r.file, list = []);
    list.push({ line: r.line, col: r.col ?? 0, range: r });
  }
  for (const list of out.values()) list.sort((a, b) => a.line - b.line || a.col - b.col);
  return out;
}

/** The function that starts last at or before file:line:col (the innermost one, for code that is not nested). */
export function functionAt(
  starts: Map<string, FunctionStart[]>,
  file: string,
  line: number,
  col: number,
): CodeRange | undefined {
  const list = starts.get(file);
  if (!list) return undefined;
  const found = bisect(list.length, (i) => list[i].line < line || (list[i].line === line && list[i].col <= col)) - 1;
  return found >= 0 ? list[found].range : undefined;
}

/**
 * The frames a pc of optimized code stands for, outermost first: the code's own function
 * (with the line when the position is its own), then the inlined function the line
 * table places the pc in. Null when the code has no line table.
 */
export function inlinedFrames(
  r: CodeRange | undefined,
  pc: number,
  starts: Map<string, FunctionStart[]> | (() => Map<string, FunctionStart[]>),
  keyOf: (r: CodeRange) => number,
): Frame[] | null {
  const pos = r?.positions;
  if (!r || !pos || pos.offsets.length === 0) return null;
  if (typeof starts === "function") starts = starts();
  const off = pc - r.start;
  const i = bisect(pos.offsets.length, (k) => pos.offsets[k] <= off) - 1;
  if (i < 0) return [{ key: keyOf(r), line: 0 }];
  const file = pos.files[i] ?? r.file;
  const line = pos.lines[i];
  const inner = file ? functionAt(starts, file, line, pos.cols[i]) : undefined;
  if (!inner || codeName(inner) === codeName(r)) return [{ key: keyOf(r), line }];
  return [{ key: keyOf(r), line: 0 }, { key: keyOf({ ...inner, tier: r.tier }), line }];
}

/** inlinedFrames() of the code index's ranges, cached per pc. */
export class InlineFrames {
  /** Built on the first pc that has a line table: most profiles (Bun's, any without --lines) have none. */
  private starts?: Map<string, FunctionStart[]>;
  private readonly cache = new Map<number, Frame[] | null>();

  constructor(private readonly index: CodeIndex, private readonly keyOf: (r: CodeRange) => number) {}

  private readonly startsOnce = () => this.starts ??= functionStarts(this.index);

  /** The frames raw frame `pc` stands for; `leaf`: pc is the interrupted pc, not a return address. */
  at(pc: number, leaf: boolean): Frame[] | null {
    const at = leaf ? pc : pc - 1; // a return address is just past its call
    let f = this.cache.get(at);
    if (f === undefined) this.cache.set(at, f = inlinedFrames(this.index.lookup(at), at, this.startsOnce, this.keyOf));
    return f;
  }
}
