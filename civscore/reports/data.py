"""``json`` and ``csv``: reports for programs and spreadsheets. Output is
deterministic: the same inputs give byte-identical files."""
from __future__ import annotations

import csv
import io
import json

from . import Writer, evaluation_doc


def dumps(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


class JsonWriter(Writer):
    name = "json"
    description = "SPEC §5's JSON document"

    def evaluation(self, ev) -> str:
        return dumps(evaluation_doc(ev, getattr(ev, "by_group", False)))

    def check(self, doc) -> str:
        return dumps(doc)


def _csv(rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


def _safe(value):
    """Cells a spreadsheet would run as a formula are quoted (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def evaluation_rows(ev, item_columns: bool = True):
    """Header and rows of the per-unit table shared by ``csv`` and ``xlsx``."""
    scheme = ev.scheme
    cats = [c.id for c in scheme.categories]
    items = [leaf.id for leaf in scheme.items] if item_columns else []
    header = ["rank", "stars", "unit.id", "unit.name", "unit.group", "unit.region", "unit.period", "total",
              "base", "bonus", "penalty", "vetoed", "vetoes", "complete", "source"] + cats + items
    yield header
    from ..engine import round2
    for i in ev.order:
        u = ev.units[i]
        yield ([ev.rank[i] if ev.rank[i] is not None else "", ev.stars[i], u.id, u.name, u.group or "",
                u.region or "", u.period or "", f"{ev.total[i]:.2f}", f"{ev.base[i]:.2f}", f"{ev.bonus[i]:.2f}",
                f"{ev.penalty[i]:.2f}", "true" if ev.vetoes[i] else "false", ";".join(ev.vetoes[i]),
                "true" if ev.complete[i] else "false", u.where]
               + [f"{ev.categories[c][i]:.2f}" for c in cats]
               + [f"{round2(ev.points[k][i]):.2f}" for k in items])


class CsvWriter(Writer):
    name = "csv"
    description = "one row a unit: rank, stars, totals, category and item points"
    needs_reasons = False

    def evaluation(self, ev) -> str:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        for row in evaluation_rows(ev):
            writer.writerow([_safe(c) for c in row])
        return buf.getvalue()

    def check(self, doc) -> str:
        titles = {it["id"]: it for it in doc["criteria"]["items"]}
        rows = [["item", "title", "kind", "points", "max", "status", "reasons", "hint"]]
        for item_id, item in doc["result"]["items"].items():
            meta = titles[item_id]
            rows.append([item_id, meta["title"], meta["kind"], f"{item['points']:.2f}", item["max"], item["status"],
                         "; ".join(item["reasons"]), meta.get("hint") or ""])
        return _csv([[_safe(c) for c in row] for row in rows])
