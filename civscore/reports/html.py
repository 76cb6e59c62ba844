"""Self-contained HTML reports: ``evaluate``, ``check`` and ``explain`` as pages.

The renderers are pure functions of the JSON-shaped documents the engine
produces (SPEC §5, plus the ``criteria`` extension). Python builds plain data
from a document (the "view model", here) and the chart geometry
(:mod:`.charts`); Jinja2 templates (``templates/``, autoescaping every value)
turn it into markup. A page loads nothing from anywhere: its CSS, its small
script (``static/``) and its charts (inline SVG) are inlined at render time,
and a Content-Security-Policy forbids every other load. The one script is
allowed by the hash of exactly the text inlined, so even markup that slipped
through could not run.

Jinja2 is imported on first use: only HTML output needs it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
from importlib import resources
from typing import TYPE_CHECKING, Any, Mapping, Sequence

from ..assessors import value_text
from ..contracts.i18n import N_, _, current_language, ngettext
from ..contracts.writers import Writer
from . import charts, evaluation_doc
from .text import cap_text, gate_text, needs_text

if TYPE_CHECKING:  # pragma: no cover
    import jinja2

__all__ = ["HtmlWriter", "render_evaluation", "render_check", "render_explain", "render_history", "json_for_script"]

#: the most units one history page shows (a chart and a table each); --unit or CSV for the rest
HISTORY_UNITS_SHOWN = 500

STATUS_LABELS = {"ok": N_("ok"), "missing": N_("missing"), "invalid": N_("invalid"), "error": N_("scorer error"),
                 "na": N_("not applicable")}
KIND_LABELS = {"criterion": N_("Indicator"), "bonus": N_("Bonus item"), "penalty": N_("Penalty item")}

_env: "jinja2.Environment | None" = None


# --------------------------------------------------------------------------- values

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
    """A number with at most ``digits`` decimals, trailing zeros dropped; ``—``
    for none; any other value as its text (the template escapes it)."""
    number = _num(value)
    if number is None:
        return "—" if value is None else str(value)
    text = f"{number:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text


def fixed2(value: Any) -> str:
    """A figure with exactly two decimals, as a column of figures shows them (``5.00`` beside
    ``74.25``, as in the text and CSV reports); ``—`` for none."""
    number = _num(value)
    if number is None:
        return "—" if value is None else str(value)
    text = f"{number:.2f}"
    return "0.00" if text == "-0.00" else text


def _dv(value: Any) -> str:
    """The ``data-v`` (sort value) of a numeric cell; empty for none."""
    number = _num(value)
    return "" if number is None else repr(round(number, 6))


def pct(ratio: float | None) -> str:
    return "—" if ratio is None else f"{ratio * 100:.0f}%"


def stars_text(stars: Any, max_stars: int) -> str:
    count = _num(stars)
    count = int(count) if count is not None else 0
    count = max(0, min(count, max_stars))
    return "★" * count + "☆" * (max_stars - count)


def _as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    return [value]


def _text(value: Any) -> str:
    """A document value as text; ``None`` is empty."""
    return "" if value is None else str(value)


# --------------------------------------------------------------------------- the scheme

class _Scheme:
    """What the renderers need from ``scheme`` + ``criteria``, with fallbacks
    for documents that lack the ``criteria`` extension."""

    def __init__(self, doc: Mapping[str, Any], results: Sequence[Mapping[str, Any]]):
        self.scheme = doc.get("scheme") or {}
        self.civscore = doc.get("civscore") or {}
        crit = doc.get("criteria") or {}
        self.full_marks = _num(crit.get("full_marks"))
        self.levels = [lv for lv in _as_list(crit.get("levels")) if isinstance(lv, Mapping)]
        self.items = self._by_id(crit.get("items"))
        self.vetoes = self._by_id(crit.get("vetoes"))
        self.categories = self._categories(crit, results)
        stars = [int(s) for s in (_num(lv.get("stars")) for lv in self.levels) if s is not None]
        stars += [int(s) for s in (_num(r.get("stars")) for r in results) if s is not None]
        self.max_stars = max(stars) if stars else 5
        if self.max_stars <= 0:
            self.max_stars = 5
        floors = [f for f in (_num(lv.get("min_category_ratio")) for lv in self.levels) if f is not None and f > 0]
        self.top_floor = max(floors) if floors else None

    @staticmethod
    def _by_id(entries: Any) -> dict[str, Mapping[str, Any]]:
        return {str(e["id"]): e for e in _as_list(entries) if isinstance(e, Mapping) and e.get("id") is not None}

    @staticmethod
    def _categories(crit: Mapping[str, Any], results: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """From the criteria, then any the results have besides; an unknown
        maximum is the best score seen (at least 1)."""
        cats: list[dict[str, Any]] = []
        seen = set()
        for cat in _as_list(crit.get("categories")):
            if isinstance(cat, Mapping) and cat.get("id") is not None and str(cat["id"]) not in seen:
                seen.add(str(cat["id"]))
                cats.append({"id": str(cat["id"]), "title": cat.get("title") or cat["id"],
                             "points": _num(cat.get("points"))})
        for result in results:
            for cid in (result.get("categories") or {}):
                if str(cid) not in seen:
                    seen.add(str(cid))
                    cats.append({"id": str(cid), "title": str(cid), "points": None})
        for cat in cats:
            if cat["points"] is None:
                best = max((_num((r.get("categories") or {}).get(cat["id"])) or 0.0 for r in results),
                           default=0.0)
                cat["points"] = best if best > 0 else 1.0
                cat["guessed"] = True
        return cats

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

    def veto(self, veto_id: Any) -> dict[str, str]:
        """A veto as the ``veto_label`` macro shows it."""
        return {"id": _text(veto_id), "title": self.item_title(str(veto_id))}

    def header(self, heading: str, extra: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
        plugins = self.civscore.get("plugins") or {}
        if not isinstance(plugins, Mapping):
            plugins = {}
        return {"title": self.title, "heading": heading, "id": self.scheme.get("id"),
                "version": self.scheme.get("version"), "sha256": self.scheme.get("sha256"),
                "civscore": self.civscore.get("version"),
                "plugins": sorted(plugins.items(), key=lambda kv: str(kv[0])), "extra": list(extra)}


# --------------------------------------------------------------------------- shared view models

def _status(status: Any) -> dict[str, str]:
    key = str(status or "")
    label = _(STATUS_LABELS[key]) if key in STATUS_LABELS else (key or "—")
    return {"key": key, "label": label, "cls": key if key in STATUS_LABELS else "other"}


def _kind_label(kind: str) -> str:
    return _(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def _reasons(reasons: Any) -> list[str]:
    return [str(r) for r in _as_list(reasons) if r is not None and str(r) != ""]


def _signed_points(kind: str, points: Any) -> str:
    """An item's points in a table column, two decimals (a penalty's with a minus sign)."""
    text = fixed2(points)
    return "−" + text if kind == "penalty" and (_num(points) or 0) > 0 else text


def _items(scheme: _Scheme, items: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for item_id in scheme.ordered_items(items):
        item = items.get(item_id) or {}
        if not isinstance(item, Mapping):
            continue
        kind = scheme.item_kind(item_id)
        rows.append({"id": item_id, "title": scheme.item_title(item_id), "kind": kind,
                     "kind_label": _kind_label(kind), "points": _signed_points(kind, item.get("points")),
                     "max": item.get("max"), "status": _status(item.get("status")),
                     "reasons": _reasons(item.get("reasons"))})
    return rows


def _disagreements(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Items where a unit's assessors disagree beyond the scheme's max_spread (docs/assessors.md)."""
    flags = result.get("disagreements") or {}
    if not isinstance(flags, Mapping):
        return []
    rows = []
    for key, flag in flags.items():
        flag = flag if isinstance(flag, Mapping) else {}
        rows.append({"key": key, "given": [(who, value_text(v)) for who, v in (flag.get("values") or {}).items()],
                     "combined": value_text(flag.get("combined")), "reason": _text(flag.get("reason"))})
    return rows


def _unit(scheme: _Scheme, result: Mapping[str, Any]) -> dict[str, Any]:
    """What every view of one unit's result shows."""
    unit = result.get("unit") or {}
    cats = result.get("categories") or {}
    return {"id": unit.get("id"), "name": unit.get("name"), "group": unit.get("group"),
            "region": unit.get("region"), "period": unit.get("period"), "source": result.get("source"),
            "rank": result.get("rank"), "stars": int(_num(result.get("stars")) or 0), "label": result.get("label"),
            "total": result.get("total"), "base": result.get("base"), "bonus": result.get("bonus"),
            "penalty": result.get("penalty"), "vetoed": bool(result.get("vetoed")),
            "incomplete": result.get("complete") is False,
            "vetoes": [scheme.veto(v) for v in _as_list(result.get("vetoes"))],
            "disagreements": _disagreements(result), "items": _items(scheme, result.get("items") or {}),
            "scores": {c["id"]: cats.get(c["id"]) for c in scheme.categories},
            "earned": result.get("earned_stars"), "history": _reasons(result.get("history")),
            "bars": [(str(c["title"]), _num(cats.get(c["id"])) or 0.0, c["points"]) for c in scheme.categories]}


def _stats(values: Sequence[float], maximum: float | None = None) -> str:
    if not values:
        return _("no data")
    ordered = sorted(values)
    n = len(ordered)
    median = ordered[n // 2] if n % 2 else (ordered[n // 2 - 1] + ordered[n // 2]) / 2
    mean = sum(ordered) / n
    text = _("mean {mean} · median {median} · lowest {low} · highest {high}").format(
        mean=fmt(mean), median=fmt(median), low=fmt(ordered[0]), high=fmt(ordered[-1]))
    if maximum:
        text += _(" · mean score ratio {ratio}").format(ratio=pct(mean / maximum))
    return text


# --------------------------------------------------------------------------- evaluate

def render_evaluation(doc: Mapping[str, Any]) -> str:
    """The ``civscore evaluate --format html`` page for an evaluation document."""
    results = [r for r in _as_list(doc.get("results")) if isinstance(r, Mapping)]
    errors = [e for e in _as_list(doc.get("errors")) if isinstance(e, Mapping)]
    scheme = _Scheme(doc, results)
    units = [_unit(scheme, r) for r in results]
    ranked = [u for u in units if not u["vetoed"]]
    vetoed = [u for u in units if u["vetoed"]]
    totals = [t for t in (_num(u["total"]) for u in units) if t is not None]
    provenance = doc.get("provenance")
    context = {
        "header": scheme.header(_("Assessment results"), [{"key": _("Units assessed"), "value": str(len(results))}]),
        "units": units, "ranked": ranked, "vetoed": vetoed, "errors": _errors(errors),
        "incomplete": [u for u in units if u["incomplete"]], "categories": scheme.categories,
        "mean": sum(totals) / len(totals) if totals else None, "best": max(totals) if totals else None,
        "by_group": bool(provenance.get("by_group")) if isinstance(provenance, Mapping) else False,
        "max_stars": scheme.max_stars, "floor": scheme.top_floor,
        "failures": [f for f in _as_list(doc.get("failures")) if f not in (None, "")],
        "disputed": [u for u in units if u["disagreements"]], "groups": _groups(units),
        "star_counts": _star_counts(ranked, scheme.max_stars),
    }
    context.update(_distribution(scheme, results, units, _star_counts(ranked, scheme.max_stars), len(vetoed), totals))
    data = {"scheme": scheme.scheme.get("id"), "version": scheme.scheme.get("version"),
            "units": len(results), "maxStars": scheme.max_stars}
    return _render("evaluation.html", context, title=_("{scheme} · results").format(scheme=scheme.title),
                   data=data, script="report.js")


def _errors(errors: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{"source": _text(e.get("source")), "where": _text(e.get("where")), "message": _text(e.get("message"))}
            for e in errors]


def _groups(units: Sequence[dict[str, Any]]) -> list[str | None]:
    """The group choices above the ranking (no group last); sets each unit's
    ``group`` (``None`` for none) and ``group_index``."""
    groups: list[str | None] = []
    for u in units:
        g = None if u["group"] in (None, "") else str(u["group"])
        u["group"] = g
        if g not in groups:
            groups.append(g)
    groups.sort(key=lambda g: (g is None, g or ""))
    index = {g: i for i, g in enumerate(groups)}
    for u in units:
        u["group_index"] = index[u["group"]]
    return groups


def _star_counts(ranked: Sequence[dict[str, Any]], max_stars: int) -> dict[int, int]:
    """How many ranked units have each number of stars, most stars first."""
    counts = {s: 0 for s in range(max_stars, -1, -1)}
    for u in ranked:
        counts[u["stars"]] = counts.get(u["stars"], 0) + 1
    return counts


def _distribution(scheme: _Scheme, results: Sequence[Mapping[str, Any]], units: Sequence[dict[str, Any]],
                  star_counts: Mapping[int, int], vetoed: int, totals: Sequence[float]) -> dict[str, Any]:
    """The star chart, the histogram of totals, one histogram per category and
    each unit's category bars."""
    bars = [(stars_text(s, scheme.max_stars), count, "zero" if s == 0 else "") for s, count in star_counts.items()]
    bars.append((_("Vetoed"), vetoed, "veto"))
    out: dict[str, Any] = {"star_chart": charts.star_chart(bars, _("Star levels: units at each level")),
                           "total_chart": None, "category_charts": []}
    if totals:
        full = scheme.full_marks or max(totals)
        out["total_chart"] = {"chart": charts.histogram(totals, max([full] + list(totals)), _("Distribution of totals")),
                              "stats": _stats(totals)}
    for c in scheme.categories:
        values = [v for v in (_num((r.get("categories") or {}).get(c["id"])) for r in results) if v is not None]
        label = _("{title}: distribution of scores (full marks {points})").format(title=c["title"], points=fmt(c["points"]))
        out["category_charts"].append({"category": c, "chart": charts.histogram(values, c["points"], label),
                                       "stats": _stats(values, c["points"])})
    for u in units:
        u["chart"] = charts.category_bars(u["bars"], _("{unit}: score by category").format(
            unit=u["name"] or u["id"] or ""), scheme.top_floor) if u["bars"] else None
    return out


# --------------------------------------------------------------------------- check

def _lost_value(entry: Mapping[str, Any]) -> float:
    """Points recoverable: ``lost`` as given, else max - points (for a penalty, the points)."""
    lost = _num(entry.get("lost"))
    if lost is not None:
        return lost
    points, maximum = _num(entry.get("points")) or 0.0, _num(entry.get("max")) or 0.0
    return points if entry.get("kind") == "penalty" else max(0.0, maximum - points)


def _na(scheme: _Scheme, na: Any) -> dict[str, Any] | None:
    """What does not apply to the unit (SPEC §7.1), for the check page; None for a scheme without na items."""
    if not isinstance(na, Mapping):
        return None
    items = [{"id": str(i), "title": scheme.item_title(str(i))} for i in _as_list(na.get("items"))]
    return {"entries": items, "points": na.get("points"), "nothing_applies": bool(na.get("nothing_applies"))}


def render_check(doc: Mapping[str, Any]) -> str:
    """The ``civscore check --format html`` page: one unit's self-check."""
    result = doc.get("result") or {}
    if not isinstance(result, Mapping):
        result = {}
    scheme = _Scheme(doc, [result])
    unit = _unit(scheme, result)
    next_level = doc.get("next_level") if isinstance(doc.get("next_level"), Mapping) else None
    target_met = doc.get("target_met")
    floor = _check_floor(scheme, next_level)
    unit["chart"] = charts.category_bars(unit["bars"], _("Score by category"), floor) if unit["bars"] else None
    missing = [str(m) for m in _as_list(doc.get("missing"))]
    context = {
        "header": scheme.header(_("Unit self-check report"), [{"key": _("Unit"), "unit": unit}]),
        "unit": unit, "max_stars": scheme.max_stars, "full_marks": scheme.full_marks,
        "next_level": _next_level(next_level), "target": doc.get("target"), "target_met": target_met,
        "target_level": _target_level(doc.get("target_level")),
        "lost": _lost(scheme, doc.get("lost")),
        "missing": [{"id": m, "title": scheme.item_title(m), "veto": m in scheme.vetoes or m.startswith("veto.")}
                    for m in missing],
        "invalid_vetoes": [scheme.veto(v) for v in _as_list(doc.get("invalid_vetoes"))],
        "na": _na(scheme, doc.get("na")),
        "warnings": [str(w) for w in _as_list(doc.get("warnings"))],
        "relative": _relative(doc.get("relative"), result),
    }
    title = _("{unit} · {scheme} · self-check").format(unit=unit["name"] or unit["id"] or "", scheme=scheme.title)
    return _render("check.html", context, title=title)


def _relative(rel: Any, result: Mapping[str, Any]) -> dict[str, Any] | None:
    """A rating by rank (``RatingMethod.relative``): the levels the unit qualifies for, and
    whether it was rated alone (its stars then left to the rank among the units rated)."""
    if not isinstance(rel, Mapping):
        return None
    return {"method": rel.get("method"), "qualifies_for": rel.get("qualifies_for"), "ranked": rel.get("ranked"),
            "alone": result.get("stars") is None and not result.get("vetoed")}


def _check_floor(scheme: _Scheme, next_level: Mapping[str, Any] | None) -> float | None:
    """The category floor the next star level asks for, drawn on the bars."""
    if not next_level:
        return None
    floor = _num(next_level.get("min_category_ratio"))
    if floor is None:
        below = [c for c in _as_list(next_level.get("categories_below")) if isinstance(c, Mapping)]
        ratios = [x for x in (_num(c.get("min_ratio")) for c in below) if x is not None]
        floor = max(ratios) if ratios else None
    if floor is None:
        for lv in scheme.levels:
            if _num(lv.get("stars")) == _num(next_level.get("stars")):
                floor = _num(lv.get("min_category_ratio"))
    return floor


def _next_level(next_level: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not next_level:
        return None
    below = [c for c in _as_list(next_level.get("categories_below")) if isinstance(c, Mapping)]
    return {"stars": int(_num(next_level.get("stars")) or 0), "min_score": next_level.get("min_score"),
            "points_needed": _num(next_level.get("points_needed")) or 0.0,
            "below": [{"id": c.get("id"), "title": c.get("title") or c.get("id"), "ratio": _num(c.get("ratio")),
                       "min_ratio": _num(c.get("min_ratio")), "points_needed": c.get("points_needed")}
                      for c in below],
            "obstacles": _obstacles(next_level)}


def _obstacles(level: Mapping[str, Any]) -> list[str]:
    """SPEC §7.3's gates and caps between the unit and a level, in plain words."""
    out = []
    for key, say in (("gates", gate_text), ("caps", cap_text)):
        for entry in _as_list(level.get(key)):
            try:
                out.append(say(dict(entry)))
            except (KeyError, TypeError, ValueError):   # a hand-made document: show what can be shown
                continue
    if level.get("note"):   # e.g. a rating by rank: the level also needs a rank in the top share
        out.append(str(level["note"]))
    return out


def _target_level(level: Any) -> str | None:
    """What the ``--target`` level needs beyond the next star, in plain words (SPEC §7.3)."""
    if not isinstance(level, Mapping):
        return None
    try:
        return _("Target {stars} ★ needs: ").format(stars=level.get("stars")) + needs_text(dict(level))
    except (KeyError, TypeError, ValueError):
        return None


def _lost(scheme: _Scheme, entries: Any) -> dict[str, Any]:
    """The rectification list: lost points, the most recoverable first."""
    lost = [x for x in _as_list(entries) if isinstance(x, Mapping)]
    lost.sort(key=lambda x: -_lost_value(x))  # stable: keeps the engine's order among equals
    rows = []
    for x in lost:
        item_id = str(x.get("id"))
        kind = str(x.get("kind") or scheme.item_kind(item_id))
        hint = x.get("hint")
        if hint is None:
            hint = (scheme.items.get(item_id) or {}).get("hint")
        rows.append({"id": x.get("id"), "title": x.get("title") or scheme.item_title(item_id),
                     "kind_label": _kind_label(kind), "lost": _lost_value(x),
                     "points": _signed_points(kind, x.get("points")), "max": x.get("max"),
                     "status": _status(x.get("status")), "reasons": _reasons(x.get("reasons")), "hint": hint})
    return {"rows": rows, "total": sum(r["lost"] for r in rows)}


# --------------------------------------------------------------------------- explain

def render_explain(title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], levels: str) -> str:
    """``civscore explain --format html``: the rubric's rows (ids indented by
    two spaces per level) as one table."""
    table = [[{"text": cell.strip() if i == 0 else cell, "indent": (len(cell) - len(cell.lstrip())) * 0.6}
              for i, cell in enumerate(row)] for row in rows]
    return _environment().get_template("explain.html").render(
        title=title, headers=list(headers), rows=table, levels=levels, html_lang=_html_lang())


# --------------------------------------------------------------------------- history

def render_history(doc: Mapping[str, Any]) -> str:
    """``civscore history -f html``: each unit's periods, with a small chart of its stars over them."""
    periods = [str(p.get("period")) for p in _as_list(doc.get("periods")) if isinstance(p, Mapping)]
    units = [u for u in _as_list(doc.get("units")) if isinstance(u, Mapping)]
    levels = [lv for run in _as_list(doc.get("runs")) if isinstance(run, Mapping) for lv in _as_list(run.get("levels"))
              if isinstance(lv, Mapping)]
    max_stars = max([int(_num(lv.get("stars")) or 0) for lv in levels] + [1])
    shown = []
    for u in units[:HISTORY_UNITS_SHOWN]:
        records = [r for r in _as_list(u.get("records")) if isinstance(r, Mapping)]
        label = _("{name}: stars by period").format(name=u.get("name") or u.get("id"))
        shown.append({"id": u.get("id"), "name": u.get("name"), "records": records,
                      "chart": charts.stars_over_periods(periods, records, max_stars, label)})
    hist = doc.get("history") or {}
    header = {"title": _("History of ratings"), "heading": _("Every assessment of scheme %(scheme)s") % {"scheme": hist.get("scheme")},
              "id": hist.get("scheme"), "version": None, "sha256": None, "civscore": None, "plugins": [],
              "extra": [{"key": _("Period"), "value": _(", ").join(periods) or "—"}]}
    context = {"header": header, "periods": periods, "units": shown, "unit_count": len(units), "shown": len(shown),
               "max_stars": max_stars}
    return _render("history.html", context, title=_("{scheme} · history of ratings").format(scheme=hist.get("scheme")))


# --------------------------------------------------------------------------- the page

def _environment() -> "jinja2.Environment":
    """The one Jinja2 environment, built on first use."""
    global _env
    if _env is None:
        import jinja2  # only HTML output needs it

        env = jinja2.Environment(loader=jinja2.PackageLoader("civscore.reports", "templates"),
                                 autoescape=True, trim_blocks=True, lstrip_blocks=True,
                                 keep_trailing_newline=True, undefined=jinja2.StrictUndefined,
                                 finalize=lambda value: "" if value is None else value,
                                 extensions=["jinja2.ext.i18n"])
        env.install_gettext_callables(gettext=_, ngettext=ngettext, newstyle=True)  # type: ignore[attr-defined]
        env.filters.update(fmt=fmt, f2=fixed2, pct=pct, dv=_dv, stars=stars_text, f1=lambda x: f"{x:.1f}",
                           g=lambda x: f"{x:g}")
        _env = env
    return _env


def _html_lang() -> str:
    """The page's ``lang`` attribute: the language its text is in."""
    return current_language().replace("_", "-")


def _static(name: str) -> str:
    return resources.files("civscore.reports").joinpath("static").joinpath(name).read_text(encoding="utf-8")


def _csp(script: str | None) -> str:
    script_src = "'none'"
    if script is not None:
        digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
        script_src = f"'sha256-{digest}'"
    return ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
            f"script-src {script_src}; base-uri 'none'; form-action 'none'")


def _render(template: str, context: dict[str, Any], *, title: str, data: Any = None,
            script: str | None = None) -> str:
    """One page: ``template`` filled from ``context``, with the stylesheet and
    ``script`` (a file in ``static/``) inlined and the CSP allowing exactly
    that script text."""
    env = _environment()
    code = "\n" + _static(script) if script else None  # the exact text between <script> and </script>
    return env.get_template(template).render(
        context, title=title, html_lang=_html_lang(), css="\n" + _static("report.css"), csp=_csp(code), script=code,
        data=None if data is None else json_for_script(data))


class HtmlWriter(Writer):
    name = "html"
    description = "one self-contained HTML page with charts (no network needed)"

    def evaluation(self, ev) -> str:
        return render_evaluation(evaluation_doc(ev, getattr(ev, "by_group", False)))

    def check(self, doc) -> str:
        return render_check(doc)
