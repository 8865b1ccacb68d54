// The web viewer end to end in real headless Chromium (Debian's chromium driven by playwright-core), served by
// `cli.ts view` and `cli.ts --web` on Deno and on Bun: the hot function is the widest frame, zoom and back,
// search, threads, sandwich, call tree, functions, time range, diff, escaping, and the one-million-sample timing.
// Screenshots of every view go to tests/output/web/ for review.
import t from "tap";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { CLI, ROOT, run as runChild, runArgs, start, tempDir, waitForOutput } from "../helpers.mjs";

t.setTimeout(150_000); // the file takes ~47 s on 2 cores

const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const OUT = join(ROOT, "tests/output/web");
const RUNTIMES = (process.env.WEB_RUNTIMES ?? "deno,bun").split(",");
const OPEN_BUDGET_MS = 2000; // a 1M-sample profile opens and becomes interactive within this
const INTERACTION_BUDGET_MS = 100; // zoom and search respond within this

/**
 * Starts `cli.ts ARGS` (view or --web) and resolves once it prints the URL (within `timeoutMs`:
 * 1-3 s here). The server is killed when the test `t` ends, whatever happened.
 */
async function serve(t, runtime, args, timeoutMs = 30_000) {
  const [cmd, argv] = runArgs(runtime, CLI, args);
  const started = Date.now();
  const proc = start(cmd, argv, { t, timeout: 120_000 });
  const m = await waitForOutput(proc, "stderr", /(http:\/\/127\.0\.0\.1:\d+\/)/, timeoutMs);
  return {
    url: m[1],
    readyMs: Date.now() - started,
    output: proc.output,
    /** Ctrl-C; resolves to the exit code, or rejects if it does not stop in 10 s. */
    stop: () => {
      proc.kill("SIGINT");
      let timer;
      return Promise.race([
        proc.done.then(({ status, signal }) => ({ code: status, signal })),
        new Promise((_, no) => (timer = setTimeout(() => {
          proc.kill("SIGKILL");
          no(new Error("server did not stop on SIGINT"));
        }, 10_000))),
      ]).finally(() => clearTimeout(timer));
    },
  };
}

/** The frames drawn in a flame graph ("flame", "callers", "callees", "diff"), with names and screen positions. */
const rects = (page, which = "flame") => page.evaluate((w) => globalThis.vmprofDebug.rects(w), which);
const byName = (rs, re) => rs.filter((r) => re.test(r.name));

async function open(browser, url, errors) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  const started = Date.now();
  await page.goto(url);
  await page.waitForFunction(() => globalThis.vmprofDebug?.ready || globalThis.vmprofDebug?.error, null, {
    timeout: 60_000,
  });
  const error = await page.evaluate(() => globalThis.vmprofDebug.error);
  if (error) throw new Error(`the page failed: ${error}`);
  return { page, openMs: Date.now() - started, timings: await page.evaluate(() => globalThis.vmprofDebug.timings) };
}

const shot = (page, name) => page.screenshot({ path: join(OUT, `${name}.png`), fullPage: true });

/** The share `show` prints for a frame of the call tree ("55.2% |.|. hotLoop"). */
async function showShare(runtime, log, name) {
  const [cmd, argv] = runArgs(runtime, CLI, ["show", log]);
  const r = await runChild(cmd, argv);
  const line = r.stdout.split("\n").find((l) => new RegExp(`[ .|]${name}\\s`).test(l));
  return line === undefined ? undefined : Number(/^\s*([\d.]+)%/.exec(line)[1]);
}

if (!existsSync(CHROMIUM)) {
  t.plan(0, `chromium is not installed at ${CHROMIUM} (apt-get install -y chromium; .ci/run does it)`);
} else {
  let chromium;
  try {
    ({ chromium } = await import("playwright-core"));
  } catch {
    chromium = undefined;
  }
  if (chromium === undefined) {
    t.plan(0, "playwright-core is not installed (npm ci)");
  } else {
    await run(chromium);
  }
}

async function run(chromium) {
  mkdirSync(OUT, { recursive: true });
  const dir = tempDir();
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const [gcmd, gargv] = runArgs("deno", join(ROOT, "tests/fixtures/make_web_logs.ts"), [dir, "big"]);
  const gen = await runChild(gcmd, gargv, { timeout: 60_000 }); // ~0.5 s
  if (gen.status !== 0) throw new Error(`make_web_logs failed: ${gen.stderr}`);
  const log = (name) => join(dir, name);

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  t.teardown(() => browser.close());

  for (const runtime of RUNTIMES) {
    t.test(`${runtime}: view a profile — widest frame, zoom, search, threads, tiers, sandwich, tree, functions, time range`, async (t) => {
      const server = await serve(t, runtime, ["view", "--no-open", log("hot.log")]);
      const errors = [];
      try {
        const { page } = await open(browser, server.url, errors);
        await shot(page, `${runtime}-flame`);

        // The hot function is the widest frame below the ones every sample of main passes through.
        const all = await rects(page);
        const width = all.find((r) => r.name === "<all>").w;
        const below = all.filter((r) => !/<all>|<module>|js:main:/.test(r.name));
        const widest = below.reduce((a, b) => (b.w > a.w ? b : a));
        t.match(widest.name, /^js:hotLoop:12:/, "hotLoop is the widest frame");
        const share = Math.round((1000 * widest.w) / width) / 10;
        t.equal(share, await showShare(runtime, log("hot.log"), "hotLoop"), "its width is the share `show` prints");

        // Zoom in by clicking it; the breadcrumb leads back.
        await page.mouse.click(widest.clientX + 40, widest.clientY);
        await page.waitForFunction(() => globalThis.vmprofDebug.state().zoom !== 0);
        const crumbs = await page.locator("#crumbs button").allTextContents();
        t.same(crumbs, ["all", "<module>", "main", "hotLoop"], "breadcrumb");
        const zoomed = byName(await rects(page), /hotLoop/)[0];
        t.ok(zoomed.w >= width - 1, "hotLoop fills the width when zoomed");
        await page.waitForFunction(() => globalThis.vmprofDebug.latency.zoom !== undefined);
        t.comment(`zoom: ${(await page.evaluate(() => globalThis.vmprofDebug.latency.zoom)).toFixed(1)} ms`);
        await shot(page, `${runtime}-zoom`);
        await page.locator("#crumbs button", { hasText: /^all$/ }).click();
        t.equal(await page.evaluate(() => globalThis.vmprofDebug.state().zoom), 0, "back at the root");
        t.ok(Math.abs(byName(await rects(page), /hotLoop/)[0].w - widest.w) < 0.5, "hotLoop back to its width");

        // Search: matches highlighted, their share of samples shown.
        await page.locator("#search").fill("parser.ts");
        await page.waitForFunction(() => /matches/.test(document.getElementById("search-result").textContent));
        t.equal(await page.locator("#search-result").textContent(), "matches: 13.6% of samples (407)");
        await page.waitForFunction(() => globalThis.vmprofDebug.latency.search !== undefined);
        t.comment(`search: ${(await page.evaluate(() => globalThis.vmprofDebug.latency.search)).toFixed(1)} ms`);
        await shot(page, `${runtime}-search`);
        await page.locator("#search").fill("/^js:(crunch|nextToken):/");
        await page.waitForFunction(() => /\(799\)/.test(document.getElementById("search-result").textContent));
        t.equal(await page.locator("#search-result").textContent(), "matches: 26.6% of samples (799)", "a /regex/");
        await page.locator("#search").fill("");

        // Tiers, activities and colour classes: the one-line split, the legend, the merge toggle.
        t.equal(
          await page.locator("#activity-split").textContent(),
          "JIT 74.9% · interpreter 6.9% · GC 6.6% · runtime native 6.7% · idle 4.9%",
        );
        const legend = await page.locator("#legend").textContent();
        for (const k of ["optimized JIT", "mid-tier JIT", "baseline JIT", "interpreter", "native", "GC", "idle"]) {
          t.match(legend, k);
        }
        await page.locator("#merge-tiers").uncheck();
        t.equal(
          byName(await rects(page), /hotLoop/)[0].w,
          widest.w,
          "one key per function here: the same widths apart",
        );
        await page.locator("#merge-tiers").check();

        // Threads: only worker-1's samples.
        const labels = await page.locator("#thread-select option").allTextContents();
        t.match(
          labels,
          ["all threads (3,000)", /^main 100 \(2,261\)$/, /^worker-2 102 \(/, /^worker-1 101 \(/],
          "threads by name",
        );
        await page.locator("#thread-select").selectOption({ label: labels[3] });
        await page.waitForFunction(() => globalThis.vmprofDebug.state().thread === 2);
        const names = (await rects(page)).map((r) => r.name);
        t.ok(
          names.some((n) => /workerMain/.test(n)) && !names.some((n) => /hotLoop/.test(n)),
          "only worker-1's frames",
        );
        await shot(page, `${runtime}-thread`);
        await page.locator("#thread-select").selectOption("-1");

        // Sandwich: right-click parse.
        const parse = byName(await rects(page), /js:parse:/)[0];
        await page.mouse.click(parse.clientX + 10, parse.clientY, { button: "right" });
        await page.waitForSelector("#tab-sandwich:not([hidden])");
        t.match(await page.locator("#sandwich-title").textContent(), /^parse: total 13\.6%, self 0\.0%/);
        t.same(byName(await rects(page, "callers"), /js:main:/).length, 1, "main calls parse");
        const callees = (await rects(page, "callees")).map((r) => r.label);
        t.ok(
          callees.includes("nextToken") && callees.includes("readFileSync"),
          "parse calls nextToken and readFileSync",
        );
        await shot(page, `${runtime}-sandwich`);

        // Call tree: hotLoop under main with show's numbers, expandable.
        await page.locator('#tabs button[data-tab="tree"]').click();
        const row = page.locator("#tree-table tbody tr", { hasText: "hotLoop" });
        t.match(await row.textContent(), /55\.2%45\.7%1,655/, "hotLoop: total, self, samples");
        const before = await page.locator("#tree-table tbody tr").count();
        await page.locator("#tree-table tbody tr", { hasText: "parse" }).click();
        t.equal(await page.locator("#tree-table tbody tr").count(), before + 2, "parse expands to its two callees");
        await shot(page, `${runtime}-tree`);

        // Functions: sortable by self and total, filterable; a row opens its sandwich.
        await page.locator('#tabs button[data-tab="flat"]').click();
        t.match(
          await page.locator("#flat-table tbody tr").first().textContent(),
          /^45\.7%1,371.*hotLoop/,
          "biggest self first",
        );
        await page.locator('#flat-table th button[data-sort="total"]').click();
        t.match(await page.locator("#flat-table tbody tr").first().textContent(), /<module>/, "biggest total first");
        await shot(page, `${runtime}-functions`);
        await page.locator("#flat-filter").fill("token");
        t.equal(await page.locator("#flat-table tbody tr").count(), 1, "filtered");
        await page.locator("#flat-table tbody tr").first().click();
        t.match(await page.locator("#sandwich-title").textContent(), /^nextToken:/, "row → sandwich");

        // Time range: drag across the first half of the timeline; every view follows.
        await page.locator('#tabs button[data-tab="flame"]').click();
        const tl = await page.locator("#tl-flame").boundingBox();
        await page.mouse.move(tl.x + 2, tl.y + 10);
        await page.mouse.down();
        await page.mouse.move(tl.x + tl.width / 4, tl.y + 10, { steps: 4 });
        await page.mouse.move(tl.x + tl.width / 2, tl.y + 10, { steps: 4 });
        await page.mouse.up();
        await page.waitForFunction(() =>
          globalThis.vmprofDebug.state().from !== 0 || globalThis.vmprofDebug.state().to < 3000
        );
        const st = await page.evaluate(() => globalThis.vmprofDebug.state());
        t.ok(st.samples > 1000 && st.samples < 2000, `about half the samples selected (${st.samples})`);
        t.match(
          await page.locator("#range-label").textContent(),
          /^selected 0\.0\d\d s – 0\.7\d\d s · 1,\d{3} samples$/,
        );
        await shot(page, `${runtime}-range`);
        await page.locator("#range-clear").click();
        t.equal((await page.evaluate(() => globalThis.vmprofDebug.state())).samples, 3000, "selection cleared");

        // Flame orientation: the root at the bottom.
        await page.locator("#orient-flame").click();
        const flipped = await rects(page);
        t.ok(flipped.find((r) => r.name === "<all>").y > byName(flipped, /hotLoop/)[0].y, "root below its callees");
        await shot(page, `${runtime}-flame-orientation`);
        t.same(errors, [], "no page errors");
        await page.close();
      } finally {
        t.equal((await server.stop()).code, 0, "Ctrl-C stops the server, status 0");
      }
    });

    t.test(`${runtime}: view old.log new.log — the diff`, async (t) => {
      const server = await serve(t, runtime, ["view", "--no-open", log("old.log"), log("new.log")]);
      const errors = [];
      try {
        const { page } = await open(browser, server.url, errors);
        t.equal(await page.locator("#title").textContent(), "new.log", "the new profile is shown");
        await page.locator('#tabs button[data-tab="diff"]').click();
        t.match(
          await page.locator("#diff-summary").textContent(),
          /^old: old\.log \(3,000 samples\) → new: new\.log \(3,000 samples\)/,
        );
        const first = page.locator("#movers tbody tr").first();
        t.match(await first.textContent(), /^nextToken/, "the biggest mover is the slower parser");
        t.equal(await first.locator("td.up").count(), 2, "grew: self and total in red");
        t.ok(byName(await rects(page, "diff"), /js:parse:/).length === 1, "parse drawn in the diff flame graph");
        await shot(page, `${runtime}-diff`);
        await page.locator("#profile-select").selectOption("0");
        t.equal(await page.locator("#title").textContent(), "old.log", "switch to the old profile");
        t.same(errors, [], "no page errors");
        await page.close();
      } finally {
        await server.stop();
      }
    });

    t.test(`${runtime}: names from the log are text, never HTML`, async (t) => {
      const server = await serve(t, runtime, ["view", "--no-open", log("evil.log")]);
      const errors = [];
      try {
        const { page } = await open(browser, server.url, errors);
        const img = byName(await rects(page), /<img/)[0];
        await page.mouse.move(img.clientX + 20, img.clientY);
        await page.waitForSelector("#tooltip:not([hidden])");
        t.equal(
          await page.locator("#tooltip .t-name").textContent(),
          '<img src=x onerror="window.__pwned=1">',
          "tooltip shows the name as text",
        );
        await page.locator('#tabs button[data-tab="flat"]').click();
        const text = await page.locator("#flat-table").textContent();
        t.match(text, '<img src=x onerror="window.__pwned=1">');
        t.match(text, '"><script>window.__pwned=2</script>.ts');
        t.match(text, "</style><svg onload=window.__pwned=3>");
        t.match(await page.locator("#thread-select").textContent(), '<b id="pwned-thread">thread</b>');
        await page.locator('#tabs button[data-tab="tree"]').click();
        await page.locator('#tabs button[data-tab="sandwich"]').click();
        await page.waitForTimeout(300); // an onerror would have fired by now
        t.equal(await page.evaluate(() => globalThis.__pwned), undefined, "no script ran");
        t.equal(
          await page.locator("main img, main script, main svg, #pwned-thread").count(),
          0,
          "no element made from the log",
        );
        await page.locator('#tabs button[data-tab="flat"]').click();
        await shot(page, `${runtime}-escaping`);
        t.same(errors, [], "no page errors");
        await page.close();
      } finally {
        await server.stop();
      }
    });

    t.test(`${runtime}: view Python vmprof's log and a .cpuprofile`, async (t) => {
      const cases = [
        ["python", join(ROOT, "tests/fixtures/python-vmprof.log"), "squares", /^py:squares:5:example\.py$/],
        ["cpuprofile", join(ROOT, "tests/fixtures/formats/bun-fib.cpuprofile"), "words", /:words:9:.*fib\.ts$/],
      ];
      for (const [what, file, label, re] of cases) {
        const server = await serve(t, runtime, ["view", "--no-open", file]);
        const errors = [];
        try {
          const { page } = await open(browser, server.url, errors);
          const frame = (await rects(page)).filter((r) => r.label === label).reduce((a, b) => (b.w > a.w ? b : a));
          t.match(frame?.name, re, `${what}: ${label} drawn`);
          const [cmd, argv] = runArgs(runtime, CLI, ["show", file]);
          const shown = (await runChild(cmd, argv)).stdout.split("\n").find((l) => l.includes(` ${label} `));
          const width = (await rects(page)).find((r) => r.name === "<all>").w;
          t.equal(
            (Math.round((1000 * frame.w) / width) / 10).toFixed(1),
            /^\s*([\d.]+)%/.exec(shown)[1],
            `${what}: ${label}'s width is show's share`,
          );
          await shot(page, `${runtime}-${what}`);
          t.same(errors, [], `${what}: no page errors`);
          await page.close();
        } finally {
          await server.stop();
        }
      }
    });

    t.test(`${runtime}: one million samples open in under 2 s; zoom and search within 100 ms`, async (t) => {
      const server = await serve(t, runtime, ["view", "--no-open", log("big.log")], 60_000);
      const errors = [];
      try {
        t.comment(`${runtime}: server read the 1M-sample log and served it after ${server.readyMs} ms`);
        const { page, openMs, timings } = await open(browser, server.url, errors);
        t.comment(
          `${runtime}: navigation → interactive ${openMs} ms (in page: fetched ${
            timings.fetched.toFixed(0)
          } ms, decoded ${timings.decoded.toFixed(0)} ms, interactive ${timings.interactive.toFixed(0)} ms)`,
        );
        t.ok(openMs < OPEN_BUDGET_MS, `opens and becomes interactive in ${openMs} ms`);
        t.equal((await page.evaluate(() => globalThis.vmprofDebug.state())).samples, 1_000_000);
        await shot(page, `${runtime}-1m-flame`);
        // Zoom into the widest frame that is not the whole width and back, five times; five searches.
        for (let i = 0; i < 5; i++) {
          const rs = (await rects(page)).filter((r) => r.name !== "<all>" && r.w < 1300 && r.w > 20);
          const target = rs.reduce((a, b) => (b.w > a.w ? b : a));
          await page.mouse.click(target.clientX + 5, target.clientY);
          await page.waitForFunction((n) => (globalThis.vmprofDebug.latencies.zoom ?? []).length === n, 2 * i + 1);
          if (i === 0) await shot(page, `${runtime}-1m-zoom`);
          await page.locator("#crumbs button").first().click();
          await page.waitForFunction((n) => globalThis.vmprofDebug.latencies.zoom.length === n, 2 * i + 2);
        }
        for (const q of ["render", "parse", "/fn1\\d_/", "module7.ts", "hotLoop"]) {
          const n = await page.evaluate(() => (globalThis.vmprofDebug.latencies.search ?? []).length);
          await page.locator("#search").fill(q);
          await page.waitForFunction((k) => (globalThis.vmprofDebug.latencies.search ?? []).length > k, n);
        }
        const lat = await page.evaluate(() => globalThis.vmprofDebug.latencies);
        const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
        const fmt = (xs) => xs.map((x) => x.toFixed(0)).join(", ");
        t.comment(
          `${runtime}: 1M zoom ms: ${fmt(lat.zoom)} (median ${median(lat.zoom).toFixed(1)}); search ms: ${
            fmt(lat.search)
          } (median ${median(lat.search).toFixed(1)})`,
        );
        t.ok(
          median(lat.zoom) < INTERACTION_BUDGET_MS,
          `zoom responds in ${median(lat.zoom).toFixed(1)} ms (median of ${lat.zoom.length})`,
        );
        t.ok(
          median(lat.search) < INTERACTION_BUDGET_MS,
          `search responds in ${median(lat.search).toFixed(1)} ms (median of ${lat.search.length})`,
        );
        await shot(page, `${runtime}-1m-search`);
        t.same(errors, [], "no page errors");
        await page.close();
      } finally {
        await server.stop();
      }
    });

    t.test(`${runtime}: --web profiles a program, then serves it until Ctrl-C`, async (t) => {
      const saved = join(dir, `${runtime}-web.log`);
      const server = await serve(t, runtime, ["--web", "--no-open", "-o", saved, join(ROOT, "examples/fib.ts"), "30"]);
      const errors = [];
      let stopped = false;
      try {
        t.ok(existsSync(saved), "-o saved the log too");
        const { page } = await open(browser, server.url, errors);
        t.equal(await page.locator("#title").textContent(), "fib.ts");
        const names = (await rects(page)).map((r) => r.name);
        t.ok(names.some((n) => /^js:fib:\d+:.*fib\.ts$/.test(n)), "fib is in the flame graph");
        await shot(page, `${runtime}-web`);
        t.same(errors, [], "no page errors");
        await page.close();
        stopped = true;
        t.equal((await server.stop()).code, 0, "Ctrl-C ends it with the program's status");
      } finally {
        if (!stopped) await server.stop();
      }
    });
  }
}
