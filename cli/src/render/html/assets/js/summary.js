// The summary: the gate's verdict, the summary line, the traces.

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
