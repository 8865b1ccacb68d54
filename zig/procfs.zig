//! What the sampler learns from /proc/self: the process's threads, their names, the stack
//! mapping that holds a given address, and the resident set size. Called from the flusher
//! thread and from enable(), never from the signal handler.
const std = @import("std");
const sys = @import("sys.zig");

/// A mapped, readable address range [lo, hi).
pub const Range = struct { lo: usize, hi: usize };

/// The readable mapping of /proc/self/maps that contains `addr`, merged with readable
/// neighbours that touch it (a thread's stack and its TLS area are often split in two).
pub fn mappingContaining(addr: usize) ?Range {
    const fd = sys.open("/proc/self/maps", .{ .CLOEXEC = true }, 0) orelse return null;
    defer sys.close(fd);
    var lines = LineReader{ .fd = fd };
    var found: ?Range = null;
    while (lines.next()) |line| {
        const m = parseMapsLine(line) orelse continue;
        if (!m.readable) {
            if (found != null and m.lo >= found.?.hi) break;
            continue;
        }
        if (found) |*f| {
            if (m.lo == f.hi) {
                f.hi = m.hi;
                continue;
            }
            if (m.lo > f.hi) break;
        } else if (addr >= m.lo and addr < m.hi) {
            found = .{ .lo = m.lo, .hi = m.hi };
        }
    }
    return found;
}

const MapsLine = struct { lo: usize, hi: usize, readable: bool };

/// "7f00-7f10 rw-p 00000000 00:00 0   [stack]" → lo, hi, readable.
fn parseMapsLine(line: []const u8) ?MapsLine {
    const dash = std.mem.indexOfScalar(u8, line, '-') orelse return null;
    const space = std.mem.indexOfScalarPos(u8, line, dash, ' ') orelse return null;
    if (space + 1 >= line.len) return null;
    const lo = std.fmt.parseInt(usize, line[0..dash], 16) catch return null;
    const hi = std.fmt.parseInt(usize, line[dash + 1 .. space], 16) catch return null;
    return .{ .lo = lo, .hi = hi, .readable = line[space + 1] == 'r' };
}

/// Reads a /proc file line by line through a fixed buffer (lines longer than it are skipped).
const LineReader = struct {
    fd: i32,
    buf: [8192]u8 = undefined,
    start: usize = 0,
    end: usize = 0,
    eof: bool = false,

    fn next(self: *LineReader) ?[]const u8 {
        while (true) {
            if (std.mem.indexOfScalar(u8, self.buf[self.start..self.end], '\n')) |nl| {
                const line = self.buf[self.start .. self.start + nl];
                self.start += nl + 1;
                return line;
            }
            if (self.eof) {
                if (self.start == self.end) return null;
                const line = self.buf[self.start..self.end];
                self.start = self.end;
                return line;
            }
            // Shift the partial line to the front and read more.
            const rest = self.end - self.start;
            if (rest == self.buf.len) { // a line longer than the buffer: drop it
                self.start = 0;
                self.end = 0;
                continue;
            }
            std.mem.copyForwards(u8, self.buf[0..rest], self.buf[self.start..self.end]);
            self.start = 0;
            self.end = rest;
            const n = sys.read(self.fd, self.buf[self.end..]) orelse 0;
            if (n == 0) self.eof = true;
            self.end += n;
        }
    }
};

/// Copies the lines of /proc/self/maps that map executable code from a file (the program,
/// its shared libraries) into `out`, one per line; returns the bytes used. Lines that do
/// not fit are left out. Lets the log name native frames `module+0xOFFSET` after exit.
pub fn executableMappings(out: []u8) usize {
    const fd = sys.open("/proc/self/maps", .{ .CLOEXEC = true }, 0) orelse return 0;
    defer sys.close(fd);
    var lines = LineReader{ .fd = fd };
    var len: usize = 0;
    while (lines.next()) |line| {
        const perms = std.mem.indexOfScalar(u8, line, ' ') orelse continue;
        if (perms + 4 >= line.len or line[perms + 3] != 'x') continue;
        if (std.mem.indexOfScalar(u8, line, '/') == null) continue;
        if (len + line.len + 1 > out.len) break;
        @memcpy(out[len..][0..line.len], line);
        out[len + line.len] = '\n';
        len += line.len + 1;
    }
    return len;
}

/// The executable mappings of the program's own binary (/proc/self/exe), up to out.len of them.
pub fn programText(out: []Range) usize {
    var exe_buf: [1024]u8 = undefined;
    const exe = std.posix.readlinkZ("/proc/self/exe", &exe_buf) catch return 0;
    const fd = sys.open("/proc/self/maps", .{ .CLOEXEC = true }, 0) orelse return 0;
    defer sys.close(fd);
    var lines = LineReader{ .fd = fd };
    var n: usize = 0;
    while (lines.next()) |line| {
        if (n == out.len) break;
        const m = parseMapsLine(line) orelse continue;
        const perms = std.mem.indexOfScalar(u8, line, ' ') orelse continue;
        if (perms + 4 >= line.len or line[perms + 3] != 'x') continue;
        if (!std.mem.endsWith(u8, line, exe)) continue;
        out[n] = .{ .lo = m.lo, .hi = m.hi };
        n += 1;
    }
    return n;
}

/// The thread's name from /proc/self/task/<tid>/comm (at most 15 bytes), or null if it is gone.
pub fn threadName(tid: i32, out: *[16]u8) ?[]const u8 {
    var path_buf: [64]u8 = undefined;
    const path = std.fmt.bufPrintZ(&path_buf, "/proc/self/task/{d}/comm", .{tid}) catch return null;
    const fd = sys.open(path, .{ .CLOEXEC = true }, 0) orelse return null;
    defer sys.close(fd);
    const n = sys.read(fd, out) orelse return null;
    return std.mem.trimRight(u8, out[0..n], "\n");
}

pub fn threadAlive(tid: i32) bool {
    // Signal 0 checks that the thread exists (in this process) without a path lookup in /proc:
    // the flusher asks this for every sampled thread 20 times a second.
    const linux = std.os.linux;
    return linux.E.init(linux.tgkill(linux.getpid(), tid, 0)) != .SRCH;
}

/// Calls `visit(ctx, tid)` for every thread of this process. Reads the directory with raw
/// getdents64 calls: a thread list changes under our feet, and any error just ends the scan
/// (std.fs's iterator treats some of those errors as unreachable).
pub fn forEachThread(ctx: anytype, comptime visit: fn (@TypeOf(ctx), i32) void) void {
    const fd = sys.open("/proc/self/task", .{ .DIRECTORY = true, .CLOEXEC = true }, 0) orelse return;
    defer sys.close(fd);
    var buf: [4096]u8 align(8) = undefined;
    while (true) {
        const rc = std.os.linux.getdents64(fd, &buf, buf.len);
        if (std.os.linux.E.init(rc) != .SUCCESS or rc == 0) return;
        var at: usize = 0;
        while (at < rc) {
            const entry: *align(1) const std.os.linux.dirent64 = @ptrCast(&buf[at]);
            if (entry.reclen == 0) return;
            const name_ptr: [*:0]const u8 = @ptrCast(&buf[at + @offsetOf(std.os.linux.dirent64, "name")]);
            const name = std.mem.sliceTo(name_ptr, 0);
            if (std.fmt.parseInt(i32, name, 10)) |tid| visit(ctx, tid) else |_| {}
            at += entry.reclen;
        }
    }
}

/// Resident set size in kB, read from an already open /proc/self/statm.
pub fn rssKb(statm_fd: i32) u64 {
    var buf: [128]u8 = undefined;
    const n = sys.pread(statm_fd, &buf, 0) orelse return 0;
    var fields = std.mem.tokenizeScalar(u8, buf[0..n], ' ');
    _ = fields.next(); // size
    const resident = fields.next() orelse return 0;
    const pages = std.fmt.parseInt(u64, resident, 10) catch return 0;
    return pages * (std.heap.pageSize() / 1024);
}

test "maps line parsing" {
    const m = parseMapsLine("7ffc0000-7ffc2000 rw-p 00000000 00:00 0    [stack]").?;
    try std.testing.expectEqual(@as(usize, 0x7ffc0000), m.lo);
    try std.testing.expectEqual(@as(usize, 0x7ffc2000), m.hi);
    try std.testing.expect(m.readable);
    try std.testing.expect(!parseMapsLine("7ffc0000-7ffc2000 ---p 0 00:00 0").?.readable);
    try std.testing.expect(parseMapsLine("garbage") == null);
}

test "the mapping of a local variable is this thread's stack" {
    var local: u64 = 7;
    const addr = @intFromPtr(&local);
    const r = mappingContaining(addr).?;
    try std.testing.expect(r.lo <= addr and addr < r.hi);
    std.mem.doNotOptimizeAway(&local);
}

test "the program's text holds this function" {
    var ranges: [8]Range = undefined;
    const n = programText(&ranges);
    try std.testing.expect(n > 0);
    const here = @intFromPtr(&programText);
    var found = false;
    for (ranges[0..n]) |r| found = found or (here >= r.lo and here < r.hi);
    try std.testing.expect(found);
}

test "executable mappings include this test binary" {
    var buf: [16384]u8 = undefined;
    const n = executableMappings(&buf);
    try std.testing.expect(n > 0);
    try std.testing.expect(std.mem.indexOf(u8, buf[0..n], " r-xp ") != null);
}

test "forEachThread lists this thread and a new one" {
    const Seen = struct {
        fn visit(list: *std.ArrayList(i32), tid: i32) void {
            list.append(std.testing.allocator, tid) catch {};
        }
    };
    var stop = std.atomic.Value(bool).init(false);
    const t = try std.Thread.spawn(.{}, struct {
        fn run(s: *std.atomic.Value(bool)) void {
            while (!s.load(.acquire)) std.Thread.sleep(1_000_000);
        }
    }.run, .{&stop});
    var list: std.ArrayList(i32) = .empty;
    defer list.deinit(std.testing.allocator);
    forEachThread(&list, Seen.visit);
    stop.store(true, .release);
    t.join();
    try std.testing.expect(list.items.len >= 2);
    try std.testing.expect(std.mem.indexOfScalar(i32, list.items, std.os.linux.gettid()) != null);
}

test "a thread that has exited is not alive" {
    var tid: i32 = 0;
    const t = try std.Thread.spawn(.{}, struct {
        fn run(out: *i32) void {
            out.* = std.os.linux.gettid();
        }
    }.run, .{&tid});
    t.join();
    try std.testing.expect(tid > 0);
    // join() returns when the thread has signalled its end, a little before the kernel has
    // reaped it (a long while under emulation): give it up to 2 s.
    var waited_ms: u32 = 0;
    while (threadAlive(tid) and waited_ms < 2000) : (waited_ms += 1) std.Thread.sleep(std.time.ns_per_ms);
    try std.testing.expect(!threadAlive(tid));
}

test "this thread has a name and rss is positive" {
    var name: [16]u8 = undefined;
    const n = threadName(std.os.linux.gettid(), &name).?;
    try std.testing.expect(n.len > 0);
    try std.testing.expect(threadAlive(std.os.linux.gettid()));
    const fd = sys.open("/proc/self/statm", .{ .CLOEXEC = true }, 0).?;
    defer sys.close(fd);
    try std.testing.expect(rssKb(fd) > 0);
}
