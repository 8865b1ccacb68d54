// The sandwich tab: one function's callers (a flame graph growing up) and callees (an icicle).

import { FlameGraph } from "./flame.js";
import { flat, sandwich } from "./model.js";
import { $, frameColor, frameLabel, hoverFlame, match, model, named, pct, state, tree } from "./page.js";

export const callersFlame = new FlameGraph($("sw-callers"), {
  color: frameColor,
  label: frameLabel,
  onHover: hoverFlame,
  orientation: "flame",
});
export const calleesFlame = new FlameGraph($("sw-callees"), {
  color: frameColor,
  label: frameLabel,
  onHover: hoverFlame,
  orientation: "icicle",
});

export function renderSandwich() {
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
    ? `${model.parsed[f].name}: total ${pct(sums.total[f], base)}, self ${
      pct(sums.self[f], base)
    } of the selected samples`
    : `${model.parsed[f].name}: no samples in the selection`;
  callersFlame.match = match;
  calleesFlame.match = match;
  callersFlame.setTree(callers);
  calleesFlame.setTree(callees);
}
