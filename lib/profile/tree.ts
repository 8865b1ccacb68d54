// Tree: vmprof's call-tree Node in TypeScript (counts, self counts, fuzzy node["name"] lookup, flatten).

import type { Sample } from "../format/reader.ts";

/**
 * One node of the call tree: a function reached along one path from the root. `count` is
 * the number of samples whose stack passes through this path, `selfCount` those that
 * stop here. Indexing with an unknown property name is vmprof's fuzzy child lookup:
 * `tree["fib"]` is `tree.get("fib")`, the first child whose name contains "fib"
 * (undefined when none). Real members (name, count, get, walk, ...) always win.
 */
export interface Tree {
  name: string;
  addr: number;
  count: number;
  readonly selfCount: number;
  /** Children keyed by address, in the order they were first seen. */
  children: Map<number, Tree>;
  /** Line -> samples, lines mode only. */
  lines: Map<number, number>;
  /**
   * JIT tier -> samples of this node's frame in that tier ("turbofan", "ignition", "ftl",
   * "llint", ...): one function in several tiers is one node. Empty when the log has none.
   */
  tiers: Map<string, number>;
  /** A number looks up the child with that address; a string, the first child whose name contains it. */
  get(key: string | number): Tree | undefined;
  /** Visits this node (depth 0) and every descendant, parents before children. */
  walk(cb: (node: Tree, depth: number) => void): void;
  /** A new tree with recursion collapsed: see TreeNode.flatten. */
  flatten(): Tree;
  /** An indented, multi-line `name (count)` rendering, biggest children first (deep levels show `[depth]`). */
  toString(): string;
  // `any` rather than `unknown` so that `tree["main"]["fib"].walk(...)` type-checks, as in
  // vmprof's `tree['main']['fib']`; the value is a Tree or undefined.
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

// Property names that must never be taken for children: promise resolution, JSON,
// test frameworks and inspectors probe these on arbitrary objects.
const NOT_CHILDREN = new Set([
  "then",
  "catch",
  "finally",
  "toJSON",
  "asymmetricMatch",
  "$$typeof",
  "nodeType",
  "inspect",
]);

const handler: ProxyHandler<TreeNode> = {
  get(target, prop, receiver) {
    if (typeof prop !== "string" || prop in target || NOT_CHILDREN.has(prop)) {
      return Reflect.get(target, prop, receiver);
    }
    return target.get(prop);
  },
};

class TreeNode {
  name: string;
  addr: number;
  count: number;
  children: Map<number, Tree> = new Map();
  lines: Map<number, number> = new Map();
  tiers: Map<string, number> = new Map();

  constructor(addr: number, name: string, count: number) {
    this.addr = addr;
    this.name = name;
    this.count = count;
  }

  get selfCount(): number {
    let c = this.count;
    for (const ch of this.children.values()) c -= ch.count;
    return c;
  }

  get(key: string | number): Tree | undefined {
    if (typeof key === "number") return this.children.get(key);
    for (const ch of this.children.values()) {
      if (ch.name.includes(key)) return ch;
    }
    return undefined;
  }

  walk(cb: (node: Tree, depth: number) => void): void {
    // Iterative: stacks can be 65536 frames deep, deeper than the JS call stack.
    const todo: [Tree, number][] = [[this as unknown as Tree, 0]];
    while (todo.length > 0) {
      const [node, depth] = todo.pop()!;
      cb(node, depth);
      const kids = [...node.children.values()];
      for (let i = kids.length - 1; i >= 0; i--) todo.push([kids[i], depth + 1]);
    }
  }

  /**
   * Python vmprof 0.6 has no Node.flatten; ours collapses recursion: a child that is the
   * same function as its parent (same name, even at another address, e.g. another JIT
   * tier) is merged into the parent. Its samples are already in the parent's count; its
   * children and lines move up to the parent, merging with same-address children there.
   * Adjacent frames with the same address are already one node in getTree().
   */
  flatten(): Tree {
    const root = new Builder(this.addr, this.name);
    root.count = this.count;
    root.addLines(this.lines);
    root.addTiers(this.tiers);
    const todo: [Builder, Tree][] = [[root, this as unknown as Tree]];
    while (todo.length > 0) {
      const [dst, src] = todo.pop()!;
      for (const ch of src.children.values()) {
        if (ch.name === dst.name) {
          dst.addLines(ch.lines);
          todo.push([dst, ch]);
        } else {
          const d = dst.child(ch.addr, ch.name);
          d.count += ch.count;
          d.addLines(ch.lines);
          d.addTiers(ch.tiers);
          todo.push([d, ch]);
        }
      }
    }
    return root.toTree(() => "");
  }

  toString(): string {
    const out: string[] = [];
    const todo: [Tree, number][] = [[this as unknown as Tree, 0]];
    while (todo.length > 0) {
      const [node, depth] = todo.pop()!;
      // Past MAX_INDENT levels the depth is written out instead of indenting further.
      const indent = depth <= MAX_INDENT ? "  ".repeat(depth) : `${"  ".repeat(MAX_INDENT)}[${depth}] `;
      out.push(`${indent}${node.name} (${node.count})`);
      const kids = byCountDesc(node.children);
      for (let i = kids.length - 1; i >= 0; i--) todo.push([kids[i], depth + 1]);
    }
    return out.join("\n");
  }
}

const MAX_INDENT = 50;

/** Children biggest first; ties keep first-seen order. */
export function byCountDesc(children: Map<number, Tree>): Tree[] {
  return [...children.values()].sort((a, b) => b.count - a.count);
}

/** A bare node (no children), wrapped so that node["name"] works. */
export function newNode(addr: number, name: string, count: number): Tree {
  return new Proxy(new TreeNode(addr, name, count), handler) as unknown as Tree;
}

/** A light mutable node used while counting; turned into Tree nodes at the end. */
class Builder {
  addr: number;
  name: string | undefined;
  count = 0;
  kids: Map<number, Builder> = new Map();
  lines: Map<number, number> | undefined;
  tiers: Map<string, number> | undefined;

  constructor(addr: number, name?: string) {
    this.addr = addr;
    this.name = name;
  }

  child(addr: number, name?: string): Builder {
    let k = this.kids.get(addr);
    if (k === undefined) {
      k = new Builder(addr, name);
      this.kids.set(addr, k);
    }
    return k;
  }

  addLine(line: number, n: number): void {
    this.lines ??= new Map();
    this.lines.set(line, (this.lines.get(line) ?? 0) + n);
  }

  addLines(lines: Map<number, number>): void {
    for (const [line, n] of lines) this.addLine(line, n);
  }

  addTier(tier: string, n: number): void {
    this.tiers ??= new Map();
    this.tiers.set(tier, (this.tiers.get(tier) ?? 0) + n);
  }

  addTiers(tiers: Map<string, number>): void {
    for (const [t, n] of tiers) this.addTier(t, n);
  }

  toTree(nameOf: (addr: number) => string): Tree {
    const top = newNode(this.addr, this.name ?? nameOf(this.addr), this.count);
    const todo: [Builder, Tree][] = [[this, top]];
    while (todo.length > 0) {
      const [b, node] = todo.pop()!;
      if (b.lines !== undefined) { for (const [l, n] of b.lines) node.lines.set(l, n); }
      if (b.tiers !== undefined) { for (const [t, n] of b.tiers) node.tiers.set(t, n); }
      for (const k of b.kids.values()) {
        const child = newNode(k.addr, k.name ?? nameOf(k.addr), k.count);
        node.children.set(k.addr, child);
        todo.push([k, child]);
      }
    }
    return top;
  }
}

/** Name of the synthetic root of every tree built from samples. */
export const ROOT_NAME = "<all>";

/**
 * Counts samples into a call tree, like vmprof's Stats.get_tree, with two differences:
 * the root is a synthetic "<all>" node (address 0) counting every sample, whose children
 * are the outermost frames (Python takes the first sample's outermost frame as the root,
 * and then looks for a `py:<module>` node below it); and every sample counts 1 (Python
 * weighs version-7 samples by the time since the previous one). As in vmprof, adjacent
 * duplicate addresses collapse into one node, and in lines mode each frame's line is
 * counted on the node that frame maps to.
 */
export interface TreeKeys {
  /** Address -> the address that stands for its function (one function in several JIT tiers). */
  canon?: Map<number, number>;
  /** Address -> JIT tier of that code, counted on the node in Tree.tiers. */
  tierOf?: Map<number, string>;
}

export function buildTree(samples: Sample[], nameOf: (addr: number) => string, keys: TreeKeys = {}): Tree {
  const { canon, tierOf } = keys;
  const root = new Builder(0, ROOT_NAME);
  root.count = samples.length;
  // Each distinct stack is walked once, with its number of samples: samples with the same
  // stack share one array (see Sample.stack). In order of first appearance, so nodes are
  // created (and children ordered) as sample by sample.
  for (const { stack, lines, n } of stackGroups(samples)) {
    let cur = root;
    let last = NaN; // equal to no address
    for (let i = 0; i < stack.length; i++) {
      const raw = stack[i];
      const a = canon?.get(raw) ?? raw;
      if (a !== last) {
        last = a;
        let next = cur.kids.get(a);
        if (next === undefined) {
          next = new Builder(a);
          cur.kids.set(a, next);
        }
        next.count += n;
        cur = next;
        const tier = tierOf?.get(raw);
        if (tier !== undefined) cur.addTier(tier, n);
      }
      if (lines !== undefined) {
        const line = lines[i];
        if (line > 0) cur.addLine(line, n);
      }
    }
  }
  return root.toTree(nameOf);
}

/** Samples with the very same stack (and lines) arrays, `n` of them. */
export interface StackGroup {
  stack: number[];
  lines: number[] | undefined;
  n: number;
}

/**
 * The samples grouped by the identity of their stack (and lines) arrays, in order of each
 * group's first sample. Equal stacks in distinct arrays are distinct groups: only the
 * counting is shared, never a comparison of contents.
 */
export function stackGroups(samples: Sample[]): StackGroup[] {
  const groups: StackGroup[] = [];
  const byStack = new Map<number[], number>();
  const byLines = new Map<number[], number>();
  for (let s = 0; s < samples.length; s++) {
    const { stack, lines } = samples[s];
    const map = lines === undefined ? byStack : byLines;
    const key = lines === undefined ? stack : lines;
    let g = map.get(key);
    if (g === undefined || groups[g].stack !== stack) {
      // (The same lines array with another stack: a group of its own, found from now on.)
      g = groups.length;
      groups.push({ stack, lines, n: 0 });
      map.set(key, g);
    }
    groups[g].n++;
  }
  return groups;
}
