//! The musl check (issue 14): a program built for <arch>-linux-musl that loads libvmprof.so
//! built for the same target with dlopen, samples a spin loop on two threads (the one that
//! enables and one more that registers itself), and checks the log the library wrote: each
//! thread has samples, and most of them have probe_spin as the leaf and probe_work below it
//! (named by dladdr: the program is linked with -rdynamic). No runtime is involved: Bun's musl
//! build wants Alpine's libstdc++ and Deno has none. Prints one line; exits 0 when it holds.
//! Usage: probe LIBRARY LOG [CPU_MS_PER_THREAD]
const std = @import("std");
const linux = std.os.linux;

const Dl_info = extern struct {
    fname: ?[*:0]const u8,
    fbase: ?*anyopaque,
    sname: ?[*:0]const u8,
    saddr: ?*anyopaque,
};
extern "c" fn dladdr(addr: ?*const anyopaque, info: *Dl_info) c_int;

// The ABI of zig/root.zig, as lib/contract.ts spells it.
const abi_version: u32 = 1;
const config_size = 1320;
const config_period_ns = 8;
const config_path = 296;
const sp_word_tag: u64 = 1 << 51;
const llint_tag: u64 = 1 << 52;

const EnableFn = *const fn (cfg: *const anyopaque) callconv(.c) c_int;
const VoidFn = *const fn () callconv(.c) c_int;
const LastErrorFn = *const fn (out: [*]u8, size: usize) callconv(.c) usize;

var register_thread: VoidFn = undefined;
var worker_tid = std.atomic.Value(u64).init(0);
var worker_failed = std.atomic.Value(bool).init(false);

export fn probe_spin(seed: u64) u64 {
    var x = seed;
    var i: u32 = 0;
    while (i < 100_000) : (i += 1) x = x *% 6364136223846793005 +% 1442695040888963407;
    return x;
}

/// Spins until this thread has used `cpu_ns` of CPU time.
export fn probe_work(cpu_ns: u64) u64 {
    const start = threadCpuNs();
    var x: u64 = 1;
    while (threadCpuNs() - start < cpu_ns) x = @call(.never_inline, probe_spin, .{x});
    return x;
}

fn threadCpuNs() u64 {
    var ts: linux.timespec = undefined;
    _ = linux.clock_gettime(.THREAD_CPUTIME_ID, &ts);
    return @as(u64, @intCast(ts.sec)) * std.time.ns_per_s + @as(u64, @intCast(ts.nsec));
}

fn worker(cpu_ns: u64) void {
    worker_tid.store(@intCast(linux.gettid()), .release);
    if (register_thread() != 0) worker_failed.store(true, .release);
    std.mem.doNotOptimizeAway(@call(.never_inline, probe_work, .{cpu_ns}));
}

/// The dynamic symbol an address falls in ("" when none); tagged words are untagged first.
fn symbolOf(frame: u64) []const u8 {
    const addr = if (frame >= llint_tag) return "" else if (frame >= sp_word_tag) frame - sp_word_tag else frame;
    var info: Dl_info = undefined;
    if (addr == 0 or dladdr(@ptrFromInt(addr), &info) == 0) return "";
    return if (info.sname) |s| std.mem.span(s) else "";
}

const Counts = struct { tid: u64, samples: u64 = 0, spin_leaf: u64 = 0, work_below: u64 = 0 };

fn word(b: []const u8, i: usize) u64 {
    return std.mem.readInt(u64, b[i..][0..8], .little);
}

fn fail(comptime fmt: []const u8, args: anytype) u8 {
    std.debug.print("musl probe: FAIL " ++ fmt ++ "\n", args);
    return 1;
}

pub fn main() !u8 {
    const alloc = std.heap.page_allocator;
    const args = try std.process.argsAlloc(alloc);
    if (args.len < 3) return fail("usage: probe LIBRARY LOG [CPU_MS_PER_THREAD]", .{});
    const cpu_ms: u64 = if (args.len > 3) try std.fmt.parseInt(u64, args[3], 10) else 400;

    var lib = std.DynLib.open(args[1]) catch |e| return fail("cannot dlopen {s}: {s}", .{ args[1], @errorName(e) });
    const enable = lib.lookup(EnableFn, "vmprof_enable") orelse return fail("no vmprof_enable", .{});
    const disable = lib.lookup(VoidFn, "vmprof_disable") orelse return fail("no vmprof_disable", .{});
    const last_error = lib.lookup(LastErrorFn, "vmprof_last_error") orelse return fail("no vmprof_last_error", .{});
    register_thread = lib.lookup(VoidFn, "vmprof_register_thread") orelse return fail("no vmprof_register_thread", .{});

    var cfg: [config_size]u8 align(8) = @splat(0);
    std.mem.writeInt(u32, cfg[0..4], abi_version, .little);
    std.mem.writeInt(u64, cfg[config_period_ns..][0..8], 1_000_000, .little); // 1 ms of CPU time
    @memcpy(cfg[config_path..][0..args[2].len], args[2]);
    std.fs.cwd().deleteFile(args[2]) catch {};

    var why: [512]u8 = undefined;
    if (enable(&cfg) != 0) return fail("vmprof_enable: {s}", .{why[0..last_error(&why, why.len)]});
    const main_tid: u64 = @intCast(linux.gettid());
    const thread = try std.Thread.spawn(.{}, worker, .{cpu_ms * std.time.ns_per_ms});
    std.mem.doNotOptimizeAway(@call(.never_inline, probe_work, .{cpu_ms * std.time.ns_per_ms}));
    thread.join();
    if (disable() != 0) return fail("vmprof_disable: {s}", .{why[0..last_error(&why, why.len)]});
    if (worker_failed.load(.acquire)) return fail("vmprof_register_thread failed on the second thread", .{});

    const log = try std.fs.cwd().readFileAlloc(alloc, args[2], 64 << 20);
    var threads = [_]Counts{ .{ .tid = main_tid }, .{ .tid = worker_tid.load(.acquire) } };
    var at: usize = 0;
    var trailer = false;
    while (at < log.len) {
        switch (log[at]) {
            0x01 => {
                const depth = word(log, at + 9);
                const frames = log[at + 17 ..][0 .. 8 * depth];
                const tid = word(log, at + 17 + 8 * depth);
                at += 1 + 16 + 8 * depth + 8;
                for (&threads) |*c| {
                    if (c.tid != tid) continue;
                    c.samples += 1;
                    if (depth > 0 and std.mem.eql(u8, symbolOf(word(frames, 0)), "probe_spin")) c.spin_leaf += 1;
                    var i: usize = 1;
                    while (i < depth) : (i += 1) {
                        if (std.mem.eql(u8, symbolOf(word(frames, 8 * i)), "probe_work")) {
                            c.work_below += 1;
                            break;
                        }
                    }
                }
            },
            0x07 => at += 1 + 8 + word(log, at + 1) + 8 + word(log, at + 9 + word(log, at + 1)),
            0x03 => {
                trailer = true;
                at += 25;
            },
            else => return fail("unknown record 0x{x:0>2} at byte {d}", .{ log[at], at }),
        }
    }
    std.debug.print("musl probe: {s} {d} bytes; main thread {d} samples ({d} leaf probe_spin, {d} probe_work below), second thread {d} ({d}, {d})\n", .{
        args[1], log.len, threads[0].samples, threads[0].spin_leaf, threads[0].work_below, threads[1].samples, threads[1].spin_leaf, threads[1].work_below,
    });
    if (!trailer) return fail("the log has no trailer", .{});
    // 1 ms period: ~250 timer expirations a second of CPU time (HZ=250). Ask for a fifth of that.
    const want = cpu_ms / 20;
    for (threads, [_][]const u8{ "main", "second" }) |c, name| {
        if (c.samples < want) return fail("{s} thread: {d} samples, want >= {d}", .{ name, c.samples, want });
        if (c.spin_leaf * 10 < c.samples * 8) return fail("{s} thread: probe_spin is the leaf of {d} of {d} samples", .{ name, c.spin_leaf, c.samples });
        if (c.work_below * 10 < c.samples * 8) return fail("{s} thread: probe_work under {d} of {d} samples", .{ name, c.work_below, c.samples });
    }
    std.debug.print("musl probe: ok\n", .{});
    return 0;
}
