"""Registers the built-in writers through ``civscore_writers``.

A run writes one format, so each writer's module (and what it needs:
tabulate for tables, the HTML and Excel renderers) is imported when that
writer is made, not when the plugin registers: registering a class costs
nothing, importing ``reports.html`` and ``reports.xlsx`` for a ``check``
that prints a table cost a fifth of its time. Each class of :class:`Deferred`
stands for the real one, named in ``real``; making it makes the real writer,
so everything after that (``isinstance``, its attributes) is the real
class's. Its ``name`` and the other class attributes are repeated here and
kept equal to the real class's by tests/test_startup.py. The module's own
names (``civscore.builtin.writers.TableWriter`` …) are the real classes.
"""
from __future__ import annotations

import importlib
from typing import Any, ClassVar

from ..contracts.i18n import N_
from ..contracts.writers import Writer
from ..hookspecs import hookimpl


class DeferredWriter(Writer):
    """A built-in writer whose module is imported when the writer is made."""

    #: ``module:Class`` of the writer this one stands for
    real: ClassVar[str] = ""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        module, _sep, name = cls.real.partition(":")
        return getattr(importlib.import_module(module), name)(*args, **kwargs)


class Deferred:
    """The stand-ins ``civscore_writers`` registers, one per built-in writer (here, not at
    the module's top level, where the writers' names give the real classes)."""

    class TableWriter(DeferredWriter):
        real = "civscore.reports.text:TableWriter"
        name = "table"
        description = "aligned plain-text tables (Chinese aligned by display width)"
        needs_reasons = False


    class MarkdownWriter(DeferredWriter):
        real = "civscore.reports.text:MarkdownWriter"
        name = "markdown"
        description = "GitHub-flavoured Markdown tables"
        needs_reasons = False


    class JsonWriter(DeferredWriter):
        real = "civscore.reports.data:JsonWriter"
        name = "json"
        description = "SPEC §5's JSON document"


    class JsonlWriter(DeferredWriter):
        real = "civscore.reports.data:JsonlWriter"
        name = "jsonl"
        description = N_("JSON Lines: one unit's result a line, as in the json document's results")


    class CsvWriter(DeferredWriter):
        real = "civscore.reports.data:CsvWriter"
        name = "csv"
        description = "one row a unit: rank, stars, totals, category and item points"
        needs_reasons = False


    class HtmlWriter(DeferredWriter):
        real = "civscore.reports.html:HtmlWriter"
        name = "html"
        description = "one self-contained HTML page with charts (no network needed)"


    class XlsxWriter(DeferredWriter):
        real = "civscore.reports.xlsx:XlsxWriter"
        name = "xlsx"
        description = ("an Excel workbook: ranking, item scores, problem items, disagreements, submission errors, provenance "
                       "(needs --output)")
        binary = True


#: the real class of each built-in writer, by the name this module had for it
_REAL = {cls.__name__: cls.real for cls in vars(Deferred).values() if isinstance(cls, type) and issubclass(cls, DeferredWriter)}


def __getattr__(name: str) -> Any:
    """``civscore.builtin.writers.TableWriter`` and its siblings: the real classes, as
    this module always gave them (a plugin may subclass one), imported when asked for."""
    if name not in _REAL:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, _sep, cls = _REAL[name].partition(":")
    return getattr(importlib.import_module(module), cls)


@hookimpl
def civscore_writers():
    return [Deferred.TableWriter, Deferred.MarkdownWriter, Deferred.JsonWriter, Deferred.JsonlWriter, Deferred.CsvWriter,
            Deferred.HtmlWriter, Deferred.XlsxWriter]
