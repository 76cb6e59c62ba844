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
and 来源. Workbooks are written in openpyxl's write-only mode (a row at a
time), text from submissions never becomes a formula, and the same inputs give
a byte-identical file (fixed timestamps inside the zip).
"""
from __future__ import annotations

import datetime as _dt
import io
import math
import os
import zipfile
from typing import Any, Iterable, Optional

from . import Writer, provenance, result_doc, summary
from ..errors import CivscoreError
from ..values import fmt

MAX_ROWS = 1_048_576
MAX_COLS = 16_384
MAX_CELL = 32_767
RISKY = ("=", "+", "-", "@", "\t", "\r")
STATUS_FILL = {"missing": "FFF2CC", "invalid": "FCE4D6", "error": "F8CBAD"}
STATUS_ZH = {"ok": "正常", "missing": "缺失", "invalid": "无效", "error": "出错"}
KIND_ZH = {"criterion": "指标", "bonus": "加分", "penalty": "扣分"}


def _epoch() -> _dt.datetime:
    """The timestamp written inside the workbook: ``SOURCE_DATE_EPOCH`` when set
    (reproducible builds), else 1980-01-01, so equal inputs give equal bytes."""
    raw = os.environ.get("SOURCE_DATE_EPOCH", "")
    try:
        stamp = _dt.datetime.fromtimestamp(int(raw), _dt.timezone.utc).replace(tzinfo=None)
        return max(stamp, _dt.datetime(1980, 1, 1))
    except (ValueError, OverflowError, OSError):
        return _dt.datetime(1980, 1, 1)


class Book:
    """An openpyxl write-only workbook whose data rows are streamed as XML.

    openpyxl writes the structure: sheets, header rows, styles, column
    widths, frozen panes, properties. Data rows (:meth:`append`) go to a
    temporary file per sheet as SpreadsheetML and are spliced into the
    sheet's ``<sheetData>`` when the book is saved, about ten times faster
    than openpyxl's per-cell writer. Text is always an inline string, so it
    can never be a formula; text that starts like one also gets Excel's
    quote prefix, so editing the cell does not turn it into one either.
    """

    def __init__(self, title: str = ""):
        import openpyxl
        self.wb = openpyxl.Workbook(write_only=True)
        props = self.wb.properties
        props.creator = "civscore"
        props.title = clean(title) or None
        props.created = props.modified = _epoch()
        self.sheets: list[_Rows] = []
        self._styles: dict[tuple, int] = {}

    def style(self, bold: bool = False, fill: Optional[str] = None, quote: bool = False) -> int:
        """The workbook's style id of a cell format (registered on first use)."""
        key = (bold, fill, quote)
        if key not in self._styles:
            from openpyxl.cell import WriteOnlyCell
            from openpyxl.styles import Font, PatternFill
            if not self.sheets:
                raise RuntimeError("create a sheet before asking for a style")
            c = WriteOnlyCell(self.sheets[0].ws, value=None)
            if bold:
                c.font = Font(bold=True)
            if fill:
                c.fill = PatternFill("solid", start_color=STATUS_FILL[fill], end_color=STATUS_FILL[fill])
            if quote:
                c.quotePrefix = True
            self._styles[key] = c.style_id
        return self._styles[key]

    def sheet(self, title: str, header: Optional[list] = None, widths: Iterable[float] = (),
              freeze: Optional[str] = None, extra_headers: Iterable[list] = ()) -> "_Rows":
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
        ws = self.wb.create_sheet(title)
        for col, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(col)].width = width
        if freeze:
            ws.freeze_panes = freeze
        heads = ([header] if header else []) + list(extra_headers)
        for row in heads:
            cells = []
            for v in row:
                c = WriteOnlyCell(ws, value=clean(v))
                if isinstance(c.value, str):
                    c.data_type = "s"
                c.font = Font(bold=True)
                cells.append(c)
            ws.append(cells)
        rows = _Rows(self, ws, len(self.sheets) + 1, len(heads))
        self.sheets.append(rows)
        return rows

    def cell(self, ws: "_Rows", value: Any, bold: bool = False, fill: Optional[str] = None) -> Any:
        """A styled value for :meth:`append`."""
        return _Styled(value, self.style(bold=bold, fill=fill, quote=isinstance(value, str) and value[:1] in RISKY))

    def append(self, ws: "_Rows", row: list) -> bool:
        """Append a row; False (and nothing written) when the sheet is full."""
        return ws.add(row)

    def append_capped(self, ws: "_Rows", row: list) -> bool:
        """Append a row, keeping the sheet's last row for a note that rows were left out."""
        if ws.next_row < MAX_ROWS:
            return ws.add(row)
        if ws.next_row == MAX_ROWS:
            ws.add(["… more rows were left out (the sheet is full); see the JSON report"])
        return False

    def save(self) -> bytes:
        buf = io.BytesIO()
        self.wb.save(buf)
        rows = {f"xl/worksheets/sheet{s.index}.xml": s for s in self.sheets}
        try:
            return deterministic_zip(buf.getvalue(), rows)
        finally:
            for s in self.sheets:
                s.close()


class _Styled:
    __slots__ = ("value", "style")

    def __init__(self, value: Any, style: int):
        self.value = value
        self.style = style


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Rows:
    """One sheet's data rows, written as SpreadsheetML to a temporary file."""

    def __init__(self, book: Book, ws: Any, index: int, header_rows: int):
        import tempfile
        from openpyxl.utils import get_column_letter
        self.book = book
        self.ws = ws
        self.index = index
        self.next_row = header_rows + 1
        self.file = tempfile.TemporaryFile()
        self._buf: list[str] = []
        self._letters = [get_column_letter(i) for i in range(1, 64)]
        self._get_letter = get_column_letter

    def letter(self, col: int) -> str:
        while col >= len(self._letters):
            self._letters.append(self._get_letter(len(self._letters) + 1))
        return self._letters[col]

    def add(self, row: list) -> bool:
        r = self.next_row
        if r > MAX_ROWS:
            return False
        self.next_row += 1
        rs = str(r)
        parts = [f'<row r="{rs}">']
        letters = self._letters
        for col, v in enumerate(row):
            style = ""
            if type(v) is _Styled:
                style = f' s="{v.style}"'
                v = v.value
            if v is None or v == "":
                if style:
                    parts.append(f'<c r="{letters[col] if col < len(letters) else self.letter(col)}{rs}"{style}/>')
                continue
            ref = (letters[col] if col < len(letters) else self.letter(col)) + rs
            if type(v) is not str:
                if isinstance(v, bool):
                    v = "是" if v else "否"
                elif isinstance(v, int) or getattr(v, "dtype", None) is not None and v.dtype.kind in "iu":
                    parts.append(f'<c r="{ref}"{style}><v>{int(v)}</v></c>')
                    continue
                elif isinstance(v, float):   # numpy floats too
                    if math.isfinite(v):
                        parts.append(f'<c r="{ref}"{style}><v>{float(v)!r}</v></c>')
                        continue
                    v = str(float(v))
            if not isinstance(v, str):
                v = str(v)
            v = clean(v)
            if not style and v[:1] in RISKY:
                style = f' s="{self.book.style(quote=True)}"'
            space = ' xml:space="preserve"' if v[:1].isspace() or v[-1:].isspace() else ""
            parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{_escape(v)}</t></is></c>')
        parts.append("</row>")
        self._buf.append("".join(parts))
        if len(self._buf) >= 2000:
            self.flush()
        return True

    def size(self) -> int:
        self.flush()
        return self.file.tell()

    def flush(self) -> None:
        if self._buf:
            self.file.write("".join(self._buf).encode("utf-8"))
            self._buf.clear()

    def splice(self, xml: bytes, out) -> None:
        """Write ``xml`` (the sheet openpyxl wrote) to ``out`` with the rows inside ``<sheetData>``."""
        self.flush()
        end = xml.find(b"</sheetData>")
        if end < 0:
            empty = xml.find(b"<sheetData />") if b"<sheetData />" in xml else xml.find(b"<sheetData/>")
            if empty < 0:
                raise RuntimeError("no <sheetData> in a worksheet openpyxl wrote")
            tag_end = xml.index(b">", empty) + 1
            out.write(xml[:empty] + b"<sheetData>")
            self._copy(out)
            out.write(b"</sheetData>" + xml[tag_end:])
            return
        out.write(xml[:end])
        self._copy(out)
        out.write(xml[end:])

    def _copy(self, out) -> None:
        self.file.seek(0)
        for block in iter(lambda: self.file.read(1 << 20), b""):
            out.write(block)

    def close(self) -> None:
        self.file.close()


_XML_ILLEGAL = None


def clean(value: Any) -> Any:
    """A value a cell can hold: no control characters, at most 32,767 characters."""
    global _XML_ILLEGAL
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if not isinstance(value, str):
        value = str(value)
    if _XML_ILLEGAL is None:
        import re
        _XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
    value = _XML_ILLEGAL.sub("\ufffd", value)
    if len(value) > MAX_CELL:
        value = value[:MAX_CELL - 1] + "…"
    return value


def deterministic_zip(data: bytes, rows: Optional[dict] = None) -> bytes:
    """The same workbook with fixed timestamps on every zip entry, and each
    sheet's streamed rows (``rows``: member name → :class:`_Rows`) spliced in."""
    stamp = _epoch().timetuple()[:6]
    out = io.BytesIO()
    rows = rows or {}
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=stamp)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            if info.filename in rows:
                big = rows[info.filename].size() > (1 << 31)
                with dst.open(fixed, "w", force_zip64=big) as fh:
                    rows[info.filename].splice(src.read(info.filename), fh)
            else:
                dst.writestr(fixed, src.read(info.filename))
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
    from ..assessors import disagreement_note, value_text
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
    ranking = book.sheet("排名", ["排名", "星级", "单位编号", "单位名称", "分组", "地区", "期间", "总分", "基本分", "加分", "扣分"]
                         + [f"{c['title']}（{fmt(c['points'])}）" for c in cats]
                         + ["一票否决", "否决事项", "数据完整", "备注", "来源"],
                         widths=[6, 6, 22, 28, 10, 18, 8, 8, 8, 6, 6] + [14] * len(cats) + [8, 24, 8, 40, 30],
                         freeze="E2")
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
        book.append(ranking, [r["rank"], r["stars"], u["id"], u["name"], u["group"], u.get("region"), u.get("period"),
                              r["total"], r["base"], r["bonus"], r["penalty"]]
                    + [r["categories"][c["id"]] for c in cats]
                    + [_yes(r["vetoed"]), "；".join(veto_titles.get(v, v) for v in r["vetoes"]), _yes(r["complete"]),
                       "; ".join(notes), _where(r["source"], r.get("row"))])
        row: list = [r["rank"], u["id"], u["name"]]
        for it in items:
            got = r["items"][it["id"]]
            status = got["status"]
            if status == "ok":
                row.append(got["points"])
            else:
                row.append(book.cell(per_item, got["points"], fill=status))
                book.append_capped(issues, [u["id"], u["name"], it["id"], it["title"], STATUS_ZH.get(status, status),
                                            got["points"], got["max"], "; ".join(got["reasons"])])
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
                            "summary": summary(ev)})
    return book.save()


def provenance_sheet(book: Book, doc: dict) -> None:
    prov = doc.get("provenance") or {}
    s = doc.get("scheme") or {}
    ws = book.sheet("来源", ["项目", "值"], widths=[28, 90])
    rows = [["civscore 版本", prov.get("civscore")],
            ["评分方案", f"{s.get('title', '')}（{s.get('id', '')} {s.get('version', '')}）"],
            ["方案文件（criteria）", prov.get("criteria")],
            ["方案 sha256", s.get("sha256") or prov.get("criteria_sha256")],
            ["分组排名（by_group）", _yes(bool(prov.get("by_group")))]]
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
    from ..assessors import value_text
    r = doc["result"]
    crit = doc["criteria"]
    u = r["unit"]
    titles = {it["id"]: it for it in crit["items"]}
    book = Book(f"{u['name']} — {doc['scheme']['title']}")
    ws = book.sheet("自查", ["项目", "值"], widths=[24, 70])
    nxt = doc.get("next_level")
    rows = [["单位编号", u["id"]], ["单位名称", u["name"]], ["分组", u.get("group")],
            ["总分", r["total"]], ["基本分", r["base"]], ["加分", r["bonus"]], ["扣分", r["penalty"]],
            ["星级", r["stars"]], ["一票否决", _yes(r["vetoed"])],
            ["否决事项", "；".join(next((v["title"] for v in crit["vetoes"] if v["id"] == vid), vid) for vid in r["vetoes"])],
            ["数据完整", _yes(r["complete"])],
            ["缺失的输入", "、".join(doc.get("missing") or [])]]
    if nxt:
        rows.append([f"距 {nxt['stars']} 星还差（分）", nxt.get("points_needed")])
        for c in nxt.get("categories_below") or []:
            rows.append([f"  {c['title']} 还差（分）", c.get("points_needed")])
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
        book.append(ws, [c["id"], c["title"], score, c["points"], round(score / c["points"], 4) if c["points"] else None])
    items = book.sheet("分项", ["指标编号", "指标名称", "类型", "得分", "满分", "状态", "原因", "改进提示"],
                       widths=[28, 28, 6, 8, 8, 8, 60, 50], freeze="A2")
    for item_id, got in r["items"].items():
        meta = titles[item_id]
        status = got["status"]
        book.append(items, [item_id, meta["title"], KIND_ZH.get(meta["kind"], meta["kind"]),
                            book.cell(items, got["points"], fill=status) if status in STATUS_FILL else got["points"],
                            got["max"], STATUS_ZH.get(status, status), "; ".join(got["reasons"]), meta.get("hint")])
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
