// A lock cycle drawn as a small SVG graph, and the lockdep scenario table.

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
