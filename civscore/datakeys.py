"""Data keys the scheme does not read: misspellings and the wrong scheme.

A unit that writes ``"volunteer.hour"`` where the scheme reads
``volunteer.hours`` would otherwise get the item ``missing`` and no hint; a
folder evaluated against the wrong scheme would score about 0 and exit 0.
:func:`survey` finds every data key no criterion, veto or assessor sheet
reads, counts the units giving it and suggests the key meant, and measures
how many of the scheme's inputs the units supply at all. It reads each table
file's columns once, not one key per unit.
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from .assessors import COLUMN
from .contracts.i18n import _, ngettext
from .contracts.units import RowView, Unit

if TYPE_CHECKING:  # pragma: no cover
    from .criteria import Scheme

#: below this share of the scheme's inputs supplied (on average), say the units may be for another scheme
LOW_COVERAGE = 0.25


@dataclass
class UnknownKey:
    """A data key nothing reads: how many units give it, and the key probably meant."""

    key: str
    units: int
    suggestion: str | None = None

    def message(self) -> str:
        where = ngettext("{n} unit", "{n} units", self.units).format(n=self.units)
        text = _("data key {key!r} ({where}) is not read by the scheme").format(key=self.key, where=where)
        if self.suggestion:
            text += _("; did you mean {key!r}?").format(key=self.suggestion)
        return text


@dataclass
class KeyReport:
    """What :func:`survey` found."""

    unknown: list[UnknownKey] = field(default_factory=list)
    inputs: int = 0                 # how many inputs the scheme reads
    units: int = 0
    supplied: float = 0.0           # mean share of the scheme's inputs a unit supplies

    def coverage_warning(self, scheme_id: str) -> str | None:
        """A line when the units supply none, or few, of the scheme's inputs."""
        if not (self.units and self.inputs):
            return None
        if self.supplied == 0:
            return _("none of the {n} units supplies any input of scheme {scheme!r}: "
                     "are these submissions for another scheme?").format(n=self.units, scheme=scheme_id)
        if self.supplied < LOW_COVERAGE:
            return _("the units supply on average {share:.0%} of the {inputs} inputs of scheme {scheme!r}: "
                     "check that they are for this scheme").format(share=self.supplied, inputs=self.inputs, scheme=scheme_id)
        return None


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _counts(units: Iterable[Unit]) -> tuple[dict[str, int], int]:
    """How many units give each data key (a non-empty value), and how many units there are.
    Table files are counted column by column."""
    counts: dict[str, int] = {}
    tables: dict[int, tuple[object, list[int]]] = {}
    n = 0
    for unit in units:
        n += 1
        data = unit.data
        if isinstance(data, RowView):
            tables.setdefault(id(data.table), (data.table, []))[1].append(data.i)
            continue
        for key, value in data.items():
            if _present(value):
                counts[key] = counts.get(key, 0) + 1
    for table, rows in tables.values():
        whole = rows == list(range(rows[0], rows[0] + len(rows)))   # a file's rows in order: slices, not lookups
        for key, column in table.columns.items():  # type: ignore[attr-defined]
            cells = column[rows[0]:rows[0] + len(rows)] if whole else [column[i] for i in rows]
            given = len(cells) - cells.count(None)   # a table keeps blank cells as None (read once, at C speed)
            if given:
                counts[key] = counts.get(key, 0) + given
    return counts, n


def survey(scheme: "Scheme", units: list[Unit]) -> KeyReport:
    """Unknown data keys (most units first, then by key) and how much of the scheme the units supply."""
    read = set(scheme.input_keys()) | {veto.input for veto in scheme.vetoes}
    counts, n = _counts(units)
    for table in scheme.table_keys():   # a TOML/JSON table under a sample/survey key arrives as key.<name>
        nested = [k for k in counts if k.startswith(table + ".")]
        if nested:
            counts[table] = max(counts.get(table, 0), max(counts.pop(k) for k in nested))
    known = sorted(read)
    unknown = [UnknownKey(key, count, next(iter(difflib.get_close_matches(key, known, n=1, cutoff=0.75)), None))
               for key, count in counts.items() if key not in read and key != COLUMN]
    unknown.sort(key=lambda u: (-u.units, u.key))
    inputs = sorted(read)
    supplied = sum(counts.get(k, 0) for k in inputs) / (n * len(inputs)) if n and inputs else 0.0
    return KeyReport(unknown, len(inputs), n, supplied)
