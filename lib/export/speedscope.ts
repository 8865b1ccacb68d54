// speedscope's file format (https://www.speedscope.app/file-format-schema.json): one
// "sampled" profile per thread, weights in microseconds (the sampling period), shared frames.
// Keeps: threads (a profile each, named from META). Not kept: memory, tiers (no field for them).

import type { Stats } from "../profile/stats.ts";
import type { Exporter, ExportOptions } from "./types.ts";
import { FrameTable, threadLabel } from "./frames.ts";

export const SPEEDSCOPE_SCHEMA = "https://www.speedscope.app/file-format-schema.json";

/** The subset of speedscope's FileFormat.File that we write. */
export interface SpeedscopeFile {
  $schema: typeof SPEEDSCOPE_SCHEMA;
  shared: { frames: { name: string; file?: string; line?: number }[] };
  profiles: {
    type: "sampled";
    name: string;
    unit: "microseconds";
    startValue: number;
    endValue: number;
    /** Frame indexes, outermost first. */
    samples: number[][];
    weights: number[];
  }[];
  name: string;
  activeProfileIndex: number;
  exporter: string;
}

export function toSpeedscope(stats: Stats, options: ExportOptions = {}): SpeedscopeFile {
  const table = new FrameTable(stats);
  const weight = Math.max(1, stats.profile.periodUsec);
  const byThread = new Map<number, SpeedscopeFile["profiles"][number]>();
  for (const s of stats.profile.samples) {
    let p = byThread.get(s.thread);
    if (p === undefined) {
      p = {
        type: "sampled",
        name: threadLabel(stats, s.thread),
        unit: "microseconds",
        startValue: 0,
        endValue: 0,
        samples: [],
        weights: [],
      };
      byThread.set(s.thread, p);
    }
    p.samples.push(s.stack.map((a) => table.of(a)));
    p.weights.push(weight);
    p.endValue += weight;
  }
  const profiles = [...byThread.values()];
  // Open the busiest thread first.
  let active = 0;
  profiles.forEach((p, i) => {
    if (p.samples.length > profiles[active].samples.length) active = i;
  });
  return {
    $schema: SPEEDSCOPE_SCHEMA,
    shared: {
      frames: table.frames.map((f) => {
        const out: { name: string; file?: string; line?: number } = { name: f.name };
        if (f.file !== "") out.file = f.file;
        if (f.line > 0) out.line = f.line;
        return out;
      }),
    },
    profiles,
    name: options.title ?? `${stats.profile.interpName || "vmprof"} profile`,
    activeProfileIndex: active,
    exporter: "vmprof-js",
  };
}

export const speedscope: Exporter = {
  format: "speedscope",
  extension: ".speedscope.json",
  description: "speedscope JSON (speedscope.app), one profile per thread",
  export: (stats, options) => JSON.stringify(toSpeedscope(stats, options)),
};
