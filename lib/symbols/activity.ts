// What a sample was doing, from its innermost frame: JIT code, the interpreter, or the
// runtime's native code, as the letters of META vmprof_js.kinds (lib/contract.ts). GC is
// decided separately (lib/symbols/gc.ts) and overrides the letter.
import { ACTIVITY_LETTER, LLINT_TAG } from "../contract.ts";
import type { CodeIndex } from "./code-index.ts";
import type { NativeSymbolizer } from "./elf.ts";

/** The activity letter of a leaf pc, cached per pc. */
export class Activities {
  private readonly cache = new Map<number, string>();

  constructor(private readonly index: CodeIndex, private readonly natives: NativeSymbolizer) {}

  of(pc: number): string {
    let letter = this.cache.get(pc);
    if (letter === undefined) this.cache.set(pc, letter = this.classify(pc));
    return letter;
  }

  private classify(pc: number): string {
    if (pc >= LLINT_TAG) return ACTIVITY_LETTER.interpreter;
    const r = this.index.lookup(pc);
    if (r) {
      if (r.kind === "js") {
        return r.tier === "ignition" || r.tier === "llint" ? ACTIVITY_LETTER.interpreter : ACTIVITY_LETTER.jit;
      }
      if (r.kind === "interpreter") return ACTIVITY_LETTER.interpreter;
      if (r.kind === "regexp" || r.kind === "wasm") return ACTIVITY_LETTER.jit;
      return ACTIVITY_LETTER.native; // builtins and stubs: the runtime's own code
    }
    // Anonymous executable memory is JIT code.
    return this.natives.mappingOf(pc) ? ACTIVITY_LETTER.native : ACTIVITY_LETTER.jit;
  }
}
