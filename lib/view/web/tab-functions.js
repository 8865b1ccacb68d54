// The functions tab: one row per function (self and total), sortable and filtered by name.

import { flat, locationOf } from "./model.js";
import { $, classColor, el, fmtInt, model, pct, state, tree } from "./page.js";

export function renderFlat() {
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
      el(
        "td",
        { class: "num" },
        el("span", { class: "bar", style: { width: `${Math.round((40 * f.self[i]) / (total || 1))}px` } }),
        pct(f.self[i], total),
      ),
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
