// The one interface to the native sampler, whatever the runtime: encodes the Config struct,
// decodes the Stats struct, and turns result codes into VmprofErrors. Adapters (deno.ts,
// bun.ts) only bind the raw C symbols described by `RawSymbols`.
import { VmprofError } from "../errors.ts";
import {
  ABI_VERSION,
  CONFIG,
  CONFIG_SIZE,
  SAMPLER_FLAGS,
  SAMPLER_RESULTS,
  STATS,
  STATS_COUNTERS,
  STATS_SIZE,
} from "../contract.ts";

/** The C functions exported by zig/root.zig, as both adapters bind them. */
export interface RawSymbols {
  vmprof_abi_version(): number;
  vmprof_enable(config: Uint8Array): number;
  vmprof_disable(): number;
  vmprof_is_enabled(): number;
  vmprof_register_thread(): number;
  vmprof_stop_sampling(): number;
  vmprof_start_sampling(): number;
  vmprof_stats(out: Uint8Array, size: number): number;
  vmprof_last_error(out: Uint8Array, size: number): number;
  /** Unloads the library (its destructor stops any timer still running). */
  close(): void;
}

export interface NativeConfig {
  /** Log file the native side appends stack records, META and the trailer to. */
  path: string;
  periodNs: number;
  realTime?: boolean;
  memory?: boolean;
  allThreads?: boolean;
  /** Thread-name prefixes whose threads are sampled besides the enabling thread. */
  threadNames?: string[];
  /** JSC interpreter code range and the frame slot that identifies an LLInt frame. */
  llint?: { lo: number; hi: number; offset: number };
}

export interface NativeStats {
  signals: number;
  samples: number;
  weight: number;
  dropped: number;
  shallow: number;
  truncated: number;
  foreign: number;
  records: number;
  bytes: number;
  writeErrors: number;
  llintFrames: number;
  handlerNs: number;
  flusherNs: number;
  threads: number;
  threadsActive: number;
}

export function encodeConfig(c: NativeConfig): Uint8Array {
  const buf = new Uint8Array(CONFIG_SIZE);
  const v = new DataView(buf.buffer);
  const flags = (c.realTime ? SAMPLER_FLAGS.realTime : 0) | (c.memory ? SAMPLER_FLAGS.memory : 0) |
    (c.allThreads ? SAMPLER_FLAGS.allThreads : 0);
  v.setUint32(CONFIG.abi, ABI_VERSION, true);
  v.setUint32(CONFIG.flags, flags, true);
  v.setBigUint64(CONFIG.periodNs, BigInt(Math.round(c.periodNs)), true);
  v.setBigUint64(CONFIG.llintLo, BigInt(c.llint?.lo ?? 0), true);
  v.setBigUint64(CONFIG.llintHi, BigInt(c.llint?.hi ?? 0), true);
  v.setUint32(CONFIG.llintOffset, c.llint?.offset ?? 0, true);
  putCString(buf, CONFIG.threadNames, (c.threadNames ?? []).join(","), "thread names");
  putCString(buf, CONFIG.path, c.path, "log path");
  return buf;
}

function putCString(buf: Uint8Array, { at, size }: { at: number; size: number }, s: string, what: string) {
  const bytes = new TextEncoder().encode(s);
  if (bytes.length >= size || bytes.includes(0)) {
    throw new VmprofError("BAD_OPTION", `${what} is too long (${bytes.length} bytes, max ${size - 1})`);
  }
  buf.set(bytes, at);
}

export function decodeStats(buf: Uint8Array): NativeStats {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const abi = v.getUint32(STATS.abi, true), size = v.getUint32(STATS.size, true);
  if (abi !== ABI_VERSION || size !== STATS_SIZE) {
    throw new VmprofError("NATIVE", `stats layout mismatch (abi ${abi}, size ${size}): rebuild the library`);
  }
  const out: Record<string, number> = {};
  STATS_COUNTERS.forEach((k, i) => out[k] = Number(v.getBigUint64(STATS.counters + 8 * i, true)));
  out.threads = v.getUint32(STATS.threads, true);
  out.threadsActive = v.getUint32(STATS.threadsActive, true);
  return out as unknown as NativeStats;
}

/** The sampler as the rest of lib/ sees it. */
export class Native {
  constructor(private raw: RawSymbols, readonly path: string) {
    const abi = raw.vmprof_abi_version();
    if (abi !== ABI_VERSION) {
      raw.close();
      throw new VmprofError(
        "NO_LIBRARY",
        `${path} has ABI ${abi}, this vmprof-js expects ${ABI_VERSION}: rebuild it with \`npm run build\``,
      );
    }
  }

  private check(rc: number, what: string): void {
    if (rc === 0) return;
    const msg = new Uint8Array(256);
    const n = Number(this.raw.vmprof_last_error(msg, msg.length));
    const text = new TextDecoder().decode(msg.subarray(0, n));
    const name = SAMPLER_RESULTS[rc] ?? `error ${rc}`;
    const code = name === "already_enabled" ? "ALREADY_ENABLED" : name === "not_enabled" ? "NOT_ENABLED" : "NATIVE";
    throw new VmprofError(code, `${what}: ${text || name}`);
  }

  enable(c: NativeConfig): void {
    this.check(this.raw.vmprof_enable(encodeConfig(c)), "enable");
  }
  disable(): void {
    this.check(this.raw.vmprof_disable(), "disable");
  }
  isEnabled(): boolean {
    return this.raw.vmprof_is_enabled() !== 0;
  }
  registerThread(): void {
    this.check(this.raw.vmprof_register_thread(), "registerThread");
  }
  stopSampling(): number {
    return this.raw.vmprof_stop_sampling();
  }
  startSampling(): number {
    return this.raw.vmprof_start_sampling();
  }
  stats(): NativeStats {
    const buf = new Uint8Array(STATS_SIZE);
    this.check(this.raw.vmprof_stats(buf, buf.length), "stats");
    return decodeStats(buf);
  }
  close(): void {
    this.raw.close();
  }
}
