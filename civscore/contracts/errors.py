"""civscore's own error types. Every error a user can cause is one of these,
and its ``str()`` is the one line the command line prints."""
from __future__ import annotations

import re

from .i18n import _


class CivscoreError(Exception):
    """Base of civscore's errors: ``source`` (a file), ``where`` (a line:column,
    a row or a dotted key path) and a message that says what to do."""

    def __init__(self, message: str, source: str | None = None, where: str | None = None):
        super().__init__(message)
        self.message = message
        self.source = source
        self.where = where

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.where) if p]
        return ": ".join(parts + [self.message])


class CriteriaError(CivscoreError):
    """A criteria file is unreadable or breaks a rule of SPEC §1 (exit 2)."""


class SubmissionError(CivscoreError):
    """A submission cannot be read: the unit is reported, the others go on."""


class PluginError(CivscoreError):
    """A plugin failed to import or register, or two plugins clash."""


class UsageError(CivscoreError):
    """A command-line argument is wrong (exit 2)."""


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(m: "re.Match[str]") -> str:
    code = ord(m.group())
    return "\\x%02x" % code if code < 0x100 else "\\u%04x" % code


def one_line(text: str) -> str:
    """A message as one safe line for a terminal: control characters
    (newlines, escape sequences, bell), bidi overrides and lone surrogates,
    wherever they come from (a file name, a key), are written as escapes
    (``\\x0a``, ``\\x1b``) and cannot split the line or drive the terminal."""
    return _UNPRINTABLE.sub(_escape, text)


# -- where a TOML or JSON document went wrong, for readers' messages --------------------------
def long_number_where(text: str) -> str | None:
    """Where the first over-long run of digits is, for the error message."""
    m = re.search(r"\d{4000,}", text)
    if not m:
        return None
    line = text.count("\n", 0, m.start()) + 1
    return _("line {line}, column {column}").format(line=line, column=m.start() - (text.rfind(chr(10), 0, m.start()) + 1) + 1)


_TOML_POS = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


def toml_where(exc: Exception) -> str | None:
    lineno, colno = getattr(exc, "lineno", None), getattr(exc, "colno", None)
    if lineno is None:
        m = _TOML_POS.search(str(exc))
        if not m:
            return None
        lineno, colno = m.group(1), m.group(2)
    return _("line {line}, column {column}").format(line=lineno, column=colno)


def toml_message(exc: Exception) -> str:
    msg = getattr(exc, "msg", None) or _TOML_POS.sub("", str(exc))
    return _("TOML syntax error: {reason}; fix the file at this position").format(reason=msg)
