// Agent entry point for Bun (`bun --preload`): sample with JSC's interpreter range known, and
// on process exit (normal end, process.exit, uncaught exceptions) record the loaded source
// files and, if interpreter frames were sampled, the names of the CodeBlocks in a heap snapshot.
// The names are taken from the snapshot here, in memory, and written as a small table: writing
// the whole snapshot (megabytes of JSON) for the CLI to parse made the exit slow. JS run here
// after sampling is compiled after the stop marker, so its code is never taken for the program's.
import { writeFileSync } from "node:fs";
import process from "node:process";
// @ts-ignore: bun:jsc only resolves under Bun; this file is only loaded there.
import { fullGC, generateHeapSnapshotForDebugging, heapStats } from "bun:jsc";
import { agentNative, agentSpool, startAgent, stopAgent } from "./start.ts";
import { findLlintRange } from "../symbols/bun/llint.ts";
import { codeBlockNamesFromHeapSnapshot } from "../symbols/bun/heap-snapshot.ts";
import { waitForMarker } from "../symbols/jitdump-files.ts";

const range = findLlintRange("self");
const CODE_BLOCK_SLOT = 16; // fp+16 holds the CodeBlock* of a JSC frame (docs/SYMBOLS.md)
const MAX_SNAPSHOT_OBJECTS = 250_000;

if (startAgent({ llint: range && { lo: range.start, hi: range.end, offset: CODE_BLOCK_SLOT } })) {
  process.on("exit", () => {
    const native = agentNative();
    const spool = agentSpool();
    if (!native || !spool) return;
    native.stopSampling(); // what follows is ours, not the program's
    // A marker in the jitdump: JSC compiles the regexp now, so every record after it is code
    // compiled after sampling stopped, often into memory the full GC below frees.
    const stopMarker = `vmprof_js_stop_${process.pid}`;
    new RegExp(stopMarker).test(stopMarker);
    // @ts-ignore: Bun gives ES modules `require` too; its cache lists every loaded file.
    const files = Object.keys(require.cache).filter((f) => f.startsWith("/"));
    let codeBlocks: string | undefined;
    // The snapshot costs ~10 µs per live heap object at exit: on a big heap, interpreter frames
    // stay "(interpreter)" rather than holding the program's exit for seconds.
    // A full collection first: the garbage the program leaves (often millions of cells) would
    // make the snapshot slow, and CodeBlocks of live functions survive it.
    if (native.stats().llintFrames > 0) fullGC();
    if (native.stats().llintFrames > 0 && heapStats().objectCount <= MAX_SNAPSHOT_OBJECTS) {
      codeBlocks = `${spool}.codeblocks.json`;
      writeFileSync(codeBlocks, JSON.stringify([...codeBlockNamesFromHeapSnapshot(generateHeapSnapshotForDebugging())]));
    }
    stopAgent({ files, codeBlocks, main: process.argv[1], stopMarker });
    // JSC's jitdump writer is a background thread that dies with the process: give it time
    // to write the code the program compiled last (on process.exit it is often behind). It
    // writes in order, so the stop marker's record means it has written everything before.
    const dir = process.env.BUN_JSC_jitDumpDirectory;
    if (dir) waitForMarker(dir, process.pid, stopMarker, { quietMs: 60, maxWaitMs: 1500 });
  });
}
