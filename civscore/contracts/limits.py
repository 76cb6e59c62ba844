"""How much of a hostile file civscore reads: the bounds of docs/security.md,
each with the small function that checks it, so every reader (and any
future one) applies the same limits in the same words.

Every check is cheap (one pass, no parsing of the format itself) and runs
before the format's parser sees the input; past a limit a check returns or
raises the one line the user reads (what, where, what to do).
"""
from __future__ import annotations

import bisect
import re
from typing import IO, Iterable, Iterator, Optional
from xml.parsers import expat

from .i18n import _

#: cells in one row or header of a table (Excel's own column limit, XFD)
MAX_ROW_CELLS = 16_384
#: characters in one physical line of a CSV file (a row of 16,384 cells of 256 characters)
MAX_CSV_LINE_CHARS = 4 * 1024 * 1024
#: what a CSV file may weigh (a million units of 30 columns weigh about 400 MB)
MAX_CSV_BYTES = 1024 ** 3
#: parts of one dotted TOML key or table header (``a.b.c`` has 3); a criteria path is at most 32 deep
MAX_TOML_KEY_PARTS = 64
#: characters in one line of a TOML file (submission or criteria)
MAX_TOML_LINE_CHARS = 64 * 1024
#: cells of the first sheet of a workbook that are read, and shared strings of the workbook
MAX_XLSX_CELLS = 5_000_000
#: what an .xlsx (a zip) may unpack to, checked from the zip directory before anything is inflated
MAX_XLSX_UNPACKED = 1024 ** 3


class LimitExceeded(ValueError):
    """Input past one of the limits: ``message`` says which, ``where`` (a
    line, a row) says where, or is None."""

    def __init__(self, message: str, where: Optional[str] = None):
        super().__init__(message)
        self.message = message
        self.where = where


# -- tables (CSV, XLSX) -------------------------------------------------------------------------
def trim_trailing_empty(cells: list) -> list:
    """``cells`` without its trailing empty cells (None or blank text), in
    one pass: a row ending in a million commas costs a million steps, not a
    million copies of the row."""
    end = len(cells)
    while end and (cells[end - 1] is None or (isinstance(cells[end - 1], str) and not cells[end - 1].strip())):
        end -= 1
    return cells if end == len(cells) else cells[:end]


def row_width_problem(n_cells: int) -> Optional[str]:
    """The message for a row (or header) of ``n_cells`` cells past :data:`MAX_ROW_CELLS`, or None."""
    if n_cells <= MAX_ROW_CELLS:
        return None
    return _("row has {n:,} cells, over the limit of {limit:,} columns; remove the stray cells or "
             "delimiters").format(n=n_cells, limit=MAX_ROW_CELLS)


def bounded_lines(lines: Iterable[str], problems: list[tuple[int, str]],
                  max_chars: int = MAX_CSV_LINE_CHARS) -> Iterator[str]:
    """The physical lines of a text file for the csv module, each read with a
    bounded size. A line over ``max_chars`` characters, or holding a NUL
    character, is not passed on (an empty line takes its place, so line
    numbers stay right): ``(line number, message)`` is appended to
    ``problems`` instead. ``lines`` is a text stream opened with ``newline=""``."""
    readline = getattr(lines, "readline", None)
    if readline is None:  # any iterable of lines
        source: Iterator[str] = iter(lines)
        readline = lambda limit: next(source, "")  # noqa: E731
    number = 0
    while True:
        line = readline(max_chars + 1)
        if not line:
            return
        number += 1
        if len(line) > max_chars and not line.endswith(("\n", "\r")):
            while True:  # skip the rest of the long line, a bounded piece at a time
                rest = readline(max_chars + 1)
                if not rest or rest.endswith(("\n", "\r")):
                    break
            problems.append((number, _("line is longer than {limit:,} characters; is it really a table?")
                             .format(limit=max_chars)))
            yield "\n"
            continue
        if "\x00" in line:
            problems.append((number, _("line holds a NUL character (binary or damaged data); remove it")))
            yield "\n"
            continue
        yield line


# -- TOML -----------------------------------------------------------------------------------------
_KEY_PART = r"""(?:(?<![A-Za-z0-9_-])[A-Za-z0-9_-]++|"(?:[^"\\\n]|\\.)*+"|'[^'\n]*+')"""
_DEEP_KEY = re.compile(_KEY_PART + r"(?:[ \t]*+\.[ \t]*+" + _KEY_PART + "){%d}" % MAX_TOML_KEY_PARTS)


def _line_column(text: str, offset: int) -> str:
    line_start = text.rfind("\n", 0, offset) + 1
    return _("line {line}, column {column}").format(line=text.count("\n", 0, offset) + 1, column=offset - line_start + 1)


def toml_problem(text: str) -> Optional[tuple[str, str]]:
    """``(message, where)`` when TOML text is past a limit, else None: a line
    over :data:`MAX_TOML_LINE_CHARS` characters, or a dotted key or table
    header of more than :data:`MAX_TOML_KEY_PARTS` parts (the standard TOML
    parser takes time growing with the square of a key's parts: 150,000
    parts took three minutes). A scan of the text, before it is parsed."""
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start)
        if end < 0:
            end = size
        if end - start > MAX_TOML_LINE_CHARS:
            return (_("line is longer than {limit:,} characters; break it up").format(limit=MAX_TOML_LINE_CHARS),
                    _("line {line}").format(line=text.count("\n", 0, start) + 1))
        start = end + 1
    m = _DEEP_KEY.search(text)
    if m:
        return (_("a dotted key of more than {limit} parts; nest tables less deeply").format(limit=MAX_TOML_KEY_PARTS),
                _line_column(text, m.start()))
    return None


# -- XLSX -----------------------------------------------------------------------------------------
def _local(name: str) -> str:
    """An element's name without its prefix (``x:c`` → ``c``); namespaces are not resolved (faster)."""
    return name if ":" not in name else name.rpartition(":")[2]


def _column(ref: str) -> int:
    """The column number of a cell reference (``XFD7`` → 16384); 0 when there is none."""
    column = 0
    for ch in ref.rstrip("0123456789").upper():
        column = column * 26 + ord(ch) - 64
    return column


def scan_sheet(stream: IO[bytes], max_cells: Optional[int] = None, max_row_cells: Optional[int] = None) -> list[str]:
    """One pass of the standard XML parser over a worksheet's XML, streamed
    (constant memory), before the workbook library builds anything: counts
    the cells of each row and of the sheet and returns the merged ranges
    (``"C2:C3"``). Raises :class:`LimitExceeded` for a row over
    ``max_row_cells`` cells or a sheet over ``max_cells`` (a 196 kB workbook
    can hold a row of 2.5 million cells), ``expat.ExpatError`` for broken XML."""
    max_cells = MAX_XLSX_CELLS if max_cells is None else max_cells
    max_row_cells = MAX_ROW_CELLS if max_row_cells is None else max_row_cells
    cells = row = row_cells = 0
    merged: list[str] = []
    short_columns = max_row_cells < 702   # else only references of 3 letters or more (4+ characters) can lie beyond

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal cells, row, row_cells
        if name != "c":  # the cell's value <v>, rows, the rest
            if name == "v":
                return
            name = _local(name)
            if name != "c":
                if name == "row":
                    r = attrs.get("r", "")
                    row = int(r) if r.isdigit() else row + 1
                    row_cells = 0
                elif name == "mergeCell":
                    merged.append(attrs.get("ref", ""))
                return
        cells += 1
        row_cells += 1
        if row_cells > max_row_cells:
            raise LimitExceeded(row_width_problem(row_cells) or "", _("row {row}").format(row=row))
        ref = attrs.get("r")
        if ref and (len(ref) >= 4 or short_columns) and _column(ref) > max_row_cells:
            raise LimitExceeded(_("cell {ref} lies beyond the limit of {limit:,} columns; remove it")
                                .format(ref=ref[:20], limit=max_row_cells), _("row {row}").format(row=row))
        if cells > max_cells:
            raise LimitExceeded(_("the sheet has more than {limit:,} cells; save the table as CSV")
                                .format(limit=max_cells), _("row {row}").format(row=row))

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.ParseFile(stream)
    return merged


def count_elements(stream: IO[bytes], local_name: str, limit: int, message: str) -> int:
    """How many ``local_name`` elements an XML stream holds (streamed);
    :class:`LimitExceeded` with ``message`` past ``limit``."""
    count = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == local_name:
            count[0] += 1
            if count[0] > limit:
                raise LimitExceeded(message)

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.ParseFile(stream)
    return count[0]


class MergedRows:
    """Which rows merged ranges cover, looked up in log time however many
    ranges and rows there are (a range A1:A1048576 costs one entry, not a
    million)."""

    def __init__(self, ranges: Iterable[tuple[int, int, str]]):
        spans: list[tuple[int, int, str]] = []
        for lo, hi, ref in sorted(ranges):
            if spans and lo <= spans[-1][1] + 1:
                if hi > spans[-1][1]:
                    spans[-1] = (spans[-1][0], hi, spans[-1][2])
            else:
                spans.append((lo, hi, ref))
        self.starts = [s[0] for s in spans]
        self.spans = spans

    def get(self, row: int) -> Optional[str]:
        """The first merged range covering ``row``, or None."""
        i = bisect.bisect_right(self.starts, row) - 1
        if i >= 0 and self.spans[i][1] >= row:
            return self.spans[i][2]
        return None
