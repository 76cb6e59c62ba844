"""The results of the ``json`` and ``jsonl`` reports rendered column by column (issue 15).

Each unit's result is one line of JSON text, the bytes of
``json.dumps(result_doc(ev, i), ensure_ascii=False, allow_nan=False)``, but
made without a dict per unit and an item dict per leaf: every column of a
chunk of units is encoded once into JSON fragments (a figure column's
distinct floats through ``json.dumps``; an item's distinct (points, status,
reasons) triples once each, reason lists shared between units recognised by
identity and equal ones by value), and each line is the join of its
fragments. A unit this cannot render (one scored by several assessors, whose
result has extension keys; a unit type of a plugin's) gets ``result_doc``'s
line; an evaluation whose columns are not NumPy arrays gets it for every unit.
``tests/test_jsonl.py`` compares both renderings byte for byte.
"""
from __future__ import annotations

import json
import math
from itertools import repeat
from json.encoder import encode_basestring
from operator import itemgetter
from typing import TYPE_CHECKING, Any, Callable, Iterator

from ..assessors import unit_extension
from ..contracts.scoring import STATUSES
from ..contracts.units import Unit
from ..engine import NA, Evaluation, round2_array

if TYPE_CHECKING:
    import numpy as np
else:
    from ..contracts import _np as np

#: units rendered at a time (their lines are held together, then written)
UNITS_PER_CHUNK = 2000


def dumps(value: Any) -> str:
    """One value as the JSON writers write a result: ``json.dumps(value, ensure_ascii=False, allow_nan=False)``."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def result_lines(ev: Any, result_doc: Callable[[Any, int], dict], units_per_chunk: int = 0) -> Iterator[list[str]]:
    """Every unit's result as one line of JSON text (no newline), in listing
    order, a list of lines per chunk of ``units_per_chunk`` units (default :data:`UNITS_PER_CHUNK`)."""
    units_per_chunk = units_per_chunk or UNITS_PER_CHUNK
    order = list(ev.order)
    if not columnar(ev):
        for start in range(0, len(order), units_per_chunk):
            yield [dumps(result_doc(ev, i)) for i in order[start:start + units_per_chunk]]
        return
    render = _Renderer(ev)
    for start in range(0, len(order), units_per_chunk):
        positions = order[start:start + units_per_chunk]
        lines = render.chunk(positions)
        for j, i in enumerate(positions):
            unit = ev.units[i]
            if type(unit) is not Unit or (unit.extra and unit_extension(unit)):
                lines[j] = dumps(result_doc(ev, i))   # extension keys, or a plugin's unit: as result_doc makes it
        yield lines


def columnar(ev: Any) -> bool:
    """Whether the evaluation's figures are the NumPy columns the renderer reads (a plugin's
    subclass of Evaluation, or pure-Python arrays, get result_doc's lines)."""
    if type(ev) is not Evaluation:
        return False
    figures: list[Any] = [ev.total, ev.base, ev.bonus, ev.penalty, *ev.categories.values()]
    if ev.scheme.has_na:
        figures.append(ev.na_points)
    if ev.history is not None and ev.cycle_total is not None:
        figures.append(ev.cycle_total)
    ndarray = getattr(np, "ndarray", None)   # none inside python_arrays(): check's pure-Python arrays
    if ndarray is None or not isinstance(ev.total, ndarray) or ev.total.dtype != np.float64:   # a result takes its total as it is
        return False
    for leaf in ev.scheme.items:
        if ev.keep_reasons and leaf.id not in ev.reasons:
            return False
        status = ev.status.get(leaf.id)
        if not isinstance(status, ndarray) or status.dtype.kind not in "ui" or (len(status) and int(status.max()) > NA):
            return False
        figures.append(ev.points.get(leaf.id))
    return all(isinstance(f, ndarray) and f.dtype.kind in "fiub" and len(f) == ev.n for f in figures)


def _strings(values: list) -> list[str]:
    """JSON text of each value (``str`` through json's own string encoder)."""
    return [encode_basestring(v) if type(v) is str else "null" if v is None else dumps(v) for v in values]


def _ints(values: list) -> list[str]:
    return [int.__repr__(v) if type(v) is int else "null" if v is None else dumps(v) for v in values]


class _Renderer:
    """What stays the same from chunk to chunk: the fragments of item keys and
    statuses, the text of every float written so far."""

    def __init__(self, ev: Evaluation):
        self.ev = ev
        scheme = ev.scheme
        self.labelled = bool(scheme.labels)
        self.texts: dict[int, str] = {}        # a float's bits → its JSON text
        self.items = [(leaf, encode_basestring(leaf.id) if type(leaf.id) is str else dumps(leaf.id), dumps(leaf.points))
                      for leaf in scheme.items]
        self.statuses = [encode_basestring(s) for s in STATUSES]

    def list_text(self, value: Any) -> str:
        """``json.dumps(list(value or []))``: a list of strings through json's own string encoder."""
        if type(value) is list:
            if not value:
                return "[]"
            try:
                return "[" + ", ".join(map(encode_basestring, value)) + "]"
            except TypeError:   # not strings: json says what it makes of them
                pass
        return dumps(list(value or []))

    def floats(self, column: Any, before: str = "") -> list[str]:
        """A float column's JSON text, each distinct float (by its bits: 0.0 is not -0.0) written once."""
        figures = np.ascontiguousarray(column, dtype=np.float64)
        keys, index = np.unique(figures.view(np.int64), return_inverse=True)
        words = [before + text for text in self.float_texts(keys)]
        return list(map(words.__getitem__, index.reshape(-1).tolist()))

    def float_texts(self, bits: Any) -> list[str]:
        """The JSON text of floats given by their bits, each made once a run (``float.__repr__``, as json writes a
        finite float; json itself says what it makes of the others)."""
        cache = self.texts
        out = []
        for b, v in zip(bits.tolist(), bits.view(np.float64).tolist()):
            text = cache.get(b)
            if text is None:
                text = cache[b] = float.__repr__(v) if math.isfinite(v) else dumps(v)
            out.append(text)
        return out

    def chunk(self, positions: list[int]) -> list[str]:
        ev = self.ev
        order = np.asarray(positions, dtype=np.intp)
        units = [ev.units[i] for i in positions]
        rank, stars, vetoes = ev.rank, ev.stars, ev.vetoes
        parts: list[Any] = [
            repeat('{"unit": {"id": '), _strings([u.id for u in units]),
            repeat(', "name": '), _strings([u.name for u in units]),
            repeat(', "group": '), _strings([u.group for u in units]),
            repeat(', "region": '), _strings([u.region for u in units]),
            repeat(', "period": '), _strings([u.period for u in units]),
            repeat('}, "source": '), _strings([u.source for u in units]),
            repeat(', "rank": '), _ints([rank[i] for i in positions]),
            repeat(', "stars": '), _ints([stars[i] for i in positions]),
        ]
        if self.labelled:
            parts += [repeat(', "label": '), _strings([ev.label(i) for i in positions])]

        def rounded(column: Any, before: str) -> list[str]:
            return self.floats(round2_array(np.asarray(column, dtype=float)[order]), before)
        parts += [
            self.floats(np.asarray(ev.total)[order], ', "total": '), rounded(ev.base, ', "base": '),
            rounded(ev.bonus, ', "bonus": '), rounded(ev.penalty, ', "penalty": '),
            [', "vetoed": true, "vetoes": ' if vetoes[i] else ', "vetoed": false, "vetoes": ' for i in positions],
            [self.list_text(vetoes[i]) for i in positions],
            [', "complete": true, "categories": {' if c else ', "complete": false, "categories": {'
             for c in np.asarray(ev.complete, dtype=bool)[order].tolist()],
        ]
        for k, (cid, column) in enumerate(ev.categories.items()):
            parts.append(rounded(column, ("" if k == 0 else ", ") + encode_basestring(cid) + ": "))
        parts.append(repeat("}"))
        if ev.scheme.has_na:
            parts.append(rounded(ev.na_points, ', "na_points": '))
        if ev.history is not None:
            parts += [repeat(', "earned_stars": '), _ints([ev.earned_stars[i] for i in positions])]
            if ev.cycle_total is not None:
                parts.append(self.floats(np.asarray(ev.cycle_total, dtype=float)[order], ', "cycle_total": '))
            reasons = ev.history_reasons
            parts += [repeat(', "history": '), [self.list_text(reasons.get(i, ())) for i in positions]]
        rows = [u.row for u in units]
        parts.append([', "row": ' + text if row is not None else "" for row, text in zip(rows, _ints(rows))])
        parts.append(repeat(', "items": {'))
        for k, (leaf, key, full) in enumerate(self.items):
            parts.append(self.item_texts(leaf, ("" if k == 0 else ", ") + key + ": ", full, order, positions))
        parts.append(repeat("}}"))
        return list(map("".join, zip(*parts)))

    def item_texts(self, leaf: Any, before: str, full: str, order: Any, positions: list[int]) -> list[str]:
        """One leaf's item in every unit's result, each distinct (points, status, reasons) written once."""
        ev = self.ev
        m = len(positions)
        codes = np.asarray(ev.status[leaf.id])[order].astype(np.int64)
        points = np.ascontiguousarray(round2_array(np.asarray(ev.points[leaf.id], dtype=float)[order]))
        point_keys, point_index = np.unique(points.view(np.int64), return_inverse=True)
        point_texts = self.float_texts(point_keys)
        column = ev.reasons.get(leaf.id) if ev.keep_reasons else None
        if column is None:
            lists: list[Any] = [None]
            list_index = np.zeros(m, dtype=np.int64)
        else:
            cells = list(itemgetter(*positions)(column)) if m > 1 else [column[i] for i in positions]
            ids = np.fromiter(map(id, cells), dtype=np.uint64, count=m)
            _ids, first, list_index = np.unique(ids, return_index=True, return_inverse=True)
            lists = [cells[j] for j in first.tolist()]
        n_lists = len(lists)
        point_index = point_index.reshape(-1)
        list_index = list_index.reshape(-1)
        if n_lists == m:   # every unit its own reason list: one item text each
            index: Any = None
        else:
            key = (point_index.astype(np.int64) * (NA + 1) + codes) * n_lists + list_index
            _keys, first, index = np.unique(key, return_index=True, return_inverse=True)
            point_index, codes, list_index = point_index[first], codes[first], list_index[first]
        head = before + '{"points": '
        na_text = head + '0.0, "max": ' + full + ', "status": "na"}'
        middles = [', "max": ' + full + ', "status": ' + status + ', "reasons": ' for status in self.statuses]
        list_text = self.list_text
        words = [na_text if code == NA else f"{head}{point_texts[p]}{middles[code]}{list_text(lists[li])}}}"
                 for p, code, li in zip(point_index.tolist(), codes.tolist(), list_index.tolist())]
        if index is None:
            return words
        return list(map(words.__getitem__, index.reshape(-1).tolist()))
