"""``json`` and ``csv``: reports for programs and spreadsheets. Output is
deterministic: the same inputs give byte-identical files."""
from __future__ import annotations

import csv
import io
import json

from ..contracts.writers import Writer
from ..engine import NA, round2_array
from . import evaluation_doc, result_doc


def dumps(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


class JsonWriter(Writer):
    name = "json"
    description = "SPEC §5's JSON document"

    def evaluation(self, ev) -> str:
        return "".join(self.evaluation_chunks(ev))

    def evaluation_chunks(self, ev):
        """The document indented like ``dumps``, except that each result is one
        line of its own (JSON's C encoder writes it, many times faster than
        indenting), streamed one by one: a big run never holds every result
        dict at once."""
        marker = "\x00results\x00"
        by_group = getattr(ev, "by_group", False)
        if not ev.order:
            yield dumps(evaluation_doc(ev, by_group))
            return
        head, tail = dumps(evaluation_doc(ev, by_group, results=[marker])).split(
            "    " + json.dumps(marker) + "\n", 1)
        yield head
        last = len(ev.order) - 1
        for n, i in enumerate(ev.order):
            text = json.dumps(result_doc(ev, i), ensure_ascii=False, allow_nan=False)
            yield "    " + text + (",\n" if n < last else "\n")
        yield tail

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
UNIT_COLUMNS = slice(2, 7)   # unit.id … unit.period: text that comes from submissions


class _Cents(dict):
    """Whole cents → "12.34", each distinct figure formatted once."""

    def __missing__(self, cents: int) -> str:
        text = "%.2f" % (cents / 100)
        self[cents] = text
        return text


def evaluation_row_chunks(ev, item_columns: bool = True):
    """The per-unit table shared by ``csv`` and ``xlsx``: first the header,
    then lists of rows, a chunk at a time (bounded memory for big runs).

    Built column by column with NumPy and zipped into rows: a million units
    cost seconds, not minutes."""
    import numpy as np  # lazily: heavy, and check never needs it here

    scheme = ev.scheme
    cats = [c.id for c in scheme.categories]
    item_leaves = list(scheme.items) if item_columns else []
    items = [leaf.id for leaf in item_leaves]
    has_na = scheme.has_na   # SPEC §7.1: an na_points column, and "na" in an na item's cell; v1 schemes as before
    hist = ev.history is not None
    cycle = hist and ev.cycle_total is not None
    extra = (["earned_stars"] + (["cycle_total"] if cycle else []) + ["history"]) if hist else []
    labelled = bool(scheme.labels)     # SPEC §7.3: a "label" column only when levels have labels
    yield ["rank", "stars"] + (["label"] if labelled else []) + [
        "unit.id", "unit.name", "unit.group", "unit.region", "unit.period", "total", "base", "bonus", "penalty"] \
        + (["na_points"] if has_na else []) + [
        "vetoed", "vetoes", "complete", "source"] + extra + cats + items
    everything = np.asarray(ev.order, dtype=np.intp)
    cents = _Cents()
    rank = np.array([-1 if r is None else r for r in ev.rank], dtype=np.int64)
    stars = np.asarray(ev.stars, dtype=np.int64)
    complete = np.asarray(ev.complete)
    for start in range(0, len(everything), ROWS_PER_CHUNK):
        order = everything[start:start + ROWS_PER_CHUNK]
        positions = order.tolist()
        units = [ev.units[i] for i in positions]

        def money(column, order=order) -> list[str]:
            whole = np.rint(round2_array(np.asarray(column)[order]) * 100).astype(np.int64)
            return list(map(cents.__getitem__, whole.tolist()))
        columns = [
            ["" if r < 0 else r for r in rank[order].tolist()],
            stars[order].tolist(),
        ] + ([[_safe(ev.label(i) or "") for i in positions]] if labelled else []) + [
            [_safe(u.id) for u in units], [_safe(u.name) for u in units], [_safe(u.group or "") for u in units],
            [_safe(u.region or "") for u in units], [_safe(u.period or "") for u in units],
            money(ev.total), money(ev.base), money(ev.bonus), money(ev.penalty),
        ] + ([money(ev.na_points)] if has_na else []) + [
            ["true" if ev.vetoes[i] else "false" for i in positions],
            [";".join(ev.vetoes[i]) for i in positions],
            ["true" if c else "false" for c in complete[order].tolist()],
            [_safe(u.where) for u in units],
        ] + (history_columns(ev, order, positions, money) if hist else []) \
            + [money(ev.categories[c]) for c in cats] + [_na_cells(ev, leaf, money, order) for leaf in item_leaves]
        yield list(zip(*columns))


def history_columns(ev, order, positions, money) -> list[list]:
    """SPEC §8's columns of one chunk: earned_stars, cycle_total (with weights), history."""
    import numpy as np
    cols = [np.asarray(ev.earned_stars, dtype=np.int64)[order].tolist()]
    if ev.cycle_total is not None:
        cols.append(money(ev.cycle_total))
    reasons = ev.history_reasons
    cols.append([_safe("; ".join(reasons[i])) if i in reasons else "" for i in positions])
    return cols


def _na_cells(ev, leaf, money, order) -> list[str]:
    """An item's column: its points, and ``na`` where the unit marked it not applicable (SPEC §7.1)."""
    cells = money(ev.points[leaf.id])
    if leaf.na:
        for j in (ev.status[leaf.id][order] == NA).nonzero()[0].tolist():
            cells[j] = "na"
    return cells


class CsvWriter(Writer):
    name = "csv"
    description = "one row a unit: rank, stars, totals, category and item points"
    needs_reasons = False

    def evaluation(self, ev) -> str:
        return "".join(self.evaluation_chunks(ev))

    def evaluation_chunks(self, ev):
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        chunks = evaluation_row_chunks(ev)
        writer.writerow(next(chunks))
        for rows in chunks:
            writer.writerows(rows)
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
                         "; ".join(item.get("reasons") or []), meta.get("hint") or ""])
        return _csv([[_safe(c) for c in row] for row in rows])
