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
  const cls = (i: number) => snap.nodeClassNames[nodes[i + 2] as number] ?? "";
  const addr = (i: number) => parseInt(String(nodes[i + 5]), 16);
  const byId = new Map<number, number>();
  for (let i = 0; i + NF <= nodes.length; i += NF) byId.set(nodes[i] as number, i);
  const execName = new Map<number, string>(); // executable node index → name
  const blockName = new Map<number, string>(); // CodeBlock node index → its function's name
  const rareName = new Map<number, string>(); // FunctionRareData node index → its function's name
  const out = new Map<number, string>();
  const e = snap.edges;
  const label = (i: number) => snap.labels[nodes[i + 4] as number] || "<anonymous>";
  const nameExec = (exec: number, name: string) => {
    if (!execName.has(exec) || execName.get(exec) === "<anonymous>") execName.set(exec, name);
  };
  // A JSFunction points at its executable, or (once it has rare data) at a FunctionRareData that does.
  for (let k = 0; k + 4 <= e.length; k += 4) {
    const from = byId.get(e[k]), to = byId.get(e[k + 1]);
    if (from === undefined || to === undefined || !/Function$/.test(cls(from))) continue;
    if (cls(to) === "FunctionExecutable") nameExec(to, label(from));
    else if (cls(to) === "FunctionRareData") rareName.set(to, label(from));
    else continue;
    out.set(addr(from), label(from));
  }
  for (let k = 0; k + 4 <= e.length; k += 4) {
    const from = byId.get(e[k]), to = byId.get(e[k + 1]);
    if (from === undefined || to === undefined) continue;
    const viaRare = rareName.get(from);
    if (viaRare !== undefined && cls(to) === "FunctionExecutable") nameExec(to, viaRare);
  }
  for (let k = 0; k + 4 <= e.length; k += 4) {
    const from = byId.get(e[k]), to = byId.get(e[k + 1]);
    if (from === undefined || to === undefined) continue;
    const c = cls(to);
    if (cls(from) === "FunctionExecutable" && c.endsWith("CodeBlock") && !c.startsWith("Unlinked")) {
      const name = execName.get(from) ?? "<anonymous>";
      out.set(addr(to), name);
      blockName.set(to, name);
    } else if (cls(from) === "ModuleProgramExecutable" && c === "ModuleProgramCodeBlock") {
      out.set(addr(to), "<module>");
      blockName.set(to, "<module>");
    }
  }
  // The executable points at its newest CodeBlock; a frame entered before the function was
  // optimized still runs the older one, which the newer reaches as its alternative.
  for (let changed = true; changed;) {
    changed = false;
    for (let k = 0; k + 4 <= e.length; k += 4) {
      const from = byId.get(e[k]), to = byId.get(e[k + 1]);
      if (from === undefined || to === undefined || blockName.has(to)) continue;
      const name = blockName.get(from);
      const c = cls(to);
      if (name === undefined || !c.endsWith("CodeBlock") || c.startsWith("Unlinked")) continue;
      out.set(addr(to), name);
      blockName.set(to, name);
      changed = true;
    }
  }
  return out;
}
