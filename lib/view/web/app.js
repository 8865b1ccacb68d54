// The web viewer's controller: loads the profiles, builds every view (flame graph, call tree, functions, sandwich, diff, timeline) and keeps them in step with the filters.
// Everything that comes from a log reaches the page as text (textContent, canvas fillText), never as HTML.

import {
  decode,
  diffTree,
  flat,
  classSplit,
  locationOf,
  matchedSamples,
  movers,
  nameMatcher,
  parseName,
  ProfileModel,
  sandwich,
} from "./model.js";
import { FlameGraph } from "./flame.js";
import { Timeline } from "./timeline.js";

const started = performance.now();
const $ = (id) => document.getElementById(id);

/** Colours and legend names of the colour classes of lib/view/colour-class.ts. */
const CLASS_STYLE = {
  optimized: { h: 135, s: 48, l: 52, label: "optimized JIT" },
  "mid-tier": { h: 170, s: 48, l: 50, label: "mid-tier JIT" },
  baseline: { h: 195, s: 62, l: 60, label: "baseline JIT" },
  interpreter: { h: 2, s: 72, l: 64, label: "interpreter" },
  code: { h: 30, s: 88, l: 60, label: "JS code" },
  runtime: { h: 50, s: 85, l: 58, label: "runtime JS" },
  native: { h: 265, s: 42, l: 70, label: "native" },
  gc: { h: 320, s: 60, l: 64, label: "GC" },
  idle: { h: 0, s: 0, l: 80, label: "idle" },
  other: { h: 30, s: 12, l: 66, label: "other" },
};
const ROOT_COLOR = "#d6d6dc";
const DIM_COLOR = "#ececef";

/** What tests and curious users can look at: timings, latencies, the drawn frames. */
const debug = (globalThis.vmprofDebug = { timings: {}, latency: {}, latencies: {}, ready: false });

const state = {
  cur: 0,
  thread: -1,
  from: 0,
  to: 0,
  merged: true,
  orient: "icicle",
  query: "",
  tab: "flame",
  sandwichFn: -1,
  flatSort: "self",
  flatFilter: "",
};
let models = [];
let model = null;
let tree = null;
let match = null;
const expanded = new Set();
let expandedFor = null;
const dirty = { tree: true, flat: true, sandwich: true, diff: true };

/** A DOM element; strings become text nodes. */
function el(tag, props, ...children) {
  const e = document.createElement(tag);
  if (props) {
    for (const [k, v] of Object.entries(props)) {
      if (k === "class") e.className = v;
      else if (k === "text") e.textContent = v;
      else if (k === "style") Object.assign(e.style, v);
      else if (k === "dataset") Object.assign(e.dataset, v);
      else e[k] = v;
    }
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c);
  return e;
}

const fmtInt = new Intl.NumberFormat("en-US");
const pct = (x, total) => (total > 0 ? ((100 * x) / total).toFixed(1) : "0.0") + "%";
const pp = (d) => (d >= 0 ? "+" : "−") + Math.abs(100 * d).toFixed(1) + " pp";

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

function classColor(cls, key) {
  const st = CLASS_STYLE[cls] ?? CLASS_STYLE.other;
  const j = (hash(key) % 1000) / 1000;
  return `hsl(${(st.h + (j - 0.5) * 12).toFixed(1)}, ${st.s}%, ${(st.l - 7 + 14 * j).toFixed(1)}%)`;
}

/** Gives a tree the names its labels point into, and caches a colour per label. */
function named(t, names, parsed, classes) {
  t.names = names;
  t.parsed = parsed;
  t.classes = classes;
  return t;
}

const colorCache = new WeakMap();
function labelColor(t, n) {
  let cache = colorCache.get(t.labels);
  if (cache === undefined) {
    cache = [];
    colorCache.set(t.labels, cache);
  }
  const l = t.label[n];
  let c = cache[l];
  if (c === undefined) {
    const p = t.parsed[t.labels.nameOf[l]];
    c = cache[l] = classColor(t.classes[t.labels.classOf[l]], p.name);
  }
  return c;
}

function frameColor(t, n, dimmed) {
  if (n === 0 && t.rootFn !== undefined && !dimmed) return classColor(t.classes[t.labels.classOf[t.rootFn]], t.parsed[t.rootFn].name);
  if (n === 0) return ROOT_COLOR;
  if (dimmed) return DIM_COLOR;
  return labelColor(t, n);
}

function diffColor(t, n, dimmed) {
  if (n === 0) return ROOT_COLOR;
  if (dimmed) return DIM_COLOR;
  const d = t.total[0] > 0 ? t.self[n] / t.total[0] - (t.samplesA > 0 ? t.selfA[n] / t.samplesA : 0) : 0;
  const k = Math.min(1, Math.abs(d) / t.maxDelta);
  if (k < 0.02) return "hsl(40, 8%, 88%)";
  return d > 0 ? `hsl(0, 80%, ${(94 - 36 * k).toFixed(1)}%)` : `hsl(215, 80%, ${(94 - 36 * k).toFixed(1)}%)`;
}

function frameLabel(t, n) {
  if (n === 0) return t.rootFn === undefined ? "all" : t.parsed[t.rootFn].name;
  return t.parsed[t.fn(n)].name;
}

// ---------------------------------------------------------------- tooltip

const tooltip = $("tooltip");

function showTooltip(lines, e) {
  tooltip.replaceChildren(...lines);
  tooltip.hidden = false;
  const pad = 14;
  const r = tooltip.getBoundingClientRect();
  let x = e.clientX + pad;
  let y = e.clientY + pad;
  if (x + r.width > innerWidth - 4) x = Math.max(4, e.clientX - pad - r.width);
  if (y + r.height > innerHeight - 4) y = Math.max(4, e.clientY - pad - r.height);
  tooltip.style.left = `${x}px`;
  tooltip.style.top = `${y}px`;
}

function hideTooltip() {
  tooltip.hidden = true;
}

/** Name, location, colour class and shares of node n (shares of `base` samples). */
function nodeLines(t, n, base) {
  if (n === 0 && t.rootFn === undefined) {
    return [el("div", { class: "t-name", text: "all samples" }), el("div", { text: `${fmtInt.format(t.total[0])} samples` })];
  }
  const p = t.parsed[n === 0 ? t.rootFn : t.fn(n)];
  const cls = CLASS_STYLE[t.classes[t.colourClass(n)]]?.label ?? "";
  const tier = t.tier(n);
  const out = [el("div", { class: "t-name", text: p.name })];
  const loc = locationOf(p);
  if (loc) out.push(el("div", { class: "t-loc", text: loc }));
  out.push(el("div", { class: "t-class", text: tier ? `${cls} (${tier})` : cls }));
  out.push(el("div", { text: `total ${pct(t.total[n], base)} · ${fmtInt.format(t.total[n])} samples` }));
  out.push(el("div", { text: `self ${pct(t.self[n], base)} · ${fmtInt.format(t.self[n])} samples` }));
  if (t.selfA.length > 0) {
    const a = t.samplesA;
    out.push(el("div", { text: `old: total ${pct(t.totalA[n], a)}, self ${pct(t.selfA[n], a)}` }));
    out.push(el("div", {
      text: `change: total ${pp(t.total[n] / t.total[0] - (a ? t.totalA[n] / a : 0))}, self ${pp(t.self[n] / t.total[0] - (a ? t.selfA[n] / a : 0))}`,
    }));
  }
  return out;
}

function hoverFlame(t, n, e) {
  if (t === null || n < 0) return hideTooltip();
  const lines = nodeLines(t, n, t.base ?? t.total[0]);
  if (t === tree && n > 0) {
    const tiers = [...model.tiersOf(filter(), state.merged, n)].sort((a, b) => b[1] - a[1]);
    const sum = tiers.reduce((a, [, c]) => a + c, 0);
    if (tiers.length > 0) lines.push(el("div", { text: "tiers: " + tiers.map(([k, c]) => `${k} ${pct(c, sum)}`).join(" · ") }));
  }
  showTooltip(lines, e);
}

// ---------------------------------------------------------------- flame graphs

/** Records how long an interaction took, up to the next frame being painted. */
function measure(what, since) {
  // The frame callback runs before the paint; the task after it, once the frame is out.
  requestAnimationFrame(() =>
    setTimeout(() => {
      const ms = performance.now() - since;
      debug.latency[what] = ms;
      (debug.latencies[what] ??= []).push(ms);
    }, 0)
  );
}

const flame = new FlameGraph($("flame"), {
  color: frameColor,
  label: frameLabel,
  onHover: hoverFlame,
  onZoom: (node, e) => {
    renderCrumbs();
    measure("zoom", e.timeStamp);
  },
  onContext: (t, n) => {
    if (n > 0) openSandwich(t.fn(n));
  },
  minRows: 8,
});

const callersFlame = new FlameGraph($("sw-callers"), {
  color: frameColor,
  label: frameLabel,
  onHover: hoverFlame,
  orientation: "flame",
});
const calleesFlame = new FlameGraph($("sw-callees"), {
  color: frameColor,
  label: frameLabel,
  onHover: hoverFlame,
  orientation: "icicle",
});
const diffFlame = new FlameGraph($("diff-flame"), {
  color: diffColor,
  label: frameLabel,
  onHover: hoverFlame,
  minRows: 8,
});

function renderCrumbs() {
  const box = $("crumbs");
  if (tree.total[0] === 0) {
    box.replaceChildren(el("span", { class: "muted", text: "No samples here (the profile is empty, or the selection is)." }));
    return;
  }
  const path = tree.path(flame.zoomNode);
  const items = [];
  path.forEach((n, i) => {
    if (i > 0) items.push(el("span", { class: "sep", text: "›" }));
    const b = el("button", { type: "button", text: frameLabel(tree, n), title: n === 0 ? "all samples" : tree.names[tree.fn(n)] });
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
  if (h.startMicros !== null && h.endMicros !== null) parts.push(`${((h.endMicros - h.startMicros) / 1e6).toFixed(2)} s`);
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

function pickLabel(i) {
  const p = model.parsed[i];
  const loc = locationOf(p);
  return loc ? `${p.name} (${loc})` : p.name;
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
  if (tree.self[0] > 0) items.push(el("span", { class: "legend-item muted", text: `no stack ${pct(tree.self[0], total)}` }));
  $("legend").replaceChildren(...items);
}

function updateSearch() {
  match = nameMatcher(model.names, state.query);
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

// ---------------------------------------------------------------- call tree

function autoExpand() {
  expanded.clear();
  const total = tree.total[0];
  let n = 0;
  for (let k = 0; k < 80; k++) {
    const kids = tree.children(n);
    if (kids.length === 0 || tree.total[kids[0]] < 0.2 * total) break;
    n = kids[0];
    expanded.add(n);
  }
}

function renderCallTree() {
  const key = `${state.cur}:${state.merged}`;
  if (expandedFor !== key) {
    autoExpand();
    expandedFor = key;
  }
  const total = tree.total[0];
  const rows = [];
  const MAX = 3000;
  const todo = [];
  const top = tree.children(0);
  for (let i = top.length - 1; i >= 0; i--) todo.push(top[i], 0);
  let more = 0;
  while (todo.length > 0) {
    const depth = todo.pop();
    const n = todo.pop();
    if (rows.length >= MAX) {
      more++;
      continue;
    }
    const kids = tree.children(n);
    const open = expanded.has(n);
    const p = tree.parsed[tree.fn(n)];
    const share = total > 0 ? tree.total[n] / total : 0;
    rows.push(el(
      "tr",
      { dataset: { node: String(n) } },
      el("td", { class: "num" }, el("span", { class: "bar", style: { width: `${Math.round(40 * share)}px` } }), pct(tree.total[n], total)),
      el("td", { class: "num", text: pct(tree.self[n], total) }),
      el("td", { class: "num", text: fmtInt.format(tree.total[n]) }),
      el(
        "td",
        { class: "fn", style: { paddingLeft: `${8 + 14 * depth}px` } },
        el("span", { class: "toggle", text: kids.length === 0 ? "" : open ? "▾" : "▸" }),
        el("span", { class: "chip", style: { background: labelColor(tree, n) } }),
        " ",
        p.name,
      ),
      el("td", { class: "loc", text: locationOf(p) }),
    ));
    if (open) for (let i = kids.length - 1; i >= 0; i--) todo.push(kids[i], depth + 1);
  }
  $("tree-table").tBodies[0].replaceChildren(...rows);
  $("tree-more").textContent = more > 0 ? `${fmtInt.format(more)} more rows not shown: collapse some nodes` : "";
}

// ---------------------------------------------------------------- functions table

function renderFlat() {
  const f = flat(tree, model.names.length);
  const total = tree.total[0];
  const q = state.flatFilter.trim().toLowerCase();
  let idx = [];
  for (let i = 0; i < model.names.length; i++) {
    if (f.total[i] > 0 && (q === "" || model.names[i].toLowerCase().includes(q))) idx.push(i);
  }
  const key = state.flatSort;
  if (key === "name") idx.sort((a, b) => model.parsed[a].name.localeCompare(model.parsed[b].name));
  else if (key === "total") idx.sort((a, b) => f.total[b] - f.total[a] || f.self[b] - f.self[a]);
  else idx.sort((a, b) => f.self[b] - f.self[a] || f.total[b] - f.total[a]);
  const MAX = 1000;
  const more = Math.max(0, idx.length - MAX);
  idx = idx.slice(0, MAX);
  const fnLabels = model.functionLabels;
  const rows = idx.map((i) => {
    const p = model.parsed[i];
    const color = classColor(model.colourClasses[fnLabels.classOf[i]], p.name);
    return el(
      "tr",
      { dataset: { fn: String(i) }, title: "open the sandwich view of this function" },
      el("td", { class: "num" }, el("span", { class: "bar", style: { width: `${Math.round((40 * f.self[i]) / (total || 1))}px` } }), pct(f.self[i], total)),
      el("td", { class: "num", text: fmtInt.format(f.self[i]) }),
      el("td", { class: "num", text: pct(f.total[i], total) }),
      el("td", { class: "num", text: fmtInt.format(f.total[i]) }),
      el("td", { class: "fn" }, el("span", { class: "chip", style: { background: color } }), " ", p.name),
      el("td", { class: "loc", text: locationOf(p) }),
    );
  });
  $("flat-table").tBodies[0].replaceChildren(...rows);
  $("flat-more").textContent = more > 0 ? `${fmtInt.format(more)} more functions: filter to find them` : "";
  for (const b of document.querySelectorAll("#flat-table th button")) b.classList.toggle("on", b.dataset.sort === key);
}

// ---------------------------------------------------------------- sandwich

function openSandwich(fn) {
  state.sandwichFn = fn;
  $("sandwich-pick").value = fn >= 0 ? pickLabel(fn) : "";
  dirty.sandwich = true;
  showTab("sandwich");
}

function renderSandwich() {
  const f = state.sandwichFn;
  const has = f >= 0;
  $("sandwich-empty").hidden = has;
  for (const id of ["sw-callers", "sw-callees"]) $(id).hidden = !has;
  if (!has) {
    $("sandwich-title").textContent = "";
    return;
  }
  const { callers, callees } = sandwich(tree, f, model.functionLabels);
  const base = tree.total[0];
  for (const t of [callers, callees]) {
    named(t, model.names, model.parsed, model.colourClasses);
    t.base = base;
    t.rootFn = f; // the root is the function itself
  }
  const sums = flat(tree, model.names.length);
  $("sandwich-title").textContent = callees.total[0] > 0
    ? `${model.parsed[f].name}: total ${pct(sums.total[f], base)}, self ${pct(sums.self[f], base)} of the selected samples`
    : `${model.parsed[f].name}: no samples in the selection`;
  callersFlame.match = match;
  calleesFlame.match = match;
  callersFlame.setTree(callers);
  calleesFlame.setTree(callees);
}

// ---------------------------------------------------------------- diff

function renderDiff() {
  if (models.length < 2) return;
  const [a, b] = models;
  const d = diffTree(a.tree({ thread: -1 }, true), a.names, b.tree({ thread: -1 }, true), b.names);
  const t = named(d.tree, d.names, d.names.map(parseName), b.colourClasses);
  t.samplesA = d.samplesA;
  let maxDelta = 0.001;
  for (let i = 1; i < t.n; i++) {
    const delta = Math.abs(t.self[i] / (d.samplesB || 1) - t.selfA[i] / (d.samplesA || 1));
    if (delta > maxDelta) maxDelta = delta;
  }
  t.maxDelta = maxDelta;
  diffFlame.setTree(t);
  $("diff-summary").textContent =
    `old: ${a.header.label} (${fmtInt.format(d.samplesA)} samples) → new: ${b.header.label} (${fmtInt.format(d.samplesB)} samples); whole profiles, all threads`;
  const rows = movers(a.tree({ thread: -1 }, true), a.names, b.tree({ thread: -1 }, true), b.names).slice(0, 200);
  $("movers").tBodies[0].replaceChildren(...rows.map((r) => {
    const p = parseName(r.name);
    const ds = r.selfB - r.selfA;
    const dt = r.totalB - r.totalA;
    return el(
      "tr",
      null,
      el("td", { class: "fn", text: p.name }),
      el("td", { class: "num", text: (100 * r.selfA).toFixed(1) + "%" }),
      el("td", { class: "num", text: (100 * r.selfB).toFixed(1) + "%" }),
      el("td", { class: `num ${ds > 0 ? "up" : ds < 0 ? "down" : ""}`, text: pp(ds) }),
      el("td", { class: "num", text: (100 * r.totalA).toFixed(1) + "%" }),
      el("td", { class: "num", text: (100 * r.totalB).toFixed(1) + "%" }),
      el("td", { class: `num ${dt > 0 ? "up" : dt < 0 ? "down" : ""}`, text: pp(dt) }),
      el("td", { class: "loc", text: locationOf(p) }),
    );
  }));
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

/** Recomputes the tree for the current filters and redraws what depends on it. */
function filter() {
  return { thread: state.thread, from: state.from, to: state.to };
}

function refresh(keepZoom) {
  tree = named(
    model.tree(filter(), state.merged),
    model.names,
    model.parsed,
    model.colourClasses,
  );
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
  model = models[i];
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
  models = buffers.map((b) => {
    const m = new ProfileModel(decode(b));
    named(m.trie, m.names, m.parsed, m.colourClasses);
    return m;
  });
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
