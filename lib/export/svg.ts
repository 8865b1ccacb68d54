// A standalone SVG flame graph (flamegraph.pl's picture, no script): the folded stacks as a
// tree, root at the bottom, widths proportional to samples, a <title> tooltip on every frame.
// Keeps: threads (with `threads`, a root frame per thread), tiers (samples per tier in the
// tooltip, colour by the main tier's colour class), memory (peak RSS in the subtitle).

import { REAL_TIME } from "../format/constants.ts";
import type { Stats } from "../profile/stats.ts";
import { type ColourClass, colourClassOf } from "../view/colour-class.ts";
import { foldStacks } from "./collapsed.ts";
import type { Exporter, ExportOptions } from "./types.ts";
import { peakRssKb } from "./frames.ts";

const WIDTH = 1200;
const PAD = 10;
const FRAME_HEIGHT = 16;
const TOP = 56; // title and subtitle
const BOTTOM = 10;
const CHAR_WIDTH = 7; // of 12px monospace, near enough to decide how much text fits
const MIN_WIDTH = 0.1; // narrower frames are left out, as flamegraph.pl does

/** Hue, saturation and a lightness range per colour class: warm for the program, cool for the runtime. */
const COLOURS: Record<ColourClass, [number, number, number, number]> = {
  optimized: [30, 90, 50, 62],
  "mid-tier": [40, 90, 52, 64],
  baseline: [48, 90, 52, 64],
  interpreter: [14, 85, 58, 70],
  code: [22, 88, 52, 66],
  runtime: [190, 55, 52, 66],
  native: [0, 70, 58, 70],
  gc: [275, 50, 60, 72],
  idle: [0, 0, 82, 88],
  other: [0, 0, 70, 80],
};

interface Node {
  label: string;
  count: number;
  /** Tier -> samples, for frames whose tier the log records. */
  tiers: Map<string, number>;
  kids: Map<string, Node>;
}

/** `turbofan 30, ignition 10`: samples per tier, most first. */
function tierText(tiers: Map<string, number>): string {
  return [...tiers].sort((a, b) => b[1] - a[1]).map(([t, n]) => `${t} ${n}`).join(", ");
}

function mainTier(tiers: Map<string, number>): string | undefined {
  let best: [string, number] | undefined;
  for (const e of tiers) if (best === undefined || e[1] > best[1]) best = e;
  return best?.[0];
}

/** XML text and attribute values: the five characters XML reserves, and no control characters. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
    // deno-lint-ignore no-control-regex
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, "\ufffd");
}

/** A stable small number from a string, to vary colours between functions of one class. */
function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

function colour(label: string, cls: ColourClass): string {
  const [hue, sat, lo, hi] = COLOURS[cls];
  const v = hash(label);
  return `hsl(${Math.round(hue + 10 * (v - 0.5))},${sat}%,${Math.round(lo + (hi - lo) * v)}%)`;
}

/** `text` cut to what `width` pixels hold, ending in ".." when cut; "" when not even 3 characters fit. */
function fitText(text: string, width: number): string {
  const room = Math.floor((width - 6) / CHAR_WIDTH);
  if (room < 3) return "";
  return text.length <= room ? text : text.slice(0, room - 2) + "..";
}

function subtitle(stats: Stats, total: number): string {
  const p = stats.profile;
  const parts = [`${total} ${total === 1 ? "sample" : "samples"}`];
  const threads = stats.threads().size;
  parts.push(`${threads} ${threads === 1 ? "thread" : "threads"}`);
  parts.push(`period ${(p.periodUsec / 1000).toFixed(2)} ms, ${(p.flags & REAL_TIME) !== 0 ? "wall" : "cpu"} time`);
  const seconds = stats.durationSeconds();
  if (seconds !== undefined) parts.push(`${seconds.toFixed(2)} s`);
  const rss = peakRssKb(stats);
  if (rss !== undefined) parts.push(`peak RSS ${(rss / 1024).toFixed(1)} MB`);
  return parts.join(", ");
}

export function toSvg(stats: Stats, options: ExportOptions = {}): string {
  const folded = foldStacks(stats, options);
  const root: Node = { label: "all", count: 0, tiers: new Map(), kids: new Map() };
  let depth = 0;
  for (const { frames, tiers, count } of folded.stacks) {
    root.count += count;
    let node = root;
    frames.forEach((label, i) => {
      let next = node.kids.get(label);
      if (next === undefined) {
        next = { label, count: 0, tiers: new Map(), kids: new Map() };
        node.kids.set(label, next);
      }
      next.count += count;
      if (tiers[i] !== "") next.tiers.set(tiers[i], (next.tiers.get(tiers[i]) ?? 0) + count);
      node = next;
    });
    depth = Math.max(depth, frames.length);
  }
  const total = root.count;
  const height = TOP + (depth + 1) * FRAME_HEIGHT + BOTTOM;
  const scale = total > 0 ? (WIDTH - 2 * PAD) / total : 0;
  const title = options.title ?? `${stats.profile.interpName || "vmprof"} profile`;
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8" standalone="no"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${WIDTH}" height="${height}" ` +
    `viewBox="0 0 ${WIDTH} ${height}" font-family="monospace" font-size="12">`,
    `<style>g.f:hover rect{stroke:#000;stroke-width:0.6} text{pointer-events:none}</style>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${height}" fill="#fdfdf6"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="17">Flame graph: ${escapeXml(title)}</text>`,
    `<text x="${WIDTH / 2}" y="44" text-anchor="middle" fill="#555">${escapeXml(subtitle(stats, total))}</text>`,
  ];
  // Depth-first, children in name order as flamegraph.pl draws them; x in samples.
  const todo: [Node, number, number][] = [[root, 0, 0]];
  while (todo.length > 0) {
    const [node, level, x] = todo.pop()!;
    const w = node.count * scale;
    if (w < MIN_WIDTH) continue;
    const px = PAD + x * scale;
    const py = height - BOTTOM - (level + 1) * FRAME_HEIGHT;
    const info = folded.info.get(node.label);
    const tier = mainTier(node.tiers);
    const cls: ColourClass = colourClassOf(info?.full ?? node.label, tier === undefined ? undefined : { tier });
    const share = ((100 * node.count) / total).toFixed(2);
    let tip = `${node.label}: ${node.count} ${node.count === 1 ? "sample" : "samples"} (${share}%)`;
    if (node.tiers.size > 0) tip += `; ${tierText(node.tiers)}`;
    const text = fitText(w >= (node.label.length + 1) * CHAR_WIDTH ? node.label : info?.name ?? node.label, w);
    out.push(
      `<g class="f"><title>${escapeXml(tip)}</title>` +
        `<rect x="${px.toFixed(2)}" y="${py}" width="${w.toFixed(2)}" height="${FRAME_HEIGHT - 1}" rx="2" ` +
        `fill="${node === root ? "#c8c8c8" : colour(node.label, cls)}"/>` +
        (text === "" ? "" : `<text x="${(px + 3).toFixed(2)}" y="${py + 11.5}">${escapeXml(text)}</text>`) +
        `</g>`,
    );
    const kids = [...node.kids.values()].sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
    let cx = x;
    const placed: [Node, number, number][] = [];
    for (const k of kids) {
      placed.push([k, level + 1, cx]);
      cx += k.count;
    }
    for (let i = placed.length - 1; i >= 0; i--) todo.push(placed[i]);
  }
  out.push("</svg>");
  return out.join("\n") + "\n";
}

export const svg: Exporter = {
  format: "svg",
  extension: ".svg",
  description: "standalone SVG flame graph (opens in any browser)",
  export: toSvg,
};
