// The call tree tab: an indented table of the tree shown, opened along its heaviest path.

import { locationOf } from "./model.js";
import { $, el, expanded, fmtInt, labelColor, pct, state, tree } from "./page.js";

let expandedFor = null;

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

export function renderCallTree() {
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
      el(
        "td",
        { class: "num" },
        el("span", { class: "bar", style: { width: `${Math.round(40 * share)}px` } }),
        pct(tree.total[n], total),
      ),
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
    if (open) { for (let i = kids.length - 1; i >= 0; i--) todo.push(kids[i], depth + 1); }
  }
  $("tree-table").tBodies[0].replaceChildren(...rows);
  $("tree-more").textContent = more > 0 ? `${fmtInt.format(more)} more rows not shown: collapse some nodes` : "";
}
