// Timeline: samples in time order as a flame chart, the RSS over time, and a draggable time-range selection.

const ROW_H = 7;
const MAX_ROWS = 16;
const MIN_ROWS = 4;
const RSS_H = 56;

/**
 * opts:
 *   colorOfNode(node) → CSS colour of a trie node
 *   onSelect(from, to) a sample range was chosen, or (null, null) to clear
 *   onHover(info, event) info {sample, node, rss} or null
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
    this.prepared = null; // what the drawing needs, kept until the model, thread or width change
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

  /**
   * Per pixel column: the sample that stands for it (the one nearest the middle in the
   * thread), and the lowest and highest RSS of the column's samples.
   */
  prepare(W) {
    const m = this.model;
    const key = `${m.header.label}:${m.samples}:${this.thread}:${W}`;
    if (this.prepared?.key === key && this.prepared.model === m) return this.prepared;
    const n = m.samples;
    const thread = this.thread;
    const st = m.sampleThread;
    const trie = m.trie;
    const cols = new Int32Array(W).fill(-1);
    let rows = MIN_ROWS;
    for (let c = 0; c < W; c++) {
      const s0 = Math.floor((c * n) / W);
      const s1 = Math.min(n, Math.max(s0 + 1, Math.floor(((c + 1) * n) / W)));
      const mid = (s0 + s1) >> 1;
      if (mid >= n) continue;
      if (thread < 0 || st[mid] === thread) cols[c] = mid;
      else {
        for (let s = mid + 1; s < s1; s++) {
          if (st[s] === thread) {
            cols[c] = s;
            break;
          }
        }
        if (cols[c] < 0) {
          for (let s = mid - 1; s >= s0; s--) {
            if (st[s] === thread) {
              cols[c] = s;
              break;
            }
          }
        }
      }
      if (cols[c] >= 0) rows = Math.max(rows, Math.min(MAX_ROWS, trie.depth[m.sampleNode[cols[c]]]));
    }
    let rssLo, rssHi, min = Infinity, max = 0;
    if (m.sampleRss !== undefined) {
      const rss = m.sampleRss;
      rssLo = new Float64Array(W).fill(Infinity);
      rssHi = new Float64Array(W).fill(-1);
      for (let c = 0; c < W; c++) {
        const s0 = Math.floor((c * n) / W);
        const s1 = Math.min(n, Math.max(s0 + 1, Math.floor(((c + 1) * n) / W)));
        let lo = Infinity;
        let hi = -1;
        for (let s = s0; s < s1; s++) {
          if (thread >= 0 && st[s] !== thread) continue;
          const v = rss[s];
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        rssLo[c] = lo;
        rssHi[c] = hi;
        if (hi >= 0) {
          if (lo < min) min = lo;
          if (hi > max) max = hi;
        }
      }
    }
    this.prepared = { key, model: m, cols, rows, rssLo, rssHi, rssMin: min, rssMax: max };
    return this.prepared;
  }

  render() {
    const m = this.model;
    if (m === null) return;
    const W = this.width;
    const p = this.prepare(W);
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
    const { cols, rows } = p;
    const sn = m.sampleNode;
    const trie = m.trie;

    // Flame chart: runs of the same node at the same depth across columns are one box.
    const height = rows * ROW_H;
    const ctx = size(this.flame, height);
    const runNode = new Int32Array(rows + 1).fill(-1);
    const runStart = new Int32Array(rows + 1);
    const path = new Int32Array(rows + 1);
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
        while (trie.depth[v] > rows) v = trie.parent[v];
        depth = trie.depth[v];
        for (let d = depth; d > 0; d--, v = trie.parent[v]) path[d] = v;
      }
      for (let d = 1; d <= rows; d++) {
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
    this.shade(ctx, W, height);

    // RSS: each column's range of values, scaled between the lowest and the highest.
    this.rss.hidden = m.sampleRss === undefined;
    if (m.sampleRss !== undefined) {
      const rctx = size(this.rss, RSS_H);
      const { rssLo, rssHi, rssMin, rssMax } = p;
      const span = Math.max(1, rssMax - rssMin);
      const y = (v) => RSS_H - 3 - ((v - rssMin) / span) * (RSS_H - 8);
      for (let c = 0; c < W; c++) {
        if (rssHi[c] < 0) continue;
        const top = y(rssHi[c]);
        rctx.fillStyle = "#c8d5ea";
        rctx.fillRect(c, top, 1, RSS_H - top);
        rctx.fillStyle = "#4d71ad";
        rctx.fillRect(c, top, 1, Math.max(1.5, y(rssLo[c]) - top));
      }
      if (rssMax > 0) {
        rctx.fillStyle = "#333";
        rctx.font = "11px system-ui, sans-serif";
        rctx.textBaseline = "top";
        rctx.fillText(`${(rssMax / 1024).toFixed(1)} MB`, 4, 2);
        rctx.textBaseline = "bottom";
        rctx.fillText(`${(rssMin / 1024).toFixed(1)} MB`, 4, RSS_H - 1);
      }
      this.shade(rctx, W, RSS_H);
    }
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
    ctx.fillStyle = "rgba(240, 240, 240, 0.78)";
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
    const p = this.prepared;
    if (this.model === null || p === null || this.drag !== null) return;
    const c = Math.min(Math.floor(this.xOf(e)), p.cols.length - 1);
    const s = p.cols[c];
    if (s === undefined || s < 0) return this.opts.onHover?.(null);
    const trie = this.model.trie;
    let node = this.model.sampleNode[s];
    if (e.currentTarget === this.flame) {
      const r = this.flame.getBoundingClientRect();
      const d = Math.floor((e.clientY - r.top) / ROW_H) + 1;
      if (trie.depth[node] < d) node = -1;
      else while (trie.depth[node] > d) node = trie.parent[node];
    }
    this.opts.onHover?.({ sample: s, node, rss: this.model.sampleRss?.[s] }, e);
  }
}
