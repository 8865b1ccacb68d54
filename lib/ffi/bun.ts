// Binds libvmprof with bun:ffi.
// @ts-ignore: bun:ffi only resolves under Bun; this file is only imported there.
import { dlopen, FFIType } from "bun:ffi";
import type { RawSymbols } from "./native.ts";

export function open(path: string): RawSymbols {
  const lib = dlopen(path, {
    vmprof_abi_version: { args: [], returns: FFIType.u32 },
    vmprof_enable: { args: [FFIType.ptr], returns: FFIType.i32 },
    vmprof_disable: { args: [], returns: FFIType.i32 },
    vmprof_is_enabled: { args: [], returns: FFIType.i32 },
    vmprof_register_thread: { args: [], returns: FFIType.i32 },
    vmprof_stop_sampling: { args: [], returns: FFIType.i32 },
    vmprof_start_sampling: { args: [], returns: FFIType.i32 },
    vmprof_stats: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.i32 },
    vmprof_last_error: { args: [FFIType.ptr, FFIType.u64], returns: FFIType.u64 },
  });
  const s = lib.symbols;
  return {
    vmprof_abi_version: () => s.vmprof_abi_version(),
    vmprof_enable: (c: Uint8Array) => s.vmprof_enable(c),
    vmprof_disable: () => s.vmprof_disable(),
    vmprof_is_enabled: () => s.vmprof_is_enabled(),
    vmprof_register_thread: () => s.vmprof_register_thread(),
    vmprof_stop_sampling: () => s.vmprof_stop_sampling(),
    vmprof_start_sampling: () => s.vmprof_start_sampling(),
    vmprof_stats: (out: Uint8Array, n: number) => s.vmprof_stats(out, n),
    vmprof_last_error: (out: Uint8Array, n: number) => Number(s.vmprof_last_error(out, n)),
    close: () => lib.close(),
  };
}
