// Continuous profiles for Pyroscope (`--push URL --every S`): every S seconds while the program
// runs, the raw log so far is copied and named, and the samples not yet pushed go out as one
// window; the last window is pushed from the finished log when the program ends.

import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import type { Profile } from "../format/reader.ts";
import { parseLog } from "../format/reader.ts";
import { Stats } from "../profile/stats.ts";
import { say } from "../commands/command.ts";
import { type PushTarget, pushToPyroscope } from "./pyroscope.ts";

/** Names a copy of the raw log (the profile command passes finishLog, so this module loads no namer). */
export type NameSnapshot = (rawCopy: string) => Promise<Uint8Array>;

/**
 * Which samples of a named profile are new: a thread's samples only ever grow at the end of the
 * raw log, so "new" is the samples of each thread past the count pushed before. Returns the new
 * samples' Stats and the counts to remember.
 */
export function newSamples(
  p: Profile,
  pushed: Map<number, number>,
): { stats: Stats; counts: Map<number, number>; n: number } {
  const seen = new Map<number, number>();
  let n = 0;
  const stats = new Stats(p).filter((s) => {
    const k = seen.get(s.thread) ?? 0;
    seen.set(s.thread, k + 1);
    const fresh = k >= (pushed.get(s.thread) ?? 0);
    if (fresh) n++;
    return fresh;
  });
  return { stats, counts: seen, n };
}

export class ContinuousPush {
  #pushed = new Map<number, number>();
  #fromSec = Date.now() / 1000;
  #timer: ReturnType<typeof setInterval> | undefined;
  #busy: Promise<void> = Promise.resolve();
  #work = mkdtempSync(join(tmpdir(), "vmprof-js-push-"));
  #lastError = "";
  /** Windows pushed so far, and their samples. */
  windows = 0;
  samples = 0;

  constructor(private spool: string, private target: PushTarget, private name: NameSnapshot, everySec: number) {
    this.#timer = setInterval(() => {
      this.#busy = this.#busy.then(() => this.#tick());
    }, everySec * 1000);
  }

  async #tick(): Promise<void> {
    if (!existsSync(this.spool) || statSync(this.spool).size === 0) return;
    const copy = join(this.#work, "raw.log");
    try {
      copyFileSync(this.spool, copy);
      await this.#push(parseLog(await this.name(copy)));
    } catch (e) {
      // A push that fails is said once per reason; the program runs on, the next window retries.
      const why = (e as Error).message;
      if (why !== this.#lastError) say(`push: ${why}`);
      this.#lastError = why;
    }
  }

  async #push(p: Profile): Promise<void> {
    const until = Date.now() / 1000;
    const { stats, counts, n } = newSamples(p, this.#pushed);
    if (n === 0) return;
    await pushToPyroscope(stats, this.target, this.#fromSec, until);
    this.#pushed = counts;
    this.#fromSec = until;
    this.windows++;
    this.samples += n;
    this.#lastError = "";
  }

  /** Stops the timer and waits for a push under way (the program has ended). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#busy;
  }

  /** Stops, and pushes the rest of `finished` (the named log). */
  async finish(finished: Uint8Array | undefined): Promise<void> {
    await this.stop();
    try {
      if (finished) await this.#push(parseLog(finished));
    } finally {
      rmSync(this.#work, { recursive: true, force: true });
    }
  }
}
