//! x86 memory protection keys (PKU) as the signal handler sees them, and how it gets the
//! rights to read what the interrupted code could read.
//!
//! Linux enters every signal handler with the default PKRU, in which every key but 0 is
//! access-disabled, whatever the interrupted thread had. V8 tags its JIT code with a key
//! (`--memory-protection-keys`, on where the CPU has PKU), and the kernel backs PROT_EXEC-only
//! memory with a key of its own: a handler that reads such code bytes faults (`error 25`)
//! although the thread runs that code. So for the walk the handler widens its PKRU to read
//! every key, keeping its own write rights (it writes only its ring, stats and stack, all key
//! 0), and puts its entry PKRU back before it returns (the kernel restores the interrupted
//! thread's PKRU from the signal frame at sigreturn anyway).
//!
//! Read access to every key, rather than the interrupted thread's own PKRU from the XSAVE
//! area: the handler reads the code bytes at the pc, and execute-only code is access-disabled
//! for the thread that runs it too. Widening reads is harmless; writes are never widened.
//!
//! x86_64 only: elsewhere (aarch64) `supported` is false at compile time, detect() finds
//! nothing, widenReads() changes nothing, and none of the x86 instructions is compiled.
const std = @import("std");
const builtin = @import("builtin");

/// PKU and its instructions exist on this architecture.
pub const supported = builtin.cpu.arch == .x86_64;

/// CPUID.(EAX=7,ECX=0):ECX bit 4: the OS has set CR4.PKE, RDPKRU/WRPKRU are usable.
/// Set once by detect() before any handler can run; never changes afterwards.
var os_enabled: bool = false;

/// Reads CPUID; the caller checks the leaf is supported.
fn cpuid(leaf: u32, sub: u32) [4]u32 {
    var a: u32 = undefined;
    var b: u32 = undefined;
    var c: u32 = undefined;
    var d: u32 = undefined;
    asm volatile ("cpuid"
        : [a] "={eax}" (a),
          [b] "={ebx}" (b),
          [c] "={ecx}" (c),
          [d] "={edx}" (d),
        : [leaf] "{eax}" (leaf),
          [sub] "{ecx}" (sub),
    );
    return .{ a, b, c, d };
}

/// Looks up OSPKE. Call outside a signal handler (enable()).
pub fn detect() void {
    if (comptime !supported) return;
    const max_leaf = cpuid(0, 0)[0];
    os_enabled = max_leaf >= 7 and cpuid(7, 0)[2] & (1 << 4) != 0;
}

pub fn available() bool {
    return os_enabled;
}

/// RDPKRU (0f 01 ee; ECX must be 0). Spelled as bytes: the baseline target has no `pku`
/// feature, so the assembler would refuse the mnemonic; the instruction only runs when
/// OSPKE is set. The memory clobber keeps the walk's loads from moving across it.
inline fn rdpkru() u32 {
    return asm volatile (".byte 0x0f, 0x01, 0xee"
        : [ret] "={eax}" (-> u32),
        : [c] "{ecx}" (@as(u32, 0)),
        : .{ .edx = true, .memory = true });
}

/// WRPKRU (0f 01 ef; ECX and EDX must be 0).
inline fn wrpkru(value: u32) void {
    asm volatile (".byte 0x0f, 0x01, 0xef"
        :
        : [a] "{eax}" (value),
          [c] "{ecx}" (@as(u32, 0)),
          [d] "{edx}" (@as(u32, 0)),
        : .{ .memory = true });
}

/// PKRU holds two bits per key: AD (access disable, bit 2k) and WD (write disable, bit 2k+1).
/// The rights for the walk: no key access-disabled, and every key that could not be written
/// on entry (AD or WD set) still write-disabled.
pub fn readAllRights(entry: u32) u32 {
    const ad = entry & 0x5555_5555;
    const wd = entry & 0xaaaa_aaaa;
    return wd | (ad << 1);
}

/// Gives the calling handler read access to every key; returns the PKRU to put back, or
/// null where the CPU or kernel has no PKU (then nothing is changed and nothing can fault
/// on a key). Async-signal-safe: two unprivileged instructions.
pub inline fn widenReads() ?u32 {
    if (comptime !supported) return null;
    if (!os_enabled) return null;
    const entry = rdpkru();
    wrpkru(readAllRights(entry));
    return entry;
}

pub inline fn restore(saved: ?u32) void {
    if (comptime !supported) return;
    if (saved) |entry| wrpkru(entry);
}

test "read-all rights clear access-disable and keep every write-disable" {
    // Linux's default PKRU: key 0 open, keys 1..15 access-disabled.
    try std.testing.expectEqual(@as(u32, 0xaaaa_aaa8), readAllRights(0x5555_5554));
    try std.testing.expectEqual(@as(u32, 0), readAllRights(0));
    try std.testing.expectEqual(@as(u32, 0xaaaa_aaaa), readAllRights(0xffff_ffff));
    // Key 1 write-disabled only (V8's JIT code outside a write scope) stays so.
    try std.testing.expectEqual(@as(u32, 0b1000), readAllRights(0b1000));
}

test "widenReads and restore round-trip the PKRU where the CPU has PKU" {
    if (comptime !supported) return error.SkipZigTest; // no PKU on this architecture
    detect();
    if (!available()) return error.SkipZigTest; // no OSPKE here: the PKU guest runs this
    const before = rdpkru();
    const saved = widenReads().?;
    try std.testing.expectEqual(before, saved);
    try std.testing.expectEqual(readAllRights(before), rdpkru());
    restore(saved);
    try std.testing.expectEqual(before, rdpkru());
}
