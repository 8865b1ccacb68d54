//! Encodes vmprof log records (see shared FORMAT.md) into a caller-owned byte buffer.
//!
//! Only what the native side writes: stack samples, META records and the trailer. The
//! header is written by the TypeScript side before sampling starts. Words and addresses
//! are 8-byte little-endian, as vmprof writes them on x86_64 Linux.
const std = @import("std");
const assert = std.debug.assert;

pub const marker_stacktrace: u8 = 0x01;
pub const marker_trailer: u8 = 0x03;
pub const marker_meta: u8 = 0x07;

/// A fixed buffer that records are appended to; the flusher writes it out when it fills.
pub const Buffer = struct {
    bytes: []u8,
    len: usize = 0,

    pub fn free(self: *const Buffer) usize {
        return self.bytes.len - self.len;
    }

    fn put(self: *Buffer, b: []const u8) void {
        assert(b.len <= self.free());
        @memcpy(self.bytes[self.len..][0..b.len], b);
        self.len += b.len;
    }

    fn word(self: *Buffer, v: u64) void {
        var w: [8]u8 = undefined;
        std.mem.writeInt(u64, &w, v, .little);
        self.put(&w);
    }
};

/// The raw frame that marks a stack cut short (contract.ts TRUNCATED_FRAME): no pc is 2^50
/// (user space ends below 2^47), and it is below the sp-word and LLInt tags.
pub const truncated_frame: u64 = 1 << 50;

/// Bytes a stack record with `depth` frames takes.
pub fn stackSize(depth: usize, with_rss: bool) usize {
    return 1 + 8 + 8 + 8 * depth + 8 + @as(usize, if (with_rss) 8 else 0);
}

/// STACKTRACE: count (always 1), depth, frames innermost first, thread id, [rss kB].
/// A `truncated` stack (cut at the walk's maximum depth) ends with one more, outermost frame,
/// `truncated_frame`, which the namer shows as "(truncated stack)".
pub fn writeStack(buf: *Buffer, frames: []const u64, tid: u64, rss_kb: ?u64, truncated: bool) void {
    assert(frames.len < 65536);
    assert(buf.free() >= stackSize(frames.len + @intFromBool(truncated), rss_kb != null));
    buf.put(&.{marker_stacktrace});
    buf.word(1);
    buf.word(frames.len + @intFromBool(truncated));
    for (frames) |f| {
        // vmprof's reader treats entries <= 0 as line numbers: no frame may be 0 or >= 2^63.
        assert(f != 0 and f < (1 << 63));
        buf.word(f);
    }
    if (truncated) buf.word(truncated_frame);
    buf.word(tid);
    if (rss_kb) |r| buf.word(r);
}

pub fn metaSize(key: []const u8, value: []const u8) usize {
    return 1 + 8 + key.len + 8 + value.len;
}

/// META: key length, key, value length, value.
pub fn writeMeta(buf: *Buffer, key: []const u8, value: []const u8) void {
    assert(buf.free() >= metaSize(key, value));
    buf.put(&.{marker_meta});
    buf.word(key.len);
    buf.put(key);
    buf.word(value.len);
    buf.put(value);
}

pub const trailer_size = 1 + 24;

/// TRAILER (version >= 5): end time as seconds, microseconds, 8 bytes of zone.
pub fn writeTrailer(buf: *Buffer, unix_us: u64) void {
    assert(buf.free() >= trailer_size);
    buf.put(&.{marker_trailer});
    buf.word(unix_us / std.time.us_per_s);
    buf.word(unix_us % std.time.us_per_s);
    buf.word(0);
}

test "stack record layout" {
    var storage: [128]u8 = undefined;
    var buf = Buffer{ .bytes = &storage };
    writeStack(&buf, &.{ 0x1000, 0x2001 }, 42, null, false);
    try std.testing.expectEqual(stackSize(2, false), buf.len);
    try std.testing.expectEqual(@as(u8, 0x01), storage[0]);
    try std.testing.expectEqual(@as(u64, 1), std.mem.readInt(u64, storage[1..9], .little));
    try std.testing.expectEqual(@as(u64, 2), std.mem.readInt(u64, storage[9..17], .little));
    try std.testing.expectEqual(@as(u64, 0x1000), std.mem.readInt(u64, storage[17..25], .little));
    try std.testing.expectEqual(@as(u64, 0x2001), std.mem.readInt(u64, storage[25..33], .little));
    try std.testing.expectEqual(@as(u64, 42), std.mem.readInt(u64, storage[33..41], .little));
}

test "stack record with rss" {
    var storage: [128]u8 = undefined;
    var buf = Buffer{ .bytes = &storage };
    writeStack(&buf, &.{0x1000}, 7, 12345, false);
    try std.testing.expectEqual(stackSize(1, true), buf.len);
    try std.testing.expectEqual(@as(u64, 12345), std.mem.readInt(u64, storage[33..41], .little));
}

test "a truncated stack ends with the truncation mark, outermost" {
    var storage: [128]u8 = undefined;
    var buf = Buffer{ .bytes = &storage };
    writeStack(&buf, &.{ 0x1000, 0x2001 }, 42, null, true);
    try std.testing.expectEqual(stackSize(3, false), buf.len);
    try std.testing.expectEqual(@as(u64, 3), std.mem.readInt(u64, storage[9..17], .little));
    try std.testing.expectEqual(@as(u64, 0x2001), std.mem.readInt(u64, storage[25..33], .little));
    try std.testing.expectEqual(truncated_frame, std.mem.readInt(u64, storage[33..41], .little));
    try std.testing.expectEqual(@as(u64, 42), std.mem.readInt(u64, storage[41..49], .little));
}

test "meta and trailer" {
    var storage: [128]u8 = undefined;
    var buf = Buffer{ .bytes = &storage };
    writeMeta(&buf, "dropped", "3");
    try std.testing.expectEqual(metaSize("dropped", "3"), buf.len);
    try std.testing.expectEqualStrings("dropped", storage[9..16]);
    try std.testing.expectEqual(@as(u64, 1), std.mem.readInt(u64, storage[16..24], .little));
    try std.testing.expectEqual(@as(u8, '3'), storage[24]);
    const at = buf.len;
    writeTrailer(&buf, 1_700_000_000_123_456);
    try std.testing.expectEqual(@as(u8, 0x03), storage[at]);
    try std.testing.expectEqual(@as(u64, 1_700_000_000), std.mem.readInt(u64, storage[at + 1 ..][0..8], .little));
    try std.testing.expectEqual(@as(u64, 123_456), std.mem.readInt(u64, storage[at + 9 ..][0..8], .little));
}
