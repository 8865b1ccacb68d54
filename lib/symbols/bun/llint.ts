// Where JSC's interpreter (the LLInt) lives in a running Bun process, and the CodeRange that
// names it. Small on purpose: the in-process Bun agent (lib/agent/bun.ts) loads it.
import { closeSync, openSync, readSync } from "node:fs";
import type { CodeRange } from "../code-index.ts";
import { elfSectionsOfFile } from "../elf-header.ts";
import { u64 } from "../../util/bytes.ts";

/**
 * Where the LLInt (JSC's interpreter) lives in a running Bun process, and the
 * CodeRange that names it. JSC fills the opcode table in the section
 * "__DATA,__jsc_opcodes" (zeros in the file) with the address of every opcode
 * handler when it initialises; all handlers sit in one block of .text, so
 * [min, max] of the table, widened to the end of the last handler (the int3
 * padding that follows it), is the interpreter's code. Reads
 * /proc/<pid>/exe and /proc/<pid>/mem, so call it from inside the process
 * (pid "self") or from a parent allowed to read the child's memory.
 */
export function findLlintRange(
  pid: number | "self" = "self",
): { start: number; end: number; handlers: number } | undefined {
  const exe = `/proc/${pid}/exe`;
  let sec: { addr: number; size: number } | undefined;
  let text: { addr: number; off: number; size: number } | undefined;
  try {
    const secs = elfSectionsOfFile(exe);
    sec = secs.get("__DATA,__jsc_opcodes") ?? secs.get("__jsc_opcodes");
    text = secs.get(".text");
  } catch {
    return undefined;
  }
  if (!sec || !text) return undefined;
  const buf = new Uint8Array(sec.size);
  let fd = -1;
  try {
    fd = openSync(`/proc/${pid}/mem`, "r");
    readSync(fd, buf, 0, buf.length, sec.addr);
  } catch {
    return undefined;
  } finally {
    if (fd >= 0) closeSync(fd);
  }
  const dv = new DataView(buf.buffer);
  let lo = Infinity, hi = 0, n = 0;
  for (let i = 0; i + 8 <= buf.length; i += 8) {
    const v = u64(dv, i);
    if (v >= text.addr && v < text.addr + text.size) {
      n++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
  }
  if (n === 0) return undefined;
  // Extend past the last handler: to the first run of 8 int3 (0xcc) bytes, at most 64 KB on.
  let end = hi + 1;
  try {
    const fdExe = openSync(exe, "r");
    const chunk = new Uint8Array(65536);
    const got = readSync(fdExe, chunk, 0, chunk.length, text.off + (hi - text.addr));
    closeSync(fdExe);
    let run = 0;
    for (let i = 0; i < got; i++) {
      run = chunk[i] === 0xcc ? run + 1 : 0;
      if (run === 8) {
        end = hi + i - 7;
        break;
      }
    }
    if (run < 8) end = hi + 4096;
  } catch {
    end = hi + 4096;
  }
  return { start: lo, end, handlers: n };
}

/** A CodeRange for the LLInt, so that samples in it read "LLInt" rather than a bare address. */
export function llintCodeRange(r: { start: number; end: number }, seq = -1): CodeRange {
  return { start: r.start, size: r.end - r.start, seq, name: "LLInt", kind: "interpreter", tier: "llint" };
}
