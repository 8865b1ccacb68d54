// Names of JSC CodeBlocks and Function cells from a heap snapshot of the profiled Bun process:
// what names interpreter (LLInt) frames, which the sampler records by CodeBlock.

/** The parts of a JSC "GCDebugging" heap snapshot (bun:jsc generateHeapSnapshotForDebugging()) used here. */
export interface JscHeapSnapshot {
  /** Per node: id, size, class index, flags, label index, cell address ("0x…"), wrapped address. */
  nodes: (number | string)[];
  nodeClassNames: string[];
  labels: string[];
  /** Per edge: from id, to id, type index, name or index. */
  edges: number[];
}

/**
 * CodeBlock address → function name, from a JSC heap snapshot taken in the
 * profiled Bun process. An LLInt frame's CodeBlock* (fp+16) is the cell the
 * snapshot lists as a FunctionCodeBlock, reached by Function → FunctionExecutable
 * → FunctionCodeBlock edges; the Function's label is its name. Also maps each
 * Function cell (an LLInt frame's callee, fp+24) to its name.
 */
export function codeBlockNamesFromHeapSnapshot(snap: JscHeapSnapshot): Map<number, string> {
  const NF = 7;
  const nodes = snap.nodes;
  const count = Math.floor(nodes.length / NF);
  // What each node is, decided once per class rather than once per edge.
  const OTHER = 0, FUNCTION = 1, EXECUTABLE = 2, RARE_DATA = 3, CODE_BLOCK = 4, MODULE_EXECUTABLE = 5, MODULE_BLOCK = 6;
  const classKind = snap.nodeClassNames.map((c) =>
    c === "FunctionExecutable"
      ? EXECUTABLE
      : c === "FunctionRareData"
      ? RARE_DATA
      : c === "ModuleProgramExecutable"
      ? MODULE_EXECUTABLE
      : c === "ModuleProgramCodeBlock"
      ? MODULE_BLOCK
      : c.endsWith("CodeBlock") && !c.startsWith("Unlinked")
      ? CODE_BLOCK
      : c.endsWith("Function")
      ? FUNCTION
      : OTHER
  );
  const kind = new Uint8Array(count);
  const byId = new Map<number, number>();
  for (let n = 0; n < count; n++) {
    kind[n] = classKind[nodes[n * NF + 2] as number] ?? OTHER;
    byId.set(nodes[n * NF] as number, n);
  }
  const isBlock = (n: number) => kind[n] === CODE_BLOCK || kind[n] === MODULE_BLOCK;
  const addr = (n: number) => parseInt(String(nodes[n * NF + 5]), 16);
  const label = (n: number) => snap.labels[nodes[n * NF + 4] as number] || "<anonymous>";
  // The edges between nodes that matter here, as node numbers, in the snapshot's order.
  const e = snap.edges;
  const from: number[] = [], to: number[] = [];
  for (let k = 0; k + 4 <= e.length; k += 4) {
    const a = byId.get(e[k]), b = byId.get(e[k + 1]);
    if (a === undefined || b === undefined || kind[a] === OTHER || kind[b] === OTHER) continue;
    from.push(a);
    to.push(b);
  }
  const execName = new Map<number, string>(); // executable node → name
  const blockName = new Map<number, string>(); // CodeBlock node → its function's name
  const rareName = new Map<number, string>(); // FunctionRareData node → its function's name
  const out = new Map<number, string>();
  const nameExec = (exec: number, name: string) => {
    if (!execName.has(exec) || execName.get(exec) === "<anonymous>") execName.set(exec, name);
  };
  // A JSFunction points at its executable, or (once it has rare data) at a FunctionRareData that does.
  for (let k = 0; k < from.length; k++) {
    const a = from[k], b = to[k];
    if (kind[a] !== FUNCTION) continue;
    if (kind[b] === EXECUTABLE) nameExec(b, label(a));
    else if (kind[b] === RARE_DATA) rareName.set(b, label(a));
    else continue;
    out.set(addr(a), label(a));
  }
  for (let k = 0; k < from.length; k++) {
    const viaRare = rareName.get(from[k]);
    if (viaRare !== undefined && kind[to[k]] === EXECUTABLE) nameExec(to[k], viaRare);
  }
  for (let k = 0; k < from.length; k++) {
    const a = from[k], b = to[k];
    if (kind[a] === EXECUTABLE && isBlock(b)) {
      const name = execName.get(a) ?? "<anonymous>";
      out.set(addr(b), name);
      blockName.set(b, name);
    } else if (kind[a] === MODULE_EXECUTABLE && kind[b] === MODULE_BLOCK) {
      out.set(addr(b), "<module>");
      blockName.set(b, "<module>");
    }
  }
  nameOlderCodeBlocks(from, to, isBlock, blockName, (b, name) => out.set(addr(b), name));
  return out;
}

/**
 * The executable points at its newest CodeBlock; a frame entered before the function was
 * optimized still runs the older one, which the newer reaches as its alternative: names flow
 * along CodeBlock → CodeBlock edges, in the snapshot's order, until nothing changes.
 */
function nameOlderCodeBlocks(
  from: number[],
  to: number[],
  isBlock: (n: number) => boolean,
  blockName: Map<number, string>,
  name: (block: number, name: string) => void,
): void {
  const chain: number[] = [];
  for (let k = 0; k < from.length; k++) if (isBlock(from[k]) && isBlock(to[k])) chain.push(k);
  for (let changed = true; changed;) {
    changed = false;
    for (const k of chain) {
      const b = to[k];
      if (blockName.has(b)) continue;
      const n = blockName.get(from[k]);
      if (n === undefined) continue;
      name(b, n);
      blockName.set(b, n);
      changed = true;
    }
  }
}
