"""Corpus files made at test time: workbooks, binary files, wrong encodings,
deep nesting, and anything big. Nothing here is committed as a binary; each
function writes one file and ``tests/bad/expected.toml`` names it with
``generate = "<function name>"``.

Run ``python tests/bad/generate.py DIR`` to write them all into DIR for a
look by hand.
"""
from __future__ import annotations

import csv
import datetime
import io
import random
import struct
import sys
import zipfile
from pathlib import Path

GOOD_ROW = {"a.flag": "yes", "a.docs": "plan;record", "a.rate": 80, "b.level": 85, "b.faults": 1,
            "b.grade": "B", "c.assessor": 7, "part": 3, "whole": 10, "hours": 100, "staff": 50, "accident": "no"}
HEADER = ["unit.id", "unit.name", *GOOD_ROW]


def _noise(n: int, seed: int) -> bytes:
    return random.Random(seed).randbytes(n)


def _workbook(path: Path, rows, merge: str | None = None, extra=None) -> None:
    import openpyxl
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    if extra:
        extra(book, sheet)
    book.save(path)


def _row(uid: str, name: str, **changes):
    values = {**GOOD_ROW, **changes}
    return [uid, name, *values.values()]


# -- criteria files ---------------------------------------------------------------------
def criteria_binary(path: Path) -> None:
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _noise(2000, 1))


def criteria_utf16(path: Path) -> None:
    text = Path(__file__).with_name("good-criteria.toml").read_text(encoding="utf-8")
    path.write_bytes(text.encode("utf-16"))


def criteria_gb18030(path: Path) -> None:
    text = Path(__file__).with_name("good-criteria.toml").read_text(encoding="utf-8")
    path.write_bytes(text.replace('title = "A flag"', 'title = "文明单位"').encode("gb18030"))


def criteria_too_large(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        fh.write('format = "civscore/1"\n')
        line = "# " + "x" * 1000 + "\n"
        for _ in range(6 * 1024):
            fh.write(line)


def _brackets(n: int) -> str:
    """``n`` nested arrays over lines of a thousand brackets (a longer line is refused before parsing)."""
    return "\n".join(["[" * 1000] * (n // 1000)) + "\n" + "\n".join(["]" * 1000] * (n // 1000))


def criteria_deep_arrays(path: Path) -> None:
    path.write_text('format = "civscore/1"\nx = ' + _brackets(100_000) + "\n", encoding="utf-8")


def criteria_deep_inline_tables(path: Path) -> None:
    path.write_text('format = "civscore/1"\nx = ' + "{a = " * 50_000 + "1" + "}" * 50_000 + "\n", encoding="utf-8")


def criteria_nul_bytes(path: Path) -> None:
    path.write_bytes(b'format = "civscore/1"\n\x00\x00\x00[scheme]\n')


# -- submissions: text files -----------------------------------------------------------------
def binary_toml(path: Path) -> None:
    path.write_bytes(b"\x00\x01\x02" + _noise(3000, 2))


def binary_json(path: Path) -> None:
    path.write_bytes(b"PK\x03\x04\x00\x00" + _noise(3000, 3))


def binary_csv(path: Path) -> None:
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00" + _noise(3000, 4))


def random_bytes_json(path: Path) -> None:
    """Random bytes with no NUL among them: not binary by the quick test, still not UTF-8."""
    path.write_bytes(bytes(b or 1 for b in _noise(3000, 5)))


def latin1_toml(path: Path) -> None:
    path.write_bytes('[unit]\nid = "latin"\nname = "Caf\u00e9 de la Gare"\n'.encode("latin-1"))


def utf16_csv(path: Path) -> None:
    rows = [",".join(HEADER), ",".join(map(str, _row("u16", "UTF-16 unit")))]
    path.write_bytes("\n".join(rows).encode("utf-16"))


def gb18030_csv(path: Path) -> None:
    """A valid GB18030 table (WPS/Excel on Chinese Windows): read, not refused."""
    rows = [",".join(HEADER), ",".join(map(str, _row("gb-unit", "西固区环卫局")))]
    path.write_bytes("\n".join(rows).encode("gb18030"))


def bad_encoding_csv(path: Path) -> None:
    """Bytes that are neither UTF-8 nor GB18030."""
    path.write_bytes(b"unit.id,unit.name\nx,\xff\xfe\xfd\xff\n")


def deep_json(path: Path) -> None:
    path.write_text('{"unit": {"id": "deep", "name": "Deep"}, "data": {"a.flag": ' + "[" * 100_000 + "]" * 100_000 + "}}",
                    encoding="utf-8")


def deep_toml(path: Path) -> None:
    path.write_text('[unit]\nid = "deep"\nname = "Deep"\n[data]\nx = ' + _brackets(100_000) + "\n",
                    encoding="utf-8")


def long_cell_csv(path: Path) -> None:
    """A cell over the csv module's field limit, between two good rows."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(_row("long-1", "Before the long cell"))
        w.writerow(_row("long-2", "Z" * 200_000))
        w.writerow(_row("long-3", "After the long cell"))


def big_csv_50mb(path: Path) -> None:
    """A 50 MB submission: 2,000 units, each with a 25 kB note column nobody reads."""
    note = "n" * 25_000
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER + ["note"])
        i = 0
        while fh.tell() < 50 * 1024 * 1024:
            w.writerow(_row(f"big-{i:05d}", f"Unit {i}", **{"a.rate": 50 + i % 50}) + [note])
            i += 1


# -- submissions: workbooks --------------------------------------------------------------------
def xlsx_merged_cells(path: Path) -> None:
    _workbook(path, [HEADER, _row("m1", "Merged 1"), _row("m2", "Merged 2"), _row("m3", "Not merged")], merge="C2:C3")


def xlsx_merged_header(path: Path) -> None:
    _workbook(path, [HEADER, _row("mh1", "One")], merge="A1:B1")


def xlsx_formulas(path: Path) -> None:
    _workbook(path, [HEADER, _row("f1", "Formula", **{"a.rate": "=40+40"}), _row("f2", "Values only")])


def xlsx_array_formula(path: Path) -> None:
    def add(book, sheet):
        from openpyxl.worksheet.formula import ArrayFormula
        sheet["E2"] = ArrayFormula("E2:E2", "=SUM(A1:A2)")
    _workbook(path, [HEADER, _row("af1", "Array formula"), _row("af2", "Values only")], extra=add)


def xlsx_not_a_zip(path: Path) -> None:
    path.write_text("unit.id,unit.name\nx,X\n", encoding="utf-8")


def xlsx_zip_not_workbook(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "not a workbook")


def xlsx_truncated(path: Path) -> None:
    buf = io.BytesIO()
    _workbook(buf, [HEADER, _row("t1", "Truncated")])
    data = buf.getvalue()
    path.write_bytes(data[: len(data) // 2])


def xlsx_far_cell(path: Path) -> None:
    """A stray cell at XFD1048576: regression, iterating the sheet's dimensions hung."""
    _workbook(path, [HEADER, _row("far1", "Near the origin")],
              extra=lambda book, sheet: sheet.cell(row=1_048_576, column=16_384, value="stray"))


def xlsx_chartsheet_only(path: Path) -> None:
    """Regression: a workbook whose only sheet is a chart sheet raised AttributeError."""
    def add(book, sheet):
        book.create_chartsheet()
        del book[sheet.title]
    _workbook(path, [], extra=add)


def xlsx_empty_sheet(path: Path) -> None:
    _workbook(path, [])


def xlsx_duplicate_ids(path: Path) -> None:
    _workbook(path, [HEADER, _row("xd1", "First"), _row("xd2", "Second"), _row("xd1", "Again")])


def xlsx_repeated_header(path: Path) -> None:
    _workbook(path, [HEADER, _row("xr1", "First"), HEADER, _row("xr2", "Second")])


def xlsx_odd_cells(path: Path) -> None:
    """Dates, error values and booleans where numbers belong: items invalid, file read."""
    _workbook(path, [HEADER, _row("odd1", "Odd cells", **{"a.rate": datetime.datetime(2025, 1, 1), "b.level": "#DIV/0!",
                                                           "c.assessor": True, "b.faults": -4})])


def xlsx_zip_bomb(path: Path) -> None:
    """A workbook whose zip directory claims a 4 GB member: refused before anything is inflated."""
    buf = io.BytesIO()
    _workbook(buf, [HEADER, _row("zb1", "Bomb")])
    data = bytearray(buf.getvalue())
    pos = data.find(b"PK\x01\x02")          # first central-directory entry
    struct.pack_into("<I", data, pos + 24, 0xFFFF0000)   # its uncompressed size
    path.write_bytes(bytes(data))


# -- issue #16: bounded time and memory ----------------------------------------------------
def csv_million_commas(path: Path) -> None:
    """A row followed by a million commas (trimming them used to copy the row a million times: 38 s for 250 kB)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(_row("mc1", "Before the commas"))
        fh.write(",".join(map(str, _row("mc2", "Commas"))) + "," * 1_000_000 + "\n")
        w.writerow(_row("mc3", "After the commas"))


def csv_wide_header(path: Path) -> None:
    """A header of 20,000 columns: past the 16,384-column limit."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER + [f"extra{i}" for i in range(20_000)])
        w.writerow(_row("wh1", "Wide header"))


def csv_long_line(path: Path) -> None:
    """One line of 5 million characters between good rows: refused before the csv module reads it."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerow(_row("ll1", "Before the long line"))
        fh.write("ll2,Long line," + "9" * 5_000_000 + "\n")
        w.writerow(_row("ll3", "After the long line"))


def csv_late_nul(path: Path) -> None:
    """A NUL byte past the first 8 KB (only those are looked at to call a file binary)."""
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER + ["note"])
        for i in (1, 2, 3):
            w.writerow(_row(f"nul-{i}", f"Unit {i}") + ["n" * 4000])
        fh.write(",".join(map(str, _row("nul\x00-4", "NUL in the id"))) + ",x\n")
        w.writerow(_row("nul-5", "After the NUL") + ["x"])


def _dotted(parts: int) -> str:
    return ".".join(f"g{i}" for i in range(parts))


def toml_long_dotted_key(path: Path) -> None:
    """The issue's key: g0.g1.….g149999 = 1, 1 MB on one line (it took the TOML parser 3 minutes)."""
    path.write_text(f'[unit]\nid = "dk1"\nname = "Dotted"\n[data]\n{_dotted(150_000)} = 1\n', encoding="utf-8")


def toml_many_key_parts(path: Path) -> None:
    """A dotted key of 10,000 parts on a line under the length limit (seconds of parsing, growing with the square)."""
    path.write_text(f'[unit]\nid = "dk2"\nname = "Dotted"\n[data]\n{_dotted(10_000)} = 1\n', encoding="utf-8")


def criteria_long_header(path: Path) -> None:
    """A table header [criteria.a.g0.….g9999]: slow to parse the same way."""
    text = Path(__file__).with_name("good-criteria.toml").read_text(encoding="utf-8")
    path.write_text(text + f"\n[criteria.a.{_dotted(10_000)}]\ntitle = \"Deep\"\n", encoding="utf-8")


def _sheet_xml_patch(path: Path, rows, patch) -> None:
    """A workbook made by openpyxl whose first sheet's XML is then changed by ``patch(xml) -> xml``
    (for what openpyxl itself would never write)."""
    buf = io.BytesIO()
    _workbook(buf, rows)
    with zipfile.ZipFile(buf) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = patch(data)
            zout.writestr(info.filename, data)


def xlsx_wide_row(path: Path) -> None:
    """A workbook of about 130 kB whose third row holds 2.5 million cells (loading it took 1.6 GB)."""
    cells = b'<c t="n"><v>0</v></c>' * 2_500_000

    def patch(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b'<row r="3">' + cells + b"</row></sheetData>")
    _sheet_xml_patch(path, [HEADER, _row("wr1", "Before the wide row")], patch)


def xlsx_far_column(path: Path) -> None:
    """A cell at ZZZ3, right of Excel's last column XFD: openpyxl would pad every row to it."""
    def patch(xml: bytes) -> bytes:
        return xml.replace(b"</sheetData>", b'<row r="3"><c r="ZZZ3" t="n"><v>1</v></c></row></sheetData>')
    _sheet_xml_patch(path, [HEADER, _row("fc1", "Before the far cell")], patch)


def xlsx_formula_ids(path: Path) -> None:
    """Formulas as unit.id and unit.name: refused like formulas in data cells."""
    _workbook(path, [HEADER, _row("=1+1", "Formula id"), _row("fi2", "=A1"), _row("fi3", "Values only")])


GENERATORS = {name: fn for name, fn in globals().items() if callable(fn) and not name.startswith("_")
              and getattr(fn, "__module__", None) == __name__}


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    for name, fn in GENERATORS.items():
        fn(out / name)
        print(out / name)
