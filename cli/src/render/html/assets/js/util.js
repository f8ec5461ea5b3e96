// DOM helpers, time formatting and colours shared by every part of the page.

const D = JSON.parse(document.getElementById('report-data').textContent);
const SVGNS = 'http://www.w3.org/2000/svg';

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
// Distinct colours for the locks of one timeline, in order of appearance.
const PALETTE = ['#6a9fd4', '#f0a35e', '#6cc07a', '#e07b7b', '#a98fd0',
  '#c4a27a', '#e59ac7', '#5cc6cf', '#c8c85a', '#9e9e9e'];
