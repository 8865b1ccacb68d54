//! Builds zig-out/lib/libvmprof.so (the sampler) and runs the Zig unit tests (`zig build test`).
const std = @import("std");

pub fn build(b: *std.Build) void {
    const target = b.standardTargetOptions(.{});
    // ReleaseSafe by default: a Debug build's handler frames overflow the ~8 KB alternate
    // signal stacks the runtimes install (it crashes at once), and asserts stay on.
    const optimize = b.option(std.builtin.OptimizeMode, "optimize", "Optimization mode (default ReleaseSafe)") orelse .ReleaseSafe;

    const mod = b.createModule(.{
        .root_source_file = b.path("zig/root.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        // The handler walks frame pointers; keep our own frames walkable too.
        .omit_frame_pointer = false,
    });
    const lib = b.addLibrary(.{ .name = "vmprof", .linkage = .dynamic, .root_module = mod });
    b.installArtifact(lib);

    const tests = b.addTest(.{ .root_module = mod });
    const run = b.addRunArtifact(tests);
    b.step("test", "Run the Zig unit tests").dependOn(&run.step);
}
