//! Builds zig-out/lib/libvmprof.so (the sampler) and runs the Zig unit tests (`zig build test`).
//! `zig build test-bin` installs the test binary as zig-out/bin/vmprof-test (run in the PKU guest).
const std = @import("std");

pub fn build(b: *std.Build) void {
    // A baseline CPU unless -Dtarget/-Dcpu say otherwise: Zig's default is the build machine's
    // CPU, and a library built on an AVX-512 Xeon dies of SIGILL on any CPU without it (a
    // prebuilt library, a container moved to another host). x86_64 baseline is x86-64 v1
    // (SSE2): the sampler has no loop that wider vectors would speed up, so nothing is lost.
    // tests/build.test.mjs fails if the built library holds instructions beyond it.
    const target = b.standardTargetOptions(.{ .default_target = .{ .cpu_model = .baseline } });
    // ReleaseSafe by default: a Debug build's handler frames overflow the ~8 KB alternate
    // signal stacks the runtimes install (it crashes at once), and asserts stay on.
    const optimize = b.option(std.builtin.OptimizeMode, "optimize", "Optimization mode (default ReleaseSafe)") orelse .ReleaseSafe;
    // -Dstrip drops debug info and the local symbol table (the packaged libraries: 2.2 MB -> ~0.2 MB).
    const strip = b.option(bool, "strip", "Strip debug info (default false)");

    // The ring's size: tests/runtime/faults.test.mjs builds a 2-slot ring to see drops counted.
    const ring_slots = b.option(u32, "ring-slots", "Slots in the sample ring, a power of two (default 512)") orelse 512;
    const options = b.addOptions();
    options.addOption(u32, "ring_slots", ring_slots);

    const mod = b.createModule(.{
        .root_source_file = b.path("zig/root.zig"),
        .target = target,
        .optimize = optimize,
        .link_libc = true,
        // The handler walks frame pointers; keep our own frames walkable too.
        .omit_frame_pointer = false,
        .strip = strip,
    });
    mod.addOptions("build_options", options);
    const lib = b.addLibrary(.{ .name = "vmprof", .linkage = .dynamic, .root_module = mod });
    b.installArtifact(lib);

    const tests = b.addTest(.{ .root_module = mod, .name = "vmprof-test" });
    const run = b.addRunArtifact(tests);
    b.step("test", "Run the Zig unit tests").dependOn(&run.step);
    const install_tests = b.addInstallArtifact(tests, .{});
    b.step("test-bin", "Install the Zig unit test binary as zig-out/bin/vmprof-test").dependOn(&install_tests.step);
}
