"""The built-in submission readers (SPEC §4): TOML, JSON, CSV, XLSX.

Registered through ``civscore_readers`` by file suffix, like any plugin's. A
reader yields units, and :class:`SubmissionError` for a row or file it
cannot read, so one bad row never loses the others.
"""
from __future__ import annotations

import codecs
import csv
import datetime as _dt
import io
import json
import re
import sys
import zipfile
from operator import itemgetter
from xml.parsers import expat
from typing import Any, Callable, Iterator, Optional, cast

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..contracts import limits
from ..contracts.errors import SubmissionError, json_message, long_number_where, toml_message, toml_where
from ..contracts.i18n import N_, _
from ..contracts.limits import (MAX_CSV_BYTES, MAX_XLSX_CELLS, MAX_XLSX_UNPACKED, LimitExceeded, MergedRows,
                                bounded_lines, count_elements, row_width_problem, scan_sheet, toml_problem,
                                trim_trailing_empty)
from ..contracts.units import UNIT_FIELDS, Item, Reader, RowView, Table, Unit, make_unit, table_row_problem, unit_text
from ..contracts.values import Percent, is_percent_format
from ..hookspecs import hookimpl
from .columnar import read_columnar, valid_utf8

XLSX_MAX_UNPACKED = MAX_XLSX_UNPACKED   # an .xlsx is a zip: refuse one that inflates beyond this


class TomlReader(Reader):
    suffixes = (".toml",)
    description = "one unit per file: [unit] and [data]"

    def read(self, path, data):
        text = decode_utf8(data, str(path))
        problem = toml_problem(text)   # before parsing: some keys cost the parser minutes
        if problem:
            raise SubmissionError(problem[0], str(path), problem[1])
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise SubmissionError(toml_message(exc), str(path), toml_where(exc)) from None
        except RecursionError:
            raise SubmissionError(_("TOML nests too deeply"), str(path)) from None
        except ValueError as exc:  # an integer of more than 4300 digits
            raise SubmissionError(_("TOML value cannot be read: {reason}").format(reason=str(exc).split(';')[0]), str(path),
                                  long_number_where(text)) from None
        yield unit_from_doc(doc, str(path))


def unit_from_doc(doc: Any, source: str, where: Optional[str] = None) -> Unit:
    if not isinstance(doc, dict):
        raise SubmissionError(_("expected a table with unit and data"), source, where)
    unknown = [k for k in doc if k not in ("unit", "data", "format", "assessors")]
    if unknown:
        raise SubmissionError(_("unknown top-level key {key!r}; a submission has unit and data").format(key=unknown[0]), source, where)
    unit = make_unit(doc.get("unit"), doc.get("data"), source, where)
    if "assessors" in doc:
        unit.extra["assessors"] = doc["assessors"]
    return unit


def _not_utf16(data: bytes, source: str) -> None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SubmissionError(_("UTF-16 text (Excel's \"Unicode text\"); save it as UTF-8"), source)


def _line_of(data: bytes, offset: int) -> str:
    return _("line {line}").format(line=data.count(b"\n", 0, offset) + 1)


def decode_utf8(data: bytes, source: str) -> str:
    _not_utf16(data, source)
    if b"\x00" in data[:8192]:
        raise SubmissionError(_("binary file, not a text submission"), source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(_("not UTF-8 text (byte {byte}); save it as UTF-8").format(byte=exc.start),
            source, _line_of(data, exc.start)) from None


class JsonReader(Reader):
    suffixes = (".json",)
    description = 'one unit per file {"unit": ..., "data": ...}, or a list of them'

    def read(self, path, data):
        text = decode_utf8(data, str(path))
        try:
            doc = json.loads(text, parse_constant=_json_constant, object_pairs_hook=_json_object)
        except json.JSONDecodeError as exc:
            raise SubmissionError(json_message(exc), str(path),
                                  _("line {line}, column {column}").format(line=exc.lineno, column=exc.colno)) from None
        except RecursionError:
            raise SubmissionError(_("JSON nests too deeply"), str(path)) from None
        except _DuplicateKey as exc:
            raise SubmissionError(_("the key {key!r} appears twice in one JSON object; keep one").format(key=exc.args[0]),
                str(path)) from None
        except ValueError as exc:  # an integer of more than 4300 digits
            raise SubmissionError(_("JSON value cannot be read: {reason}").format(reason=str(exc).split(';')[0]), str(path),
                                  long_number_where(text)) from None
        if isinstance(doc, list):
            for i, entry in enumerate(doc):
                try:
                    yield unit_from_doc(entry, str(path), f"[{i}]")
                except SubmissionError as exc:
                    yield exc
        else:
            yield unit_from_doc(doc, str(path))


class _DuplicateKey(ValueError):
    pass


def _json_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object; a repeated key is an error, not a silent overwrite (TOML rejects it too)."""
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _DuplicateKey(key)
        obj[key] = value
    return obj


def _json_constant(name: str) -> float:
    return float("nan")  # NaN/Infinity become invalid values, never numbers


def table_encoding(data: bytes, source: str) -> str:
    """The encoding of CSV bytes: ``utf-8-sig`` (BOM or not) or ``gb18030``;
    a binary or undecodable file is a :class:`SubmissionError`."""
    _not_utf16(data, source)
    if b"\x00" in data[:8192]:
        raise SubmissionError(_("binary file, not a CSV table"), source)
    if valid_utf8(data):
        return "utf-8-sig"
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(data, final=True)  # checks, keeps no text
            return encoding
        except UnicodeDecodeError as exc:
            error = exc
    raise SubmissionError(_("neither UTF-8 nor GB18030 text (byte {byte}); save it as UTF-8").format(byte=error.start), source,
                          _line_of(data, error.start))



class _Canon(dict):
    """Maps a raw cell to its stripped value (None when blank), computed once
    per distinct cell. Keyed by ``(type, value)``: ``True`` and ``1``, or a
    percentage cell's 0.96 and a plain 0.96, are equal as dict keys but stay
    the values they are."""

    def __missing__(self, key):
        kind, raw = key
        value = raw.strip() if issubclass(kind, str) else raw
        if value == "":
            value = None
        self[key] = value
        return value

    def column(self, values) -> list:
        return list(map(self.__getitem__, zip(map(type, values), values)))


class CsvReader(Reader):
    suffixes = (".csv",)
    description = "one unit a row; UTF-8 (BOM or not) or GB18030"
    max_bytes = MAX_CSV_BYTES     # a million units weigh about 400 MB

    def read(self, path, data):
        source = str(path)
        encoding = table_encoding(data, source)   # one decoding pass to check; no copy kept
        columnar = read_columnar(data, encoding, source, _header)   # big plain files: pyarrow, column by column
        if columnar is not None:
            yield from columnar
            return
        # lines of bounded length: one line of a gigabyte of commas is refused, not parsed into a list
        problems: list[tuple[int, str]] = []
        lines = bounded_lines(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), problems)
        # strict: an unclosed quote is an error, not a cell that swallows the rest of the file
        reader = csv.reader(lines, strict=True)
        try:
            yield from table_units(_numbered(reader, source, problems), source)
        except csv.Error as exc:
            raise SubmissionError(_("CSV error: {error}").format(error=exc),
                source, _("line {line}").format(line=reader.line_num)) from None


_CSV_ERRORS = {
    "unexpected end of data": N_("a quoted cell starting on this line is never closed: an unmatched '\"' runs to the end of the file"),
    "field larger than field limit": N_("a cell is longer than {limit} characters"),
    "expected after": N_("text after a closing quote; write a quote inside a cell as \"\""),
}


def _numbered(reader, source: str, problems: Optional[list[tuple[int, str]]] = None) -> Iterator[tuple[int, Any]]:
    """``(line, cells)``; a line the csv module cannot parse, or that
    :func:`bounded_lines` refused (its ``problems``), comes as ``(line,
    SubmissionError)`` and reading goes on with the next line."""
    last_error = -1
    problems = problems if problems is not None else []
    while True:
        start = reader.line_num + 1  # the line the next row begins on
        try:
            cells = next(reader)
        except StopIteration:
            yield from _refused_lines(problems, source)
            return
        except csv.Error as exc:
            if reader.line_num == last_error:  # no progress: stop rather than loop
                return
            last_error = reader.line_num
            known = next((m for k, m in _CSV_ERRORS.items() if k in str(exc)), None)
            why = _(known).format(limit=csv.field_size_limit()) if known else _("CSV error: {error}").format(error=exc)
            yield start, SubmissionError(why, source, _("line {line}").format(line=start))
            continue
        if problems:  # a line bounded_lines refused (it reads as a blank row)
            yield from _refused_lines(problems, source)
        yield reader.line_num, cells


def _refused_lines(problems: list[tuple[int, str]], source: str) -> Iterator[tuple[int, SubmissionError]]:
    for line, message in problems:
        yield line, SubmissionError(message, source, _("line {line}").format(line=line))
    problems.clear()


def _header(rows: Iterator[tuple[int, Any]], source: str) -> tuple[int, list[str], dict[str, int]]:
    """A table's header row: its row number, column names, and each name's
    position; a missing, blank, repeated or unknown column is an error."""
    try:
        rownum, header = next(rows)
    except StopIteration:
        raise SubmissionError(_("empty table: no header row"), source) from None
    if isinstance(header, SubmissionError):
        raise header
    too_wide = row_width_problem(len(header))
    if too_wide:
        raise SubmissionError(too_wide, source, _("row {row}").format(row=rownum))
    names = trim_trailing_empty([str(h).strip() if h is not None else "" for h in header])
    seen: dict[str, int] = {}
    for col, name in enumerate(names):
        if name == "":
            raise SubmissionError(_("column {column} has no header").format(column=col + 1), source, _("row {row}").format(row=rownum))
        if name in seen:
            raise SubmissionError(_("column {name!r} appears twice (columns {first} and {second})").format(
                name=name, first=seen[name] + 1, second=col + 1), source, _("row {row}").format(row=rownum))
        seen[name] = col
    for required in ("unit.id", "unit.name"):
        if required not in seen:
            raise SubmissionError(_("no {column!r} column; the header needs unit.id and unit.name").format(column=required),
                source, _("row {row}").format(row=rownum))
    unknown_unit = [n for n in names if n.startswith("unit.") and n[5:] not in UNIT_FIELDS]
    if unknown_unit:
        known = ", ".join("unit." + f for f in UNIT_FIELDS)
        raise SubmissionError(_("unknown column {column!r}; unit columns are {known}").format(column=unknown_unit[0], known=known),
            source, _("row {row}").format(row=rownum))
    return rownum, names, seen


def _first_of(i: int) -> Callable[[list[Any]], tuple[Any, ...]]:
    """The cells of the one data column, as itemgetter gives several."""
    def data_of(cells: list[Any]) -> tuple[Any, ...]:
        return (cells[i],)
    return data_of


def _none_of(cells: list[Any]) -> tuple[Any, ...]:
    return ()


def table_units(rows: Iterator[tuple[int, list[Any]]], source: str, chunk_size: int = 4096) -> Iterator[Item]:
    """Units from a table's rows, ``(row number, cells)`` with the header first,
    stored column-wise in a :class:`Table`. A bad row is an error of its own."""
    rownum, names, seen = _header(rows, source)
    width = len(names)
    unit_idx = [seen.get("unit." + f) for f in UNIT_FIELDS]
    data_idx = [i for i, n in enumerate(names) if not n.startswith("unit.")]
    table = Table([names[i] for i in data_idx])
    columns = list(table.columns.values())
    canons = [_Canon() for _ in columns]
    unit_canon = _Canon()
    chunk: list[tuple[Any, ...]] = []

    def flush() -> None:
        for j, values in enumerate(zip(*chunk)):
            columns[j].extend(canons[j].column(values))
        chunk.clear()

    first_name = names[0]
    id_col, name_col = seen["unit.id"], seen["unit.name"]
    other_cols = unit_idx[2:] if any(i is not None for i in unit_idx[2:]) else None
    data_of: Callable[[list[Any]], tuple[Any, ...]]
    if len(data_idx) > 1:
        data_of = itemgetter(*data_idx)
    elif data_idx:
        data_of = _first_of(data_idx[0])
    else:
        data_of = _none_of
    try:  # rows read so far reach the table even if reading stops midway (their units were handed out)
        for rownum, cells in rows:
            if isinstance(cells, SubmissionError):  # a line the CSV parser could not read
                yield cells
                continue
            if len(cells) != width:
                too_wide = row_width_problem(len(cells))
                if too_wide:
                    yield SubmissionError(too_wide, source, _("row {row}").format(row=rownum))
                    continue
                if len(cells) > width:
                    cells = trim_trailing_empty(cells)
                if not any(c is not None and str(c).strip() for c in cells):
                    continue  # a blank line
                if len(cells) > width:
                    yield SubmissionError(_("row has {cells} cells but the header has {width}; check for a stray delimiter").format(
                        cells=len(cells), width=width),
                                          source, _("row {row}").format(row=rownum))
                    continue
                cells = list(cells) + [None] * (width - len(cells))
            if cells[0] == first_name and [str(c).strip() if c is not None else "" for c in cells] == names:
                yield SubmissionError(_("the header row is repeated; remove it"), source, _("row {row}").format(row=rownum))
                continue
            uid = cells[id_col]
            uid = uid.strip() if isinstance(uid, str) else unit_text(uid)
            if not uid and not any(c is not None and str(c).strip() for c in cells):
                continue  # a row of empty cells
            name = cells[name_col]
            name = name.strip() if isinstance(name, str) else unit_text(name)
            problem = table_row_problem(uid, name)
            if problem:
                yield SubmissionError(problem, source, _("row {row}").format(row=rownum))
                continue
            uid, name = cast(str, uid), cast(str, name)   # both given: table_row_problem said so
            fields = [None if i is None else unit_canon[str, cells[i]] if isinstance(cells[i], str) else unit_text(cells[i])
                      for i in other_cols] if other_cols else (None, None, None)
            chunk.append(data_of(cells))
            idx = table.n
            table.n += 1
            if len(chunk) >= chunk_size:
                flush()
            yield Unit(uid, name, RowView(table, idx), fields[0], fields[1], fields[2], source, rownum)
    finally:
        flush()


class XlsxReader(Reader):
    suffixes = (".xlsx", ".xlsm")
    description = "one unit a row of the first sheet"

    def read(self, path, data):
        source = str(path)
        _check_xlsx_archive(data, source)
        fast = _calamine_rows(data)
        if fast is not None:
            yield from _checked_units(fast, MergedRows([]), source)
            return
        import openpyxl  # lazily: only workbooks calamine cannot read alone need it
        try:  # always streamed (read-only): memory stays a row's worth whatever the sheet holds
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        except Exception as exc:  # openpyxl fails in many ways on a broken or unusual workbook
            raise SubmissionError(_("not a readable XLSX workbook ({kind}); save it again as .xlsx").format(kind=type(exc).__name__),
                source) from None
        try:
            yield from _sheet_units(book, source)
        finally:
            book.close()


def _check_xlsx_archive(data: bytes, source: str) -> None:
    """Before openpyxl inflates anything: what the zip unpacks to (a zip
    bomb), and how many shared strings it holds (openpyxl loads them all)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except Exception:
        return  # not a zip at all: load_workbook says so
    unpacked = sum(info.file_size for info in infos)
    if unpacked > XLSX_MAX_UNPACKED:
        raise SubmissionError(_("the workbook unpacks to {mb} MB, over the {limit} MB limit; save the table as CSV").format(
                                  mb=unpacked // 1024 // 1024, limit=XLSX_MAX_UNPACKED // 1024 // 1024), source)
    for info in infos:
        if info.filename.lower().endswith("sharedstrings.xml"):
            try:
                with archive.open(info) as stream:
                    count_elements(stream, "si", MAX_XLSX_CELLS,
                                   _("the workbook holds more than {limit:,} distinct texts; save the table as CSV")
                                   .format(limit=MAX_XLSX_CELLS))
            except LimitExceeded as exc:
                raise SubmissionError(exc.message, source) from None
            except Exception:
                pass  # broken XML: openpyxl's own error says so


def _scan_first_sheet(sheet, source: str) -> MergedRows:
    """The first sheet's limits (row width, cells) checked in one streamed
    pass before openpyxl reads a row; its merged ranges by row."""
    from openpyxl.utils.cell import range_boundaries
    try:
        with sheet._get_source() as stream:
            refs = scan_sheet(stream)
    except LimitExceeded as exc:
        raise SubmissionError(exc.message, source, exc.where) from None
    except Exception as exc:
        raise SubmissionError(_("not a readable XLSX workbook ({kind}); save it again as .xlsx").format(kind=type(exc).__name__),
            source) from None
    ranges = []
    for ref in refs:
        try:
            _col, lo, _col2, hi = range_boundaries(ref)
        except (ValueError, TypeError):
            continue
        if lo is not None and hi is not None:
            ranges.append((lo, hi, ref))
    return MergedRows(ranges)


def _plain(cell):
    value = cell.value
    if type(value).__module__.startswith("openpyxl"):  # ArrayFormula, DataTableFormula: a formula all the same
        return str(getattr(value, "text", None) or "=formula")
    return percent_cell(value, getattr(cell, "number_format", None))


def _is_formula(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("=")


def _sheet_units(book, source: str) -> Iterator[Item]:
    if not book.worksheets:
        raise SubmissionError(_("the workbook has no worksheet (only chart sheets); put the table on the first sheet"), source)
    sheet = book.worksheets[0]
    merged = _scan_first_sheet(sheet, source)
    if merged.get(1):
        raise SubmissionError(_("merged cells {cells} in the header; unmerge them").format(cells=merged.get(1)), source,
                              _("row {row}").format(row=1))

    def rows():  # stream the rows the file holds, not the dimensions it claims
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        for r, cells in enumerate(sheet.iter_rows(), start=1):
            yield r, [_plain(cell) for cell in cells]

    yield from _checked_units(rows(), merged, source)


def _checked_units(rows: Iterator[tuple[int, list[Any]]], merged: MergedRows, source: str) -> Iterator[Item]:
    """Units of a sheet's rows, refusing rows with merged cells or formulas;
    dates as ISO text. Formulas and dates are looked for column by column,
    among each column's distinct values, not cell by cell."""
    items = list(table_units(rows, source))
    table = next((item.data.table for item in items if isinstance(item, Unit) and isinstance(item.data, RowView)), None)
    formula_at = _formula_cells(table) if table is not None else {}
    for item in items:
        if not isinstance(item, Unit):
            yield item
            continue
        row = item.row or 0
        if merged and merged.get(row):
            yield SubmissionError(_("merged cells {cells}; unmerge them and fill every cell").format(cells=merged.get(row)),
                source, _("row {row}").format(row=row))
            continue
        starts = item.id[:1] + item.name[:1] + (item.group or "")[:1] + (item.region or "")[:1] + (item.period or "")[:1]
        unit_formula = next((f for f in UNIT_FIELDS if _is_formula(getattr(item, f))), None) if "=" in starts else None
        if unit_formula:
            yield SubmissionError(_("unit.{field} holds a formula ({formula}); paste values only")
                                  .format(field=unit_formula, formula=getattr(item, unit_formula)[:30]),
                                      source, _("row {row}").format(row=row))
            continue
        at = formula_at.get(item.data.i) if isinstance(item.data, RowView) else None
        if at is not None:
            yield SubmissionError(_("column {column!r} holds a formula ({formula}); paste values only").format(
                column=at[0], formula=at[1][:30]), source, _("row {row}").format(row=row))
            continue
        yield item


def _formula_cells(table: Table) -> dict[int, tuple[str, str]]:
    """The first column (in column order) holding a formula, and the
    formula, by table row; date cells of every column become ISO text."""
    found: dict[int, tuple[str, str]] = {}
    for key, col in table.columns.items():
        distinct = set(col)
        formulas = {v for v in distinct if _is_formula(v)}
        dates = {v for v in distinct if hasattr(v, "isoformat")}
        if not formulas and not dates:
            continue
        for i, v in enumerate(col):
            if v in formulas:
                found.setdefault(i, (key, v))
            elif v in dates and type(v) is not str:
                col[i] = v.isoformat()
    return found


#: what python-calamine cannot tell (it gives cached values, not formulas, and no number formats) or
#: would read differently: a formula (``<f>``), an error cell (``t="e"``), merged cells, prefixed
#: element names (``<x:c>``); any of them, or more cells than the limit, and the workbook is read
#: by openpyxl, cell by cell, as before. Each is one ``bytes.find`` over the sheet's XML.
_CALAMINE_CANNOT = (b"<f", b't="e"', b":sheetData", b":c ")   # merged cells: calamine lists them (merged_cell_ranges)
#: a cell far away (column CA or beyond, row 200,000 or beyond): calamine allocates the whole
#: rectangle up to it (a cell at XFD1048576 asks for 512 GB and aborts the process)
_FAR_CELL = re.compile(rb'r="(?:[A-Za-z]{3}|[C-Zc-z][A-Za-z])\d|r="[A-Za-z]{1,2}(?:[2-9]\d{5}|\d{7})')
_SCAN_CHUNK = 1 << 20
_MAX_STYLES_BYTES = 16 * 1024 * 1024
#: the built-in number formats that are percentages (ECMA-376 §18.8.30: 9 is "0%", 10 is "0.00%")
_BUILTIN_PERCENT = {9, 10}


def _percent_styles(archive: zipfile.ZipFile) -> bool:
    """Whether any cell style of the workbook shows numbers as percentages
    (SPEC §7.2 needs each such cell's format: openpyxl reads those). Read with
    expat, as the sheets' limits are (ElementTree cost every start 3 ms);
    broken XML raises ``expat.ExpatError`` (the caller leaves it to openpyxl)."""
    try:
        if archive.getinfo("xl/styles.xml").file_size > _MAX_STYLES_BYTES:
            return True   # a style sheet this large is no committee's: openpyxl's path reads it
        styles = archive.read("xl/styles.xml")
    except KeyError:
        return False
    percent = set(_BUILTIN_PERCENT)
    cell_formats: list[str] = []    # numFmtId of each cell style (an <xf> inside <cellXfs>)
    depth_in_cell_xfs = 0

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal depth_in_cell_xfs
        name = name.rpartition(":")[2]
        if depth_in_cell_xfs:
            depth_in_cell_xfs += 1
            if depth_in_cell_xfs == 2 and name == "xf":
                cell_formats.append(attrs.get("numFmtId", "0"))
        elif name == "cellXfs":
            depth_in_cell_xfs = 1
        elif name == "numFmt" and is_percent_format(attrs.get("formatCode")):
            percent.add(int(attrs.get("numFmtId", "-1")))

    def end(name: str) -> None:
        nonlocal depth_in_cell_xfs
        if depth_in_cell_xfs:
            depth_in_cell_xfs -= 1

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.Parse(styles, True)
    return any(int(fmt) in percent for fmt in cell_formats)


#: both of the above as one pattern, for RE2 (pyarrow's): one linear pass over a big sheet's XML
#: instead of four searches and Python's regular expression (1.5 s of 181 MB, 0.4 s with RE2)
_CANNOT_PATTERN = "|".join([*(re.escape(what.decode()) for what in _CALAMINE_CANNOT), _FAR_CELL.pattern.decode()])
#: sheets from this size (uncompressed) are scanned by RE2: importing pyarrow costs more on smaller ones
_RE2_MIN_BYTES = 8 * _SCAN_CHUNK


def _python_finds(text: bytes) -> bool:
    return any(text.find(what) >= 0 for what in _CALAMINE_CANNOT) or _FAR_CELL.search(text) is not None


def _re2_finder() -> Optional[Callable[[bytes], bool]]:
    """RE2's search for :data:`_CANNOT_PATTERN`; None without pyarrow."""
    try:
        import pyarrow as pa   # lazily: heavy, and only big workbooks need it
        import pyarrow.compute as pc
    except ImportError:  # pragma: no cover - a dependency
        return None

    def finds(text: bytes) -> bool:
        return bool(pc.match_substring_regex(pa.array([text], type=pa.binary()), pattern=_CANNOT_PATTERN)[0].as_py())
    return finds


def _sheets_need_openpyxl(archive: zipfile.ZipFile) -> bool:
    """One pass of a regular expression over each worksheet's XML (streamed):
    whether any holds what calamine cannot tell, or more cells than the limit."""
    max_cells = limits.MAX_XLSX_CELLS
    for info in archive.infolist():
        if not (info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")):
            continue
        finds = (_re2_finder() if info.file_size >= _RE2_MIN_BYTES else None) or _python_finds
        tail, cells = b"", 0
        with archive.open(info) as fh:
            while True:
                chunk = fh.read(_SCAN_CHUNK)
                if not chunk:
                    break
                text = tail + chunk
                if finds(text):
                    return True
                # every "<c" counts ("<col", "<cfRule" too: a few more, never fewer, and past the limit
                # openpyxl's path counts exactly); one split between two chunks is counted once
                cells += (tail[-1:] + chunk).count(b"<c")
                if cells > max_cells:
                    return True
                tail = chunk[-64:]
    return False


def _calamine_rows(data: bytes) -> Optional[Iterator[tuple[int, list[Any]]]]:
    """The first worksheet's rows read by python-calamine (Rust): 100,000 rows
    in a fraction of openpyxl's time; None when the workbook needs openpyxl."""
    try:
        from python_calamine import CalamineWorkbook  # lazily: only XLSX submissions need it
    except ImportError:  # pragma: no cover - a dependency, but openpyxl reads every workbook too
        return None
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if _percent_styles(archive) or _sheets_need_openpyxl(archive):
            return None
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        first = next((m.name for m in book.sheets_metadata if str(m.typ).endswith("WorkSheet")), None)
        if first is None:
            return None   # no worksheet: openpyxl's path says so
        sheet = book.get_sheet_by_name(first)
        if sheet.merged_cell_ranges:
            return None
        if sheet.width > limits.MAX_ROW_CELLS or sheet.height * sheet.width > limits.MAX_XLSX_CELLS:
            return None   # openpyxl's path counts the cells and says so
        table = sheet.to_python(skip_empty_area=False)
        top, left = (sheet.start or (0, 0)) if sheet.height else (0, 0)
    except Exception:  # anything calamine cannot read, openpyxl reads or explains
        return None
    return _calamine_cells(table, top, left)


def _calamine_cells(table: list[list[Any]], top: int, left: int) -> Iterator[tuple[int, list[Any]]]:
    """Rows as openpyxl streams them: every row from row 1 (empty ones
    empty), columns from A, empty cells None, whole numbers int, dates as
    datetimes (midnight for a date)."""
    for r in range(1, top + 1):
        yield r, []
    pad = [None] * left
    date, combine = _dt.date, _dt.datetime.combine
    midnight = _dt.time()
    for r, cells in enumerate(table, start=top + 1):
        out = pad + cells
        for c, v in enumerate(out):
            t = type(v)
            if t is str:
                if v == "":
                    out[c] = None
            elif t is float:
                if v.is_integer() and -2 ** 53 <= v <= 2 ** 53:
                    out[c] = int(v)
            elif t is date:
                out[c] = combine(v, midnight)
        yield r, out


def percent_cell(value: Any, number_format: Any) -> Any:
    """A spreadsheet cell's number as read (SPEC §7.2): one shown as a percentage
    (its number format has ``%`` outside quotes) is a :class:`Percent`, its stored
    value (0.96 for 96%) that remembers it was a percentage. The one place a
    reader tells percentage cells apart: another XLSX library needs only to pass
    each cell's value and number format code here."""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and is_percent_format(number_format):
        return Percent(value)
    return value


@hookimpl
def civscore_readers():
    return [TomlReader, JsonReader, CsvReader, XlsxReader]

