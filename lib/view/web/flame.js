// FlameGraph: draws a model.js Tree as an icicle or flame graph on a canvas; zoom, hover and hit-testing.

const MIN_WIDTH_PX = 1; // narrower frames (and their children) are not drawn: zoom in to see them
const MAX_CANVAS_PX = 16000; // tallest canvas; deeper rows are left out
const FONT = "12px ui-monospace, SFMono-Regular, Menlo, Consolas, monospace";

/**
 * opts:
 *   color(tree, node, dimmed) → CSS colour of a frame
 *   label(tree, node) → text written in a frame
 *   onHover(tree, node, event) node -1 when the pointer leaves the frames
 *   onZoom(node) after a click zoomed (or unzoomed)
 *   onContext(tree, node, event) right click on a frame
 *   orientation "icicle" (root on top) or "flame" (root at the bottom)
 *   minRows: rows of height to keep even for a shallow tree
 */
export class FlameGraph {
  constructor(canvas, opts) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.opts = opts;
    this.tree = null;
    this.zoomNode = 0;
    this.match = null; // Uint8Array over names, or null
    this.orientation = opts.orientation ?? "icicle";
    this.rowH = opts.rowHeight ?? 18;
    this.drawn = { node: [], x: [], y: [], w: [] };
    this.rows = 0;
    this.hover = -1;
    canvas.addEventListener("mousemove", (e) => {
      const n = this.hitEvent(e);
      this.hover = n;
      canvas.style.cursor = n >= 0 ? "pointer" : "default";
      this.opts.onHover?.(this.tree, n, e);
    });
    canvas.addEventListener("mouseleave", (e) => {
      this.hover = -1;
      this.opts.onHover?.(this.tree, -1, e);
    });
    canvas.addEventListener("click", (e) => {
      const n = this.hitEvent(e);
      if (n < 0) return;
      this.zoom(n === this.zoomNode ? this.tree.parent[n] : n);
      this.opts.onZoom?.(this.zoomNode, e);
    });
    canvas.addEventListener("contextmenu", (e) => {
      const n = this.hitEvent(e);
      if (n < 0 || !this.opts.onContext) return;
      e.preventDefault();
      this.opts.onContext(this.tree, n, e);
    });
  }

  /** A new tree; the zoom stays when the node still has samples and keepZoom is set. */
  setTree(tree, keepZoom = false) {
    const z = this.zoomNode;
    this.tree = tree;
    this.zoomNode = keepZoom && z < tree.n && tree.total[z] > 0 ? z : 0;
    this.render();
  }

  zoom(node) {
    this.zoomNode = node > 0 && node < this.tree.n && this.tree.total[node] > 0 ? node : 0;
    this.render();
  }

  setMatch(match) {
    this.match = match;
    this.render();
  }

  setOrientation(o) {
    this.orientation = o;
    this.render();
  }

  /** Lays the visible frames out and paints them. */
  render() {
    const t = this.tree;
    const canvas = this.canvas;
    const width = Math.max(100, canvas.parentElement.clientWidth);
    const drawn = { node: [], x: [], y: [], w: [] };
    const depths = [];
    let maxDepth = 0;
    const maxRows = Math.floor(MAX_CANVAS_PX / this.rowH);
    if (t !== null && t.total[0] > 0) {
      const z = this.zoomNode;
      const path = t.path(z);
      let zx = 0;
      for (let k = 1; k < path.length; k++) {
        for (const s of t.children(path[k - 1])) {
          if (s === path[k]) break;
          zx += t.total[s];
        }
      }
      const scale = width / t.total[z];
      for (const a of path) {
        drawn.node.push(a);
        drawn.x.push(0);
        drawn.w.push(width);
        depths.push(t.depth[a]);
      }
      maxDepth = t.depth[z];
      const todo = [z, zx];
      while (todo.length > 0) {
        const x = todo.pop();
        const v = todo.pop();
        const d = t.depth[v] + 1;
        if (d >= maxRows) continue;
        let cx = x;
        for (const c of t.children(v)) {
          const w = t.total[c] * scale;
          if (w < MIN_WIDTH_PX) break; // children are sorted: the rest are narrower
          drawn.node.push(c);
          drawn.x.push((cx - zx) * scale);
          drawn.w.push(w);
          depths.push(d);
          if (d > maxDepth) maxDepth = d;
          todo.push(c, cx);
          cx += t.total[c];
        }
      }
    }
    const rows = Math.max(maxDepth + 1, this.opts.minRows ?? 1);
    this.rows = rows;
    const height = rows * this.rowH;
    const flame = this.orientation === "flame";
    for (let i = 0; i < depths.length; i++) drawn.y.push((flame ? rows - 1 - depths[i] : depths[i]) * this.rowH);
    this.drawn = drawn;

    const dpr = globalThis.devicePixelRatio || 1;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    const ctx = this.ctx;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    ctx.textBaseline = "middle";
    const charW = ctx.measureText("abcdefghij").width / 10;
    const h = this.rowH - 1;
    const match = this.match;
    // Setting fillStyle parses a colour: set each colour once and draw all its frames.
    const byColor = new Map();
    const dimmedAt = new Uint8Array(drawn.node.length);
    for (let i = 0; i < drawn.node.length; i++) {
      const n = drawn.node[i];
      const dimmed = match !== null && (n === 0 || match[t.fn(n)] === 0);
      dimmedAt[i] = dimmed ? 1 : 0;
      const c = this.opts.color(t, n, dimmed);
      let list = byColor.get(c);
      if (list === undefined) byColor.set(c, list = []);
      list.push(i);
    }
    for (const [c, list] of byColor) {
      ctx.fillStyle = c;
      for (const i of list) {
        const w = drawn.w[i];
        ctx.fillRect(drawn.x[i], drawn.y[i], w > 2 ? w - 1 : w, h);
      }
    }
    const minText = 3 * charW + 6;
    for (const dim of [0, 1]) {
      ctx.fillStyle = dim ? "#777" : "#1b1b1b";
      for (let i = 0; i < drawn.node.length; i++) {
        const w = drawn.w[i];
        if (w <= minText || dimmedAt[i] !== dim) continue;
        const text = this.opts.label(t, drawn.node[i]);
        const room = Math.floor((w - 6) / charW);
        ctx.fillText(
          text.length <= room ? text : text.slice(0, room - 1) + "…",
          drawn.x[i] + 3,
          drawn.y[i] + h / 2 + 0.5,
        );
      }
    }
  }

  /** The node under a mouse event, or -1. */
  hitEvent(e) {
    const r = this.canvas.getBoundingClientRect();
    return this.hit(e.clientX - r.left, e.clientY - r.top);
  }

  /** The node drawn at (x, y) in CSS pixels from the canvas's corner, or -1. */
  hit(x, y) {
    const d = this.drawn;
    for (let i = d.node.length - 1; i >= 0; i--) {
      if (y >= d.y[i] && y < d.y[i] + this.rowH && x >= d.x[i] && x < d.x[i] + Math.max(d.w[i], 1)) return d.node[i];
    }
    return -1;
  }

  /** Frames as drawn, for tests and debugging: node, CSS-pixel box. */
  rects() {
    const d = this.drawn;
    return d.node.map((node, i) => ({ node, x: d.x[i], y: d.y[i], w: d.w[i], h: this.rowH - 1 }));
  }
}
