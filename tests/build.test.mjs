// The built library runs on any x86_64 CPU: it holds no instruction beyond the baseline
// (x86-64 v1: SSE2), so a library built on an AVX-512 machine cannot die of SIGILL elsewhere.
import t from "tap";
import { join } from "node:path";
import { ROOT, run } from "./helpers.mjs";

// ~4 s with Zig's cache warm, ~21 s cold (the haswell build compiles the library), on 2 cores.
t.setTimeout(120_000);

const LIB = process.env.VMPROF_LIB || join(ROOT, "zig-out/lib/libvmprof.so");

// Extensions past x86-64 v1, by mnemonic (VEX/EVEX ones all start with "v" and are caught by
// the register check or the v-prefix rule). RDPKRU/WRPKRU are allowed: they run only where
// CPUID says the OS enabled PKU (zig/pkeys.zig).
const BEYOND_BASELINE = new Set([
  // SSE3, SSSE3
  "addsubpd",
  "addsubps",
  "haddpd",
  "haddps",
  "hsubpd",
  "hsubps",
  "lddqu",
  "movddup",
  "movshdup",
  "movsldup",
  "fisttp",
  "fisttpl",
  "fisttpll",
  "fisttps",
  "pabsb",
  "pabsw",
  "pabsd",
  "palignr",
  "phaddw",
  "phaddd",
  "phaddsw",
  "phsubw",
  "phsubd",
  "phsubsw",
  "pmaddubsw",
  "pmulhrsw",
  "pshufb",
  "psignb",
  "psignw",
  "psignd",
  // SSE4.1, SSE4.2, POPCNT, LZCNT/TZCNT, MOVBE, CRC32
  "blendpd",
  "blendps",
  "blendvpd",
  "blendvps",
  "dppd",
  "dpps",
  "extractps",
  "insertps",
  "movntdqa",
  "mpsadbw",
  "packusdw",
  "pblendvb",
  "pblendw",
  "pcmpeqq",
  "pextrb",
  "pextrd",
  "pextrq",
  "phminposuw",
  "pinsrb",
  "pinsrd",
  "pinsrq",
  "pmaxsb",
  "pmaxsd",
  "pmaxud",
  "pmaxuw",
  "pminsb",
  "pminsd",
  "pminud",
  "pminuw",
  "pmovsxbw",
  "pmovsxbd",
  "pmovsxbq",
  "pmovsxwd",
  "pmovsxwq",
  "pmovsxdq",
  "pmovzxbw",
  "pmovzxbd",
  "pmovzxbq",
  "pmovzxwd",
  "pmovzxwq",
  "pmovzxdq",
  "pmuldq",
  "pmulld",
  "ptest",
  "roundpd",
  "roundps",
  "roundsd",
  "roundss",
  "pcmpestri",
  "pcmpestrm",
  "pcmpistri",
  "pcmpistrm",
  "pcmpgtq",
  "crc32b",
  "crc32w",
  "crc32l",
  "crc32q",
  "popcnt",
  "lzcnt",
  "tzcnt",
  "movbe",
  // BMI1/2, ADX, AES, PCLMUL, SHA, RDRAND
  "andn",
  "bextr",
  "blsi",
  "blsmsk",
  "blsr",
  "bzhi",
  "mulx",
  "pdep",
  "pext",
  "rorx",
  "sarx",
  "shlx",
  "shrx",
  "adcx",
  "adox",
  "aesenc",
  "aesenclast",
  "aesdec",
  "aesdeclast",
  "aesimc",
  "aeskeygenassist",
  "pclmulqdq",
  "sha1rnds4",
  "sha256rnds2",
  "rdrand",
  "rdseed",
]);

/** Instructions of `lib` beyond the baseline: [{ address, text }]. */
async function beyondBaseline(lib) {
  const r = await run("objdump", ["-d", "--no-show-raw-insn", lib], { timeout: 30_000 }); // ~0.2 s
  if (r.status !== 0) throw new Error(`objdump failed: ${r.stderr}`);
  const found = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^\s*([0-9a-f]+):\s+(\S+)\s*(.*)$/.exec(line);
    if (!m) continue;
    const [, address, mnemonic, operands] = m;
    const vector = /%[yz]mm\d|%k[0-7]\b/.test(operands);
    const vex = /^v/.test(mnemonic) && !["verr", "verw"].includes(mnemonic);
    if (vector || vex || BEYOND_BASELINE.has(mnemonic)) found.push({ address, text: `${mnemonic} ${operands}`.trim() });
  }
  return found;
}

t.test("the library holds no instruction beyond x86-64 baseline", async (t) => {
  const found = await beyondBaseline(LIB);
  t.same(found.slice(0, 10), [], `${found.length} instructions beyond baseline in ${LIB}`);
  t.end();
});

t.test("the check finds AVX in a library built for a CPU that has it", async (t) => {
  // Build for an explicit AVX2 CPU into a scratch prefix: the check must see its instructions.
  const prefix = join(ROOT, "zig-out", "check-avx2");
  const r = await run("bash", ["scripts/zig.sh", "build", "-Dcpu=haswell", "--prefix", prefix], { timeout: 100_000 });
  t.equal(r.status, 0, "the haswell build succeeds", { output: r.stderr.slice(-1000) });
  const found = await beyondBaseline(join(prefix, "lib/libvmprof.so"));
  t.ok(found.length > 0, `a haswell build holds ${found.length} instructions beyond baseline`);
  t.end();
});
