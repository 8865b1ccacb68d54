// Plain-text views of a profile (vmprofshow tree/flat and the end-of-run summary), as pure string functions.

import { readFileSync } from "node:fs";
import { LINES, MEMORY, REAL_TIME } from "../format/constants.ts";
import { META } from "../contract.ts";
import { location, parseName } from "../profile/names.ts";
import type { FlatRow, Stats } from "../profile/stats.ts";
import { byCountDesc, type Tree } from "../profile/tree.ts";

/** Widest line any view prints. */
export const MAX_WIDTH = 100;
const EMPTY = "No stack trace has been recorded (profile is empty)!";

// ANSI styles, the palette of vmprofshow.
const BLUE = "\x1b[94m";
const WHITE = "\x1b[37m";
const RED = "\x1b[31m";
const BOLD = "\x1b[1m";
const END = "\x1b[0m";

type Paint = (s: string, color: string, bold?: boolean) => string;
const plain: Paint = (s) => s;
const ansi: Paint = (s, color, bold = false) => (s === "" ? s : `${color}${bold ? BOLD : ""}${s}${END}`);

/** Cuts `s` to `n` characters, ending in "…" when cut. */
function clipRight(s: string, n: number): string {
  if (s.length <= n) return s;
  return n <= 1 ? "…".slice(0, n) : s.slice(0, n - 1) + "…";
}

/** Cuts `s` to `n` characters keeping its end (file paths: the file name matters most). */
function clipLeft(s: string, n: number): string {
  if (s.length <= n) return s;
  return n <= 1 ? "…".slice(0, n) : "…" + s.slice(s.length - n + 1);
}

/** Fits a name and a location into `room` characters: the location gives way first, down to 30. */
function fit(name: string, loc: string, room: number, sep: number): [string, string] {
  if (loc === "") return [clipRight(name, room), ""];
  if (name.length + sep + loc.length <= room) return [name, loc];
  const locMin = Math.min(loc.length, 30);
  if (room - sep - locMin < 12) return [clipRight(name, room), ""];
  const nameRoom = Math.min(name.length, room - sep - locMin);
  return [clipRight(name, nameRoom), clipLeft(loc, room - sep - nameRoom)];
}

function pct(n: number, total: number, digits: number): string {
  return total > 0 ? ((100 * n) / total).toFixed(digits) : (0).toFixed(digits);
}

export interface TreeOptions {
  /** Hide nodes with less than this share of all samples (vmprofshow --prune_percent). */
  prunePercent?: number;
  /** Hide nodes deeper than this; the outermost frames are level 0 (--prune_level). */
  pruneLevel?: number;
  /** Characters per level (--indent), 0..8. */
  indent?: number;
  color?: boolean;
}

/**
 * The call tree as `vmprofshow tree` prints it, one node a line:
 * `<share of all>% <indent> <function>  <share of parent>%  <file>:<line>`.
 * Differences: the synthetic "<all>" root is not printed (its children are level 0),
 * siblings are ordered biggest first, and lines are kept to 100 characters (very deep
 * indents are abbreviated as `[level]|.|.`).
 */
export function renderTree(stats: Stats, o: TreeOptions = {}): string {
  const prunePercent = o.prunePercent ?? 0;
  const pruneLevel = o.pruneLevel ?? Infinity;
  const indentWidth = Math.max(0, Math.min(8, o.indent ?? 2));
  const paint = o.color ? ansi : plain;
  const root = stats.getTree();
  const total = root.count;
  if (total === 0) return EMPTY + "\n";
  const unit = indentWidth > 0 ? "|" + ".".repeat(indentWidth - 1) : "";
  const out: string[] = [];
  const todo: [Tree, Tree, number][] = [];
  const kids = byCountDesc(root.children);
  for (let i = kids.length - 1; i >= 0; i--) todo.push([kids[i], root, 0]);
  while (todo.length > 0) {
    const [node, parent, level] = todo.pop()!;
    const share = (100 * node.count) / total;
    if (share < prunePercent) continue;
    const p1 = `${share.toFixed(1).padStart(5)}%`;
    const p4 = `${pct(node.count, parent.count, 1)}%`;
    let indent = unit.repeat(level);
    if (indent.length > 40) {
      // Too deep to draw: say the level, then draw a fixed number of units.
      const tag = `[${level}]`;
      indent = tag + unit.repeat(Math.floor((40 - tag.length) / unit.length));
    }
    const p = parseName(node.name);
    const known = p.kind !== "" || p.file !== "";
    const loc = known ? location(p) : "<unknown>";
    // p1 + " " + indent + " " + name + "  " + p4 + "  " + loc
    const room = MAX_WIDTH - p1.length - indent.length - p4.length - 4;
    const [name, where] = fit(p.name, loc, room, 2);
    const nameColor = p.kind === "" && !known ? WHITE : p.kind === "n" ? RED : BLUE;
    let line = `${paint(p1, WHITE, true)} ${paint(indent, nameColor)} ${paint(name, nameColor, true)}  ${
      paint(p4, WHITE, true)
    }`;
    if (where !== "") line += `  ${paint(where, WHITE)}`;
    out.push(line);
    if (level + 1 > pruneLevel) continue;
    const cs = byCountDesc(node.children);
    for (let i = cs.length - 1; i >= 0; i--) todo.push([cs[i], node, level + 1]);
  }
  return out.join("\n") + "\n";
}

export interface FlatViewOptions {
  /** Hide functions whose self share is below this percentage (--percent-cutoff). */
  percentCutoff?: number;
  /** Leave native frames out, charging their time to their callers (--no-native). */
  noNative?: boolean;
  /** Print at most this many functions. */
  limit?: number;
  color?: boolean;
}

/**
 * The flat profile as `vmprofshow flat`, one function a line, biggest self share first,
 * with the total (inclusive) share beside it:
 * `  self%     self  total%    total  function (file:line)`.
 */
export function renderFlat(stats: Stats, o: FlatViewOptions = {}): string {
  const total = stats.samples;
  if (total === 0) return EMPTY + "\n";
  const paint = o.color ? ansi : plain;
  const cutoff = o.percentCutoff ?? 0;
  const limit = o.limit ?? Infinity;
  const out = [
    `${"self%".padStart(7)}  ${"self".padStart(7)}  ${"total%".padStart(7)}  ${"total".padStart(7)}  function`,
  ];
  let shown = 0;
  for (const r of stats.flat({ noNative: o.noNative })) {
    if (shown >= limit) break;
    if ((100 * r.self) / total < cutoff) continue;
    shown++;
    const lead = `${pct(r.self, total, 2).padStart(6)}%  ${String(r.self).padStart(7)}  ${
      pct(r.total, total, 2).padStart(6)
    }%  ${String(r.total).padStart(7)}  `;
    out.push(lead + functionCell(r, MAX_WIDTH - lead.length, paint));
  }
  return out.join("\n") + "\n";
}

/** `name (file:line)` fitted to `room` characters, the name painted. */
function functionCell(r: FlatRow, room: number, paint: Paint): string {
  const p = parseName(r.name);
  const loc = location(p);
  const [name, where] = fit(p.name, loc, room, 3);
  const color = p.kind === "n" ? RED : BLUE;
  return where === "" ? paint(name, color, true) : `${paint(name, color, true)} ${paint(`(${where})`, WHITE)}`;
}

export interface SummaryOptions {
  /** Rows in each of the two tables. */
  top?: number;
  color?: boolean;
}

/**
 * The short report printed when a profile ends:
 * `vmprof-js: N samples over X s (period P ms, mode cpu|wall), T threads, D dropped`,
 * then the top functions by self share and by total share.
 */
/**
 * What the samples were doing: "JIT 71% · interpreter 9% · GC 12% · runtime native 8%" and
 * the self time per JIT tier. No lines for a log without tiers (Python's, older ones).
 */
export function renderSplit(stats: Stats): string[] {
  const out: string[] = [];
  const split = stats.splitLine();
  if (split) out.push(split);
  const tiers = [...stats.tierTotals()].map(([t, c]) => `${t} ${pct(c, stats.samples, 0)}%`).join(", ");
  if (tiers) out.push(`by tier: ${tiers}`);
  return out;
}

/** One line per thread: id, name, samples, share and its hottest function by self time. */
export function renderThreads(stats: Stats): string {
  const names = stats.threadNames();
  const out = [
    `${"thread".padStart(8)}  ${"name".padEnd(16)} ${"samples".padStart(8)}  ${"share".padStart(6)}  top function`,
  ];
  for (const [tid, n] of [...stats.threads()].sort((a, b) => b[1] - a[1])) {
    const top = stats.filter((s) => s.thread === tid).flat()[0];
    const name = top ? parseName(top.name).name : "";
    out.push(
      `${String(tid).padStart(8)}  ${(names.get(tid) ?? "?").padEnd(16)} ${String(n).padStart(8)}  ${
        pct(n, stats.samples, 1).padStart(5)
      }%  ${name}`,
    );
  }
  return out.join("\n") + "\n";
}

export interface LinesOptions {
  /** Only functions whose name contains this. */
  filter?: string;
  /** At most this many functions (default 10). */
  limit?: number;
}

/**
 * vmprofshow's `lines`: per function, the samples at each of its lines, with the source
 * text when the file is readable. Says what share of samples carried a line at all.
 */
export function renderLines(stats: Stats, o: LinesOptions = {}): string {
  const p = stats.profile;
  if ((p.flags & LINES) === 0) return "this log has no line numbers: profile with --lines\n";
  const { canon } = stats.treeKeys();
  const perFn = new Map<number, { hits: number; lines: Map<number, number> }>();
  let known = 0;
  for (const s of p.samples) {
    if (!s.lines) continue;
    if (s.lines[s.lines.length - 1] > 0) known++;
    const seen = new Set<string>();
    for (let i = 0; i < s.stack.length; i++) {
      const addr = canon?.get(s.stack[i]) ?? s.stack[i];
      const line = s.lines[i];
      let f = perFn.get(addr);
      if (!f) perFn.set(addr, f = { hits: 0, lines: new Map() });
      if (!seen.has(`${addr}`)) {
        seen.add(`${addr}`);
        f.hits++;
      }
      if (line > 0 && !seen.has(`${addr}:${line}`)) {
        seen.add(`${addr}:${line}`);
        f.lines.set(line, (f.lines.get(line) ?? 0) + 1);
      }
    }
  }
  const out: string[] = [];
  const fns = [...perFn].filter(([a, f]) => f.lines.size > 0 && (!o.filter || stats.getName(a).includes(o.filter)))
    .sort((x, y) => y[1].hits - x[1].hits).slice(0, o.limit ?? 10);
  for (const [addr, f] of fns) {
    const n = parseName(stats.getName(addr));
    let source: string[] = [];
    try {
      source = readFileSync(n.file, "utf8").split("\n");
    } catch {
      // not readable here: counts only
    }
    out.push(`Function: ${n.name} at line ${n.line}`, `File: ${n.file}`, `Total hits: ${f.hits}`, "");
    out.push(`${"Line".padStart(6)} ${"Hits".padStart(8)} ${"% Time".padStart(7)}  Line Contents`);
    out.push("=".repeat(40));
    for (const [line, hits] of [...f.lines].sort((a, b) => a[0] - b[0])) {
      const text = (source[line - 1] ?? "").slice(0, MAX_WIDTH - 26);
      out.push(`${String(line).padStart(6)} ${String(hits).padStart(8)} ${pct(hits, f.hits, 1).padStart(6)}%  ${text}`);
    }
    out.push("");
  }
  if (fns.length === 0) {
    out.push(o.filter ? `no function matching "${o.filter}" has line numbers` : "no samples have line numbers");
  }
  out.push(`lines known for ${pct(known, p.samples.length, 1)}% of samples (the innermost frame)`);
  return out.join("\n") + "\n";
}

/** Peak and growth of the resident set size (--memory), and a coarse chart over the run. */
export function renderMemory(stats: Stats): string {
  const p = stats.profile;
  if ((p.flags & MEMORY) === 0) return "this log has no memory samples: profile with --memory\n";
  const rss = p.samples.map((s) => s.rss).filter((r) => r > 0);
  if (rss.length === 0) return "no memory samples\n";
  const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
  const peak = Math.max(...rss);
  const first = rss[0], last = rss[rss.length - 1];
  const cols = Math.min(60, rss.length);
  const chart: number[] = [];
  for (let c = 0; c < cols; c++) {
    const slice = rss.slice(Math.floor((c * rss.length) / cols), Math.floor(((c + 1) * rss.length) / cols));
    chart.push(Math.max(...slice));
  }
  const lo = Math.min(...chart), span = Math.max(1, peak - lo);
  const bars = "▁▂▃▄▅▆▇█";
  return [
    `RSS: start ${mb(first)}, end ${mb(last)}, peak ${mb(peak)}, growth ${last >= first ? "+" : ""}${mb(last - first)}`,
    `${mb(lo).padStart(9)} ${chart.map((v) => bars[Math.min(7, Math.floor(((v - lo) / span) * 8))]).join("")} ${
      mb(peak)
    }`,
  ].join("\n") + "\n";
}

export function renderSummary(stats: Stats, o: SummaryOptions = {}): string {
  const top = o.top ?? 10;
  const paint = o.color ? ansi : plain;
  const n = stats.samples;
  const p = stats.profile;
  const mode = (p.flags & REAL_TIME) !== 0 ? "wall" : "cpu";
  const periodMs = Number((p.periodUsec / 1000).toFixed(3));
  const seconds = stats.durationSeconds();
  const threads = stats.threads().size;
  const dropped = Number(stats.getMeta(META.dropped, "0")) || 0;
  const over = seconds === undefined ? "" : ` over ${seconds.toFixed(2)} s`;
  const lines = [
    `vmprof-js: ${n} ${n === 1 ? "sample" : "samples"}${over} (period ${periodMs} ms, mode ${mode}), ` +
    `${threads} ${threads === 1 ? "thread" : "threads"}, ${dropped} dropped`,
  ];
  const incomplete = stats.getMeta(META.incomplete, "");
  if (incomplete) lines.push(`vmprof-js: incomplete profile: ${incomplete}`);
  const truncated = Number(stats.getMeta(META.truncated, "0")) || 0;
  if (truncated > 0) {
    lines.push(
      `vmprof-js: ${truncated} stacks deeper than the sampler's limit were cut (shown under "(truncated stack)")`,
    );
  }
  if (n === 0) return lines.join("\n") + "\n";
  lines.push(...renderSplit(stats));
  const rows = stats.flat();
  const table = (title: string, col: string, key: "self" | "total") => {
    const sorted = key === "self" ? rows : [...rows].sort((a, b) => b.total - a.total || b.self - a.self);
    const picked = sorted.filter((r) => r[key] > 0).slice(0, top);
    lines.push(paint(title, WHITE, true));
    lines.push(`${col.padStart(7)}  ${"samples".padStart(7)}  function`);
    for (const r of picked) {
      const lead = `${pct(r[key], n, 1).padStart(6)}%  ${String(r[key]).padStart(7)}  `;
      lines.push(lead + functionCell(r, MAX_WIDTH - lead.length, paint));
    }
  };
  table(`Top ${top} by self time:`, "self%", "self");
  table(`Top ${top} by total time:`, "total%", "total");
  return lines.join("\n") + "\n";
}
