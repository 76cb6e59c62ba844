"""CSV read column by column with pyarrow (issue 15): the columnar path.

A big, plain CSV file (no quote characters, one record a line, every row as
wide as its header) is parsed by pyarrow's multithreaded C++ reader into
string columns; cells are stripped once per *distinct* value (a dictionary
encoding), the unit columns are checked as whole columns, and the units come
out over a :class:`~civscore.contracts.units.Table` as the line-by-line
reader's do: same units, same values, same errors at the same rows.

Any file this path is not sure to read exactly as the csv module would
(quotes, blank lines, lone carriage returns, NUL bytes, ragged rows, over-long
cells or lines, a header with trailing empty cells, pyarrow not installed) is
left to the line-by-line reader: :func:`read_columnar` returns None and
nothing has been yielded. ``tests/test_columnar.py`` runs both paths over the
bad-input corpus and compares every unit and error.
"""
from __future__ import annotations

import csv
from itertools import repeat
from typing import TYPE_CHECKING, Any, Optional, cast

from ..contracts.errors import SubmissionError
from ..contracts.i18n import _
from ..contracts.limits import MAX_CSV_LINE_CHARS, MAX_ROW_CELLS
from ..contracts.units import UNIT_FIELDS, Item, RowView, Table, Unit, table_row_problem

if TYPE_CHECKING:
    import numpy as np
else:
    from .. import _np as np

#: smaller files go line by line: importing pyarrow costs more than it saves on them
MIN_COLUMNAR_BYTES = 256 * 1024
#: the one switch of the columnar path, for tests comparing both paths and for measurements
ENABLED = True


def plain_csv(data: bytes) -> bool:
    """Whether CSV bytes are simple enough for the columnar path: big enough,
    no quote character, no NUL, every carriage return part of a CRLF."""
    return (ENABLED and len(data) >= MIN_COLUMNAR_BYTES and b'"' not in data and b"\x00" not in data
            and (b"\r" not in data or data.count(b"\r") == data.count(b"\r\n")))


def valid_utf8(data: bytes) -> bool:
    """True when big CSV bytes are surely UTF-8 (pyarrow's vectorised check,
    twice as fast as decoding them); False means "decode them to know"."""
    if not ENABLED or len(data) < MIN_COLUMNAR_BYTES:
        return False
    try:
        import pyarrow as pa   # lazily: heavy, and only big CSV files need it
    except ImportError:  # pragma: no cover - a dependency
        return False
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    try:
        pa.Array.from_buffers(pa.large_string(), 1, [None, offsets, pa.py_buffer(data)]).validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def read_columnar(data: bytes, encoding: str, source: str, header: Any) -> Optional[list[Item]]:
    """The units and row errors of a plain CSV file in file order, or None
    when it needs the line-by-line reader. ``header`` is the reader's header
    check ``(rows, source) -> (row number, names, positions)``; its
    :class:`SubmissionError` propagates as on the other path."""
    if not plain_csv(data):
        return None
    try:
        import pyarrow as pa   # lazily: heavy, and only big CSV files need it
        import pyarrow.csv as pacsv
    except ImportError:  # pragma: no cover - a dependency; the csv module reads every file too
        return None
    end = data.find(b"\n")
    first = data[:end if end >= 0 else len(data)].decode(encoding).removesuffix("\r")
    raw_names = first.split(",")
    if len(raw_names) > MAX_ROW_CELLS:
        return None
    _row, names, seen = header(iter([(1, raw_names)]), source)
    if len(names) != len(raw_names):   # trailing empty header cells: rows may be trimmed, row by row
        return None
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    table = _arrow_table(pa, pacsv, data, encoding, len(names))
    if table is None or table.num_rows + 1 != lines:   # blank lines: their numbering is the other path's
        return None
    cols = [table.column(i) for i in range(len(names))]
    del table   # each column is let go once it is Python lists (_items): the peak is one copy, not two
    if not _within_limits(pa, cols):
        return None
    return _items(cols, names, seen, source)


def _arrow_table(pa: Any, pacsv: Any, data: bytes, encoding: str, width: int) -> Any:
    """Every cell as text (no inference, no nulls), or None on a ragged row."""
    ragged: list[Any] = []

    def invalid(row: Any) -> str:
        ragged.append(row)
        return "skip"
    names = [f"c{i}" for i in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=4 << 20,
                                           encoding="utf8" if encoding.startswith("utf-8") else encoding),
            parse_options=pacsv.ParseOptions(delimiter=",", quote_char=False, double_quote=False, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=True, invalid_row_handler=invalid),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False,
                                                 check_utf8=False))
    except (pa.ArrowInvalid, pa.ArrowException, ValueError, OSError):
        return None   # a line longer than a block, an encoding pyarrow lacks: the other path says what is wrong
    return None if ragged else table


def _within_limits(pa: Any, cols: list[Any]) -> bool:
    """No cell past the csv module's field limit and no line past
    :data:`MAX_CSV_LINE_CHARS`, counted in bytes (never fewer than characters)."""
    import pyarrow.compute as pc  # lazily, with pyarrow
    limit = csv.field_size_limit()
    line = np.zeros(len(cols[0]) if cols else 0, dtype=np.int64)
    for col in cols:
        lengths = pc.binary_length(col)
        longest = pc.max(lengths).as_py()
        if longest is not None and longest > limit:
            return False
        line += lengths.to_numpy()
    return not len(line) or int(line.max()) + len(cols) + 1 <= MAX_CSV_LINE_CHARS


def _canon_column(col: Any, keep: Any = None) -> tuple[list, list, Any]:
    """A column's cells stripped, blank as None, for the rows ``keep`` (all
    when None): ``(values, distinct values, each row's index into them)``.
    Each distinct cell is stripped once and shared: equal cells are one
    string object, as on the other path."""
    encoded = col.combine_chunks().dictionary_encode() if col.num_chunks != 1 else col.chunk(0).dictionary_encode()
    canon = [v.strip() or None for v in encoded.dictionary.to_pylist()]
    keys = list(dict.fromkeys(canon))            # " 3" and "3" are one value
    position = {k: i for i, k in enumerate(keys)}
    codes = np.array([position[c] for c in canon], dtype=np.intp)[encoded.indices.to_numpy(zero_copy_only=False)]
    if keep is not None:
        codes = codes[keep]
    used = np.bincount(codes, minlength=len(keys)) > 0
    if not used.all():   # values only dropped rows had
        keys = [k for k, u in zip(keys, used.tolist()) if u]
        codes = (np.cumsum(used) - 1)[codes]
    lookup = np.empty(len(keys), dtype=object)
    lookup[:] = keys
    return lookup[codes].tolist(), keys, codes.astype(np.uint16 if len(keys) <= 1 << 16 else np.int32)   # 2 bytes a cell


def _items(cols: list[Any], names: list[str], seen: dict[str, int], source: str) -> list[Item]:
    """Units (and errors of bad rows) of the parsed columns, in row order."""
    n = len(cols[0])
    ids = [v.strip() for v in cols[seen["unit.id"]].to_pylist()]
    unit_names = [v.strip() for v in cols[seen["unit.name"]].to_pylist()]
    errors = _row_errors(cols, names, ids, unit_names, source)
    keep = np.array([k for k in range(n) if k not in errors], dtype=np.intp) if errors else None
    data_idx = [i for i, name in enumerate(names) if not name.startswith("unit.")]
    import pyarrow as pa  # lazily, with pyarrow
    pool = pa.default_memory_pool()
    table = Table([names[i] for i in data_idx])
    others: list[Any] = []
    for field in UNIT_FIELDS[2:]:
        at = seen.get("unit." + field)
        others.append(_canon_column(cols[at], keep)[0] if at is not None else [None] * (n if keep is None else len(keep)))
    for i in data_idx:
        values, keys, codes = _canon_column(cols[i], keep)
        cols[i] = None
        pool.release_unused()   # the column's blocks go back to the system as its lists grow
        table.columns[names[i]] = values
        table.codes[names[i]] = (keys, codes)
    rows = range(2, n + 2) if keep is None else (keep + 2).tolist()
    if keep is not None:
        ids, unit_names = [ids[k] for k in keep.tolist()], [unit_names[k] for k in keep.tolist()]
    table.n = len(ids)
    units = list(map(Unit, ids, unit_names, map(RowView, repeat(table), range(table.n)), *others, repeat(source), rows))
    if not errors:
        return cast("list[Item]", units)
    out: list[Item] = []
    at = 0
    for k in range(n):   # errors at their rows among the units, as the line-by-line reader yields them
        if k in errors:
            if errors[k] is not None:
                out.append(errors[k])  # type: ignore[arg-type]
        else:
            out.append(units[at])
            at += 1
    return out


def _row_errors(cols: list[Any], names: list[str], ids: list[str], unit_names: list[str],
                source: str) -> dict[int, Optional[SubmissionError]]:
    """Rows that give no unit: an error by row index, or None for a row of empty cells."""
    import pyarrow.compute as pc  # lazily, with pyarrow
    errors: dict[int, Optional[SubmissionError]] = {}
    for k in np.flatnonzero(pc.equal(cols[0], names[0]).to_numpy(zero_copy_only=False)).tolist():
        if [c.strip() for c in _row(cols, k)] == names:   # the header row again
            errors[k] = SubmissionError(_("the header row is repeated; remove it"), source, _("row {row}").format(row=k + 2))
    for k, (uid, name) in enumerate(zip(ids, unit_names)):
        problem = table_row_problem(uid, name) if k not in errors else None
        if problem:   # a row of empty cells gives nothing, not an error
            errors[k] = None if not uid and not any(c.strip() for c in _row(cols, k)) else \
                SubmissionError(problem, source, _("row {row}").format(row=k + 2))
    return errors


def _row(cols: list[Any], k: int) -> list[str]:
    return [col[k].as_py() for col in cols]
