"""Units and readers (SPEC §4): what a reader produces and how it is written.

A :class:`Unit` is one submission: who it is and its inputs by data key. A
:class:`Reader` turns one file's bytes into units (and
:class:`~civscore.contracts.errors.SubmissionError` for the parts it cannot
read). Table files keep their inputs column-wise in a :class:`Table`; each
unit's ``data`` is then a :class:`RowView` into it.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Iterable, Optional, Union

from .errors import SubmissionError
from .i18n import _

UNIT_FIELDS = ("id", "name", "group", "region", "period")
MAX_FILE_BYTES = 200 * 1024 * 1024      # a reader's default: what one file may weigh


@dataclass(slots=True)
class Unit:
    """One unit's submission: who it is and its inputs by data key."""

    id: str
    name: str
    data: "dict[str, Any] | RowView"   # a table file's units read a row of its column-wise Table
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
def unit_text(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def make_unit(info: Any, data: Any, source: str, where: Optional[str], row: Optional[int] = None) -> Unit:
    """A unit from its ``unit`` table and ``data`` table, checked."""
    if not isinstance(info, dict):
        raise SubmissionError(_("no [unit] table; add [unit] with id and name"), source, where)
    unknown = [k for k in info if k not in UNIT_FIELDS]
    if unknown:
        raise SubmissionError(_("unknown key unit.{key}; a unit has {keys}").format(key=unknown[0], keys=", ".join(UNIT_FIELDS)),
                              source, where)
    for key in UNIT_FIELDS:
        value = info.get(key)
        if value is not None and not isinstance(value, (str, int)) or isinstance(value, bool):
            raise SubmissionError(_("unit.{key} must be text, not {kind}").format(key=key, kind=type(value).__name__), source, where)
    uid, name = unit_text(info.get("id")), unit_text(info.get("name"))
    if uid is None:
        raise SubmissionError(_("unit.id is missing; every unit needs an id"), source, where)
    if len(uid) > 200:
        raise SubmissionError(_("unit.id is longer than 200 characters"), source, where)
    if name is None:
        raise SubmissionError(_("unit.name of unit {unit!r} is missing; every unit needs a name").format(unit=uid), source, where)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SubmissionError(_("data must be a table of inputs by key"), source, where)
    try:
        flat = flatten(data)
    except RepeatedKey as exc:
        raise SubmissionError(exc.message, source, where) from None
    return Unit(uid, name, flat, unit_text(info.get("group")), unit_text(info.get("region")),
                unit_text(info.get("period")), source, row)


def table_row_problem(uid: Optional[str], name: Optional[str]) -> Optional[str]:
    """Why a table row gives no unit, in the order a table's rows are checked
    (its id missing, its name missing, its id too long), or None. One rule for
    the line-by-line and the columnar readers; a row of empty cells is the
    caller's to skip first."""
    if not uid:
        return _("unit.id is missing; every unit needs an id")
    if not name:
        return _("unit.name of unit {unit!r} is missing; every unit needs a name").format(unit=uid)
    if len(uid) > 200:
        return _("unit.id is longer than 200 characters")
    return None


class RepeatedKey(ValueError):
    """One data key given twice, once dotted and once nested (``"a.b" = 1`` and ``a.b = 0``)."""

    def __init__(self, key: str):
        self.key = key
        self.message = _("the data key {key!r} is given twice (as \"{key}\" and as nested tables); keep one").format(key=key)
        super().__init__(self.message)


def flatten(data: dict[str, Any], prefix: str = "", out: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """Nested tables become dotted keys: ``ideology.study = [...]`` written
    unquoted in TOML reads as the key ``"ideology.study"``. A key reached
    twice (``"a.b" = 12`` beside ``a.b = 0``, or JSON's ``{"a.b": 12, "a":
    {"b": 0}}``) raises :class:`RepeatedKey`, never a silent overwrite."""
    if out is None:
        out = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict):
            flatten(value, full + ".", out)
        elif full in out:
            raise RepeatedKey(full)
        else:
            out[full] = value
    return out



class Table:
    """A table file's inputs held in columns (one list per data key), so a
    million rows cost a list per column, not a dict per row. Equal cells
    share one string object. ``codes`` (optional, per key) holds a column's
    distinct values and each row's index into them, when the reader has them."""

    __slots__ = ("columns", "n", "codes")

    def __init__(self, keys: list[str]):
        self.columns: dict[str, list] = {k: [] for k in keys}
        self.n = 0
        self.codes: dict[str, tuple[list, Any]] = {}


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
        self.table.codes.pop(key, None)

    def __repr__(self) -> str:
        return f"RowView({dict(self)!r})"

