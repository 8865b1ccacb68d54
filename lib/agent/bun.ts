// Agent entry point for Bun (`bun --preload`): sample with JSC's interpreter range known, and
// on process exit (normal end, process.exit, uncaught exceptions) record the loaded source
// files and the names of the sampled interpreter frames' CodeBlocks. Those are read from the
// process's own memory (code-block-memory.ts, microseconds each); only where that fails (a JSC
// build whose layout it cannot find) from a heap snapshot, which costs ~5 µs per live object.
// JS run here after sampling is compiled after the stop marker, so its code is never taken
// for the program's.
import { writeFileSync } from "node:fs";
import process from "node:process";
// @ts-ignore: bun:jsc only resolves under Bun; this file is only loaded there.
import { describe, fullGC, generateHeapSnapshotForDebugging, heapStats } from "bun:jsc";
import { type AgentInfo, agentNative, agentSpool, startAgent, stopAgent, writeAgentInfo } from "./start.ts";
import { findLlintRange } from "../symbols/bun/llint.ts";
import { codeBlockNamesFromMemory, codeBlockProbe } from "../symbols/bun/code-block-memory.ts";
import { waitForMarker } from "../symbols/jitdump-files.ts";
import type * as Reader from "../format/reader.ts";
import type * as HeapSnapshot from "../symbols/bun/heap-snapshot.ts";
import { LLINT_TAG } from "../contract.ts";

const range = findLlintRange("self");
const CODE_BLOCK_SLOT = 16; // fp+16 holds the CodeBlock* of a JSC frame (docs/SYMBOLS.md)
const MAX_SNAPSHOT_OBJECTS = 250_000;

// Loaded when the exit needs them (an exit hook cannot await an import): the reader brings
// node:zlib, ~7 ms of every run's start on Bun.
// The path keeps this file's extension: .ts in the checkout, .js in the npm package.
const EXT = import.meta.url.endsWith(".ts") ? ".ts" : ".js";
// @ts-ignore: Bun's require loads ES modules synchronously.
const lazy = <T>(path: string): T => require(new URL(path + EXT, import.meta.url).pathname);

/** The CodeBlocks of the interpreter frames in the finished spool. */
function sampledCodeBlocks(spool: string): Set<number> {
  const { readLog, distinctFrames } = lazy<typeof Reader>("../format/reader");
  const out = new Set<number>();
  for (const f of distinctFrames(readLog(spool).samples)) if (f >= LLINT_TAG) out.add(f - LLINT_TAG);
  return out;
}

/** vmprof-js's own folder (lib/): no frame of the program's runs code from there. */
const OWN_DIR = new URL("../", import.meta.url).pathname;

/**
 * [address, name, file] of the sampled CodeBlocks, from memory; undefined if the layout was not
 * found. A CodeBlock of our own code there now is one this exit hook compiled into the cell
 * of a program's CodeBlock freed since (its module's top level, often): left unnamed.
 */
function namesFromMemory(spool: string): [number, string, string?][] | undefined {
  const probe = /0x[0-9a-f]+/.exec(describe(codeBlockProbe))?.[0];
  if (!probe) return undefined;
  const names = codeBlockNamesFromMemory(sampledCodeBlocks(spool), parseInt(probe, 16));
  if (!names) return undefined;
  const out: [number, string, string?][] = [];
  for (const [addr, { name, file }] of names) {
    if (file?.startsWith(OWN_DIR)) continue;
    out.push(file ? [addr, name, file] : [addr, name]);
  }
  return out;
}

/** The fallback: every CodeBlock of a heap snapshot (after a full GC, which makes it smaller). */
function namesFromSnapshot(): [number, string][] | undefined {
  fullGC();
  if (heapStats().objectCount > MAX_SNAPSHOT_OBJECTS) return undefined; // seconds: stay "(interpreter)"
  const { codeBlockNamesFromHeapSnapshot } = lazy<typeof HeapSnapshot>("../symbols/bun/heap-snapshot");
  return [...codeBlockNamesFromHeapSnapshot(generateHeapSnapshotForDebugging())];
}

if (startAgent({ llint: range && { lo: range.start, hi: range.end, offset: CODE_BLOCK_SLOT } })) {
  process.on("exit", () => {
    const native = agentNative();
    const spool = agentSpool();
    if (!native || !spool) return;
    native.stopSampling(); // what follows is ours, not the program's
    // A marker in the jitdump: JSC compiles the regexp now, so every record after it is code
    // compiled after sampling stopped (this hook's own, often into freed program code).
    const stopMarker = `vmprof_js_stop_${process.pid}`;
    new RegExp(stopMarker).test(stopMarker);
    // @ts-ignore: Bun gives ES modules `require` too; its cache lists every loaded file.
    const files = Object.keys(require.cache).filter((f) => f.startsWith("/"));
    const info: AgentInfo = { files, main: process.argv[1], stopMarker };
    const llint = native.stats().llintFrames > 0;
    stopAgent(info); // the spool is complete from here on
    if (llint) {
      let names: [number, string, string?][] | undefined;
      try {
        names = namesFromMemory(spool);
        info.codeBlockSource = "memory";
        if (!names) (names = namesFromSnapshot()), (info.codeBlockSource = "heap snapshot");
      } catch {
        names = undefined; // interpreter frames stay "(interpreter)"; the profile is whole
      }
      if (names) {
        info.codeBlocks = `${spool}.codeblocks.json`;
        writeFileSync(info.codeBlocks, JSON.stringify(names));
        writeAgentInfo(info);
      }
    }
    // JSC's jitdump writer is a background thread that dies with the process: give it time
    // to write the code the program compiled last (on process.exit it is often behind). It
    // writes in order, so the stop marker's record means it has written everything before.
    const dir = process.env.BUN_JSC_jitDumpDirectory;
    if (dir) waitForMarker(dir, process.pid, stopMarker, { quietMs: 60, maxWaitMs: 1500 });
  });
}
