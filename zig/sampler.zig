//! The sampler: per-thread POSIX timers, the SIGPROF handler that walks frame pointers into
//! the ring, and the flusher thread that turns ring slots into vmprof stack records.
//!
//! Lifecycle: enable() opens the log, maps the ring, installs the handler once, registers the
//! calling thread and starts the flusher (which also finds new JS threads by name and gives
//! them timers). disable() deletes every timer, waits until no handler is running, lets the
//! flusher drain the ring, writes META (drops, thread names) and the trailer, and closes the
//! log. The handler stays installed while the library is loaded (a pending SIGPROF must never
//! meet SIG_DFL); unload() puts the previous handler back.
const std = @import("std");
const builtin = @import("builtin");
const posix = std.posix;
const linux = std.os.linux;
const assert = std.debug.assert;

const ring_mod = @import("ring.zig");
const record = @import("record.zig");
const sys = @import("sys.zig");
const procfs = @import("procfs.zig");
const walk_mod = @import("walk.zig");
const pkeys = @import("pkeys.zig");
const perfmap = @import("perfmap.zig");
const Ring = ring_mod.Ring;
const Slot = ring_mod.Slot;

comptime {
    if ((builtin.cpu.arch != .x86_64 and builtin.cpu.arch != .aarch64) or builtin.os.tag != .linux)
        @compileError("vmprof-js samples x86_64 and aarch64 Linux only (register offsets, frame layout)");
}

// ---------------------------------------------------------------- types shared with TS

pub const Result = enum(c_int) {
    ok = 0,
    already_enabled = 1,
    not_enabled = 2,
    bad_config = 3,
    open_failed = 4,
    mmap_failed = 5,
    timer_failed = 6,
    thread_failed = 7,
    too_many_threads = 8,
    no_stack = 9,
    signal_failed = 10,
};

pub const Flags = struct {
    /// Wall-clock timers (CLOCK_MONOTONIC) instead of each thread's CPU-time clock.
    pub const real_time: u32 = 1;
    /// Add the resident set size (kB) to every stack record.
    pub const memory: u32 = 2;
    /// Sample every thread of the process, not only those whose names match.
    pub const all_threads: u32 = 4;
};

pub const abi_version: u32 = 1;

/// What TS passes to enable(). Layout asserted here and checked again from TS.
pub const Config = extern struct {
    abi: u32,
    flags: u32,
    period_ns: u64,
    /// Return addresses in [llint_lo, llint_hi) belong to an interpreter shared by all
    /// functions (JSC's LLInt): for such a frame record the word at fp + llint_offset of the
    /// frame that owns the pc (tagged with walk.llint_tag) instead of the pc. 0..0 disables.
    llint_lo: u64,
    llint_hi: u64,
    llint_offset: u32,
    _pad: u32,
    /// Comma-separated thread-name prefixes to sample besides the calling thread ("worker-").
    thread_names: [256]u8,
    /// NUL-terminated path of the log; records are appended.
    path: [1024]u8,
};

comptime {
    assert(@sizeOf(Config) == 1320);
    assert(@offsetOf(Config, "period_ns") == 8);
    assert(@offsetOf(Config, "llint_lo") == 16);
    assert(@offsetOf(Config, "llint_offset") == 32);
    assert(@offsetOf(Config, "thread_names") == 40);
    assert(@offsetOf(Config, "path") == 296);
}

/// Counters, copied out to TS by stats(). Layout asserted here and checked again from TS.
pub const Stats = extern struct {
    abi: u32 = abi_version,
    size: u32 = @sizeOf(Stats),
    /// Our timer signals that arrived while enabled.
    signals: u64 = 0,
    /// Samples published to the ring, and the timer periods they stand for.
    samples: u64 = 0,
    weight: u64 = 0,
    /// Timer periods lost because the ring was full.
    dropped: u64 = 0,
    /// Samples with only the leaf frame (stack bounds not known yet, or sp off the stack).
    shallow: u64 = 0,
    /// Samples cut at max_depth.
    truncated: u64 = 0,
    /// SIGPROFs that were not ours and went to the previous handler.
    foreign: u64 = 0,
    /// Stack records and bytes written to the log.
    records: u64 = 0,
    bytes: u64 = 0,
    write_errors: u64 = 0,
    /// Frames recorded from JSC interpreter (LLInt) frame slots instead of a pc.
    llint_frames: u64 = 0,
    /// Time spent inside the signal handler (our timers' signals), and the flusher thread's
    /// CPU time: the sampler's own cost, without the noise of timing the whole program.
    handler_ns: u64 = 0,
    flusher_ns: u64 = 0,
    /// Threads ever registered, and those with a live timer.
    threads: u32 = 0,
    threads_active: u32 = 0,
};

comptime {
    assert(@sizeOf(Stats) == 120);
    assert(@offsetOf(Stats, "signals") == 8);
    assert(@offsetOf(Stats, "dropped") == 32);
    assert(@offsetOf(Stats, "records") == 64);
    assert(@offsetOf(Stats, "llint_frames") == 88);
    assert(@offsetOf(Stats, "handler_ns") == 96);
    assert(@offsetOf(Stats, "threads") == 112);
}

// ---------------------------------------------------------------- state

const max_threads = 256;
const ring_slots: usize = @import("build_options").ring_slots; // 512 by default: 4 MiB of 8 KiB slots
comptime {
    assert(ring_slots >= 2 and std.math.isPowerOfTwo(ring_slots));
}
const flush_interval_ns = 10 * std.time.ns_per_ms;
const scan_every_ticks = 5; // look for new threads every 50 ms
// Records are drained from the ring every tick but written every 50 ms (or when the buffer is
// half full): one write(2) of ~10 KB instead of five of ~2 KB. With threadAlive() by tgkill
// instead of a /proc path lookup, the flusher's CPU per sample fell from 5.9 to 4.4 us on Deno
// and 6.9 to 5.8 us on Bun (terser, 4 interleaved runs each). At most 50 ms of samples wait
// in memory; disable() and the library's destructor write them out.
const write_every_ticks = 5;
const max_weight = 1000;

/// Marks our timers' sigev_value: high bits a constant, low 16 bits the thread index.
const magic: usize = 0x766d_7066_0000;
const magic_mask: usize = ~@as(usize, 0xffff);
const SI_TIMER: i32 = -2;

const ThreadState = enum(u8) { empty, active, gone };

const Thread = struct {
    tid: std.atomic.Value(i32) = .init(0),
    state: std.atomic.Value(ThreadState) = .init(.empty),
    timer: i32 = -1,
    /// Readable stack range; 0,0 until known. The handler only reads inside it.
    stack_lo: std.atomic.Value(usize) = .init(0),
    stack_hi: std.atomic.Value(usize) = .init(0),
    /// An sp the handler saw while bounds were unknown, for the flusher to look up.
    seen_sp: std.atomic.Value(usize) = .init(0),
    name: [16]u8 = .{0} ** 16,
    name_len: u8 = 0,
};

var threads: [max_threads]Thread = [_]Thread{.{}} ** max_threads;
var n_threads: std.atomic.Value(u32) = .init(0);

var enabled: std.atomic.Value(bool) = .init(false);
var in_handler: std.atomic.Value(u32) = .init(0);
var paused: std.atomic.Value(i32) = .init(0);
var stats: Stats = .{};

var config: Config = undefined;
var ring: Ring = undefined;
var region: ?[]align(std.heap.page_size_min) u8 = null;
var log_fd: i32 = -1;
var statm_fd: i32 = -1;
var flusher: ?std.Thread = null;
var stop_flusher: std.atomic.Value(bool) = .init(false);
/// Guards enable/disable/register (never taken by the handler).
var lock: std.Thread.Mutex = .{};

/// The program binary's text, for returnsIntoLibffiCall (set in enable, before any signal).
var program_text: [8]procfs.Range = undefined;
var program_text_len: usize = 0;

var handler_installed = false;
var previous_action: posix.Sigaction = undefined;

var last_error_buf: [256]u8 = undefined;
var last_error_len: usize = 0;

fn fail(r: Result, comptime fmt: []const u8, args: anytype) Result {
    const msg = std.fmt.bufPrint(&last_error_buf, fmt, args) catch last_error_buf[0..];
    last_error_len = msg.len;
    return r;
}

pub fn lastError() []const u8 {
    return last_error_buf[0..last_error_len];
}

fn bump(field: *u64, by: u64) void {
    _ = @atomicRmw(u64, field, .Add, by, .monotonic);
}

pub fn copyStats(dest: *Stats) void {
    inline for (std.meta.fields(Stats)) |f| {
        @field(dest, f.name) = @atomicLoad(f.type, &@field(stats, f.name), .monotonic);
    }
}

pub fn isEnabled() bool {
    return enabled.load(.acquire);
}

// ---------------------------------------------------------------- signal handler

fn onSignal(sig: i32, info: *const posix.siginfo_t, ctx: ?*anyopaque) callconv(.c) void {
    const errno_ptr = std.c._errno();
    const saved_errno = errno_ptr.*;
    defer errno_ptr.* = saved_errno;

    const value: usize = @intFromPtr(info.fields.common.second.value.ptr);
    if (info.code != SI_TIMER or value & magic_mask != magic) {
        chain(sig, info, ctx);
        return;
    }
    _ = in_handler.fetchAdd(1, .seq_cst);
    defer _ = in_handler.fetchSub(1, .seq_cst);
    if (!enabled.load(.seq_cst)) return; // a signal still pending after disable()
    const started = monotonicNs();
    defer bump(&stats.handler_ns, monotonicNs() -% started);
    bump(&stats.signals, 1);
    if (paused.load(.monotonic) > 0) return;

    const index = value & 0xffff;
    if (index >= max_threads) return;
    const t = &threads[index];
    if (t.state.load(.acquire) != .active) return;
    // A timer can outlive its thread; never walk another thread's stack with its bounds.
    if (t.tid.load(.monotonic) != linux.gettid()) return;

    const overrun: u32 = @intCast(@max(info.fields.common.first.timer.overrun, 0));
    const weight = @min(1 + overrun, max_weight);
    const slot = ring.claim() orelse {
        bump(&stats.dropped, weight);
        return;
    };
    slot.tid = @intCast(t.tid.load(.monotonic));
    slot.weight = weight;
    slot.flags = 0;
    const regs = walk_mod.registersOf(@ptrCast(@alignCast(ctx.?)));
    const cx = walk_mod.Context{
        .lo = t.stack_lo.load(.acquire),
        .hi = t.stack_hi.load(.acquire),
        .llint_lo = config.llint_lo,
        .llint_hi = config.llint_hi,
        .llint_offset = config.llint_offset,
        .program_text = program_text[0..program_text_len],
    };
    // For the flusher to look up: a thread without bounds yet, or one whose stack grew below
    // the bounds read when it was registered (the main thread's stack grows on demand: a deep
    // recursion runs below them, and every sample there kept only its leaf).
    if (cx.hi == 0 or regs.sp < cx.lo) t.seen_sp.store(regs.sp, .release);
    // The walk reads what the interrupted code could read (pkeys.zig): widen the PKRU the
    // kernel gave this handler for the reads, and put it back before anything else runs.
    const saved_pkru = pkeys.widenReads();
    const o = walk_mod.walk(&cx, regs, &slot.frames);
    pkeys.restore(saved_pkru);
    assert(o.depth >= 1 and o.depth <= ring_mod.max_depth);
    slot.depth = o.depth;
    if (o.shallow) bump(&stats.shallow, 1);
    if (o.truncated) {
        slot.flags |= ring_mod.SlotFlags.truncated;
        bump(&stats.truncated, 1);
    }
    if (o.llint_frames > 0) bump(&stats.llint_frames, o.llint_frames);
    ring.publish(slot);
    bump(&stats.samples, 1);
    bump(&stats.weight, weight);
}

/// CLOCK_MONOTONIC in ns (vDSO, async-signal-safe); 0 if the clock fails.
fn monotonicNs() u64 {
    const ts = std.posix.clock_gettime(.MONOTONIC) catch return 0;
    return @as(u64, @intCast(ts.sec)) * std.time.ns_per_s + @as(u64, @intCast(ts.nsec));
}

/// The siginfo of each signal being passed on by chain(), one slot per thread doing so.
var chaining: [16]std.atomic.Value(usize) = @splat(.init(0));

fn chain(sig: i32, info: *const posix.siginfo_t, ctx: ?*anyopaque) void {
    // A handler that itself chains to the one it replaced (Deno's signal listeners do), put
    // before ours and then under ours again by reclaimHandler, makes a cycle: theirs calls us
    // with the same siginfo. Each signal is passed on once; a second arrival ends the cycle.
    const key = @intFromPtr(info);
    for (&chaining) |*c| if (c.load(.acquire) == key) return;
    const slot = for (&chaining) |*c| {
        if (c.cmpxchgStrong(0, key, .acq_rel, .acquire) == null) break c;
    } else return; // 16 threads passing signals on at once: drop this one rather than risk a cycle
    defer slot.store(0, .release);
    bump(&stats.foreign, 1);
    const prev = previous_action;
    if (prev.flags & posix.SA.SIGINFO != 0) {
        if (prev.handler.sigaction) |f| {
            if (f != &onSignal) f(sig, info, ctx);
        }
    } else if (prev.handler.handler) |f| {
        if (f != posix.SIG.DFL and f != posix.SIG.IGN) f(sig);
    }
}

fn installHandler() Result {
    var current: posix.Sigaction = undefined;
    posix.sigaction(posix.SIG.PROF, null, &current);
    const ours = current.flags & posix.SA.SIGINFO != 0 and current.handler.sigaction == &onSignal;
    if (ours) return .ok;
    // Someone replaced us (e.g. node:inspector's profiler) or this is the first time:
    // remember theirs to chain to, never ourselves.
    const act = posix.Sigaction{
        .handler = .{ .sigaction = &onSignal },
        .mask = posix.sigemptyset(),
        .flags = posix.SA.SIGINFO | posix.SA.RESTART | posix.SA.ONSTACK,
    };
    previous_action = current;
    posix.sigaction(posix.SIG.PROF, &act, null);
    handler_installed = true;
    return .ok;
}

/// Times the flusher found another SIGPROF handler in place of ours and put ours back.
var handler_reclaims: u64 = 0;

/// Flusher, every tick: a program that installs a SIGPROF handler of its own after ours (Bun's
/// process.on("SIGPROF"), V8's inspector profiler) would get our timers' signals, and the
/// sampler none (Bun: a handler counted 79 signals where the program sent 20, and the profile
/// had 0 samples). Ours goes back in, chaining every signal that is not our timers' to theirs:
/// both keep working, but for the signals of at most one tick (10 ms).
fn reclaimHandler() void {
    var current: posix.Sigaction = undefined;
    posix.sigaction(posix.SIG.PROF, null, &current);
    if (current.flags & posix.SA.SIGINFO != 0 and current.handler.sigaction == &onSignal) return;
    lock.lock();
    defer lock.unlock();
    if (!enabled.load(.acquire)) return;
    // Our handler is not installed, so none of its runs reads previous_action while it changes.
    _ = installHandler();
    handler_reclaims += 1;
}

/// Puts the previous SIGPROF action back (SIG_IGN instead of SIG_DFL: a signal may still be
/// pending, and SIG_DFL would kill the process). Only called when the library is unloaded.
fn uninstallHandler() void {
    if (!handler_installed) return;
    var act = previous_action;
    if (act.flags & posix.SA.SIGINFO == 0 and act.handler.handler == posix.SIG.DFL) {
        act.handler = .{ .handler = posix.SIG.IGN };
    }
    posix.sigaction(posix.SIG.PROF, &act, null);
    handler_installed = false;
}

// ---------------------------------------------------------------- timers

const KSigevent = extern struct {
    value: usize,
    signo: i32,
    notify: i32,
    tid: i32,
    _pad: [11]i32 = .{0} ** 11,
};
const KTimespec = extern struct { sec: i64, nsec: i64 };
const KItimerspec = extern struct { interval: KTimespec, value: KTimespec };
comptime {
    assert(@sizeOf(KSigevent) == 64);
}
const SIGEV_THREAD_ID: i32 = 4;
const CLOCK_MONOTONIC: i32 = 1;

/// The CPU-time clock of any thread of this process (the kernel's MAKE_THREAD_CPUCLOCK).
fn threadCpuClock(tid: i32) i32 {
    return (~tid << 3) | 6;
}

fn startTimer(t: *Thread, index: usize) Result {
    const tid = t.tid.load(.monotonic);
    var sev = KSigevent{
        .value = magic | index,
        .signo = posix.SIG.PROF,
        .notify = SIGEV_THREAD_ID,
        .tid = tid,
    };
    const clock = if (config.flags & Flags.real_time != 0) CLOCK_MONOTONIC else threadCpuClock(tid);
    var id: i32 = -1;
    var rc = linux.syscall3(.timer_create, @bitCast(@as(isize, clock)), @intFromPtr(&sev), @intFromPtr(&id));
    if (linux.E.init(rc) != .SUCCESS)
        return fail(.timer_failed, "timer_create for thread {d} failed: {s}", .{ tid, @tagName(linux.E.init(rc)) });
    const period: i64 = @intCast(config.period_ns);
    const spec = KItimerspec{
        .interval = .{ .sec = @divTrunc(period, std.time.ns_per_s), .nsec = @mod(period, std.time.ns_per_s) },
        .value = .{ .sec = @divTrunc(period, std.time.ns_per_s), .nsec = @mod(period, std.time.ns_per_s) },
    };
    t.timer = id;
    rc = linux.syscall4(.timer_settime, @intCast(id), 0, @intFromPtr(&spec), 0);
    if (linux.E.init(rc) != .SUCCESS) {
        _ = linux.syscall1(.timer_delete, @intCast(id));
        t.timer = -1;
        return fail(.timer_failed, "timer_settime failed: {s}", .{@tagName(linux.E.init(rc))});
    }
    return .ok;
}

fn stopTimer(t: *Thread) void {
    if (t.timer >= 0) {
        _ = linux.syscall1(.timer_delete, @intCast(t.timer));
        t.timer = -1;
    }
    if (t.state.load(.acquire) == .active) {
        t.state.store(.gone, .release);
        _ = @atomicRmw(u32, &stats.threads_active, .Sub, 1, .monotonic);
    }
}

// ---------------------------------------------------------------- threads

fn findThread(tid: i32) ?usize {
    const n = n_threads.load(.acquire);
    for (threads[0..n], 0..) |*t, i| {
        if (t.tid.load(.monotonic) == tid and t.state.load(.acquire) == .active) return i;
    }
    return null;
}

/// Gives `tid` a timer. `bounds` is its stack range when the caller knows it (its own thread);
/// otherwise the handler reports an sp and the flusher looks the range up. Caller holds `lock`.
fn registerLocked(tid: i32, bounds: ?procfs.Range) Result {
    if (findThread(tid) != null) return .ok;
    const index = n_threads.load(.acquire);
    if (index >= max_threads) return fail(.too_many_threads, "more than {d} threads to sample", .{max_threads});
    const t = &threads[index];
    t.* = .{};
    t.tid.store(tid, .monotonic);
    if (procfs.threadName(tid, &t.name)) |name| t.name_len = @intCast(name.len);
    if (bounds) |b| {
        t.stack_lo.store(b.lo, .monotonic);
        t.stack_hi.store(b.hi, .monotonic);
    }
    t.state.store(.active, .release);
    n_threads.store(index + 1, .release);
    const r = startTimer(t, index);
    if (r != .ok) {
        t.state.store(.gone, .release);
        return r;
    }
    _ = @atomicRmw(u32, &stats.threads, .Add, 1, .monotonic);
    _ = @atomicRmw(u32, &stats.threads_active, .Add, 1, .monotonic);
    return .ok;
}

/// Registers the calling thread, whose stack is the one `register_current` runs on.
pub fn registerCurrentThread() Result {
    lock.lock();
    defer lock.unlock();
    if (!enabled.load(.acquire)) return fail(.not_enabled, "vmprof is not enabled", .{});
    return registerCurrentLocked();
}

fn registerCurrentLocked() Result {
    var probe: usize = 0;
    const here = @intFromPtr(&probe);
    std.mem.doNotOptimizeAway(&probe);
    const bounds = procfs.mappingContaining(here) orelse
        return fail(.no_stack, "cannot find the stack mapping of this thread", .{});
    return registerLocked(linux.gettid(), bounds);
}

fn nameMatches(name: []const u8) bool {
    if (config.flags & Flags.all_threads != 0) return true;
    const list = std.mem.sliceTo(&config.thread_names, 0);
    var it = std.mem.tokenizeScalar(u8, list, ',');
    while (it.next()) |prefix| {
        if (std.mem.startsWith(u8, name, prefix)) return true;
    }
    return false;
}

/// Threads whose names did not match, so that each scan does not read every name again.
/// A thread may be renamed just after it starts (a Web Worker), so a name is read again in
/// the first few scans after the thread is first seen.
const Rejected = struct { tid: i32, scans: u8 };
const rename_scans = 4;
var rejected: [128]Rejected = undefined;
var n_rejected: usize = 0;

fn visitThread(_: void, tid: i32) void {
    if (findThread(tid) != null) return;
    const seen: ?*Rejected = for (rejected[0..n_rejected]) |*r| {
        if (r.tid == tid) break r;
    } else null;
    if (seen) |r| {
        if (r.scans >= rename_scans) return;
        r.scans += 1;
    }
    var name_buf: [16]u8 = undefined;
    const name = procfs.threadName(tid, &name_buf) orelse return;
    if (!nameMatches(name)) {
        if (seen == null and n_rejected < rejected.len) {
            rejected[n_rejected] = .{ .tid = tid, .scans = 1 };
            n_rejected += 1;
        }
        return;
    }
    _ = registerLocked(tid, null);
}

/// Flusher: find new threads to sample and retire timers of threads that have exited.
fn scanThreads() void {
    lock.lock();
    defer lock.unlock();
    if (!enabled.load(.acquire)) return;
    const n = n_threads.load(.acquire);
    for (threads[0..n]) |*t| {
        if (t.state.load(.acquire) == .active and !procfs.threadAlive(t.tid.load(.monotonic))) stopTimer(t);
    }
    procfs.forEachThread({}, visitThread);
}

/// Flusher: look up the stack range of threads whose handler reported an sp: threads without
/// bounds, and threads whose sp is below their bounds. The latter get a lower `lo` only when
/// the sp lies in the same mapping as their stack, grown (the same top `hi`): an sp on another
/// stack (a signal stack, a fiber's) keeps the bounds, and its samples keep only their leaf.
fn resolveBounds() void {
    const n = n_threads.load(.acquire);
    for (threads[0..n]) |*t| {
        const sp = t.seen_sp.load(.acquire);
        if (sp == 0) continue;
        const hi = t.stack_hi.load(.acquire);
        if (hi != 0 and sp >= t.stack_lo.load(.acquire)) continue;
        const found = procfs.mappingContaining(sp);
        if (hi == 0) {
            if (found) |r| {
                t.stack_lo.store(r.lo, .release);
                t.stack_hi.store(r.hi, .release);
            }
            continue;
        }
        t.seen_sp.store(0, .release); // looked at: the handler reports again if it is still below
        if (found) |r| {
            if (r.hi == hi and r.lo < t.stack_lo.load(.acquire)) t.stack_lo.store(r.lo, .release);
        }
    }
}

// ---------------------------------------------------------------- flusher

var out_storage: [256 * 1024]u8 = undefined;
var out: record.Buffer = .{ .bytes = &out_storage };

fn writeOut() void {
    var done: usize = 0;
    while (done < out.len) {
        const n = sys.write(log_fd, out.bytes[done..out.len]) orelse {
            bump(&stats.write_errors, 1);
            break;
        };
        if (n == 0) break;
        done += n;
    }
    bump(&stats.bytes, done);
    out.len = 0;
}

/// Moves every published slot into `out` as `weight` identical stack records (vmprof's
/// reader requires count == 1, so a sample that stands for several periods is repeated).
fn drain(rss_kb: ?u64) void {
    while (ring.peek()) |slot| {
        const frames = slot.frames[0..slot.depth];
        // A stack cut at max_depth gets one more, outermost frame: the mark that outer frames are missing.
        const truncated = slot.flags & ring_mod.SlotFlags.truncated != 0;
        const size = record.stackSize(frames.len + @intFromBool(truncated), rss_kb != null);
        var k: u32 = 0;
        while (k < slot.weight) : (k += 1) {
            if (out.free() < size) writeOut();
            record.writeStack(&out, frames, slot.tid, rss_kb, truncated);
        }
        bump(&stats.records, slot.weight);
        ring.release(slot);
    }
}

fn recordFlusherCpu() void {
    const ts = std.posix.clock_gettime(.THREAD_CPUTIME_ID) catch return;
    @atomicStore(u64, &stats.flusher_ns, @as(u64, @intCast(ts.sec)) * std.time.ns_per_s + @as(u64, @intCast(ts.nsec)), .monotonic);
}

fn flusherMain() void {
    var tick: u64 = 0;
    while (true) {
        const stopping = stop_flusher.load(.acquire);
        const rss: ?u64 = if (config.flags & Flags.memory != 0) procfs.rssKb(statm_fd) else null;
        drain(rss);
        if (out.len > 0 and (stopping or tick % write_every_ticks == 0 or out.len >= out.bytes.len / 2)) writeOut();
        if (tick % write_every_ticks == 0) perfmap.flush(); // names for what the log holds
        resolveBounds();
        if (!stopping) reclaimHandler();
        recordFlusherCpu();
        if (stopping) break;
        if (tick % scan_every_ticks == 0) scanThreads();
        tick += 1;
        std.Thread.sleep(flush_interval_ns);
    }
}

// ---------------------------------------------------------------- enable / disable

pub fn enable(cfg: *const Config) Result {
    lock.lock();
    defer lock.unlock();
    if (enabled.load(.acquire)) return fail(.already_enabled, "vmprof is already enabled; call disable() first", .{});
    if (cfg.abi != abi_version) return fail(.bad_config, "config abi {d}, library abi {d}: rebuild the library", .{ cfg.abi, abi_version });
    if (cfg.period_ns < 1000 or cfg.period_ns > std.time.ns_per_s) return fail(.bad_config, "period {d} ns is outside 1 us .. 1 s", .{cfg.period_ns});
    if (std.mem.indexOfScalar(u8, &cfg.path, 0) == null or std.mem.indexOfScalar(u8, &cfg.thread_names, 0) == null)
        return fail(.bad_config, "path or thread names not NUL-terminated", .{});
    config = cfg.*;

    const path: [*:0]const u8 = @ptrCast(&config.path);
    const opened = sys.openWithErrno(path, .{ .ACCMODE = .WRONLY, .APPEND = true, .CREAT = true, .CLOEXEC = true }, 0o644);
    log_fd = opened.fd orelse
        return fail(.open_failed, "cannot open {s}: {s}", .{ std.mem.sliceTo(path, 0), @tagName(opened.err) });
    errdefer closeFds();
    if (config.flags & Flags.memory != 0) {
        statm_fd = sys.open("/proc/self/statm", .{ .CLOEXEC = true }, 0) orelse
            return fail(.open_failed, "cannot open /proc/self/statm", .{});
    }

    const bytes = posix.mmap(null, ring_slots * @sizeOf(Slot), posix.PROT.READ | posix.PROT.WRITE, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0) catch |e|
        return fail(.mmap_failed, "cannot map the sample ring: {s}", .{@errorName(e)});
    region = bytes;
    const slots: [*]Slot = @ptrCast(@alignCast(bytes.ptr));
    ring = Ring.init(slots[0..ring_slots]);

    stats = .{};
    program_text_len = procfs.programText(&program_text);
    pkeys.detect(); // before the first signal: the handler only reads the flag
    paused.store(0, .monotonic);
    n_threads.store(0, .release);
    n_rejected = 0;
    out.len = 0;
    if (installHandler() != .ok) return fail(.signal_failed, "cannot install the SIGPROF handler", .{});
    enabled.store(true, .seq_cst);

    const r = registerCurrentLocked();
    if (r != .ok) {
        enabled.store(false, .seq_cst);
        unmapRing();
        return r;
    }
    _ = perfmap.buffer(); // Deno: V8's names in blocks, not a write(2) per line
    stop_flusher.store(false, .release);
    flusher = std.Thread.spawn(.{ .stack_size = 256 * 1024 }, flusherMain, .{}) catch |e| {
        stopAllTimers();
        enabled.store(false, .seq_cst);
        waitForHandlers();
        unmapRing();
        _ = perfmap.restore();
        return fail(.thread_failed, "cannot start the flusher thread: {s}", .{@errorName(e)});
    };
    return .ok;
}

fn stopAllTimers() void {
    const n = n_threads.load(.acquire);
    for (threads[0..n]) |*t| stopTimer(t);
}

fn waitForHandlers() void {
    while (in_handler.load(.seq_cst) != 0) std.Thread.yield() catch {};
}

fn unmapRing() void {
    if (region) |r| posix.munmap(r);
    region = null;
}

fn closeFds() void {
    if (log_fd >= 0) sys.close(log_fd);
    if (statm_fd >= 0) sys.close(statm_fd);
    log_fd = -1;
    statm_fd = -1;
}

pub fn disable() Result {
    lock.lock();
    if (!enabled.load(.acquire)) {
        lock.unlock();
        return fail(.not_enabled, "vmprof is not enabled", .{});
    }
    // No new samples: stop the clocks first, then wait out handlers already running.
    stopAllTimers();
    enabled.store(false, .seq_cst);
    waitForHandlers();
    lock.unlock(); // the flusher's last scan may need the lock

    stop_flusher.store(true, .release);
    if (flusher) |f| f.join(); // its last loop recorded its CPU time
    flusher = null;
    assert(ring.peek() == null);
    // The names are complete for whoever reads them next.
    const perf_map_buffered = perfmap.restore();

    writeClosingRecords(perf_map_buffered);
    closeFds();
    unmapRing();
    return .ok;
}

/// META records the TS side cannot know (drops, thread names) and the trailer.
fn writeClosingRecords(perf_map_buffered: bool) void {
    var num: [32]u8 = undefined;
    const dropped = std.fmt.bufPrint(&num, "{d}", .{stats.dropped}) catch unreachable;
    appendMeta("dropped", dropped);
    const truncated = std.fmt.bufPrint(&num, "{d}", .{stats.truncated}) catch unreachable;
    appendMeta("truncated", truncated);
    const cost = std.fmt.bufPrint(&num, "{d} {d}", .{ stats.handler_ns, stats.flusher_ns }) catch unreachable;
    appendMeta("sampler_cost_ns", cost); // time in the handler, flusher thread CPU
    const reclaims = std.fmt.bufPrint(&num, "{d}", .{handler_reclaims}) catch unreachable;
    appendMeta("sigprof_reclaimed", reclaims); // reclaimHandler: another handler had replaced ours
    if (perf_map_buffered) appendMeta("perf_map", "buffered"); // perfmap.zig
    const n = n_threads.load(.acquire);
    var key_buf: [32]u8 = undefined;
    for (threads[0..n], 0..) |*t, i| {
        const tid = t.tid.load(.monotonic);
        // A tid the kernel reused is named once: vmprof rejects duplicate META keys.
        const seen = for (threads[0..i]) |*o| {
            if (o.tid.load(.monotonic) == tid) break true;
        } else false;
        if (seen) continue;
        const key = std.fmt.bufPrint(&key_buf, "thread:{d}", .{tid}) catch unreachable;
        appendMeta(key, t.name[0..t.name_len]);
    }
    const maps_len = procfs.executableMappings(&maps_buf);
    appendMeta("maps", maps_buf[0..maps_len]);
    if (out.free() < record.trailer_size) writeOut();
    record.writeTrailer(&out, @intCast(std.time.microTimestamp()));
    writeOut();
}

var maps_buf: [64 * 1024]u8 = undefined;

fn appendMeta(key: []const u8, value: []const u8) void {
    if (out.free() < record.metaSize(key, value)) writeOut();
    record.writeMeta(&out, key, value);
}

/// vmprof's stop_sampling/start_sampling: a counter, sampling runs while it is zero.
pub fn stopSampling() i32 {
    return paused.fetchAdd(1, .monotonic) + 1;
}

pub fn startSampling() i32 {
    var v = paused.load(.monotonic);
    while (v > 0) {
        v = paused.cmpxchgWeak(v, v - 1, .monotonic, .monotonic) orelse return v - 1;
    }
    return 0;
}

/// Library unload (or process exit): finish the log if still enabled, restore SIGPROF.
pub fn unload() void {
    if (enabled.load(.acquire)) _ = disable();
    uninstallHandler();
}

// ---------------------------------------------------------------- tests

/// A leaf function for a code page that spins `n` (first argument) times.
/// x86_64: push rbp; mov rbp, rsp; mov rcx, rdi; 1: dec rcx; jnz 1b; pop rbp; ret.
/// aarch64: stp x29, x30, [sp, #-16]!; mov x29, sp; 1: subs x0, x0, #1; b.ne 1b;
/// ldp x29, x30, [sp], #16; ret. Its samples read code bytes inside the page.
const spin_code: []const u8 = switch (walk_mod.arch) {
    .x86_64 => &.{ 0x55, 0x48, 0x89, 0xe5, 0x48, 0x89, 0xf9, 0x48, 0xff, 0xc9, 0x75, 0xfb, 0x5d, 0xc3 },
    .aarch64 => std.mem.sliceAsBytes(&[_]u32{ 0xa9bf7bfd, 0x910003fd, 0xf1000400, 0x54ffffe1, 0xa8c17bfd, 0xd65f03c0 }),
};

extern fn __clear_cache(start: *anyopaque, end: *anyopaque) void;

/// Maps a page holding spin_code with `prot` (and protection key `pkey` unless null).
fn spinPage(prot: u32, pkey: ?u32) ![]align(std.heap.page_size_min) u8 {
    const page = try posix.mmap(null, std.heap.page_size_min, posix.PROT.READ | posix.PROT.WRITE, .{ .TYPE = .PRIVATE, .ANONYMOUS = true }, -1, 0);
    errdefer posix.munmap(page);
    @memcpy(page[0..spin_code.len], spin_code);
    // aarch64's instruction cache does not see data writes by itself.
    if (walk_mod.arch == .aarch64) __clear_cache(page.ptr, page.ptr + spin_code.len);
    const rc = if (pkey) |k|
        linux.syscall4(.pkey_mprotect, @intFromPtr(page.ptr), page.len, prot, k)
    else
        linux.mprotect(page.ptr, page.len, prot);
    if (linux.E.init(rc) != .SUCCESS) return error.Mprotect;
    return page;
}

/// Samples a thread spinning in `page` at 10 kHz (wall clock) until `want` of its samples were
/// taken there; returns how many were. A fault in the handler kills the test binary.
fn sampleSpinPage(page: []const u8, want: u64) !u64 {
    var cfg = std.mem.zeroes(Config);
    cfg.abi = abi_version;
    cfg.flags = Flags.real_time;
    cfg.period_ns = 100 * std.time.ns_per_us;
    var path_buf: [64]u8 = undefined;
    const path = try std.fmt.bufPrint(&path_buf, "/tmp/vmprof-zig-test-{d}.log", .{linux.getpid()});
    @memcpy(cfg.path[0..path.len], path);
    defer std.fs.deleteFileAbsolute(path) catch {};
    try std.testing.expectEqual(Result.ok, enable(&cfg));
    const spin: *const fn (u64) callconv(.c) void = @ptrCast(@alignCast(page.ptr));
    const deadline = monotonicNs() + 60 * std.time.ns_per_s; // TCG guests are slow
    while (@atomicLoad(u64, &stats.samples, .monotonic) < want * 2 and monotonicNs() < deadline) spin(200_000);
    try std.testing.expectEqual(Result.ok, disable());

    // Count stack records whose leaf is in the page (records: 0x01, count, depth, frames, tid).
    const log = try std.fs.cwd().readFileAlloc(std.testing.allocator, path, 64 << 20);
    defer std.testing.allocator.free(log);
    const lo = @intFromPtr(page.ptr);
    var in_page: u64 = 0;
    var at: usize = 0;
    while (at < log.len and log[at] == record.marker_stacktrace) {
        const depth = std.mem.readInt(u64, log[at + 9 ..][0..8], .little);
        const leaf = std.mem.readInt(u64, log[at + 17 ..][0..8], .little);
        if (leaf >= lo and leaf < lo + page.len) in_page += 1;
        at += record.stackSize(depth, false);
    }
    return in_page;
}

test "the handler samples code in an execute-only page without faulting" {
    // On a CPU with PKU the kernel backs PROT_EXEC-only memory with a protection key that is
    // access-disabled even for the thread running it; elsewhere the page is just readable.
    const page = try spinPage(posix.PROT.EXEC, null);
    defer posix.munmap(page);
    const n = try sampleSpinPage(page, 2000);
    try std.testing.expect(n >= 2000);
}

test "the handler samples code in a page whose protection key only the thread may access" {
    pkeys.detect();
    if (!pkeys.available()) return error.SkipZigTest; // no OSPKE here: the PKU guest runs this
    // pkey_alloc(flags 0, rights 0): this thread may read and write the key's pages, a signal
    // handler entered with the kernel's default PKRU may not (as with V8's JIT code).
    const rc = linux.syscall2(.pkey_alloc, 0, 0);
    if (linux.E.init(rc) != .SUCCESS) return error.SkipZigTest;
    const key: u32 = @intCast(rc);
    defer _ = linux.syscall1(.pkey_free, key);
    const page = try spinPage(posix.PROT.READ | posix.PROT.EXEC, key);
    defer posix.munmap(page);
    const n = try sampleSpinPage(page, 2000);
    try std.testing.expect(n >= 2000);
}
