// Prints, for the tap tests, a JSON digest of a log sample by sample: per sample the thread,
// rss, kind letter and, for frames of the function named in argv[3], its tier and line.
import process from "node:process";
import { readProfile } from "../mod.ts";
import { parseName } from "../lib/profile/stats.ts";

const stats = await readProfile(process.argv[2]);
const want = process.argv[3];
const kinds = stats.getMeta("vmprof_js.kinds") ?? "";
const out = stats.profile.samples.map((s, i) => {
  let tier: string | undefined, line: number | undefined;
  for (let j = s.stack.length - 1; j >= 0; j--) {
    if (parseName(stats.getName(s.stack[j])).name === want) {
      tier = stats.tierOf(s.stack[j]);
      line = s.lines?.[j];
      break;
    }
  }
  return { thread: s.thread, rss: s.rss, kind: kinds[i], tier, line };
});
console.log(JSON.stringify({ samples: out, split: stats.splitLine(), linesKnown: stats.getMeta("lines_known") }));
