"""Registers the built-in writers through ``civscore_writers``."""
from __future__ import annotations

from ..hookspecs import hookimpl
from . import Writer, evaluation_doc
from .data import CsvWriter, JsonWriter
from .text import MarkdownWriter, TableWriter
from .xlsx import XlsxWriter


class HtmlWriter(Writer):
    name = "html"
    description = "one self-contained HTML page with charts (no network needed)"

    def evaluation(self, ev) -> str:
        from .html import render_evaluation
        return render_evaluation(evaluation_doc(ev, getattr(ev, "by_group", False)))

    def check(self, doc) -> str:
        from .html import render_check
        return render_check(doc)


@hookimpl
def civscore_writers():
    return [TableWriter, MarkdownWriter, JsonWriter, CsvWriter, HtmlWriter, XlsxWriter]
