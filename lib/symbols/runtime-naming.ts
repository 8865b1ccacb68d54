// What naming needs to know about the runtime that wrote a raw log, as one interface with one
// implementation per runtime (deno/naming.ts, bun/naming.ts): where its JIT code's names are,
// and what to fill in that its symbol source leaves out. finish.ts is the same for both.
import type { Profile } from "../format/reader.ts";
import type { AgentInfo } from "../agent/start.ts";
import type { CodeRange } from "./code-index.ts";
import type { SymbolSource } from "./symbol-source.ts";

/** What the samples hold (finish.ts sampledCode). */
export interface Sampled {
  /** JIT ranges a sampled pc (or the byte before a return address) falls in. */
  ranges: Set<CodeRange>;
  /** CodeBlock addresses of sampled interpreter (LLInt) frames. */
  codeBlocks: Set<number>;
}

export interface NamingContext {
  raw: Profile;
  /**
   * The ranges the symbol source described: when `lazy`, those the samples' addresses fall
   * in may be all (SymbolSource.load `at`), and only `sampled`'s names are parsed.
   */
  ranges: CodeRange[];
  sampled: Sampled;
  lazy: boolean;
  info: AgentInfo;
  /** Source files the program loaded, its entry file included. */
  files: string[];
}

export interface RuntimeNaming {
  /**
   * The symbol source of process `pid`: what `symbolDir` holds, or the runtime's default place.
   * `exited`: the process is gone, its files are complete. `info` is what its agent reported.
   */
  source(pid: number, symbolDir: string | undefined, exited: boolean, info: AgentInfo): SymbolSource | undefined;
  /**
   * The source can be had before the process ends (it needs no `info`) and followed while it
   * runs (finish.ts followSource).
   */
  followable?: boolean;
  /**
   * Fills in what the source leaves out for what the samples hold (files and lines), and
   * returns the ranges that name tagged interpreter frames (LLINT_TAG + id), if any.
   */
  refine(cx: NamingContext): Map<number, CodeRange> | undefined;
  /** Name V8's runtime functions in a stripped binary that embeds V8 (the GC's slow paths). */
  v8Runtime: boolean;
}
