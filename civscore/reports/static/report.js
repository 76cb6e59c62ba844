(function () {
  'use strict';
  var table = document.getElementById('ranking');
  if (!table) { return; }
  var tbody = table.tBodies[0];
  var heads = table.tHead.rows[0].cells;
  var groupSel = document.getElementById('f-group');
  var starSel = document.getElementById('f-stars');
  var search = document.getElementById('f-search');
  var shown = document.getElementById('f-count');

  function pairs() {
    var out = [], rows = tbody.rows;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      if (r.classList.contains('unit-row')) {
        var d = r.nextElementSibling;
        out.push([r, d && d.classList.contains('detail-row') ? d : null]);
      }
    }
    return out;
  }

  function cellValue(row, idx, numeric) {
    var cell = row.cells[idx];
    if (!cell) { return null; }
    var v = cell.getAttribute('data-v');
    if (numeric) {
      if (v === null || v === '') { return null; }
      var n = parseFloat(v);
      return isNaN(n) ? null : n;
    }
    var t = (v !== null ? v : cell.textContent).trim();
    return t === '' ? null : t;
  }

  function sortBy(th) {
    var idx = th.cellIndex;
    var numeric = th.getAttribute('data-type') === 'num';
    var dir = th.getAttribute('aria-sort') === 'ascending' ? 'descending' : 'ascending';
    for (var i = 0; i < heads.length; i++) { heads[i].removeAttribute('aria-sort'); }
    th.setAttribute('aria-sort', dir);
    var sign = dir === 'ascending' ? 1 : -1;
    var list = pairs().map(function (p) {
      return { p: p, v: cellValue(p[0], idx, numeric), i: parseInt(p[0].getAttribute('data-i'), 10) };
    });
    list.sort(function (a, b) {
      if (a.v === null && b.v === null) { return a.i - b.i; }
      if (a.v === null) { return 1; }
      if (b.v === null) { return -1; }
      var c = numeric ? (a.v - b.v) : a.v.localeCompare(b.v, 'zh-CN');
      return c !== 0 ? sign * c : a.i - b.i;
    });
    var frag = document.createDocumentFragment();
    list.forEach(function (e) { frag.appendChild(e.p[0]); if (e.p[1]) { frag.appendChild(e.p[1]); } });
    tbody.appendChild(frag);
  }

  function applyFilters() {
    var g = groupSel ? groupSel.value : '';
    var s = starSel ? starSel.value : '';
    var q = search ? search.value.trim().toLowerCase() : '';
    var count = 0, all = 0;
    pairs().forEach(function (p) {
      var r = p[0], ok = true;
      all++;
      if (g !== '' && r.getAttribute('data-gi') !== g) { ok = false; }
      if (ok && s !== '') {
        if (s === 'veto') { ok = r.getAttribute('data-vetoed') === '1'; }
        else { ok = r.getAttribute('data-vetoed') !== '1' && r.getAttribute('data-stars') === s; }
      }
      if (ok && q !== '') { ok = (r.getAttribute('data-search') || '').toLowerCase().indexOf(q) !== -1; }
      r.hidden = !ok;
      if (p[1]) { p[1].hidden = !ok || !r.classList.contains('open'); }
      if (ok) { count++; }
    });
    if (shown) { shown.textContent = count + ' / ' + all; }
  }

  function toggle(r) {
    var d = r.nextElementSibling;
    if (!d || !d.classList.contains('detail-row')) { return; }
    var open = !r.classList.contains('open');
    r.classList.toggle('open', open);
    d.hidden = !open;
    var b = r.querySelector('button.toggle');
    if (b) { b.setAttribute('aria-expanded', open ? 'true' : 'false'); }
  }

  for (var i = 0; i < heads.length; i++) {
    if (heads[i].hasAttribute('data-key')) {
      heads[i].tabIndex = 0;
      heads[i].addEventListener('click', function () { sortBy(this); });
      heads[i].addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sortBy(this); }
      });
    }
  }
  tbody.addEventListener('click', function (e) {
    var r = e.target.closest('tr');
    if (!r || !r.classList.contains('unit-row')) { return; }
    var sel = window.getSelection ? String(window.getSelection()) : '';
    if (sel !== '' && !e.target.closest('button')) { return; }
    toggle(r);
  });
  [groupSel, starSel].forEach(function (el) { if (el) { el.addEventListener('change', applyFilters); } });
  if (search) { search.addEventListener('input', applyFilters); }
  applyFilters();

  // a link to #unit-... opens that unit's details
  function openHash() {
    var id = decodeURIComponent(location.hash.slice(1));
    var r = id ? document.getElementById(id) : null;
    if (r && r.classList.contains('unit-row') && !r.classList.contains('open')) { toggle(r); }
  }
  window.addEventListener('hashchange', openHash);
  openHash();
})();
