"""Registers the built-in writers through ``civscore_writers``."""
from __future__ import annotations

from ..hookspecs import hookimpl
from ..contracts.writers import Writer
from ..reports import evaluation_doc
from ..reports.data import CsvWriter, JsonWriter
from ..reports.html import render_check, render_evaluation
from ..reports.text import MarkdownWriter, TableWriter
from ..reports.xlsx import XlsxWriter


class HtmlWriter(Writer):
    name = "html"
    description = "one self-contained HTML page with charts (no network needed)"

    def evaluation(self, ev) -> str:
        return render_evaluation(evaluation_doc(ev, getattr(ev, "by_group", False)))

    def check(self, doc) -> str:
        return render_check(doc)


@hookimpl
def civscore_writers():
    return [TableWriter, MarkdownWriter, JsonWriter, CsvWriter, HtmlWriter, XlsxWriter]
