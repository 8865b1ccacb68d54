// Names of JSC CodeBlocks read from the Bun process's own memory (/proc/self/mem): what names
// interpreter (LLInt) frames at exit in microseconds, where a heap snapshot took 0.1-0.5 s.
//
// An LLInt frame is recorded by its CodeBlock* (fp+16). A function's name is three pointers
// away: CodeBlock → its owner FunctionExecutable → the UnlinkedFunctionExecutable → the name's
// StringImpl. Where those pointers sit in each object depends on the JSC build, so they are not
// written down here: `calibrate` finds them on a function of known name, defined in this module,
// by looking for the pointer chain that ends at that name (and checks what it finds: the
// CodeBlock's owner must point back at the executable). Reads go through /proc/self/mem, so a
// wrong or freed address reads as an error or as bytes that fail the checks, never as a crash.
// docs/SYMBOLS.md §4 (item 4) says how this was found and what it was checked against.
import { closeSync, openSync, readSync } from "node:fs";

/** Where the pointers of the chain sit, in bytes from each object's start. */
export interface CodeBlockLayout {
  /** CodeBlock → its owner executable. */
  owner: number;
  /** FunctionExecutable → UnlinkedFunctionExecutable. */
  unlinked: number;
  /** UnlinkedFunctionExecutable → the name's StringImpl (empty for an anonymous function). */
  name: number;
  /** The JSType byte of every CodeBlock cell (function, module and program code alike). */
  codeBlockType: number;
  /** The JSType byte of a FunctionExecutable (a module's top-level code has another). */
  executableType: number;
  /** Executable (any script's) → its SourceProvider, and the provider → its file's path; -1: not found. */
  source: number;
  path: number;
}

/** What memory says of one CodeBlock. */
export interface CodeBlockInfo {
  name: string;
  /** The source file's path, when the provider has one. */
  file?: string;
}

const MAX_SCAN = 256; // bytes of an object searched for a pointer of the chain
const MAX_NAME = 4096;

/** Reads words and strings of this process's memory; every read may fail (undefined). */
export class SelfMemory {
  #fd: number;
  #buf = new Uint8Array(MAX_SCAN);
  #dv = new DataView(this.#buf.buffer);
  constructor(path = "/proc/self/mem") {
    this.#fd = openSync(path, "r");
  }
  close(): void {
    closeSync(this.#fd);
  }
  /** `n` bytes at `addr` into the scratch buffer; false if not all could be read. */
  #read(addr: number, n: number): boolean {
    if (!(addr >= 0x10000 && addr < 2 ** 47) || addr % 8 !== 0) return false;
    try {
      return readSync(this.#fd, this.#buf, 0, n, addr) === n;
    } catch {
      return false; // EIO: not mapped
    }
  }
  /** The `n` 64-bit words at `addr`. */
  words(addr: number, n: number): number[] | undefined {
    if (!this.#read(addr, n * 8)) return undefined;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      out.push(this.#dv.getUint32(i * 8, true) + this.#dv.getUint32(i * 8 + 4, true) * 2 ** 32);
    }
    return out;
  }
  word(addr: number): number | undefined {
    return this.words(addr, 1)?.[0];
  }
  /** The text of the WTF::StringImpl at `addr` (length at +4, characters at [+8], 8-bit flag in +16). */
  string(addr: number): string | undefined {
    if (!this.#read(addr, 24)) return undefined;
    const len = this.#dv.getUint32(4, true);
    const data = this.#dv.getUint32(8, true) + this.#dv.getUint32(12, true) * 2 ** 32;
    const flags = this.#dv.getUint32(16, true);
    if (len === 0) return "";
    if (len > MAX_NAME) return undefined;
    const is8 = (flags & 4) !== 0; // StringImpl::s_hashFlag8BitBuffer
    const bytes = new Uint8Array(is8 ? len : len * 2);
    try {
      // The characters need not be 8-byte aligned (a substring's point into its base).
      if (!(data >= 0x10000 && data < 2 ** 47) || readSync(this.#fd, bytes, 0, bytes.length, data) !== bytes.length) {
        return undefined;
      }
    } catch {
      return undefined;
    }
    return is8 ? String.fromCharCode(...bytes) : new TextDecoder("utf-16le").decode(bytes);
  }
}

// A cell's header: StructureID (4 bytes), indexing type, JSType, type-info flags, GC state.
const typeOf = (header: number) => Math.floor(header / 2 ** 40) % 256;

// The function whose chain calibrates the layout: its name is unique, it is called so that
// JSC gives it a CodeBlock, and nothing reads its `name` (that would give it rare data).
function vmprof_js_code_block_probe(x: number): number {
  return x + 1;
}
const PROBE_NAME = "vmprof_js_code_block_probe";
/** This module's own path, as the probe's SourceProvider holds it (.ts here, .js from npm). */
const PROBE_FILE = /^\/.*\/code-block-memory\.[jt]s$/;

/**
 * Finds the layout from the probe function: `cellAddress` is the address of the probe's
 * JSFunction cell (bun:jsc describe() prints it), whose executable is at +24.
 */
export function calibrate(mem: SelfMemory, cellAddress: number): CodeBlockLayout | undefined {
  const fn = mem.words(cellAddress, 4);
  if (!fn || fn[3] % 2 !== 0) return undefined; // tagged: FunctionRareData, not the executable
  const exe = fn[3];
  const exeWords = mem.words(exe, MAX_SCAN / 8);
  if (!exeWords) return undefined;
  // One pass over the objects the executable points at: the CodeBlock (which points back at
  // the executable), the unlinked executable (which points at the probe's name) and the
  // SourceProvider (which points at the path of this very file).
  let owner = -1, codeBlock = 0;
  let unlinked = -1, name = -1;
  let source = -1, path = -1;
  for (let i = 1; i < exeWords.length && (owner < 0 || name < 0 || source < 0); i++) {
    const w = mem.words(exeWords[i], MAX_SCAN / 8);
    if (!w) continue;
    if (owner < 0) {
      const back = w.indexOf(exe, 1);
      if (back > 0) (owner = back * 8), (codeBlock = exeWords[i]);
    }
    for (let k = 1; k < w.length && (name < 0 || source < 0); k++) {
      const text = mem.string(w[k]);
      if (text === undefined) continue;
      if (name < 0 && text === PROBE_NAME) (unlinked = i * 8), (name = k * 8);
      else if (source < 0 && PROBE_FILE.test(text)) (source = i * 8), (path = k * 8);
    }
  }
  const cbHeader = codeBlock && mem.word(codeBlock);
  if (owner < 0 || name < 0 || !cbHeader) return undefined;
  return {
    owner,
    unlinked,
    name,
    codeBlockType: typeOf(cbHeader),
    executableType: typeOf(exeWords[0]),
    source,
    path,
  };
}

/**
 * The name of the CodeBlock at `addr`: its function's name ("<anonymous>" when it has none),
 * "<module>" for the top-level code of a module (any CodeBlock whose owner is not a function),
 * undefined when `addr` does not hold a CodeBlock now (freed, reused, not a cell).
 */
export function codeBlockName(mem: SelfMemory, layout: CodeBlockLayout, addr: number): string | undefined {
  const exe = ownerOf(mem, layout, addr);
  const exeHeader = exe && mem.word(exe);
  if (!exe || exeHeader === undefined) return undefined;
  if (typeOf(exeHeader) !== layout.executableType) return "<module>";
  const unlinked = mem.word(exe + layout.unlinked);
  const str = unlinked && mem.word(unlinked + layout.name);
  if (!str) return "<anonymous>";
  const name = mem.string(str);
  return name === undefined ? undefined : name || "<anonymous>";
}

/** The executable that owns the CodeBlock at `addr`, if `addr` holds a CodeBlock. */
function ownerOf(mem: SelfMemory, layout: CodeBlockLayout, addr: number): number | undefined {
  const header = mem.word(addr);
  if (header === undefined || typeOf(header) !== layout.codeBlockType) return undefined;
  return mem.word(addr + layout.owner);
}

/** The path of the file the CodeBlock at `addr` was compiled from, when memory says. */
export function codeBlockFile(mem: SelfMemory, layout: CodeBlockLayout, addr: number): string | undefined {
  if (layout.source < 0) return undefined;
  const exe = ownerOf(mem, layout, addr);
  const provider = exe && mem.word(exe + layout.source);
  const str = provider && mem.word(provider + layout.path);
  const path = str ? mem.string(str) : undefined;
  return path?.startsWith("/") ? path : undefined;
}

/**
 * Names the CodeBlocks at `addresses` from this process's memory, given the address of the
 * probe's cell. Returns undefined when the layout cannot be found (another JSC build): the
 * caller falls back to a heap snapshot.
 */
export function codeBlockNamesFromMemory(
  addresses: Iterable<number>,
  probeCell: number,
  memPath = "/proc/self/mem",
): Map<number, CodeBlockInfo> | undefined {
  vmprof_js_code_block_probe(1);
  let mem: SelfMemory;
  try {
    mem = new SelfMemory(memPath);
  } catch {
    return undefined;
  }
  try {
    const layout = calibrate(mem, probeCell);
    if (!layout) return undefined;
    const out = new Map<number, CodeBlockInfo>();
    for (const a of addresses) {
      const name = codeBlockName(mem, layout, a);
      if (name === undefined) continue;
      const file = codeBlockFile(mem, layout, a);
      out.set(a, file ? { name, file } : { name });
    }
    return out;
  } finally {
    mem.close();
  }
}

/** The probe function, for the caller to find its cell's address (bun:jsc describe()). */
export const codeBlockProbe = vmprof_js_code_block_probe;
