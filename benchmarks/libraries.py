"""Micro-measures of the candidate libraries for civscore's own readers and
writers (issue 15, "Library choice" in benchmarks/results.md).

    python benchmarks/libraries.py            # everything, printed as Markdown
    python benchmarks/libraries.py csv xlsx-read xlsx-write check pyarrow-notes

Run it in the benchmark environment (benchmarks/requirements.txt) after
benchmarks/run.py has generated benchmarks/data/units-1000000.csv and
units-100000.xlsx. Each case runs in a fresh process measured like run.py
(CPU = user + system of that child, wall, peak RSS), medians of --runs.
"""
from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))
from run import measure  # noqa: E402

# Each case: a program run by `python -c`; argv[1] is the input or output path.
CSV_CASES = {
    "pyarrow.csv, every column text": """
import sys, pyarrow as pa, pyarrow.csv as pc
with open(sys.argv[1], encoding="utf-8-sig") as fh:
    names = next(__import__("csv").reader(fh))
t = pc.read_csv(sys.argv[1], convert_options=pc.ConvertOptions(
    column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False))
assert t.num_rows > 0
""",
    "pyarrow.csv, types inferred": """
import sys, pyarrow.csv as pc
t = pc.read_csv(sys.argv[1])
assert t.num_rows > 0
""",
    "pyarrow.csv text + dictionary_encode every column": """
import sys, pyarrow as pa, pyarrow.csv as pc, pyarrow.compute as pcc
with open(sys.argv[1], encoding="utf-8-sig") as fh:
    names = next(__import__("csv").reader(fh))
t = pc.read_csv(sys.argv[1], convert_options=pc.ConvertOptions(
    column_types={n: pa.string() for n in names}, strings_can_be_null=False))
d = [pcc.dictionary_encode(c).combine_chunks() for c in t.columns]
distinct = sum(len(c.dictionary) for c in d)
assert distinct > 0
""",
    "polars, every column text": """
import sys, polars as pl
t = pl.read_csv(sys.argv[1], infer_schema=False)
assert t.height > 0
""",
    "polars, types inferred": """
import sys, polars as pl
t = pl.read_csv(sys.argv[1], infer_schema_length=None)
assert t.height > 0
""",
    "csv module into column lists": """
import sys, csv
with open(sys.argv[1], encoding="utf-8-sig", newline="") as fh:
    rows = csv.reader(fh)
    header = next(rows)
    cols = [list(c) for c in zip(*rows)]
assert len(cols[0]) > 0
""",
    "pandas read_csv, pyarrow engine": """
import sys, pandas as pd
t = pd.read_csv(sys.argv[1], engine="pyarrow")
assert len(t) > 0
""",
}

XLSX_READ_CASES = {
    "python-calamine to_python()": """
import sys
from python_calamine import CalamineWorkbook
rows = CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).to_python()
assert len(rows) > 1
""",
    "python-calamine iter_rows()": """
import sys
from python_calamine import CalamineWorkbook
n = sum(1 for _ in CalamineWorkbook.from_path(sys.argv[1]).get_sheet_by_index(0).iter_rows())
assert n > 1
""",
    "fastexcel to Arrow (every column text)": """
import sys, fastexcel
sheet = fastexcel.read_excel(sys.argv[1]).load_sheet(0, dtypes="string")
t = sheet.to_arrow()
assert t.num_rows > 0
""",
    "openpyxl read_only iter_rows(values_only)": """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=True, data_only=False)
n = sum(1 for _ in wb.worksheets[0].iter_rows(values_only=True))
assert n > 1
""",
    "openpyxl full load (civscore's mode under 20 MB)": """
import sys, openpyxl
wb = openpyxl.load_workbook(sys.argv[1], read_only=False, data_only=False)
n = len(wb.worksheets[0]._cells)
assert n > 1
""",
}

# 50k units of a results workbook's shape: rank, stars, id, name, group, total, 3 sums, 5 categories, 33 items
_ROWS = """
import random
rng = random.Random(1)
header = ["rank", "stars", "unit.id", "unit.name", "unit.group", "total", "base", "bonus", "penalty"] + \\
    [f"cat{i}" for i in range(5)] + [f"item{i}" for i in range(33)]
rows = [[i + 1, rng.randint(0, 5), f"u{i:07d}", f"单位{i}", "机关"] + [round(rng.uniform(0, 100), 2) for _ in range(4 + 5 + 33)]
        for i in range(50_000)]
"""
XLSX_WRITE_CASES = {
    "XlsxWriter constant_memory": _ROWS + """
import sys, datetime, xlsxwriter
wb = xlsxwriter.Workbook(sys.argv[1], {"constant_memory": True})
wb.set_properties({"created": datetime.datetime(2000, 1, 1)})
ws = wb.add_worksheet("results")
num = wb.add_format({"num_format": "0.00"})
ws.write_row(0, 0, header)
for r, row in enumerate(rows, 1):
    ws.write_row(r, 0, row[:5])
    ws.write_row(r, 5, row[5:], num)
wb.close()
""",
    "openpyxl write_only": _ROWS + """
import sys, openpyxl
wb = openpyxl.Workbook(write_only=True)
ws = wb.create_sheet("results")
ws.append(header)
for row in rows:
    ws.append(row)
wb.save(sys.argv[1])
""",
    "(making the rows only)": _ROWS,
}


def median_of(code: str, arg: str, runs: int) -> dict:
    got = [measure([sys.executable, "-c", code, arg]) for _ in range(runs)]
    return {k: statistics.median(m[k] for m in got) for k in ("cpu", "wall", "rss_mib")}


ONLY: list[str] = []  # --cases: substrings of the case names to run


def table(title: str, cases: dict[str, str], arg: str, runs: int) -> list[str]:
    out = [f"**{title}** (medians of {runs})", "", "| how | CPU | wall | peak RSS |", "|---|---|---|---|"]
    for name, code in cases.items():
        if ONLY and not any(o in name for o in ONLY):
            continue
        m = median_of(code, arg, runs)
        out.append(f"| {name} | {m['cpu']:.2f} s | {m['wall']:.2f} s | {m['rss_mib']:,.0f} MiB |")
        print(out[-1], file=sys.stderr, flush=True)
    return out + [""]


def xlsx_write(runs: int) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        lines = table("Writing 50,000 units × 47 columns to XLSX", XLSX_WRITE_CASES, str(Path(tmp) / "w.xlsx"), runs)
        same = []
        for name in ("XlsxWriter constant_memory", "openpyxl write_only"):
            a, b = Path(tmp) / "a.xlsx", Path(tmp) / "b.xlsx"
            subprocess.run([sys.executable, "-c", XLSX_WRITE_CASES[name], str(a)], check=True)
            time.sleep(1.1)  # a second later: a timestamp would show
            subprocess.run([sys.executable, "-c", XLSX_WRITE_CASES[name], str(b)], check=True)
            same.append(f"{name}: {a.stat().st_size:,} bytes, two runs a second apart "
                        f"{'byte-identical' if a.read_bytes() == b.read_bytes() else 'DIFFER'}")
        return lines + ["- " + s for s in same] + [""]


def check_timing(runs: int) -> list[str]:
    unit = sorted((HERE.parent / "examples" / "civilized-unit").glob("*.toml"))[0]
    # the bundled scheme by name, as a committee member types it
    cmd = [sys.executable, "-m", "civscore", "check", "civilized-unit", str(unit)]
    subprocess.run(cmd, capture_output=True)  # warm the file cache and .pyc files
    runs_c = [measure(cmd) for _ in range(runs)]
    runs_b = [measure([sys.executable, "-c", "pass"]) for _ in range(runs)]
    walls = [m["wall"] for m in runs_c]
    cpu = statistics.median(m["cpu"] for m in runs_c)
    bare = [m["wall"] for m in runs_b]
    bare_cpu = statistics.median(m["cpu"] for m in runs_b)
    err = subprocess.run([sys.executable, "-X", "importtime", *cmd[1:]], capture_output=True, text=True).stderr
    # lines: "import time: self [us] | cumulative | imported package", nesting by indentation
    rows = []
    for line in err.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
        if m:
            rows.append((int(m.group(2)), len(m.group(3)) // 2, m.group(4), int(m.group(1))))
    top_level = sorted((r for r in rows if r[1] == 0), reverse=True)
    total = sum(r[0] for r in top_level)
    out = [f"**`civscore check civilized-unit {unit.relative_to(HERE.parent)}`**: wall median "
           f"{statistics.median(walls):.3f} s (min {min(walls):.3f}, {runs} warm runs), CPU {cpu:.3f} s; a bare "
           f"`python -c pass` {statistics.median(bare):.3f} s wall, {bare_cpu:.3f} s CPU. "
           f"Imports (`-X importtime`, one run): {total / 1e6:.3f} s in all; "
           "top-level imports by cumulative time:", "", "| module | cumulative | self |", "|---|---|---|"]
    for cum, _, name, self_us in top_level[:12]:
        out.append(f"| {name} | {cum / 1000:.0f} ms | {self_us / 1000:.0f} ms |")
    heavy = {}
    for _cum, _, name, self_us in rows:
        root = name.split(".")[0]
        heavy[root] = heavy.get(root, 0) + self_us
    out += ["", "Self time summed by package: " + ", ".join(
        f"{k} {v / 1000:.0f} ms" for k, v in sorted(heavy.items(), key=lambda kv: -kv[1])[:12]), ""]
    return out


PYARROW_NOTES = r'''
import io, pyarrow as pa, pyarrow.csv as pc
out = []
# 1. every column as text, exactly as written
data = "unit.id,unit.name,a,b,c\nu1,x, 3.50 ,NA,007\nu2,y,,n/a,1e3\n".encode()
names = ["unit.id", "unit.name", "a", "b", "c"]
t = pc.read_csv(io.BytesIO(data), convert_options=pc.ConvertOptions(
    column_types={n: pa.string() for n in names}, strings_can_be_null=False, quoted_strings_can_be_null=False))
out.append(f"text columns: {t.to_pydict()}")
t2 = pc.read_csv(io.BytesIO(data))
out.append(f"inferred: {dict(zip(t2.column_names, map(str, t2.schema.types)))} values {t2.to_pydict()}")
# 2. bad rows: the handler gets the row number (only without threads) and the text; 'skip' goes on
bad = []
def handler(row):
    bad.append((row.number, row.expected_columns, row.actual_columns, row.text))
    return "skip"
data = b"unit.id,unit.name,a\nu1,x,1\nu2,y,2,9\n\"u3\",z,3\nu4,w\n"
for threads in (True, False):
    bad.clear()
    t = pc.read_csv(io.BytesIO(data), read_options=pc.ReadOptions(use_threads=threads),
                    parse_options=pc.ParseOptions(invalid_row_handler=handler))
    out.append(f"invalid_row_handler, use_threads={threads}: rows kept {t['unit.id'].to_pylist()}, "
               f"bad (number, expected, actual, text) {bad}")
bad.clear()
data = b"unit.id,unit.name,a\nu1,\"x\ny\",1\nu2,y,2,9\nu3,z,3,4\n"
pc.read_csv(io.BytesIO(data), read_options=pc.ReadOptions(use_threads=False),
            parse_options=pc.ParseOptions(invalid_row_handler=handler, newlines_in_values=True))
out.append(f"a cell over lines 2-3, bad rows on lines 4 and 5, newlines_in_values=True, no threads: bad {bad}")
try:
    pc.read_csv(io.BytesIO(b"unit.id,unit.name,a\nu1,\"x,1\nu2,y,2\n"))
    out.append("unclosed quote: no error")
except pa.ArrowInvalid as exc:
    out.append(f"unclosed quote: ArrowInvalid: {str(exc)[:160]!r}")
# 3. encodings
text = "unit.id,unit.name,a\nu1,兰州市第三小学,是\n"
t = pc.read_csv(io.BytesIO(text.encode("gb18030")), read_options=pc.ReadOptions(encoding="gb18030"))
out.append(f"GB18030 via ReadOptions(encoding='gb18030'): {t.to_pydict()}")
t = pc.read_csv(io.BytesIO(b"\xef\xbb\xbf" + text.encode()))
out.append(f"UTF-8 with BOM, default options: columns {t.column_names}")
t = pc.read_csv(io.BytesIO(text.encode("gb18030")))
out.append(f"GB18030 bytes read as UTF-8, types inferred: {dict(zip(t.column_names, map(str, t.schema.types)))} (no error)")
try:
    pc.read_csv(io.BytesIO(text.encode("gb18030")), convert_options=pc.ConvertOptions(
        column_types={n: pa.string() for n in ["unit.id", "unit.name", "a"]}))
except pa.ArrowInvalid as exc:
    out.append(f"GB18030 bytes read as UTF-8 into string columns: ArrowInvalid: {exc}")
print("\n".join(out))
'''


def gb18030_speed(runs: int) -> list[str]:
    src = DATA / "units-100000.csv"
    with tempfile.TemporaryDirectory() as tmp:
        gb = Path(tmp) / "gb.csv"
        gb.write_bytes(src.read_text(encoding="utf-8").encode("gb18030"))
        code = """
import sys, pyarrow as pa, pyarrow.csv as pc
enc = sys.argv[1].rsplit(":", 1)[1]
t = pc.read_csv(sys.argv[1].rsplit(":", 1)[0], read_options=pc.ReadOptions(encoding=enc),
                convert_options=pc.ConvertOptions(strings_can_be_null=False))
assert t.num_rows > 0
"""
        cases = {"pyarrow.csv, UTF-8 file": (code, f"{src}:utf8"), "pyarrow.csv, GB18030 file (Python codec)": (code, f"{gb}:gb18030")}
        out = [f"**Reading 100,000 rows, UTF-8 vs GB18030** (medians of {runs})", "",
               "| how | CPU | wall | peak RSS |", "|---|---|---|---|"]
        for name, (c, arg) in cases.items():
            m = median_of(c, arg, runs)
            out.append(f"| {name} | {m['cpu']:.2f} s | {m['wall']:.2f} s | {m['rss_mib']:,.0f} MiB |")
        return out + [""]


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("what", nargs="*", default=["csv", "xlsx-read", "xlsx-write", "check", "pyarrow-notes"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--cases", nargs="*", default=[], help="run only the cases whose names hold one of these")
    args = ap.parse_args(argv)
    ONLY[:] = args.cases
    out: list[str] = []
    if "csv" in args.what:
        out += table("Reading 1,000,000 rows × 38 columns of CSV (385 MB)", CSV_CASES,
                     str(DATA / "units-1000000.csv"), args.runs)
    if "xlsx-read" in args.what:
        out += table("Reading 100,000 rows × 38 columns of XLSX", XLSX_READ_CASES,
                     str(DATA / "units-100000.xlsx"), args.runs)
    if "xlsx-write" in args.what:
        out += xlsx_write(args.runs)
    if "check" in args.what:
        out += check_timing(5)
    if "pyarrow-notes" in args.what:
        out += ["**pyarrow.csv behaviour** (pyarrow " + subprocess.run(
            [sys.executable, "-c", "import pyarrow; print(pyarrow.__version__)"], capture_output=True, text=True).stdout.strip()
                + ")", "", "```", subprocess.run([sys.executable, "-c", PYARROW_NOTES], capture_output=True, text=True,
                                                 check=True).stdout.strip(), "```", ""]
        out += gb18030_speed(args.runs)
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
