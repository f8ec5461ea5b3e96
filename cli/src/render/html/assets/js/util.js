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
// FNV-1a, then mixed, so names that differ in one character (L1, L2)
// still get far-apart colours.
function hue(name) {
  let x = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) x = Math.imul(x ^ name.charCodeAt(i), 0x01000193);
  x ^= x >>> 13; x = Math.imul(x, 0x5bd1e995); x ^= x >>> 15;
  return (x >>> 0) % 360;
}
const lockColor = (name) => 'hsl(' + hue(name) + ', 55%, 62%)';
