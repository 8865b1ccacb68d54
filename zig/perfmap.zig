//! V8's perf map (`--perf-basic-prof`) written in blocks instead of one write(2) per line:
//! V8 opens /…/perf-<pid>.map line-buffered, and a program that compiles 20,000 functions
//! pays 20,000 system calls for names (about +10% on the TypeScript checker). While the
//! sampler runs, that stream is fully buffered (glibc's own buffer); the flusher thread writes it
//! out with the log (a process killed by a signal keeps names for what its log holds), and
//! disable() flushes it and gives it back its line buffering.
//! glibc only (its FILE list is found by name at run time); elsewhere nothing changes.
//! Called from enable(), disable() and the flusher thread, never from the signal handler.
const std = @import("std");
const linux = std.os.linux;

/// The head of glibc's public `struct _IO_FILE` (bits/types/struct_FILE.h), up to `_fileno`:
/// a stable ABI since glibc 2.1, the same on x86_64 and aarch64.
const GlibcFile = extern struct {
    flags: c_int,
    buffer_pointers: [11]?*anyopaque, // _IO_read_ptr .. _IO_save_end
    markers: ?*anyopaque,
    chain: ?*GlibcFile,
    fileno: c_int,
};

comptime {
    std.debug.assert(@offsetOf(GlibcFile, "chain") == 104);
    std.debug.assert(@offsetOf(GlibcFile, "fileno") == 112);
}

const IOFBF: c_int = 0;
const IOLBF: c_int = 1;

extern "c" fn setvbuf(stream: *GlibcFile, buf: ?[*]u8, mode: c_int, size: usize) c_int;
extern "c" fn fflush(stream: *GlibcFile) c_int;
extern "c" fn ftrylockfile(stream: *GlibcFile) c_int;
extern "c" fn fflush_unlocked(stream: *GlibcFile) c_int;
extern "c" fn funlockfile(stream: *GlibcFile) void;

/// glibc's list of open streams and its lock, or null where libc is not glibc (musl).
const Streams = struct {
    head: *?*GlibcFile,
    lock: *const fn () callconv(.c) void,
    unlock: *const fn () callconv(.c) void,

    fn find() ?Streams {
        const head = std.c.dlsym(null, "_IO_list_all") orelse return null;
        const lock = std.c.dlsym(null, "_IO_list_lock") orelse return null;
        const unlock = std.c.dlsym(null, "_IO_list_unlock") orelse return null;
        return .{ .head = @ptrCast(@alignCast(head)), .lock = @ptrCast(@alignCast(lock)), .unlock = @ptrCast(@alignCast(unlock)) };
    }

    /// Whether `f` is still open (V8 closes the map when its isolate goes). Call under lock():
    /// fclose unlinks a stream under that lock before it frees it.
    fn holds(self: Streams, f: *GlibcFile) bool {
        var it = self.head.*;
        while (it) |g| : (it = g.chain) {
            if (g == f) return true;
        }
        return false;
    }
};

/// The stream switched by buffer(), until restore(), and glibc's list it is on. Set before the
/// flusher thread starts and cleared after it has stopped.
var buffered: ?*GlibcFile = null;
var streams_found: ?Streams = null;

/// Whether `fd` is open on a file named perf-<pid>.map (this process's perf map).
fn isPerfMap(fd: c_int, pid: i32) bool {
    if (fd < 0) return false;
    var path_buf: [32]u8 = undefined;
    const path = std.fmt.bufPrintZ(&path_buf, "/proc/self/fd/{d}", .{fd}) catch return false;
    var target: [4096]u8 = undefined;
    const rc = linux.readlink(path, &target, target.len);
    if (linux.E.init(rc) != .SUCCESS) return false;
    var name_buf: [32]u8 = undefined;
    const name = std.fmt.bufPrint(&name_buf, "/perf-{d}.map", .{pid}) catch return false;
    return std.mem.endsWith(u8, target[0..rc], name);
}

/// Makes this process's perf map stream fully buffered; returns whether one was found.
pub fn buffer() bool {
    if (buffered != null) return true;
    const streams = Streams.find() orelse return false;
    streams_found = streams;
    const pid = linux.getpid();
    // glibc's own order (as in fflush(NULL) and fclose): the list lock, then a stream's lock.
    streams.lock();
    defer streams.unlock();
    var it = streams.head.*;
    while (it) |f| : (it = f.chain) {
        if (!isPerfMap(f.fileno, pid)) continue;
        // With no buffer given, glibc keeps the stream's buffer and clears line buffering.
        if (setvbuf(f, null, IOFBF, 0) == 0) buffered = f;
        break;
    }
    return buffered != null;
}

/// Writes out what the buffer holds, without waiting: skipped while another thread writes to
/// the stream (the next call takes it). The flusher thread calls it with the log's writes.
pub fn flush() void {
    const f = buffered orelse return;
    const streams = streams_found orelse return;
    streams.lock();
    defer streams.unlock();
    if (!streams.holds(f) or ftrylockfile(f) != 0) return;
    _ = fflush_unlocked(f);
    funlockfile(f);
}

/// Writes out what buffer() held back and gives the stream its line buffering again;
/// returns whether buffer() had switched one.
pub fn restore() bool {
    const f = buffered orelse return false;
    buffered = null;
    const streams = streams_found orelse return true;
    streams.lock();
    defer streams.unlock();
    if (streams.holds(f)) {
        _ = fflush(f);
        _ = setvbuf(f, null, IOLBF, 0);
    }
    return true;
}

test "buffer() finds a perf map stream, restore() writes what it held" {
    var dir_buf: [64]u8 = undefined;
    const pid = linux.getpid();
    const dir = try std.fmt.bufPrintZ(&dir_buf, "/tmp/vmprof-perfmap-test-{d}", .{pid});
    std.fs.makeDirAbsoluteZ(dir) catch {};
    defer std.fs.deleteTreeAbsolute(dir) catch {};
    var path_buf: [96]u8 = undefined;
    const path = try std.fmt.bufPrintZ(&path_buf, "{s}/perf-{d}.map", .{ dir, pid });
    const f: *GlibcFile = @ptrCast(@alignCast(std.c.fopen(path, "w+") orelse return error.SkipZigTest));
    defer _ = std.c.fclose(@ptrCast(f));
    if (Streams.find() == null) return error.SkipZigTest; // not glibc
    _ = setvbuf(f, null, IOLBF, 0); // as V8 opens it
    const line = "1000 10 JS:~f a.js:1:1\n";
    _ = std.c.fwrite(line, 1, line.len, @ptrCast(f));
    const size = struct {
        fn of(p: [:0]const u8) !u64 {
            return (try std.fs.cwd().statFile(p)).size;
        }
    }.of;
    try std.testing.expectEqual(@as(u64, line.len), try size(path)); // line-buffered: written
    try std.testing.expect(buffer());
    try std.testing.expect(buffered == f);
    _ = std.c.fwrite(line, 1, line.len, @ptrCast(f));
    try std.testing.expectEqual(@as(u64, line.len), try size(path)); // held in the buffer
    flush();
    try std.testing.expectEqual(@as(u64, 2 * line.len), try size(path)); // written by flush()
    _ = std.c.fwrite(line, 1, line.len, @ptrCast(f));
    try std.testing.expectEqual(@as(u64, 2 * line.len), try size(path));
    try std.testing.expect(restore());
    try std.testing.expect(buffered == null);
    try std.testing.expect(!restore());
    try std.testing.expectEqual(@as(u64, 3 * line.len), try size(path));
    _ = std.c.fwrite(line, 1, line.len, @ptrCast(f));
    try std.testing.expectEqual(@as(u64, 4 * line.len), try size(path)); // line-buffered again
}
