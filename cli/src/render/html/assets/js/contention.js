// The per-lock contention table, sorted by clicking a column.

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
