"""``xlsx``: an Excel workbook for the committee (``--format xlsx --output r.xlsx``).

``evaluate`` writes the sheets

- 排名: one row a unit in rank order (vetoed units last): rank, stars, unit,
  total, base, bonus, penalty, every category (headed by its title and
  points), vetoed, complete, a note (assessors' disagreements) and the source;
- 分项得分: one row a unit, one column an item (headed by the item's title,
  its id in the second header row); cells of items whose status is not
  ``ok`` are shaded;
- 问题项: every item whose status is not ``ok``, with the reasons;
- 评审分歧: keys on which several assessors disagree (docs/assessors.md);
- 提交错误: submissions that could not be read;
- 来源: provenance: civscore and plugin versions, the criteria file and its
  sha256, ``by_group``, every submission file and its sha256.

``check`` writes 自查 (the summary and categories), 分项, 整改清单, 评审分歧
and 来源.

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
from ..contracts.i18n import _
from ..contracts.writers import Writer
from . import provenance, result_doc, summary
from .text import cap_text, gate_text
from ..contracts.errors import CivscoreError
from ..contracts.values import fmt

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL = 32_767
RISKY = ("=", "+", "-", "@", "\t", "\r")
STATUS_FILL = {"missing": "FFF2CC", "invalid": "FCE4D6", "error": "F8CBAD", "na": "E7E6E6"}
STATUS_ZH = {"ok": "正常", "missing": "缺失", "invalid": "无效", "error": "出错", "na": "免评"}
KIND_ZH = {"criterion": "指标", "bonus": "加分", "penalty": "扣分"}
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
    True/False as 是/否, empty text as None)."""
    if value is None:
        return None
    if type(value) is not str:
        kind = getattr(getattr(value, "dtype", None), "kind", "")     # NumPy scalars
        if isinstance(value, bool) or kind == "b":
            value = "是" if value else "否"
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
            quote = v[:1] in RISKY
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
            self.append(ws, ["… more rows were left out (the sheet is full); see the JSON report"])
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
    return "是" if flag else "否"


def _points_label(leaf_or_item: dict) -> str:
    kind = leaf_or_item["kind"]
    pts = fmt(leaf_or_item["max"])
    return f"{leaf_or_item['title']}（{pts}）" if kind == "criterion" else f"{leaf_or_item['title']}（{KIND_ZH[kind]}{pts}）"


def _where(source: str, row: Any) -> str:
    return f"{source}:{row}" if row is not None else source


# -- evaluate ------------------------------------------------------------------------------
def evaluation_book(ev) -> bytes:
    scheme = ev.scheme
    if ev.n > MAX_ROWS - 2:
        raise CivscoreError(f"an XLSX sheet holds at most {MAX_ROWS - 2:,} units and this run has {ev.n:,}; "
                            "use --format csv or json")
    crit = scheme.describe()
    items = crit["items"]
    if len(items) + 3 > MAX_COLS:
        raise CivscoreError(f"an XLSX sheet holds at most {MAX_COLS - 3:,} item columns; use --format csv or json")
    veto_titles = {v["id"]: v["title"] for v in crit["vetoes"]}
    book = Book(f"{scheme.title} {scheme.version}")
    cats = crit["categories"]
    has_na = scheme.has_na   # SPEC §7.1: a 缺项分 column, only for schemes with na leaves
    hist = ev.history is not None   # SPEC §8: earned stars, the cycle total and the history's reasons
    cycle = hist and ev.cycle_total is not None
    hist_heads = (["应得星级（earned）"] + (["届期加权总分（cycle_total）"] if cycle else []) + ["动态管理（history）"]) if hist else []
    labelled = bool(scheme.labels)     # SPEC §7.3: a level column only when levels have labels
    ranking = book.sheet("排名", ["排名", "星级"] + ([_("Level")] if labelled else [])
                         + ["单位编号", "单位名称", "分组", "地区", "期间", "总分", "基本分", "加分", "扣分"]
                         + (["缺项分"] if has_na else [])
                         + [f"{c['title']}（{fmt(c['points'])}）" for c in cats]
                         + ["一票否决", "否决事项", "数据完整", "备注", "来源"] + hist_heads,
                         widths=[6, 6] + ([12] if labelled else []) + [22, 28, 10, 18, 8, 8, 8, 6, 6]
                         + ([8] if has_na else []) + [14] * len(cats) + [8, 24, 8, 40, 30]
                         + [10] * (len(hist_heads) - 1) + [40] * int(hist),
                         freeze="F2" if labelled else "E2")
    per_item = book.sheet("分项得分", ["排名", "单位编号", "单位名称"] + [_points_label(it) for it in items],
                          widths=[6, 22, 28] + [14] * len(items), freeze="D3",
                          extra_headers=[["", "", "指标编号 →"] + [it["id"] for it in items]])
    issues = book.sheet("问题项", ["单位编号", "单位名称", "指标编号", "指标名称", "状态", "得分", "满分", "原因"],
                        widths=[22, 28, 28, 28, 8, 8, 8, 60], freeze="A2")
    panel = book.sheet("评审分歧", ["单位编号", "单位名称", "输入键", "各评审员的值", "合并值", "极差", "原因"],
                       widths=[22, 28, 28, 50, 16, 8, 40], freeze="A2")
    for i in ev.order:
        r = result_doc(ev, i)
        u = r["unit"]
        notes = []
        if not r["complete"]:
            notes.append("incomplete: a scorer failed")
        flags = r.get("disagreements") or {}
        if flags:
            notes.append(disagreement_note(flags))
        book.append(ranking, [r["rank"], r["stars"]] + ([r.get("label")] if labelled else [])
                    + [u["id"], u["name"], u["group"], u.get("region"), u.get("period"), r["total"], r["base"], r["bonus"], r["penalty"]]
                    + ([r["na_points"]] if has_na else [])
                    + [r["categories"][c["id"]] for c in cats]
                    + [_yes(r["vetoed"]), "；".join(veto_titles.get(v, v) for v in r["vetoes"]), _yes(r["complete"]),
                       "; ".join(notes), _where(r["source"], r.get("row"))]
                    + (([r["earned_stars"]] + ([r["cycle_total"]] if cycle else []) + ["; ".join(r["history"])]) if hist else []))
        row: list = [r["rank"], u["id"], u["name"]]
        for it in items:
            got = r["items"][it["id"]]
            status = got["status"]
            if status == "ok":
                row.append(got["points"])
            elif status == "na":
                row.append(book.cell(per_item, STATUS_ZH["na"], fill=status))
            else:
                row.append(book.cell(per_item, got["points"], fill=status))
                book.append_capped(issues, [u["id"], u["name"], it["id"], it["title"], STATUS_ZH.get(status, status),
                                            got["points"], got["max"], "; ".join(got.get("reasons") or [])])
        book.append(per_item, row)
        for key, flag in flags.items():
            book.append_capped(panel, [u["id"], u["name"], key,
                                       "；".join(f"{who} {value_text(v)}" for who, v in flag["values"].items()),
                                       value_text(flag["combined"]), flag["spread"], flag["reason"]])
    errors = book.sheet("提交错误", ["文件", "位置", "问题"], widths=[40, 16, 80], freeze="A2")
    for e in ev.errors:
        book.append_capped(errors, [e.source, e.where, e.message])
    for line in getattr(ev, "failures", []):
        book.append_capped(errors, ["", "scorer", line])
    provenance_sheet(book, {"scheme": {"id": scheme.id, "version": scheme.version, "title": scheme.title,
                                       "sha256": scheme.sha256},
                            "provenance": provenance(ev, getattr(ev, "by_group", False)),
                            "summary": summary(ev), "history": ev.history})
    return book.save()


def provenance_sheet(book: Book, doc: dict) -> None:
    prov = doc.get("provenance") or {}
    s = doc.get("scheme") or {}
    ws = book.sheet("来源", ["项目", "值"], widths=[28, 90])
    rows: list[list[Any]] = [["civscore 版本", prov.get("civscore")],
            ["评分方案", f"{s.get('title', '')}（{s.get('id', '')} {s.get('version', '')}）"],
            ["方案文件（criteria）", prov.get("criteria")],
            ["方案 sha256", s.get("sha256") or prov.get("criteria_sha256")],
            ["分组排名（by_group）", _yes(bool(prov.get("by_group")))]]
    hist = doc.get("history")
    if hist:
        rows.append(["历史档案（--history）", hist.get("file")])
        rows.append(["期间（period）", hist.get("period")])
        rows.append(["此前期间", "、".join(hist.get("previous_periods") or [])])
    summ = doc.get("summary")
    if summ:
        rows.append(["单位数", summ["units"]])
        rows.append(["提交错误数", summ["errors"]])
    for name, version in (prov.get("plugins") or {}).items():
        rows.append([f"插件 {name}", version])
    for row in rows:
        book.append(ws, row)
    book.append(ws, [])
    book.append(ws, [book.cell(ws, "提交文件", bold=True), book.cell(ws, "sha256", bold=True)])
    for f in prov.get("submissions") or []:
        book.append_capped(ws, [f["path"], f["sha256"]])


# -- check ---------------------------------------------------------------------------------
def check_book(doc: dict) -> bytes:
    r = doc["result"]
    crit = doc["criteria"]
    u = r["unit"]
    titles = {it["id"]: it for it in crit["items"]}
    book = Book(f"{u['name']} — {doc['scheme']['title']}")
    ws = book.sheet("自查", ["项目", "值"], widths=[24, 70])
    nxt = doc.get("next_level")
    rows = [["单位编号", u["id"]], ["单位名称", u["name"]], ["分组", u.get("group")],
            ["总分", r["total"]], ["基本分", r["base"]], ["加分", r["bonus"]], ["扣分", r["penalty"]],
            ["星级", r["stars"]]] + ([[_("Level"), r["label"]]] if "label" in r else []) + [["一票否决", _yes(r["vetoed"])],
            ["否决事项", "；".join(next((v["title"] for v in crit["vetoes"] if v["id"] == vid), vid) for vid in r["vetoes"])],
            ["数据完整", _yes(r["complete"])],
            ["缺失的输入", "、".join(doc.get("missing") or [])]]
    na = doc.get("na")
    if na:
        rows.append(["缺项分", na["points"]])
        rows.append(["免评项目", "、".join(na["items"]) + ("（全部免评，基本分为 0）" if na["nothing_applies"] else "")])
    rel = doc.get("relative")
    if rel and r["stars"] is None and not r["vetoed"]:   # rated alone by rank: its stars are the rank's to decide
        rows.append([_("Qualifies for (stars)"), rel.get("qualifies_for")])
        rows.append([_("Rated by rank"), _("the rank among the units rated decides ({method})").format(method=rel.get("method"))])
    elif rel and r.get("rank") is not None:
        rows.append([_("Rank"), _("{rank} of {n} units ranked").format(rank=r["rank"], n=rel.get("ranked"))])
    for warning in doc.get("warnings") or []:
        rows.append(["提醒", warning])
    if nxt:
        rows.append([f"距 {nxt['stars']} 星还差（分）", nxt.get("points_needed")])
        for c in nxt.get("categories_below") or []:
            rows.append([f"  {c['title']} 还差（分）", c.get("points_needed")])
        for g in nxt.get("gates") or []:
            rows.append(["  " + gate_text(g), g.get("points_needed")])
        for c in nxt.get("caps") or []:
            rows.append(["  " + cap_text(c), c.get("points_needed")])
    if doc.get("target") is not None:
        rows.append([f"目标 {doc['target']} 星", "达到" if doc.get("target_met") else "未达到"])
    if r.get("assessors"):
        rows.append(["评审员", "、".join(r["assessors"])])
        rows.append(["合并方式（aggregate）", r.get("aggregate")])
    for row in rows:
        book.append(ws, row)
    book.append(ws, [])
    book.append(ws, [book.cell(ws, h, bold=True) for h in ("一级指标", "名称", "得分", "满分", "得分率")])
    for c in crit["categories"]:
        score = r["categories"][c["id"]]
        ratio = (na["ratios"].get(c["id"]) if na else round(score / c["points"], 4) if c["points"] else None)
        book.append(ws, [c["id"], c["title"], score, na["available"][c["id"]] if na else c["points"],
                         ratio if ratio is not None or not na else STATUS_ZH["na"]])
    items = book.sheet("分项", ["指标编号", "指标名称", "类型", "得分", "满分", "状态", "原因", "改进提示"],
                       widths=[28, 28, 6, 8, 8, 8, 60, 50], freeze="A2")
    for item_id, got in r["items"].items():
        meta = titles[item_id]
        status = got["status"]
        book.append(items, [item_id, meta["title"], KIND_ZH.get(meta["kind"], meta["kind"]),
                            book.cell(items, got["points"], fill=status) if status in STATUS_FILL else got["points"],
                            got["max"], STATUS_ZH.get(status, status), "; ".join(got.get("reasons") or []), meta.get("hint")])
    lost = book.sheet("整改清单", ["指标编号", "指标名称", "失分", "状态", "原因", "改进提示"],
                      widths=[28, 28, 8, 8, 60, 50], freeze="A2")
    for d in doc.get("lost") or []:
        book.append(lost, [d["id"], d["title"], d["lost"], STATUS_ZH.get(d["status"], d["status"]),
                           "; ".join(d["reasons"]), d.get("hint")])
    panel = book.sheet("评审分歧", ["输入键", "各评审员的值", "合并值", "极差", "原因"], widths=[28, 50, 16, 8, 40])
    for key, flag in (r.get("disagreements") or {}).items():
        book.append(panel, [key, "；".join(f"{who} {value_text(v)}" for who, v in flag["values"].items()),
                            value_text(flag["combined"]), flag["spread"], flag["reason"]])
    provenance_sheet(book, doc)
    return book.save()


class XlsxWriter(Writer):
    name = "xlsx"
    description = "an Excel workbook: 排名, 分项得分, 问题项, 评审分歧, 提交错误, 来源 (needs --output)"
    binary = True

    def evaluation(self, ev) -> bytes:
        return evaluation_book(ev)

    def check(self, doc) -> bytes:
        return check_book(doc)


__all__ = ["XlsxWriter", "evaluation_book", "check_book", "Book", "clean", "deterministic_zip"]
