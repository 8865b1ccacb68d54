// The web viewer's data model, no DOM: decodes a payload (lib/view/web-data.ts) and computes call trees, tables, sandwich and diff.
//
// A Tree is a weighted call tree held in flat typed arrays: node 0 is the root, a parent
// always has a smaller index than its children, `label` indexes a label table (frames, or
// functions when tiers are merged) whose `nameOf` gives the index into the profile's names.

const MAGIC = "VMPW";
const STRIDE = 2 ** 22; // labels per parent in a child key (see TreeBuilder)

/** Splits the payload into its JSON header and typed-array columns (zero-copy). */
export function decode(buffer) {
  const bytes = new Uint8Array(buffer);
  const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
  if (magic !== MAGIC) throw new Error("not a vmprof-js web payload");
  const len = new DataView(buffer).getUint32(4, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + len)));
  const types = { i32: Int32Array, u16: Uint16Array, u32: Uint32Array, u8: Uint8Array };
  const cols = {};
  for (const s of header.sections) cols[s.name] = new types[s.type](buffer, s.offset, s.length);
  return { header, ...cols };
}

const KIND_RE = /^([A-Za-z][A-Za-z0-9_]*):/;
const REST_RE = /^(.*?):(-?\d+):(.*)$/s;

/** `js:fib:3:/app/fib.ts` → {kind, name, line, file}, as lib/profile/names.ts parseName. */
export function parseName(full) {
  const k = KIND_RE.exec(full);
  if (k === null) return { kind: "", name: full, line: 0, file: "" };
  const rest = full.slice(k[0].length);
  const m = REST_RE.exec(rest);
  if (m === null) return { kind: k[1], name: rest, line: 0, file: "" };
  return { kind: k[1], name: m[1], line: Number(m[2]), file: m[3] };
}

/** `file:line`, `file` or "" for a parsed name. */
export function locationOf(p) {
  if (p.file === "" || p.file === "-") return "";
  return p.line > 0 ? `${p.file}:${p.line}` : p.file;
}

/** A weighted call tree (see the module comment). */
export class Tree {
  /**
   * @param {Int32Array} parent  parent of each node, -1 for the root
   * @param {Int32Array} label   label of each node, -1 for the root
   * @param {{nameOf: Int32Array, classOf: Uint8Array, tierOf: string[]}} labels
   */
  constructor(parent, label, labels) {
    const n = parent.length;
    this.n = n;
    this.parent = parent;
    this.label = label;
    this.labels = labels;
    this.depth = new Int32Array(n);
    const counts = new Int32Array(n + 1);
    for (let i = 1; i < n; i++) {
      this.depth[i] = this.depth[parent[i]] + 1;
      counts[parent[i] + 1]++;
    }
    for (let i = 0; i < n; i++) counts[i + 1] += counts[i];
    this.childStart = counts;
    this.childList = new Int32Array(Math.max(0, n - 1));
    const fill = counts.slice(0, n);
    for (let i = 1; i < n; i++) this.childList[fill[parent[i]]++] = i;
    this.self = new Float64Array(n);
    this.total = new Float64Array(n);
    // A diff tree's old-profile weights (see diffTree); empty otherwise.
    this.selfA = new Float64Array(0);
    this.totalA = new Float64Array(0);
    this._sorted = new Map();
    this._shared = { firstOcc: undefined }; // structure-only caches, shared by withSelf copies
  }

  /** The same structure with other self weights (this tree keeps its own). */
  withSelf(self) {
    const t = Object.create(Tree.prototype);
    Object.assign(t, this);
    return t.setSelf(self);
  }

  /** Sets self weights; totals are the sums over subtrees. */
  setSelf(self) {
    const total = Float64Array.from(self);
    for (let i = this.n - 1; i > 0; i--) total[this.parent[i]] += total[i];
    this.self = self;
    this.total = total;
    this._sorted = new Map();
    return this;
  }

  /** Sets totals directly (inverted trees); self is what the children do not cover. */
  setTotal(total) {
    const self = Float64Array.from(total);
    for (let i = 1; i < this.n; i++) self[this.parent[i]] -= total[i];
    this.self = self;
    this.total = total;
    this._sorted = new Map();
    return this;
  }

  /** Children with samples, biggest total first (ties: first seen), cached until the weights change. */
  children(i) {
    let c = this._sorted.get(i);
    if (c === undefined) {
      const total = this.total;
      const all = this.childList.subarray(this.childStart[i], this.childStart[i + 1]);
      const kept = [];
      for (const k of all) if (total[k] > 0) kept.push(k);
      kept.sort((a, b) => total[b] - total[a] || a - b);
      c = Int32Array.from(kept);
      this._sorted.set(i, c);
    }
    return c;
  }

  /** Index into the profile's names; -1 for the root. */
  fn(i) {
    return i === 0 ? -1 : this.labels.nameOf[this.label[i]];
  }

  colourClass(i) {
    return i === 0 ? -1 : this.labels.classOf[this.label[i]];
  }

  tier(i) {
    return i === 0 ? "" : this.labels.tierOf[this.label[i]];
  }

  /** Nodes from the root down to i. */
  path(i) {
    const out = [];
    for (let k = i; k >= 0; k = this.parent[k]) out.push(k);
    return out.reverse();
  }

  /** 1 where the node's function appears nowhere above it (counts its samples once in a function's total). */
  firstOcc() {
    if (this._shared.firstOcc !== undefined) return this._shared.firstOcc;
    const n = this.n;
    const first = new Uint8Array(n);
    const onPath = new Map();
    // Iterative DFS: enter pushes +node, leave pushes ~node.
    const todo = [0];
    while (todo.length > 0) {
      const v = todo.pop();
      if (v < 0) {
        const f = this.fn(~v);
        const c = onPath.get(f) - 1;
        if (c === 0) onPath.delete(f);
        else onPath.set(f, c);
        continue;
      }
      const f = this.fn(v);
      const c = onPath.get(f) ?? 0;
      if (c === 0) first[v] = 1;
      onPath.set(f, c + 1);
      todo.push(~v);
      for (let k = this.childStart[v]; k < this.childStart[v + 1]; k++) todo.push(this.childList[k]);
    }
    this._shared.firstOcc = first;
    return first;
  }
}

/** Grows a tree node by node, children keyed by (parent, label). */
export class TreeBuilder {
  constructor(labels, rootLabel = -1) {
    this.labels = labels;
    this.parent = [-1];
    this.label = [rootLabel];
    this.keys = new Map();
  }

  child(p, l) {
    const key = p * STRIDE + l;
    let c = this.keys.get(key);
    if (c === undefined) {
      c = this.parent.length;
      this.parent.push(p);
      this.label.push(l);
      this.keys.set(key, c);
    }
    return c;
  }

  get n() {
    return this.parent.length;
  }

  build() {
    return new Tree(Int32Array.from(this.parent), Int32Array.from(this.label), this.labels);
  }
}

/** One profile as the page sees it: decoded columns plus cached trees. */
export class ProfileModel {
  constructor(decoded) {
    const h = decoded.header;
    this.header = h;
    this.names = h.names;
    this.parsed = h.names.map(parseName);
    this.colourClasses = h.colourClasses;
    this.samples = h.samples;
    this.threads = h.threads;
    this.sampleNode = decoded.sampleNode;
    this.sampleThread = decoded.sampleThread;
    this.sampleRss = decoded.sampleRss;
    this.sampleActivity = decoded.sampleActivity; // per sample, an index into header.activities (255: unknown)
    this.frameLabels = {
      nameOf: Int32Array.from(h.frameName),
      classOf: Uint8Array.from(h.frameClass),
      tierOf: h.frameTier,
    };
    this.trie = new Tree(decoded.nodeParent, decoded.nodeFrame, this.frameLabels);
    this._merged = undefined;
    this._countsKey = "";
    this._counts = undefined;
  }

  /** Labels of the function-level (tiers merged) tree: one per name. */
  get functionLabels() {
    if (this._fnLabels === undefined) {
      const n = this.names.length;
      const fl = this.frameLabels;
      // A function whose frames differ in colour class (JIT tiers) takes the class of its frame
      // with the most samples on their stacks.
      const all = this.trie.withSelf(this.selfCounts({ thread: -1 }));
      const weight = new Float64Array(fl.nameOf.length);
      for (let i = 1; i < all.n; i++) weight[all.label[i]] += all.total[i];
      const classOf = new Uint8Array(n).fill(255);
      const best = new Float64Array(n).fill(-1);
      for (let f = 0; f < fl.nameOf.length; f++) {
        const i = fl.nameOf[f];
        if (weight[f] > best[i]) {
          best[i] = weight[f];
          classOf[i] = fl.classOf[f];
        }
      }
      this._fnLabels = { nameOf: Int32Array.from({ length: n }, (_, i) => i), classOf, tierOf: new Array(n).fill("") };
    }
    return this._fnLabels;
  }

  /** The trie with frames of the same name merged, adjacent equal functions collapsed; and the trie → merged node map. */
  merged() {
    if (this._merged === undefined) {
      const t = this.trie;
      const b = new TreeBuilder(this.functionLabels);
      const map = new Int32Array(t.n);
      for (let i = 1; i < t.n; i++) {
        const mp = map[t.parent[i]];
        const f = t.fn(i);
        map[i] = mp !== 0 && b.label[mp] === f ? mp : b.child(mp, f);
      }
      this._merged = { tree: b.build(), map };
    }
    return this._merged;
  }

  /** Samples in [from, to) of one thread (-1: all) counted on the trie node their stack ends at. */
  selfCounts(filter) {
    const from = Math.max(0, filter.from ?? 0);
    const to = Math.min(this.samples, filter.to ?? this.samples);
    const thread = filter.thread ?? -1;
    const key = `${from}:${to}:${thread}`;
    if (key === this._countsKey) return this._counts;
    const c = new Float64Array(this.trie.n);
    const sn = this.sampleNode;
    if (thread < 0) {
      for (let s = from; s < to; s++) c[sn[s]]++;
    } else {
      const st = this.sampleThread;
      for (let s = from; s < to; s++) if (st[s] === thread) c[sn[s]]++;
    }
    this._countsKey = key;
    this._counts = c;
    return c;
  }

  /** The call tree under a filter ({thread, from, to}), frames or (merged) functions. */
  tree(filter, merged) {
    const counts = this.selfCounts(filter);
    if (!merged) return this.trie.withSelf(counts);
    const { tree, map } = this.merged();
    const self = new Float64Array(tree.n);
    for (let i = 0; i < counts.length; i++) self[map[i]] += counts[i];
    return tree.withSelf(self);
  }

  /** Samples of the selection by what they were doing (header.activities order); undefined without the table. */
  activityCounts(filter) {
    if (this.sampleActivity === undefined) return undefined;
    const from = Math.max(0, filter.from ?? 0);
    const to = Math.min(this.samples, filter.to ?? this.samples);
    const thread = filter.thread ?? -1;
    const out = new Float64Array(this.header.activities.length);
    const sk = this.sampleActivity;
    const st = this.sampleThread;
    for (let s = from; s < to; s++) {
      if ((thread < 0 || st[s] === thread) && sk[s] < out.length) out[sk[s]]++;
    }
    return out;
  }

  /**
   * JIT tier → samples of a node under a filter, as lib/profile/tree.ts counts Tree.tiers:
   * each stack counts the tier of the frame it entered the function with.
   */
  tiersOf(filter, merged, node) {
    const out = new Map();
    if (node === 0) return out;
    const t = this.trie.withSelf(this.selfCounts(filter));
    const tierOf = this.frameLabels.tierOf;
    if (!merged) {
      const tier = tierOf[t.label[node]];
      if (tier) out.set(tier, t.total[node]);
      return out;
    }
    const map = this.merged().map;
    for (let i = 1; i < t.n; i++) {
      if (map[i] !== node || map[t.parent[i]] === node || t.total[i] === 0) continue;
      const tier = tierOf[t.label[i]];
      if (tier) out.set(tier, (out.get(tier) ?? 0) + t.total[i]);
    }
    return out;
  }

  /** Name of a tree node ("<all>" for the root). */
  nameOfNode(tree, i) {
    return i === 0 ? "<all>" : this.names[tree.fn(i)];
  }
}

/** Self and total samples per function (by name) of a tree, as `show flat` counts them. */
export function flat(tree, nameCount) {
  const self = new Float64Array(nameCount);
  const total = new Float64Array(nameCount);
  const first = tree.firstOcc();
  for (let i = 1; i < tree.n; i++) {
    const f = tree.fn(i);
    self[f] += tree.self[i];
    if (first[i]) total[f] += tree.total[i];
  }
  return { self, total };
}

/** Self samples by colour class index. */
export function classSplit(tree, classCount) {
  const out = new Float64Array(classCount);
  for (let i = 1; i < tree.n; i++) out[tree.colourClass(i)] += tree.self[i];
  return out;
}

/**
 * Which names match a search: `/re/flags` is a regular expression, anything else a
 * case-insensitive substring of the full name (function, line and file). Null for "".
 */
export function nameMatcher(names, query) {
  const q = query.trim();
  if (q === "") return null;
  let test;
  const re = /^\/(.+)\/([a-z]*)$/s.exec(q);
  if (re) {
    let rx;
    try {
      rx = new RegExp(re[1], re[2].replace(/[gy]/g, ""));
    } catch {
      rx = null;
    }
    test = rx ? (s) => rx.test(s) : () => false;
  } else {
    const lower = q.toLowerCase();
    test = (s) => s.toLowerCase().includes(lower);
  }
  const m = new Uint8Array(names.length);
  for (let i = 0; i < names.length; i++) m[i] = test(names[i]) ? 1 : 0;
  return m;
}

/** Samples with a matching frame anywhere on their stack. */
export function matchedSamples(tree, match) {
  const hit = new Uint8Array(tree.n);
  let sum = 0;
  for (let i = 1; i < tree.n; i++) {
    hit[i] = hit[tree.parent[i]] | match[tree.fn(i)];
    if (hit[i]) sum += tree.self[i];
  }
  return sum;
}

/**
 * Sandwich of function `f` (a name index): its callees merged into one tree rooted at f,
 * and its callers as an inverted tree rooted at f (each caller's children are its callers).
 * Recursion counts once: only f's outermost occurrence on each stack is taken.
 */
export function sandwich(tree, f, labels) {
  const first = tree.firstOcc();
  const callees = new TreeBuilder(labels, f);
  const callers = new TreeBuilder(labels, f);
  const calleeSelf = [0];
  const callerTotal = [0];
  const todo = [];
  for (let i = 1; i < tree.n; i++) {
    if (!first[i] || tree.fn(i) !== f || tree.total[i] === 0) continue;
    // Callees: the subtree of i, keyed by function, adjacent equal functions collapsed.
    const map = new Map([[i, 0]]);
    todo.push(i);
    while (todo.length > 0) {
      const v = todo.pop();
      const mv = map.get(v);
      calleeSelf[mv] = (calleeSelf[mv] ?? 0) + tree.self[v];
      for (let k = tree.childStart[v]; k < tree.childStart[v + 1]; k++) {
        const c = tree.childList[k];
        if (tree.total[c] === 0) continue;
        const fc = tree.fn(c);
        map.set(c, callees.label[mv] === fc ? mv : callees.child(mv, fc));
        todo.push(c);
      }
    }
    // Callers: the path above i, innermost first.
    const w = tree.total[i];
    callerTotal[0] += w;
    let cur = 0;
    for (let p = tree.parent[i]; p > 0; p = tree.parent[p]) {
      const fp = tree.fn(p);
      if (callers.label[cur] === fp) continue;
      cur = callers.child(cur, fp);
      callerTotal[cur] = (callerTotal[cur] ?? 0) + w;
    }
  }
  const calleeTree = callees.build().setSelf(Float64Array.from({ length: callees.n }, (_, i) => calleeSelf[i] ?? 0));
  const callerTree = callers.build().setTotal(Float64Array.from({ length: callers.n }, (_, i) => callerTotal[i] ?? 0));
  return { callers: callerTree, callees: calleeTree };
}

/**
 * Differential tree of two function-level trees (old `a`, new `b`) matched by function
 * names along the path. Returns the tree (weights: b's samples; `selfA`/`totalA`: a's),
 * its names, and both sample totals.
 */
export function diffTree(a, namesA, b, namesB) {
  const names = [];
  const idx = new Map();
  const nameId = (s) => {
    let i = idx.get(s);
    if (i === undefined) {
      i = names.length;
      names.push(s);
      idx.set(s, i);
    }
    return i;
  };
  const fromA = namesA.map(nameId);
  const fromB = namesB.map(nameId);
  const classA = a.labels.classOf;
  const classB = b.labels.classOf;
  const labels = { nameOf: null, classOf: null, tierOf: null };
  const builder = new TreeBuilder(labels);
  const selfA = [a.self[0]];
  const selfB = [b.self[0]];
  const add = (t, remap, selfArr) => {
    const map = new Int32Array(t.n);
    for (let i = 1; i < t.n; i++) {
      if (t.total[i] === 0) continue;
      const m = builder.child(map[t.parent[i]], remap[t.fn(i)]);
      map[i] = m;
      selfArr[m] = (selfArr[m] ?? 0) + t.self[i];
    }
  };
  add(b, fromB, selfB);
  add(a, fromA, selfA);
  const n = builder.n;
  const classOf = new Uint8Array(names.length);
  namesA.forEach((_, i) => (classOf[fromA[i]] = classA[i]));
  namesB.forEach((_, i) => (classOf[fromB[i]] = classB[i]));
  labels.nameOf = Int32Array.from({ length: names.length }, (_, i) => i);
  labels.classOf = classOf;
  labels.tierOf = new Array(names.length).fill("");
  const tree = builder.build();
  const sa = Float64Array.from({ length: n }, (_, i) => selfA[i] ?? 0);
  const totalA = Float64Array.from(sa);
  for (let i = n - 1; i > 0; i--) totalA[tree.parent[i]] += totalA[i];
  tree.setSelf(Float64Array.from({ length: n }, (_, i) => selfB[i] ?? 0));
  tree.selfA = sa;
  tree.totalA = totalA;
  return { tree, names, samplesA: a.total[0], samplesB: b.total[0] };
}

/** Functions whose share changed, with shares (0..1) in both profiles, biggest |Δ self| first. */
export function movers(a, namesA, b, namesB) {
  const fa = flat(a, namesA.length);
  const fb = flat(b, namesB.length);
  const ta = a.total[0] || 1;
  const tb = b.total[0] || 1;
  const rows = new Map();
  const row = (name) => {
    let r = rows.get(name);
    if (r === undefined) {
      r = { name, selfA: 0, selfB: 0, totalA: 0, totalB: 0 };
      rows.set(name, r);
    }
    return r;
  };
  namesA.forEach((name, i) => {
    if (fa.total[i] === 0) return;
    const r = row(name);
    r.selfA = fa.self[i] / ta;
    r.totalA = fa.total[i] / ta;
  });
  namesB.forEach((name, i) => {
    if (fb.total[i] === 0) return;
    const r = row(name);
    r.selfB = fb.self[i] / tb;
    r.totalB = fb.total[i] / tb;
  });
  return [...rows.values()].sort((x, y) =>
    Math.abs(y.selfB - y.selfA) - Math.abs(x.selfB - x.selfA) ||
    Math.abs(y.totalB - y.totalA) - Math.abs(x.totalB - x.totalA)
  );
}
