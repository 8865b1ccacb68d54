// parseCpuProfile: a Chrome/V8 `.cpuprofile` (`deno --cpu-prof`, `bun --cpu-prof`, DevTools,
// our own export) as a Profile, so that Stats, `show`, `diff` and the viewer work unchanged.
//
// Every node becomes a key of its own (recursion stays visible, as DevTools shows it),
// named the way our logs name frames so that `diff` can compare the two: `js:fib:5:/app/fib.ts`
// (file URLs become paths, lines 1-based), `n:split:0:-` for native code (no url, or
// codeType "other"), `js:(garbage collector):0:-` for V8's pseudo-frames.

import { fileURLToPath } from "node:url";
import { VmprofError } from "../errors.ts";
import { REAL_TIME } from "../format/constants.ts";
import { META, threadKey } from "../contract.ts";
import type { Profile, Sample } from "../format/reader.ts";

/** What a .cpuprofile says about a node; only id and callFrame are required. */
interface RawNode {
  id: number;
  callFrame: { functionName?: string; url?: string; lineNumber?: number; codeType?: string };
  children?: number[];
  /** Older profiles name the parent instead of the children. */
  parent?: number;
}

/** The thread id every imported sample gets (a .cpuprofile is one thread). */
export const CPUPROFILE_THREAD = 1;

/** Keys of imported nodes: even (not native by address), far from zero. */
const KEY_BASE = 0x10000;

function bad(source: string, why: string): VmprofError {
  return new VmprofError("BAD_LOG", `${source}: not a usable .cpuprofile (${why})`);
}

/** True when `json` has the shape of a .cpuprofile (nodes and samples arrays). */
export function isCpuProfile(json: unknown): boolean {
  const o = json as { nodes?: unknown; samples?: unknown };
  return typeof json === "object" && json !== null && Array.isArray(o.nodes) && Array.isArray(o.samples);
}

/** A url as our logs spell files: a path for file URLs, "-" for none. */
function fileOf(url: string): string {
  if (url === "") return "-";
  if (url.startsWith("file://")) {
    try {
      return fileURLToPath(url);
    } catch {
      return url;
    }
  }
  return url;
}

/** The vmprof-style name of a call frame. */
export function frameName(cf: RawNode["callFrame"]): string {
  const fn = cf.functionName ?? "";
  const url = cf.url ?? "";
  const line = typeof cf.lineNumber === "number" && cf.lineNumber >= 0 ? cf.lineNumber + 1 : 0;
  // Without a codeType, code without a url is native, but for V8's pseudo-frames:
  // (program), (garbage collector), (idle), named as our symbolizer names its own.
  const native = cf.codeType === undefined ? url === "" && !/^\(.*\)$/.test(fn) : cf.codeType !== "JS";
  const name = fn === "" ? "<anonymous>" : fn;
  return `${native ? "n" : "js"}:${name}:${line}:${fileOf(url)}`;
}

/** A parsed .cpuprofile JSON value as a Profile; BAD_LOG naming `source` when it is not one. */
export function parseCpuProfile(json: unknown, source = "<cpuprofile>"): Profile {
  if (!isCpuProfile(json)) throw bad(source, "no nodes and samples arrays");
  const raw = json as {
    nodes: unknown[];
    samples: unknown[];
    timeDeltas?: unknown;
    startTime?: unknown;
    endTime?: unknown;
  };
  const { byId, parent } = nodeTree(raw.nodes, source);
  const symbols = new Map<number, string>();
  const stackOf = stacksOf(byId, parent, symbols, source);
  const samples: Sample[] = [];
  for (const id of raw.samples) {
    if (typeof id !== "number" || !byId.has(id)) throw bad(source, `a sample names an unknown node ${shown(id)}`);
    samples.push({ stack: stackOf(id), thread: CPUPROFILE_THREAD, rss: 0 });
  }

  const start = typeof raw.startTime === "number" ? raw.startTime : undefined;
  const end = typeof raw.endTime === "number" ? raw.endTime : undefined;
  const deltas = Array.isArray(raw.timeDeltas) ? raw.timeDeltas.filter((d): d is number => typeof d === "number") : [];
  // The sampling period: the median time between samples (the first delta includes start-up).
  const sorted = deltas.slice(1).sort((a, b) => a - b);
  const median = sorted.length > 0 ? sorted[sorted.length >> 1] : 1000;
  const profile: Profile = {
    version: 6,
    flags: REAL_TIME, // V8's and JSC's samplers run on wall-clock time
    periodUsec: Math.max(1, Math.round(median)),
    interpName: "cpuprofile",
    meta: new Map([
      ["format", "cpuprofile"],
      [META.mode, "wall"],
      [threadKey(CPUPROFILE_THREAD), "main"],
    ]),
    samples,
    symbols,
    complete: true,
    truncatedBytes: 0,
  };
  if (start !== undefined) profile.startMicros = start;
  if (end !== undefined) profile.endMicros = end;
  return profile;
}

const OPTIONAL_STRING = (v: unknown) => v === undefined || typeof v === "string";

/** What is wrong with a node's shape, or undefined: the importer reads only these fields. */
function badNode(n: unknown): string | undefined {
  const node = n as RawNode;
  if (typeof node !== "object" || node === null || typeof node.id !== "number") return "has no numeric id";
  const cf = node.callFrame;
  if (typeof cf !== "object" || cf === null) return `(id ${node.id}) has no callFrame object`;
  if (!OPTIONAL_STRING(cf.functionName) || !OPTIONAL_STRING(cf.url) || !OPTIONAL_STRING(cf.codeType)) {
    return `(id ${node.id}) has a callFrame whose functionName, url or codeType is not a string`;
  }
  if (cf.lineNumber !== undefined && typeof cf.lineNumber !== "number") {
    return `(id ${node.id}) has a lineNumber that is not a number`;
  }
  if (
    node.children !== undefined && (!Array.isArray(node.children) || node.children.some((c) => typeof c !== "number"))
  ) {
    return `(id ${node.id}) has children that are not an array of ids`;
  }
  if (node.parent !== undefined && typeof node.parent !== "number") {
    return `(id ${node.id}) has a parent that is not an id`;
  }
  return undefined;
}

/** A value from the file for a message: JSON (an object's own toString may be anything), cut short. */
function shown(v: unknown): string {
  const text = typeof v === "number" ? String(v) : JSON.stringify(v) ?? typeof v;
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The nodes by id and each node's parent, checked: ids unique, children known. */
function nodeTree(nodes: unknown[], source: string): { byId: Map<number, RawNode>; parent: Map<number, number> } {
  const byId = new Map<number, RawNode>();
  nodes.forEach((n, i) => {
    const why = badNode(n);
    if (why) throw bad(source, `nodes[${i}] ${why}`);
    const node = n as RawNode;
    if (byId.has(node.id)) throw bad(source, `node id ${node.id} appears twice`);
    byId.set(node.id, node);
  });
  const parent = new Map<number, number>();
  for (const node of byId.values()) {
    if (typeof node.parent === "number") parent.set(node.id, node.parent);
    for (const c of node.children ?? []) {
      if (!byId.has(c)) throw bad(source, `node ${node.id} has an unknown child ${shown(c)}`);
      parent.set(c, node.id);
    }
  }
  return { byId, parent };
}

/**
 * A function from node id to its stack of keys, from the outermost frame to the node (the
 * root node, "(root)", left out), cached; a key per node, named in `symbols` when first used.
 */
function stacksOf(
  byId: Map<number, RawNode>,
  parent: Map<number, number>,
  symbols: Map<number, string>,
  source: string,
): (id: number) => number[] {
  const keyOf = new Map<number, number>(); // node id -> key
  let next = KEY_BASE;
  const stackCache = new Map<number, number[]>();
  return (id) => {
    const known = stackCache.get(id);
    if (known) return known;
    const path: number[] = [];
    const seen = new Set<number>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      if (seen.has(cur)) throw bad(source, `node ${cur} is its own ancestor`);
      seen.add(cur);
      if (parent.has(cur)) path.push(cur); // the root has no parent
    }
    const stack = path.reverse().map((n) => {
      let key = keyOf.get(n);
      if (key === undefined) {
        key = next;
        next += 16;
        keyOf.set(n, key);
        symbols.set(key, frameName(byId.get(n)!.callFrame));
      }
      return key;
    });
    stackCache.set(id, stack);
    return stack;
  };
}
