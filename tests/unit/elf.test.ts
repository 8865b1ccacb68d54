// Unit tests for lib/symbols/elf.ts: ELF symbol tables and pc → module/symbol/offset, checked against real processes and nm.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { CHILD, skip, test } from "../harness.ts";
import {
  ElfFile,
  nativeFrameName,
  type NativeMapping,
  NativeSymbolizer,
  v8RuntimeFunctions,
} from "../../lib/symbols/elf.ts";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIX = join(ROOT, "tests", "fixtures", "native");

function tool(cmd: string, args: string[]): string | undefined {
  const r = spawnSync(cmd, args, { ...CHILD, encoding: "utf8", maxBuffer: 64 << 20 });
  return r.status === 0 ? r.stdout : undefined;
}

/** Executable file-backed lines of a maps text, as the sampler's `maps` META keeps them. */
function execMaps(text: string): NativeMapping[] {
  const out: NativeMapping[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S+)\s+([0-9a-f]+)\s+\S+\s+\S+\s+(\/.*)$/.exec(line);
    if (m && m[3].includes("x")) {
      out.push({ lo: parseInt(m[1], 16), hi: parseInt(m[2], 16), offset: parseInt(m[4], 16), path: m[5] });
    }
  }
  return out;
}

/** Where the kernel would map `path`'s executable PT_LOADs with load bias `bias` (from readelf, not from elf.ts). */
function kernelMaps(path: string, bias: number): NativeMapping[] {
  const out: NativeMapping[] = [];
  for (const line of (tool("readelf", ["-lW", path]) ?? "").split("\n")) {
    const m =
      /^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(.*?)\s+0x[0-9a-f]+$/
        .exec(line);
    if (!m || !m[5].includes("E")) continue;
    const off = parseInt(m[1], 16), vaddr = parseInt(m[2], 16), memsz = parseInt(m[4], 16);
    const page = (x: number) => x - (x % 4096);
    out.push({ lo: bias + page(vaddr), hi: bias + page(vaddr + memsz + 4095), offset: page(off), path });
  }
  return out;
}

interface NmSymbol {
  name: string;
  start: number;
  size: number;
}

/** Defined function symbols by `nm` (the oracle), versions stripped (`name@GLIBC_2.2.5` → name: one name can have several). */
function nmList(path: string, dynamic: boolean): NmSymbol[] | undefined {
  const text = tool("nm", [...(dynamic ? ["-D"] : []), "--defined-only", "-S", path]);
  if (text === undefined) return undefined;
  const out: NmSymbol[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+) ([0-9a-f]+) ([TtWi]) (\S+)$/.exec(line);
    if (m) out.push({ name: m[4].replace(/@.*$/, ""), start: parseInt(m[1], 16), size: parseInt(m[2], 16) });
  }
  return out;
}

/** name → its (last listed) symbol. */
function nmFunctions(path: string, dynamic: boolean): Map<string, NmSymbol> | undefined {
  const list = nmList(path, dynamic);
  return list && new Map(list.map((s) => [s.name, s]));
}

/** Each start address → the names (aliases) and largest size nm lists there. */
function aliases(list: NmSymbol[]): Map<number, { names: Set<string>; size: number }> {
  const out = new Map<number, { names: Set<string>; size: number }>();
  for (const s of list) {
    const a = out.get(s.start) ?? out.set(s.start, { names: new Set(), size: 0 }).get(s.start)!;
    a.names.add(s.name);
    a.size = Math.max(a.size, s.size);
  }
  return out;
}

function eEntry(path: string): number {
  const head = readFileSync(path).subarray(0, 64);
  const dv = new DataView(head.buffer, head.byteOffset, 64);
  return dv.getUint32(0x18, true) + dv.getUint32(0x1c, true) * 4294967296;
}

let work: string | undefined;
/** Builds libtiny.so (linked at 0x10000000, so its addresses differ from its file offsets) and the where programs. */
function built(): string {
  if (work) return work;
  if (tool("gcc", ["--version"]) === undefined) skip("gcc is not installed");
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-elf-"));
  const cc = (args: string[]) => {
    const r = spawnSync("gcc", ["-O1", "-fno-optimize-sibling-calls", ...args], {
      ...CHILD,
      cwd: dir,
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`gcc ${args.join(" ")}: ${r.stderr}`);
  };
  cc(["-shared", "-fPIC", "-Wl,-Ttext-segment=0x10000000", "-o", "libtiny.so", join(FIX, "tiny.c")]);
  const link = ["-L.", "-ltiny", `-Wl,-rpath,${dir}`];
  cc(["-pie", "-fPIE", "-o", "where-pie", join(FIX, "where.c"), ...link]);
  cc(["-no-pie", "-o", "where-nopie", join(FIX, "where.c"), ...link]);
  for (const f of ["libtiny.so", "where-pie"]) {
    if (spawnSync("strip", ["--strip-all", "-o", `stripped-${f}`, f], { ...CHILD, cwd: dir }).status !== 0) {
      copyFileSync(join(dir, f), join(dir, `stripped-${f}`)); // checked below: the test then sees symbols
    }
  }
  work = dir;
  return dir;
}

/** Runs a where program: the pcs it reported inside each function, and its maps. */
function runWhere(exe: string): { pcs: Map<string, number>; maps: NativeMapping[] } {
  const r = spawnSync(exe, [], { ...CHILD, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${exe} failed: ${r.stderr}`);
  const pcs = new Map<string, number>();
  for (const m of r.stdout.matchAll(/^(\w+) 0x([0-9a-f]+)$/gm)) pcs.set(m[1], parseInt(m[2], 16));
  return { pcs, maps: execMaps(r.stdout) };
}

// ---------------------------------------------------------------- real processes built here

for (const kind of ["pie", "nopie"] as const) {
  test(`elf: ${kind} executable and a shared library linked at a non-zero base, in a real process`, () => {
    const dir = built();
    const { pcs, maps } = runWhere(join(dir, `where-${kind}`));
    assert.equal(pcs.size, 4);
    const sym = new NativeSymbolizer(maps);
    const exe = ElfFile.open(join(dir, `where-${kind}`))!;
    assert.equal(exe.type, kind === "pie" ? 3 : 2);
    const nmExe = nmFunctions(join(dir, `where-${kind}`), false);
    const nmLib = nmFunctions(join(dir, "libtiny.so"), false);
    for (const [name, pc] of pcs) {
      const f = sym.lookup(pc);
      assert.ok(f, `${name}: ${pc.toString(16)} is mapped`);
      assert.equal(f.symbol, name, `${name} resolves`);
      assert.equal(f.module, name.startsWith("tiny_") ? "libtiny.so" : `where-${kind}`);
      const truth = (name.startsWith("tiny_") ? nmLib : nmExe)?.get(name);
      if (truth) {
        assert.equal(f.symbolStart, truth.start, `${name} starts where nm says`);
        assert.equal(f.symbolSize, truth.size);
        assert.equal(f.vaddr, truth.start + f.offset);
      }
      assert.ok(f.offset > 0 && f.offset < (f.symbolSize ?? 0), `${name}: offset ${f.offset} inside the function`);
      assert.equal(f.symbolPc, pc - f.offset);
      assert.equal(nativeFrameName(f), name);
      assert.equal(nativeFrameName(f, true), `${name}+0x${f.offset.toString(16)}`);
    }
    // The library's addresses are its link-time ones (0x10000000 + …), not file offsets.
    assert.ok(sym.lookup(pcs.get("tiny_exported")!)!.vaddr > 0x10000000);
    if (kind === "nopie") assert.equal(sym.lookup(pcs.get("where_static")!)!.vaddr, pcs.get("where_static"));
  });
}

test("elf: stripped copies keep .dynsym exports only; the rest is module+offset", () => {
  const dir = built();
  const { pcs, maps } = runWhere(join(dir, "where-pie"));
  const stripped = maps.map((m) => ({ ...m, path: join(dirname(m.path), `stripped-${basename(m.path)}`) }))
    .filter((m) => m.path.endsWith("stripped-where-pie") || m.path.endsWith("stripped-libtiny.so"));
  const tables = ElfFile.open(join(dir, "stripped-libtiny.so"))!.tables;
  if (tables.includes("symtab")) skip("strip is not installed");
  assert.deepEqual(tables, ["dynsym"]);
  const sym = new NativeSymbolizer(stripped);
  const full = new NativeSymbolizer(maps);
  const exported = sym.lookup(pcs.get("tiny_exported")!)!;
  assert.equal(exported.symbol, "tiny_exported");
  assert.equal(exported.module, "stripped-libtiny.so");
  for (const name of ["tiny_hidden", "where_static", "where_global"]) {
    const f = sym.lookup(pcs.get(name)!)!;
    assert.equal(f.symbol, undefined, `${name} has no symbol once stripped`);
    assert.equal(f.offset, f.vaddr);
    assert.equal(f.vaddr, full.lookup(pcs.get(name)!)!.vaddr, "same module address as the unstripped file");
    assert.match(nativeFrameName(f), /^stripped-(libtiny\.so|where-pie)\+0x[0-9a-f]+$/);
  }
});

// ---------------------------------------------------------------- libc of this process

test("elf: libc functions of this process resolve like nm -D says", () => {
  const maps = execMaps(readFileSync("/proc/self/maps", "utf8"));
  const libc = maps.find((m) => /\/libc[.-][^/]*so/.test(m.path));
  if (!libc) skip("no libc in /proc/self/maps (static or musl runtime)");
  const list = nmList(libc.path, true);
  if (!list) skip("nm is not installed");
  const fns = new Map(list.map((s) => [s.name, s]));
  const all = readFileSync("/proc/self/maps", "utf8").split("\n").filter((l) => l.endsWith(libc.path));
  const base = parseInt(all.find((l) => / 00000000 /.test(l))!.split("-")[0], 16); // libc's first PT_LOAD is at vaddr 0
  const sym = new NativeSymbolizer(maps);
  const byAddr = aliases(list);
  let checked = 0;
  for (
    const name of ["qsort", "getenv", "strtol", "malloc", "free", "fopen", "printf", "pthread_create", "clock_gettime"]
  ) {
    const f = fns.get(name);
    if (!f || f.size < 2) continue;
    for (const k of [0, 1, f.size >> 1, f.size - 1]) {
      const r = sym.lookup(base + f.start + k);
      assert.ok(r, `${name}+${k} mapped`);
      assert.ok(byAddr.get(f.start)!.names.has(r.symbol!), `${name}+${k} → ${r.symbol} (an alias of ${name})`);
      assert.equal(r.offset, k);
      assert.equal(r.module, basename(libc.path));
    }
    checked++;
  }
  assert.ok(checked >= 6, `checked ${checked} libc functions`);
  // Every defined function nm lists (sized) is found at its middle.
  const elf = ElfFile.open(libc.path)!;
  let agree = 0, total = 0;
  for (const [addr, { names, size }] of byAddr) {
    if (size === 0) continue;
    total++;
    const s = elf.symbolAt(addr + (size >> 1));
    if (s && names.has(s.name)) agree++;
  }
  assert.ok(total > 1000, `${total} libc functions`);
  assert.equal(agree, total, `${agree} of ${total} agree with nm`);
  assert.equal(elf.size, total);
});

test("elf: alias choice prefers the global, least-underscored name", () => {
  const maps = execMaps(readFileSync("/proc/self/maps", "utf8"));
  const libc = maps.find((m) => /\/libc[.-][^/]*so/.test(m.path));
  if (!libc) skip("no libc");
  const elf = ElfFile.open(libc.path)!;
  const fns = nmFunctions(libc.path, true);
  if (!fns) skip("nm is not installed");
  // __libc_malloc and malloc are one function in glibc; name it as users call it.
  const m = fns.get("malloc");
  if (m && fns.get("__libc_malloc")?.start === m.start) assert.equal(elf.symbolAt(m.start)!.name, "malloc");
});

// ---------------------------------------------------------------- the runtimes' own binaries

const BINARIES = [
  { name: "deno", path: join(ROOT, "node_modules", "deno", "deno"), pie: true, exported: "napi_get_last_error_info" },
  { name: "bun", path: join(ROOT, "node_modules", "bun", "bin", "bun.exe"), pie: false, exported: "napi_create_error" },
];

for (const b of BINARIES) {
  test(`elf: the stripped ${b.name} binary: exports only, else module+offset`, () => {
    let path: string;
    try {
      path = realpathSync(b.path);
    } catch {
      skip(`${b.path} is not installed`);
    }
    const elf = ElfFile.open(path)!;
    assert.ok(elf, "parses");
    assert.equal(elf.type, b.pie ? 3 : 2);
    assert.ok(elf.size > 100 && elf.size < 5000, `${elf.size} exported functions only`);
    // Mapped where this process has it if it is the running runtime, else where the kernel would put it.
    const own = execMaps(readFileSync("/proc/self/maps", "utf8")).filter((m) => m.path === path);
    let bias = b.pie ? 0x55d4a0000000 : 0;
    let maps = kernelMaps(path, bias);
    if (own.length > 0) {
      const first = readFileSync("/proc/self/maps", "utf8").split("\n").find((l) =>
        l.endsWith(path) && / 00000000 /.test(l)
      )!;
      const firstVaddr = Math.min(...elf.segments.map((s) => s.vaddr));
      bias = parseInt(first.split("-")[0], 16) - firstVaddr;
      maps = own;
    }
    if (maps.length === 0) skip("readelf is not installed");
    const sym = new NativeSymbolizer(maps);
    const entry = eEntry(path);
    const f = sym.lookup(bias + entry + 4)!;
    assert.ok(f, "entry point mapped");
    assert.equal(f.symbol, undefined, "the entry point has no symbol in a stripped binary");
    assert.equal(f.module, basename(path));
    assert.equal(f.offset, entry + 4, "offset is the module's own address");
    assert.equal(nativeFrameName(f), `${basename(path)}+0x${(entry + 4).toString(16)}`);
    const fns = nmFunctions(path, true);
    const e = fns?.get(b.exported);
    if (e) {
      const r = sym.lookup(bias + e.start + 5)!;
      assert.equal(r.symbol, b.exported, "an exported function still resolves");
      assert.equal(r.offset, 5);
    }
  });
}

test("elf: bun's exported C++ functions keep their mangled names", () => {
  let path: string;
  try {
    path = realpathSync(BINARIES[1].path);
  } catch {
    skip("bun is not installed");
  }
  const names = ElfFile.open(path)!.symbols().map((s) => s.name);
  assert.ok(names.some((n) => n.startsWith("_ZN2v8")), "v8 API shims, mangled");
});

test("elf: V8's runtime functions are named in the stripped deno binary from V8's own table", () => {
  let path: string;
  try {
    path = realpathSync(BINARIES[0].path);
  } catch {
    skip("deno is not installed");
  }
  const fns = v8RuntimeFunctions(path);
  assert.ok(fns.length > 500, `${fns.length} runtime functions`);
  const names = new Set(fns.map((f) => f.name));
  for (
    const n of [
      "Runtime_AllocateInYoungGeneration",
      "Runtime_AllocateInOldGeneration",
      "Runtime_StringAdd",
      "Runtime_StackGuard",
    ]
  ) {
    assert.ok(names.has(n), n);
  }
  const bytes = readFileSync(path);
  const elf = ElfFile.open(path)!;
  const text = elf.segments.find((s) => s.exec)!;
  let framed = 0;
  for (let i = 0; i < fns.length; i++) {
    const f = fns[i];
    assert.ok(f.size > 0 && f.size < 65536, `${f.name} size ${f.size}`);
    if (i > 0) {
      assert.ok(fns[i - 1].start + fns[i - 1].size <= f.start, `${fns[i - 1].name} and ${f.name} do not overlap`);
    }
    const at = f.start - text.vaddr + text.offset;
    const b = bytes.subarray(at, at + 4);
    const prologue = (b[0] === 0x55 && b[1] === 0x48 && b[2] === 0x89 && b[3] === 0xe5) ||
      (b[0] === 0xf3 && b[1] === 0x0f);
    if (prologue) framed++;
  }
  // Leaf functions may have no frame of their own; nearly all others start with one.
  assert.ok(framed > fns.length * 0.9, `${framed} of ${fns.length} start with push rbp; mov rbp, rsp (or endbr64)`);
  // Through the symbolizer (opt-in), a pc inside one is named; without the option it is module+offset.
  const maps = kernelMaps(path, 0x55d4a0000000);
  if (maps.length === 0) skip("readelf is not installed");
  const alloc = fns.find((f) => f.name === "Runtime_AllocateInYoungGeneration")!;
  const pc = 0x55d4a0000000 + alloc.start + 10;
  assert.equal(new NativeSymbolizer(maps, { v8Runtime: true }).lookup(pc)!.symbol, "Runtime_AllocateInYoungGeneration");
  assert.equal(new NativeSymbolizer(maps, { v8Runtime: true }).lookup(pc)!.offset, 10);
  assert.equal(new NativeSymbolizer(maps).lookup(pc)!.symbol, undefined);
});

test("elf: V8's runtime functions are named in the arm64 deno binary too (aarch64 relocations and prologues)", () => {
  // The arm64 group (tests/arm64/) fetches it and sets VMPROF_ARM64_DENO; elsewhere it may be absent.
  const path = process.env.VMPROF_ARM64_DENO ?? "/tmp/vmprof-js-arm64/@deno+linux-arm64-glibc@2.9.6/package/deno";
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    skip(`no arm64 deno at ${path} (bash tests/arm64/fetch.sh)`);
  }
  const fns = v8RuntimeFunctions(path, mkdtempSync(join(tmpdir(), "vmprof-elf-cache-")));
  assert.ok(fns.length > 500, `${fns.length} runtime functions`);
  const names = new Set(fns.map((f) => f.name));
  for (
    const n of [
      "Runtime_AllocateInYoungGeneration",
      "Runtime_AllocateInOldGeneration",
      "Runtime_StringAdd",
      "Runtime_StackGuard",
    ]
  ) {
    assert.ok(names.has(n), n);
  }
  const text = ElfFile.open(path)!.segments.find((s) => s.exec)!;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let framed = 0;
  for (let i = 0; i < fns.length; i++) {
    const f = fns[i];
    assert.ok(f.size > 0 && f.size < 65536 && f.size % 4 === 0, `${f.name} size ${f.size}`);
    if (i > 0) {
      assert.ok(fns[i - 1].start + fns[i - 1].size <= f.start, `${fns[i - 1].name} and ${f.name} do not overlap`);
    }
    const w = dv.getUint32(f.start - text.vaddr + text.offset, true);
    // paciasp, bti c, stp x29, x30, [sp, #-n]!, sub sp, sp, #n
    if (
      w === 0xd503233f || w === 0xd503245f || ((w & 0xffc07fff) >>> 0) === 0xa9807bfd ||
      ((w & 0xff8003ff) >>> 0) === 0xd10003ff
    ) framed++;
  }
  assert.ok(framed > fns.length * 0.9, `${framed} of ${fns.length} start with a prologue`);
});

test("elf: no V8 runtime table in bun or libc", () => {
  const maps = execMaps(readFileSync("/proc/self/maps", "utf8"));
  const libc = maps.find((m) => /\/libc[.-][^/]*so/.test(m.path));
  if (libc) assert.deepEqual(v8RuntimeFunctions(libc.path), []);
  try {
    assert.deepEqual(v8RuntimeFunctions(realpathSync(BINARIES[1].path)), []);
  } catch (e) {
    if ((e as { code?: string }).code !== "ENOENT") throw e;
  }
  assert.deepEqual(v8RuntimeFunctions("/nonexistent/deno"), []);
});

// ---------------------------------------------------------------- failure modes and speed

test("elf: missing, unreadable and non-ELF files give module+file offset, never a throw", () => {
  const dir = mkdtempSync(join(tmpdir(), "vmprof-js-elf-bad-"));
  try {
    writeFileSync(join(dir, "text.so"), "not an ELF file at all, just text\n".repeat(10));
    writeFileSync(join(dir, "short.so"), new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 2, 1]));
    const cut = new Uint8Array(readFileSync("/proc/self/exe").subarray(0, 4096)); // headers point past the end
    writeFileSync(join(dir, "cut.so"), cut);
    for (const f of ["text.so", "short.so", "cut.so", "missing.so"]) {
      assert.equal(ElfFile.load(join(dir, f)), undefined, f);
    }
    assert.equal(ElfFile.load(dir), undefined, "a directory");
    const sym = new NativeSymbolizer([
      { lo: 0x1000, hi: 0x3000, offset: 0x5000, path: join(dir, "missing.so") },
      { lo: 0x8000, hi: 0x9000, offset: 0, path: join(dir, "text.so") },
    ]);
    assert.deepEqual(sym.lookup(0x1234), {
      module: "missing.so",
      path: join(dir, "missing.so"),
      offset: 0x5234,
      vaddr: 0x5234,
    });
    assert.equal(sym.lookup(0x8010)!.offset, 0x10);
    assert.equal(sym.lookup(0x3000), undefined, "hi is exclusive");
    assert.equal(sym.lookup(0x500), undefined, "below every mapping");
    assert.equal(sym.lookup(0x7fff), undefined, "between mappings");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("elf: files are parsed once per path", () => {
  const exe = realpathSync("/proc/self/exe");
  assert.equal(ElfFile.open(exe), ElfFile.open(exe));
  ElfFile.clearCache();
  assert.notEqual(ElfFile.open(exe), undefined);
});

test("elf: lookups are fast (sorted arrays, binary search)", () => {
  const maps = execMaps(readFileSync("/proc/self/maps", "utf8"));
  const libc = maps.find((m) => /\/libc[.-][^/]*so/.test(m.path));
  if (!libc) skip("no libc");
  const sym = new NativeSymbolizer(maps);
  sym.lookup(libc.lo); // load outside the timing
  const n = 300_000;
  let x = 12345, hits = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    if (sym.lookup(libc.lo + (x % (libc.hi - libc.lo)))?.symbol) hits++;
  }
  const ms = performance.now() - t0;
  assert.ok(hits > n / 4, `${hits} of ${n} random libc text pcs are in a symbol`);
  assert.ok(ms < 3000, `${n} lookups took ${ms.toFixed(0)} ms`);
  console.log(`# ${(n / ms / 1000).toFixed(2)} M lookups/s over libc`);
});

test("elf: cleanup", () => {
  if (work) rmSync(work, { recursive: true, force: true });
  void process;
});
