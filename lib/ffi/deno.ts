// Binds libvmprof with Deno.dlopen.
import type { RawSymbols } from "./native.ts";

export function open(path: string): RawSymbols {
  const lib = Deno.dlopen(
    path,
    {
      vmprof_abi_version: { parameters: [], result: "u32" },
      vmprof_enable: { parameters: ["buffer"], result: "i32" },
      vmprof_disable: { parameters: [], result: "i32" },
      vmprof_is_enabled: { parameters: [], result: "i32" },
      vmprof_register_thread: { parameters: [], result: "i32" },
      vmprof_stop_sampling: { parameters: [], result: "i32" },
      vmprof_start_sampling: { parameters: [], result: "i32" },
      vmprof_stats: { parameters: ["buffer", "usize"], result: "i32" },
      vmprof_last_error: { parameters: ["buffer", "usize"], result: "usize" },
    } as const,
  );
  const s = lib.symbols;
  return {
    vmprof_abi_version: () => s.vmprof_abi_version(),
    vmprof_enable: (c) => s.vmprof_enable(c as Uint8Array<ArrayBuffer>),
    vmprof_disable: () => s.vmprof_disable(),
    vmprof_is_enabled: () => s.vmprof_is_enabled(),
    vmprof_register_thread: () => s.vmprof_register_thread(),
    vmprof_stop_sampling: () => s.vmprof_stop_sampling(),
    vmprof_start_sampling: () => s.vmprof_start_sampling(),
    vmprof_stats: (out, n) => s.vmprof_stats(out as Uint8Array<ArrayBuffer>, BigInt(n)),
    vmprof_last_error: (out, n) => Number(s.vmprof_last_error(out as Uint8Array<ArrayBuffer>, BigInt(n))),
    close: () => lib.close(),
  };
}
