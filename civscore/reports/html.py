"""Self-contained HTML reports: ``evaluate --format html`` and ``check --format html``.

Both renderers are pure functions of the JSON-shaped documents the engine
produces (SPEC §5, plus the ``criteria`` extension) and return one HTML page
as a string. A page loads nothing from anywhere: its CSS, its small script
and its charts (inline SVG) are all inside it, and a Content-Security-Policy
forbids every other load. Every piece of text taken from the document is
escaped; the one script is allowed by its hash, so even markup that slipped
through could not run.
"""
from __future__ import annotations

import base64
import hashlib
import html as _html
import json
import math
from typing import Any, Mapping, Sequence

from ..assessors import value_text

__all__ = ["render_evaluation", "render_check", "json_for_script"]

FONT_STACK = ('"Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", '
              '"Microsoft YaHei", "PingFang SC", sans-serif')

STATUS_LABELS = {"ok": "正常", "missing": "缺数据", "invalid": "数据无效", "error": "评分出错"}
KIND_LABELS = {"criterion": "指标", "bonus": "加分项", "penalty": "扣分项"}


# --------------------------------------------------------------------------- helpers

def esc(value: Any) -> str:
    """Escape any value for HTML text or a quoted attribute; ``None`` is empty."""
    if value is None:
        return ""
    return _html.escape(str(value), quote=True)


def json_for_script(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&``
    are written as ``\\u003c``, ``\\u003e``, ``\\u0026`` so no ``</script>``
    or ``<!--`` can appear in it."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, allow_nan=False, default=str)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def fmt(value: Any, digits: int = 2) -> str:
    """A number with at most ``digits`` decimals, trailing zeros dropped; ``—`` for none."""
    number = _num(value)
    if number is None:
        return "—" if value is None else esc(value)
    text = f"{number:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def _dv(value: Any) -> str:
    """The ``data-v`` (sort value) of a numeric cell; empty for none."""
    number = _num(value)
    return "" if number is None else repr(round(number, 6))


def pct(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.0f}%"


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


class _Scheme:
    """What the renderers need from ``scheme`` + ``criteria``, with fallbacks
    for documents that lack the ``criteria`` extension."""

    def __init__(self, doc: Mapping[str, Any], results: Sequence[Mapping[str, Any]]):
        self.scheme = doc.get("scheme") or {}
        self.civscore = doc.get("civscore") or {}
        crit = doc.get("criteria") or {}
        self.criteria = crit
        self.full_marks = _num(crit.get("full_marks"))
        self.rating_method = crit.get("rating_method")
        self.bonus_cap = _num(crit.get("bonus_cap"))
        self.penalty_cap = _num(crit.get("penalty_cap"))
        self.levels = [lv for lv in _as_list(crit.get("levels")) if isinstance(lv, Mapping)]
        self.items = {}
        for item in _as_list(crit.get("items")):
            if isinstance(item, Mapping) and item.get("id") is not None:
                self.items[str(item["id"])] = item
        self.vetoes = {}
        for veto in _as_list(crit.get("vetoes")):
            if isinstance(veto, Mapping) and veto.get("id") is not None:
                self.vetoes[str(veto["id"])] = veto
        # categories: from the criteria, then any the results have besides
        self.categories: list[dict[str, Any]] = []
        seen = set()
        for cat in _as_list(crit.get("categories")):
            if isinstance(cat, Mapping) and cat.get("id") is not None and str(cat["id"]) not in seen:
                seen.add(str(cat["id"]))
                self.categories.append({"id": str(cat["id"]), "title": cat.get("title") or cat["id"],
                                        "points": _num(cat.get("points"))})
        for result in results:
            for cid in (result.get("categories") or {}):
                if str(cid) not in seen:
                    seen.add(str(cid))
                    self.categories.append({"id": str(cid), "title": str(cid), "points": None})
        for cat in self.categories:
            if cat["points"] is None:  # unknown maximum: the best score seen (at least 1)
                best = max((_num((r.get("categories") or {}).get(cat["id"])) or 0.0 for r in results),
                           default=0.0)
                cat["points"] = best if best > 0 else 1.0
                cat["guessed"] = True
        stars = [int(lv.get("stars")) for lv in self.levels if _num(lv.get("stars")) is not None]
        stars += [int(s) for s in (_num(r.get("stars")) for r in results) if s is not None]
        self.max_stars = max(stars) if stars else 5
        if self.max_stars <= 0:
            self.max_stars = 5
        floors = [_num(lv.get("min_category_ratio")) for lv in self.levels]
        floors = [f for f in floors if f is not None and f > 0]
        self.top_floor = max(floors) if floors else None

    @property
    def title(self) -> str:
        return str(self.scheme.get("title") or self.scheme.get("id") or "civscore")

    def item_title(self, item_id: str) -> str:
        item = self.items.get(item_id) or self.vetoes.get(item_id)
        return str(item.get("title")) if item and item.get("title") else ""

    def item_kind(self, item_id: str) -> str:
        item = self.items.get(item_id)
        if item and item.get("kind"):
            return str(item["kind"])
        if item_id.startswith("bonus."):
            return "bonus"
        if item_id.startswith("penalty."):
            return "penalty"
        return "criterion"

    def ordered_items(self, items: Mapping[str, Any]) -> list[str]:
        """A unit's item ids: in the criteria's order, then any others in theirs."""
        known = [i for i in self.items if i in items]
        return known + [i for i in items if i not in self.items]


def stars_text(stars: Any, max_stars: int) -> str:
    count = _num(stars)
    count = int(count) if count is not None else 0
    count = max(0, min(count, max_stars))
    return "★" * count + "☆" * (max_stars - count)


def stars_html(stars: Any, max_stars: int, vetoed: bool = False) -> str:
    count = _num(stars)
    label = "一票否决" if vetoed else f"{int(count or 0)} 星"
    out = f'<span class="stars" title="{esc(label)}" aria-label="{esc(label)}">{stars_text(stars, max_stars)}</span>'
    if vetoed:
        out += ' <span class="badge veto">否决</span>'
    return out


def _status_badge(status: Any) -> str:
    key = str(status or "")
    label = STATUS_LABELS.get(key, key or "—")
    cls = key if key in STATUS_LABELS else "other"
    return f'<span class="badge st-{cls}" title="{esc(key)}">{esc(label)}</span>'


def _reasons(reasons: Any) -> str:
    items = [r for r in _as_list(reasons) if r is not None and str(r) != ""]
    if not items:
        return ""
    if len(items) == 1:
        return esc(items[0])
    return '<ul class="reasons">' + "".join(f"<li>{esc(r)}</li>" for r in items) + "</ul>"


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- SVG charts

def _svg(width: float, height: float, body: str, label: str, cls: str = "chart") -> str:
    return (f'<svg class="{cls}" viewBox="0 0 {width:g} {height:g}" width="{width:g}" height="{height:g}" '
            f'role="img" aria-label="{esc(label)}"><title>{esc(label)}</title>{body}</svg>')


def star_chart(counts: Sequence[tuple[str, int, str]], title: str) -> str:
    """Vertical bars: ``counts`` is (label, count, css class)."""
    n = max(len(counts), 1)
    bar_w, gap, left, top, bottom = 56, 18, 34, 22, 40
    height = 200
    plot_h = height - top - bottom
    width = left + n * (bar_w + gap) + gap
    peak = max([c for _, c, _ in counts] + [1])
    body = []
    for tick in _ticks(peak):
        y = top + plot_h - plot_h * tick / peak
        body.append(f'<line class="grid" x1="{left}" x2="{width - 4}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for i, (label, count, cls) in enumerate(counts):
        x = left + gap + i * (bar_w + gap)
        h = plot_h * count / peak
        y = top + plot_h - h
        body.append(f'<rect class="bar {cls}" x="{x}" y="{y:.1f}" width="{bar_w}" height="{h:.1f}">'
                    f'<title>{esc(label)}: {count}</title></rect>'
                    f'<text class="val" x="{x + bar_w / 2}" y="{y - 5:.1f}" text-anchor="middle">{count}</text>'
                    f'<text class="lbl{" starlbl" if "★" in label else ""}" x="{x + bar_w / 2}" '
                    f'y="{top + plot_h + 18}" text-anchor="middle">{esc(label)}</text>')
    body.append(f'<line class="axis" x1="{left}" x2="{width - 4}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    return _svg(width, height, "".join(body), title)


def _ticks(peak: float) -> list[int]:
    if peak <= 0:
        return [0]
    step = max(1, math.ceil(peak / 4))
    return list(range(0, int(peak) + 1, step))


def histogram(values: Sequence[float], maximum: float, title: str, bins: int = 10) -> str:
    """A histogram of ``values`` over [0, maximum], with a mean marker."""
    width, height, left, right, top, bottom = 280, 130, 28, 10, 10, 30
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = maximum if maximum and maximum > 0 else 1.0
    counts = [0] * bins
    for v in values:
        idx = int(min(max(v, 0.0), maximum) / maximum * bins)
        counts[min(idx, bins - 1)] += 1
    peak = max(counts + [1])
    body = []
    for tick in _ticks(peak):
        y = top + plot_h - plot_h * tick / peak
        body.append(f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
                    f'<text class="tick" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    bw = plot_w / bins
    for i, count in enumerate(counts):
        h = plot_h * count / peak
        lo, hi = maximum * i / bins, maximum * (i + 1) / bins
        body.append(f'<rect class="bar hist" x="{left + i * bw + 1:.1f}" y="{top + plot_h - h:.1f}" '
                    f'width="{bw - 2:.1f}" height="{h:.1f}"><title>{fmt(lo)}–{fmt(hi)}: {count}</title></rect>')
    body.append(f'<line class="axis" x1="{left}" x2="{width - right}" y1="{top + plot_h}" y2="{top + plot_h}"/>')
    for frac in (0, 0.5, 1):
        x = left + plot_w * frac
        anchor = "start" if frac == 0 else ("end" if frac == 1 else "middle")
        body.append(f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 14}" text-anchor="{anchor}">'
                    f'{fmt(maximum * frac, 1)}</text>')
    if values:
        mean = sum(values) / len(values)
        x = left + plot_w * min(max(mean, 0.0), maximum) / maximum
        body.append(f'<line class="mean" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{top + plot_h}">'
                    f'<title>均值 {fmt(mean)}</title></line>')
    return _svg(width, height, "".join(body), title, "chart hist")


def category_bars(rows: Sequence[tuple[str, float, float]], title: str, floor: float | None = None) -> str:
    """Horizontal bars, one per (label, score, maximum); each track is its maximum."""
    label_w, bar_w, val_w, row_h, top = 150, 320, 120, 26, 6
    width = label_w + bar_w + val_w
    height = top * 2 + row_h * max(len(rows), 1) + (14 if floor else 0)
    body = []
    for i, (label, score, maximum) in enumerate(rows):
        y = top + i * row_h
        ratio = score / maximum if maximum > 0 else 0.0
        shown = min(max(ratio, 0.0), 1.0)
        low = floor is not None and ratio + 1e-9 < floor
        body.append(f'<text class="lbl" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
                    f'<title>{esc(label)}</title>{esc(_truncate(label, 11))}</text>'
                    f'<rect class="track" x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 10}" rx="3"/>'
                    f'<rect class="fill{" low" if low else ""}" x="{label_w}" y="{y + 4}" '
                    f'width="{bar_w * shown:.1f}" height="{row_h - 10}" rx="3"/>'
                    f'<text class="val" x="{label_w + bar_w + 8}" y="{y + 16}">'
                    f'{fmt(score)} / {fmt(maximum)} ({pct(ratio)})</text>')
    if floor:
        x = label_w + bar_w * floor
        y2 = top + row_h * len(rows)
        body.append(f'<line class="floor" x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{y2}"/>'
                    f'<text class="tick" x="{x:.1f}" y="{y2 + 12}" text-anchor="middle">'
                    f'单项下限 {pct(floor)}</text>')
    return _svg(width, height, "".join(body), title, "chart bars")


# --------------------------------------------------------------------------- page frame

_CSS = """
:root{--fg:#1f2328;--muted:#656d76;--line:#d0d7de;--bg:#fff;--soft:#f6f8fa;--accent:#b42318;
--gold:#d4a017;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--blue:#0969da}
*{box-sizing:border-box}
body{margin:0;font-family:FONTS;color:var(--fg);background:var(--bg);font-size:14px;line-height:1.5}
main{max-width:1440px;margin:0 auto;padding:20px 24px 48px}
header.top{background:linear-gradient(90deg,#8f1d16,#b42318);color:#fff;padding:18px 24px}
header.top h1{margin:0 0 6px;font-size:24px;font-weight:700}
header.top .sub{opacity:.92;font-size:13px}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:10px 0 0;font-size:13px}
dl.meta dt{opacity:.8}dl.meta dd{margin:0;word-break:break-all}
code,.mono{font-family:"Noto Sans Mono CJK SC",ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
h2{font-size:18px;margin:28px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--accent)}
h3{font-size:15px;margin:14px 0 6px}
section{margin-bottom:8px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:14px 0}
.card{border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:120px;background:var(--soft)}
.card .k{color:var(--muted);font-size:12px}.card .v{font-size:20px;font-weight:700}
.controls{display:flex;flex-wrap:wrap;gap:10px 16px;align-items:center;margin:8px 0 10px}
.controls label{color:var(--muted);font-size:13px}
.controls select,.controls input{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px}
.controls input[type=search]{min-width:220px}
.scroll{overflow-x:auto;border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%}
th,td{padding:6px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{background:var(--soft);position:sticky;top:0;z-index:1;white-space:nowrap}
table.rank thead th.cat{white-space:normal;min-width:7.6em;max-width:9em;vertical-align:bottom}
table.rank td.uid{white-space:nowrap}table.rank td.name{min-width:11em}table.rank td.grp{white-space:nowrap}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.rank th[data-key]{cursor:pointer;user-select:none}
table.rank th[data-key]:hover{background:#eaeef2}
table.rank th[data-key]::after{content:" \\2195";color:#aab;font-size:11px}
table.rank th[aria-sort=ascending]::after{content:" \\25B2";color:var(--accent)}
table.rank th[aria-sort=descending]::after{content:" \\25BC";color:var(--accent)}
tr.unit-row{cursor:pointer}
tr.unit-row:hover td{background:#fff8e6}
tr.unit-row.open td{background:#fff1cc}
tr.unit-row.vetoed td{color:#6e7781}
tr.unit-row.incomplete td:first-child{box-shadow:inset 4px 0 0 var(--warn)}
tr.detail-row>td{background:#fcfcfd;padding:12px 16px 18px}
button.toggle{border:0;background:none;cursor:pointer;font-size:13px;color:var(--muted);padding:0 4px}
tr.unit-row.open button.toggle{transform:rotate(90deg)}
.stars{color:var(--gold);letter-spacing:1px;white-space:nowrap}
.badge{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;line-height:18px;white-space:nowrap;border:1px solid transparent}
.badge.veto{background:#ffebe9;color:var(--bad);border-color:#ffcecb}
.badge.incomplete{background:#fff8c5;color:var(--warn);border-color:#eed888}
.badge.st-ok{background:#dafbe1;color:var(--ok)}
.badge.st-missing{background:#fff8c5;color:var(--warn)}
.badge.st-invalid{background:#ffebe9;color:var(--bad)}
.badge.st-error{background:var(--bad);color:#fff}
.badge.st-other{background:var(--soft);color:var(--muted)}
.badge.kind{background:#ddf4ff;color:var(--blue)}
tr.st-missing td,tr.st-invalid td{background:#fffbea}
tr.st-error td{background:#ffebe9}
ul.reasons{margin:0;padding-left:18px}
.muted{color:var(--muted)}
.grid2{display:flex;flex-wrap:wrap;gap:16px}
.chartbox{border:1px solid var(--line);border-radius:8px;padding:8px 10px;background:#fff}
.chartbox h3{margin:0 0 4px;font-size:14px}
.chartbox .stats{font-size:12px;color:var(--muted)}
svg.chart{display:block;max-width:100%;height:auto;font-family:FONTS}
svg .grid{stroke:#eaeef2;stroke-width:1}
svg .axis{stroke:#8c959f;stroke-width:1}
svg .tick{font-size:10px;fill:var(--muted)}
svg .val{font-size:12px;fill:var(--fg)}
svg .lbl{font-size:12px;fill:var(--fg)}
svg .starlbl{fill:var(--gold);font-size:11px}
svg .bar{fill:var(--gold)}
svg .bar.zero{fill:#8c959f}
svg .bar.veto{fill:var(--bad)}
svg .bar.hist{fill:#c2410c;opacity:.85}
svg .mean{stroke:var(--blue);stroke-width:2;stroke-dasharray:4 3}
svg .track{fill:#eaeef2}
svg .fill{fill:#2da44e}
svg .fill.low{fill:var(--bad)}
svg .floor{stroke:var(--bad);stroke-width:1.5;stroke-dasharray:4 3}
.detail h3{margin-top:4px}
.detail .sum{margin:0 0 8px}
.note{border-left:4px solid var(--warn);background:#fff8c5;padding:6px 10px;border-radius:4px;margin:8px 0}
.note.bad{border-color:var(--bad);background:#ffebe9}
.note.good{border-color:var(--ok);background:#dafbe1}
.empty{color:var(--muted);font-style:italic}
footer{color:var(--muted);font-size:12px;margin-top:36px;border-top:1px solid var(--line);padding-top:8px}
@media print{tr.detail-row{display:table-row!important}thead th{position:static}header.top{background:#8f1d16}}
""".replace("FONTS", FONT_STACK)

_SCRIPT = r"""
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
"""


def _csp(script: str | None) -> str:
    script_src = "'none'"
    if script is not None:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        script_src = f"'sha256-{digest}'"
    return ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src {script_src}; base-uri 'none'; form-action 'none'")


def _page(title: str, header: str, body: str, script: str | None, data: Any = None) -> str:
    parts = [
        "<!DOCTYPE html>\n",
        '<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n',
        f'<meta http-equiv="Content-Security-Policy" content="{esc(_csp(script))}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="generator" content="civscore">\n',
        f"<title>{esc(title)}</title>\n<style>{_CSS}</style>\n",
        '<noscript><style>tr.detail-row{display:table-row!important}</style></noscript>\n',
        "</head>\n<body>\n",
        header,
        f"<main>\n{body}\n",
        '<footer>由 civscore 生成 · 本页为自包含文件，不加载任何外部资源。</footer>\n</main>\n',
    ]
    if data is not None:
        parts.append(f'<script type="application/json" id="civscore-data">{json_for_script(data)}</script>\n')
    if script is not None:
        parts.append(f"<script>{script}</script>\n")
    parts.append("</body>\n</html>\n")
    return "".join(parts)


def _header(scheme: _Scheme, heading: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    s, c = scheme.scheme, scheme.civscore
    rows = [("体系编号", esc(s.get("id"))), ("版本", esc(s.get("version"))),
            ("SHA-256", f'<span class="mono">{esc(s.get("sha256"))}</span>'),
            ("civscore", esc(c.get("version")))]
    plugins = c.get("plugins") or {}
    if isinstance(plugins, Mapping) and plugins:
        rows.append(("插件", "，".join(f"{esc(k)} {esc(v)}" for k, v in sorted(plugins.items(), key=lambda kv: str(kv[0])))))
    rows.extend(extra)
    meta = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in rows)
    return (f'<header class="top"><h1>{esc(scheme.title)}</h1>'
            f'<div class="sub">{heading}</div><dl class="meta">{meta}</dl></header>\n')


def _card(key: str, value: str) -> str:
    return f'<div class="card"><div class="k">{key}</div><div class="v">{value}</div></div>'


# --------------------------------------------------------------------------- unit detail

def _items_table(scheme: _Scheme, items: Mapping[str, Any]) -> str:
    if not items:
        return '<p class="empty">没有评分项。</p>'
    rows = []
    for item_id in scheme.ordered_items(items):
        item = items.get(item_id) or {}
        if not isinstance(item, Mapping):
            continue
        kind = scheme.item_kind(item_id)
        status = str(item.get("status") or "")
        points = fmt(item.get("points"))
        if kind == "penalty" and (_num(item.get("points")) or 0) > 0:
            points = "−" + points
        rows.append(
            f'<tr class="st-{esc(status)}" data-item="{esc(item_id)}">'
            f'<td><code>{esc(item_id)}</code></td><td>{esc(scheme.item_title(item_id))}'
            + (f' <span class="badge kind">{esc(KIND_LABELS.get(kind, kind))}</span>' if kind != "criterion" else "")
            + f'</td><td class="n">{points}</td><td class="n">{fmt(item.get("max"))}</td>'
            f'<td>{_status_badge(status)}</td><td>{_reasons(item.get("reasons"))}</td></tr>')
    return ('<div class="scroll"><table class="items"><thead><tr><th>指标编号</th><th>名称</th>'
            '<th class="n">得分</th><th class="n">满分</th><th>状态</th><th>说明</th></tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div>')


def _unit_detail(scheme: _Scheme, result: Mapping[str, Any], floor: float | None) -> str:
    unit = result.get("unit") or {}
    cats = result.get("categories") or {}
    bars = [(str(c["title"]), _num(cats.get(c["id"])) or 0.0, c["points"]) for c in scheme.categories]
    parts = ['<div class="detail">']
    notes = []
    if result.get("vetoed"):
        vetoes = "、".join(_veto_label(scheme, v) for v in _as_list(result.get("vetoes"))) or "—"
        notes.append(f'<div class="note bad">一票否决：{vetoes}</div>')
    if result.get("complete") is False:
        notes.append('<div class="note">评分不完整：有评分项出错（状态“评分出错”），结果仅供参考。</div>')
    notes.append(_disagreements(result))
    parts.extend(notes)
    src = result.get("source")
    parts.append(f'<p class="sum">基础分 <b>{fmt(result.get("base"))}</b> ＋ 加分 <b>{fmt(result.get("bonus"))}</b>'
                 f' − 扣分 <b>{fmt(result.get("penalty"))}</b> ＝ 总分 <b>{fmt(result.get("total"))}</b>'
                 + (f'　<span class="muted">地区：{esc(unit.get("region"))}</span>' if unit.get("region") else "")
                 + (f'　<span class="muted">期间：{esc(unit.get("period"))}</span>' if unit.get("period") else "")
                 + (f'　<span class="muted">来源：<code>{esc(src)}</code></span>' if src else "")
                 + "</p>")
    if bars:
        parts.append("<h3>各类得分</h3>")
        parts.append(category_bars(bars, f"{unit.get('name') or unit.get('id') or ''} 各类得分", floor))
    parts.append("<h3>评分明细</h3>")
    parts.append(_items_table(scheme, result.get("items") or {}))
    parts.append("</div>")
    return "".join(parts)


def _disagreements(result: Mapping[str, Any]) -> str:
    """Items where a unit's assessors disagree beyond the scheme's max_spread (docs/assessors.md)."""
    flags = result.get("disagreements") or {}
    if not isinstance(flags, Mapping) or not flags:
        return ""
    rows = []
    for key, flag in flags.items():
        flag = flag if isinstance(flag, Mapping) else {}
        given = "，".join(f"{esc(who)} {esc(value_text(v))}" for who, v in (flag.get("values") or {}).items())
        rows.append(f"<li><code>{esc(key)}</code>：{given} → 取 {esc(value_text(flag.get('combined')))}"
                    f"（{esc(flag.get('reason'))}）</li>")
    return ('<div class="note disagree"><b>评审分歧</b>（评审员打分差距超过方案允许的范围，请复核）：'
            f'<ul>{"".join(rows)}</ul></div>')


def _veto_label(scheme: _Scheme, veto_id: Any) -> str:
    title = scheme.item_title(str(veto_id))
    return f"{esc(title)}（<code>{esc(veto_id)}</code>）" if title else f"<code>{esc(veto_id)}</code>"


def _unit_name_html(result: Mapping[str, Any], veto_badge: bool = True) -> str:
    unit = result.get("unit") or {}
    out = f'<span class="uname">{esc(unit.get("name"))}</span>'
    if result.get("complete") is False:
        out += ' <span class="badge incomplete" title="有评分项出错">⚠ 不完整</span>'
    if veto_badge and result.get("vetoed"):
        out += ' <span class="badge veto">否决</span>'
    return out


# --------------------------------------------------------------------------- evaluate

def render_evaluation(doc: Mapping[str, Any]) -> str:
    """The ``civscore evaluate --format html`` page for an evaluation document."""
    results = [r for r in _as_list(doc.get("results")) if isinstance(r, Mapping)]
    errors = [e for e in _as_list(doc.get("errors")) if isinstance(e, Mapping)]
    scheme = _Scheme(doc, results)
    max_stars = scheme.max_stars
    cats = scheme.categories

    ranked = [r for r in results if not r.get("vetoed")]
    vetoed = [r for r in results if r.get("vetoed")]
    incomplete = [r for r in results if r.get("complete") is False]

    header = _header(scheme, "测评结果报告", [("参评单位", str(len(results)))])
    body: list[str] = []

    totals = [t for t in (_num(r.get("total")) for r in results) if t is not None]
    mean = sum(totals) / len(totals) if totals else None
    body.append('<div class="cards">'
                + _card("参评单位", str(len(results)))
                + _card("已排名", str(len(ranked)))
                + _card("一票否决", str(len(vetoed)))
                + _card("提交错误", str(len(errors)))
                + _card("不完整", str(len(incomplete)))
                + _card("平均总分", fmt(mean))
                + _card("最高总分", fmt(max(totals) if totals else None))
                + "</div>")
    if errors:
        body.append(f'<div class="note bad">有 {len(errors)} 份提交无法读取，见<a href="#errors">提交错误</a>。</div>')

    # ----- ranking table
    groups: list[Any] = []
    for r in results:
        g = (r.get("unit") or {}).get("group")
        g = None if g in (None, "") else str(g)
        if g not in groups:
            groups.append(g)
    groups.sort(key=lambda g: (g is None, g or ""))
    group_index = {g: i for i, g in enumerate(groups)}

    opts_g = ['<option value="">全部分组</option>'] + [
        f'<option value="{i}">{esc(g) if g is not None else "（无分组）"}</option>' for i, g in enumerate(groups)]
    star_counts = {s: 0 for s in range(max_stars, -1, -1)}
    for r in ranked:
        s = int(_num(r.get("stars")) or 0)
        star_counts[s] = star_counts.get(s, 0) + 1
    opts_s = ['<option value="">全部星级</option>'] + [
        f'<option value="{s}">{stars_text(s, max_stars)} {s} 星（{star_counts.get(s, 0)}）</option>'
        for s in range(max_stars, -1, -1)]
    opts_s.append(f'<option value="veto">一票否决（{len(vetoed)}）</option>')

    body.append('<section id="ranking-section"><h2>排名</h2>')
    if (doc.get("provenance") or {}).get("by_group") if isinstance(doc.get("provenance"), Mapping) else False:
        body.append('<p class="note">本次按分组分别排名和定级：排名只在同一分组内比较。</p>')
    body.append('<div class="controls">'
                f'<label>分组 <select id="f-group">{"".join(opts_g)}</select></label>'
                f'<label>星级 <select id="f-stars">{"".join(opts_s)}</select></label>'
                '<label>搜索 <input type="search" id="f-search" placeholder="单位名称或编号"></label>'
                '<span class="muted">显示 <span id="f-count"></span> 个单位 · 点击表头排序，点击行查看明细</span>'
                '</div>')
    head = ['<th aria-label="展开"></th>',
            '<th class="n" data-key="rank" data-type="num">排名</th>',
            '<th data-key="stars" data-type="num">星级</th>',
            '<th data-key="id" data-type="text">编号</th>',
            '<th data-key="name" data-type="text">单位名称</th>',
            '<th data-key="group" data-type="text">分组</th>',
            '<th class="n" data-key="total" data-type="num">总分</th>',
            '<th class="n" data-key="base" data-type="num">基础分</th>',
            '<th class="n" data-key="bonus" data-type="num">加分</th>',
            '<th class="n" data-key="penalty" data-type="num">扣分</th>']
    for c in cats:
        head.append(f'<th class="n cat" data-key="cat:{esc(c["id"])}" data-type="num" '
                    f'title="{esc(c["id"])} · 满分 {fmt(c["points"])}">{esc(c["title"])}</th>')
    ncols = len(head)
    rows: list[str] = []
    for i, r in enumerate(results):
        unit = r.get("unit") or {}
        uid, name = unit.get("id"), unit.get("name")
        g = unit.get("group")
        g = None if g in (None, "") else str(g)
        is_vetoed = bool(r.get("vetoed"))
        stars = int(_num(r.get("stars")) or 0)
        classes = ["unit-row"] + (["vetoed"] if is_vetoed else []) + (["incomplete"] if r.get("complete") is False else [])
        search_text = f"{name or ''} {uid or ''}"
        rank = r.get("rank")
        cells = [
            f'<td><button type="button" class="toggle" aria-expanded="false" aria-controls="d-{i}" '
            f'aria-label="明细">▶</button></td>',
            f'<td class="n" data-v="{_dv(rank)}">{fmt(rank)}</td>',
            f'<td data-v="{-1 if is_vetoed else stars}">'
            + ('<span class="badge veto" title="一票否决：不定级">一票否决</span>' if is_vetoed
               else stars_html(stars, max_stars)) + '</td>',
            f'<td class="uid" data-v="{esc(uid)}"><code>{esc(uid)}</code></td>',
            f'<td class="name" data-v="{esc(name)}">{_unit_name_html(r, veto_badge=False)}</td>',
            f'<td class="grp" data-v="{esc(g)}">{esc(g) if g is not None else "—"}</td>',
            f'<td class="n" data-v="{_dv(r.get("total"))}"><b>{fmt(r.get("total"))}</b></td>',
            f'<td class="n" data-v="{_dv(r.get("base"))}">{fmt(r.get("base"))}</td>',
            f'<td class="n" data-v="{_dv(r.get("bonus"))}">{fmt(r.get("bonus"))}</td>',
            f'<td class="n" data-v="{_dv(r.get("penalty"))}">{fmt(r.get("penalty"))}</td>',
        ]
        rcats = r.get("categories") or {}
        for c in cats:
            v = rcats.get(c["id"])
            cells.append(f'<td class="n" data-v="{_dv(v)}" title="{fmt(v)} / {fmt(c["points"])}">{fmt(v)}</td>')
        rows.append(
            f'<tr id="unit-{i}" class="{" ".join(classes)}" data-i="{i}" data-id="{esc(uid)}" '
            f'data-gi="{group_index[g]}" data-stars="{stars}" data-vetoed="{1 if is_vetoed else 0}" '
            f'data-search="{esc(search_text)}">{"".join(cells)}</tr>\n'
            f'<tr id="d-{i}" class="detail-row" data-for="{esc(uid)}" hidden><td colspan="{ncols}">'
            f'{_unit_detail(scheme, r, scheme.top_floor)}</td></tr>\n')
    body.append(f'<div class="scroll"><table id="ranking" class="rank"><thead><tr>{"".join(head)}</tr></thead>'
                f'<tbody>{"".join(rows)}</tbody></table></div>')
    if not results:
        body.append('<p class="empty">没有参评单位。</p>')
    if incomplete:
        body.append('<p class="muted">带 <span class="badge incomplete">⚠ 不完整</span> 标记的单位有评分项出错，'
                    '其得分可能偏低。</p>')
    body.append("</section>")

    # ----- distributions
    body.append('<section id="distribution"><h2>分布</h2><div class="grid2">')
    bars = [(f"{stars_text(s, max_stars)}", star_counts.get(s, 0), "zero" if s == 0 else "")
            for s in range(max_stars, -1, -1)]
    bars.append(("否决", len(vetoed), "veto"))
    body.append('<div class="chartbox" id="star-chart"><h3>星级分布</h3>'
                + star_chart(bars, "星级分布：各星级单位数") + "</div>")
    if totals:
        full = scheme.full_marks or max(totals)
        top = max([full] + totals)
        body.append('<div class="chartbox"><h3>总分分布</h3>' + histogram(totals, top, "总分分布")
                    + f'<div class="stats">{_stats(totals)}</div></div>')
    body.append("</div>")
    if cats:
        body.append('<h3>各类得分分布</h3><div class="grid2" id="category-charts">')
        for c in cats:
            values = [v for v in ((_num((r.get("categories") or {}).get(c["id"]))) for r in results) if v is not None]
            body.append(f'<div class="chartbox" data-category="{esc(c["id"])}"><h3>{esc(c["title"])} '
                        f'<span class="muted">满分 {fmt(c["points"])}</span></h3>'
                        + histogram(values, c["points"], f"{c['title']} 得分分布（满分 {fmt(c['points'])}）")
                        + f'<div class="stats">{_stats(values, c["points"])}</div></div>')
        body.append("</div>")
    body.append("</section>")

    # ----- vetoes
    body.append('<section id="vetoed"><h2>一票否决</h2>')
    if vetoed:
        vrows = "".join(
            f'<tr data-id="{esc((r.get("unit") or {}).get("id"))}"><td><code>{esc((r.get("unit") or {}).get("id"))}</code></td>'
            f'<td>{esc((r.get("unit") or {}).get("name"))}</td><td>{esc((r.get("unit") or {}).get("group")) or "—"}</td>'
            f'<td class="n">{fmt(r.get("total"))}</td>'
            f'<td>{"<br>".join(_veto_label(scheme, v) for v in _as_list(r.get("vetoes"))) or "—"}</td></tr>'
            for r in vetoed)
        body.append('<div class="scroll"><table class="vetoes"><thead><tr><th>编号</th><th>单位名称</th><th>分组</th>'
                    f'<th class="n">总分</th><th>否决事项</th></tr></thead><tbody>{vrows}</tbody></table></div>')
    else:
        body.append('<p class="empty">没有单位被一票否决。</p>')
    body.append("</section>")

    # ----- assessors' disagreements (only when a scheme is scored by several assessors)
    disputed = [r for r in results if r.get("disagreements")]
    if disputed:
        body.append(f'<section id="disagreements"><h2>评审分歧（{len(disputed)}）</h2>')
        for r in disputed:
            unit = r.get("unit") or {}
            body.append(f'<h3><code>{esc(unit.get("id"))}</code> {esc(unit.get("name"))}</h3>' + _disagreements(r))
        body.append("</section>")

    # ----- errors
    body.append('<section id="errors"><h2>提交错误</h2>')
    if errors:
        erows = "".join(f'<tr><td><code>{esc(e.get("source"))}</code></td><td>{esc(e.get("where")) or "—"}</td>'
                        f'<td>{esc(e.get("message"))}</td></tr>' for e in errors)
        body.append('<p class="muted">以下提交无法读取，未参加测评；其余单位照常评分。</p>'
                    '<div class="scroll"><table class="errors"><thead><tr><th>文件</th><th>位置</th><th>错误</th>'
                    f'</tr></thead><tbody>{erows}</tbody></table></div>')
    else:
        body.append('<p class="empty">所有提交均已读取。</p>')
    failures = [f for f in _as_list(doc.get("failures")) if f not in (None, "")]
    if failures:
        body.append(f'<h3 id="failures">评分出错（{len(failures)}）</h3>'
                    '<p class="muted">评分器出错的评分项计 0 分，相关单位标记为“不完整”。</p>'
                    '<ul class="failures">' + "".join(f"<li>{esc(f)}</li>" for f in failures) + "</ul>")
    body.append("</section>")

    data = {"scheme": scheme.scheme.get("id"), "version": scheme.scheme.get("version"),
            "units": len(results), "maxStars": max_stars}
    return _page(f"{scheme.title} · 测评结果", header, "\n".join(body), _SCRIPT, data)


def _stats(values: Sequence[float], maximum: float | None = None) -> str:
    if not values:
        return "无数据"
    ordered = sorted(values)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    mean = sum(ordered) / n
    text = f"均值 {fmt(mean)} · 中位数 {fmt(median)} · 最低 {fmt(ordered[0])} · 最高 {fmt(ordered[-1])}"
    if maximum:
        text += f" · 平均得分率 {pct(mean / maximum)}"
    return text


# --------------------------------------------------------------------------- check

def _lost_value(entry: Mapping[str, Any]) -> float:
    """Points recoverable: ``lost`` as given, else max - points (for a penalty, the points)."""
    lost = _num(entry.get("lost"))
    if lost is not None:
        return lost
    points, maximum = _num(entry.get("points")) or 0.0, _num(entry.get("max")) or 0.0
    return points if entry.get("kind") == "penalty" else max(0.0, maximum - points)


def render_check(doc: Mapping[str, Any]) -> str:
    """The ``civscore check --format html`` page: one unit's self-check."""
    result = doc.get("result") or {}
    if not isinstance(result, Mapping):
        result = {}
    scheme = _Scheme(doc, [result])
    max_stars = scheme.max_stars
    unit = result.get("unit") or {}
    is_vetoed = bool(result.get("vetoed"))
    next_level = doc.get("next_level") if isinstance(doc.get("next_level"), Mapping) else None
    target = doc.get("target")
    target_met = doc.get("target_met")

    header = _header(scheme, "单位自查报告", [("单位", f'{esc(unit.get("name"))}（<code>{esc(unit.get("id"))}</code>）')])
    body: list[str] = []

    # ----- summary
    stars = int(_num(result.get("stars")) or 0)
    rank = result.get("rank")
    body.append('<section id="summary"><h2>概况</h2><div class="cards">'
                + _card("单位", _unit_name_html(result))
                + _card("总分", fmt(result.get("total")) + (f' <span class="muted" style="font-size:13px">/ {fmt(scheme.full_marks)}</span>' if scheme.full_marks else ""))
                + _card("星级", stars_html(stars, max_stars, is_vetoed))
                + _card("排名", fmt(rank))
                + _card("一票否决", "是" if is_vetoed else "否")
                + "</div>")
    body.append(f'<p class="sum">基础分 <b>{fmt(result.get("base"))}</b> ＋ 加分 <b>{fmt(result.get("bonus"))}</b>'
                f' − 扣分 <b>{fmt(result.get("penalty"))}</b> ＝ 总分 <b>{fmt(result.get("total"))}</b>'
                + (f'　<span class="muted">分组：{esc(unit.get("group"))}</span>' if unit.get("group") else "")
                + (f'　<span class="muted">地区：{esc(unit.get("region"))}</span>' if unit.get("region") else "")
                + (f'　<span class="muted">期间：{esc(unit.get("period"))}</span>' if unit.get("period") else "")
                + "</p>")
    if is_vetoed:
        body.append('<div class="note bad" id="veto-note">已触发一票否决，不参加定级和排名：'
                    + "、".join(_veto_label(scheme, v) for v in _as_list(result.get("vetoes"))) + "</div>")
    if result.get("complete") is False:
        body.append('<div class="note">评分不完整：有评分项出错，结果仅供参考。</div>')

    body.append('<div id="next-level">')
    if next_level:
        ns = int(_num(next_level.get("stars")) or 0)
        need = _num(next_level.get("points_needed")) or 0.0
        lines = [f'<b>下一星级：{stars_text(ns, max_stars)} {ns} 星</b>'
                 + (f'（最低总分 {fmt(next_level.get("min_score"))}）' if next_level.get("min_score") is not None else "")]
        if need > 0:
            lines.append(f'总分还需提高 <b class="need">{fmt(need)}</b> 分。')
        else:
            lines.append("总分已达到要求。")
        below = [c for c in _as_list(next_level.get("categories_below")) if isinstance(c, Mapping)]
        if below:
            items = "".join(
                f'<li>{esc(c.get("title") or c.get("id"))}（<code>{esc(c.get("id"))}</code>）：得分率 {pct(_num(c.get("ratio")))}'
                f'，低于下限 {pct(_num(c.get("min_ratio")))}，还需 <b>{fmt(c.get("points_needed"))}</b> 分</li>'
                for c in below)
            lines.append(f"以下类别低于该星级的单项下限：<ul>{items}</ul>")
        body.append('<div class="note">' + "<br>".join(lines) + "</div>")
    elif is_vetoed:
        body.append('<div class="note bad">一票否决的单位不能定级；消除否决事项后方可参评。</div>')
    else:
        body.append(f'<div class="note good">已达到最高星级（{stars_text(stars, max_stars)}）。</div>')
    body.append("</div>")
    if target is not None:
        met = ("已达成" if target_met else "未达成") if target_met is not None else "—"
        cls = "good" if target_met else "bad"
        body.append(f'<div class="note {cls}" id="target">目标 {fmt(target)} 星：{met}</div>')

    cats = result.get("categories") or {}
    floor = _num(next_level.get("min_category_ratio")) if next_level else None
    if floor is None and next_level:
        ratios = [_num(c.get("min_ratio")) for c in _as_list(next_level.get("categories_below")) if isinstance(c, Mapping)]
        ratios = [x for x in ratios if x is not None]
        floor = max(ratios) if ratios else None
    if floor is None and next_level:
        for lv in scheme.levels:
            if _num(lv.get("stars")) == _num(next_level.get("stars")):
                floor = _num(lv.get("min_category_ratio"))
    bars = [(str(c["title"]), _num(cats.get(c["id"])) or 0.0, c["points"]) for c in scheme.categories]
    if bars:
        body.append('<h3>各类得分</h3><div class="chartbox" id="category-chart">'
                    + category_bars(bars, "各类得分", floor) + "</div>")
    body.append("</section>")

    # ----- 整改清单
    lost = [x for x in _as_list(doc.get("lost")) if isinstance(x, Mapping)]
    lost.sort(key=lambda x: -_lost_value(x))  # stable: keeps the engine's order among equals
    total_lost = sum(_lost_value(x) for x in lost)
    body.append('<section id="rectification"><h2>整改清单</h2>')
    if lost:
        body.append(f'<p class="muted">共 {len(lost)} 项失分，合计 {fmt(total_lost)} 分；按可挽回分值从高到低排列。</p>')
        lrows = []
        for n, x in enumerate(lost, 1):
            kind = str(x.get("kind") or scheme.item_kind(str(x.get("id"))))
            status = str(x.get("status") or "")
            hint = x.get("hint")
            if hint is None:
                hint = (scheme.items.get(str(x.get("id"))) or {}).get("hint")
            title = x.get("title") or scheme.item_title(str(x.get("id")))
            points = fmt(x.get("points"))
            if kind == "penalty" and (_num(x.get("points")) or 0) > 0:
                points = "−" + points
            lrows.append(
                f'<tr class="st-{esc(status)}" data-item="{esc(x.get("id"))}" data-lost="{_dv(_lost_value(x))}">'
                f'<td class="n">{n}</td><td><code>{esc(x.get("id"))}</code></td><td>{esc(title)}</td>'
                f'<td><span class="badge kind">{esc(KIND_LABELS.get(kind, kind))}</span></td>'
                f'<td class="n lost"><b>{fmt(_lost_value(x))}</b></td>'
                f'<td class="n">{points} / {fmt(x.get("max"))}</td>'
                f'<td>{_status_badge(status)}</td><td>{_reasons(x.get("reasons"))}</td>'
                f'<td>{esc(hint)}</td></tr>')
        body.append('<div class="scroll"><table id="lost" class="lost"><thead><tr><th class="n">#</th><th>指标编号</th>'
                    '<th>名称</th><th>类型</th><th class="n">可挽回</th><th class="n">得分 / 满分</th><th>状态</th>'
                    f'<th>原因</th><th>整改建议</th></tr></thead><tbody>{"".join(lrows)}</tbody></table></div>')
    else:
        body.append('<p class="empty">没有失分项。</p>')
    body.append("</section>")

    # ----- missing inputs
    missing = [str(m) for m in _as_list(doc.get("missing"))]
    body.append('<section id="missing"><h2>缺少的数据</h2>')
    if missing:
        body.append('<ul class="missing">' + "".join(
            f'<li><code>{esc(m)}</code>' + (f' {esc(scheme.item_title(m))}' if scheme.item_title(m) else "")
            + (' <span class="badge veto">否决项</span>' if m in scheme.vetoes or m.startswith("veto.") else "")
            + "</li>" for m in missing) + "</ul>")
        body.append('<p class="muted">缺数据的指标计 0 分；否决项缺数据不视为触发，但请补充填报。</p>')
    else:
        body.append('<p class="empty">所有数据均已填报。</p>')
    body.append("</section>")

    # ----- vetoes
    body.append('<section id="vetoes"><h2>一票否决事项</h2>')
    triggered = _as_list(result.get("vetoes"))
    if triggered:
        body.append('<ul class="vetoes">' + "".join(f"<li>{_veto_label(scheme, v)}</li>" for v in triggered) + "</ul>")
    else:
        body.append('<p class="empty">未触发一票否决事项。</p>')
    invalid = _as_list(doc.get("invalid_vetoes"))
    if invalid:
        body.append('<div class="note" id="invalid-vetoes">以下否决项的数据无法识别（应为“是/否”），请更正：'
                    + "、".join(_veto_label(scheme, v) for v in invalid) + "</div>")
    body.append("</section>")

    if result.get("disagreements"):
        body.append('<section id="disagreements"><h2>评审分歧</h2>' + _disagreements(result) + "</section>")

    # ----- all items
    body.append('<section id="items"><h2>全部评分项</h2><details><summary>展开全部评分项明细</summary>'
                + _items_table(scheme, result.get("items") or {}) + "</details></section>")

    title = f"{unit.get('name') or unit.get('id') or ''} · {scheme.title} · 自查"
    return _page(title, header, "\n".join(body), None)
