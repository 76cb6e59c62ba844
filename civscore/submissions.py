"""Submissions (SPEC §4): TOML, JSON, CSV and XLSX files in, units out.

Each reader is registered through ``civscore_readers`` by file suffix. A
reader yields units, and :class:`SubmissionError` for a row or file it
cannot read, so one bad row never loses the others. :func:`read_all` walks
files and directories, rejects duplicate unit ids and collects the errors.
"""
from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import math
from operator import itemgetter
import sys
from dataclasses import dataclass, field
from pathlib import Path
from collections.abc import Mapping
from typing import Any, ClassVar, Iterable, Iterator, Optional, Union

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .errors import SubmissionError
from .hookspecs import hookimpl
from .memory import gc_paused
from .plugins import Registry, get_registry

UNIT_FIELDS = ("id", "name", "group", "region", "period")
MAX_FILE_BYTES = 200 * 1024 * 1024      # a reader's default: what one file may weigh
XLSX_MAX_UNPACKED = 2 * 1024 ** 3   # an .xlsx is a zip: refuse one that inflates beyond this


@dataclass(slots=True)
class Unit:
    """One unit's submission: who it is and its inputs by data key."""

    id: str
    name: str
    data: dict[str, Any]
    group: Optional[str] = None
    region: Optional[str] = None
    period: Optional[str] = None
    source: str = ""
    row: Optional[int] = None        # row (CSV line / sheet row) for table files
    extra: dict[str, Any] = field(default_factory=dict)

    def info(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "group": self.group, "region": self.region, "period": self.period}

    @property
    def where(self) -> str:
        return f"{self.source}:{self.row}" if self.row is not None else self.source


Item = Union[Unit, SubmissionError]


class Reader:
    """Base of submission readers. Set ``suffixes`` and implement :meth:`read`."""

    suffixes: ClassVar[tuple[str, ...]] = ()
    description: ClassVar[str] = ""
    #: larger files are refused with an error naming the limit
    max_bytes: ClassVar[int] = MAX_FILE_BYTES

    def read(self, path: Path, data: bytes) -> Iterable[Item]:
        """Yield a :class:`Unit` per unit in the file, or a
        :class:`SubmissionError` for a part that cannot be read. Raise
        :class:`SubmissionError` when the whole file is unreadable."""
        raise NotImplementedError


# -- helpers shared by readers ------------------------------------------------------
def _text(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def make_unit(info: Any, data: Any, source: str, where: Optional[str], row: Optional[int] = None) -> Unit:
    """A unit from its ``unit`` table and ``data`` table, checked."""
    if not isinstance(info, dict):
        raise SubmissionError("no [unit] table; add [unit] with id and name", source, where)
    unknown = [k for k in info if k not in UNIT_FIELDS]
    if unknown:
        raise SubmissionError(f"unknown key unit.{unknown[0]}; a unit has {', '.join(UNIT_FIELDS)}", source, where)
    for key in UNIT_FIELDS:
        value = info.get(key)
        if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
            raise SubmissionError(f"unit.{key} must be text, not {type(value).__name__}", source, where)
    uid, name = _text(info.get("id")), _text(info.get("name"))
    if uid is None:
        raise SubmissionError("unit.id is missing; every unit needs an id", source, where)
    if len(uid) > 200:
        raise SubmissionError("unit.id is longer than 200 characters", source, where)
    if name is None:
        raise SubmissionError(f"unit.name of unit {uid!r} is missing; every unit needs a name", source, where)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SubmissionError("data must be a table of inputs by key", source, where)
    return Unit(uid, name, flatten(data), _text(info.get("group")), _text(info.get("region")),
                _text(info.get("period")), source, row)


def flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested tables become dotted keys: ``ideology.study = [...]`` written
    unquoted in TOML reads as the key ``"ideology.study"``."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(flatten(value, full + "."))
        else:
            out[full] = value
    return out


# -- the built-in readers ----------------------------------------------------------------
class TomlReader(Reader):
    suffixes = (".toml",)
    description = "one unit per file: [unit] and [data]"

    def read(self, path, data):
        text = decode_utf8(data, str(path))
        try:
            doc = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            from .criteria import _toml_message, _toml_where
            raise SubmissionError(_toml_message(exc), str(path), _toml_where(exc)) from None
        except RecursionError:
            raise SubmissionError("TOML nests too deeply", str(path)) from None
        except ValueError as exc:  # an integer of more than 4300 digits
            from .criteria import _long_number_where
            raise SubmissionError(f"TOML value cannot be read: {str(exc).split(';')[0]}", str(path), _long_number_where(text)) from None
        yield unit_from_doc(doc, str(path))


def unit_from_doc(doc: Any, source: str, where: Optional[str] = None) -> Unit:
    if not isinstance(doc, dict):
        raise SubmissionError("expected a table with unit and data", source, where)
    unknown = [k for k in doc if k not in ("unit", "data", "format", "assessors")]
    if unknown:
        raise SubmissionError(f"unknown top-level key {unknown[0]!r}; a submission has unit and data", source, where)
    unit = make_unit(doc.get("unit"), doc.get("data"), source, where)
    if "assessors" in doc:
        unit.extra["assessors"] = doc["assessors"]
    return unit


def _not_utf16(data: bytes, source: str) -> None:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise SubmissionError("UTF-16 text (Excel's \"Unicode text\"); save it as UTF-8", source)


def _line_of(data: bytes, offset: int) -> str:
    return "line %d" % (data.count(b"\n", 0, offset) + 1)


def decode_utf8(data: bytes, source: str) -> str:
    _not_utf16(data, source)
    if b"\x00" in data[:8192]:
        raise SubmissionError("binary file, not a text submission", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SubmissionError(f"not UTF-8 text (byte {exc.start}); save it as UTF-8", source, _line_of(data, exc.start)) from None


class JsonReader(Reader):
    suffixes = (".json",)
    description = 'one unit per file {"unit": ..., "data": ...}, or a list of them'

    def read(self, path, data):
        text = decode_utf8(data, str(path))
        try:
            doc = json.loads(text, parse_constant=_json_constant, object_pairs_hook=_json_object)
        except json.JSONDecodeError as exc:
            raise SubmissionError(f"JSON syntax error: {exc.msg}", str(path), f"line {exc.lineno}, column {exc.colno}") from None
        except RecursionError:
            raise SubmissionError("JSON nests too deeply", str(path)) from None
        except _DuplicateKey as exc:
            raise SubmissionError(f"the key {exc.args[0]!r} appears twice in one JSON object; keep one", str(path)) from None
        except ValueError as exc:  # an integer of more than 4300 digits
            from .criteria import _long_number_where
            raise SubmissionError(f"JSON value cannot be read: {str(exc).split(';')[0]}", str(path), _long_number_where(text)) from None
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
        raise SubmissionError("binary file, not a CSV table", source)
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(data, final=True)  # checks, keeps no text
            return encoding
        except UnicodeDecodeError as exc:
            error = exc
    raise SubmissionError(f"neither UTF-8 nor GB18030 text (byte {error.start}); save it as UTF-8", source,
                          _line_of(data, error.start))


class Table:
    """A table file's inputs held in columns (one list per data key), so a
    million rows cost a list per column, not a dict per row. Equal cells
    share one string object."""

    __slots__ = ("columns", "n")

    def __init__(self, keys: list[str]):
        self.columns: dict[str, list] = {k: [] for k in keys}
        self.n = 0


class RowView(Mapping):
    """One row of a :class:`Table` as a read-only mapping of data keys to
    values; empty cells are absent."""

    __slots__ = ("table", "i")

    def __init__(self, table: Table, i: int):
        self.table = table
        self.i = i

    def __getitem__(self, key: str) -> Any:
        value = self.table.columns[key][self.i]
        if value is None:
            raise KeyError(key)
        return value

    def get(self, key: str, default: Any = None) -> Any:
        col = self.table.columns.get(key)
        if col is None:
            return default
        value = col[self.i]
        return default if value is None else value

    def __iter__(self):
        i = self.i
        return (k for k, col in self.table.columns.items() if col[i] is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __setitem__(self, key: str, value: Any) -> None:
        col = self.table.columns.get(key)
        if col is None:
            col = self.table.columns[key] = [None] * self.table.n
        col[self.i] = value

    def __repr__(self) -> str:
        return f"RowView({dict(self)!r})"


class _Canon(dict):
    """Maps a raw cell to its stripped value (None when blank), computed once per distinct cell."""

    def __missing__(self, raw):
        value = raw.strip() if isinstance(raw, str) else raw
        if value == "":
            value = None
        self[raw] = value
        return value


class CsvReader(Reader):
    suffixes = (".csv",)
    description = "one unit a row; UTF-8 (BOM or not) or GB18030"
    max_bytes = 4 * 1024 ** 3     # a million units weigh about 400 MB

    def read(self, path, data):
        source = str(path)
        encoding = table_encoding(data, source)   # one decoding pass to check; no copy kept
        # strict: an unclosed quote is an error, not a cell that swallows the rest of the file
        reader = csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline=""), strict=True)
        try:
            yield from table_units(_numbered(reader, source), source)
        except csv.Error as exc:
            raise SubmissionError(f"CSV error: {exc}", source, f"line {reader.line_num}") from None


_CSV_ERRORS = {
    "unexpected end of data": "a quoted cell starting on this line is never closed: an unmatched '\"' runs to the end of the file",
    "field larger than field limit": f"a cell is longer than {csv.field_size_limit()} characters",
    "expected after": "text after a closing quote; write a quote inside a cell as \"\"",
}


def _numbered(reader, source: str) -> Iterator[tuple[int, Any]]:
    """``(line, cells)``; a line the csv module cannot parse comes as ``(line,
    SubmissionError)`` and reading goes on with the next line."""
    last_error = -1
    while True:
        start = reader.line_num + 1  # the line the next row begins on
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if reader.line_num == last_error:  # no progress: stop rather than loop
                return
            last_error = reader.line_num
            why = next((m for k, m in _CSV_ERRORS.items() if k in str(exc)), f"CSV error: {exc}")
            yield start, SubmissionError(why, source, f"line {start}")
            continue
        yield reader.line_num, cells


def table_units(rows: Iterator[tuple[int, list[Any]]], source: str, chunk_size: int = 4096) -> Iterator[Item]:
    """Units from a table's rows, ``(row number, cells)`` with the header first,
    stored column-wise in a :class:`Table`. A bad row is an error of its own."""
    try:
        rownum, header = next(rows)
    except StopIteration:
        raise SubmissionError("empty table: no header row", source) from None
    if isinstance(header, SubmissionError):
        raise header
    names = [str(h).strip() if h is not None else "" for h in header]
    while names and names[-1] == "":
        names.pop()
    seen: dict[str, int] = {}
    for col, name in enumerate(names):
        if name == "":
            raise SubmissionError(f"column {col + 1} has no header", source, f"row {rownum}")
        if name in seen:
            raise SubmissionError(f"column {name!r} appears twice (columns {seen[name] + 1} and {col + 1})", source, f"row {rownum}")
        seen[name] = col
    for required in ("unit.id", "unit.name"):
        if required not in seen:
            raise SubmissionError(f"no {required!r} column; the header needs unit.id and unit.name", source, f"row {rownum}")
    unknown_unit = [n for n in names if n.startswith("unit.") and n[5:] not in UNIT_FIELDS]
    if unknown_unit:
        raise SubmissionError(f"unknown column {unknown_unit[0]!r}; unit columns are {', '.join('unit.' + f for f in UNIT_FIELDS)}", source, f"row {rownum}")
    width = len(names)
    unit_idx = [seen.get("unit." + f) for f in UNIT_FIELDS]
    data_idx = [i for i, n in enumerate(names) if not n.startswith("unit.")]
    table = Table([names[i] for i in data_idx])
    columns = list(table.columns.values())
    canons = [_Canon() for _ in columns]
    unit_canon = _Canon()
    chunk: list[list[Any]] = []

    def flush() -> None:
        for j, values in enumerate(zip(*chunk)):
            columns[j].extend(map(canons[j].__getitem__, values))
        chunk.clear()

    first_name = names[0]
    id_col, name_col = unit_idx[0], unit_idx[1]
    other_cols = unit_idx[2:] if any(i is not None for i in unit_idx[2:]) else None
    if len(data_idx) > 1:
        data_of = itemgetter(*data_idx)
    elif data_idx:
        data_of = lambda cells, i=data_idx[0]: (cells[i],)  # noqa: E731
    else:
        data_of = lambda cells: ()  # noqa: E731
    try:  # rows read so far reach the table even if reading stops midway (their units were handed out)
        for rownum, cells in rows:
            if isinstance(cells, SubmissionError):  # a line the CSV parser could not read
                yield cells
                continue
            if len(cells) != width:
                while len(cells) > width and (cells[-1] is None or cells[-1] == ""):
                    cells = cells[:-1]
                if not any(c is not None and str(c).strip() for c in cells):
                    continue  # a blank line
                if len(cells) > width:
                    yield SubmissionError(f"row has {len(cells)} cells but the header has {width}; check for a stray delimiter", source, f"row {rownum}")
                    continue
                cells = list(cells) + [None] * (width - len(cells))
            if cells[0] == first_name and [str(c).strip() if c is not None else "" for c in cells] == names:
                yield SubmissionError("the header row is repeated; remove it", source, f"row {rownum}")
                continue
            uid = cells[id_col]
            uid = uid.strip() if isinstance(uid, str) else _text(uid)
            if not uid:
                if not any(c is not None and str(c).strip() for c in cells):
                    continue  # a row of empty cells
                yield SubmissionError("unit.id is missing; every unit needs an id", source, f"row {rownum}")
                continue
            name = cells[name_col]
            name = name.strip() if isinstance(name, str) else _text(name)
            if not name:
                yield SubmissionError(f"unit.name of unit {uid!r} is missing; every unit needs a name", source, f"row {rownum}")
                continue
            if len(uid) > 200:
                yield SubmissionError("unit.id is longer than 200 characters", source, f"row {rownum}")
                continue
            fields = [None if i is None else unit_canon[cells[i]] if isinstance(cells[i], str) else _text(cells[i])
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
        import zipfile

        import openpyxl
        try:  # what the workbook unpacks to: a zip bomb is refused before openpyxl inflates it
            unpacked = sum(info.file_size for info in zipfile.ZipFile(io.BytesIO(data)).infolist())
        except Exception:
            unpacked = 0  # not a zip at all: load_workbook says so below
        if unpacked > XLSX_MAX_UNPACKED:
            raise SubmissionError(f"the workbook unpacks to {unpacked // 1024 // 1024} MB, over the "
                                  f"{XLSX_MAX_UNPACKED // 1024 // 1024} MB limit; save the table as CSV", str(path))
        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=len(data) > 20 * 1024 * 1024 or unpacked > 400 * 1024 * 1024,
                                          data_only=False)
        except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
            raise SubmissionError(f"not a readable XLSX workbook ({type(exc).__name__}); save it again as .xlsx", str(path)) from None
        except Exception as exc:  # openpyxl fails in many more ways on a broken or unusual workbook
            raise SubmissionError(f"not a readable XLSX workbook ({type(exc).__name__}); save it again as .xlsx", str(path)) from None
        if not book.worksheets:
            raise SubmissionError("the workbook has no worksheet (only chart sheets); put the table on the first sheet", str(path))
        sheet = book.worksheets[0]
        merged = list(getattr(sheet, "merged_cells", None) and sheet.merged_cells.ranges or [])
        merged_rows: dict[int, str] = {}
        for rng in merged:
            for r in range(rng.min_row, rng.max_row + 1):
                merged_rows.setdefault(r, str(rng))
        if merged_rows.get(1):
            raise SubmissionError(f"merged cells {merged_rows[1]} in the header; unmerge them", str(path), "row 1")

        def plain(value):
            if type(value).__module__.startswith("openpyxl"):  # ArrayFormula, DataTableFormula: a formula all the same
                return str(getattr(value, "text", None) or "=formula")
            return value

        def rows():
            cells_by_pos = getattr(sheet, "_cells", None)
            if cells_by_pos is None:  # read-only: stream the rows the file holds, not the dimensions it claims
                if hasattr(sheet, "reset_dimensions"):
                    sheet.reset_dimensions()
                for r, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                    yield r, [plain(v) for v in cells]
                return
            # only the cells that exist: iter_rows would create every cell up to a stray one at XFD1048576
            by_row: dict[int, dict[int, Any]] = {}
            for (r, c), cell in list(cells_by_pos.items()):
                value = cell.value
                if value is not None:
                    by_row.setdefault(r, {})[c] = plain(value)
            for r in sorted(by_row):
                cols = by_row[r]
                yield r, [cols.get(c) for c in range(1, max(cols) + 1)]
        for item in table_units(rows(), str(path), chunk_size=1):  # rows are checked as they come
            row = item.row if isinstance(item, Unit) else None
            if row is not None and row in merged_rows:
                yield SubmissionError(f"merged cells {merged_rows[row]}; unmerge them and fill every cell", str(path), f"row {row}")
                continue
            if isinstance(item, Unit):
                formulas = [k for k, v in item.data.items() if isinstance(v, str) and v.startswith("=")]
                if formulas:
                    yield SubmissionError(f"column {formulas[0]!r} holds a formula ({item.data[formulas[0]][:30]}); paste values only", str(path), f"row {row}")
                    continue
                for k, v in list(item.data.items()):
                    if hasattr(v, "isoformat"):
                        item.data[k] = v.isoformat()
            yield item
        book.close()


@hookimpl
def civscore_readers():
    return [TomlReader, JsonReader, CsvReader, XlsxReader]


# -- reading many files ---------------------------------------------------------------------
@dataclass
class Submissions:
    units: list[Unit]
    errors: list[SubmissionError]
    files: list[dict[str, str]]       # {"path", "sha256"} of every file read


def expand(paths: Iterable[str | Path], registry: Registry) -> tuple[list[Path], list[SubmissionError]]:
    """Files to read: named files as they are, directories' known files sorted by path."""
    files: list[Path] = []
    errors: list[SubmissionError] = []
    for p in paths:
        path = Path(p)
        if path.is_dir():
            found = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in registry.readers
                           and not any(part.startswith(".") for part in f.relative_to(path).parts))
            if not found:
                errors.append(SubmissionError(f"no submission files ({', '.join(sorted(registry.readers))}) in this directory", str(path)))
            files.extend(found)
        elif path.is_file():
            files.append(path)
        elif path.exists():  # a device or a pipe: never read (a FIFO would block forever)
            errors.append(SubmissionError("not a regular file (a device or a pipe?); give submission files", str(path)))
        else:
            errors.append(SubmissionError("no such file or directory", str(path)))
    return files, errors


def read_file(path: Path, registry: Registry) -> tuple[list[Item], Optional[dict[str, str]]]:
    """One file's units and errors (in file order) and its ``{"path", "sha256"}``."""
    source = str(path)
    reader_cls = registry.readers.get(path.suffix.lower())
    if reader_cls is None:
        return [SubmissionError(f"unknown submission format {path.suffix or '(no suffix)'!r}; "
                                f"readable: {', '.join(sorted(registry.readers))}", source)], None
    try:
        size = path.stat().st_size
        limit = getattr(reader_cls, "max_bytes", MAX_FILE_BYTES)
        if size > limit:
            raise SubmissionError(f"file is {size // 1024 // 1024} MB, over the {limit // 1024 // 1024} MB limit "
                                  f"of {path.suffix} files; split it", source)
        data = path.read_bytes()
    except OSError as exc:
        return [SubmissionError(f"cannot read: {exc.strerror}", source)], None
    except SubmissionError as exc:
        return [exc], None
    digest = {"path": source, "sha256": hashlib.sha256(data).hexdigest()}
    if not data.strip():
        return [SubmissionError("empty file", source)], digest
    items: list[Item] = []
    try:
        items.extend(reader_cls().read(path, data))
        if not items:  # [] in JSON, a header without rows: say so rather than report nothing
            items.append(SubmissionError("no unit in this file; nothing to evaluate", source))
    except SubmissionError as exc:
        items.append(exc)
    except (RecursionError, MemoryError) as exc:
        items.append(SubmissionError(f"cannot read: {type(exc).__name__}", source))
    except Exception as exc:  # a plugin reader that fails
        owner = registry.owner.get(("readers", path.suffix.lower()), "?")
        items.append(SubmissionError(f"reader from plugin {owner!r} failed: {type(exc).__name__}: {exc}", source))
    return items, digest


def _read_in_worker(path: Path) -> tuple[list[Item], Optional[dict[str, str]]]:
    return read_file(path, get_registry() if _WORKER_REGISTRY is None else _WORKER_REGISTRY)


_WORKER_REGISTRY: Optional[Registry] = None


def _read_files(files: list[Path], registry: Registry, jobs: int) -> Iterator[tuple[list[Item], Optional[dict]]]:
    """Each file's items, in order; with ``jobs`` > 1 several files are read
    at once in forked worker processes (the registry is inherited)."""
    if jobs <= 1 or len(files) < 2:
        for path in files:
            yield read_file(path, registry)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    global _WORKER_REGISTRY
    _WORKER_REGISTRY = registry
    try:
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
            yield from pool.map(_read_in_worker, files, chunksize=max(1, len(files) // (jobs * 8)))
    finally:
        _WORKER_REGISTRY = None


def read_all(paths: Iterable[str | Path], registry: Registry | None = None, scheme: Any = None,
             jobs: int = 1) -> Submissions:
    """Read every submission; bad files and rows become errors, never exceptions.

    ``scheme`` (optional) tells how several assessors' sheets of a unit are
    combined (its ``[rating] aggregate`` and ``max_spread``; docs/assessors.md).
    ``jobs`` > 1 reads several files at once in worker processes; the result
    is the same, in the same order."""
    from .assessors import Aggregator
    registry = registry or get_registry()
    panel = Aggregator(scheme)
    files, errors = expand(paths, registry)
    hashes: list[dict[str, str]] = []
    with gc_paused():
        units = _collect(files, registry, jobs, panel, errors, hashes)
    return Submissions(panel.combine(units, errors), errors, hashes)


def _collect(files: list[Path], registry: Registry, jobs: int, panel: Any, errors: list, hashes: list) -> list[Unit]:
    """Every file's units in order, duplicates and bad rows turned into errors."""
    units: list[Unit] = []
    seen: dict[str, Unit] = {}
    for items, digest in _read_files(files, registry, jobs):
        if digest is not None:
            hashes.append(digest)
        for item in items:
            if isinstance(item, SubmissionError):
                errors.append(item)
                continue
            if panel.is_candidate(item):  # a row of a table with an assessor column: merged below
                units.append(item)
                continue
            first = seen.get(item.id)
            if first is not None:
                errors.append(SubmissionError(f"duplicate unit id {item.id!r} (first in {first.where}); unit ids must be unique",
                                              item.source, f"row {item.row}" if item.row is not None else None))
                continue
            seen[item.id] = item
            units.append(item)
    return units
