// The onnxkit viewer page. The layout comes computed from onnxkit (layer
// `view`); this script only draws what is in view on a canvas, and builds the
// panels. Every string from the model reaches the document through
// textContent or canvas text, never as markup.
'use strict';
(function () {
  const timings = { start: performance.now() };
  let data = hydrate(JSON.parse(document.getElementById('model-data').textContent));
  timings.parsed = performance.now();

  /** Copies each op box's shared facts (type, domain, category, version,
   * custom schema) from the op table onto the box, and fills defaults. */
  function hydrate(d) {
    const empty = Object.freeze([]);
    for (const g of d.graphs) {
      for (const n of g.nodes) {
        if (!n.ln) n.ln = empty;
        if (n.k === undefined) n.k = 0;
        if (n.k !== 0) continue;
        const op = d.ops[n.o];
        n.t = op.t;
        n.d = op.d;
        n.c = op.c;
        n.v = op.v;
        if (op.sc !== undefined) n.sc = op.sc;
        if (!n.at) n.at = empty;
      }
    }
    return d;
  }

  /** The schema's name for input or output i (a variadic last one repeats). */
  function paramName(names, variadic, i) {
    if (!names || !names.length) return String(i);
    if (i < names.length) return names[i];
    return variadic ? names[names.length - 1] : String(i);
  }

  // Box metrics: the same as src/view/page_data.cpp.
  const TITLE_H = 22;
  const LINE_H = 14;

  const COLORS = {
    conv: '#33577b', layer: '#33577b', activation: '#7a2a2a', normalization: '#2f5e3a',
    pooling: '#2f5e3a', shape: '#6c4f47', data: '#6c4f47', control: '#5a4a7a',
    custom: '#b0006a', constant: '#8a8a8a', other: '#4a4a4a',
  };
  const CATEGORY_NAMES = [['conv', 'conv / layer'], ['activation', 'activation'], ['normalization', 'norm / pool'],
    ['shape', 'shape / data'], ['control', 'control'], ['custom', 'custom']];
  const DIFF_COLORS = { 1: '#1e8e3e', 2: '#d93025', 3: '#e37400' };
  const DIFF_NAMES = { 1: 'added', 2: 'removed', 3: 'changed' };
  const IO_FILL = '#f1f3f4';

  const $ = (id) => document.getElementById(id);
  const canvas = $('canvas');
  const ctx = canvas.getContext('2d');

  /** An element with text children only: strings become text nodes. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (k === 'class') e.className = v;
        else if (k === 'onclick') e.addEventListener('click', v);
        else if (k === 'text') e.textContent = v;
        else e.setAttribute(k, v);
      }
    }
    for (const c of children) {
      if (c === null || c === undefined) continue;
      e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  }

  /** Name and type of tensor `tid` of graph `g` (its tensor table). */
  const tensorName = (g, tid) => (tid >= 0 ? g.tn[tid] : '');
  const tensorType = (g, tid) => (tid >= 0 ? data.types[g.ty[tid]] : '');
  const edgeLabel = (g, i) => data.labels[g.ty[g.et[i]]];

  const state = {
    graph: 0, dir: 'v', scale: 1, tx: 0, ty: 0, selected: -1, highlightEdges: null,
    frameTimes: [], drawCount: 0, attrs: false, attrCards: 0,
  };
  let G = null; // the prepared current graph

  /** Typed arrays for the current graph and direction. */
  function prepare(gi) {
    const g = data.graphs[gi];
    const L = state.dir === 'v' ? g.lv : g.lh;
    const n = g.nodes.length;
    const e = new Uint32Array(g.e);
    const m = e.length / 2;
    const p = {
      index: gi, g, n, m, e,
      x: Float32Array.from(L.x), y: Float32Array.from(L.y),
      w: Float32Array.from(g.w), h: Float32Array.from(g.h),
      b: Uint32Array.from(L.b), pts: Float32Array.from(L.p), W: L.W, H: L.H,
      ebox: new Float32Array(m * 4),
    };
    // Bounding boxes of edges, for culling.
    for (let i = 0; i < m; i++) {
      const [sx, sy] = port(p, e[2 * i], true);
      const [tx, ty] = port(p, e[2 * i + 1], false);
      let x0 = Math.min(sx, tx), x1 = Math.max(sx, tx), y0 = Math.min(sy, ty), y1 = Math.max(sy, ty);
      for (let k = p.b[i]; k < p.b[i + 1]; k++) {
        const px = p.pts[2 * k], py = p.pts[2 * k + 1];
        if (px < x0) x0 = px; if (px > x1) x1 = px; if (py < y0) y0 = py; if (py > y1) y1 = py;
      }
      p.ebox[4 * i] = x0; p.ebox[4 * i + 1] = y0; p.ebox[4 * i + 2] = x1; p.ebox[4 * i + 3] = y1;
    }
    buildBands(p);
    return p;
  }

  // Bands across the flow (rows of a vertical layout, columns of a horizontal
  // one): each lists the boxes and edges that reach into it, so a frame only
  // looks at what is near the view instead of at every box and edge.
  const BAND = 256;

  function buildBands(p) {
    const vertical = state.dir === 'v';
    const count = Math.max(1, Math.ceil((vertical ? p.H : p.W) / BAND) + 1);
    const fill = (n, lo, hi) => {
      // Two passes: sizes, then a flat list per band (compressed rows).
      const start = new Uint32Array(count + 1);
      for (let i = 0; i < n; i++) for (let b = band(lo(i)); b <= band(hi(i)); b++) start[b + 1]++;
      for (let b = 0; b < count; b++) start[b + 1] += start[b];
      const items = new Uint32Array(start[count]);
      const at = start.slice(0, count);
      for (let i = 0; i < n; i++) for (let b = band(lo(i)); b <= band(hi(i)); b++) items[at[b]++] = i;
      return { start, items };
    };
    const band = (c) => Math.min(count - 1, Math.max(0, Math.floor(c / BAND)));
    const lo = vertical ? (v) => p.y[v] - p.h[v] / 2 : (v) => p.x[v] - p.w[v] / 2;
    const hi = vertical ? (v) => p.y[v] + p.h[v] / 2 : (v) => p.x[v] + p.w[v] / 2;
    const k = vertical ? 1 : 0;
    p.bands = {
      vertical, count,
      nodes: fill(p.n, lo, hi),
      edges: fill(p.m, (i) => p.ebox[4 * i + k], (i) => p.ebox[4 * i + 2 + k]),
      seen: new Uint32Array(Math.max(p.n, p.m)),
      stamp: 0,
    };
  }

  /** Calls `visit` once for each item (box or edge) of the bands the view meets. */
  function forBands(p, which, view, visit) {
    const B = p.bands;
    const lo = B.vertical ? view[1] : view[0], hi = B.vertical ? view[3] : view[2];
    const b0 = Math.min(B.count - 1, Math.max(0, Math.floor(lo / BAND)));
    const b1 = Math.min(B.count - 1, Math.max(0, Math.floor(hi / BAND)));
    const { start, items } = B[which];
    if (++B.stamp === 0xffffffff) { B.seen.fill(0); B.stamp = 1; }
    const stamp = B.stamp, seen = B.seen;
    for (let b = b0; b <= b1; b++) {
      for (let k = start[b]; k < start[b + 1]; k++) {
        const i = items[k];
        if (seen[i] === stamp) continue;
        seen[i] = stamp;
        visit(i);
      }
    }
  }

  /** Where an edge leaves (out) or enters a box. */
  function port(p, v, out) {
    if (state.dir === 'v') return [p.x[v], p.y[v] + (out ? p.h[v] / 2 : -p.h[v] / 2)];
    return [p.x[v] + (out ? p.w[v] / 2 : -p.w[v] / 2), p.y[v]];
  }

  // ---------------------------------------------------------------- drawing

  let pending = false;
  function requestDraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; drawScreen(); });
  }

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    const r = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(r.width * dpr));
    canvas.height = Math.max(1, Math.round(r.height * dpr));
    requestDraw();
  }

  function drawScreen() {
    const t0 = performance.now();
    const dpr = window.devicePixelRatio || 1;
    const cw = canvas.width / dpr, ch = canvas.height / dpr;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr * state.scale, 0, 0, dpr * state.scale, dpr * state.tx, dpr * state.ty);
    const view = [-state.tx / state.scale, -state.ty / state.scale,
      (cw - state.tx) / state.scale, (ch - state.ty) / state.scale];
    if (G.n > OVERVIEW_MIN_BOXES && state.scale <= overviewScale(G)) {
      // Zoomed far out on a big graph: one bitmap of the whole drawing.
      const ov = overview(G);
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(ov.canvas, 0, 0, ov.canvas.width / ov.scale, ov.canvas.height / ov.scale);
      drawGraph(ctx, G, state.scale, view, state.selected, true);
    } else {
      drawGraph(ctx, G, state.scale, view, state.selected);
    }
    state.frameTimes.push(performance.now() - t0);
    if (state.frameTimes.length > 600) state.frameTimes.splice(0, 300);
    if (state.drawCount++ === 0) timings.firstDraw = performance.now();
  }

  /** Text that fits `width`: shortened with an ellipsis when needed. */
  function fitText(c, text, width) {
    if (c.measureText(text).width <= width) return text;
    let lo = 0, hi = text.length;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (c.measureText(text.slice(0, mid) + '\u2026').width <= width) lo = mid; else hi = mid - 1;
    }
    return text.slice(0, lo) + '\u2026';
  }

  // Graphs with more boxes than this get a cached overview bitmap for far zoom.
  const OVERVIEW_MIN_BOXES = 3000;
  const OVERVIEW_MAX_PIXELS = 4096;

  function overviewScale(p) {
    return Math.min(1, OVERVIEW_MAX_PIXELS / Math.max(p.W, 1), OVERVIEW_MAX_PIXELS / Math.max(p.H, 1));
  }

  /** The whole graph drawn once, at overviewScale(), kept with the prepared graph. */
  function overview(p) {
    if (p.overview) return p.overview;
    const scale = overviewScale(p);
    const c = document.createElement('canvas');
    c.width = Math.max(1, Math.ceil(p.W * scale));
    c.height = Math.max(1, Math.ceil(p.H * scale));
    const c2 = c.getContext('2d');
    c2.setTransform(scale, 0, 0, scale, 0, 0);
    drawGraph(c2, p, scale, [0, 0, p.W, p.H], -1, false, 1 / scale);
    p.overview = { canvas: c, scale };
    return p.overview;
  }

  function fillFor(g, v) {
    const node = g.nodes[v];
    if (node.st) return DIFF_COLORS[node.st];
    if (node.k !== 0) return IO_FILL;
    return COLORS[node.c] || COLORS.other;
  }

  /** Draws the boxes and edges of `p` that meet `view` (world coordinates);
   * with `selectionOnly`, just the selection mark. Boxes are at least
   * `minSize` world units (the overview keeps tiny boxes visible). */
  function drawGraph(c, p, scale, view, selected, selectionOnly, minSize) {
    const [vx0, vy0, vx1, vy1] = view;
    const g = p.g;
    const detail = scale >= 0.35;
    if (selectionOnly) {
      drawSelection(c, p, scale, selected);
      return 0;
    }
    // Edges: one path, culled by bounding box.
    c.lineWidth = Math.max(1 / scale, 1);
    c.strokeStyle = '#8a8a8a';
    c.beginPath();
    const arrows = [];
    const labels = [];
    forBands(p, 'edges', view, (i) => {
      if (p.ebox[4 * i + 2] < vx0 || p.ebox[4 * i] > vx1 || p.ebox[4 * i + 3] < vy0 || p.ebox[4 * i + 1] > vy1) return;
      const s = port(p, p.e[2 * i], true), t = port(p, p.e[2 * i + 1], false);
      c.moveTo(s[0], s[1]);
      let lx = s[0], ly = s[1];
      for (let k = p.b[i]; k < p.b[i + 1]; k++) {
        const px = p.pts[2 * k], py = p.pts[2 * k + 1];
        if (detail) {
          // Smooth: a curve whose handles follow the flow direction.
          if (state.dir === 'v') c.bezierCurveTo(lx, (ly + py) / 2, px, (ly + py) / 2, px, py);
          else c.bezierCurveTo((lx + px) / 2, ly, (lx + px) / 2, py, px, py);
        } else {
          c.lineTo(px, py);
        }
        lx = px; ly = py;
      }
      if (detail) {
        if (state.dir === 'v') c.bezierCurveTo(lx, (ly + t[1]) / 2, t[0], (ly + t[1]) / 2, t[0], t[1]);
        else c.bezierCurveTo((lx + t[0]) / 2, ly, (lx + t[0]) / 2, t[1], t[0], t[1]);
        arrows.push(t);
        if (scale >= 0.6 && edgeLabel(g, i)) labels.push([i, (lx + t[0]) / 2, (ly + t[1]) / 2]);
      } else {
        c.lineTo(t[0], t[1]);
      }
    });
    c.stroke();
    if (arrows.length) {
      c.fillStyle = '#8a8a8a';
      c.beginPath();
      for (const [x, y] of arrows) {
        if (state.dir === 'v') { c.moveTo(x, y); c.lineTo(x - 4, y - 7); c.lineTo(x + 4, y - 7); }
        else { c.moveTo(x, y); c.lineTo(x - 7, y - 4); c.lineTo(x - 7, y + 4); }
        c.closePath();
      }
      c.fill();
    }
    // Boxes, grouped by fill colour.
    const visible = [];
    forBands(p, 'nodes', view, (v) => {
      const hw = p.w[v] / 2, hh = p.h[v] / 2;
      if (p.x[v] + hw < vx0 || p.x[v] - hw > vx1 || p.y[v] + hh < vy0 || p.y[v] - hh > vy1) return;
      visible.push(v);
    });
    const groups = new Map();
    for (const v of visible) {
      const f = fillFor(g, v);
      let list = groups.get(f);
      if (!list) groups.set(f, list = []);
      list.push(v);
    }
    for (const [fill, list] of groups) {
      c.fillStyle = fill;
      c.beginPath();
      for (const v of list) {
        const x = p.x[v] - p.w[v] / 2, y = p.y[v] - p.h[v] / 2;
        if (detail && g.nodes[v].k === 0) c.rect(x, y, p.w[v], TITLE_H);
        else if (minSize) c.rect(x, y, Math.max(p.w[v], minSize), Math.max(p.h[v], minSize));
        else c.rect(x, y, p.w[v], p.h[v]);
      }
      c.fill();
    }
    if (detail) {
      // Bodies of op boxes that list weights, outlines, custom marks, text.
      c.fillStyle = '#fff';
      c.beginPath();
      for (const v of visible) {
        if (g.nodes[v].k === 0 && p.h[v] > TITLE_H) c.rect(p.x[v] - p.w[v] / 2, p.y[v] - p.h[v] / 2 + TITLE_H, p.w[v], p.h[v] - TITLE_H);
      }
      c.fill();
      c.lineWidth = 1;
      c.strokeStyle = '#666';
      c.beginPath();
      for (const v of visible) c.rect(p.x[v] - p.w[v] / 2, p.y[v] - p.h[v] / 2, p.w[v], p.h[v]);
      c.stroke();
      c.setLineDash([4, 3]);
      c.lineWidth = 2;
      c.strokeStyle = COLORS.custom;
      c.beginPath();
      for (const v of visible) {
        if (g.nodes[v].c === 'custom') c.rect(p.x[v] - p.w[v] / 2 - 3, p.y[v] - p.h[v] / 2 - 3, p.w[v] + 6, p.h[v] + 6);
      }
      c.stroke();
      c.setLineDash([]);
      c.textBaseline = 'middle';
      for (const v of visible) {
        const node = g.nodes[v];
        const x0 = p.x[v] - p.w[v] / 2, y0 = p.y[v] - p.h[v] / 2;
        c.save();
        c.beginPath();
        c.rect(x0, y0, p.w[v], p.h[v]);
        c.clip();
        c.textAlign = 'center';
        if (node.k === 0) {
          c.font = 'bold 12px system-ui, sans-serif';
          c.fillStyle = '#fff';
          const title = node.st ? (node.st === 2 ? '\u2212 ' : node.st === 1 ? '+ ' : '~ ') + node.t : node.t;
          c.fillText(fitText(c, title, p.w[v] - 6), p.x[v], y0 + TITLE_H / 2);
          c.font = '11px system-ui, sans-serif';
          c.textAlign = 'left';
          c.fillStyle = '#222';
          for (let k = 0; k < node.ln.length; k++) c.fillText(fitText(c, node.ln[k], p.w[v] - 12), x0 + 8, y0 + TITLE_H + 2 + LINE_H * (k + 0.5));
        } else {
          c.font = '12px system-ui, sans-serif';
          c.fillStyle = node.st ? '#fff' : '#222';
          c.fillText(fitText(c, node.t, p.w[v] - 6), p.x[v], y0 + TITLE_H / 2);
          c.font = '11px system-ui, sans-serif';
          c.fillStyle = node.st ? '#fff' : '#555';
          if (node.ln[0]) c.fillText(fitText(c, node.ln[0], p.w[v] - 6), p.x[v], y0 + TITLE_H + 2 + LINE_H / 2 - 4);
        }
        c.restore();
      }
      state.attrCards = state.attrs && scale >= 0.5 ? drawAttributeCards(c, p, g, visible) : 0;
      if (labels.length) {
        c.font = '10px system-ui, sans-serif';
        c.textAlign = 'left';
        c.fillStyle = '#555';
        for (const [i, x, y] of labels) c.fillText(edgeLabel(g, i), x + 4, y);
      }
    }
    drawSelection(c, p, scale, selected);
    return visible.length;
  }

  // Attributes on request: a card beside each box (right of it in the
  // vertical layout, below it in the horizontal one), so the layout computed
  // natively stays as it is. Returns how many cards were drawn.
  function drawAttributeCards(c, p, g, visible) {
    const CARD_W = 150, PAD = 4;
    let drawn = 0;
    c.font = '10px system-ui, sans-serif';
    c.textAlign = 'left';
    c.textBaseline = 'middle';
    for (const v of visible) {
      const node = g.nodes[v];
      if (node.k !== 0 || !node.at.length) continue;
      const h = node.at.length * 12 + 2 * PAD;
      const x = state.dir === 'v' ? p.x[v] + p.w[v] / 2 + 4 : p.x[v] - p.w[v] / 2;
      const y = state.dir === 'v' ? p.y[v] - p.h[v] / 2 : p.y[v] + p.h[v] / 2 + 4;
      c.fillStyle = 'rgba(255, 255, 240, 0.92)';
      c.fillRect(x, y, CARD_W, h);
      c.strokeStyle = '#bbb';
      c.lineWidth = 1;
      c.strokeRect(x, y, CARD_W, h);
      c.fillStyle = '#333';
      for (let k = 0; k < node.at.length; k++) {
        const [name, , val] = node.at[k];
        c.fillText(fitText(c, name + ' = ' + val, CARD_W - 2 * PAD), x + PAD, y + PAD + 12 * (k + 0.5));
      }
      drawn++;
    }
    return drawn;
  }

  function toggleAttributes() {
    state.attrs = !state.attrs;
    $('btn-attrs').setAttribute('aria-pressed', String(state.attrs));
    requestDraw();
  }

  function drawSelection(c, p, scale, selected) {
    if (selected < 0 || selected >= p.n) return;
    c.lineWidth = Math.max(3, 2 / scale);
    c.strokeStyle = '#f5a623';
    const pad = Math.max(4, 4 / scale);
    c.strokeRect(p.x[selected] - p.w[selected] / 2 - pad, p.y[selected] - p.h[selected] / 2 - pad,
      p.w[selected] + 2 * pad, p.h[selected] + 2 * pad);
  }

  // ------------------------------------------------------------ navigation

  function viewportSize() {
    const r = canvas.getBoundingClientRect();
    return [r.width, r.height];
  }

  function fit() {
    const [cw, ch] = viewportSize();
    const pad = 24;
    const s = Math.min((cw - 2 * pad) / Math.max(G.W, 1), (ch - 2 * pad) / Math.max(G.H, 1), 1.5);
    state.scale = Math.max(s, 1e-4);
    state.tx = (cw - G.W * state.scale) / 2;
    state.ty = (ch - G.H * state.scale) / 2;
    requestDraw();
  }

  function zoomAt(factor, sx, sy) {
    const s = Math.min(Math.max(state.scale * factor, 1e-4), 8);
    const f = s / state.scale;
    state.tx = sx - (sx - state.tx) * f;
    state.ty = sy - (sy - state.ty) * f;
    state.scale = s;
    requestDraw();
  }

  function centerOn(v, minScale) {
    const [cw, ch] = viewportSize();
    if (minScale && state.scale < minScale) state.scale = minScale;
    state.tx = cw / 2 - G.x[v] * state.scale;
    state.ty = ch / 2 - G.y[v] * state.scale;
    requestDraw();
  }

  function screenPosition(v) {
    const r = canvas.getBoundingClientRect();
    return [r.left + state.tx + G.x[v] * state.scale, r.top + state.ty + G.y[v] * state.scale];
  }

  function hit(sx, sy) {
    const x = (sx - state.tx) / state.scale, y = (sy - state.ty) / state.scale;
    for (let v = G.n - 1; v >= 0; v--) {
      if (Math.abs(x - G.x[v]) <= G.w[v] / 2 && Math.abs(y - G.y[v]) <= G.h[v] / 2) return v;
    }
    return -1;
  }

  /** The first view of a graph: all of it, unless that would be too small to
   * read; then its top (where the inputs are) at a readable scale, as Netron does. */
  function initialView() {
    const [cw, ch] = viewportSize();
    const s = Math.min((cw - 48) / Math.max(G.W, 1), (ch - 48) / Math.max(G.H, 1));
    if (s >= 0.25) return fit();
    let first = 0;
    for (let v = 0; v < G.n; v++) if (G.g.nodes[v].k === 1) { first = v; break; }
    state.scale = 0.8;
    state.tx = cw / 2 - G.x[first] * state.scale;
    state.ty = 24 - (G.y[first] - G.h[first] / 2) * state.scale;
    if (state.dir === 'h') {
      state.tx = 24 - (G.x[first] - G.w[first] / 2) * state.scale;
      state.ty = ch / 2 - G.y[first] * state.scale;
    }
    requestDraw();
  }

  function openGraph(gi, keepView) {
    state.graph = gi;
    state.selected = -1;
    $('sidebar').hidden = true;
    $('tooltip').hidden = true;
    G = prepare(gi);
    renderCrumbs();
    if (!keepView) initialView();
    requestDraw();
  }

  function renderCrumbs() {
    const nav = $('crumbs');
    nav.replaceChildren();
    const path = [];
    for (let gi = state.graph; gi >= 0; gi = data.graphs[gi].parent) path.unshift(gi);
    path.forEach((gi, i) => {
      if (i) nav.append(el('span', { class: 'sep' }, '\u203a'));
      const g = data.graphs[gi];
      const label = i === 0 ? (g.name || 'main graph') : (g.owner.split(' \u203a ').slice(-2).join(' \u203a ') || g.name);
      nav.append(el('button', { onclick: () => openGraph(gi), 'data-graph': String(gi) }, label));
    });
  }

  // --------------------------------------------------------------- sidebar

  function showSidebar(...content) {
    const body = $('sidebar-body');
    body.replaceChildren(...content);
    $('sidebar').hidden = false;
  }

  function table(rows) {
    const t = el('table');
    for (const [k, v] of rows) {
      if (v === undefined || v === null || v === '') continue;
      t.append(el('tr', null, el('td', { class: 'key' }, k), el('td', { class: 'mono' }, v)));
    }
    return t;
  }

  function formatCount(n) {
    if (n === undefined || n === null) return '';
    const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (const [u, s] of units) if (n >= u) return (n / u).toFixed(2) + ' ' + s + ' (' + n.toLocaleString('en-US') + ')';
    return String(n);
  }

  function opDocUrl(node) {
    const d = node.d || '';
    if (d === '' || d === 'ai.onnx') return 'https://onnx.ai/onnx/operators/onnx__' + encodeURIComponent(node.t) + '.html';
    if (d === 'ai.onnx.ml') return 'https://onnx.ai/onnx/operators/onnx_aionnxml_' + encodeURIComponent(node.t) + '.html';
    return null;
  }

  function weightBlock(wi) {
    const w = data.weights[wi];
    if (!w) return null;
    const rows = [['type', w.y]];
    if (w.s) {
      rows.push(['min', String(w.s[0])], ['max', String(w.s[1])], ['mean', String(w.s[2])],
        ['std', String(w.s[3])], ['sparsity', (100 * w.s[4]).toFixed(1) + ' %']);
      if (w.sm) rows.push(['sampled', w.sm.toLocaleString('en-US') + ' elements (evenly spread blocks)']);
      rows.push(['values', '[' + w.pv.map((x) => String(x)).join(', ') + (w.pv.length >= 8 ? ', \u2026' : '') + ']']);
    }
    return el('div', { class: 'weight' }, table(rows));
  }

  function showNode(v) {
    const g = G.g, node = g.nodes[v];
    if (node.k !== 0) return showValue(v);
    const parts = [];
    const url = opDocUrl(node);
    const heading = el('h2', null);
    if (url) heading.append(el('a', { href: url, target: '_blank', rel: 'noopener noreferrer', class: 'op-link' }, node.t));
    else heading.append(node.t);
    if (node.c === 'custom') heading.append(el('span', { class: 'badge', style: 'background:' + COLORS.custom }, 'custom'));
    if (node.st) heading.append(el('span', { class: 'badge diff-status', style: 'background:' + DIFF_COLORS[node.st] }, DIFF_NAMES[node.st]));
    parts.push(heading);
    parts.push(table([
      ['type', (node.d ? node.d + '::' : '') + node.t], ['domain', node.d || 'ai.onnx'],
      ['version', node.v ? String(node.v) : 'unknown'], ['name', node.n], ['category', node.c],
      ['FLOPs', node.f !== undefined ? formatCount(node.f) : ''],
      ['parameters', node.p !== undefined ? formatCount(node.p) : ''],
    ]));
    if (node.sc !== undefined) {
      parts.push(el('h3', null, 'Declared schema'));
      parts.push(node.sc ? el('pre', { class: 'schema' }, node.sc)
        : el('p', null, 'No schema declared for this custom op (onnxkit view --op-schemas FILE).'));
    }
    if (node.dn && node.dn.length) {
      parts.push(el('h3', null, 'Differences'));
      parts.push(el('pre', { class: 'diff-notes' }, node.dn.join('\n')));
    }
    if (node.doc) parts.push(el('h3', null, 'Documentation'), el('pre', null, node.doc));
    parts.push(el('h3', null, 'Attributes'));
    parts.push(node.at.length ? table(node.at.map(([k, type, val]) => [k, val + '  (' + type + ')'])) : el('p', null, 'none'));
    parts.push(el('h3', null, 'Inputs'));
    const ins = el('div', { class: 'inputs' });
    const op = data.ops[node.o];
    for (let i = 0; i < node.in.length; i++) {
      const tid = node.in[i], wi = node.w ? node.w[i] : -1, param = paramName(op.pi, op.vi, i);
      const name = tensorName(g, tid), type = tensorType(g, tid);
      ins.append(table([[param, (name || '(absent)') + (type ? '  ' + type : '')]]));
      if (wi >= 0) {
        const det = el('details', null, el('summary', null, 'weight ' + name));
        const blk = weightBlock(wi);
        if (blk) det.append(blk);
        ins.append(det);
      }
    }
    parts.push(ins);
    parts.push(el('h3', null, 'Outputs'));
    parts.push(table(node.out.map((tid, i) => [paramName(op.po, op.vo, i), (tensorName(g, tid) || '(absent)') + (tid >= 0 ? '  ' + tensorType(g, tid) : '')])));
    if (node.sg && node.sg.length) {
      parts.push(el('h3', null, 'Subgraphs'));
      for (const [label, gi] of node.sg) {
        parts.push(el('button', { class: 'action subgraph', onclick: () => openGraph(gi) }, 'Open ' + label));
      }
    }
    if (data.editable && G.g.parent >= 0) {
      parts.push(el('p', { class: 'note' }, 'Edits apply to the main graph; for nodes in a body use onnxkit edit or Python.'));
    }
    if (data.editable && G.g.parent < 0) {
      parts.push(el('h3', null, 'Edit'));
      parts.push(el('button', { class: 'action', id: 'edit-bypass', onclick: () => edit({ op: 'bypass', node: node.ix, name: node.n }) }, 'Bypass'));
      parts.push(el('button', { class: 'action', id: 'edit-remove', onclick: () => edit({ op: 'remove', node: node.ix, name: node.n }) }, 'Remove'));
      parts.push(el('button', {
        class: 'action', id: 'edit-rename', onclick: () => {
          const to = prompt('New name for node ' + node.n, node.n);
          if (to) edit({ op: 'rename', node: node.ix, name: node.n, to });
        },
      }, 'Rename\u2026'));
    }
    showSidebar(...parts);
  }

  function showValue(v) {
    const node = G.g.nodes[v];
    const parts = [el('h2', null, node.k === 1 ? 'Input' : 'Output'),
      table([['name', node.t], ['type', tensorType(G.g, node.ti)], ['dims', dimsOf(tensorType(G.g, node.ti))]])];
    if (node.st) parts.push(el('p', null, 'Status: ' + DIFF_NAMES[node.st]));
    if (data.editable && node.k === 1 && G.g.parent < 0) {
      parts.push(el('button', {
        class: 'action', id: 'edit-shape', onclick: () => {
          const dims = prompt('Dims of input ' + node.t + ' (e.g. N,3,224,224)', node.ln[0].split('\u00d7').join(','));
          if (dims !== null) edit({ op: 'set-input-shape', input: node.t, dims });
        },
      }, 'Set shape\u2026'));
    }
    showSidebar(...parts);
  }

  function dimsOf(type) {
    const m = /\[(.*)\]$/.exec(type || '');
    return m ? m[1] : '';
  }

  function showModel() {
    const m = data.model, g = data.graphs[0];
    const parts = [el('h2', null, 'Model properties')];
    parts.push(table([
      ['file', m.file], ['format', 'ONNX v' + m.ir_version], ['producer', m.producer], ['domain', m.domain],
      ['version', m.model_version ? String(m.model_version) : ''],
      ['opsets', m.opsets.map(([d, v]) => d + ' ' + v).join(', ')],
      ['nodes', String(g ? g.nodes.filter((n) => n.k === 0).length : 0)],
      ['FLOPs', formatCount(m.flops)], ['parameters', formatCount(m.params)],
      ['description', m.doc],
    ]));
    if (m.metadata.length) parts.push(el('h3', null, 'Metadata'), table(m.metadata));
    if (g) {
      parts.push(el('h3', null, 'Graph ' + (g.name || '')));
      const ios = (kind) => g.nodes.filter((n) => n.k === kind).map((n) => {
        const row = el('tr', { class: kind === 1 ? 'graph-input' : 'graph-output' },
          el('td', { class: 'key' }, n.t), el('td', { class: 'mono dims' }, dimsOf(tensorType(g, n.ti))), el('td', { class: 'mono' }, tensorType(g, n.ti)));
        return row;
      });
      parts.push(el('h3', null, 'Inputs'), el('table', { id: 'model-inputs' }, ...ios(1)));
      parts.push(el('h3', null, 'Outputs'), el('table', { id: 'model-outputs' }, ...ios(2)));
    }
    if (data.diff) {
      parts.push(el('h3', null, 'Comparison'), el('pre', { id: 'diff-summary' }, data.diff.summary));
    }
    showSidebar(...parts);
  }

  function select(v) {
    state.selected = v;
    requestDraw();
    if (v >= 0) showNode(v);
  }

  // ------------------------------------------------------------------ find

  function findMatches(query) {
    const q = query.trim().toLowerCase();
    const out = [];
    if (!q) return out;
    for (let gi = 0; gi < data.graphs.length && out.length < 200; gi++) {
      const g = data.graphs[gi];
      for (let v = 0; v < g.nodes.length && out.length < 200; v++) {
        const n = g.nodes[v];
        if (n.k === 0) {
          if ((n.n || '').toLowerCase().includes(q)) out.push({ gi, v, label: n.n, kind: n.t });
          else if (n.t.toLowerCase() === q || ((n.d ? n.d + '::' : '') + n.t).toLowerCase() === q) out.push({ gi, v, label: n.n || n.t, kind: 'op ' + n.t });
          else {
            const hit = (tid) => tensorName(g, tid).toLowerCase().includes(q);
            const t = n.out.find(hit) ?? n.in.find(hit);
            if (t !== undefined) out.push({ gi, v, label: tensorName(g, t), kind: 'tensor of ' + n.t });
          }
        } else if (n.t.toLowerCase().includes(q)) {
          out.push({ gi, v, label: n.t, kind: n.k === 1 ? 'input' : 'output' });
        }
      }
    }
    return out;
  }

  function goTo(gi, v) {
    if (gi !== state.graph) openGraph(gi);
    centerOn(v, 0.8);
    select(v);
  }

  function renderFind() {
    const list = $('find-results');
    const matches = findMatches($('find').value);
    list.replaceChildren(...matches.map((m) => el('li', { onclick: () => { goTo(m.gi, m.v); list.hidden = true; } },
      m.label, el('span', { class: 'kind' }, m.kind + (m.gi ? ' (subgraph)' : '')))));
    list.hidden = matches.length === 0;
  }

  // ---------------------------------------------------------------- export

  function xml(s) {
    return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  }

  function svgText() {
    const p = G, g = p.g, out = [];
    out.push('<svg xmlns="http://www.w3.org/2000/svg" width="' + Math.ceil(p.W + 40) + '" height="' + Math.ceil(p.H + 40) +
      '" viewBox="-20 -20 ' + Math.ceil(p.W + 40) + ' ' + Math.ceil(p.H + 40) + '" font-family="sans-serif">');
    out.push('<g fill="none" stroke="#8a8a8a">');
    for (let i = 0; i < p.m; i++) {
      const s = port(p, p.e[2 * i], true), t = port(p, p.e[2 * i + 1], false);
      let d = 'M' + s[0].toFixed(1) + ' ' + s[1].toFixed(1);
      for (let k = p.b[i]; k < p.b[i + 1]; k++) d += ' L' + p.pts[2 * k].toFixed(1) + ' ' + p.pts[2 * k + 1].toFixed(1);
      d += ' L' + t[0].toFixed(1) + ' ' + t[1].toFixed(1);
      out.push('<path d="' + d + '"/>');
    }
    out.push('</g>');
    for (let v = 0; v < p.n; v++) {
      const n = g.nodes[v];
      const x = p.x[v] - p.w[v] / 2, y = p.y[v] - p.h[v] / 2;
      out.push('<g class="node"><rect x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" width="' + p.w[v] + '" height="' + p.h[v] +
        '" fill="' + (n.k === 0 && !n.st ? '#fff' : fillFor(g, v)) + '" stroke="#666"/>');
      if (n.k === 0) {
        out.push('<rect x="' + x.toFixed(1) + '" y="' + y.toFixed(1) + '" width="' + p.w[v] + '" height="' + TITLE_H + '" fill="' + fillFor(g, v) + '"/>');
      }
      out.push('<text x="' + p.x[v].toFixed(1) + '" y="' + (y + 15).toFixed(1) + '" text-anchor="middle" font-size="12" fill="' +
        (n.k === 0 || n.st ? '#fff' : '#222') + '">' + xml(n.t) + '</text>');
      n.ln.forEach((line, k) => out.push('<text x="' + (x + 8).toFixed(1) + '" y="' + (y + TITLE_H + 12 + LINE_H * k).toFixed(1) +
        '" font-size="11" fill="#222">' + xml(line) + '</text>'));
      out.push('</g>');
    }
    out.push('</svg>');
    return out.join('\n');
  }

  function baseName() {
    return (data.model.file || 'model').replace(/\.[^.]*$/, '') || 'model';
  }

  function download(blob, name) {
    const a = el('a', { href: URL.createObjectURL(blob), download: name });
    document.body.append(a);
    a.click();
    setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
  }

  function exportSvg() {
    download(new Blob([svgText()], { type: 'image/svg+xml' }), baseName() + '.svg');
  }

  function exportPng() {
    const limit = 8192;
    const s = Math.min(1, limit / Math.max(G.W + 40, 1), limit / Math.max(G.H + 40, 1));
    const off = document.createElement('canvas');
    off.width = Math.max(1, Math.ceil((G.W + 40) * s));
    off.height = Math.max(1, Math.ceil((G.H + 40) * s));
    const c = off.getContext('2d');
    c.fillStyle = '#fff';
    c.fillRect(0, 0, off.width, off.height);
    c.setTransform(s, 0, 0, s, 20 * s, 20 * s);
    // Text only where it is readable; tiny boxes kept at least a pixel.
    drawGraph(c, G, s, [-20, -20, G.W + 20, G.H + 20], -1, false, s < 0.35 ? 1 / s : 0);
    off.toBlob((blob) => download(blob, baseName() + '.png'), 'image/png');
  }

  // ------------------------------------------------------------- editing

  function setStatus(text) {
    $('status').textContent = text;
  }

  async function post(path, body) {
    const r = await fetch(path, {
      method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Onnxkit': '1' }, body: JSON.stringify(body),
    });
    let reply = {};
    try { reply = await r.json(); } catch (e) { reply = { error: 'bad reply from the server' }; }
    return [r.status, reply];
  }

  async function edit(request) {
    setStatus('editing\u2026');
    const [code, reply] = await post('/api/edit', request);
    if (code !== 200) { setStatus('edit failed: ' + (reply.error || code)); return; }
    data = hydrate(reply.data);
    openGraph(Math.min(state.graph, data.graphs.length - 1), true);
    $('sidebar').hidden = true;
    setStatus('edited: ' + (reply.notes && reply.notes.length ? reply.notes.join('; ') : request.op));
  }

  async function saveAs() {
    const name = prompt('Save the edited model as (a file name in ' + (data.saveDir || 'the output folder') + ')', baseName() + '.edited.onnx');
    if (!name) return;
    let [code, reply] = await post('/api/save', { name, overwrite: false });
    if (code === 409 && confirm((reply.error || 'The file exists') + '. Overwrite it?')) {
      [code, reply] = await post('/api/save', { name, overwrite: true });
    }
    setStatus(code === 200 ? 'saved ' + reply.path : 'not saved: ' + (reply.error || code));
  }

  // ---------------------------------------------------------------- events

  let drag = null;
  canvas.addEventListener('pointerdown', (e) => {
    drag = { x: e.clientX, y: e.clientY, tx: state.tx, ty: state.ty, moved: false };
    canvas.setPointerCapture(e.pointerId);
    canvas.classList.add('dragging');
  });
  canvas.addEventListener('pointermove', (e) => {
    if (drag) {
      const dx = e.clientX - drag.x, dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      state.tx = drag.tx + dx;
      state.ty = drag.ty + dy;
      requestDraw();
      return;
    }
    const r = canvas.getBoundingClientRect();
    const v = state.scale >= 0.2 ? hit(e.clientX - r.left, e.clientY - r.top) : -1;
    const tip = $('tooltip');
    const node = v >= 0 ? G.g.nodes[v] : null;
    if (node && node.k === 0 && node.at.length) {
      tip.textContent = node.at.map(([k, , val]) => k + ' = ' + val).join('\n');
      tip.style.left = (e.clientX - r.left + 14) + 'px';
      tip.style.top = (e.clientY - r.top + 14) + 'px';
      tip.hidden = false;
    } else {
      tip.hidden = true;
    }
  });
  canvas.addEventListener('pointerup', (e) => {
    canvas.classList.remove('dragging');
    if (drag && !drag.moved) {
      const r = canvas.getBoundingClientRect();
      const v = hit(e.clientX - r.left, e.clientY - r.top);
      if (v >= 0) select(v);
      else { state.selected = -1; $('sidebar').hidden = true; requestDraw(); }
    }
    drag = null;
  });
  canvas.addEventListener('dblclick', (e) => {
    const r = canvas.getBoundingClientRect();
    const v = hit(e.clientX - r.left, e.clientY - r.top);
    if (v >= 0 && G.g.nodes[v].sg && G.g.nodes[v].sg.length) openGraph(G.g.nodes[v].sg[0][1]);
  });
  canvas.addEventListener('wheel', (e) => {
    e.preventDefault();
    const r = canvas.getBoundingClientRect();
    if (e.ctrlKey || Math.abs(e.deltaY) >= Math.abs(e.deltaX)) {
      zoomAt(Math.exp(-e.deltaY * (e.ctrlKey ? 0.01 : 0.0015)), e.clientX - r.left, e.clientY - r.top);
    } else {
      state.tx -= e.deltaX;
      requestDraw();
    }
  }, { passive: false });
  window.addEventListener('keydown', (e) => {
    if (e.target === $('find')) {
      if (e.key === 'Escape') $('find-results').hidden = true;
      return;
    }
    if (e.key === 'f' || e.key === 'F') fit();
    else if (e.key === '+' || e.key === '=') zoomAt(1.25, ...viewportSize().map((s) => s / 2));
    else if (e.key === '-') zoomAt(0.8, ...viewportSize().map((s) => s / 2));
    else if (e.key === 'l' || e.key === 'L') toggleDirection();
    else if (e.key === 'a' || e.key === 'A') toggleAttributes();
    else if (e.key === 'Escape') $('sidebar').hidden = true;
  });
  window.addEventListener('resize', resize);

  function toggleDirection() {
    state.dir = state.dir === 'v' ? 'h' : 'v';
    $('btn-direction').textContent = state.dir === 'v' ? 'Horizontal' : 'Vertical';
    const selected = state.selected;
    G = prepare(state.graph);
    state.selected = selected;
    fit();
  }

  $('btn-fit').addEventListener('click', fit);
  $('btn-zoom-in').addEventListener('click', () => zoomAt(1.25, ...viewportSize().map((s) => s / 2)));
  $('btn-zoom-out').addEventListener('click', () => zoomAt(0.8, ...viewportSize().map((s) => s / 2)));
  $('btn-direction').addEventListener('click', toggleDirection);
  $('btn-attrs').addEventListener('click', toggleAttributes);
  $('btn-model').addEventListener('click', showModel);
  $('btn-svg').addEventListener('click', exportSvg);
  $('btn-png').addEventListener('click', exportPng);
  $('btn-save').addEventListener('click', saveAs);
  $('sidebar-close').addEventListener('click', () => { $('sidebar').hidden = true; });
  $('find').addEventListener('input', renderFind);
  $('find').addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      const first = $('find-results').firstElementChild;
      if (first) first.click();
    }
  });

  // ------------------------------------------------------------------ start

  $('title').textContent = (data.mode === 'diff' ? 'diff: ' : '') + (data.title || data.model.file || 'model');
  document.title = $('title').textContent + ' \u2014 onnxkit';
  $('btn-save').hidden = !data.editable;
  const legend = $('legend');
  for (const [key, label] of CATEGORY_NAMES) legend.append(el('span', { class: 'sw', style: 'background:' + COLORS[key] }), label);
  if (data.mode === 'diff') {
    for (const st of [1, 2, 3]) legend.append(el('span', { class: 'sw', style: 'background:' + DIFF_COLORS[st] }), DIFF_NAMES[st]);
  }
  resize();
  openGraph(0);
  timings.prepared = performance.now();
  if (data.mode === 'diff') showModel();

  // For tests and benchmarks: a read-only window onto the viewer's state.
  window.onnxkitViewer = {
    get data() { return data; },
    get state() { return { graph: state.graph, dir: state.dir, scale: state.scale, tx: state.tx, ty: state.ty, selected: state.selected, attrs: state.attrs, attrCards: state.attrCards }; },
    frameTimes: () => state.frameTimes.slice(),
    timings,
    drawCount: () => state.drawCount,
    nodeIndex: (name) => G.g.nodes.findIndex((n) => n.n === name || (n.k !== 0 && n.t === name)),
    screenPosition,
    centerOn: (v, s) => centerOn(v, s),
    ready: true,
  };
  document.body.dataset.ready = '1';
  timings.scriptEnd = performance.now();
})();
