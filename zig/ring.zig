//! Lock-free ring of fixed-size sample slots: many signal handlers produce, one flusher consumes.
//!
//! A bounded MPMC queue in the style of Dmitry Vyukov's: every slot carries a sequence
//! number that says whose turn it is. A producer (the signal handler, on any thread) claims
//! the slot at `head` with one CAS, fills it in place (so the handler needs no stack buffer),
//! then publishes it by storing `seq = pos + 1`. The consumer (the flusher thread) takes the
//! slot at `tail` once it is published and hands it back with `seq = pos + capacity`.
//! Nothing here blocks, allocates or calls libc: a full ring makes `claim` return null and
//! the caller counts a dropped sample. The memory comes from the caller (an mmap'd region).
const std = @import("std");
const assert = std.debug.assert;

/// Frames kept per sample (innermost first). Deeper stacks are cut and counted.
pub const max_depth = 1021;

/// One sample as the handler writes it. `extern` so its layout is fixed and checked below.
pub const Slot = extern struct {
    /// Turn marker, see the file comment. Only touched through atomics.
    seq: u64,
    /// OS thread id the sample was taken on.
    tid: u32,
    /// Timer periods this sample stands for (1 + timer overrun).
    weight: u32,
    /// Number of valid entries in `frames`.
    depth: u32,
    /// SlotFlags bits.
    flags: u32,
    frames: [max_depth]u64,
};

pub const SlotFlags = struct {
    /// The walk stopped at max_depth: outer frames are missing.
    pub const truncated: u32 = 1;
};

comptime {
    // The slot is exactly 8 KiB: whole slots never straddle pages and the region size is simple.
    assert(@sizeOf(Slot) == 8192);
    assert(@offsetOf(Slot, "seq") == 0);
    assert(@offsetOf(Slot, "frames") == 24);
}

pub const Ring = struct {
    slots: []Slot,
    head: std.atomic.Value(u64) align(64) = .init(0),
    tail: std.atomic.Value(u64) align(64) = .init(0),

    /// `slots.len` must be a power of two; the slots are (re)initialised here.
    pub fn init(slots: []Slot) Ring {
        assert(slots.len >= 2 and std.math.isPowerOfTwo(slots.len));
        for (slots, 0..) |*s, i| seqPtr(s).store(i, .monotonic);
        return .{ .slots = slots };
    }

    fn seqPtr(s: *Slot) *std.atomic.Value(u64) {
        return @ptrCast(&s.seq);
    }

    /// Producer side (async-signal-safe). Returns a slot to fill, or null if the ring is full.
    pub fn claim(self: *Ring) ?*Slot {
        var pos = self.head.load(.monotonic);
        while (true) {
            const slot = &self.slots[pos & (self.slots.len - 1)];
            const seq = seqPtr(slot).load(.acquire);
            if (seq == pos) {
                if (self.head.cmpxchgWeak(pos, pos + 1, .monotonic, .monotonic)) |actual| {
                    pos = actual;
                } else {
                    return slot;
                }
            } else if (seq < pos) {
                return null; // the consumer has not freed this slot yet: full
            } else {
                pos = self.head.load(.monotonic);
            }
        }
    }

    /// Producer side: make a claimed slot visible to the consumer.
    pub fn publish(self: *Ring, slot: *Slot) void {
        const pos = seqPtr(slot).load(.monotonic);
        assert(pos & (self.slots.len - 1) == self.indexOf(slot));
        seqPtr(slot).store(pos + 1, .release);
    }

    fn indexOf(self: *Ring, slot: *Slot) usize {
        return (@intFromPtr(slot) - @intFromPtr(self.slots.ptr)) / @sizeOf(Slot);
    }

    /// Consumer side (one thread only): the next published slot, or null if there is none yet.
    pub fn peek(self: *Ring) ?*Slot {
        const pos = self.tail.load(.monotonic);
        const slot = &self.slots[pos & (self.slots.len - 1)];
        if (seqPtr(slot).load(.acquire) != pos + 1) return null;
        assert(slot.depth <= max_depth);
        return slot;
    }

    /// Consumer side: hand the slot returned by `peek` back to the producers.
    pub fn release(self: *Ring, slot: *Slot) void {
        const pos = self.tail.load(.monotonic);
        assert(self.indexOf(slot) == pos & (self.slots.len - 1));
        seqPtr(slot).store(pos + self.slots.len, .release);
        self.tail.store(pos + 1, .monotonic);
    }

    /// Slots claimed but not yet consumed (published or still being written).
    pub fn pending(self: *Ring) u64 {
        return self.head.load(.monotonic) - self.tail.load(.monotonic);
    }
};

test "ring: fill, drop when full, drain in order" {
    var slots: [4]Slot = undefined;
    var ring = Ring.init(&slots);
    var i: u32 = 0;
    while (i < 4) : (i += 1) {
        const s = ring.claim().?;
        s.tid = i;
        s.depth = 0;
        ring.publish(s);
    }
    try std.testing.expect(ring.claim() == null);
    i = 0;
    while (ring.peek()) |s| : (i += 1) {
        try std.testing.expectEqual(i, s.tid);
        ring.release(s);
    }
    try std.testing.expectEqual(@as(u32, 4), i);
    try std.testing.expect(ring.claim() != null);
}

test "ring: a claimed but unpublished slot blocks the consumer" {
    var slots: [2]Slot = undefined;
    var ring = Ring.init(&slots);
    const a = ring.claim().?;
    const b = ring.claim().?;
    b.depth = 0;
    ring.publish(b);
    try std.testing.expect(ring.peek() == null); // a comes first and is not ready
    a.depth = 0;
    ring.publish(a);
    try std.testing.expect(ring.peek() == a);
    try std.testing.expectEqual(@as(u64, 2), ring.pending());
}

test "ring: many producer threads, one consumer, nothing lost or duplicated" {
    const n_threads = 4;
    const per_thread = 20_000;
    const slots = try std.testing.allocator.alloc(Slot, 64);
    defer std.testing.allocator.free(slots);
    var ring = Ring.init(slots);
    var dropped = std.atomic.Value(u64).init(0);

    const Producer = struct {
        fn run(r: *Ring, id: u32, drops: *std.atomic.Value(u64)) void {
            var k: u32 = 0;
            while (k < per_thread) : (k += 1) {
                if (r.claim()) |s| {
                    s.tid = id;
                    s.weight = k;
                    s.depth = 1;
                    s.frames[0] = (@as(u64, id) << 32) | k;
                    r.publish(s);
                } else {
                    _ = drops.fetchAdd(1, .monotonic);
                }
            }
        }
    };
    var threads: [n_threads]std.Thread = undefined;
    for (&threads, 0..) |*t, id| t.* = try std.Thread.spawn(.{}, Producer.run, .{ &ring, @as(u32, @intCast(id)), &dropped });

    var last = [_]i64{-1} ** n_threads;
    var got: u64 = 0;
    while (got + dropped.load(.monotonic) < n_threads * per_thread) {
        if (ring.peek()) |s| {
            // Per producer, samples arrive in the order they were taken.
            try std.testing.expect(@as(i64, s.weight) > last[s.tid]);
            try std.testing.expectEqual((@as(u64, s.tid) << 32) | s.weight, s.frames[0]);
            last[s.tid] = s.weight;
            ring.release(s);
            got += 1;
        } else {
            std.Thread.yield() catch {};
        }
    }
    for (threads) |t| t.join();
    try std.testing.expectEqual(@as(u64, n_threads * per_thread), got + dropped.load(.monotonic));
    try std.testing.expect(got > 0);
}
