// Chrome/V8 `.cpuprofile` (DevTools Profiler.Profile JSON, as `deno --cpu-prof` and `bun --cpu-prof`
// write it): the call tree as nodes, one node id per sample, time deltas of one period.
// Keeps: the call tree (as Stats.getTree builds it: one function per name, adjacent repeats
// collapsed), line ticks in lines mode, native frames (callFrame.codeType "other").
// Not kept: threads (one timeline; export one with `thread`), memory, tiers.

import { LINES } from "../format/constants.ts";
import type { Stats } from "../profile/stats.ts";
import type { Exporter, ExportOptions } from "./types.ts";
import { FrameTable, NO_FRAMES } from "./frames.ts";

export interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  /** 0-based; -1 when unknown. */
  lineNumber: number;
  /** 0-based; -1 when unknown. */
  columnNumber: number;
  /** V8's trace format: "JS" for script code, "other" for native code. */
  codeType?: "JS" | "other";
}

export interface CpuProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  /** Microseconds. */
  startTime: number;
  endTime: number;
  /** The node id of each sample's innermost frame. */
  samples: number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  timeDeltas: number[];
}

/** `file:///abs/path` for absolute paths; anything else (node:, ext:, relative names) unchanged. */
function toUrl(file: string): string {
  if (!file.startsWith("/")) return file;
  return "file://" + file.split("/").map(encodeURIComponent).join("/");
}

export function toCpuProfile(stats: Stats, _options: ExportOptions = {}): CpuProfile {
  const table = new FrameTable(stats);
  const scriptIds = new Map<string, string>();
  const frameOf = (i: number): CallFrame => {
    const f = table.frames[i];
    const url = toUrl(f.file);
    let scriptId = "0";
    if (url !== "") {
      scriptId = scriptIds.get(url) ?? String(scriptIds.size + 1);
      scriptIds.set(url, scriptId);
    }
    return {
      functionName: f.name,
      scriptId,
      url,
      lineNumber: f.line > 0 ? f.line - 1 : -1,
      columnNumber: -1,
      codeType: f.native ? "other" : "JS",
    };
  };
  const root: CpuProfileNode = {
    id: 1,
    callFrame: { functionName: "(root)", scriptId: "0", url: "", lineNumber: -1, columnNumber: -1 },
    hitCount: 0,
  };
  const nodes = [root];
  const kids: Map<number, CpuProfileNode>[] = [new Map()]; // per node (id - 1): frame -> child
  /** The child of `parent` for frame `f` (-1: V8's "(program)"), made on first use. */
  const child = (parent: CpuProfileNode, f: number, callFrame: () => CallFrame): CpuProfileNode => {
    const byFrame = kids[parent.id - 1];
    let node = byFrame.get(f);
    if (node === undefined) {
      node = { id: nodes.length + 1, callFrame: callFrame(), hitCount: 0 };
      nodes.push(node);
      kids.push(new Map());
      byFrame.set(f, node);
      (parent.children ??= []).push(node.id);
    }
    return node;
  };
  const lines = (stats.profile.flags & LINES) !== 0;
  const ticks = new Map<CpuProfileNode, Map<number, number>>();
  const period = Math.max(1, stats.profile.periodUsec);
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  for (const s of stats.profile.samples) {
    let node = root;
    let last = -1;
    for (const a of s.stack) {
      const f = table.of(a);
      if (f === last) continue; // one node, as in Stats.getTree: a function's tiers and adjacent recursion
      last = f;
      node = child(node, f, () => frameOf(f));
    }
    // V8 charges samples without any frame to "(program)".
    if (node === root) {
      node = child(root, -1, () => ({ ...root.callFrame, functionName: NO_FRAMES }));
    }
    node.hitCount++;
    samples.push(node.id);
    timeDeltas.push(period);
    const line = s.lines?.[s.lines.length - 1] ?? 0;
    if (lines && line > 0) {
      const t = ticks.get(node) ?? new Map<number, number>();
      t.set(line, (t.get(line) ?? 0) + 1);
      ticks.set(node, t);
    }
  }
  for (const [node, t] of ticks) node.positionTicks = [...t].map(([line, n]) => ({ line, ticks: n }));
  const startTime = stats.profile.startMicros ?? 0;
  const spanned = startTime + samples.length * period;
  const endTime = Math.max(stats.profile.endMicros ?? spanned, spanned);
  return { nodes, startTime, endTime, samples, timeDeltas };
}

export const cpuprofile: Exporter = {
  format: "cpuprofile",
  extension: ".cpuprofile",
  description: "Chrome DevTools .cpuprofile, as deno/bun --cpu-prof write it",
  export: (stats, options) => JSON.stringify(toCpuProfile(stats, options)),
};
