//! Raw Linux system calls for the sampler's own threads: every failure is a null the caller
//! handles. (std.posix treats some errno values as unreachable; on /proc files that change
//! under us, or with signals arriving, a profiler must never turn those into a panic.)
const std = @import("std");
const linux = std.os.linux;

fn ok(rc: usize) ?usize {
    return if (linux.E.init(rc) == .SUCCESS) rc else null;
}

fn interrupted(rc: usize) bool {
    return linux.E.init(rc) == .INTR;
}

pub const O = linux.O;

pub fn open(path: [*:0]const u8, flags: O, mode: linux.mode_t) ?i32 {
    return openWithErrno(path, flags, mode).fd;
}

/// open(), with the errno when it fails (for messages).
pub fn openWithErrno(path: [*:0]const u8, flags: O, mode: linux.mode_t) struct { fd: ?i32, err: linux.E } {
    while (true) {
        const rc = linux.open(path, flags, mode);
        if (interrupted(rc)) continue;
        const err = linux.E.init(rc);
        return .{ .fd = if (err == .SUCCESS) @intCast(rc) else null, .err = err };
    }
}

pub fn read(fd: i32, buf: []u8) ?usize {
    while (true) {
        const rc = linux.read(fd, buf.ptr, buf.len);
        if (interrupted(rc)) continue;
        return ok(rc);
    }
}

pub fn pread(fd: i32, buf: []u8, offset: u64) ?usize {
    while (true) {
        const rc = linux.pread(fd, buf.ptr, buf.len, @intCast(offset));
        if (interrupted(rc)) continue;
        return ok(rc);
    }
}

pub fn write(fd: i32, bytes: []const u8) ?usize {
    while (true) {
        const rc = linux.write(fd, bytes.ptr, bytes.len);
        if (interrupted(rc)) continue;
        return ok(rc);
    }
}

pub fn close(fd: i32) void {
    _ = linux.close(fd);
}

test "open, read, pread, write, close" {
    const fd = open("/proc/self/statm", .{ .CLOEXEC = true }, 0).?;
    defer close(fd);
    var buf: [64]u8 = undefined;
    try std.testing.expect(read(fd, &buf).? > 0);
    try std.testing.expect(pread(fd, &buf, 0).? > 0);
    try std.testing.expect(open("/nonexistent/x", .{ .CLOEXEC = true }, 0) == null);
    try std.testing.expect(write(-1, "x") == null);
}
