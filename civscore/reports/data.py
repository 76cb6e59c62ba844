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


ROWS_PER_CHUNK = 20000


def evaluation_rows(ev, item_columns: bool = True):
    """Header and rows of the per-unit table shared by ``csv`` and ``xlsx``.

    Built column by column (NumPy formatting of whole columns), then zipped
    into rows: a million units cost seconds, not minutes."""
    import numpy as np

    from ..engine import round2_array
    scheme = ev.scheme
    cats = [c.id for c in scheme.categories]
    items = [leaf.id for leaf in scheme.items] if item_columns else []
    header = ["rank", "stars", "unit.id", "unit.name", "unit.group", "unit.region", "unit.period", "total",
              "base", "bonus", "penalty", "vetoed", "vetoes", "complete", "source"] + cats + items
    yield header
    everything = np.asarray(ev.order, dtype=np.intp)
    for start in range(0, len(everything), ROWS_PER_CHUNK):   # bounded memory for big runs
        order = everything[start:start + ROWS_PER_CHUNK]
        positions = order.tolist()
        units = [ev.units[i] for i in positions]

        def money(column) -> list[str]:
            return ["%.2f" % x for x in round2_array(np.asarray(column)[order]).tolist()]
        columns = [
            ["" if ev.rank[i] is None else ev.rank[i] for i in positions],
            [ev.stars[i] for i in positions],
            [u.id for u in units], [u.name for u in units], [u.group or "" for u in units],
            [u.region or "" for u in units], [u.period or "" for u in units],
            money(ev.total), money(ev.base), money(ev.bonus), money(ev.penalty),
            ["true" if ev.vetoes[i] else "false" for i in positions],
            [";".join(ev.vetoes[i]) for i in positions],
            ["true" if c else "false" for c in np.asarray(ev.complete)[order].tolist()],
            [u.where for u in units],
        ] + [money(ev.categories[c]) for c in cats] + [money(ev.points[k]) for k in items]
        yield from map(list, zip(*columns))


class CsvWriter(Writer):
    name = "csv"
    description = "one row a unit: rank, stars, totals, category and item points"
    needs_reasons = False

    def evaluation(self, ev) -> str:
        return "".join(self.evaluation_chunks(ev))

    def evaluation_chunks(self, ev):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        rows = evaluation_rows(ev)
        writer.writerow(next(rows))
        for n, row in enumerate(rows, start=1):
            row[2:7] = [_safe(c) for c in row[2:7]]   # unit fields come from submissions
            writer.writerow(row)
            if n % 20000 == 0:
                yield buf.getvalue()
                buf.seek(0)
                buf.truncate()
        yield buf.getvalue()

    def check(self, doc) -> str:
        titles = {it["id"]: it for it in doc["criteria"]["items"]}
        rows = [["item", "title", "kind", "points", "max", "status", "reasons", "hint"]]
        for item_id, item in doc["result"]["items"].items():
            meta = titles[item_id]
            rows.append([item_id, meta["title"], meta["kind"], f"{item['points']:.2f}", item["max"], item["status"],
                         "; ".join(item["reasons"]), meta.get("hint") or ""])
        return _csv([[_safe(c) for c in row] for row in rows])
