// The HTML report's only style sheet and script, inlined into the page and allowed by their sha256 in its
// Content-Security-Policy (no 'unsafe-inline'). They are constants: nothing from the plan ever goes into them,
// so their hashes are fixed and the page's data can only ever be markup-escaped text.

import { createHash } from 'node:crypto';

export const REPORT_STYLE = `
:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--head:#f6f8fa;--link:#0969da;--focus:#0969da;
--sync-bg:#dafbe1;--sync-fg:#116329;--drift-bg:#fff1c2;--drift-fg:#6f4400;--introduced-bg:#ffe2cc;--introduced-fg:#8a3200;
--create-bg:#ddf4ff;--create-fg:#0550ae;--error-bg:#ffebe9;--error-fg:#a40e26;--blocked-bg:#f3e8ff;--blocked-fg:#6639ba;--none-fg:#8c959f}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--head:#151b23;--link:#4493f8;--focus:#4493f8;
--sync-bg:#12361f;--sync-fg:#7ee2a0;--drift-bg:#3b2e05;--drift-fg:#f2cc60;--introduced-bg:#47230b;--introduced-fg:#ffa657;
--create-bg:#0c2d4f;--create-fg:#79c0ff;--error-bg:#4a1115;--error-fg:#ff9492;--blocked-bg:#2e1d4d;--blocked-fg:#d2a8ff;--none-fg:#656c76}}
*{box-sizing:border-box}
body{margin:0 auto;max-width:110rem;padding:0 1.25rem 3rem;background:var(--bg);color:var(--fg);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",sans-serif}
h1{font-size:1.5rem;margin:1.25rem 0 .25rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem}h3{font-size:1rem;margin:1rem 0 .35rem}
a{color:var(--link)}
:focus-visible{outline:3px solid var(--focus);outline-offset:2px}
[hidden]{display:none!important}
code,.v{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.92em}
.v{white-space:pre-wrap;overflow-wrap:anywhere}
.lede{margin:.25rem 0 1rem;color:var(--muted)}
.facts{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;margin:0}
.facts dt{color:var(--muted)}.facts dd{margin:0;overflow-wrap:anywhere}
.counts{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0;padding:0;list-style:none}
.counts li{border:1px solid var(--line);border-radius:6px;padding:.35rem .75rem;min-width:7rem}
.counts b{display:block;font-size:1.35rem}
.legend{display:flex;flex-wrap:wrap;gap:.4rem 1.25rem;margin:.5rem 0;padding:0;list-style:none}
.legend li{display:flex;align-items:center;gap:.4rem}
.sym{display:inline-block;min-width:1.6rem;text-align:center;border-radius:4px;padding:0 .3rem;font-weight:700}
.s-sync{background:var(--sync-bg);color:var(--sync-fg)}.s-drift{background:var(--drift-bg);color:var(--drift-fg)}
.s-introduced{background:var(--introduced-bg);color:var(--introduced-fg)}.s-create{background:var(--create-bg);color:var(--create-fg)}
.s-error{background:var(--error-bg);color:var(--error-fg)}.s-blocked{background:var(--blocked-bg);color:var(--blocked-fg)}
.s-none{color:var(--none-fg)}
.s-weakens{background:var(--error-fg);color:var(--bg)}
.problem.w{border-color:var(--error-fg);border-left-width:8px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
form.filters{display:flex;flex-wrap:wrap;align-items:end;gap:.5rem 1rem;margin:.75rem 0}
form.filters label{display:flex;flex-direction:column;font-size:.85em;color:var(--muted)}
input,select,button{font:inherit;color:inherit;background:var(--bg);border:1px solid var(--line);border-radius:6px;padding:.3rem .5rem}
input[type=search]{min-width:18rem}
.shown{color:var(--muted);padding-bottom:.35rem}
.scroll{position:relative;overflow:auto;width:fit-content;max-width:100%;max-height:75vh;border:1px solid var(--line);border-radius:6px}
table{border-collapse:collapse}
/* Fixed layout (column widths from the colgroup; width 0 means the sum of the columns): Chromium lays out a
   1000-row matrix in a fraction of the time automatic layout takes, which measures every cell. */
.matrix{table-layout:fixed;width:0}
col.w-t{width:21.5rem}col.w-d{width:14rem}col.w-s{width:4.8rem}col.w-f{width:2.5rem}col.w-src{width:14rem}
.matrix th,.matrix td{border-bottom:1px solid var(--line);padding:.2rem .5rem;text-align:left;vertical-align:middle;white-space:nowrap}
/* Clipping only where text can be long: a clip on every cell costs layout time in a large matrix. */
.matrix tbody th,.matrix td.d,.matrix td.src{overflow:hidden;text-overflow:ellipsis}
.matrix tbody th{position:sticky;left:0;background:var(--bg)}
.matrix thead th{position:sticky;top:0;z-index:2;background:var(--head);vertical-align:bottom;font-weight:600}
.matrix thead tr+tr th{top:1.9rem}
.matrix thead th.g{text-align:left;color:var(--muted);font-weight:500;border-left:1px solid var(--line);height:1.9rem}
.matrix thead th.f{text-align:center;font-weight:500;padding:.35rem .2rem}
.matrix thead th.f .n{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;max-height:12rem;overflow:hidden;text-overflow:ellipsis;display:inline-block}
.matrix td.c{text-align:center;padding:.2rem .25rem;min-width:2.2rem;font-weight:700}
.matrix td.src{color:var(--muted)}
.matrix tbody tr:hover{outline:1px solid var(--line)}
button.sort{border:0;background:none;padding:0;font-weight:inherit;cursor:pointer;text-align:inherit}
button.sort::after{content:" \\2195";color:var(--muted)}
th[aria-sort=ascending] button.sort::after{content:" \\2191"}th[aria-sort=descending] button.sort::after{content:" \\2193"}
details.target{border:1px solid var(--line);border-radius:6px;margin:.4rem 0}
details.target>summary{cursor:pointer;padding:.4rem .6rem;list-style-position:inside}
details.target[open]>summary{border-bottom:1px solid var(--line);background:var(--head)}
details.target .body{padding:.25rem .9rem .75rem}
table.changes{width:100%;margin:.25rem 0}
table.changes th,table.changes td{border:1px solid var(--line);padding:.25rem .5rem;text-align:left;vertical-align:top}
table.changes thead th,table.changes tr.r th{background:var(--head);font-weight:600}
table.changes th.p,table.changes td.v,table.changes td.src{font-family:ui-monospace,"DejaVu Sans Mono","Liberation Mono",monospace;font-size:.92em}
table.changes th.p{font-weight:600}table.changes td.v{white-space:pre-wrap;overflow-wrap:anywhere}
table.changes td.st{font-weight:700;white-space:nowrap}table.changes tr.r th{font-weight:600}
.problem{border-left:4px solid var(--error-fg);padding:.35rem .6rem;background:var(--error-bg);color:var(--fg);margin:.5rem 0}
.problem.b{border-color:var(--blocked-fg);background:var(--blocked-bg)}
.muted{color:var(--muted)}
footer{margin-top:2rem;color:var(--muted);font-size:.9em}
@media print{.scroll{max-height:none;overflow:visible}form.filters{display:none!important}details.target{break-inside:avoid}}
`;

// Plain ES2017 in a function scope: sorting, filtering, and opening a target's details from the matrix.
// The page is complete without it (every row and detail is in the markup); the controls it needs stay hidden until it runs.
export const REPORT_SCRIPT = `
(function () {
  'use strict';
  var doc = document;
  var form = doc.getElementById('filters');
  var table = doc.getElementById('matrix');
  if (!form || !table) return;
  var body = table.tBodies[0];
  var RANK = { error: 0, weakens: 1, blocked: 2, introduced: 3, drift: 4, create: 5, sync: 6, none: 7 };
  var rows = Array.prototype.map.call(body.rows, function (tr, index) {
    return {
      tr: tr,
      index: index,
      details: doc.getElementById(tr.getAttribute('data-target')),
      scope: tr.getAttribute('data-scope'),
      states: tr.getAttribute('data-states').split(' '),
      text: (tr.cells[0].textContent + ' ' + tr.cells[1].textContent + ' ' + tr.lastElementChild.textContent).toLowerCase()
    };
  });
  var scope = form.elements.namedItem('scope');
  var state = form.elements.namedItem('state');
  var search = form.elements.namedItem('q');
  var shown = doc.getElementById('shown');

  function filter() {
    var s = scope.value, st = state.value, words = search.value.trim().toLowerCase();
    var count = 0;
    rows.forEach(function (r) {
      var visible = (!s || r.scope === s) && (!st || r.states.indexOf(st) >= 0) && (!words || r.text.indexOf(words) >= 0);
      r.tr.hidden = !visible;
      if (r.details) r.details.hidden = !visible;
      if (visible) count++;
    });
    say(count);
  }
  function say(count) {
    shown.textContent = 'Showing ' + count + ' of ' + rows.length + (rows.length === 1 ? ' target' : ' targets');
  }
  form.addEventListener('input', filter);
  form.addEventListener('change', filter);
  form.addEventListener('submit', function (event) { event.preventDefault(); });

  function key(tr, column) {
    var cell = tr.cells[column];
    var match = /(?:^| )s-([a-z]+)/.exec(cell.className);
    return match && match[1] in RANK ? RANK[match[1]] : cell.textContent.toLowerCase();
  }
  var heads = table.tHead.querySelectorAll('th[data-col]');
  function sortBy(th) {
    var column = Number(th.getAttribute('data-col'));
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    var sorted = rows.slice().sort(function (a, b) {
      var x = key(a.tr, column), y = key(b.tr, column);
      var order = x < y ? -1 : x > y ? 1 : 0;
      return (ascending ? order : -order) || a.index - b.index;
    });
    var fragment = doc.createDocumentFragment();
    sorted.forEach(function (r) { fragment.appendChild(r.tr); });
    body.appendChild(fragment);
  }
  Array.prototype.forEach.call(heads, function (th) {
    var button = doc.createElement('button');
    button.type = 'button';
    button.className = 'sort';
    button.title = 'Sort by this column';
    while (th.firstChild) button.appendChild(th.firstChild);
    th.appendChild(button);
    button.addEventListener('click', function () { sortBy(th); });
  });

  function openTarget(id) {
    var details = id && doc.getElementById(id);
    if (!details || details.tagName !== 'DETAILS') return;
    details.hidden = false;
    details.open = true;
    details.querySelector('summary').focus();
  }
  function openFromHash() { openTarget(decodeURIComponent(location.hash.slice(1))); }
  window.addEventListener('hashchange', openFromHash);
  table.addEventListener('click', function (event) {
    var link = event.target.closest && event.target.closest('a[href^="#"]');
    // Following the link again does not change the hash: open the target all the same.
    if (link && link.hash === location.hash) openTarget(link.hash.slice(1));
  });

  form.hidden = false;
  // Only when the browser restored a filter (back, reload): touching every row of a large fleet is not free.
  if (scope.value || state.value || search.value) filter();
  else say(rows.length);
  openFromHash();
  doc.documentElement.setAttribute('data-ready', '');
})();
`;

/** A CSP source expression allowing exactly this inline text. */
export function cspHash(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

export const REPORT_CSP = [
  "default-src 'none'",
  `style-src ${cspHash(REPORT_STYLE)}`,
  `script-src ${cspHash(REPORT_SCRIPT)}`,
  "img-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
