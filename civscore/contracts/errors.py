"""civscore's own error types. Every error a user can cause is one of these,
and its ``str()`` is the one line the command line prints."""
from __future__ import annotations

import functools
import re

from .i18n import N_, _


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
    """A TOML parser's error as civscore's message, the parser's reason in the chosen language."""
    msg = getattr(exc, "msg", None) or _TOML_POS.sub("", str(exc))
    return _("TOML syntax error: {reason}; fix the file at this position").format(reason=toml_reason(msg))


def json_message(exc: Exception) -> str:
    """The json module's error as civscore's message, the module's reason in the chosen language."""
    return _("JSON syntax error: {reason}").format(reason=json_reason(str(getattr(exc, "msg", exc))))


# -- the parsers' own words: tomllib's (tomli's) and json's messages, as msgids -------------------------------
#: Every message of tomllib (Python 3.11 to 3.13, ``Lib/tomllib/_parser.py``) and of tomli 2 (Python 3.10),
#: in their own English words. A ``{placeholder}`` stands where the parser writes a repr (``'='``) or a
#: key's tuple (``('a', 'b')``). tests/test_i18n.py fails when the running Python's parser has another one.
TOML_MESSAGES = (
    N_("Invalid statement"),
    N_("Expected newline or end of document after a statement"),
    N_("Expected {expected}"),
    N_("Found invalid character {character}"),
    N_("Cannot declare {key} twice"),
    N_("Cannot overwrite a value"),
    N_("Expected ']' at the end of a table declaration"),
    N_("Cannot mutate immutable namespace {key}"),
    N_("Expected ']]' at the end of an array declaration"),
    N_("Cannot redefine namespace {key}"),
    N_("Expected '=' after a key in a key/value pair"),
    N_("Invalid initial character for a key part"),
    N_("Unclosed array"),
    N_("Duplicate inline table key {key}"),
    N_("Unclosed inline table"),
    N_("Unescaped '\\' in a string"),
    N_("Invalid hex value"),
    N_("Escaped character is not a Unicode scalar value"),
    N_("Unterminated string"),
    N_("Illegal character {character}"),
    N_("Invalid date or datetime"),
    N_("Invalid value"),
)

#: Every message of the json module's decoder (``json/decoder.py`` and its C scanner ``_json``, Python 3.10
#: to 3.13), in its own English words; ``{character}`` is the repr of the character it names.
JSON_MESSAGES = (
    N_("Expecting value"),
    N_("Expecting ',' delimiter"),
    N_("Expecting ':' delimiter"),
    N_("Expecting property name enclosed in double quotes"),
    N_("Extra data"),
    N_("Unterminated string starting at"),
    N_("Invalid control character at"),                 # the C scanner's
    N_("Invalid control character {character} at"),     # the pure-Python scanner's
    N_("Invalid \\escape"),                              # the C scanner's
    N_("Invalid \\escape: {character}"),                 # the pure-Python scanner's
    N_("Invalid \\uXXXX escape"),
    N_("Illegal trailing comma before end of object"),   # Python 3.13
    N_("Illegal trailing comma before end of array"),
)

_FIELD = re.compile(r"\{(\w+)\}")
#: what a parser writes in place of a placeholder: the repr of a string, or a key's tuple, on one line
_VALUE = r"""'[^\n]*'|"[^\n]*"|\([^\n]*\)"""
_AT_END = " (at end of document)"   # tomllib's position (3.11 to 3.13) of an error at the very end


@functools.cache
def _patterns(messages: tuple[str, ...]) -> list[tuple["re.Pattern[str]", str]]:
    """Each msgid as a pattern of the parser's text; those without a placeholder first
    (``Expected ']' at the end …`` is not ``Expected {expected}``). Compiled on the first
    error that needs them (35 patterns: ~4 ms of every start otherwise)."""
    out = []
    for msgid in sorted(messages, key=lambda m: "{" in m):
        parts = _FIELD.split(msgid)
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>{_VALUE})" for i, p in enumerate(parts))
        out.append((re.compile(pattern), msgid))
    return out


def _translated(text: str, messages: tuple[str, ...]) -> str:
    for pattern, msgid in _patterns(messages):
        m = pattern.fullmatch(text)
        if m:
            return _(msgid).format(**m.groupdict())
    return text


def toml_reason(text: str) -> str:
    """tomllib's (tomli's) message in the chosen language when it is one of :data:`TOML_MESSAGES`, else as
    the parser wrote it (in English always as the parser wrote it)."""
    if text.endswith(_AT_END):
        return _("{reason} (at end of document)").format(reason=_translated(text[:-len(_AT_END)], TOML_MESSAGES))
    return _translated(text, TOML_MESSAGES)


def json_reason(text: str) -> str:
    """The json module's message (``JSONDecodeError.msg``) in the chosen language when it is one of
    :data:`JSON_MESSAGES`, else as the module wrote it (in English always as the module wrote it)."""
    return _translated(text, JSON_MESSAGES)
