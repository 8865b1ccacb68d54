// The diff tab (two profiles): the new profile's flame graph coloured by the change, and the movers.

import { FlameGraph } from "./flame.js";
import { diffTree, locationOf, movers, parseName } from "./model.js";
import { $, diffColor, el, fmtInt, frameLabel, hoverFlame, models, named, pp } from "./page.js";

export const diffFlame = new FlameGraph($("diff-flame"), {
  color: diffColor,
  label: frameLabel,
  onHover: hoverFlame,
  minRows: 8,
});

export function renderDiff() {
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
  $("diff-summary").textContent = `old: ${a.header.label} (${
    fmtInt.format(d.samplesA)
  } samples) → new: ${b.header.label} (${fmtInt.format(d.samplesB)} samples); whole profiles, all threads`;
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
