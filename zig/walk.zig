//! The stack walk of the signal handler: frame pointers from the interrupted registers into
//! a sample's frames. Every memory read the handler makes about the interrupted code is here,
//! and each says what could make it fault and why it cannot.
//!
//! Reads and why they cannot fault (the handler runs with read access to every protection
//! key, see pkeys.zig, so a key never makes a read fault; what is left is unmapped memory):
//! * stack words (`stackWord`): only inside [sp, hi) of the interrupted thread's own stack
//!   mapping, 8-byte aligned. The bounds were read from /proc/self/maps for this thread (the
//!   handler checks the thread id before walking), that mapping lives as long as the thread,
//!   and Linux never shrinks a stack mapping. A sp outside the bounds (a signal stack, a
//!   coroutine stack) stops the walk at the leaf. Return addresses and saved frame pointers
//!   read from it are data: they are range-checked before use, never dereferenced. When fp
//!   is data at the leaf (code without frame pointers), `savedFramePointer` reads up to 4 KB
//!   of words above sp, through the same checks, for the frame pointer the leaf saved.
//! * the code bytes at the pc (`leafReturnAddress`): the instruction the thread executes
//!   when the handler returns, so the CPU has it mapped (possibly execute-only, or tagged
//!   with V8's key: readable under the widened PKRU). Bytes past the first are read only
//!   where the first bytes prove they belong to the same instruction (x86_64; on aarch64
//!   the one aligned 4-byte instruction at the pc). The one case left is a
//!   jump into unmapped memory caught by the timer before the fetch; the pc is then checked
//!   against nothing, and the thread dies of that fault when it resumes in any case.
//!   aarch64 has no protection keys; an execute-only page (PROT_EXEC alone, which Linux 6.2+
//!   honours on CPUs with FEAT_EPAN) would make this read fault: neither runtime maps its
//!   code so (V8 and JSC map it readable), and the Zig test checks what the kernel does.
//! * the LLInt CodeBlock word (`frameValue`): a stack word at owner + llint_offset, read
//!   through stackWord inside the thread's stack and above sp (for the leaf too, whose sp may
//!   be on another stack).
//! * the libffi check (`returnsIntoLibffiCall`, x86_64 only): 8 code bytes at a return
//!   address, read only when [ra, ra+8) lies inside the program binary's own text, mapped for
//!   the life of the process (ranges read once at enable).
//!
//! x86_64 and aarch64 keep the same frame record, [fp] = the caller's fp and [fp+8] = the
//! return address (rbp on x86_64, x29 with x30 saved beside it on aarch64), so the walk is
//! one loop. They differ at the leaf: an x86_64 call pushes the return address, so a leaf
//! with no frame of its own has its caller at [sp]; an aarch64 call (bl/blr) leaves it in
//! x30, the link register, until the callee saves it with `stp x29, x30, [sp, #-n]!`.
const std = @import("std");
const builtin = @import("builtin");
const linux = std.os.linux;
const ring = @import("ring.zig");
const procfs = @import("procfs.zig");

/// Bit set on frames recorded from an LLInt frame slot (above any user-space address).
pub const llint_tag: u64 = 1 << 52;
/// Bit set on the word at [sp] recorded after the leaf: the return address of a leaf that keeps
/// no frame (JIT thunks, some libc functions), or just data. The symbolizer decides which.
pub const sp_word_tag: u64 = 1 << 51;

pub const Arch = enum { x86_64, aarch64 };
pub const arch: Arch = switch (builtin.cpu.arch) {
    .x86_64 => .x86_64,
    .aarch64 => .aarch64,
    else => @compileError("vmprof-js walks stacks on x86_64 and aarch64 only"),
};

/// Highest user-space address (x86_64 with 4-level page tables: 47 bits; aarch64 Linux with
/// 4 KB or 64 KB pages: 48 bits): a larger "return address" read from the stack is data, and
/// ends the walk.
const max_user_address: usize = switch (arch) {
    .x86_64 => 1 << 47,
    .aarch64 => 1 << 48,
};

/// Return addresses as code addresses. aarch64 code built with pointer authentication
/// (`-mbranch-protection`, `paciasp`) keeps a signature in the bits above the address in the
/// x30 it saves; the sampler records the address without it (a read of the bits, never an
/// authentication). x86_64 addresses are used as read.
inline fn codeAddress(ra: usize) usize {
    return switch (arch) {
        .x86_64 => ra,
        .aarch64 => ra & (max_user_address - 1),
    };
}

/// What the walk may read besides the registers: the thread's stack and the code ranges.
pub const Context = struct {
    /// The interrupted thread's readable stack [lo, hi); hi == 0 while it is not known.
    lo: usize,
    hi: usize,
    /// Return addresses in [llint_lo, llint_hi) are in JSC's interpreter (0..0: none).
    llint_lo: u64 = 0,
    llint_hi: u64 = 0,
    llint_offset: u32 = 0,
    /// The program binary's text (where Deno links libffi).
    program_text: []const procfs.Range = &.{},
};

/// The interrupted registers the walk starts from; `lr` is aarch64's x30 (0 on x86_64).
pub const Registers = struct { pc: usize, sp: usize, fp: usize, lr: usize = 0 };

pub fn registersOf(uc: *const linux.ucontext_t) Registers {
    switch (arch) {
        .x86_64 => {
            const regs = &uc.mcontext.gregs;
            return .{ .pc = regs[linux.REG.RIP], .sp = regs[linux.REG.RSP], .fp = regs[linux.REG.RBP] };
        },
        .aarch64 => {
            // The kernel's struct sigcontext: fault_address, x0..x30, sp, pc, pstate.
            const m = &uc.mcontext;
            return .{ .pc = m.pc, .sp = m.sp, .fp = m.regs[29], .lr = m.regs[30] };
        },
    }
}

comptime {
    // The offsets of the kernel's ucontext (arch/arm64/include/uapi/asm/ucontext.h: uc_flags,
    // uc_link, uc_stack, a 1024-bit uc_sigmask, then uc_mcontext aligned to 16).
    if (arch == .aarch64) {
        std.debug.assert(@offsetOf(linux.ucontext_t, "mcontext") == 176);
        std.debug.assert(@offsetOf(linux.mcontext_t, "regs") == 8);
        std.debug.assert(@offsetOf(linux.mcontext_t, "sp") == 256);
        std.debug.assert(@offsetOf(linux.mcontext_t, "pc") == 264);
    }
}

/// What one walk found, for the sampler's counters.
pub const Outcome = struct {
    depth: u32 = 0,
    /// Only the leaf: bounds unknown, sp off the stack, or a pc no code can have.
    shallow: bool = false,
    /// Cut at max_depth.
    truncated: bool = false,
    llint_frames: u32 = 0,
};

/// Reads the word at base + offset from the stack if [addr, addr+8) lies inside [lo, hi) and is
/// aligned. `base` is often data (a saved rbp, which code without frame pointers uses as a plain
/// register): the sum is checked, never wrapped, so that no value can overflow (a panic here).
inline fn stackWord(base: usize, offset: usize, lo: usize, hi: usize) ?usize {
    const addr = std.math.add(usize, base, offset) catch return null;
    if (addr < lo or hi < 8 or addr > hi - 8 or addr & 7 != 0) return null;
    return @as(*const usize, @ptrFromInt(addr)).*;
}

inline fn plausibleCode(addr: usize) bool {
    return addr >= 4096 and addr < max_user_address;
}

/// Fills `frames` innermost first from the interrupted registers.
pub fn walk(cx: *const Context, r: Registers, frames: *[ring.max_depth]u64) Outcome {
    var o: Outcome = .{};
    const lo = cx.lo;
    const hi = cx.hi;
    const sp = r.sp;
    var fp = r.fp;
    if (!plausibleCode(r.pc)) {
        // A pc no code can have (a jump through a null pointer is about to fault): record an
        // odd placeholder ("native"), and read neither its code nor the stack.
        frames[0] = 1;
        return .{ .depth = 1, .shallow = true };
    }
    frames[0] = frameValue(cx, r.pc, fp, sp, &o);
    o.depth = 1;
    if (hi == 0 or sp < lo or sp >= hi) {
        // Bounds unknown (the flusher will look them up from this sp) or running on another
        // stack: keep the leaf only rather than read memory we cannot vouch for.
        o.shallow = true;
        return o;
    }

    // A leaf caught in a prologue or at a return has not (or no longer) linked its frame:
    // its caller's return address is on top of the stack (x86_64) or in x30 (aarch64), not
    // behind fp.
    switch (arch) {
        .x86_64 => if (leafReturnAddress(r.pc, sp, fp, hi)) |ra| {
            if (plausibleCode(ra)) {
                frames[o.depth] = ra;
                o.depth += 1;
            }
        } else if (stackWord(sp, 0, sp, hi)) |w| {
            if (plausibleCode(w)) {
                frames[o.depth] = w | sp_word_tag;
                o.depth += 1;
            }
        },
        .aarch64 => {
            const lr = codeAddress(r.lr);
            if (plausibleCode(lr)) {
                if (leafLinkIsCaller(r.pc)) {
                    frames[o.depth] = lr;
                    o.depth += 1;
                } else if (stackWord(fp, 8, sp, hi)) |saved| {
                    // x30 is already the saved return address at fp+8 (the leaf linked its
                    // frame and has called nothing since): the loop records it. Otherwise it
                    // is the caller of a leaf that keeps no frame, or a stale return point of
                    // the leaf's own last call: tagged, for the namer to decide, as the [sp]
                    // word is on x86_64.
                    if (codeAddress(saved) != lr) {
                        frames[o.depth] = lr | sp_word_tag;
                        o.depth += 1;
                    }
                } else {
                    frames[o.depth] = lr | sp_word_tag;
                    o.depth += 1;
                }
            }
        },
    }

    // A leaf in code without frame pointers that uses rbp/x29 as a plain register (libc's
    // pthread_cond_signal, Rust in Deno) breaks the chain at once: find the frame pointer it
    // saved on entry among the words above sp.
    if (nextRecord(fp, sp, lo, hi) == null) {
        if (savedFramePointer(sp, lo, hi)) |saved| fp = saved;
    }
    while (o.depth < ring.max_depth) {
        const ra = codeAddress(stackWord(fp, 8, sp, hi) orelse break);
        var next = stackWord(fp, 0, sp, hi) orelse break;
        if (!plausibleCode(ra)) break;
        frames[o.depth] = frameValue(cx, ra, next, sp, &o);
        o.depth += 1;
        if (next <= fp) break; // frames must move towards the stack base
        if (arch == .x86_64 and returnsIntoLibffiCall(cx, ra)) {
            // libffi's ffi_call_unix64 points rbp at its own argument area: its caller's
            // rbp is at [rbp+16] and its return address at [rbp+24] (Deno's FFI calls).
            const ffi_ra = stackWord(next, 24, sp, hi) orelse break;
            const ffi_next = stackWord(next, 16, sp, hi) orelse break;
            if (!plausibleCode(ffi_ra) or ffi_next <= next or o.depth >= ring.max_depth) break;
            frames[o.depth] = frameValue(cx, ffi_ra, ffi_next, sp, &o);
            o.depth += 1;
            next = ffi_next;
        }
        fp = next;
    } else {
        o.truncated = true;
    }
    return o;
}

/// How far above sp savedFramePointer looks, in words (4 KB: the saved registers of a libc
/// leaf are at its top, a Rust function's locals may come first).
const saved_fp_search_words = 512;

/// [fp], the next record towards the stack base (0 at the base), if `fp` is a frame record:
/// [fp+8] a code address (not on the stack, where a pointer to a local would be) and [fp] 0
/// or above fp; null if it is not one.
inline fn nextRecord(fp: usize, sp: usize, lo: usize, hi: usize) ?usize {
    const ra = codeAddress(stackWord(fp, 8, sp, hi) orelse return null);
    const next = stackWord(fp, 0, sp, hi) orelse return null;
    return if (plausibleCode(ra) and (ra < lo or ra >= hi) and (next == 0 or next > fp)) next else null;
}

/// The first word above sp that points higher up the stack at a frame record whose next
/// record holds too (two return addresses vouch for it, so a pointer to a local seldom
/// passes), or null. Reads only stack words in [sp, hi) (stackWord).
fn savedFramePointer(sp: usize, lo: usize, hi: usize) ?usize {
    var i: usize = 0;
    while (i < saved_fp_search_words) : (i += 1) {
        const at = sp + i * 8;
        const w = stackWord(sp, i * 8, sp, hi) orelse return null;
        // (nextRecord reads [w] and [w+8] through stackWord: w is aligned and below hi when it holds.)
        if (w <= at) continue;
        const next = nextRecord(w, sp, lo, hi) orelse continue;
        if (next != 0 and nextRecord(next, sp, lo, hi) != null) return w;
    }
    return null;
}

/// The return address of a leaf that has no frame of its own at `pc`, if recognisable:
/// at `push rbp` or `ret`/`ret n` it is at [sp]; at `mov rbp, rsp` (rbp just pushed) at [sp+8].
fn leafReturnAddress(pc: usize, sp: usize, fp: usize, hi: usize) ?usize {
    // code[0] is the first byte of the instruction about to run (see the file comment).
    const code: [*]const u8 = @ptrFromInt(pc);
    switch (code[0]) {
        0x55, 0xc3, 0xc2 => return stackWord(sp, 0, sp, hi),
        0x48 => {
            // 0x48 is a REX.W prefix, so code[1] (the opcode) is part of the same instruction;
            // 89 and 8b take a ModRM byte, so code[2] is too. 48 89 e5 / 48 8b ec both encode
            // `mov rbp, rsp`.
            const mov = (code[1] == 0x89 and code[2] == 0xe5) or (code[1] == 0x8b and code[2] == 0xec);
            if (mov and stackWord(sp, 0, sp, hi) == fp) return stackWord(sp, 8, sp, hi);
            return null;
        },
        else => return null,
    }
}

/// aarch64: true if the instruction at `pc` runs while x30 still holds (or again holds) the
/// leaf's return address and x29 its caller's frame: at the entry (`bti c`, `paciasp`), at the
/// frame record's store `stp x29, x30, [sp, #imm]` (pre-indexed or not), at `mov x29, sp` /
/// `add x29, sp, #imm` that links it, and at the end: `autiasp` or `ret`, or any instruction
/// right after the epilogue's `ldp x29, x30, [sp], #imm` (V8 pops its arguments between the
/// two). Reads the aligned instruction at the pc, and the one before it when both lie in one
/// page (the page of the pc, mapped: see the file comment).
fn leafLinkIsCaller(pc: usize) bool {
    if (pc & 3 != 0) return false;
    const insn = @as(*const u32, @ptrFromInt(pc)).*;
    const linking = switch (insn) {
        0xd65f03c0, // ret
        0xd65f0bff, // retaa
        0xd65f0fff, // retab
        0xd503233f, // paciasp
        0xd503237f, // pacibsp
        0xd50323bf, // autiasp
        0xd50323ff, // autibsp
        0xd503245f, // bti c
        0xd50324df, // bti jc
        => true,
        // stp x29, x30, [sp, #imm]! (pre-index) and stp x29, x30, [sp, #imm] (signed offset):
        // 64-bit STP with Rt = x29, Rt2 = x30, Rn = sp, any imm7.
        else => insn & 0xffc07fff == 0xa9807bfd or insn & 0xffc07fff == 0xa9007bfd or
            // add x29, sp, #imm12 (mov x29, sp is imm 0), unshifted.
            insn & 0xffc003ff == 0x910003fd,
    };
    if (linking or pc & 0xfff == 0) return linking;
    // ldp x29, x30, [sp], #imm (post-index): the frame was just unlinked.
    const before = @as(*const u32, @ptrFromInt(pc - 4)).*;
    return before & 0xffc07fff == 0xa8c07bfd;
}

/// True if `ra` is the return point of the call in libffi's ffi_call_unix64, which is
/// followed by `lea rsp, [rbp+0x18]` (48 8d 65 18) and `mov rcx, [rbp]` (48 8b 4d 00).
/// Only looked for inside the program's own text (where Deno links libffi): `ra` comes from
/// the stack and may be any value, so its bytes are read only where they are known mapped.
inline fn returnsIntoLibffiCall(cx: *const Context, ra: usize) bool {
    for (cx.program_text) |t| {
        if (ra >= t.lo and ra + 8 <= t.hi) {
            const code: *align(1) const u64 = @ptrFromInt(ra);
            return code.* == 0x004d8b48_18658d48;
        }
    }
    return false;
}

/// The value recorded for a pc whose frame pointer is `owner`: the pc itself, or for a pc
/// inside JSC's interpreter, the tagged word at owner + llint_offset that tells frames apart.
inline fn frameValue(cx: *const Context, pc: usize, owner: usize, sp: usize, o: *Outcome) u64 {
    if (pc >= cx.llint_lo and pc < cx.llint_hi and cx.hi != 0) {
        // Within [sp, hi) and the thread's own stack: for the leaf, sp may lie on another stack.
        if (stackWord(owner, cx.llint_offset, @max(sp, cx.lo), cx.hi)) |v| {
            // A CodeBlock* is a 16-byte aligned heap cell below 2^48.
            if (v != 0 and v & 15 == 0 and v < (1 << 48)) {
                o.llint_frames += 1;
                return v | llint_tag;
            }
        }
    }
    return pc;
}

// ---------------------------------------------------------------- tests on synthetic stacks

fn testStack() [64]usize {
    return [_]usize{0} ** 64;
}

/// A 4-byte, 4-aligned instruction that is no prologue on either architecture (nop).
const nop_code: [4]u8 align(4) = switch (arch) {
    .x86_64 => .{ 0x90, 0x90, 0x90, 0x90 },
    .aarch64 => @bitCast(@as(u32, 0xd503201f)),
};

test "walk follows the frame pointer chain and stops at the stack base" {
    var stack = testStack();
    const base = @intFromPtr(&stack);
    const hi = base + stack.len * 8;
    // Two frames: [fp0] = fp1, [fp0+8] = ra0; [fp1] = 0 (end), [fp1+8] = ra1.
    const fp0 = base + 8 * 8;
    const fp1 = base + 20 * 8;
    stack[8] = fp1;
    stack[9] = 0x401000;
    stack[20] = 0;
    stack[21] = 0x402000;
    stack[2] = 7; // [sp]: not code, not recorded
    var frames: [ring.max_depth]u64 = undefined;
    const leaf = &nop_code; // not a prologue
    const cx = Context{ .lo = base, .hi = hi };
    // aarch64: x30 equal to the saved return address adds no frame of its own.
    const o = walk(&cx, .{ .pc = @intFromPtr(leaf), .sp = base + 2 * 8, .fp = fp0, .lr = 0x401000 }, &frames);
    try std.testing.expectEqual(@as(u32, 3), o.depth);
    try std.testing.expectEqual(@as(u64, @intFromPtr(leaf)), frames[0]);
    try std.testing.expectEqual(@as(u64, 0x401000), frames[1]);
    try std.testing.expectEqual(@as(u64, 0x402000), frames[2]);
    try std.testing.expect(!o.shallow and !o.truncated);
}

test "a leaf at push rbp gets its caller from [sp]; a fp outside the stack ends the walk" {
    if (arch != .x86_64) return error.SkipZigTest;
    var stack = testStack();
    const base = @intFromPtr(&stack);
    stack[4] = 0x403000;
    var frames: [ring.max_depth]u64 = undefined;
    const prologue = [_]u8{ 0x55, 0x48, 0x89, 0xe5 };
    const cx = Context{ .lo = base, .hi = base + stack.len * 8 };
    const o = walk(&cx, .{ .pc = @intFromPtr(&prologue), .sp = base + 4 * 8, .fp = 0x10 }, &frames);
    try std.testing.expectEqual(@as(u32, 2), o.depth);
    try std.testing.expectEqual(@as(u64, 0x403000), frames[1]);
}

test "a leaf that uses fp as a register: the walk goes on from the frame pointer it saved" {
    var stack = testStack();
    const base = @intFromPtr(&stack);
    const hi = base + stack.len * 8;
    // sp = word 2. The leaf pushed registers: a pointer to a local (word 6, pointing at word 7,
    // whose "return address" is a stack address: no frame record), then the caller's fp
    // (word 10 → frame record at word 20). Records: 20 → 30 → 0.
    stack[6] = base + 7 * 8;
    stack[7] = base + 40 * 8;
    stack[8] = base + 41 * 8;
    stack[10] = base + 20 * 8;
    stack[20] = base + 30 * 8;
    stack[21] = 0x404000;
    stack[30] = 0;
    stack[31] = 0x405000;
    var frames: [ring.max_depth]u64 = undefined;
    const leaf = &nop_code;
    const cx = Context{ .lo = base, .hi = hi };
    // fp holds data (a counter), as in glibc's pthread_cond_signal.
    const o = walk(&cx, .{ .pc = @intFromPtr(leaf), .sp = base + 2 * 8, .fp = 12345 }, &frames);
    try std.testing.expectEqual(@as(u64, 0x404000), frames[o.depth - 2]);
    try std.testing.expectEqual(@as(u64, 0x405000), frames[o.depth - 1]);

    // Only one record behind the saved word: not enough to trust it, the walk ends at the leaf.
    stack[20] = 0;
    const one = walk(&cx, .{ .pc = @intFromPtr(leaf), .sp = base + 2 * 8, .fp = 12345 }, &frames);
    for (frames[0..one.depth]) |f| try std.testing.expect(f != 0x404000);
}

test "unknown bounds or an impossible pc keep the leaf only and read nothing" {
    var frames: [ring.max_depth]u64 = undefined;
    const nop = nop_code;
    const unknown = Context{ .lo = 0, .hi = 0 };
    const o = walk(&unknown, .{ .pc = @intFromPtr(&nop), .sp = 0x1000, .fp = 0x1000 }, &frames);
    try std.testing.expect(o.shallow and o.depth == 1);
    // pc 8: reading its code would fault; the walk must not.
    const bad = walk(&unknown, .{ .pc = 8, .sp = 0, .fp = 0 }, &frames);
    try std.testing.expect(bad.shallow and bad.depth == 1 and frames[0] == 1);
}

test "frame pointers near the top of the address space end the walk, they never overflow" {
    var stack = testStack();
    const base = @intFromPtr(&stack);
    const max = std.math.maxInt(usize);
    // A saved "rbp" that is data (all ones), and a libffi-looking chain: neither may wrap.
    stack[8] = max;
    stack[9] = 0x401000;
    var frames: [ring.max_depth]u64 = undefined;
    const nop = nop_code;
    const cx = Context{ .lo = base, .hi = base + stack.len * 8, .llint_lo = 0x400000, .llint_hi = 0x500000, .llint_offset = 16 };
    for ([_]usize{ max, max - 4, max - 15, base + 8 * 8 }) |fp| {
        const o = walk(&cx, .{ .pc = @intFromPtr(&nop), .sp = base, .fp = fp }, &frames);
        try std.testing.expect(o.depth >= 1 and o.depth <= 3);
    }
}

test "an interpreter leaf on another stack reads no CodeBlock word outside the thread's stack" {
    var stack = testStack();
    const base = @intFromPtr(&stack);
    var frames: [ring.max_depth]u64 = undefined;
    // The thread's stack is the upper half of the buffer; sp and fp point below it, where a
    // real process may have nothing mapped. The CodeBlock word must not be read from there.
    stack[4] = 0x7000_0000_0010; // what a read at fp + 16 would find
    const cx = Context{ .lo = base + 32 * 8, .hi = base + stack.len * 8, .llint_lo = 0x1000, .llint_hi = 0x2000, .llint_offset = 16 };
    const o = walk(&cx, .{ .pc = 0x1800, .sp = base, .fp = base + 2 * 8 }, &frames);
    try std.testing.expect(o.shallow and o.depth == 1);
    try std.testing.expectEqual(@as(u64, 0x1800), frames[0]);
    try std.testing.expectEqual(@as(u32, 0), o.llint_frames);
}

/// aarch64 instructions as the 4 bytes the walk reads at a pc.
fn a64(insn: u32) [4]u8 {
    return @bitCast(insn);
}

test "aarch64: at a prologue, a return or the entry the leaf's caller is x30" {
    if (arch != .aarch64) return error.SkipZigTest;
    var stack = testStack();
    const base = @intFromPtr(&stack);
    // fp is still the caller's frame: [fp] = 0 (end), [fp+8] = the caller's caller.
    const fp = base + 20 * 8;
    stack[21] = 0x402000;
    const cx = Context{ .lo = base, .hi = base + stack.len * 8 };
    var frames: [ring.max_depth]u64 = undefined;
    // stp x29, x30, [sp, #-16]!; stp x29, x30, [sp, #32]; mov x29, sp; add x29, sp, #16;
    // ret; paciasp; autiasp; bti c.
    for ([_]u32{ 0xa9bf7bfd, 0xa9027bfd, 0x910003fd, 0x910043fd, 0xd65f03c0, 0xd503233f, 0xd50323bf, 0xd503245f }) |insn| {
        // After a nop, so that the word before the pc is in the same page and no epilogue.
        const code: [2]u32 align(16) = .{ 0xd503201f, insn };
        const o = walk(&cx, .{ .pc = @intFromPtr(&code[1]), .sp = base + 4 * 8, .fp = fp, .lr = 0x401000 }, &frames);
        try std.testing.expectEqual(@as(u32, 3), o.depth);
        try std.testing.expectEqual(@as(u64, 0x401000), frames[1]);
        try std.testing.expectEqual(@as(u64, 0x402000), frames[2]);
    }
    // add sp, sp, #16 right after ldp x29, x30, [sp], #16 (V8 dropping its arguments).
    const popped: [2]u32 align(16) = .{ 0xa8c17bfd, 0x910043ff };
    const o = walk(&cx, .{ .pc = @intFromPtr(&popped[1]), .sp = base + 4 * 8, .fp = fp, .lr = 0x401000 }, &frames);
    try std.testing.expectEqual(@as(u32, 3), o.depth);
    try std.testing.expectEqual(@as(u64, 0x401000), frames[1]);
}

test "aarch64: elsewhere a different x30 is tagged for the namer; signed return addresses are stripped" {
    if (arch != .aarch64) return error.SkipZigTest;
    var stack = testStack();
    const base = @intFromPtr(&stack);
    const fp = base + 20 * 8;
    // The saved x30 carries a pointer-authentication signature in its top bits.
    stack[21] = 0x002a_0000_0040_2000;
    const cx = Context{ .lo = base, .hi = base + stack.len * 8 };
    var frames: [ring.max_depth]u64 = undefined;
    const body: [2]u32 align(16) = .{ 0xd503201f, 0xd503201f }; // nop; nop
    const o = walk(&cx, .{ .pc = @intFromPtr(&body[1]), .sp = base + 4 * 8, .fp = fp, .lr = 0x401234 }, &frames);
    try std.testing.expectEqual(@as(u32, 3), o.depth);
    try std.testing.expectEqual(@as(u64, 0x401234 | sp_word_tag), frames[1]);
    try std.testing.expectEqual(@as(u64, 0x402000), frames[2]);
    // x30 equal to the saved return address (signature aside) adds nothing; a misaligned pc
    // is not read as an instruction.
    const same = walk(&cx, .{ .pc = @intFromPtr(&body[1]), .sp = base + 4 * 8, .fp = fp, .lr = 0x0055_0000_0040_2000 }, &frames);
    try std.testing.expectEqual(@as(u32, 2), same.depth);
    const odd = walk(&cx, .{ .pc = @intFromPtr(&body[1]) + 1, .sp = base + 4 * 8, .fp = fp, .lr = 0x401234 }, &frames);
    try std.testing.expectEqual(@as(u64, 0x401234 | sp_word_tag), frames[1]);
    try std.testing.expectEqual(@as(u32, 3), odd.depth);
}
