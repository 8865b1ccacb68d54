//! The C ABI of libvmprof and nothing else: every export is a thin call into sampler.zig,
//! results cross as a small integer enum, no Zig error escapes. Config and Stats travel as
//! fixed-layout structs through caller-owned buffers (layouts asserted in sampler.zig).
const std = @import("std");
const sampler = @import("sampler.zig");

pub const Result = sampler.Result;

/// ABI version; TS refuses a library whose version differs from its own.
export fn vmprof_abi_version() u32 {
    return sampler.abi_version;
}

/// Start sampling into the log named in `cfg` (see sampler.Config).
export fn vmprof_enable(cfg: *const sampler.Config) Result {
    return sampler.enable(cfg);
}

/// Stop every timer, drain the ring, write drops, thread names and the trailer, close the log.
export fn vmprof_disable() Result {
    return sampler.disable();
}

export fn vmprof_is_enabled() c_int {
    return @intFromBool(sampler.isEnabled());
}

/// Sample the calling thread too (threads are otherwise found by name).
export fn vmprof_register_thread() Result {
    return sampler.registerCurrentThread();
}

/// vmprof's counter semantics: stop increments, start decrements; samples while it is 0.
export fn vmprof_stop_sampling() c_int {
    return sampler.stopSampling();
}

export fn vmprof_start_sampling() c_int {
    return sampler.startSampling();
}

/// Copies the counters into `out`, which must hold `size` >= @sizeOf(Stats) bytes.
export fn vmprof_stats(out: [*]u8, size: usize) Result {
    if (size < @sizeOf(sampler.Stats)) return .bad_config;
    var s: sampler.Stats = undefined;
    sampler.copyStats(&s);
    @memcpy(out[0..@sizeOf(sampler.Stats)], std.mem.asBytes(&s));
    return .ok;
}

/// Copies the message of the last failure into `out` (truncated, not NUL-terminated);
/// returns its length.
export fn vmprof_last_error(out: [*]u8, size: usize) usize {
    const msg = sampler.lastError();
    const n = @min(msg.len, size);
    @memcpy(out[0..n], msg[0..n]);
    return n;
}

/// Runs when the library is unloaded or the process exits through libc exit() (e.g. an
/// uncaught exception in Deno, where no JS hook runs): stop the timers and finish the log.
fn fini() callconv(.c) void {
    sampler.unload();
}
export const vmprof_fini_entry linksection(".fini_array") = &fini;

test {
    _ = @import("ring.zig");
    _ = @import("record.zig");
    _ = @import("procfs.zig");
    _ = @import("sys.zig");
    _ = @import("walk.zig");
    _ = @import("pkeys.zig");
    _ = @import("perfmap.zig");
    _ = sampler;
}
