"""civscore's own error types. Every error a user can cause is one of these,
and its ``str()`` is the one line the command line prints."""
from __future__ import annotations


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
