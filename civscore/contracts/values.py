"""Lenient reading of input values (SPEC §2): numbers from strings, booleans
from words, lists from ``a;b;c``. Each reader returns the value or raises
:class:`ValueInvalid` with a reason a unit can act on."""
from __future__ import annotations

import math
from typing import Any

TRUE_WORDS = {"true", "yes", "是", "1", "y", "t", "on", "对", "有"}
FALSE_WORDS = {"false", "no", "否", "0", "n", "f", "off", "无"}


class ValueInvalid(ValueError):
    """The value is present but of the wrong kind; the message is the reason."""


def is_missing(value: Any) -> bool:
    """Absent key, empty cell, empty string and JSON null are missing."""
    return value is None or (isinstance(value, str) and value.strip() == "")


def short(value: Any, limit: int = 40) -> str:
    """A value as it is shown in a message: its repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


_short = short


def to_number(value: Any) -> float:
    if isinstance(value, bool):
        raise ValueInvalid(f"expected a number, got {_short(value)}")
    if isinstance(value, int) and abs(value) > 1e300:  # before float(): 10**400 would raise OverflowError
        raise ValueInvalid("number too large")
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip().replace(",", "")) if len(value) <= 100 else float("nan")
        except ValueError:
            raise ValueInvalid(f"expected a number, got {_short(value)}") from None
    else:
        raise ValueInvalid(f"expected a number, got {_short(value)}")
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e300:
        raise ValueInvalid("number too large")
    if math.isnan(number) or math.isinf(number):
        raise ValueInvalid(f"expected a finite number, got {_short(value)}")
    return number


def to_count(value: Any) -> float:
    """A count of instances: a non-negative number, or a list's length."""
    if isinstance(value, (list, tuple)):
        return float(len(value))
    number = to_number(value)
    if number < 0:
        raise ValueInvalid(f"a count cannot be negative, got {_short(value)}")
    return number


def to_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise ValueInvalid(f"expected true/false (yes/no, 是/否, 1/0), got {_short(value)}")


def to_list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    if isinstance(value, (list, tuple)):
        out = []
        for item in value:
            if not isinstance(item, (str, int, float)) or isinstance(item, bool):
                raise ValueInvalid(f"expected a list of strings, got an entry {_short(item)}")
            out.append(str(item).strip())
        return out
    raise ValueInvalid(f"expected a list of strings (a;b;c), got {_short(value)}")


def to_text(value: Any) -> str:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise ValueInvalid(f"expected a text value, got {_short(value)}")


def fmt(number: float) -> str:
    """A number as a person writes it: 3, 2.5, 0.67."""
    if not math.isfinite(number) or abs(number) >= 1e15:
        return f"{number:.6g}"          # inf, nan, 1e+308: never int(inf), never 300 digits
    if number == int(number):
        return str(int(number))
    return f"{number:.2f}".rstrip("0").rstrip(".")
