// The keys and names of the named log: one even key per JS function and tier (VIRTUAL_IP
// `js:<name>:<line>:<file>`), odd keys for native code (NATIVE_SYMBOLS `n:…`), and the
// synthetic frames; FrameKeys.keyOf turns each raw frame into its key (0: folded away).
import { basename } from "node:path";
import { LLINT_TAG, TRUNCATED_FRAME } from "../contract.ts";
import type { CodeIndex, CodeRange } from "./code-index.ts";
import { nativeFrameName, type NativeSymbolizer } from "./elf.ts";

/** Keys of frames that stand for no code of their own (even, below any real code address). */
export const SYNTHETIC = {
  native: 0x100, // a sample with no JS frame at all: runtime or library code
  unknownJit: 0x200, // JIT code the symbol source never described
  interpreter: 0x300, // an interpreter frame we could not tell apart
  gc: 0x400, // the runtime collecting garbage (lib/symbols/gc.ts)
  truncated: 0x500, // the sampler cut the stack here: its outer frames are missing
} as const;

/** Code keys start here: above the synthetic keys, whatever the code's address. */
export const MIN_CODE_KEY = 0x10000;

const SYNTHETIC_NAMES: Record<number, string> = {
  [SYNTHETIC.native]: "js:(native code):0:-",
  [SYNTHETIC.unknownJit]: "js:(unnamed JIT code):0:-",
  [SYNTHETIC.interpreter]: "js:(interpreter):0:-",
  [SYNTHETIC.gc]: "js:(garbage collector):0:-",
  [SYNTHETIC.truncated]: "js:(truncated stack):0:-",
};

/** vmprof's readers split names on ':' into exactly four parts: keep ':' out of each part. */
export function part(s: string): string {
  return s.replace(/^file:\/\//, "").replaceAll(":", ".").replaceAll("\n", " ");
}

/** The VIRTUAL_IP name of a JS function: `js:<name>:<line>:<file or ->`. */
export function codeName(r: CodeRange): string {
  return `js:${part(r.name || "<anonymous>")}:${r.line ?? 0}:${r.file ? part(r.file) : "-"}`;
}

const OUR_LIBRARY = /libvmprof\.so$/;

export interface FrameKeyOptions {
  /** Keep native frames (odd keys) instead of folding them into their JS caller. */
  native?: boolean;
  /** Names for tagged interpreter frames (LLINT_TAG + id). */
  interpreterNames?: Map<number, CodeRange>;
  /** The profiler's own code (its agent): the keys of such ranges are collected in `ownKeys`. */
  isOwnCode?: (r: CodeRange) => boolean;
}

/** Assigns keys to frames and collects the names the named log's symbol records carry. */
export class FrameKeys {
  /** Key → VIRTUAL_IP name (JS functions and synthetic frames), in the order first used. */
  readonly names = new Map<number, string>();
  /** Key → NATIVE_SYMBOLS name. */
  readonly nativeNames = new Map<number, string>();
  /** Key → JIT tier (META vmprof_js.tiers). */
  readonly tierOfKey: Record<number, string> = {};
  /** Keys of functions in the profiler's own files (FrameKeyOptions.isOwnFile). */
  readonly ownKeys = new Set<number>();
  private readonly keyOfFunction = new Map<string, number>(); // name + tier → key
  private readonly keyOfPc = new Map<number, number>(); // raw frame → key (0: folded away)

  constructor(
    private readonly index: CodeIndex,
    private readonly natives: NativeSymbolizer,
    private readonly o: FrameKeyOptions = {},
  ) {}

  /**
   * One key per function and tier: the names are equal, the tiers table tells them apart,
   * and Stats merges them into one function with a per-tier split.
   */
  jsKey(r: CodeRange): number {
    const name = codeName(r);
    const identity = `${name}\u0000${r.tier ?? ""}`;
    let key = this.keyOfFunction.get(identity);
    if (key === undefined) {
      // Code keys keep bit 0 clear and stay above the synthetic keys (a range without an
      // address of its own, like the program's top level, starts at 0).
      key = r.start >= MIN_CODE_KEY ? r.start - (r.start % 2) : MIN_CODE_KEY;
      while (this.names.has(key)) key += 2;
      this.keyOfFunction.set(identity, key);
      this.names.set(key, name);
      if (r.tier) this.tierOfKey[key] = r.tier;
      if (this.o.isOwnCode?.(r)) this.ownKeys.add(key);
    }
    return key;
  }

  /** A synthetic frame's key, its name recorded. */
  synthetic(key: number): number {
    this.names.set(key, SYNTHETIC_NAMES[key]);
    return key;
  }

  /** The key of raw frame `pc` (0: folded into its JS caller), cached per pc. */
  keyOf(pc: number): number {
    let key = this.keyOfPc.get(pc);
    if (key === undefined) this.keyOfPc.set(pc, key = this.resolve(pc));
    return key;
  }

  private resolve(pc: number): number {
    if (pc === TRUNCATED_FRAME) return this.synthetic(SYNTHETIC.truncated);
    if (pc >= LLINT_TAG) {
      const r = this.o.interpreterNames?.get(pc);
      return r ? this.jsKey(r) : this.synthetic(SYNTHETIC.interpreter);
    }
    const r = this.index.lookup(pc);
    if (r && r.kind === "js") return this.jsKey(r);
    if (r) return this.runtimeCodeKey(r);
    if (this.natives.mappingOf(pc)) return this.nativeKey(pc);
    // Executable memory that no module backs and no symbol source names: JIT code.
    return this.synthetic(SYNTHETIC.unknownJit);
  }

  /** Runtime code the JIT describes (builtins, stubs, regexp): native unless asked for. */
  private runtimeCodeKey(r: CodeRange): number {
    if (!this.o.native) return 0;
    const key = r.start % 2 === 1 ? r.start : r.start + 1; // (not `| 1`: 32-bit in JS)
    this.nativeNames.set(key, `n:${part(r.name)}:0:-`);
    return key;
  }

  /** A pc in a file mapping: one key per function symbol (all its pcs); without symbols, one per pc. */
  private nativeKey(pc: number): number {
    const m = this.natives.mappingOf(pc)!;
    if (!this.o.native || OUR_LIBRARY.test(m.path)) return 0;
    const f = this.natives.lookup(pc);
    const at = f?.symbolPc ?? pc;
    const key = at % 2 === 1 ? at : at + 1;
    if (!this.nativeNames.has(key)) {
      const name = f ? nativeFrameName(f) : `${basename(m.path)}+0x${(pc - m.lo + m.offset).toString(16)}`;
      this.nativeNames.set(key, `n:${part(name)}:0:${part(m.path)}`);
    }
    return key;
  }
}
