// Unit tests of naming JSC CodeBlocks from memory (lib/symbols/bun/code-block-memory.ts): on a
// synthetic memory image (a file whose offsets are addresses; both runtimes), the calibration
// finds the pointer chain and names function, anonymous, module, 8- and 16-bit names, and
// refuses what is not a CodeBlock; on Bun, against JSC itself, it names every CodeBlock a heap
// snapshot names, the same way.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import process from "node:process";
import { skip, test } from "../harness.ts";
import {
  calibrate,
  codeBlockFile,
  codeBlockName,
  codeBlockNamesFromMemory,
  SelfMemory,
} from "../../lib/symbols/bun/code-block-memory.ts";

const CODE_BLOCK_TYPE = 0x12, FUNCTION_EXECUTABLE_TYPE = 0x0c, MODULE_EXECUTABLE_TYPE = 0x0a;
const BASE = 0x10000;

/** A memory image: 64-bit words and bytes at addresses from BASE, written to a file. */
class Image {
  bytes = new Uint8Array(0x4000);
  dv = new DataView(this.bytes.buffer);
  #next = BASE + 0x100;
  /** A fresh 256-byte-aligned object's address. */
  alloc(): number {
    const a = this.#next;
    this.#next += 0x100;
    return a;
  }
  word(addr: number, v: number): void {
    this.dv.setBigUint64(addr - BASE, BigInt(v), true);
  }
  header(addr: number, jsType: number, structure = 0xb11670): void {
    this.word(addr, structure + jsType * 2 ** 40 + 2 ** 56);
  }
  /** A StringImpl with its characters in a block of their own. */
  string(text: string, wide = false): number {
    const s = this.alloc(), chars = this.alloc();
    this.dv.setUint32(s - BASE, 1, true);
    this.dv.setUint32(s - BASE + 4, text.length, true);
    this.word(s + 8, chars);
    this.dv.setUint32(s - BASE + 16, wide ? 0 : 4, true);
    for (let i = 0; i < text.length; i++) {
      if (wide) this.dv.setUint16(chars - BASE + 2 * i, text.charCodeAt(i), true);
      else this.bytes[chars - BASE + i] = text.charCodeAt(i);
    }
    return s;
  }
  /** A function's executable, unlinked executable and CodeBlock, as JSC lays them out here. */
  codeBlock(
    name: string | undefined,
    o: { wide?: boolean; executableType?: number; file?: string } = {},
  ): { exe: number; cb: number } {
    const exe = this.alloc(), unl = this.alloc(), cb = this.alloc();
    if (o.file !== undefined) {
      const provider = this.alloc();
      this.word(exe + 40, provider);
      this.word(provider + 72, this.string(o.file));
    }
    this.header(exe, o.executableType ?? FUNCTION_EXECUTABLE_TYPE);
    this.word(exe + 80, unl);
    this.word(exe + 88, cb);
    this.header(unl, 0x0b);
    if (name !== undefined) this.word(unl + 64, this.string(name, o.wide));
    this.header(cb, CODE_BLOCK_TYPE);
    this.word(cb + 64, exe);
    return { exe, cb };
  }
  save(): string {
    const path = join(mkdtempSync(join(tmpdir(), "vmprof-js-mem-")), "mem");
    const file = new Uint8Array(BASE + this.bytes.length);
    file.set(this.bytes, BASE);
    writeFileSync(path, file);
    return path;
  }
}

function probeImage(): { img: Image; probeCell: number } {
  const img = new Image();
  const { exe } = img.codeBlock("vmprof_js_code_block_probe", { file: "/x/lib/symbols/bun/code-block-memory.ts" });
  const probeCell = img.alloc();
  img.header(probeCell, 0x1a);
  img.word(probeCell + 24, exe);
  return { img, probeCell };
}

test("calibrate: finds where the owner, unlinked executable, name, source and path sit", () => {
  const { img, probeCell } = probeImage();
  const mem = new SelfMemory(img.save());
  try {
    assert.deepEqual(calibrate(mem, probeCell), {
      source: 40,
      path: 72,
      owner: 64,
      unlinked: 80,
      name: 64,
      codeBlockType: CODE_BLOCK_TYPE,
      executableType: FUNCTION_EXECUTABLE_TYPE,
    });
  } finally {
    mem.close();
  }
});

test("codeBlockName: functions, anonymous, module code, wide names; not a CodeBlock is undefined", () => {
  const { img, probeCell } = probeImage();
  const fib = img.codeBlock("fib", { file: "/app/fib.ts" }).cb;
  const anon = img.codeBlock(undefined).cb;
  const empty = img.codeBlock("").cb;
  const wide = img.codeBlock("été_中", { wide: true }).cb;
  const mod = img.codeBlock(undefined, { executableType: MODULE_EXECUTABLE_TYPE }).cb;
  const notCell = img.alloc();
  img.header(notCell, 0x17); // some other cell
  const mem = new SelfMemory(img.save());
  try {
    const layout = calibrate(mem, probeCell)!;
    assert.equal(codeBlockName(mem, layout, fib), "fib");
    assert.equal(codeBlockFile(mem, layout, fib), "/app/fib.ts");
    assert.equal(codeBlockFile(mem, layout, anon), undefined, "no SourceProvider");
    assert.equal(codeBlockName(mem, layout, anon), "<anonymous>");
    assert.equal(codeBlockName(mem, layout, empty), "<anonymous>");
    assert.equal(codeBlockName(mem, layout, wide), "été_中");
    assert.equal(codeBlockName(mem, layout, mod), "<module>");
    assert.equal(codeBlockName(mem, layout, notCell), undefined, "another kind of cell");
    assert.equal(codeBlockName(mem, layout, BASE + 0x100000), undefined, "unmapped (past the end)");
    assert.equal(codeBlockName(mem, layout, fib + 3), undefined, "misaligned");
    assert.equal(codeBlockName(mem, layout, 0), undefined, "null");
  } finally {
    mem.close();
  }
});

test("codeBlockNamesFromMemory: undefined when the probe's chain is not there (another layout)", () => {
  const img = new Image();
  const cell = img.alloc();
  img.word(cell + 24, img.codeBlock("not_the_probe").exe);
  assert.equal(codeBlockNamesFromMemory([cell], cell, img.save()), undefined);
  assert.equal(codeBlockNamesFromMemory([cell], cell, "/nonexistent/mem"), undefined);
  const tagged = probeImage();
  tagged.img.word(tagged.probeCell + 24, tagged.img.alloc() + 1); // FunctionRareData
  assert.equal(codeBlockNamesFromMemory([1], tagged.probeCell, tagged.img.save()), undefined);
});

test("on Bun: names every CodeBlock a heap snapshot names, and the same way", async () => {
  if (!process.versions.bun) skip("JSC only (Bun)");
  const jscModule = "bun:jsc"; // not resolved by Deno: imported only here
  const jsc = await import(jscModule);
  const { codeBlockNamesFromHeapSnapshot } = await import("../../lib/symbols/bun/heap-snapshot.ts");
  const { codeBlockProbe } = await import("../../lib/symbols/bun/code-block-memory.ts");
  const made: ((x: number) => number)[] = [];
  for (let i = 0; i < 40; i++) {
    made.push(new Function("x", `return function vm_named_${i}(y) { return x + y * ${i}; }`)(i));
  }
  made.push((x) => x + 1);
  made.push(new Function("return function ünï_名(x) { return x; }")());
  for (const f of made) f(1);
  const snap = jsc.generateHeapSnapshotForDebugging();
  const bySnapshot = codeBlockNamesFromHeapSnapshot(snap);
  const blocks: number[] = [];
  for (let n = 0; n < snap.nodes.length / 7; n++) {
    const cls = snap.nodeClassNames[snap.nodes[n * 7 + 2]];
    if (cls.endsWith("CodeBlock") && !cls.startsWith("Unlinked")) {
      blocks.push(parseInt(String(snap.nodes[n * 7 + 5]), 16));
    }
  }
  const probe = parseInt(/0x[0-9a-f]+/.exec(jsc.describe(codeBlockProbe))![0], 16);
  const byMemory = codeBlockNamesFromMemory(blocks, probe);
  assert.ok(byMemory, "the layout is found in this Bun");
  let same = 0;
  for (const b of blocks) {
    const s = bySnapshot.get(b);
    const m: string | undefined = byMemory.get(b)?.name;
    assert.notEqual(m, undefined, `CodeBlock ${b.toString(16)} (${s}) named`);
    if (s === undefined || s === "<anonymous>") continue; // the snapshot could not say; memory can
    assert.equal(m, s, `CodeBlock ${b.toString(16)}`);
    same++;
  }
  const names = new Set([...byMemory.values()].map((x) => x.name));
  const files = new Set([...byMemory.values()].map((x) => x.file));
  assert.ok(files.has(fileURLToPath(import.meta.url)), "this test file is a CodeBlock's file");
  for (let i = 0; i < 40; i++) assert.ok(names.has(`vm_named_${i}`), `vm_named_${i}`);
  // deno-lint-ignore no-control-regex -- the range starts at NUL on purpose: any non-ASCII name
  assert.ok(names.has("ünï_名"), `a 16-bit name (${[...names].filter((n) => /[^\x00-\x7f]/.test(n))})`);
  assert.ok(same > 40, `${same} named alike`);
});
