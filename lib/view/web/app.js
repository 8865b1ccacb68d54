// The web viewer's controller: loads the profiles, draws the flame graph, the timeline, the header
// and the split, and keeps every tab (tab-*.js) in step with the filters. Shared state: page.js.

import { classSplit, decode, flat, locationOf, matchedSamples, nameMatcher, ProfileModel } from "./model.js";
import { FlameGraph } from "./flame.js";
import { Timeline } from "./timeline.js";
import {
  $,
  CLASS_STYLE,
  debug,
  dirty,
  el,
  expanded,
  filter,
  fmtInt,
  frameColor,
  frameLabel,
  hideTooltip,
  hoverFlame,
  labelColor,
  match,
  measure,
  model,
  models,
  named,
  pct,
  pickLabel,
  ROOT_COLOR,
  setMatch,
  setModel,
  setModels,
  setTree,
  showTooltip,
  state,
  tree,
} from "./page.js";
import { renderCallTree } from "./tab-tree.js";
import { renderFlat } from "./tab-functions.js";
import { calleesFlame, callersFlame, renderSandwich } from "./tab-sandwich.js";
import { diffFlame, renderDiff } from "./tab-diff.js";

const started = performance.now();
// ---------------------------------------------------------------- flame graphs

const flame = new FlameGraph($("flame"), {
  color: frameColor,
  label: frameLabel,
  onHover: hoverFlame,
  onZoom: (_node, e) => {
    renderCrumbs();
    measure("zoom", e.timeStamp);
  },
  onContext: (t, n) => {
    if (n > 0) openSandwich(t.fn(n));
  },
  minRows: 8,
});

function renderCrumbs() {
  const box = $("crumbs");
  if (tree.total[0] === 0) {
    box.replaceChildren(
      el("span", { class: "muted", text: "No samples here (the profile is empty, or the selection is)." }),
    );
    return;
  }
  const path = tree.path(flame.zoomNode);
  const items = [];
  path.forEach((n, i) => {
    if (i > 0) items.push(el("span", { class: "sep", text: "›" }));
    const b = el("button", {
      type: "button",
      text: frameLabel(tree, n),
      title: n === 0 ? "all samples" : tree.names[tree.fn(n)],
    });
    b.addEventListener("click", (e) => {
      flame.zoom(n);
      renderCrumbs();
      measure("zoom", e.timeStamp);
    });
    items.push(b);
  });
  box.replaceChildren(...items);
}

// ---------------------------------------------------------------- timeline

function secondsOf(sample) {
  const h = model.header;
  if (h.startMicros === null || h.endMicros === null || model.samples === 0) return undefined;
  return (sample / model.samples) * ((h.endMicros - h.startMicros) / 1e6);
}

function timeText(sample) {
  const s = secondsOf(sample);
  return s === undefined ? `sample ${fmtInt.format(sample)}` : `${s.toFixed(s < 10 ? 3 : 2)} s`;
}

const timeline = new Timeline($("tl-flame"), $("tl-rss"), {
  colorOfNode: (n) => (n === 0 ? ROOT_COLOR : labelColor(model.trie, n)),
  onSelect: (from, to) => {
    const t = performance.now();
    if (from === null) setRange(0, model.samples);
    else setRange(from, to);
    measure("select", t);
  },
  onHover: (info, e) => {
    if (info === null) return hideTooltip();
    const lines = [el("div", { class: "t-loc", text: timeText(info.sample) })];
    if (info.node > 0) {
      const p = model.parsed[model.trie.fn(info.node)];
      lines.unshift(el("div", { class: "t-name", text: p.name }));
      const loc = locationOf(p);
      if (loc) lines.push(el("div", { class: "t-loc", text: loc }));
    }
    if (info.rss !== undefined) lines.push(el("div", { text: `RSS ${(info.rss / 1024).toFixed(1)} MB` }));
    showTooltip(lines, e);
  },
});

function setRange(from, to) {
  state.from = from;
  state.to = to;
  timeline.set(model, state.thread, from, to);
  refresh(true);
}

function renderRangeLabel() {
  const all = state.from <= 0 && state.to >= model.samples;
  $("range-clear").hidden = all;
  $("range-label").textContent = all
    ? ""
    : `selected ${timeText(state.from)} – ${timeText(state.to)} · ${fmtInt.format(tree.total[0])} samples`;
}

// ---------------------------------------------------------------- header, split, search

function renderHeader() {
  const h = model.header;
  document.title = `${h.label} — vmprof-js`;
  $("title").textContent = h.label;
  const m = h.meta;
  const parts = [];
  if (m.runtime) parts.push(`${m.runtime} ${m.runtime_version ?? ""}`.trim());
  else if (h.interpName) parts.push(h.interpName);
  parts.push(h.realTime || m.mode === "wall" ? "wall-clock" : "CPU time");
  parts.push(`${fmtInt.format(h.samples)} samples`);
  if (h.startMicros !== null && h.endMicros !== null) {
    parts.push(`${((h.endMicros - h.startMicros) / 1e6).toFixed(2)} s`);
  }
  if (h.periodUsec) parts.push(`every ${(h.periodUsec / 1000).toFixed(2)} ms`);
  parts.push(`${h.threads.length} thread${h.threads.length === 1 ? "" : "s"}`);
  if (Number(m.dropped) > 0) parts.push(`${fmtInt.format(Number(m.dropped))} dropped`);
  if (!h.complete) parts.push("log cut short");
  $("summary").textContent = parts.join(" · ");
  const total = model.samples;
  const sel = $("thread-select");
  sel.replaceChildren(el("option", { value: "-1", text: `all threads (${fmtInt.format(total)})` }));
  h.threads.forEach((t, i) => {
    const name = t.name || (i === 0 ? "main" : "thread");
    sel.append(el("option", { value: String(i), text: `${name} ${t.id} (${fmtInt.format(t.samples)})` }));
  });
  sel.value = String(state.thread);
  const ticks = secondsOf(total);
  $("tl-axis").textContent = ticks === undefined ? `${fmtInt.format(total)} samples` : `0 – ${ticks.toFixed(2)} s`;
  const rss = model.sampleRss;
  $("rss-label").textContent = rss ? "RSS (memory) over time" : "";
  const list = $("fn-list");
  const f = flat(model.tree({ thread: -1 }, false), model.names.length);
  const order = [...f.total.keys()].filter((i) => f.total[i] > 0).sort((a, b) => f.total[b] - f.total[a]).slice(0, 500);
  list.replaceChildren(...order.map((i) => el("option", { value: pickLabel(i) })));
}

function renderSplit() {
  const classes = model.colourClasses;
  const split = classSplit(tree, classes.length);
  const total = tree.total[0];
  const present = new Set(model.frameLabels.classOf);
  const items = [];
  const byActivity = model.activityCounts(filter());
  if (byActivity !== undefined) {
    const n = byActivity.reduce((a, b) => a + b, 0);
    const labels = model.header.activityLabels ?? [];
    const parts = model.header.activities.map((a, i) => [labels[i] ?? a, byActivity[i]]).filter(([, c]) => c > 0);
    $("activity-split").textContent = parts.map(([a, c]) => `${a} ${pct(c, n)}`).join(" · ");
  }
  $("activity-split").hidden = byActivity === undefined;
  items.push(el("span", { class: "muted", text: "colours:" }));
  classes.forEach((k, i) => {
    if (!present.has(i) && split[i] === 0) return;
    const st = CLASS_STYLE[k] ?? CLASS_STYLE.other;
    const chip = el("span", { class: "chip", style: { background: `hsl(${st.h}, ${st.s}%, ${st.l}%)` } });
    items.push(el("span", { class: "legend-item", title: k }, chip, `${st.label} ${pct(split[i], total)}`));
  });
  if (tree.self[0] > 0) {
    items.push(el("span", { class: "legend-item muted", text: `no stack ${pct(tree.self[0], total)}` }));
  }
  $("legend").replaceChildren(...items);
}

function updateSearch() {
  setMatch(nameMatcher(model.names, state.query));
  flame.setMatch(match);
  if (!callersFlame.canvas.hidden && callersFlame.tree !== null) {
    callersFlame.setMatch(match);
    calleesFlame.setMatch(match);
  }
  const out = $("search-result");
  if (match === null) out.textContent = "";
  else {
    const n = matchedSamples(tree, match);
    out.textContent = n > 0 ? `matches: ${pct(n, tree.total[0])} of samples (${fmtInt.format(n)})` : "no match";
  }
}

// ---------------------------------------------------------------- sandwich

function openSandwich(fn) {
  state.sandwichFn = fn;
  $("sandwich-pick").value = fn >= 0 ? pickLabel(fn) : "";
  dirty.sandwich = true;
  showTab("sandwich");
}

// ---------------------------------------------------------------- tabs and refresh

function showTab(name) {
  state.tab = name;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("on", b.dataset.tab === name);
  for (const s of document.querySelectorAll("main > .tab")) s.hidden = s.id !== `tab-${name}`;
  renderTab();
}

function renderTab() {
  const t = state.tab;
  if (t === "flame") flame.render();
  else if (t === "tree" && dirty.tree) renderCallTree();
  else if (t === "flat" && dirty.flat) renderFlat();
  else if (t === "sandwich" && dirty.sandwich) renderSandwich();
  else if (t === "diff" && dirty.diff) renderDiff();
  if (t in dirty) dirty[t] = false;
}

function refresh(keepZoom) {
  setTree(named(
    model.tree(filter(), state.merged),
    model.names,
    model.parsed,
    model.colourClasses,
  ));
  flame.tree = tree;
  flame.zoomNode = keepZoom && flame.zoomNode < tree.n && tree.total[flame.zoomNode] > 0 ? flame.zoomNode : 0;
  dirty.tree = dirty.flat = dirty.sandwich = true;
  updateSearch(); // renders the flame graph
  renderCrumbs();
  renderSplit();
  renderRangeLabel();
  if (state.tab !== "flame") renderTab();
}

function selectModel(i) {
  state.cur = i;
  setModel(models[i]);
  state.thread = -1;
  state.from = 0;
  state.to = model.samples;
  state.sandwichFn = -1;
  flame.zoomNode = 0;
  renderHeader();
  timeline.set(model, -1, 0, model.samples);
  refresh(false);
}

// ---------------------------------------------------------------- wiring

function wire() {
  $("thread-select").addEventListener("change", (e) => {
    state.thread = Number(e.target.value);
    timeline.set(model, state.thread, state.from, state.to);
    refresh(true);
  });
  $("merge-tiers").addEventListener("change", (e) => {
    state.merged = e.target.checked;
    refresh(false);
  });
  for (const [id, o] of [["orient-icicle", "icicle"], ["orient-flame", "flame"]]) {
    $(id).addEventListener("click", () => {
      state.orient = o;
      $("orient-icicle").classList.toggle("on", o === "icicle");
      $("orient-flame").classList.toggle("on", o === "flame");
      flame.setOrientation(o);
    });
  }
  $("search").addEventListener("input", (e) => {
    state.query = e.target.value;
    updateSearch();
    measure("search", e.timeStamp);
  });
  $("range-clear").addEventListener("click", () => setRange(0, model.samples));
  for (const b of document.querySelectorAll("#tabs button")) b.addEventListener("click", () => showTab(b.dataset.tab));
  $("tree-table").tBodies[0].addEventListener("click", (e) => {
    const tr = e.target.closest("tr");
    if (!tr) return;
    const n = Number(tr.dataset.node);
    if (expanded.has(n)) expanded.delete(n);
    else expanded.add(n);
    renderCallTree();
  });
  $("flat-filter").addEventListener("input", (e) => {
    state.flatFilter = e.target.value;
    renderFlat();
  });
  for (const b of document.querySelectorAll("#flat-table th button")) {
    b.addEventListener("click", () => {
      state.flatSort = b.dataset.sort;
      renderFlat();
    });
  }
  $("flat-table").tBodies[0].addEventListener("click", (e) => {
    const tr = e.target.closest("tr");
    if (tr) openSandwich(Number(tr.dataset.fn));
  });
  $("sandwich-pick").addEventListener("change", (e) => {
    const v = e.target.value;
    for (let i = 0; i < model.names.length; i++) {
      if (pickLabel(i) === v) {
        state.sandwichFn = i;
        renderSandwich();
        return;
      }
    }
  });
  $("profile-select").addEventListener("change", (e) => selectModel(Number(e.target.value)));
  document.addEventListener("keydown", (e) => {
    const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
    if (e.key === "/" && !typing) {
      e.preventDefault();
      $("search").focus();
    } else if (e.key === "Escape" && !typing && state.tab === "flame") {
      flame.zoom(0);
      renderCrumbs();
    }
  });
  let pending = false;
  addEventListener("resize", () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      timeline.render();
      renderTab();
    });
  });
}

/** Test and debugging hooks: the frames as drawn, with names. */
function rectsOf(g) {
  const t = g.tree;
  if (t === null) return [];
  const r = g.canvas.getBoundingClientRect();
  return g.rects().map((x) => ({
    ...x,
    name: x.node === 0 ? "<all>" : t.names[t.fn(x.node)],
    label: frameLabel(t, x.node),
    clientX: r.left + x.x + Math.min(x.w, 8) / 2,
    clientY: r.top + x.y + x.h / 2,
    total: t.total[x.node],
  }));
}
debug.rects = (which = "flame") =>
  rectsOf({ flame, callers: callersFlame, callees: calleesFlame, diff: diffFlame }[which]);
debug.state = () => ({ ...state, zoom: flame.zoomNode, samples: tree?.total[0] ?? 0 });

async function main() {
  const index = await (await fetch("data/index.json")).json();
  debug.timings.index = performance.now() - started;
  const buffers = await Promise.all(index.profiles.map(async (p) => {
    const r = await fetch(p.url);
    if (!r.ok) throw new Error(`cannot load ${p.url}: HTTP ${r.status}`);
    return r.arrayBuffer();
  }));
  debug.timings.fetched = performance.now() - started;
  setModels(buffers.map((b) => {
    const m = new ProfileModel(decode(b));
    named(m.trie, m.names, m.parsed, m.colourClasses);
    return m;
  }));
  debug.timings.decoded = performance.now() - started;
  if (models.length > 1) {
    const sel = $("profile-select");
    sel.replaceChildren(
      el("option", { value: "1", text: `new: ${models[1].header.label}` }),
      el("option", { value: "0", text: `old: ${models[0].header.label}` }),
    );
    $("profile-pick").hidden = false;
    document.querySelector('#tabs button[data-tab="diff"]').hidden = false;
  }
  wire();
  const m = models[models.length - 1];
  let t = performance.now();
  m.tree({ thread: -1 }, false);
  debug.timings.counts = performance.now() - t;
  t = performance.now();
  m.trie.firstOcc();
  debug.timings.firstOcc = performance.now() - t;
  selectModel(models.length - 1);
  debug.timings.rendered = performance.now() - started;
  requestAnimationFrame(() => {
    debug.timings.interactive = performance.now() - started;
    debug.ready = true;
    document.documentElement.dataset.ready = "1";
  });
}

main().catch((e) => {
  const box = $("error");
  box.textContent = `vmprof-js viewer: ${e?.message ?? e}`;
  box.hidden = false;
  debug.error = String(e?.stack ?? e);
});
