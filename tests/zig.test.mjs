// Runs the Zig unit tests of the native sampler (ring, record encoding, procfs helpers).
import t from "tap";
import { run } from "./helpers.mjs";

// ~2 s with Zig's cache warm, ~20 s cold (the first build on a fresh clone), on 2 cores.
t.setTimeout(120_000);

const r = await run("bash", ["scripts/zig.sh", "build", "test", "--summary", "all"], { timeout: 100_000 });
const out = r.stdout + r.stderr;
t.equal(r.status, 0, "zig build test passes", { output: out.slice(-2000) });
const m = /(\d+)\/(\d+) tests passed/.exec(out);
t.ok(m && m[1] === m[2] && Number(m[1]) >= 10, `all Zig tests pass (${m?.[0]})`);
