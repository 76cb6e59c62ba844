"""``xlsx``: an Excel workbook for the committee (``--format xlsx --output r.xlsx``).

Every heading, sheet name and yes/no cell is text in the chosen language
(the zh-CN names are given here). ``evaluate`` writes the sheets

- 排名 (Ranking): one row a unit in rank order (vetoed units last): rank, stars, unit,
  total, base, bonus, penalty, every category (headed by its title and
  points), vetoed, complete, a note (assessors' disagreements) and the source;
- 分项得分 (Item scores): one row a unit, one column an item (headed by the item's title,
  its id in the second header row); cells of items whose status is not
  ``ok`` are shaded;
- 问题项 (Problem items): every item whose status is not ``ok``, with the reasons;
- 评审分歧 (Disagreements): keys on which several assessors disagree (docs/assessors.md);
- 提交错误 (Submission errors): submissions that could not be read;
- 来源 (Provenance): provenance: civscore and plugin versions, the criteria file and its
  sha256, ``by_group``, every submission file and its sha256.

``check`` writes 自查 (Self-check: the summary and categories), 分项 (Items),
整改清单 (Rectification list), 评审分歧 and 来源.

Everything in the workbook is written through XlsxWriter in constant-memory
mode (rows go to a temporary file as they are written; openpyxl's write-only
mode took 51 s of CPU for 50,000 units, XlsxWriter 31 s, most of it XlsxWriter's
per-cell XML): ``set_column`` and ``freeze_panes`` for the layout. Text is
always written as text (``write_string``; ``strings_to_formulas``, ``_numbers``
and ``_urls`` off), so text from submissions never becomes a formula, a number
or a link; text that starts like a formula also gets Excel's quote prefix, so
editing the cell does not turn it into one either. Characters XML cannot hold
are replaced (:func:`clean`). The same inputs give a byte-identical file: the
workbook's properties carry a fixed date and :func:`deterministic_zip` copies
the zip's members into a new zip with a fixed timestamp. The template
(:mod:`civscore.template`: comments, data validation) is still written by
openpyxl (:func:`workbook_bytes`).
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import os
import re
import shutil
import zipfile
from typing import Any, Iterable, Optional

from ..assessors import disagreement_note, value_text
from ..contracts.i18n import N_, _
from ..contracts.writers import Writer
from . import FORMULA_STARTS, provenance, result_doc, summary
from .text import cap_text, gate_text, status_text
from ..contracts.errors import CivscoreError
from ..contracts.values import fmt

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL = 32_767
STATUS_FILL = {"missing": "FFF2CC", "invalid": "FCE4D6", "error": "F8CBAD", "na": "E7E6E6"}
#: an item's kind as a person reads it (the kind ids stay in JSON and CSV)
KIND_TEXT = {"criterion": N_("indicator"), "bonus": N_("bonus"), "penalty": N_("penalty")}
# characters XML 1.0 cannot hold: the C0 controls but tab and line ends (openpyxl's
# ILLEGAL_CHARACTERS_RE), lone surrogates (they cannot even be encoded), U+FFFE, U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ZIP64_LIMIT = (1 << 31) - 1


def _epoch() -> _dt.datetime:
    """The timestamp written inside the workbook: ``SOURCE_DATE_EPOCH`` when set
    (reproducible builds), else 1980-01-01, so equal inputs give equal bytes."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "")
    try:
        stamp = _dt.datetime.fromtimestamp(int(raw), _dt.timezone.utc).replace(tzinfo=None)
        return max(stamp, _dt.datetime(1980, 1, 1))
    except (ValueError, OverflowError, OSError):
        return _dt.datetime(1980, 1, 1)


def clean(value: Any) -> Any:
    """A value a cell can hold: characters XML cannot hold replaced by U+FFFD,
    at most 32,767 characters."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if not isinstance(value, str):
        value = str(value)
    value = _NOT_XML.sub("\ufffd", value)
    if len(value) > MAX_CELL:
        value = value[:MAX_CELL - 1] + "…"
    return value


def _plain(value: Any) -> Any:
    """``value`` as a cell value: None, an int, a finite float or text (``clean``ed;
    True/False as Yes/No in the chosen language (是/否), empty text as None)."""
    if value is None:
        return None
    if type(value) is not str:
        kind = getattr(getattr(value, "dtype", None), "kind", "")     # NumPy scalars
        if isinstance(value, bool) or kind == "b":
            value = _yes(bool(value))
        elif isinstance(value, int) or kind in ("i", "u"):
            return int(value)
        elif isinstance(value, float) or kind == "f":
            number = float(value)
            if math.isfinite(number):
                return number
            value = str(number)
        else:
            value = str(value)
    return clean(value) or None


class _Styled:
    """A cell for :meth:`Book.append` with its style: bold, or shaded by an item status."""
    __slots__ = ("value", "bold", "fill")

    def __init__(self, value: Any, bold: bool, fill: Optional[str]):
        self.value, self.bold, self.fill = value, bold, fill


class Sheet:
    """A worksheet and the number of rows written to it so far."""
    __slots__ = ("ws", "rows")

    def __init__(self, ws: Any):
        self.ws = ws
        self.rows = 0


class Book:
    """An XlsxWriter workbook in constant-memory mode (rows go to a temporary
    file as they are written: 50,000 units in seconds, where openpyxl's
    write-only mode took half a minute), written a row at a time."""

    def __init__(self, title: str = ""):
        import xlsxwriter  # lazily: only --format xlsx needs it
        self._buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self._buf, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False, "use_zip64": True})
        self.wb.set_properties({"author": "civscore", "title": clean(title) or "", "created": _epoch()})
        self._formats: dict[tuple[bool, Optional[str], bool], Any] = {}

    def _format(self, bold: bool = False, fill: Optional[str] = None, quote: bool = False) -> Any:
        key = (bold, fill, quote)
        if key not in self._formats:
            props: dict[str, Any] = {}
            if bold:
                props["bold"] = True
            if fill:
                props.update(pattern=1, bg_color="#" + STATUS_FILL[fill])
            if quote:
                props["quote_prefix"] = True
            self._formats[key] = self.wb.add_format(props)
        return self._formats[key]

    def cell(self, ws: Sheet, value: Any, bold: bool = False, fill: Optional[str] = None) -> Any:
        """A cell for :meth:`append` holding ``value`` (bold, or shaded by an item
        status of :data:`STATUS_FILL`). Text is always text: never a formula or
        an error value, and with a quote prefix when it starts like a formula."""
        return _Styled(_plain(value), bold, fill)

    def _write(self, ws: Any, r: int, c: int, v: Any, bold: bool = False, fill: Optional[str] = None) -> None:
        t = type(v)
        if t is not int and t is not float or t is float and not math.isfinite(v):
            v = _plain(v)
            t = type(v)
        if v is None:
            if bold or fill:
                ws.write_blank(r, c, None, self._format(bold, fill))
        elif t is str:
            quote = v[:1] in FORMULA_STARTS
            ws.write_string(r, c, v, self._format(bold, fill, quote) if bold or fill or quote else None)
        else:
            ws.write_number(r, c, v, self._format(bold, fill) if bold or fill else None)

    def sheet(self, title: str, header: Optional[list] = None, widths: Iterable[float] = (),
              freeze: Optional[str] = None, extra_headers: Iterable[list] = ()) -> Sheet:
        """A new sheet with column ``widths``, panes frozen at ``freeze`` and bold header rows."""
        ws = Sheet(self.wb.add_worksheet(title))
        for col, width in enumerate(widths):
            ws.ws.set_column(col, col, width)
        if freeze:
            ws.ws.freeze_panes(freeze)
        for row in ([header] if header else []) + list(extra_headers):
            self.append(ws, [self.cell(ws, v, bold=True) for v in row])
        return ws

    def append(self, ws: Sheet, row: list) -> bool:
        """Append a row; False (and nothing written) when the sheet is full."""
        if ws.rows >= MAX_ROWS:
            return False
        r, sheet, write = ws.rows, ws.ws, self._write
        for c, v in enumerate(row):
            if type(v) is _Styled:
                write(sheet, r, c, v.value, v.bold, v.fill)
            else:
                write(sheet, r, c, v)
        ws.rows += 1
        return True

    def append_capped(self, ws: Sheet, row: list) -> bool:
        """Append a row, keeping the sheet's last row for a note that rows were left out."""
        if ws.rows < MAX_ROWS - 1:
            return self.append(ws, row)
        if ws.rows == MAX_ROWS - 1:
            self.append(ws, [_("… more rows were left out (the sheet is full); see the JSON report")])
        return False

    def save(self) -> bytes:
        if not self.wb.worksheets():
            self.wb.add_worksheet()
        self.wb.close()
        # constant-memory mode stamps the members 1980-01-31 (XlsxWriter's portability choice): _epoch() instead
        return deterministic_zip(self._buf.getvalue())


def workbook_bytes(wb: Any) -> bytes:
    """A workbook as XLSX bytes, identical for identical workbooks.

    openpyxl's ``save_workbook`` stamps docProps with the current time, so two
    runs a second apart would differ; its ``ExcelWriter`` does the same work
    and keeps the fixed dates set on ``wb.properties``."""
    from openpyxl.writer.excel import ExcelWriter
    props = wb.properties
    props.created = props.modified = _epoch()
    if not wb.worksheets:
        wb.create_sheet()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).save()
    return deterministic_zip(buf.getvalue())


def deterministic_zip(data: bytes) -> bytes:
    """The same zip (an XLSX workbook openpyxl saved) with a fixed timestamp
    (:func:`_epoch`) on every member, so equal workbooks give equal bytes."""
    stamp = _epoch().timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            with src.open(info) as fin, dst.open(fixed, "w", force_zip64=info.file_size > _ZIP64_LIMIT) as fout:
                shutil.copyfileobj(fin, fout, 1 << 20)
    return out.getvalue()


def _yes(flag: bool) -> str:
    return _("Yes") if flag else _("No")


def _kind(kind: str) -> str:
    return _(KIND_TEXT[kind]) if kind in KIND_TEXT else kind


def _titled(title: str, points: Any) -> str:
    """A column heading: a category's or an item's title and its points."""
    return _("{title} ({points})").format(title=title, points=fmt(points))


def _points_label(leaf_or_item: dict) -> str:
    kind, title, pts = leaf_or_item["kind"], leaf_or_item["title"], fmt(leaf_or_item["max"])
    if kind == "bonus":
        return _("{title} (bonus {points})").format(title=title, points=pts)
    if kind == "penalty":
        return _("{title} (penalty {points})").format(title=title, points=pts)
    return _titled(title, leaf_or_item["max"])


def _where(source: str, row: Any) -> str:
    return f"{source}:{row}" if row is not None else source


# -- evaluate ------------------------------------------------------------------------------
def _ranking_sheet(book: Book, cats: list, labelled: bool, has_na: bool, hist: bool, cycle: bool) -> Sheet:
    """The 排名 (Ranking) sheet and its heading row."""
    hist_heads = ([_("Earned stars (earned)")] + ([_("Cycle total (cycle_total)")] if cycle else [])
                  + [_("History (history)")]) if hist else []
    return book.sheet(_("Ranking"), [_("Rank"), _("Stars")] + ([_("Level")] if labelled else [])
                      + [_("Unit id"), _("Unit name"), _("Group"), _("Region"), _("Period"), _("Total"), _("Base score"),
                         _("Bonus"), _("Penalty")]
                      + ([_("Not-applicable points")] if has_na else [])
                      + [_titled(c["title"], c["points"]) for c in cats]
                      + [_("Vetoed"), _("Vetoed by"), _("Complete"), _("Remarks"), _("Source")] + hist_heads,
                      widths=[6, 6] + ([12] if labelled else []) + [22, 28, 10, 18, 8, 8, 8, 6, 6]
                      + ([8] if has_na else []) + [14] * len(cats) + [8, 24, 8, 40, 30]
                      + [10] * (len(hist_heads) - 1) + [40] * int(hist),
                      freeze="F2" if labelled else "E2")


def evaluation_book(ev) -> bytes:
    scheme = ev.scheme
    if ev.n > MAX_ROWS - 2:
        raise CivscoreError(_("an XLSX sheet holds at most {most:,} units and this run has {n:,}; "
                              "use --format csv or json").format(most=MAX_ROWS - 2, n=ev.n))
    crit = scheme.describe()
    items = crit["items"]
    if len(items) + 3 > MAX_COLS:
        raise CivscoreError(_("an XLSX sheet holds at most {most:,} item columns; use --format csv or json")
                            .format(most=MAX_COLS - 3))
    veto_titles = {v["id"]: v["title"] for v in crit["vetoes"]}
    book = Book(f"{scheme.title} {scheme.version}")
    cats = crit["categories"]
    has_na = scheme.has_na   # SPEC §7.1: a 缺项分 column, only for schemes with na leaves
    hist = ev.history is not None   # SPEC §8: earned stars, the cycle total and the history's reasons
    cycle = hist and ev.cycle_total is not None
    labelled = bool(scheme.labels)     # SPEC §7.3: a level column only when levels have labels
    ranking = _ranking_sheet(book, cats, labelled, has_na, hist, cycle)
    unit_id, unit_name = _("Unit id"), _("Unit name")
    per_item = book.sheet(_("Item scores"), [_("Rank"), unit_id, unit_name] + [_points_label(it) for it in items],
                          widths=[6, 22, 28] + [14] * len(items), freeze="D3",
                          extra_headers=[["", "", _("Item id →")] + [it["id"] for it in items]])
    issues = book.sheet(_("Problem items"), [unit_id, unit_name, _("Item id"), _("Item title"), _("Status"), _("Score"),
                                             _("Max"), _("Reasons")],
                        widths=[22, 28, 28, 28, 8, 8, 8, 60], freeze="A2")
    panel = book.sheet(_("Disagreements"), [unit_id, unit_name] + _panel_header(),
                       widths=[22, 28, 28, 50, 16, 8, 40], freeze="A2")
    semicolon = _("; ")
    for i in ev.order:
        r = result_doc(ev, i)
        u = r["unit"]
        notes = []
        if not r["complete"]:
            notes.append(_("incomplete: a scorer failed"))
        flags = r.get("disagreements") or {}
        if flags:
            notes.append(disagreement_note(flags))
        book.append(ranking, [r["rank"], r["stars"]] + ([r.get("label")] if labelled else [])
                    + [u["id"], u["name"], u["group"], u.get("region"), u.get("period"), r["total"], r["base"], r["bonus"], r["penalty"]]
                    + ([r["na_points"]] if has_na else [])
                    + [r["categories"][c["id"]] for c in cats]
                    + [_yes(r["vetoed"]), semicolon.join(veto_titles.get(v, v) for v in r["vetoes"]), _yes(r["complete"]),
                       semicolon.join(notes), _where(r["source"], r.get("row"))]
                    + (([r["earned_stars"]] + ([r["cycle_total"]] if cycle else []) + [semicolon.join(r["history"])])
                       if hist else []))
        row: list = [r["rank"], u["id"], u["name"]]
        for it in items:
            got = r["items"][it["id"]]
            status = got["status"]
            if status == "ok":
                row.append(got["points"])
            elif status == "na":
                row.append(book.cell(per_item, status_text("na"), fill=status))
            else:
                row.append(book.cell(per_item, got["points"], fill=status))
                book.append_capped(issues, [u["id"], u["name"], it["id"], it["title"], status_text(status),
                                            got["points"], got["max"], semicolon.join(got.get("reasons") or [])])
        book.append(per_item, row)
        for key, flag in flags.items():
            book.append_capped(panel, [u["id"], u["name"]] + _panel_row(key, flag))
    errors = book.sheet(_("Submission errors"), [_("File"), _("Where"), _("Problem")], widths=[40, 16, 80], freeze="A2")
    for e in ev.errors:
        book.append_capped(errors, [e.source, e.where, e.message])
    for line in getattr(ev, "failures", []):
        book.append_capped(errors, ["", _("scorer"), line])
    provenance_sheet(book, {"scheme": {"id": scheme.id, "version": scheme.version, "title": scheme.title,
                                       "sha256": scheme.sha256},
                            "provenance": provenance(ev, getattr(ev, "by_group", False)),
                            "summary": summary(ev), "history": ev.history})
    return book.save()


def _panel_header() -> list[str]:
    """The headings of the assessors' disagreements (docs/assessors.md)."""
    return [_("Input key"), _("Assessors' values"), _("Combined value"), _("Spread"), _("Reasons")]


def _panel_row(key: str, flag: dict) -> list:
    return [key, _("; ").join(f"{who} {value_text(v)}" for who, v in flag["values"].items()),
            value_text(flag["combined"]), flag["spread"], flag["reason"]]


def provenance_sheet(book: Book, doc: dict) -> None:
    prov = doc.get("provenance") or {}
    s = doc.get("scheme") or {}
    ws = book.sheet(_("Provenance"), [_("Entry"), _("Value")], widths=[28, 90])
    rows: list[list[Any]] = [[_("civscore version"), prov.get("civscore")],
            [_("Scheme"), _("{title} ({id} {version})").format(title=s.get("title", ""), id=s.get("id", ""),
                                                                 version=s.get("version", ""))],
            [_("Scheme file (criteria)"), prov.get("criteria")],
            [_("Scheme sha256"), s.get("sha256") or prov.get("criteria_sha256")],
            [_("Ranked by group (by_group)"), _yes(bool(prov.get("by_group")))]]
    hist = doc.get("history")
    if hist:
        rows.append([_("History file (--history)"), hist.get("file")])
        rows.append([_("Period (period)"), hist.get("period")])
        rows.append([_("Earlier periods"), _(", ").join(hist.get("previous_periods") or [])])
    summ = doc.get("summary")
    if summ:
        rows.append([_("Units"), summ["units"]])
        rows.append([_("Submission errors (count)"), summ["errors"]])
    for name, version in (prov.get("plugins") or {}).items():
        rows.append([_("Plugin {name}").format(name=name), version])
    for row in rows:
        book.append(ws, row)
    book.append(ws, [])
    book.append(ws, [book.cell(ws, _("Submission file"), bold=True), book.cell(ws, "sha256", bold=True)])
    for f in prov.get("submissions") or []:
        book.append_capped(ws, [f["path"], f["sha256"]])


# -- check ---------------------------------------------------------------------------------
def check_book(doc: dict) -> bytes:
    r = doc["result"]
    crit = doc["criteria"]
    u = r["unit"]
    titles = {it["id"]: it for it in crit["items"]}
    book = Book(f"{u['name']} — {doc['scheme']['title']}")
    ws = book.sheet(_("Self-check"), [_("Entry"), _("Value")], widths=[24, 70])
    nxt = doc.get("next_level")
    semicolon, comma = _("; "), _(", ")
    rows = [[_("Unit id"), u["id"]], [_("Unit name"), u["name"]], [_("Group"), u.get("group")],
            [_("Total"), r["total"]], [_("Base score"), r["base"]], [_("Bonus"), r["bonus"]], [_("Penalty"), r["penalty"]],
            [_("Stars"), r["stars"]]] + ([[_("Level"), r["label"]]] if "label" in r else []) + [[_("Vetoed"), _yes(r["vetoed"])],
            [_("Vetoed by"), semicolon.join(next((v["title"] for v in crit["vetoes"] if v["id"] == vid), vid)
                                            for vid in r["vetoes"])],
            [_("Complete"), _yes(r["complete"])],
            [_("Missing inputs"), comma.join(doc.get("missing") or [])]]
    na = doc.get("na")
    if na:
        rows.append([_("Not-applicable points"), na["points"]])
        listed = comma.join(na["items"])
        rows.append([_("Not-applicable items"), _("{items} (nothing applies: the base score is 0)").format(items=listed)
                     if na["nothing_applies"] else listed])
    rel = doc.get("relative")
    if rel and r["stars"] is None and not r["vetoed"]:   # rated alone by rank: its stars are the rank's to decide
        rows.append([_("Qualifies for (stars)"), rel.get("qualifies_for")])
        rows.append([_("Rated by rank"), _("the rank among the units rated decides ({method})").format(method=rel.get("method"))])
    elif rel and r.get("rank") is not None:
        rows.append([_("Rank"), _("{rank} of {n} units ranked").format(rank=r["rank"], n=rel.get("ranked"))])
    for warning in doc.get("warnings") or []:
        rows.append([_("Warning"), warning])
    if nxt:
        rows.append([_("Points short of {stars} ★").format(stars=nxt["stars"]), nxt.get("points_needed")])
        for c in nxt.get("categories_below") or []:
            rows.append(["  " + _("{title}: points short").format(title=c["title"]), c.get("points_needed")])
        for g in nxt.get("gates") or []:
            rows.append(["  " + gate_text(g), g.get("points_needed")])
        for c in nxt.get("caps") or []:
            rows.append(["  " + cap_text(c), c.get("points_needed")])
    if doc.get("target") is not None:
        rows.append([_("Target {stars} ★").format(stars=doc["target"]), _("reached") if doc.get("target_met") else _("not reached")])
    if r.get("assessors"):
        rows.append([_("Assessors"), comma.join(r["assessors"])])
        rows.append([_("Combined by (aggregate)"), r.get("aggregate")])
    for row in rows:
        book.append(ws, row)
    book.append(ws, [])
    book.append(ws, [book.cell(ws, h, bold=True) for h in (_("Category"), _("Title"), _("Score"), _("Max"), _("Score ratio"))])
    for c in crit["categories"]:
        score = r["categories"][c["id"]]
        ratio = (na["ratios"].get(c["id"]) if na else round(score / c["points"], 4) if c["points"] else None)
        book.append(ws, [c["id"], c["title"], score, na["available"][c["id"]] if na else c["points"],
                         ratio if ratio is not None or not na else status_text("na")])
    hint = _("Improvement hint")
    items = book.sheet(_("Items"), [_("Item id"), _("Item title"), _("Kind"), _("Score"), _("Max"), _("Status"), _("Reasons"),
                                    hint],
                       widths=[28, 28, 6, 8, 8, 8, 60, 50], freeze="A2")
    for item_id, got in r["items"].items():
        meta = titles[item_id]
        status = got["status"]
        book.append(items, [item_id, meta["title"], _kind(meta["kind"]),
                            book.cell(items, got["points"], fill=status) if status in STATUS_FILL else got["points"],
                            got["max"], status_text(status), semicolon.join(got.get("reasons") or []), meta.get("hint")])
    lost = book.sheet(_("Rectification list"), [_("Item id"), _("Item title"), _("Lost"), _("Status"), _("Reasons"), hint],
                      widths=[28, 28, 8, 8, 60, 50], freeze="A2")
    for d in doc.get("lost") or []:
        book.append(lost, [d["id"], d["title"], d["lost"], status_text(d["status"]),
                           semicolon.join(d["reasons"]), d.get("hint")])
    panel = book.sheet(_("Disagreements"), _panel_header(), widths=[28, 50, 16, 8, 40])
    for key, flag in (r.get("disagreements") or {}).items():
        book.append(panel, _panel_row(key, flag))
    provenance_sheet(book, doc)
    return book.save()


class XlsxWriter(Writer):
    name = "xlsx"
    description = "an Excel workbook: ranking, item scores, problem items, disagreements, submission errors, provenance (needs --output)"
    binary = True

    def evaluation(self, ev) -> bytes:
        return evaluation_book(ev)

    def check(self, doc) -> bytes:
        return check_book(doc)


__all__ = ["XlsxWriter", "evaluation_book", "check_book", "Book", "clean", "deterministic_zip"]
