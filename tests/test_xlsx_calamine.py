"""XLSX submissions are read by python-calamine (issue 15: 100,000 rows in
seconds, not minutes) unless the workbook holds what calamine cannot tell
(percentage formats, formulas, error cells, merged cells, far cells): then
by openpyxl as before. Both paths must give the same units and the same
errors, row for row."""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import openpyxl
import pytest

from civscore.builtin import readers

BAD = Path(__file__).parent / "bad"
sys.path.insert(0, str(BAD))
import generate  # noqa: E402


def read_both(path: Path, monkeypatch) -> tuple[list, list]:
    data = path.read_bytes()

    def items():
        out = []
        try:
            for item in readers.XlsxReader().read(path, data):
                if isinstance(item, readers.Unit):
                    out.append(("unit", item.id, item.name, item.group, item.row, repr(dict(item.data.items()))))  # 1 and 1.0 differ
                else:
                    out.append(("error", str(item)))
        except readers.SubmissionError as exc:
            out.append(("refused", str(exc)))
        return out

    fast = items()
    with monkeypatch.context() as m:
        m.setattr(readers, "_calamine_rows", lambda data: None)
        slow = items()
    return fast, slow


def book(path: Path, rows, at: str = "A1") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    top = int(at[1:])
    left = ord(at[0]) - 64
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            if value is not None:
                ws.cell(row=top + i, column=left + j, value=value)
    wb.save(path)
    return path


HEADER = ["unit.id", "unit.name", "unit.group", "a", "b", "c"]


@pytest.mark.parametrize("at", ["A1", "A3", "C1", "B4"])
def test_plain_workbooks_read_alike(tmp_path, monkeypatch, at):
    rows = [HEADER,
            ["u1", "单位一", "g", 1, 2.5, "text"],
            ["u2", " spaced ", None, True, dt.date(2024, 3, 1), dt.datetime(2024, 3, 1, 8, 30)],
            [None, None, None, None, None, None],
            ["u3", "n3", "g", 0, -7.25, None],
            ["u4", None, "g", 1e15, 123456789012, "12%"],
            [None, "no id", None, 1, None, None],
            ["u5", "n5", None, None, None, None, "stray"],
            [7, 8.0, None, "", " ", "x"]]
    path = book(tmp_path / "plain.xlsx", rows, at)
    assert readers._calamine_rows(path.read_bytes()) is not None, "a plain workbook takes the fast path"
    fast, slow = read_both(path, monkeypatch)
    assert fast == slow
    # a table not starting at A1 is refused alike (its header row is empty or lacks unit.id)
    assert any(kind == "unit" for kind, *_ in fast) == (at == "A1")


@pytest.mark.parametrize("re2", [False, True], ids=["python-re", "re2"])
def test_what_calamine_cannot_tell_goes_to_openpyxl(tmp_path, monkeypatch, re2):
    if re2:   # every sheet scanned as a big one is, by pyarrow's RE2
        monkeypatch.setattr(readers, "_RE2_MIN_BYTES", 0)
    wb = openpyxl.Workbook()
    wb.active.append(HEADER)
    wb.active.append(["u1", "n", None, 0.5, 1, 2])
    plain = tmp_path / "plain.xlsx"
    wb.save(plain)
    wb.active["D2"].number_format = "0%"
    wb.save(tmp_path / "percent.xlsx")
    wb.active["D2"].number_format = "General"
    wb.active["E2"] = "=1+1"
    wb.save(tmp_path / "formula.xlsx")
    wb.active["E2"] = 1
    wb.active.merge_cells("E2:F2")
    wb.save(tmp_path / "merged.xlsx")
    assert readers._calamine_rows(plain.read_bytes()) is not None
    for name in ("percent", "formula", "merged"):
        assert readers._calamine_rows((tmp_path / f"{name}.xlsx").read_bytes()) is None, name


#: a piece of a sheet's XML → whether calamine cannot be trusted with the workbook
SHEET_XML = {
    b'<c r="A1" t="s"><v>0</v></c>': False,
    b'<c r="E2"><f>1+1</f><v>2</v></c>': True,               # a formula
    b'<c r="A1" t="e"><v>#DIV/0!</v></c>': True,             # an error cell
    b'<x:sheetData><x:row r="1">': True,                      # prefixed element names
    b'<x:c r="A1">': True,
    b'<c r="BZ1">': False, b'<c r="CA1">': True, b'<c r="ca1">': True,   # far columns: calamine allocates up to them
    b'<c r="AAA1">': True, b'<c r="XFD1048576">': True,
    b'<c r="A199999">': False, b'<c r="A200000">': True, b'<c r="AB1000000">': True,   # far rows
    b'<row r="1000000" spans="1:3">': False,
}


@pytest.mark.parametrize("xml, cannot", SHEET_XML.items(), ids=[x.decode() for x in SHEET_XML])
def test_the_two_sheet_scans_agree(xml, cannot):
    """Python's search (small sheets) and RE2's (big sheets, one pass) find the same things."""
    text = b'<worksheet><sheetData><row r="1">' + xml + b"</row></sheetData></worksheet>"
    re2 = readers._re2_finder()
    assert re2 is not None
    assert readers._python_finds(text) is cannot
    assert re2(text) is cannot


XLSX_CASES = [c for c in generate.GENERATORS if c.startswith("xlsx_") and c not in ("xlsx_zip_bomb", "xlsx_wide_row")]


@pytest.mark.parametrize("case", XLSX_CASES)
def test_bad_input_corpus_reads_alike(tmp_path, monkeypatch, case):
    """Every workbook of the bad-input corpus: the same units and the same
    messages whichever path reads it."""
    path = tmp_path / f"{case}.xlsx"
    generate.GENERATORS[case](path)
    fast, slow = read_both(path, monkeypatch)
    assert fast == slow


def test_true_and_1_in_one_column_stay_apart(tmp_path, monkeypatch):
    """Cells equal as dict keys (TRUE and 1, 1 and 1.0) keep their own values: each
    column's cells are canonicalised by (type, value), on both paths."""
    rows = [HEADER, ["u1", "n1", "g", 1, 1, "x"], ["u2", "n2", "g", True, 2, "y"], ["u3", "n3", "g", 1, True, "z"]]
    fast, slow = read_both(book(tmp_path / "mixed.xlsx", rows), monkeypatch)
    assert fast == slow
    units = {item[1]: item[-1] for item in fast if item[0] == "unit"}
    assert "'a': True" in units["u2"] and "'a': 1," in units["u3"] and "'b': True" in units["u3"]
