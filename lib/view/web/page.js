// What every part of the web viewer shares: the page's state (the profiles, the filters, the tree
// shown), DOM and number helpers, the colours of frames, the tooltip, and the debug hooks.
// Everything that comes from a log reaches the page as text (textContent, canvas fillText), never as HTML.

import { locationOf } from "./model.js";

export const $ = (id) => document.getElementById(id);

/** Colours and legend names of the colour classes of lib/view/colour-class.ts. */
export const CLASS_STYLE = {
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
export const ROOT_COLOR = "#d6d6dc";
export const DIM_COLOR = "#ececef";

/** What tests and curious users can look at: timings, latencies, the drawn frames. */
export const debug = (globalThis.vmprofDebug = { timings: {}, latency: {}, latencies: {}, ready: false });

export const state = {
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
// The loaded profiles, the one shown, its tree for the current filters and the search's
// matcher: read everywhere, set only through the setters below (ES module bindings are live).
export let models = [];
export let model = null;
export let tree = null;
export let match = null;
export const setModels = (m) => (models = m);
export const setModel = (m) => (model = m);
export const setTree = (t) => (tree = t);
export const setMatch = (m) => (match = m);
/** Call-tree nodes the user opened. */
export const expanded = new Set();
/** Tabs whose view is out of date with the tree. */
export const dirty = { tree: true, flat: true, sandwich: true, diff: true };

/** A DOM element; strings become text nodes. */
export function el(tag, props, ...children) {
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

export const fmtInt = new Intl.NumberFormat("en-US");
export const pct = (x, total) => (total > 0 ? ((100 * x) / total).toFixed(1) : "0.0") + "%";
export const pp = (d) => (d >= 0 ? "+" : "−") + Math.abs(100 * d).toFixed(1) + " pp";

function hash(s) {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

export function classColor(cls, key) {
  const st = CLASS_STYLE[cls] ?? CLASS_STYLE.other;
  const j = (hash(key) % 1000) / 1000;
  return `hsl(${(st.h + (j - 0.5) * 12).toFixed(1)}, ${st.s}%, ${(st.l - 7 + 14 * j).toFixed(1)}%)`;
}

/** Gives a tree the names its labels point into, and caches a colour per label. */
export function named(t, names, parsed, classes) {
  t.names = names;
  t.parsed = parsed;
  t.classes = classes;
  return t;
}

const colorCache = new WeakMap();
export function labelColor(t, n) {
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

export function frameColor(t, n, dimmed) {
  if (n === 0 && t.rootFn !== undefined && !dimmed) {
    return classColor(t.classes[t.labels.classOf[t.rootFn]], t.parsed[t.rootFn].name);
  }
  if (n === 0) return ROOT_COLOR;
  if (dimmed) return DIM_COLOR;
  return labelColor(t, n);
}

export function diffColor(t, n, dimmed) {
  if (n === 0) return ROOT_COLOR;
  if (dimmed) return DIM_COLOR;
  const d = t.total[0] > 0 ? t.self[n] / t.total[0] - (t.samplesA > 0 ? t.selfA[n] / t.samplesA : 0) : 0;
  const k = Math.min(1, Math.abs(d) / t.maxDelta);
  if (k < 0.02) return "hsl(40, 8%, 88%)";
  return d > 0 ? `hsl(0, 80%, ${(94 - 36 * k).toFixed(1)}%)` : `hsl(215, 80%, ${(94 - 36 * k).toFixed(1)}%)`;
}

export function frameLabel(t, n) {
  if (n === 0) return t.rootFn === undefined ? "all" : t.parsed[t.rootFn].name;
  return t.parsed[t.fn(n)].name;
}

// ---------------------------------------------------------------- tooltip

const tooltip = $("tooltip");

export function showTooltip(lines, e) {
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

export function hideTooltip() {
  tooltip.hidden = true;
}

/** Name, location, colour class and shares of node n (shares of `base` samples). */
export function nodeLines(t, n, base) {
  if (n === 0 && t.rootFn === undefined) {
    return [
      el("div", { class: "t-name", text: "all samples" }),
      el("div", { text: `${fmtInt.format(t.total[0])} samples` }),
    ];
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
      text: `change: total ${pp(t.total[n] / t.total[0] - (a ? t.totalA[n] / a : 0))}, self ${
        pp(t.self[n] / t.total[0] - (a ? t.selfA[n] / a : 0))
      }`,
    }));
  }
  return out;
}

export function hoverFlame(t, n, e) {
  if (t === null || n < 0) return hideTooltip();
  const lines = nodeLines(t, n, t.base ?? t.total[0]);
  if (t === tree && n > 0) {
    const tiers = [...model.tiersOf(filter(), state.merged, n)].sort((a, b) => b[1] - a[1]);
    const sum = tiers.reduce((a, [, c]) => a + c, 0);
    if (tiers.length > 0) {
      lines.push(el("div", { text: "tiers: " + tiers.map(([k, c]) => `${k} ${pct(c, sum)}`).join(" · ") }));
    }
  }
  showTooltip(lines, e);
}

/** Records how long an interaction took, up to the next frame being painted. */
export function measure(what, since) {
  // The frame callback runs before the paint; the task after it, once the frame is out.
  requestAnimationFrame(() =>
    setTimeout(() => {
      const ms = performance.now() - since;
      debug.latency[what] = ms;
      (debug.latencies[what] ??= []).push(ms);
    }, 0)
  );
}

/** The label the sandwich and search pickers show for function i. */
export function pickLabel(i) {
  const p = model.parsed[i];
  const loc = locationOf(p);
  return loc ? `${p.name} (${loc})` : p.name;
}

/** The current thread and sample range, as ProfileModel takes them. */
export function filter() {
  return { thread: state.thread, from: state.from, to: state.to };
}
