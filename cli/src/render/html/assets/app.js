// lockscope's HTML report: draws the page model (the JSON in #report-data).
// Hand-written, no library; everything is built with DOM calls, never from
// HTML strings, so no name in a trace can become markup.
'use strict';
(function () {
  const D = JSON.parse(document.getElementById('report-data').textContent);
  const SVGNS = 'http://www.w3.org/2000/svg';
  const PAGE = 100; // findings drawn per click in a kind group

  // ---- DOM helpers ----
  function set(e, attrs) {
    for (const k in attrs || {}) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    return e;
  }
  function add(e, kids) {
    for (const k of kids.flat(Infinity)) {
      if (k === null || k === undefined || k === false) continue;
      e.appendChild(typeof k === 'object' ? k : document.createTextNode(String(k)));
    }
    return e;
  }
  const h = (tag, attrs, ...kids) => add(set(document.createElement(tag), attrs), kids);
  const s = (tag, attrs, ...kids) => add(set(document.createElementNS(SVGNS, tag), attrs), kids);

  function fmtTime(v, clock) {
    if (clock !== 'ns') return v + ' ev';
    if (v < 1e3) return v + ' ns';
    if (v < 1e6) return (v / 1e3).toFixed(2) + ' \u00b5s';
    if (v < 1e9) return (v / 1e6).toFixed(2) + ' ms';
    return (v / 1e9).toFixed(2) + ' s';
  }
  const plural = (n, one, many) => n + ' ' + (n === 1 ? one : many);
  // FNV-1a, then mixed, so names that differ in one character (L1, L2)
  // still get far-apart colours.
  function hue(name) {
    let x = 0x811c9dc5;
    for (let i = 0; i < name.length; i++) x = Math.imul(x ^ name.charCodeAt(i), 0x01000193);
    x ^= x >>> 13; x = Math.imul(x, 0x5bd1e995); x ^= x >>> 15;
    return (x >>> 0) % 360;
  }
  const lockColor = (name) => 'hsl(' + hue(name) + ', 55%, 62%)';

  // ---- summary ----
  function summary() {
    const sec = document.getElementById('summary');
    const sm = D.summary;
    const t = sm.tally;
    const parts = [t.denied + ' denied'];
    for (const [n, w] of [[t.warned, 'warned'], [t.allowed, 'allowed'], [t.suppressed, 'suppressed'], [t.baselined, 'in baseline']]) {
      if (n > 0) parts.push(n + ' ' + w);
    }
    add(sec, [
      h('div', null,
        h('span', { id: 'gate-verdict', class: 'verdict ' + (sm.passed ? 'pass' : 'fail') },
          'gate: ' + (sm.passed ? 'passed' : 'FAILED')),
        h('span', { class: 'tally' }, parts.join(', ') + ' \u00b7 exit code ' + sm.exit_code)),
      h('p', { id: 'summary-line', class: 'summary-line' }, sm.line),
      h('p', { class: 'note' }, plural(sm.findings, 'finding', 'findings') + ', ' +
        plural(sm.distinct, 'distinct fingerprint', 'distinct fingerprints') + '. ' + D.generator + '.'),
      traceTable(),
      D.limits.length ? h('ul', null, D.limits.map((l) => h('li', { class: 'note' }, 'analysis limit: ' + l))) : null,
    ]);
  }

  function traceTable() {
    const head = ['trace', 'format', 'events', 'threads', 'primitives', 'variables', 'span'];
    return h('table', { class: 'traces' },
      h('thead', null, h('tr', null, head.map((c, i) => h('th', { class: i > 1 ? 'num' : null }, c)))),
      h('tbody', null, D.traces.map((t) => [
        h('tr', null,
          h('td', null, h('code', null, t.name)), h('td', null, t.format + (t.clock === 'seq' ? ' (no clock)' : '')),
          h('td', { class: 'num' }, t.events), h('td', { class: 'num' }, t.threads),
          h('td', { class: 'num' }, t.primitives), h('td', { class: 'num' }, t.vars),
          h('td', { class: 'num' }, fmtTime(t.last_time - t.first_time, t.clock))),
        t.warnings.map((w) => h('tr', null, h('td', { colspan: 7, class: 'warning' }, 'warning: ' + w))),
        t.no_timeline ? h('tr', null, h('td', { colspan: 7, class: 'note' }, 'no timelines: ' + t.no_timeline)) : null,
      ])));
  }

  // ---- findings, grouped by kind ----
  function findings() {
    const sec = document.getElementById('findings');
    if (D.kinds.length === 0) {
      add(sec, [h('p', { id: 'no-findings' }, 'No findings.')]);
      return;
    }
    for (const k of D.kinds) {
      const body = h('div', { class: 'kind-body' });
      const det = h('details', { class: 'kind', 'data-kind': k.kind, 'data-count': k.count },
        h('summary', null,
          h('span', { class: 'badge ' + k.level }, k.level),
          h('span', { class: 'kind-title' }, k.title),
          k.findings.length < k.count ? h('span', { class: 'count' }, '(' + plural(k.findings.length, 'fingerprint', 'fingerprints') + ')') : null,
          h('span', { class: 'help' }, k.help)),
        body);
      let shown = 0;
      const more = h('button', { class: 'more', type: 'button' });
      const drawMore = () => {
        const next = k.findings.slice(shown, shown + PAGE);
        for (const i of next) body.insertBefore(findingItem(i), more);
        shown += next.length;
        const left = k.findings.length - shown;
        more.textContent = 'show ' + Math.min(left, PAGE) + ' more of ' + left;
        more.hidden = left === 0;
      };
      more.addEventListener('click', drawMore);
      body.appendChild(more);
      det.addEventListener('toggle', () => { if (det.open && shown === 0) drawMore(); });
      sec.appendChild(det);
    }
  }

  function findingItem(i) {
    const f = D.findings[i];
    const body = h('div', { class: 'finding-body' });
    const det = h('details', { class: 'finding', id: 'f-' + i, 'data-finding': i, 'data-kind': f.kind },
      h('summary', null,
        h('span', { class: 'badge ' + f.level }, f.level),
        h('span', { class: 'title' }, f.title),
        f.count > 1 ? h('span', { class: 'count' }, '\u00d7' + f.count) : null,
        f.grade ? h('span', { class: 'grade ' + f.grade }, f.grade) : null),
      body);
    let drawn = false;
    det.addEventListener('toggle', () => {
      if (det.open && !drawn) { drawn = true; findingBody(body, f, i); }
    });
    return det;
  }

  function names(list, cls) {
    return list.map((n) => h('span', { class: 'name ' + cls }, n));
  }

  function findingBody(body, f, i) {
    const facts = h('dl', { class: 'facts' });
    const fact = (k, v) => { if (v !== null && v !== undefined && (!Array.isArray(v) || v.length)) add(facts, [h('dt', null, k), h('dd', null, v)]); };
    fact('trace', f.trace ? h('code', null, f.trace) : null);
    fact('threads', names(f.threads, 'thread'));
    fact('locks', names(f.locks, 'lock'));
    fact('variables', names(f.vars, 'var'));
    fact('grade', f.grade ? gradeText(f.grade) : null);
    fact('gate', f.level + ', ' + f.status + (f.count > 1 ? ' \u00b7 ' + plural(f.count, 'finding', 'findings') + ' with this fingerprint' : ''));
    fact('fingerprint', h('code', { class: 'fingerprint' }, f.fingerprint));
    add(body, [facts]);

    const timelines = [];
    const list = h('ol', { class: 'steps' });
    f.steps.forEach((st, n) => {
      const go = st.event !== undefined && f.segments.length
        ? h('button', { class: 'goto', type: 'button', title: 'show in the timeline',
          onclick: () => { for (const t of timelines) t.focusEvent(st.event); } },
        'event ' + st.event + (st.time !== undefined && clockOf(f) === 'ns' ? ' \u00b7 ' + fmtTime(st.time, 'ns') : ''))
        : (st.event !== undefined ? h('span', { class: 'note' }, ' (event ' + st.event + ')') : null);
      add(list, [h('li', { id: 'f-' + i + '-s-' + n, 'data-event': st.event },
        h('span', { class: 'step-thread' }, st.thread), ': ', h('span', { class: 'step-text' }, st.text), go,
        st.site ? h('div', { class: 'step-site' }, 'at ', h('code', null, st.site)) : null,
        st.source ? h('pre', { class: 'source' }, st.source) : null)]);
    });
    add(body, [h('h3', null, 'Steps'), list]);

    const views = h('div', { class: 'views' });
    if (f.cycle) add(views, [h('div', null, h('h3', null, 'Lock cycle'), cycleGraph(f.cycle))]);
    if (f.scenario) add(views, [h('div', null, h('h3', null, 'Possible unsafe locking scenario'), scenarioTable(f.scenario))]);
    if (views.childNodes.length) add(body, [views]);

    if (f.segments.length) {
      add(body, [h('h3', null, 'Timeline')]);
      for (const sg of f.segments) {
        const t = new Timeline(D.segments[sg], f, i);
        timelines.push(t);
        body.appendChild(t.root);
        t.fitSteps();
      }
    } else if (f.no_timeline) {
      add(body, [h('p', { class: 'note no-timeline' }, 'No timeline: ' + f.no_timeline + '.')]);
    }
    if (f.others.length) {
      add(body, [h('details', { class: 'others' },
        h('summary', null, (f.count - 1) + ' more with this fingerprint'),
        h('ul', null, f.others.map((o) => h('li', null, h('b', null, o.thread),
          o.site ? [' at ', h('code', null, o.site)] : null,
          o.event !== undefined ? ' (event ' + o.event + ')' : null))),
        f.count - 1 > f.others.length ? h('p', { class: 'note' }, 'and ' + (f.count - 1 - f.others.length) + ' more') : null)]);
    }
  }

  function gradeText(g) {
    return {
      confirmed: 'confirmed: it happened in this run',
      feasible: 'feasible: a valid reordering of this run reaches it',
      unconfirmed: 'unconfirmed: no reordering reaching it was found (may be a false alarm)',
    }[g] || g;
  }

  function clockOf(f) {
    const t = D.traces.find((x) => x.name === f.trace) || D.traces[0];
    return t ? t.clock : 'ns';
  }

  // ---- lock cycle, drawn as a small graph ----
  function cycleGraph(c) {
    const n = c.locks.length;
    const R = n === 1 ? 0 : n === 2 ? 55 : 40 + 14 * n, W = 2 * R + 200, H = 2 * R + (n === 1 ? 110 : 70);
    const cx = W / 2, cy = H / 2;
    const pos = c.locks.map((_, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      return [cx + R * Math.cos(a), cy + R * Math.sin(a)];
    });
    const svg = s('svg', { class: 'cycle', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': 'lock cycle' },
      s('defs', null, s('marker', { id: 'arrow-' + Math.random().toString(36).slice(2), viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' },
        s('path', { d: 'M0,0 L10,5 L0,10 z', fill: '#c62828' }))));
    const marker = svg.querySelector('marker').id;
    const boxW = (name) => Math.max(48, 8 * name.length + 16);
    c.edges.forEach((e, k) => {
      const [x1, y1] = pos[e.from], [x2, y2] = pos[e.to];
      let d, lx, ly;
      if (e.from === e.to) {
        d = 'M' + (x1 - 12) + ',' + (y1 - 14) + ' C' + (x1 - 40) + ',' + (y1 - 70) + ' ' + (x1 + 40) + ',' + (y1 - 70) + ' ' + (x1 + 12) + ',' + (y1 - 14);
        lx = x1; ly = y1 - 62;
      } else {
        // Bend every edge to its left so a pair of opposite edges does not overlap.
        const mx = (x1 + x2) / 2, my = (y1 + y2) / 2, dx = x2 - x1, dy = y2 - y1, len = Math.hypot(dx, dy) || 1;
        const bx = mx - (dy / len) * 28, by = my + (dx / len) * 28;
        const sx = x1 + (dx / len) * 22, sy = y1 + (dy / len) * 16, ex = x2 - (dx / len) * 22, ey = y2 - (dy / len) * 16;
        d = 'M' + sx + ',' + sy + ' Q' + bx + ',' + by + ' ' + ex + ',' + ey;
        lx = bx; ly = by;
      }
      add(svg, [s('g', { class: 'edge', 'data-from': c.locks[e.from], 'data-to': c.locks[e.to] },
        s('path', { d: d, 'marker-end': 'url(#' + marker + ')' }),
        s('text', { x: lx, y: ly + 4 + (k % 2 ? 10 : 0), 'text-anchor': 'middle' }, e.thread))]);
    });
    c.locks.forEach((name, i) => {
      const w = boxW(name);
      add(svg, [s('g', { class: 'node', 'data-lock': name },
        s('rect', { x: pos[i][0] - w / 2, y: pos[i][1] - 13, width: w, height: 26, rx: 6 }),
        s('text', { x: pos[i][0], y: pos[i][1] + 4, 'text-anchor': 'middle' }, name))]);
    });
    return h('figure', { class: 'cycle' }, svg,
      h('figcaption', null, 'an arrow A \u2192 B: a thread held A when it took or waited for B'));
  }

  function scenarioTable(sc) {
    return h('table', { class: 'scenario' },
      h('thead', null, h('tr', null, sc.threads.map((t) => h('th', null, t)))),
      h('tbody', null, sc.rows.map((r) => h('tr', null,
        sc.threads.map((_, c) => h('td', null, c === r.column ? r.text : ''))))));
  }

  // ---- timeline of one segment, zoomable and scrollable ----
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
    for (let v = Math.ceil(a / step) * step; v <= b; v += step) {
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
        tracks[sp.track].appendChild(s('rect', { class: 'tl-hold', x: left, y: y, width: Math.max(2, right - left), height: ROW - 2, fill: lockColor(sp.label), 'data-lock': sp.label }, s('title', null, tip)));
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

  // ---- contention table, sortable ----
  function contention() {
    const sec = document.getElementById('contention');
    if (D.locks.length === 0) {
      add(sec, [h('p', { class: 'note' }, 'No lock was acquired in these traces.')]);
      return;
    }
    const many = new Set(D.locks.map((l) => l.trace)).size > 1;
    const cols = [
      ['name', 'lock', false], ['trace', 'trace', false], ['kind', 'kind', false],
      ['acquisitions', 'acquired', true], ['contended', 'contended', true],
      ['wait_total', 'wait total', true], ['wait_max', 'wait max', true],
      ['hold_total', 'hold total', true], ['hold_max', 'hold max', true], ['owner_changes', 'owner changes', true],
    ].filter((c) => many || c[0] !== 'trace');
    const timeCols = new Set(['wait_total', 'wait_max', 'hold_total', 'hold_max']);
    const tbody = h('tbody');
    const heads = cols.map(([key, label, num]) => h('th', { class: num ? 'num' : null, 'data-key': key, scope: 'col', tabindex: 0 }, label));
    let sortKey = 'wait_total', desc = true;
    const draw = () => {
      const rows = D.locks.slice().sort((x, y) => {
        const a = x[sortKey], b = y[sortKey];
        const c = typeof a === 'number' ? a - b : String(a).localeCompare(String(b));
        return (desc ? -c : c) || x.name.localeCompare(y.name);
      });
      while (tbody.firstChild) tbody.removeChild(tbody.firstChild);
      for (const r of rows) {
        add(tbody, [h('tr', { 'data-lock': r.name }, cols.map(([key, , num]) =>
          h('td', { class: num ? 'num' : null }, timeCols.has(key) ? fmtTime(r[key], r.clock) : r[key])))]);
      }
      heads.forEach((th) => {
        if (th.dataset.key === sortKey) th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
        else th.removeAttribute('aria-sort');
      });
    };
    heads.forEach((th, i) => {
      const pick = () => {
        const key = th.dataset.key;
        if (key === sortKey) desc = !desc; else { sortKey = key; desc = cols[i][2]; }
        draw();
      };
      th.addEventListener('click', pick);
      th.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); pick(); } });
    });
    draw();
    add(sec, [h('table', { class: 'locks', id: 'lock-table' }, h('thead', null, h('tr', null, heads)), tbody),
      h('p', { class: 'note' }, 'Click a column to sort by it. Waits: request to acquisition when another thread held the lock; holds: acquisition to release.')]);
  }

  // ---- a link such as #f-3 opens that finding ----
  function openFromHash() {
    const m = /^#f-(\d+)$/.exec(location.hash);
    if (!m) return;
    const i = Number(m[1]);
    const k = D.kinds.find((x) => x.findings.includes(i));
    if (!k) return;
    const kind = document.querySelector('details.kind[data-kind="' + k.kind + '"]');
    kind.open = true;
    const pos = k.findings.indexOf(i);
    const more = kind.querySelector('button.more');
    const tryOpen = () => {
      let det = document.getElementById('f-' + i);
      while (!det && !more.hidden) { more.click(); det = document.getElementById('f-' + i); }
      if (det) { det.open = true; det.scrollIntoView(); }
    };
    if (pos >= 0) setTimeout(tryOpen, 0);
  }

  summary();
  findings();
  contention();
  openFromHash();
  window.addEventListener('hashchange', openFromHash);
  document.documentElement.dataset.ready = 'true';
})();
