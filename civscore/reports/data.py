"""``json`` and ``csv``: reports for programs and spreadsheets. Output is
deterministic: the same inputs give byte-identical files."""
from __future__ import annotations

import csv
import io
import json
from typing import Any, NamedTuple

from ..contracts.i18n import N_
from ..contracts.writers import Writer
from ..engine import NA, round2_array
from . import csv_columns, evaluation_doc, formula_safe, json_columns, result_doc


def dumps(doc) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


#: result lines written at a time (a piece of about a megabyte: big pieces cost the system time to map them)
LINES_PER_PIECE = 250


def _result_pieces(ev):
    """Every unit's result line (no newline), in listing order, in pieces of at most
    :data:`LINES_PER_PIECE` lines: what the ``json`` and ``jsonl`` writers write at a time."""
    for lines in json_columns.result_lines(ev, result_doc):
        for start in range(0, len(lines), LINES_PER_PIECE):
            yield lines[start:start + LINES_PER_PIECE]


class JsonWriter(Writer):
    name = "json"
    description = "SPEC §5's JSON document"

    def evaluation(self, ev) -> str:
        return "".join(self.evaluation_chunks(ev))

    def evaluation_chunks(self, ev):
        """The document indented like ``dumps``, except that each result is one
        line of its own (rendered column by column, :mod:`.json_columns`, many
        times faster than indenting), streamed in pieces: a big run never holds
        every result at once."""
        marker = "\x00results\x00"
        by_group = getattr(ev, "by_group", False)
        if not ev.order:
            yield dumps(evaluation_doc(ev, by_group))
            return
        head, tail = dumps(evaluation_doc(ev, by_group, results=[marker])).split(
            "    " + json.dumps(marker) + "\n", 1)
        yield head
        before = "    "
        for piece in _result_pieces(ev):
            yield before + ",\n    ".join(piece)
            before = ",\n    "
        yield "\n" + tail

    def check(self, doc) -> str:
        return dumps(doc)


class JsonlWriter(Writer):
    name = "jsonl"
    description = N_("JSON Lines: one unit's result a line, as in the json document's results")

    def evaluation(self, ev) -> str:
        return "".join(self.evaluation_chunks(ev))

    def evaluation_chunks(self, ev):
        """Each unit's result (the line the ``json`` document has for it) and a newline, in
        listing order; nothing else: every line has one shape (provenance stays in ``json``)."""
        for piece in _result_pieces(ev):
            yield "\n".join(piece) + "\n"

    def check(self, doc) -> str:
        """The checked unit's result as one line, the shape of ``evaluate``'s lines."""
        return json_columns.dumps(doc["result"]) + "\n"


def _csv(rows) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerows(rows)
    return buf.getvalue()


ROWS_PER_CHUNK = 20000
#: from this many units the CSV report is rendered by pyarrow, column by column (the same bytes)
ARROW_MIN_UNITS = 20000
ARROW_ROWS_PER_CHUNK = 100000


class _Cents(dict):
    """Whole cents → "12.34", each distinct figure formatted once."""

    def __missing__(self, cents: int) -> str:
        text = self[cents] = csv_columns.cents_text(cents)
        return text


class Col(NamedTuple):
    """One column of the per-unit table for one chunk of units, before it is text.

    ``kind``: ``rank`` (int64, -1 for none), ``int`` (int64), ``money`` (floats
    shown with two decimals; ``na`` marks cells shown as ``na``), ``bool``
    (``true``/``false``), ``text`` (a list of str, guarded against formulas),
    ``where`` (sources and rows, -1 for none: ``file:row`` text, guarded),
    ``plain`` (a list of str the scheme wrote: item ids)."""
    kind: str
    values: Any
    na: Any = None


def evaluation_header(ev, item_columns: bool = True) -> list[str]:
    scheme = ev.scheme
    hist = ev.history is not None
    cycle = hist and ev.cycle_total is not None
    extra = (["earned_stars"] + (["cycle_total"] if cycle else []) + ["history"]) if hist else []
    return ["rank", "stars"] + (["label"] if scheme.labels else []) + [
        "unit.id", "unit.name", "unit.group", "unit.region", "unit.period", "total", "base", "bonus", "penalty"] \
        + (["na_points"] if scheme.has_na else []) + [
        "vetoed", "vetoes", "complete", "source"] + extra + [c.id for c in scheme.categories] \
        + ([leaf.id for leaf in scheme.items] if item_columns else [])


def evaluation_column_chunks(ev, item_columns: bool = True, rows_per_chunk: int = ROWS_PER_CHUNK):
    """The per-unit table in rank order, a chunk of units at a time, as
    :class:`Col` columns (bounded memory for big runs). Columns come from the
    evaluation's arrays; only the unit's own text is read unit by unit."""
    import numpy as np  # lazily: heavy, and check never needs it here

    scheme = ev.scheme
    item_leaves = list(scheme.items) if item_columns else []
    has_na = scheme.has_na   # SPEC §7.1: an na_points column, and "na" in an na item's cell; v1 schemes as before
    labelled = bool(scheme.labels)     # SPEC §7.3: a "label" column only when levels have labels
    everything = np.asarray(ev.order, dtype=np.intp)
    rank = np.array([-1 if r is None else r for r in ev.rank], dtype=np.int64)
    stars = np.asarray(ev.stars, dtype=np.int64)
    complete = np.asarray(ev.complete)
    vetoed = np.array([bool(v) for v in ev.vetoes], dtype=bool)
    for start in range(0, len(everything), rows_per_chunk):
        order = everything[start:start + rows_per_chunk]
        positions = order.tolist()
        units = [ev.units[i] for i in positions]
        vetoes = ev.vetoes

        def money(column, order=order) -> Col:
            return Col("money", round2_array(np.asarray(column)[order]))
        yield [Col("rank", rank[order]), Col("int", stars[order])] \
            + ([Col("text", [ev.label(i) or "" for i in positions])] if labelled else []) + [
            Col("text", [u.id for u in units]), Col("text", [u.name for u in units]), Col("text", [u.group or "" for u in units]),
            Col("text", [u.region or "" for u in units]), Col("text", [u.period or "" for u in units]),
            money(ev.total), money(ev.base), money(ev.bonus), money(ev.penalty),
        ] + ([money(ev.na_points)] if has_na else []) + [
            Col("bool", vetoed[order]), Col("plain", [";".join(vetoes[i]) for i in positions]),
            Col("bool", complete[order]),
            Col("where", ([u.source for u in units], np.array([-1 if u.row is None else u.row for u in units], dtype=np.int64))),
        ] + (history_columns(ev, order, positions, money) if ev.history is not None else []) \
            + [money(ev.categories[c.id]) for c in scheme.categories] \
            + [money(ev.points[leaf.id])._replace(na=(ev.status[leaf.id][order] == NA) if leaf.na else None)
               for leaf in item_leaves]


def history_columns(ev, order, positions, money) -> list[Col]:
    """SPEC §8's columns of one chunk: earned_stars, cycle_total (with weights), history."""
    import numpy as np
    cols = [Col("int", np.asarray(ev.earned_stars, dtype=np.int64)[order])]
    if ev.cycle_total is not None:
        cols.append(money(ev.cycle_total))
    reasons = ev.history_reasons
    cols.append(Col("text", ["; ".join(reasons[i]) if i in reasons else "" for i in positions]))
    return cols


def _python_cells(col: Col, cents: _Cents) -> list:
    """A column as the cells csv.writer is given."""
    if col.kind == "rank":
        return ["" if r < 0 else r for r in col.values.tolist()]
    if col.kind == "int":
        return col.values.tolist()
    if col.kind == "bool":
        return ["true" if v else "false" for v in col.values.tolist()]
    if col.kind == "text":
        return [formula_safe(v) for v in col.values]
    if col.kind == "plain":
        return col.values
    if col.kind == "where":
        return [formula_safe(s if r < 0 else f"{s}:{r}") for s, r in zip(col.values[0], col.values[1].tolist())]
    cells = list(map(cents.__getitem__, csv_columns.whole_cents(col.values).tolist()))
    if col.na is not None:
        for j in col.na.nonzero()[0].tolist():
            cells[j] = "na"
    return cells


def evaluation_row_chunks(ev, item_columns: bool = True):
    """The per-unit table as rows for csv.writer: first the header, then
    lists of rows, a chunk at a time."""
    yield evaluation_header(ev, item_columns)
    cents = _Cents()
    for cols in evaluation_column_chunks(ev, item_columns):
        yield list(zip(*[_python_cells(c, cents) for c in cols]))


class CsvWriter(Writer):
    name = "csv"
    description = "one row a unit: rank, stars, totals, category and item points"
    needs_reasons = False

    def evaluation(self, ev) -> str:
        return "".join(self.evaluation_chunks(ev))

    def evaluation_chunks(self, ev):
        if ev.n >= ARROW_MIN_UNITS and csv_columns.available():
            chunks = evaluation_column_chunks(ev, rows_per_chunk=ARROW_ROWS_PER_CHUNK)
            yield from csv_columns.evaluation_chunks(ev, evaluation_header(ev), chunks)
            return
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
        return _csv([[formula_safe(c) for c in row] for row in rows])
