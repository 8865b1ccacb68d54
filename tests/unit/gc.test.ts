// Unit tests for lib/symbols/gc.ts: the GC classifier and return-address learning on synthetic stacks shaped like real Deno/Bun ones.
import assert from "node:assert/strict";
import { test } from "../harness.ts";
import { classifyGc, gcAnchor, learnGcPcs, type PcInfo } from "../../lib/symbols/gc.ts";

// Addresses: 0x1xx JS code, 0x2xx builtins, 0x3xx-0x9xx runtime binary, 0xcxx libc.
const TABLE: Record<number, PcInfo> = {
  0x100: { kind: "js", name: "<module>" },
  0x110: { kind: "js", name: "churn" },
  0x200: { kind: "builtin", name: "CEntry_Return1_ArgvOnStack_NoBuiltinExit" },
  0x300: { kind: "native", module: "deno", name: "Runtime_AllocateInYoungGeneration" },
  0x310: { kind: "native", module: "deno", name: "Runtime_StringAdd" },
  0x320: { kind: "native", module: "deno", name: "Runtime_AllocateInOldGeneration" },
  0x400: { kind: "native", module: "deno" }, // Heap::CollectGarbage (no symbol)
  0x410: { kind: "native", module: "deno" }, // scavenger job
  0x420: { kind: "native", module: "deno" }, // scavenger inner loop
  0x500: { kind: "native", module: "deno" }, // worker thread entry
  0x510: { kind: "native", module: "deno" }, // compiler job
  0x600: { kind: "native", module: "deno" }, // event loop
  0x700: { kind: "native", module: "bun.exe" }, // Heap::collectIfNecessaryOrDefer (driver)
  0x710: { kind: "native", module: "bun.exe" }, // SlotVisitor::drain, shared with helpers
  0x720: { kind: "native", module: "bun.exe" }, // ParallelHelperPool loop
  0x730: { kind: "native", module: "bun.exe" }, // WTF thread entry (every helper thread)
  0x740: { kind: "native", module: "bun.exe" }, // an operation with no GC
  0x800: { kind: "native", module: "deno", name: "_ZN2v88internal4Heap14CollectGarbageENS0_15AllocationSpaceE" },
  0xc00: { kind: "native", module: "libc.so.6", name: "memmove" },
  0xc10: { kind: "native", module: "libc.so.6", name: "start_thread" },
  0xc20: { kind: "native", module: "libc.so.6", name: "__libc_start_call_main" },
};
const lookup = (pc: number) => TABLE[pc];

test("gc: V8 allocation slow path inward of the innermost JS frame is GC", () => {
  assert.equal(classifyGc([0xc20, 0x100, 0x200, 0x300, 0x400, 0x420, 0xc00], lookup), "gc");
  assert.equal(classifyGc([0xc20, 0x100, 0x200, 0x320, 0x400, 0x410], lookup), "gc");
  assert.equal(gcAnchor([0xc20, 0x100, 0x200, 0x300, 0x400], lookup), 3);
});

test("gc: other runtime functions, JS and plain native code are not", () => {
  assert.equal(classifyGc([0xc20, 0x100, 0x200, 0x310, 0x400], lookup), undefined);
  assert.equal(classifyGc([0xc20, 0x100, 0x110], lookup), undefined);
  assert.equal(classifyGc([0xc20, 0x600], lookup), undefined);
  assert.equal(classifyGc([], lookup), undefined);
  assert.equal(classifyGc([0xdead, 0xbeef], lookup), undefined, "unknown pcs");
});

test("gc: a GC function outward of the innermost JS frame does not count (JS called back from native code)", () => {
  assert.equal(classifyGc([0xc20, 0x100, 0x200, 0x300, 0x110], lookup), undefined);
});

test("gc: GC symbols of a runtime built with symbols, mangled or not", () => {
  assert.equal(classifyGc([0xc20, 0x100, 0x200, 0x800, 0x410], lookup), "gc");
  const named = (pc: number): PcInfo | undefined =>
    pc === 0x900 ? { kind: "native", module: "x", name: "JSC::SlotVisitor::drain(JSC::MonotonicTime)" } : TABLE[pc];
  assert.equal(classifyGc([0xc20, 0x100, 0x900], named), "gc");
});

test("gc: JSC's GC-only helper threads are GC by name; V8's shared workers are not", () => {
  assert.equal(classifyGc([0xc10, 0x730, 0x720, 0x710], lookup, { threadName: "HeapHelper" }), "gc");
  assert.equal(classifyGc([0xc10, 0x500, 0x510], lookup, { threadName: "V8 DefaultWorke" }), undefined);
  assert.equal(classifyGc([0xc10, 0x730, 0x740], lookup, { threadName: "JITWorker" }), undefined);
});

test("gc: V8 — frames inward of the allocation slow path label helper-thread GC jobs", () => {
  const samples = [
    { stack: [0xc20, 0x100, 0x200, 0x300, 0x400, 0x410, 0x420, 0xc00], threadName: "deno", jsThread: true },
    { stack: [0xc20, 0x100, 0x200, 0x300, 0x400, 0x410], threadName: "deno", jsThread: true },
    { stack: [0xc20, 0x100, 0x110], threadName: "deno", jsThread: true },
    { stack: [0xc10, 0x500, 0x410, 0x420, 0xc00], threadName: "V8 DefaultWorke" },
    { stack: [0xc10, 0x500, 0x510], threadName: "V8 DefaultWorke" },
  ];
  const pcs = learnGcPcs(samples, lookup);
  assert.ok(pcs.has(0x400) && pcs.has(0x410) && pcs.has(0x420), "the collector's frames");
  assert.ok(!pcs.has(0xc00), "never shared libraries");
  assert.ok(!pcs.has(0x500) && !pcs.has(0x510), "worker entry and compile jobs are not GC");
  assert.equal(classifyGc(samples[3].stack, lookup, { threadName: "V8 DefaultWorke", gcPcs: pcs }), "gc");
  assert.equal(classifyGc(samples[4].stack, lookup, { threadName: "V8 DefaultWorke", gcPcs: pcs }), undefined);
  // A GC task run from the event loop (no JS frame) shares the collector's frames.
  assert.equal(classifyGc([0xc20, 0x600, 0x400, 0x420, 0xc00], lookup, { gcPcs: pcs }), "gc");
  // The leaf pc alone is not evidence: it is not a return address.
  assert.equal(classifyGc([0xc20, 0x600, 0x420], lookup, { gcPcs: pcs }), undefined);
});

test("gc: JSC — helper-thread frames and the mutator's driver frames label main-thread collections", () => {
  const main = (stack: number[]) => ({ stack, threadName: "bun", jsThread: true });
  const samples = [
    { stack: [0xc10, 0x730, 0x720, 0x710, 0xc00], threadName: "HeapHelper" },
    { stack: [0xc10, 0x730, 0x720, 0x710], threadName: "HeapHelper" },
    { stack: [0xc10, 0x730, 0x740], threadName: "JITWorker" },
    main([0xc20, 0x100, 0x700, 0x710, 0xc00]), // marking in the mutator: shares 0x710 with helpers
    main([0xc20, 0x100, 0x700, 0x710, 0xc00]),
    main([0xc20, 0x100, 0x110]),
    main([0xc20, 0x100, 0x740, 0xc00]),
  ];
  const pcs = learnGcPcs(samples, lookup);
  assert.ok(pcs.has(0x710) && pcs.has(0x720), "helper frames");
  assert.ok(!pcs.has(0x730), "thread entry shared with the JIT worker");
  assert.ok(pcs.has(0x700), "the driver frame, on every GC stack of the main thread");
  assert.ok(!pcs.has(0x740));
  // A mutator phase that helpers never run (e.g. the end of a collection) is found through the driver.
  assert.equal(classifyGc([0xc20, 0x100, 0x700, 0xc00], lookup, { gcPcs: pcs }), "gc");
  assert.equal(classifyGc([0xc20, 0x100, 0x740, 0xc00], lookup, { gcPcs: pcs }), undefined);
  assert.equal(learnGcPcs(samples, lookup, { driverShare: 0 }).has(0x700), false, "driver learning can be turned off");
});
