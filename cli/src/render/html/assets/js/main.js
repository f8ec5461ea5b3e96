// Draws the page; a link such as #f-3 opens that finding.

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
