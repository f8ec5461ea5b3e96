// Findings grouped by kind, collapsed; a finding's body drawn when opened.

const PAGE = 100; // findings drawn per click in a kind group

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
    sequential: 'sequential: both orders were taken, never concurrently; nothing keeps them apart',
    unconfirmed: 'unconfirmed: no reordering reaching it was found (may be a false alarm)',
  }[g] || g;
}

function clockOf(f) {
  const t = D.traces.find((x) => x.name === f.trace) || D.traces[0];
  return t ? t.clock : 'ns';
}
