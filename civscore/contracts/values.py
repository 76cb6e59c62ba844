"""Lenient reading of input values (SPEC §2, "Precisely"): numbers from
strings, booleans from words, lists from ``a;b;c``. Each reader returns the
value or raises :class:`ValueInvalid` with a reason a unit can act on.

Every reader reads one value on its own: the same value gives the same
answer whatever else a run holds (a unit's result depends on its own values
only). Text is NFKC-normalised first (full-width digits, ``％``, ``；``, the
ideographic space become ASCII) and trimmed.
"""
from __future__ import annotations

import decimal
import math
import re
import unicodedata
from typing import Any, Iterable, Optional

from .i18n import _

TRUE_WORDS = frozenset({"true", "yes", "是", "1", "y", "t", "on", "对", "有"})
FALSE_WORDS = frozenset({"false", "no", "否", "0", "n", "f", "off", "错", "无"})

#: SPEC §2's number: sign, digits (thousands separators only as ``,`` between
#: groups of three after a first group of 1–3 digits not starting with 0),
#: an optional decimal point (``.5``, ``5.``), an optional exponent.
_NUMBER = re.compile(r"[+-]?(?:(?:[1-9][0-9]{0,2}(?:,[0-9]{3})+|[0-9]+)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
#: the same, followed by a percent sign (SPEC §7.2), spaces allowed before it
_PERCENT = re.compile(r"(.*?)\s*%")
MAX_TEXT = 100          # longer text is never a number (a number of 100 digits is no answer anyway)
TOO_LARGE = 1e300       # integers beyond this are refused before float() could overflow


class ValueInvalid(ValueError):
    """The value is present but of the wrong kind; the message is the reason."""


def normalize(text: str) -> str:
    """Text as civscore reads it: NFKC-normalised and trimmed."""
    if text.isascii():   # the common case: NFKC changes nothing
        return text.strip()
    return unicodedata.normalize("NFKC", text).strip()


def is_missing(value: Any) -> bool:
    """Absent key, empty cell, empty string, a string of only spaces
    (``str.isspace``) and JSON null are missing."""
    return value is None or (isinstance(value, str) and (value == "" or value.isspace()))


def short(value: Any, limit: int = 40) -> str:
    """A value as it is shown in a message: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


_short = short


def _finite(number: float, value: Any) -> float:
    if math.isnan(number) or math.isinf(number):
        raise ValueInvalid(_("expected a finite number, got {value}").format(value=_short(value)))
    return number


def number_and_percent(value: Any) -> tuple[float, bool]:
    """A value read as a number *as written*, and whether it was written as a
    percentage: ``"96%"`` → ``(96.0, True)``, ``"1,234"`` → ``(1234.0, False)``,
    TOML ``1.0`` → ``(1.0, False)``. Booleans, lists, NaN, infinities and text
    that is not SPEC §2's number raise :class:`ValueInvalid`.

    :func:`to_number` divides a percentage by 100; a reader of a ``unit = "%"``
    leaf (SPEC §7.2) takes the number as written instead."""
    if isinstance(value, bool):
        raise ValueInvalid(_("expected a number, got {value}").format(value=_short(value)))
    if isinstance(value, int):
        if abs(value) > TOO_LARGE:  # before float(): 10**400 would raise OverflowError
            raise ValueInvalid(_("number too large"))
        return float(value), False
    if isinstance(value, float):
        return _finite(value, value), False
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        text = normalize(value)
        percent = False
        if text.endswith("%"):
            text = text[:-1].rstrip()
            percent = True
        if _NUMBER.fullmatch(text):
            number = float(text.replace(",", "")) if "," in text else float(text)
            return _finite(number, value), percent
        if text.lower().lstrip("+-") in ("nan", "inf", "infinity"):
            raise ValueInvalid(_("expected a finite number, got {value}").format(value=_short(value)))
    raise ValueInvalid(_("expected a number, got {value}").format(value=_short(value)))


def to_number(value: Any) -> float:
    """A number (SPEC §2): TOML/JSON numbers, or text such as ``3.5``,
    ``1,234``, ``.5``, ``1.2E+05``; ``96%`` reads as 0.96 (SPEC §7.2)."""
    number, percent = number_and_percent(value)
    if not percent:
        return number
    text = normalize(value)[:-1].rstrip().replace(",", "")
    return float(decimal.Decimal(text).scaleb(-2))   # 0.7% is 0.007 exactly as written, not 0.7 / 100


def to_list(value: Any) -> list[str]:
    """A list of text entries: a TOML/JSON array, or a string, split at ``;``
    (``；`` too); entries are trimmed and empty ones dropped, numbers are
    written in their shortest form. A number, a boolean or a nested value is
    invalid."""
    if isinstance(value, str):
        text = normalize(value)
        if ";" not in text:
            return [text] if text else []
        return [e for e in (part.strip() for part in text.split(";")) if e]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if isinstance(item, str):
                entry = normalize(item)
            elif isinstance(item, (int, float)) and not isinstance(item, bool):
                entry = number_text(item)
            else:
                raise ValueInvalid(_("expected a list of strings, got an entry {value}").format(value=_short(item)))
            if entry:
                out.append(entry)
        return out
    raise ValueInvalid(_("expected a list of strings (a;b;c), got {value}").format(value=_short(value)))


def is_list(value: Any) -> bool:
    """Whether a value reads as a list where a count is expected: an array,
    or a string holding ``;`` (or ``；``)."""
    if isinstance(value, str):
        return ";" in value or (not value.isascii() and ";" in normalize(value))
    return isinstance(value, (list, tuple))


def to_count(value: Any) -> float:
    """A count of instances: a list (an array, or ``a;b;c``) counts its
    entries; any other value must be a number that is not negative."""
    if is_list(value):
        return float(len(to_list(value)))
    number = to_number(value)
    if number < 0:
        raise ValueInvalid(_("a count cannot be negative, got {value}").format(value=_short(value)))
    return number


def to_bool(value: Any) -> bool:
    """A boolean: ``true yes 是 y t on 对 有`` / ``false no 否 n f off 错 无`` in
    any letter case, and any number (or text reading as one) equal to 1 or 0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        word = normalize(value).lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    if isinstance(value, (int, float, str)):
        try:
            number = to_number(value)
        except ValueInvalid:
            pass
        else:
            if number == 1 or number == 0:
                return number == 1
    raise ValueInvalid(_("expected true/false (yes/no, 是/否, 1/0), got {value}").format(value=_short(value)))


def is_table_text(value: Any) -> bool:
    """Text written as a table, ``key:value;key:value`` (``：`` too)."""
    return isinstance(value, str) and (":" in value or "：" in value)


def to_table(value: Any) -> list[tuple[str, Any]]:
    """A table (SPEC §7.4) as ``(key, value)`` pairs in the order written: a
    TOML/JSON table, or text ``key:value;key:value`` (``：`` and ``；`` too; a
    key may itself hold ``:``, the value follows the last one). Keys are
    trimmed; an empty key or value, or a key given twice, is invalid."""
    if isinstance(value, dict):
        pairs = [(normalize(str(k)), v) for k, v in value.items()]
    elif isinstance(value, str):
        pairs = []
        for entry in normalize(value).split(";"):     # NFKC: ：and ；are : and ;
            if not entry.strip():
                continue
            key, colon, raw = entry.rpartition(":")
            if not colon:
                raise ValueInvalid(_("{entry!r} has no ':'; write a table as key:value;key:value").format(
                    entry=_cut(entry.strip())))
            if not raw.strip():
                raise ValueInvalid(_("{key!r} has no value after ':'").format(key=_cut(key.strip())))
            pairs.append((key.strip(), raw.strip()))
    else:
        raise ValueInvalid(_("expected a table, key:value;key:value, got {value}").format(value=_short(value)))
    seen: set[str] = set()
    for key, _v in pairs:
        if not key:
            raise ValueInvalid(_("a table entry has an empty key"))
        if key in seen:
            raise ValueInvalid(_("{key!r} is given twice").format(key=_cut(key)))
        seen.add(key)
    return pairs


def _cut(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."


def to_text(value: Any) -> str:
    """Text: a string NFKC-normalised and trimmed, a number in its shortest
    form (``1.0`` → ``"1"``, ``2.50`` → ``"2.5"``). A boolean is invalid."""
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return number_text(value)
    raise ValueInvalid(_("expected a text value, got {value}").format(value=_short(value)))


def number_text(value: "int | float") -> str:
    """A number as text in its shortest form, the same for ``1`` and ``1.0``
    (SPEC §2); NaN, infinities and huge integers are invalid."""
    number = to_number(value)
    if number.is_integer() and abs(number) < 1e21:
        return str(int(number))
    return repr(number)


def fold(text: str) -> str:
    """A grade as compared (SPEC §2): normalised, trimmed, letter case ignored."""
    return normalize(text).casefold()


def match_grade(value: Any, grades: Iterable[str]) -> Optional[str]:
    """The grade of ``grades`` that ``value`` names (trimmed, ignoring letter
    case; a number in its shortest form), or ``None``; :class:`ValueInvalid`
    when the value is not text or a number."""
    text = fold(to_text(value))
    for grade in grades:
        if fold(grade) == text:
            return grade
    return None


def round_half_up(number: float, digits: int = 2) -> float:
    """Round half up (away from zero) on the decimal value a person would
    print: binary noise below 1e-9 is removed first, so 2.975 (stored as
    2.97499999…) gives 2.98 and ``1.5 * 1.15`` to 2 decimals gives 1.73."""
    if not math.isfinite(number):
        return number
    digits = max(-400, min(400, int(digits)))
    try:
        with decimal.localcontext() as ctx:
            ctx.prec = 1000
            exact = decimal.Decimal(repr(float(number)))
            if digits < 9:
                exact = exact.quantize(decimal.Decimal("1e-9"), rounding=decimal.ROUND_HALF_EVEN)
            exact = exact.quantize(decimal.Decimal(1).scaleb(-digits), rounding=decimal.ROUND_HALF_UP)
        return float(exact) + 0.0   # -0.0 → 0.0
    except (decimal.InvalidOperation, OverflowError, ValueError):  # pragma: no cover - huge values
        return float(round(number, digits))


def fmt(number: float) -> str:
    """A number as a person writes it: 3, 2.5, 0.67 (half up: 2.975 → 2.98)."""
    if not math.isfinite(number) or abs(number) >= 1e15:
        return f"{number:.6g}"          # inf, nan, 1e+308: never int(inf), never 300 digits
    if number == int(number):
        return str(int(number))
    rounded = math.floor(round(round(abs(number), 9) * 100, 6) + 0.5) / 100
    text = f"{rounded:.2f}".rstrip("0").rstrip(".")
    return text if number > 0 or text == "0" else "-" + text


# -- SPEC §7: not-applicable words and percentages ---------------------------------------
#: what a unit writes under an item's input key to mark it not applicable (SPEC §7.1), compared
#: after trimming and ignoring letter case
NA_WORDS = frozenset({"n/a", "na", "不适用", "免评", "合理缺项"})


def is_na_word(value: Any) -> bool:
    """True when ``value`` is one of :data:`NA_WORDS` (``" N/A "`` and ``"免评"`` are)."""
    return isinstance(value, str) and len(value) <= 40 and normalize(value).lower() in NA_WORDS


class Percent(float):
    """A number that was shown as a percentage (an XLSX cell whose number format is
    one): it *is* its stored value (0.96 for a cell showing 96%), and it remembers
    that it was a percentage, so a ``unit = "%"`` leaf reads it as 96 (SPEC §7.2).

    It never equals a plain float, so caches of distinct values keep the two apart."""

    __slots__ = ()

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Percent) and float(self) == float(other)

    def __ne__(self, other: Any) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return hash((float(self), "%"))

    def __repr__(self) -> str:
        return f"Percent({float(self)!r})"


def is_percent_format(code: Any) -> bool:
    """An XLSX number format that shows a percentage: ``%`` outside double quotes
    (and not escaped with a backslash): ``0%``, ``0.0%``; not ``0.0"%"``."""
    if not isinstance(code, str) or "%" not in code:
        return False
    quoted = escaped = False
    for ch in code:
        if escaped:
            escaped = False
        elif ch == "\\" and not quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "%" and not quoted:
            return True
    return False


def written_as_percent(value: Any) -> bool:
    """True for ``"96%"``, ``"96 %"``, ``"96％"`` and :class:`Percent` cells."""
    if isinstance(value, Percent):
        return True
    return isinstance(value, str) and len(value) <= MAX_TEXT and normalize(value).endswith("%")


def on_percent_scale(value: Any) -> Any:
    """A ``unit = "%"`` leaf's value on the 0–100 scale (SPEC §7.2): ``"96%"`` and a
    percentage cell holding 0.96 are 96; anything else is returned unchanged (plain
    numbers are taken as written; what cannot be read stays for the scorer to say so)."""
    if isinstance(value, Percent):
        return float(f"{float(value) * 100:.12g}")      # 0.07 × 100 is 7.000000000000001: 12 digits are plenty
    if isinstance(value, str):
        try:
            number, percent = number_and_percent(value)
        except ValueInvalid:
            return value
        return number if percent else value
    return value


class CodedColumn(list):
    """A column of values (a plain list, one value per unit) that also knows
    its distinct values and each unit's index into them, as a table file's
    reader found them: :func:`civscore.contracts.scoring.distinct` returns
    ``distinct`` without hashing the column again. ``keys`` are the distinct
    values, each a value some unit has; ``codes`` a NumPy index array."""

    __slots__ = ("distinct",)

    def __init__(self, values: Iterable[Any], keys: list, codes: Any):
        super().__init__(values)
        self.distinct = (keys, codes)
