// encodeWebProfile: a Profile as the web viewer's compact binary payload (frame table, call-tree trie, per-sample columns).
//
// Layout: "VMPW", u32 LE header length, the JSON header (WebHeader), zero padding to a
// multiple of 8, then the typed-array sections the header lists, each at an offset that is
// a multiple of 8 from the start. The page decodes it in lib/view/web/model.js.
//
// The trie is the call tree of lib/profile/tree.ts: node 0 is the "<all>" root, every
// other node is a frame key reached along one path, adjacent duplicate keys collapse into
// one node (as vmprof does), and a parent always has a smaller index than its children.
// Each sample names the node its stack ends at; counts, totals, filters by thread or time
// and every view are computed in the page from these columns.

import type { Profile } from "../format/reader.ts";
import { MEMORY, REAL_TIME } from "../format/constants.ts";
import { ACTIVITIES, ACTIVITY_LABELS, ACTIVITY_LETTER, META, threadKey } from "../contract.ts";
import { COLOUR_CLASSES, colourClassOf, frameInfoFromMeta } from "./colour-class.ts";

export const WEB_MAGIC = "VMPW";
export const WEB_FORMAT = 1;

export interface WebSection {
  name: "nodeParent" | "nodeFrame" | "sampleNode" | "sampleThread" | "sampleRss" | "sampleActivity";
  type: "i32" | "u16" | "u32" | "u8";
  /** Byte offset from the start of the payload (a multiple of 8). */
  offset: number;
  /** Number of elements. */
  length: number;
}

export interface WebHeader {
  format: number;
  /** What the profile is, for the page title: a file name or the profiled program. */
  label: string;
  interpName: string;
  version: number;
  periodUsec: number;
  memory: boolean;
  realTime: boolean;
  startMicros: number | null;
  endMicros: number | null;
  complete: boolean;
  meta: Record<string, string>;
  samples: number;
  nodes: number;
  /** Threads by index (sampleThread values), in order of first appearance. */
  threads: { id: number; name: string; samples: number }[];
  /** Distinct frame names (vmprof form); functions are merged by name. */
  names: string[];
  /** Per frame (a distinct key on some stack): index into names. */
  frameName: number[];
  /** Per frame: index into colourClasses. */
  frameClass: number[];
  /** Per frame: the JIT tier when the log says, else "". */
  frameTier: string[];
  /** The viewers' colour classes (lib/view/colour-class.ts), in legend order. */
  colourClasses: readonly string[];
  /** What sampleActivity values (when present) stand for: the samples' activities (Stats.activityTotals). */
  activities: readonly string[];
  /** How the page names each of activities (Stats.splitLine's words). */
  activityLabels: readonly string[];
  sections: WebSection[];
}

export interface DecodedColumns {
  nodeParent: Int32Array;
  nodeFrame: Int32Array;
  sampleNode: Int32Array;
  sampleThread: Uint16Array;
  sampleRss?: Uint32Array;
}

/** Frames per parent in the trie's child key; more distinct frame keys than this throws. */
const FRAME_STRIDE = 2 ** 22;
const MAX_THREADS = 65535;

/**
 * The call-tree trie and sample columns of a profile (see the module comment). Longer than
 * 80 lines on purpose: one pass over the samples whose fast paths (a stack seen before, the
 * prefix shared with the previous sample) share the loop's state with the trie walk.
 */
export function buildColumns(profile: Profile): {
  columns: DecodedColumns;
  frameAddrs: number[];
  threadIds: number[];
} {
  const samples = profile.samples;
  const n = samples.length;
  const frameOf = new Map<number, number>();
  const frameAddrs: number[] = [];
  const childOf = new Map<number, number>(); // parent * FRAME_STRIDE + frame -> node
  let parents = new Int32Array(1024);
  let frames = new Int32Array(1024);
  parents[0] = -1;
  frames[0] = -1;
  let nodes = 1;
  const sampleNode = new Int32Array(n);
  const sampleThread = new Uint16Array(n);
  const memory = (profile.flags & MEMORY) !== 0;
  const sampleRss = memory ? new Uint32Array(n) : undefined;
  const threadIdx = new Map<number, number>();
  const threadIds: number[] = [];

  // Most samples repeat a stack seen before: a hash of the addresses finds its node (the
  // stack is compared to make sure). Otherwise consecutive samples share most of their
  // stack: the previous sample's path is reused for the common prefix (pathAt[i] is the
  // node after raw frame i of the previous stack) and the rest walks the trie.
  const seen = new Map<number, { stack: number[]; node: number }>();
  let prev: number[] = [];
  let pathAt = new Int32Array(256);
  for (let s = 0; s < n; s++) {
    const { stack, thread, rss } = samples[s];
    const depth = stack.length;
    let t = threadIdx.get(thread);
    if (t === undefined) {
      t = threadIds.length;
      if (t >= MAX_THREADS) throw new Error(`more than ${MAX_THREADS} threads`);
      threadIdx.set(thread, t);
      threadIds.push(thread);
    }
    sampleThread[s] = t;
    if (sampleRss !== undefined) sampleRss[s] = Math.max(0, Math.min(0xffffffff, rss));
    const h = stackHash(stack);
    const hit = seen.get(h);
    if (hit !== undefined && sameStack(hit.stack, stack)) {
      sampleNode[s] = hit.node;
      continue;
    }
    if (depth > pathAt.length) {
      const grown = new Int32Array(Math.max(depth, pathAt.length * 2));
      grown.set(pathAt);
      pathAt = grown;
    }
    let k = 0;
    const limit = Math.min(depth, prev.length);
    while (k < limit && stack[k] === prev[k]) k++;
    let cur = k > 0 ? pathAt[k - 1] : 0;
    for (let i = k; i < depth; i++) {
      const a = stack[i];
      if (i > 0 && a === stack[i - 1]) {
        pathAt[i] = cur; // adjacent duplicate: the same node
        continue;
      }
      let f = frameOf.get(a);
      if (f === undefined) {
        f = frameAddrs.length;
        if (f >= FRAME_STRIDE) throw new Error(`more than ${FRAME_STRIDE} distinct frames`);
        frameOf.set(a, f);
        frameAddrs.push(a);
      }
      const key = cur * FRAME_STRIDE + f;
      let next = childOf.get(key);
      if (next === undefined) {
        next = nodes++;
        if (next >= parents.length) {
          const p2 = new Int32Array(parents.length * 2);
          p2.set(parents);
          parents = p2;
          const f2 = new Int32Array(frames.length * 2);
          f2.set(frames);
          frames = f2;
        }
        parents[next] = cur;
        frames[next] = f;
        childOf.set(key, next);
      }
      cur = next;
      pathAt[i] = cur;
    }
    prev = stack;
    sampleNode[s] = cur;
    seen.set(h, { stack, node: cur });
  }
  return {
    columns: {
      nodeParent: parents.slice(0, nodes),
      nodeFrame: frames.slice(0, nodes),
      sampleNode,
      sampleThread,
      sampleRss,
    },
    frameAddrs,
    threadIds,
  };
}

/** FNV-1a over a stack's addresses (both 32-bit halves of each). */
function stackHash(stack: number[]): number {
  let h = stack.length;
  for (let i = 0; i < stack.length; i++) {
    const a = stack[i];
    h = Math.imul(h ^ (a >>> 0), 16777619);
    h = Math.imul(h ^ ((a / 4294967296) | 0), 16777619);
  }
  return h;
}

function sameStack(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The symbol of a key, or its address in hex, as Stats.getName has it. */
function nameOf(profile: Profile, addr: number): string {
  return profile.symbols.get(addr) ?? (addr < 0 ? "-0x" + (-addr).toString(16) : "0x" + addr.toString(16));
}

/** The web viewer's payload for one profile; `label` titles the page. */
export function encodeWebProfile(profile: Profile, label: string): Uint8Array {
  const { columns, frameAddrs, threadIds } = buildColumns(profile);
  const frames = frameTable(profile, frameAddrs);
  const parts: Part[] = [
    { name: "nodeParent", type: "i32", data: columns.nodeParent },
    { name: "nodeFrame", type: "i32", data: columns.nodeFrame },
    { name: "sampleNode", type: "i32", data: columns.sampleNode },
    { name: "sampleThread", type: "u16", data: columns.sampleThread },
  ];
  if (columns.sampleRss) parts.push({ name: "sampleRss", type: "u32", data: columns.sampleRss });
  const sampleActivity = activityIndexes(profile.meta, profile.samples.length);
  if (sampleActivity) parts.push({ name: "sampleActivity", type: "u8", data: sampleActivity });
  // The tables that became columns would only weigh the header down (a letter per sample).
  const meta = Object.fromEntries([...profile.meta].filter(([k]) => k !== META.tiers && k !== META.activities));

  const header: WebHeader = {
    format: WEB_FORMAT,
    label,
    interpName: profile.interpName,
    version: profile.version,
    periodUsec: profile.periodUsec,
    memory: (profile.flags & MEMORY) !== 0,
    realTime: (profile.flags & REAL_TIME) !== 0,
    startMicros: profile.startMicros ?? null,
    endMicros: profile.endMicros ?? null,
    complete: profile.complete,
    meta,
    samples: profile.samples.length,
    nodes: columns.nodeParent.length,
    threads: threadList(profile, columns.sampleThread, threadIds),
    ...frames,
    colourClasses: COLOUR_CLASSES,
    activities: ACTIVITIES,
    activityLabels: ACTIVITIES.map((a) => ACTIVITY_LABELS[a]),
    sections: [],
  };
  return layOut(header, parts);
}

/** One binary section of the payload. */
type Part = { name: WebSection["name"]; type: WebSection["type"]; data: ArrayBufferView & { length: number } };

/** Per frame (a distinct key): its name's index into the distinct names, its colour class and tier. */
function frameTable(
  profile: Profile,
  frameAddrs: number[],
): Pick<WebHeader, "names" | "frameName" | "frameClass" | "frameTier"> {
  const info = frameInfoFromMeta(profile.meta);
  const names: string[] = [];
  const nameIdx = new Map<string, number>();
  const frameName: number[] = [];
  const frameClass: number[] = [];
  const frameTier: string[] = [];
  for (const a of frameAddrs) {
    const name = nameOf(profile, a);
    let i = nameIdx.get(name);
    if (i === undefined) {
      i = names.length;
      names.push(name);
      nameIdx.set(name, i);
    }
    frameName.push(i);
    const fi = info.get(a);
    frameClass.push(COLOUR_CLASSES.indexOf(colourClassOf(name, fi)));
    frameTier.push(fi?.tier ?? "");
  }
  return { names, frameName, frameClass, frameTier };
}

/** The threads by index (sampleThread's values): id, name and sample count. */
function threadList(profile: Profile, sampleThread: Uint16Array, threadIds: number[]): WebHeader["threads"] {
  const counts = new Array<number>(threadIds.length).fill(0);
  for (const t of sampleThread) counts[t]++;
  return threadIds.map((id, i) => ({ id, name: profile.meta.get(threadKey(id)) ?? "", samples: counts[i] }));
}

/** Magic, header length, the JSON header, then each part at its 8-aligned offset. */
function layOut(header: WebHeader, parts: Part[]): Uint8Array {
  // The section offsets depend on the header's length, which depends on the offsets:
  // lay out with a guess, then again until the header fits.
  let json = new Uint8Array();
  let start = 0;
  for (let guess = 0;; guess = start) {
    let off = guess;
    header.sections = parts.map((p) => {
      const s: WebSection = { name: p.name, type: p.type, offset: off, length: p.data.length };
      off = align8(off + p.data.byteLength);
      return s;
    });
    json = new TextEncoder().encode(JSON.stringify(header));
    start = align8(8 + json.length);
    if (start === guess) break;
  }
  const last = header.sections[header.sections.length - 1];
  const total = align8(last.offset + parts[parts.length - 1].data.byteLength);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(WEB_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, json.length, true);
  out.set(json, 8);
  parts.forEach((p, i) => {
    out.set(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength), header.sections[i].offset);
  });
  return out;
}

function align8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

const LETTERS = ACTIVITIES.map((a) => ACTIVITY_LETTER[a]).join("");

/** Per sample, an index into ACTIVITIES (255: unknown); undefined when the log has no such table. */
export function activityIndexes(meta: Map<string, string>, samples: number): Uint8Array | undefined {
  const letters = meta.get(META.activities);
  if (letters === undefined || letters.length !== samples || samples === 0) return undefined;
  const out = new Uint8Array(samples);
  for (let i = 0; i < samples; i++) {
    const k = LETTERS.indexOf(letters[i]);
    out[i] = k < 0 ? 255 : k;
  }
  return out;
}
