"""The CSV report rendered column by column by pyarrow (issue 15).

:func:`evaluation_chunks` turns the :class:`~civscore.reports.data.Col`
columns of a chunk of units into CSV text without a Python object per cell:
figures are formatted from whole cents in Arrow kernels, text is guarded
against formulas and quoted where the csv module quotes, and one
element-wise join makes each row's line. The bytes are those of the csv
module's rendering (``tests/test_columnar.py`` compares both).
"""
from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from . import FORMULA_STARTS

if TYPE_CHECKING:
    import numpy as np
else:
    from ..contracts import _np as np


def _char_class(chars: Iterable[str]) -> str:
    """A regular expression (RE2, as Arrow's kernels read it) matching one of ``chars``."""
    special = {"\n": "\\n", "\r": "\\r", "\t": "\\t", "-": "\\-", "\\": "\\\\", "]": "\\]", "^": "\\^"}
    return "[" + "".join(special.get(c, c) for c in chars) + "]"


#: characters that make csv.writer (QUOTE_MINIMAL, lineterminator "\n") quote a cell, on this Python
_QUOTED = ",\"\n" + ("\r" if '"' in (lambda b: (csv.writer(b, lineterminator="\n").writerow(["a\rb"]), b.getvalue())[1])(io.StringIO())
                     else "")
_NEEDS_QUOTES = _char_class(_QUOTED)
_FORMULA = "^" + _char_class(FORMULA_STARTS)


def whole_cents(figures: Any) -> Any:
    """Figures (already rounded to two decimals) as whole cents, an int64 array."""
    return np.rint(figures * 100).astype(np.int64)


def cents_text(cents: int) -> str:
    """Whole cents as the report writes them: ``1234`` → ``"12.34"``."""
    return "%.2f" % (cents / 100)


def available() -> bool:
    try:
        import pyarrow  # noqa: F401  # lazily: heavy, and only big reports need it
    except ImportError:  # pragma: no cover - a dependency; the csv module renders every report too
        return False
    return True


def evaluation_chunks(ev: Any, header: list[str], chunks: Iterable[list]) -> Iterator[str]:
    """The CSV report's text: the header line, then a piece per chunk."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(header)
    yield buf.getvalue()
    for cols in chunks:
        yield _lines(cols)


def _lines(cols: list) -> str:
    import pyarrow as pa  # lazily: see available()
    import pyarrow.compute as pc
    if not cols:
        return ""
    cells = [_cells(pa, pc, col) for col in cols]
    cells[-1] = pc.binary_join_element_wise(cells[-1], pa.scalar("\n"), "")  # each row's newline
    lines = pc.binary_join_element_wise(*cells, ",") if len(cells) > 1 else cells[0]
    at = np.frombuffer(lines.buffers()[1], dtype=np.int32 if lines.type == pa.string() else np.int64)
    first, last = int(at[lines.offset]), int(at[lines.offset + len(lines)])
    return lines.buffers()[2][first:last].to_pybytes().decode("utf-8")


def _cells(pa: Any, pc: Any, col: Any) -> Any:
    kind = col.kind
    if kind in ("rank", "int"):
        ints = col.values
        if len(ints) and int(ints.max()) - int(ints.min()) >= SPAN:   # ranks of many units: cast in one kernel
            text = pc.cast(pa.array(ints), pa.string())
            return pc.if_else(pa.array(ints < 0), "", text) if kind == "rank" else text
        return _formatted(pa, pc, ints, (lambda r: "" if r < 0 else str(r)) if kind == "rank" else str)
    if kind == "bool":
        return pc.take(pa.array(["false", "true"]), pa.array(np.asarray(col.values, dtype=np.int8)))
    if kind == "where":   # a unit's file and row, as Unit.where writes them
        sources, rows = col.values
        text = _quoted(pa, pc, pa.array(sources, type=pa.string()), True)
        if (rows < 0).all():
            return text
        return pc.if_else(pa.array(rows < 0), text, pc.binary_join_element_wise(text, pc.cast(pa.array(rows), pa.string()), ":"))
    if kind in ("text", "plain"):
        return _quoted(pa, pc, pa.array(col.values, type=pa.string()), kind == "text")
    return _formatted(pa, pc, whole_cents(col.values), cents_text, col.na)


def _quoted(pa: Any, pc: Any, text: Any, guard: bool) -> Any:
    """Text as csv.writer writes it; ``guard``: a leading ``=`` (and the like) made harmless first."""
    if guard:
        text = pc.if_else(pc.match_substring_regex(text, _FORMULA), pc.binary_join_element_wise("'", text, ""), text)
    needs = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if not pc.any(needs).as_py():
        return text
    return pc.if_else(needs, pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', ""), text)


#: integer columns spanning fewer values than this are formatted once per value in the span
SPAN = 65536


def _formatted(pa: Any, pc: Any, ints: Any, fmt: Any, na: Any = None) -> Any:
    """Integers as text, each distinct value formatted once in Python and
    placed by one ``take``; ``na`` marks cells written ``na``."""
    lo, hi = int(ints.min()), int(ints.max())
    if hi - lo < SPAN:
        keys: Any = range(lo, hi + 1)
        index = ints - lo
    else:
        keys, index = np.unique(ints, return_inverse=True)
        keys = keys.tolist()
    words = [fmt(k) for k in keys]
    if na is not None and np.any(na):
        index = np.where(na, len(words), index)
        words.append("na")
    return pc.take(pa.array(words, type=pa.string()), pa.array(index))
