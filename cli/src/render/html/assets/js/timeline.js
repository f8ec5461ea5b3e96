// The timeline of one segment: tracks per thread, holds, waits, events and the
// finding's steps; zoomed with the wheel or buttons, scrolled by dragging.

const LABEL = 130, ROW = 15, WAIT_H = 13, PAD = 5, AXIS = 22;
const TIMELINES = [];
let resizing = 0;
window.addEventListener('resize', () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => { for (const t of TIMELINES) if (t.root.isConnected) t.draw(); }, 100);
});

function Timeline(seg, f, fi) {
  this.seg = seg; this.f = f; this.fi = fi;
  // Real time, unless most events share their time with another (a burst
  // recorded within a clock tick): then event order reads better.
  const times = new Set(seg.events.map((e) => e.time));
  this.mode = seg.clock === 'ns' && times.size * 2 < seg.events.length ? 'order' : 'time';
  this.involved = new Set(f.threads);
  this.steps = new Map();
  f.steps.forEach((st, n) => { if (st.event !== undefined && st.event >= seg.first && st.event < seg.end) this.steps.set(st.event, n); });
  this.colors = new Map();
  for (const sp of seg.spans) {
    if (sp.hold && !this.colors.has(sp.label)) this.colors.set(sp.label, PALETTE[this.colors.size % PALETTE.length]);
  }
  this.layout();
  const btn = (label, title, fn) => h('button', { type: 'button', title: title, 'data-act': label, onclick: fn }, label);
  this.range = h('span', { class: 'tl-range' });
  this.axisBtn = btn(this.axisLabel(), 'switch between real time and event order', () => this.toggleAxis());
  this.svg = s('svg', { class: 'tl-svg', height: this.height });
  this.root = h('div', { class: 'timeline', 'data-segment': D.segments.indexOf(seg), 'data-tracks': seg.tracks.length },
    h('div', { class: 'tl-toolbar' },
      btn('+', 'zoom in', () => this.zoom(0.5)), btn('\u2212', 'zoom out', () => this.zoom(2)),
      btn('fit', 'show the whole window', () => this.fit()), btn('steps', "show the finding's steps", () => this.fitSteps()),
      this.axisBtn, this.range),
    h('div', { class: 'tl-body' }, this.svg),
    h('div', { class: 'tl-legend' },
      h('span', null, h('span', { class: 'swatch', style: 'background:hsl(200,55%,62%)' }), 'lock held'),
      h('span', null, h('span', { class: 'swatch', style: 'background:#ffccbc;border-color:#d84315' }), 'waiting'),
      h('span', null, '\u25bc step of this finding'), h('span', null, '| event'),
      h('span', null, 'wheel: zoom \u00b7 drag: scroll')));
  this.bind();
  this.fit();
}

// Each track: holds stacked in rows so overlapping holds stay visible,
// then one lane of waits.
Timeline.prototype.layout = function () {
  const seg = this.seg;
  const rows = seg.tracks.map(() => []);
  this.rowOf = new Map();
  const holds = seg.spans.map((sp, k) => [sp, k]).filter(([sp]) => sp.hold)
    .sort((a, b) => a[0].start_event - b[0].start_event);
  for (const [sp, k] of holds) {
    const ends = rows[sp.track];
    const end = sp.end_event === undefined ? Infinity : sp.end_event;
    let r = ends.findIndex((e) => e <= sp.start_event);
    if (r < 0) { r = ends.length; ends.push(end); } else ends[r] = end;
    this.rowOf.set(k, r);
  }
  let y = AXIS;
  this.trackY = seg.tracks.map((_, t) => {
    const top = y;
    y += PAD + Math.max(1, rows[t].length) * ROW + 3 + WAIT_H + PAD;
    return top;
  });
  this.trackH = seg.tracks.map((_, t) => PAD + Math.max(1, rows[t].length) * ROW + 3 + WAIT_H + PAD);
  this.holdRows = rows.map((r) => Math.max(1, r.length));
  this.height = y + 4;
};

// Coordinates: time mode uses the trace's clock; order mode event indices.
Timeline.prototype.sx = function (sp) { return this.mode === 'time' ? sp.start : sp.start_event; };
Timeline.prototype.ex = function (sp) {
  if (this.mode === 'time') return sp.end !== undefined ? sp.end : this.seg.end_time;
  return sp.end_event !== undefined ? sp.end_event : this.seg.end - 1;
};
Timeline.prototype.evx = function (e) { return this.mode === 'time' ? e.time : e.index; };
Timeline.prototype.domain = function () {
  const seg = this.seg;
  if (this.mode === 'time') return [seg.start_time, Math.max(seg.end_time, seg.start_time + 1)];
  let lo = seg.first;
  for (const sp of seg.spans) lo = Math.min(lo, sp.start_event);
  return [lo - 0.5, seg.end - 0.5];
};

Timeline.prototype.width = function () {
  return Math.max(480, (this.root.clientWidth || 900) - 2);
};

Timeline.prototype.fit = function () {
  const [a, b] = this.domain();
  const pad = (b - a) * 0.02;
  this.view = [a - pad, b + pad];
  this.draw();
};

Timeline.prototype.fitSteps = function () {
  const evs = this.seg.events.filter((e) => this.steps.has(e.index));
  if (evs.length === 0) { this.fit(); return; }
  const xs = evs.map((e) => this.evx(e));
  const a = Math.min(...xs), b = Math.max(...xs);
  const [da, db] = this.domain();
  // The steps with a margin; at least an eighth of the window, so a single
  // step shows what happened around it.
  const w = Math.max((b - a) * 1.5, (db - da) / 8, this.mode === 'time' ? 10 : 8);
  const c = (a + b) / 2;
  this.view = [c - w / 2, c + w / 2];
  this.draw();
};

Timeline.prototype.axisLabel = function () {
  return 'axis: ' + (this.mode === 'time' ? 'time' : 'event order');
};

Timeline.prototype.toggleAxis = function () {
  this.mode = this.mode === 'time' ? 'order' : 'time';
  this.axisBtn.textContent = this.axisLabel();
  this.fitSteps();
};

Timeline.prototype.zoom = function (factor, at) {
  const [a, b] = this.view;
  const c = at === undefined ? (a + b) / 2 : at;
  const [da, db] = this.domain();
  const full = (db - da) * 1.2;
  const min = this.mode === 'time' ? 1 : 2;
  const w = Math.min(full, Math.max(min, (b - a) * factor));
  const k = (c - a) / (b - a || 1);
  this.view = [c - w * k, c - w * k + w];
  this.draw();
};

Timeline.prototype.pan = function (dx) {
  this.view = [this.view[0] + dx, this.view[1] + dx];
  this.draw();
};

Timeline.prototype.focusEvent = function (index) {
  const e = this.seg.events.find((x) => x.index === index);
  if (!e) return;
  const x = this.evx(e), w = this.view[1] - this.view[0];
  this.view = [x - w / 2, x + w / 2];
  this.draw();
  const m = this.svg.querySelector('.tl-step[data-event="' + index + '"]');
  if (m) m.classList.add('flash');
  this.root.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
};

Timeline.prototype.bind = function () {
  const svg = this.svg;
  TIMELINES.push(this);
  svg.addEventListener('wheel', (ev) => {
    ev.preventDefault();
    const r = svg.getBoundingClientRect();
    const px = ev.clientX - r.left;
    if (ev.shiftKey || Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
      const d = ev.shiftKey ? ev.deltaY : ev.deltaX;
      this.pan((d / (this.plotW || 1)) * (this.view[1] - this.view[0]));
    } else {
      this.zoom(Math.exp(ev.deltaY * 0.002), px > LABEL ? this.inv(px) : undefined);
    }
  }, { passive: false });
  let drag = null;
  svg.addEventListener('pointerdown', (ev) => {
    if (ev.target.classList.contains('tl-step')) return;
    drag = { x: ev.clientX, view: this.view.slice() };
    svg.setPointerCapture(ev.pointerId);
    svg.classList.add('dragging');
  });
  svg.addEventListener('pointermove', (ev) => {
    if (!drag) return;
    const per = (drag.view[1] - drag.view[0]) / (this.plotW || 1);
    this.view = [drag.view[0] - (ev.clientX - drag.x) * per, drag.view[1] - (ev.clientX - drag.x) * per];
    this.draw();
  });
  const end = () => { drag = null; svg.classList.remove('dragging'); };
  svg.addEventListener('pointerup', end);
  svg.addEventListener('pointercancel', end);
};

Timeline.prototype.inv = function (px) {
  return this.view[0] + ((px - LABEL) / this.plotW) * (this.view[1] - this.view[0]);
};

Timeline.prototype.draw = function () {
  const seg = this.seg, W = this.width();
  this.plotW = W - LABEL - 10;
  const [a, b] = this.view;
  const X = (v) => LABEL + ((v - a) / (b - a)) * this.plotW;
  const clip = (v) => Math.max(LABEL - 2, Math.min(W, X(v)));
  const svg = this.svg;
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  set(svg, { width: W, height: this.height, viewBox: '0 0 ' + W + ' ' + this.height });
  const clock = this.mode === 'time' ? seg.clock : 'order';
  const fmt = (v) => clock === 'order' ? '#' + Math.round(v) : fmtTime(Math.max(0, Math.round(v)), clock);
  this.range.textContent = 'events ' + seg.first + '..' + seg.end + ' \u00b7 showing ' + fmt(a) + ' \u2013 ' + fmt(b);

  // Axis.
  const axis = s('g', { class: 'tl-axis' });
  const step = Math.max(niceStep((b - a) / 8), 1);
  // No ticks before the trace's start (or before event 0).
  for (let v = Math.max(0, Math.ceil(a / step) * step); v <= b; v += step) {
    add(axis, [s('line', { x1: X(v), x2: X(v), y1: AXIS - 4, y2: this.height }),
      s('text', { x: X(v) + 2, y: AXIS - 8 }, fmt(v))]);
  }
  svg.appendChild(axis);

  // The finding's steps as a band.
  const stepXs = seg.events.filter((e) => this.steps.has(e.index)).map((e) => this.evx(e));
  if (stepXs.length) {
    const lo = X(Math.min(...stepXs)), hi = X(Math.max(...stepXs));
    svg.appendChild(s('rect', { class: 'tl-focus', x: Math.max(LABEL, lo - 4), y: AXIS, width: Math.max(8, hi - lo + 8), height: this.height - AXIS }));
  }

  // Tracks.
  const tracks = seg.tracks.map((name, t) => {
    const g = s('g', { class: 'tl-track' + (this.involved.has(name) ? ' involved' : ''), 'data-thread': name },
      s('rect', { class: 'tl-lane', x: 0, y: this.trackY[t], width: W, height: this.trackH[t] }),
      s('line', { x1: 0, x2: W, y1: this.trackY[t] + this.trackH[t], y2: this.trackY[t] + this.trackH[t], stroke: '#eef0f3' }),
      s('text', { class: 'tl-label', x: 6, y: this.trackY[t] + this.trackH[t] / 2 + 4 }, name.length > 18 ? name.slice(0, 17) + '\u2026' : name, s('title', null, name)));
    svg.appendChild(g);
    return g;
  });
  const waitY = (t) => this.trackY[t] + PAD + this.holdRows[t] * ROW + 3;

  seg.spans.forEach((sp, k) => {
    const x0 = this.sx(sp), x1 = this.ex(sp);
    if (x1 < a || x0 > b) return;
    const left = clip(x0), right = clip(x1);
    const tip = seg.tracks[sp.track] + (sp.hold ? ' holds ' : ' ') + sp.label +
      ': event ' + sp.start_event + ' (' + fmtTime(sp.start, seg.clock) + ')' +
      (sp.end_event !== undefined ? ' to event ' + sp.end_event + ' (' + fmtTime(sp.end, seg.clock) + ')' : ', still open where the window ends') +
      (sp.outcome ? ', ' + sp.outcome : '') + (sp.site ? ' at ' + sp.site : '');
    if (sp.hold) {
      const y = this.trackY[sp.track] + PAD + (this.rowOf.get(k) || 0) * ROW;
      tracks[sp.track].appendChild(s('rect', { class: 'tl-hold', x: left, y: y, width: Math.max(2, right - left), height: ROW - 2, fill: this.colors.get(sp.label), 'data-lock': sp.label }, s('title', null, tip)));
      barLabel(tracks[sp.track], sp.label, left, right, y + ROW - 5);
    } else {
      const cls = 'tl-wait' + (sp.outcome === 'gave up' ? ' gave-up' : sp.outcome === 'timed out' ? ' timed-out' : '');
      tracks[sp.track].appendChild(s('rect', { class: cls, x: left, y: waitY(sp.track), width: Math.max(2, right - left), height: WAIT_H, 'data-wait': sp.label }, s('title', null, tip)));
      barLabel(tracks[sp.track], sp.label, left, right, waitY(sp.track) + WAIT_H - 3);
      if (this.steps.has(sp.start_event)) {
        for (const by of sp.blocked_by || []) {
          const y1 = waitY(sp.track) + WAIT_H / 2, y2 = this.trackY[by] + PAD + ROW / 2;
          svg.appendChild(s('path', { class: 'tl-blocked-by', d: 'M' + X(x0) + ',' + y1 + ' L' + (X(x0) + 10) + ',' + y2 },
            s('title', null, seg.tracks[sp.track] + ' waits for ' + seg.tracks[by])));
        }
      }
    }
  });

  // Events: ticks; the finding's steps: markers.
  let drawn = 0;
  for (const e of seg.events) {
    const x = this.evx(e);
    if (x < a || x > b) continue;
    const t = e.track, y = this.trackY[t];
    const tip = '#' + e.index + ' ' + fmtTime(e.time, seg.clock) + ' ' + seg.tracks[t] + ': ' + e.what + (e.site ? ' at ' + e.site : '');
    if (this.steps.has(e.index)) {
      const n = this.steps.get(e.index);
      svg.appendChild(s('line', { class: 'tl-step-line', x1: X(x), x2: X(x), y1: AXIS, y2: y + this.trackH[t] }));
      svg.appendChild(s('path', {
        class: 'tl-step', 'data-event': e.index, 'data-step': n, tabindex: 0,
        d: 'M' + (X(x) - 6) + ',' + (y + 1) + ' L' + (X(x) + 6) + ',' + (y + 1) + ' L' + X(x) + ',' + (y + 10) + ' z',
        onclick: () => this.gotoStep(n),
      }, s('title', null, 'step ' + (n + 1) + ': ' + tip)));
    } else if (drawn < 4000) {
      drawn++;
      tracks[t].appendChild(s('line', { class: 'tl-ev', x1: X(x), x2: X(x), y1: y + 2, y2: y + this.trackH[t] - 2, 'data-event': e.index }, s('title', null, tip)));
    }
  }
};

Timeline.prototype.gotoStep = function (n) {
  const li = document.getElementById('f-' + this.fi + '-s-' + n);
  if (!li) return;
  li.scrollIntoView({ block: 'center', behavior: 'smooth' });
  li.classList.remove('flash'); void li.offsetWidth; li.classList.add('flash');
};

// A bar's name inside it, when the bar is wide enough to hold it.
function barLabel(g, text, left, right, y) {
  if (right - left > 7 * text.length + 8) {
    g.appendChild(s('text', { class: 'tl-bar-label', x: left + 4, y: y }, text));
  }
}

function niceStep(raw) {
  if (!(raw > 0)) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(raw)));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
