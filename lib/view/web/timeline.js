// Timeline: samples in time order as a flame chart, the RSS over time, and a draggable time-range selection.

const ROW_H = 7;
const ROWS = 14;
const RSS_H = 56;

/**
 * opts:
 *   colorOfNode(node) → CSS colour of a trie node
 *   onSelect(from, to) a sample range was chosen, or (null, null) to clear
 *   onHover(info, event) info {sample, node, time} or null
 *   timeOf(sample) → seconds from the start, or undefined
 */
export class Timeline {
  constructor(flameCanvas, rssCanvas, opts) {
    this.flame = flameCanvas;
    this.rss = rssCanvas;
    this.opts = opts;
    this.model = null;
    this.thread = -1;
    this.from = 0;
    this.to = 0;
    this.columns = null; // per column: representative sample, -1 for none
    this.drag = null;
    for (const c of [flameCanvas, rssCanvas]) {
      c.addEventListener("mousedown", (e) => this.down(e));
      c.addEventListener("mousemove", (e) => this.move(e));
      c.addEventListener("mouseleave", () => this.opts.onHover?.(null));
    }
    globalThis.addEventListener("mousemove", (e) => this.dragMove(e));
    globalThis.addEventListener("mouseup", (e) => this.up(e));
  }

  /** Shows a model's samples of one thread (-1: all), with [from, to) selected. */
  set(model, thread, from, to) {
    this.model = model;
    this.thread = thread;
    this.from = from;
    this.to = to;
    this.render();
  }

  get width() {
    return Math.max(100, this.flame.parentElement.clientWidth);
  }

  sampleAt(x) {
    const n = this.model.samples;
    return Math.max(0, Math.min(n, Math.round((x / this.width) * n)));
  }

  render() {
    const m = this.model;
    if (m === null) return;
    const W = this.width;
    const n = m.samples;
    const dpr = globalThis.devicePixelRatio || 1;
    const size = (c, h) => {
      if (c.width !== Math.round(W * dpr) || c.height !== Math.round(h * dpr)) {
        c.width = Math.round(W * dpr);
        c.height = Math.round(h * dpr);
        c.style.width = `${W}px`;
        c.style.height = `${h}px`;
      }
      const ctx = c.getContext("2d");
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      ctx.clearRect(0, 0, W, h);
      return ctx;
    };
    const thread = this.thread;
    const st = m.sampleThread;
    const sn = m.sampleNode;
    const trie = m.trie;

    // One sample stands for each pixel column: the one nearest the middle in this thread.
    const cols = new Int32Array(W).fill(-1);
    for (let c = 0; c < W; c++) {
      const s0 = Math.floor((c * n) / W);
      const s1 = Math.max(s0 + 1, Math.floor(((c + 1) * n) / W));
      const mid = (s0 + s1) >> 1;
      if (mid >= n) continue;
      if (thread < 0 || st[mid] === thread) {
        cols[c] = mid;
        continue;
      }
      for (let s = mid + 1; s < Math.min(s1, n); s++) if (st[s] === thread) { cols[c] = s; break; }
      if (cols[c] < 0) for (let s = mid - 1; s >= s0; s--) if (st[s] === thread) { cols[c] = s; break; }
    }
    this.columns = cols;

    // Flame chart: runs of the same node at the same depth across columns are one box.
    const ctx = size(this.flame, ROWS * ROW_H);
    const runNode = new Int32Array(ROWS + 1).fill(-1);
    const runStart = new Int32Array(ROWS + 1);
    const path = new Int32Array(ROWS + 1);
    const flush = (d, end) => {
      if (runNode[d] < 0) return;
      ctx.fillStyle = this.opts.colorOfNode(runNode[d]);
      ctx.fillRect(runStart[d], (d - 1) * ROW_H, end - runStart[d], ROW_H - 1);
      runNode[d] = -1;
    };
    for (let c = 0; c <= W; c++) {
      let depth = 0;
      if (c < W && cols[c] >= 0) {
        let v = sn[cols[c]];
        while (trie.depth[v] > ROWS) v = trie.parent[v];
        depth = trie.depth[v];
        for (let d = depth; d > 0; d--, v = trie.parent[v]) path[d] = v;
      }
      for (let d = 1; d <= ROWS; d++) {
        const v = d <= depth ? path[d] : -1;
        if (v !== runNode[d]) {
          flush(d, c);
          if (v >= 0) {
            runNode[d] = v;
            runStart[d] = c;
          }
        }
      }
    }

    // RSS: the range of values in each column.
    if (m.sampleRss !== undefined) {
      this.rss.hidden = false;
      const rctx = size(this.rss, RSS_H);
      const rss = m.sampleRss;
      let max = 0;
      for (let s = 0; s < n; s++) if (rss[s] > max && (thread < 0 || st[s] === thread)) max = rss[s];
      this.rssMax = max;
      if (max > 0) {
        rctx.fillStyle = "#5b7db1";
        for (let c = 0; c < W; c++) {
          const s0 = Math.floor((c * n) / W);
          const s1 = Math.max(s0 + 1, Math.floor(((c + 1) * n) / W));
          let lo = Infinity;
          let hi = -Infinity;
          for (let s = s0; s < s1 && s < n; s++) {
            if (thread >= 0 && st[s] !== thread) continue;
            if (rss[s] < lo) lo = rss[s];
            if (rss[s] > hi) hi = rss[s];
          }
          if (hi < 0) continue;
          const y0 = RSS_H - (hi / max) * (RSS_H - 4);
          const y1 = RSS_H - (lo / max) * (RSS_H - 4);
          rctx.fillRect(c, y0, 1, Math.max(1, RSS_H - y0));
          if (y1 - y0 > 1) {
            rctx.fillStyle = "#a9bedf";
            rctx.fillRect(c, y0, 1, y1 - y0);
            rctx.fillStyle = "#5b7db1";
          }
        }
      }
      this.shade(rctx, W, RSS_H);
    } else {
      this.rss.hidden = true;
    }
    this.shade(ctx, W, ROWS * ROW_H);
  }

  /** Greys out what lies outside the selection (or the drag in progress). */
  shade(ctx, W, h) {
    const n = this.model.samples;
    let from = this.from;
    let to = this.to;
    if (this.drag !== null) [from, to] = this.dragRange();
    if (from <= 0 && to >= n) return;
    const x0 = (from / n) * W;
    const x1 = (to / n) * W;
    ctx.fillStyle = "rgba(240, 240, 240, 0.75)";
    ctx.fillRect(0, 0, x0, h);
    ctx.fillRect(x1, 0, W - x1, h);
    ctx.strokeStyle = "#333";
    ctx.strokeRect(x0 + 0.5, 0.5, Math.max(1, x1 - x0 - 1), h - 1);
  }

  xOf(e) {
    const r = this.flame.getBoundingClientRect();
    return Math.max(0, Math.min(this.width, e.clientX - r.left));
  }

  down(e) {
    if (e.button !== 0 || this.model === null) return;
    e.preventDefault();
    this.drag = { x0: this.xOf(e), x1: this.xOf(e) };
  }

  dragRange() {
    const a = this.sampleAt(Math.min(this.drag.x0, this.drag.x1));
    const b = this.sampleAt(Math.max(this.drag.x0, this.drag.x1));
    return [a, Math.max(b, a + 1)];
  }

  dragMove(e) {
    if (this.drag === null) return;
    this.drag.x1 = this.xOf(e);
    this.render();
  }

  up(e) {
    if (this.drag === null) return;
    this.drag.x1 = this.xOf(e);
    const moved = Math.abs(this.drag.x1 - this.drag.x0) >= 3;
    const [from, to] = this.dragRange();
    this.drag = null;
    if (moved) this.opts.onSelect(from, to);
    else this.opts.onSelect(null, null);
  }

  move(e) {
    if (this.model === null || this.columns === null || this.drag !== null) return;
    const c = Math.floor(this.xOf(e));
    const s = this.columns[Math.min(c, this.columns.length - 1)];
    if (s === undefined || s < 0) return this.opts.onHover?.(null);
    let node = this.model.sampleNode[s];
    if (e.currentTarget === this.flame) {
      const r = this.flame.getBoundingClientRect();
      const d = Math.floor((e.clientY - r.top) / ROW_H) + 1;
      if (this.model.trie.depth[node] < d) node = -1;
      else while (this.model.trie.depth[node] > d) node = this.model.trie.parent[node];
    }
    this.opts.onHover?.({ sample: s, node, rss: this.model.sampleRss?.[s] }, e);
  }
}
