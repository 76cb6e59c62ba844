"""Several assessors (docs/assessors.md): one unit's score sheets combined.

A unit may be scored by a panel. Its sheets come either from a TOML/JSON
submission's ``[[assessors]]`` tables (each with ``name`` and its own
``data``), or from table rows (CSV/XLSX) that carry an ``assessor`` column
and share a ``unit.id`` (in one file or several). :class:`Aggregator`, called
from :func:`civscore.submissions.read_all`, merges the rows, combines the
sheets per input key and leaves an ordinary :class:`Unit` for the engine:

- numbers (``linear bands manual ratio formula`` inputs, ``deduct`` counts):
  the scheme's ``[rating] aggregate``: ``mean``, ``median`` (mean of the two
  middle values when even) or ``trimmed-mean`` (drop one highest and one
  lowest value, mean of the rest; with fewer than 3 values the mean);
- booleans (``boolean`` inputs and vetoes): true when more than half of the
  assessors who answered say true, else false (a tie is false);
- grades: the median grade in the scale's order (best to worst); with an
  even number of assessors the lower (worse) of the two middle grades;
- checklists: an entry is kept when more than half of the assessors list it;
- anything else (a plugin scorer's text): the most frequent value; a tie
  goes to the first in text order.

Assessors who leave a key empty abstain on it. A value an assessor wrote
that cannot be read as the key's kind makes the combined value that raw
value, so the item gets status ``invalid`` exactly as on a single sheet.

With ``max_spread`` set, a key is flagged in ``unit.extra["disagreements"]``
when its numbers spread (max − min) more than ``max_spread``, or when the
assessors do not all agree on a non-numeric value; an unreadable value is
always flagged. Every rule here is independent of the order the sheets were
read in (values are sorted; sums use :func:`math.fsum`).
"""
from __future__ import annotations

import math
from collections import Counter
from typing import TYPE_CHECKING, Any, Optional

from .contracts.i18n import _
from .contracts.errors import SubmissionError
from .contracts.units import RepeatedKey, RowView, Unit, flatten, unit_text
from .contracts.values import ValueInvalid, fmt, is_missing, match_grade, to_bool, to_count, to_list, to_number, to_text

if TYPE_CHECKING:  # pragma: no cover
    from .criteria import Scheme

AGGREGATES = ("mean", "median", "trimmed-mean")
COLUMN = "assessor"                 # the table column naming a row's assessor
SHEET_KEYS = ("name", "data", "note")
EPS = 1e-9


# -- combining values ---------------------------------------------------------------------
def combine_numbers(values: list[float], aggregate: str = "mean") -> float:
    """``mean``, ``median`` or ``trimmed-mean`` of the numbers (order does not matter)."""
    if not values:
        raise ValueError(_("no values to combine"))
    nums = sorted(values)
    n = len(nums)
    if aggregate == "median":
        m = n // 2
        return nums[m] if n % 2 else _mean(nums[m - 1:m + 1])
    if aggregate == "trimmed-mean" and n >= 3:
        return _mean(nums[1:-1])
    if aggregate not in AGGREGATES:
        raise ValueError(_("unknown aggregate {aggregate!r}; use {choices}").format(aggregate=aggregate, choices=", ".join(AGGREGATES)))
    return _mean(nums)


def _mean(nums: list[float]) -> float:
    try:
        return math.fsum(nums) / len(nums)
    except OverflowError:  # two assessors giving 1.7e308: the sum overflows, the mean does not
        return math.fsum(x / len(nums) for x in nums)


def combine_booleans(values: list[bool]) -> bool:
    """True when more than half say true; a tie is false."""
    return sum(1 for v in values if v) * 2 > len(values)


def combine_grades(values: list[str], scale: list[str]) -> str:
    """The median grade in scale order (best first); the worse middle one when even."""
    ordered = sorted(values, key=scale.index)
    return ordered[len(ordered) // 2]


def combine_lists(values: list[list[str]], items: Optional[list[str]] = None) -> list[str]:
    """Entries listed by more than half of the assessors: the checklist's order, then text order."""
    counts = Counter(entry for v in values for entry in dict.fromkeys(v))
    kept = {e for e, c in counts.items() if c * 2 > len(values)}
    known = [e for e in (items or []) if e in kept]
    return known + sorted(kept - set(known))


def combine_texts(values: list[str]) -> str:
    """The most frequent value; a tie goes to the first in text order."""
    counts = Counter(values)
    return min(counts, key=lambda v: (-counts[v], v))


# -- what kind of value each input key holds ------------------------------------------------------
def key_kinds(scheme: "Scheme | None") -> dict[str, tuple[str, Any]]:
    """``{input key: (kind, detail)}`` from the scorers that read each key.

    Kinds: ``number``, ``count``, ``boolean``, ``grade`` (detail: the scale's
    grades, best first), ``list`` (detail: the checklist's items), as each
    scorer's :meth:`~civscore.Scorer.value_kind` says; keys whose scorers say
    nothing are left out: their kind is inferred from the values.
    """
    if scheme is None:
        return {}
    kinds: dict[str, tuple[str, Any]] = {}
    for leaf in scheme.items:
        for key in leaf.input_keys:
            try:
                kind = leaf.scorer_cls.value_kind(key, leaf.params)
            except Exception:  # a plugin's bug: infer the kind from the values instead
                kind = None
            if kind is not None:
                kinds.setdefault(key, kind)
    for veto in scheme.vetoes:
        kinds.setdefault(veto.input, ("boolean", None))
    return kinds


def _infer(values: list[Any]) -> tuple[str, Any]:
    for kind, read in (("number", to_number), ("boolean", to_bool)):
        try:
            for v in values:
                read(v)
            return kind, None
        except ValueInvalid:
            pass
    if any(isinstance(v, (list, tuple)) for v in values):
        return "list", None
    return "text", None


def _read(value: Any, kind: str, detail: Any) -> Any:
    """One assessor's value as the kind's Python value; :class:`ValueInvalid` if it is not one."""
    if kind == "number":
        return to_number(value)
    if kind == "count":
        return to_count(value)
    if kind == "boolean":
        return to_bool(value)
    if kind == "list":
        return to_list(value)
    if kind == "grade":
        grade = match_grade(value, detail)
        if grade is not None:
            return grade
        raise ValueInvalid(_("grade {grade!r} is not in the scale ({scale})").format(grade=to_text(value),
                                                                                   scale=", ".join(detail)))
    if isinstance(value, (list, tuple)):
        return ";".join(str(v) for v in value)
    return str(value).strip()


def _plain(value: Any) -> Any:
    """A value as JSON can hold it (for the disagreement flags in reports)."""
    if value is None or isinstance(value, (bool, str, int)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)


def combine_key(values: dict[str, Any], kind: str, detail: Any, aggregate: str,
                max_spread: Optional[float]) -> tuple[Any, Optional[dict[str, Any]]]:
    """Combine one key's values ``{assessor: raw value}`` (missing ones left out).

    Returns the combined value and the disagreement flag (or None)."""
    if kind == "infer":
        kind, detail = _infer(list(values.values()))
    read: dict[str, Any] = {}
    bad: list[str] = []
    for name, raw in values.items():
        try:
            read[name] = _read(raw, kind, detail)
        except ValueInvalid:
            bad.append(name)
    spread: Optional[float] = None
    flag: Optional[dict[str, Any]]
    if bad:
        flag = {"reason": _("unreadable value from {assessors}").format(assessors=", ".join(bad))}
        combined = values[bad[0]]
    elif kind in ("number", "count"):
        nums = list(read.values())
        combined = combine_numbers(nums, aggregate)
        spread = finite_spread(nums)
        if spread is None:  # 1.7e308 and -1.7e308: too far apart for a float; null in JSON, always flagged
            flag = {"reason": _("spread beyond the largest number (about 1.8e308)")} if max_spread is not None else None
        else:
            flag = ({"reason": _("spread {spread} > max_spread {max}").format(spread=_fmt(spread), max=_fmt(max_spread))}
                    if max_spread is not None and spread > max_spread + EPS else None)
    else:
        vals = list(read.values())
        if kind == "boolean":
            combined = combine_booleans(vals)
            unanimous = len(set(vals)) == 1
        elif kind == "grade":
            combined = combine_grades(vals, detail)
            unanimous = len(set(vals)) == 1
        elif kind == "list":
            combined = combine_lists(vals, detail)
            unanimous = len({frozenset(v) for v in vals}) == 1
        else:
            combined = combine_texts(vals)
            unanimous = len(set(vals)) == 1
        flag = {"reason": _("the assessors do not agree")} if max_spread is not None and not unanimous else None
    if flag is not None:
        flag = {"values": {k: _plain(v) for k, v in values.items()}, "combined": _plain(combined),
                "spread": spread, **flag}
    return combined, flag


def finite_spread(nums: list[float]) -> Optional[float]:
    """max − min of numbers, rounded; None when it is beyond floating point
    (never infinity: JSON cannot hold it)."""
    spread = max(nums) - min(nums)
    return round(spread, 9) if math.isfinite(spread) else None


def _fmt(x: Optional[float]) -> str:
    return fmt(x) if x is not None else "-"


# -- sheets, rows and units ------------------------------------------------------------------------
def sheets_from_doc(unit: "Unit") -> list[dict[str, Any]]:
    """The ``[[assessors]]`` tables of a TOML/JSON submission, checked and flattened."""
    raw = unit.extra.get("assessors")
    where = _("row {row}").format(row=unit.row) if unit.row is not None else None
    if not isinstance(raw, list) or not raw:
        raise SubmissionError(_("assessors must be a non-empty list of tables ([[assessors]] with name and data)"),
                              unit.source, where)
    sheets: list[dict[str, Any]] = []
    names: set[str] = set()
    for i, entry in enumerate(raw):
        label = f"assessors[{i}]"
        if not isinstance(entry, dict):
            raise SubmissionError(_("{label} must be a table with name and data").format(label=label), unit.source, where)
        unknown = [k for k in entry if k not in SHEET_KEYS]
        if unknown:
            raise SubmissionError(_("{label}: unknown key {key!r}; an assessor has {keys}").format(
                label=label, key=unknown[0], keys=", ".join(SHEET_KEYS)),
                                  unit.source, where)
        name = entry.get("name")
        name = unit_text(name) if isinstance(name, (str, int)) and not isinstance(name, bool) else None
        if name is None:
            raise SubmissionError(_("{label}: name is missing; every assessor needs a name").format(label=label), unit.source, where)
        if name in names:
            raise SubmissionError(_("assessor {name!r} appears twice; assessor names must be unique").format(name=name),
                                  unit.source, where)
        names.add(name)
        data = entry.get("data", {})
        if not isinstance(data, dict):
            raise SubmissionError(_("{label} ({name}): data must be a table of inputs by key").format(label=label, name=name),
                                  unit.source, where)
        try:
            flat = flatten(data)
        except RepeatedKey as exc:
            raise SubmissionError(f"{label} ({name}): {exc.message}", unit.source, where) from None
        sheets.append({"name": name, "data": flat, "source": unit.source, "row": unit.row})
    return sheets


class Aggregator:
    """Merges assessor rows and combines assessor sheets for :func:`read_all`.

    ``scheme`` (optional) gives the aggregate, ``max_spread`` and the kind of
    each input key; without it numbers are averaged (``mean``), nothing is
    flagged but unreadable values, and kinds are inferred from the values.
    """

    def __init__(self, scheme: "Scheme | None" = None):
        self.scheme = scheme
        rating = getattr(scheme, "rating", None)
        self.aggregate: str = getattr(rating, "aggregate", None) or "mean"
        self.max_spread: Optional[float] = getattr(rating, "max_spread", None)
        self.kinds = key_kinds(scheme)
        # a scheme that reads a data key named "assessor" keeps v1's meaning of that column
        self.column = COLUMN if scheme is None or COLUMN not in set(scheme.input_keys()) else None

    def is_candidate(self, unit: "Unit") -> bool:
        """A row of a table that has an ``assessor`` column (decided as the row is
        read, before its cells may be filled in): :meth:`combine` sorts it out."""
        if self.column is None or unit.row is None:
            return False
        columns = getattr(getattr(unit.data, "table", None), "columns", None)
        return self.column in (columns if columns is not None else unit.data)

    def any_candidate(self, units: list["Unit"]) -> bool:
        """Whether :meth:`is_candidate` holds for some unit: asked once per
        table file, not once per row."""
        if self.column is None:
            return False
        tables = {id(u.data.table): u for u in units if isinstance(u.data, RowView)}
        return any(self.is_candidate(u) for u in tables.values()) or any(
            self.is_candidate(u) for u in units if not isinstance(u.data, RowView))

    def is_row(self, unit: "Unit") -> bool:
        """A table row with an ``assessor`` cell: rows of one unit id are merged, not duplicates."""
        return self.column is not None and unit.row is not None and self.column in unit.data

    def combine(self, units: list["Unit"], errors: list[SubmissionError]) -> list["Unit"]:
        """Units in read order with assessor rows merged and every panel's sheets combined.

        Problems (a row whose unit fields contradict the unit's first row, an
        assessor twice for a unit, a plain unit id that assessor rows also
        use, a malformed ``[[assessors]]``) are appended to ``errors``."""
        if not self.any_candidate(units) and not any("assessors" in u.extra for u in units):
            return units
        out: list[Any] = []
        rows_of: dict[str, list["Unit"]] = {}
        plain: dict[str, "Unit"] = {}
        for unit in units:
            if self.is_row(unit):
                if unit.id in plain:
                    errors.append(_duplicate(unit, plain[unit.id]))
                    continue
                group = rows_of.get(unit.id)
                if group is None:
                    rows_of[unit.id] = [unit]
                    out.append(unit.id)
                    continue
                problem = _conflict(group, unit, self.column or COLUMN)
                if problem:
                    errors.append(SubmissionError(problem, unit.source, _("row {row}").format(row=unit.row)))
                    continue
                group.append(unit)
            else:
                first = rows_of[unit.id][0] if unit.id in rows_of else plain.get(unit.id)
                if first is not None:  # (duplicates among other units were caught as they were read)
                    errors.append(_duplicate(unit, first))
                    continue
                plain[unit.id] = unit
                out.append(unit)
        result = []
        for entry in out:
            try:
                if isinstance(entry, str):
                    result.append(self.merge_rows(rows_of[entry]))
                elif "assessors" in entry.extra:
                    result.append(self.apply(entry, sheets_from_doc(entry)))
                else:
                    result.append(entry)
            except SubmissionError as exc:
                errors.append(exc)
        return result

    def merge_rows(self, rows: list["Unit"]) -> "Unit":
        first = min(rows, key=lambda u: (u.source, u.row or 0))
        unit = Unit(first.id, first.name, {}, source=first.source, row=first.row)
        for field_name in ("group", "region", "period"):
            setattr(unit, field_name, next((getattr(r, field_name) for r in rows if getattr(r, field_name) is not None), None))
        sheets = []
        for r in rows:
            data = dict(r.data)
            name = unit_text(data.pop(self.column))
            sheets.append({"name": name, "data": data, "source": r.source, "row": r.row})
        return self.apply(unit, sheets)

    def apply(self, unit: "Unit", sheets: list[dict[str, Any]]) -> "Unit":
        """Combine ``sheets`` into ``unit.data``; record the panel and any flags in ``unit.extra``."""
        sheets = sorted(sheets, key=lambda s: s["name"])
        shared = [k for s in sheets for k in s["data"] if k in unit.data]
        if shared:
            raise SubmissionError(_("unit {unit!r}: {key!r} is given both in [data] and by an assessor; "
                                    "give each key in one place").format(unit=unit.id, key=shared[0]), unit.source,
                                  _("row {row}").format(row=unit.row) if unit.row is not None else None)
        keys: dict[str, None] = {}
        for s in sheets:
            keys.update(dict.fromkeys(s["data"]))
        flags: dict[str, Any] = {}
        for key in sorted(keys):
            values = {s["name"]: s["data"][key] for s in sheets
                      if key in s["data"] and not is_missing(s["data"][key])}
            if not values:
                continue
            kind, detail = self.kinds.get(key, ("infer", None))
            combined, flag = combine_key(values, kind, detail, self.aggregate, self.max_spread)
            unit.data[key] = combined
            if flag is not None:
                flags[key] = flag
        unit.extra["assessors"] = [{"name": s["name"], "source": s["source"], "row": s["row"]} for s in sheets]
        unit.extra["aggregate"] = self.aggregate
        if flags:
            unit.extra["disagreements"] = flags
        return unit


def _where(unit: "Unit") -> str:
    return unit.where


def _duplicate(unit: "Unit", first: "Unit") -> SubmissionError:
    return SubmissionError(_("duplicate unit id {unit!r} (first in {first}); unit ids must be unique, and rows of one "
                             "unit by several assessors all need a value in the {column!r} column").format(
                                 unit=unit.id, first=_where(first), column=COLUMN),
                           unit.source, _("row {row}").format(row=unit.row) if unit.row is not None else None)


def _conflict(group: list["Unit"], unit: "Unit", column: str) -> Optional[str]:
    name = str(unit.data.get(column)).strip()
    for r in group:
        if str(r.data.get(column)).strip() == name:
            return _("assessor {name!r} scored unit {unit!r} twice (first in {first})").format(
                name=name, unit=unit.id, first=_where(r))
    first = group[0]
    if unit.name != first.name:
        return _("unit {unit!r} is named {name!r} here but {other!r} in {first}").format(
            unit=unit.id, name=unit.name, other=first.name, first=_where(first))
    for f in ("group", "region", "period"):
        mine = getattr(unit, f)
        for r in group:
            theirs = getattr(r, f)
            if mine is not None and theirs is not None and mine != theirs:
                return _("unit {unit!r} has unit.{field} {mine!r} here but {theirs!r} in {first}").format(
                    unit=unit.id, field=f, mine=mine, theirs=theirs, first=_where(r))
    return None


def unit_extension(unit: "Unit") -> dict[str, Any]:
    """The documented extension keys of a unit's result: ``assessors`` and ``disagreements``."""
    out: dict[str, Any] = {}
    sheets = unit.extra.get("assessors") if isinstance(unit.extra, dict) else None
    if sheets and isinstance(sheets, list) and all(isinstance(s, dict) and "source" in s for s in sheets):
        out["assessors"] = [s["name"] for s in sheets]
        out["aggregate"] = unit.extra.get("aggregate")
        out["disagreements"] = unit.extra.get("disagreements", {})
    return out


def disagreement_note(flags: dict[str, Any], limit: int = 3) -> str:
    """A short note for tables: ``assessors disagree: key (reason), …``."""
    if not flags:
        return ""
    parts = ", ".join(f"{k} ({v['reason']})" for k, v in list(flags.items())[:limit])
    if len(flags) > limit:
        return _("assessors disagree: {keys} and {more} more").format(keys=parts, more=len(flags) - limit)
    return _("assessors disagree: {keys}").format(keys=parts)


def value_text(value: Any) -> str:
    """A value as a person writes it: 5.5, 是/否 as true/false, lists as a;b."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return fmt(value)
    if isinstance(value, list):
        return ";".join(value_text(v) for v in value) or _("(none)")
    return str(value)


def disagreement_lines(flags: dict[str, Any]) -> list[str]:
    """One line per flagged key: who gave what, the combined value and why it is flagged."""
    return [_("assessors disagree on {key}: {values} → {combined} ({reason})").format(
                key=key, values=", ".join(f"{who} {value_text(v)}" for who, v in flag["values"].items()),
                combined=value_text(flag["combined"]), reason=flag["reason"]) for key, flag in flags.items()]
