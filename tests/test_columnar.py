"""The columnar paths (issue 15) give what the per-unit paths give.

Reading: a CSV file read by pyarrow column by column
(civscore/builtin/columnar.py) yields the same units, values, rows and errors
as the csv module line by line, on every CSV file of the bad-input corpus and
on plain files made to hit each row check; files the columnar path cannot be
sure of are left to the csv module. Writing: the CSV report rendered by
pyarrow (civscore/reports/csv_columns.py) is byte for byte the csv module's.
Both switches are forced here, as files are small.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import random
import sys
from pathlib import Path

import pytest

import civscore
from civscore.builtin import columnar
from civscore.contracts.errors import SubmissionError
from civscore.reports import data as data_reports
from civscore.submissions import read_file

ROOT = Path(__file__).resolve().parent.parent
BAD = ROOT / "tests" / "bad"
sys.path.insert(0, str(BAD))
import generate  # noqa: E402

# benchmarks/generate.py: valid values for any scheme's inputs
_spec = importlib.util.spec_from_file_location("units_generator", ROOT / "benchmarks" / "generate.py")
assert _spec is not None and _spec.loader is not None
units_generator = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(units_generator)

CSV_GENERATORS = [name for name in generate.GENERATORS if "csv" in name]


def described(items) -> list[tuple]:
    """What a reader's items say: each unit's fields and inputs, each error's text and place."""
    out = []
    for item in items:
        if isinstance(item, SubmissionError):
            out.append(("error", str(item.message), item.source, item.where))
        else:
            out.append(("unit", item.id, item.name, item.group, item.region, item.period, item.source, item.row,
                        dict(item.data), item.where))
    return out


def both_paths(path: Path, registry, monkeypatch) -> tuple[list, list, bool]:
    """(columnar items, csv-module items, whether the columnar path read the file)."""
    monkeypatch.setattr(columnar, "MIN_COLUMNAR_BYTES", 0)
    used = []
    real = columnar.read_columnar

    def spy(*args):
        result = real(*args)
        used.append(result is not None)
        return result
    monkeypatch.setattr("civscore.builtin.readers.read_columnar", spy)
    fast, _digest = read_file(path, registry)
    monkeypatch.setattr(columnar, "ENABLED", False)
    slow, _digest = read_file(path, registry)
    monkeypatch.setattr(columnar, "ENABLED", True)
    return described(fast), described(slow), any(used)


@pytest.fixture(scope="module")
def bad_csv_files(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("bad")
    files = sorted((BAD / "submissions").glob("*.csv"))
    for name in CSV_GENERATORS:
        target = root / f"{name}.csv"
        generate.GENERATORS[name](target)
        files.append(target)
    return files


def test_bad_corpus_reads_the_same_on_both_paths(bad_csv_files, registry, monkeypatch):
    assert len(bad_csv_files) >= 20
    columnar_read = []
    for path in bad_csv_files:
        fast, slow, used = both_paths(path, registry, monkeypatch)
        assert fast == slow, path.name
        if used:
            columnar_read.append(path.name)
    print("read column by column:", columnar_read)
    assert len(columnar_read) >= 5   # the rest need the csv module: quotes, ragged rows, NULs, limits


def header_and_rows(scheme, n: int, seed: int = 7) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)
    gens = units_generator.generators(scheme, rng)
    keys = list(gens)
    rows = [[f"u{i:04d}", f"单位{i}", rng.choice(("机关", "企业", "")), ""] + [gens[k]() for k in keys] for i in range(n)]
    return ["unit.id", "unit.name", "unit.group", "unit.region"] + keys, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], encoding: str = "utf-8", newline: str = "\n") -> Path:
    text = newline.join(",".join(row) for row in [header] + rows) + newline
    path.write_bytes(text.encode(encoding))
    return path


PLAIN_CASES = {
    "plain": lambda rows: rows,
    "padded cells": lambda rows: [[f"  {c}\u3000" if j > 1 else c for j, c in enumerate(r)] for r in rows],
    "blank and missing ids": lambda rows: rows[:3] + [["", "no id"] + rows[3][2:], [""] * len(rows[0]), ["  ", ""] + [""] * (len(rows[0]) - 2)]
    + rows[4:],
    "missing name and long id": lambda rows: rows[:2] + [["x" * 201] + rows[2][1:], [rows[3][0], " "] + rows[3][2:]] + rows[4:],
    "repeated header": None,   # filled in below: needs the header
    "duplicate id": lambda rows: rows + [rows[0]],
    "spaces in one value only": lambda rows: [[c if i % 2 else c + " " for c in r] for i, r in enumerate(rows)],
}


@pytest.mark.parametrize("case", sorted(PLAIN_CASES))
@pytest.mark.parametrize("encoding,newline", [("utf-8", "\n"), ("utf-8-sig", "\r\n"), ("gb18030", "\n")])
def test_plain_files_are_read_by_columns_and_equal(case, encoding, newline, tmp_path, registry, monkeypatch):
    scheme = civscore.load("civilized-unit")
    header, rows = header_and_rows(scheme, 40)
    if case == "repeated header":
        rows = rows[:5] + [header] + rows[5:]
    else:
        rows = PLAIN_CASES[case](rows)
    path = write_csv(tmp_path / "units.csv", header, rows, encoding, newline)
    fast, slow, used = both_paths(path, registry, monkeypatch)
    assert used, "a plain file is read column by column"
    assert fast == slow
    assert sum(1 for item in fast if item[0] == "unit") >= 35


@pytest.mark.parametrize("change", ["quote", "blank line", "ragged row", "lone CR", "trailing header comma"])
def test_files_the_columnar_path_is_unsure_of_go_line_by_line(change, tmp_path, registry, monkeypatch):
    scheme = civscore.load("civilized-unit")
    header, rows = header_and_rows(scheme, 20)
    text = "\n".join(",".join(r) for r in [header] + rows) + "\n"
    text = {"quote": text.replace("单位3,", '"单位3",'), "blank line": text.replace("\nu0005", "\n\nu0005"),
            "ragged row": text.replace("\nu0005", "\nu0005,extra,cells,here,too,many" + "," * len(header) + "\nu0006x"),
            "lone CR": text.replace("\nu0005", "\ru0005"), "trailing header comma": text.replace("\n", ",\n", 1)}[change]
    path = tmp_path / "units.csv"
    path.write_text(text, encoding="utf-8")
    fast, slow, used = both_paths(path, registry, monkeypatch)
    assert not used
    assert fast == slow


def test_a_big_plain_file_takes_the_columnar_path_by_default(tmp_path, registry, monkeypatch):
    scheme = civscore.load("civilized-unit")
    header, rows = header_and_rows(scheme, 2000)
    path = write_csv(tmp_path / "units.csv", header, rows)
    assert path.stat().st_size >= columnar.MIN_COLUMNAR_BYTES
    calls = []
    monkeypatch.setattr("civscore.builtin.readers.table_units", lambda *a, **k: calls.append(1) or iter(()))
    items, _digest = read_file(path, registry)
    assert not calls and len(items) == 2000
    units = civscore.read([path], scheme=scheme).units
    ev = civscore.evaluate(scheme, units)
    monkeypatch.undo()
    monkeypatch.setattr(columnar, "ENABLED", False)
    again = civscore.evaluate(scheme, civscore.read([path], scheme=scheme).units)
    assert ev.total.tolist() == again.total.tolist() and ev.stars == again.stars and ev.rank == again.rank


# -- writing ------------------------------------------------------------------------------
TRICKY_NAMES = ['a, comma', 'a "quote"', "two\nlines", "=HYPERLINK(1)", "-1", "+1", "@x", "\tTab", "carriage\rreturn",
                " padded ", "中文，全角逗号", "plain"]


def tricky_units(scheme, tmp_path: Path, period: str, n: int = 36) -> Path:
    header, rows = header_and_rows(scheme, n, seed=int(period))
    header = header + ["unit.period"]
    for i, row in enumerate(rows):
        row[1] = TRICKY_NAMES[i % len(TRICKY_NAMES)] + str(i)
        row[2] = TRICKY_NAMES[(i + 3) % len(TRICKY_NAMES)] if i % 5 == 0 else row[2]
        row.append(period)
    for key in scheme.input_keys():   # an item not applicable here and there
        leaf = next((leaf for leaf in scheme.items if leaf.input == key and leaf.na), None)
        if leaf is not None:
            for row in rows[::4]:
                row[header.index(key)] = "不适用"
    path = tmp_path / f"units-{period}.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([header] + rows)
    return path


@pytest.mark.parametrize("scheme_name", ["civilized-unit", "party-branch", "city-field-inspection"])
def test_csv_report_is_the_same_bytes_from_both_renderers(scheme_name, tmp_path, cli, monkeypatch):
    scheme = civscore.load(scheme_name)
    outputs = {}
    for renderer, threshold in (("csv module", 10 ** 9), ("pyarrow", 0)):
        monkeypatch.setattr(data_reports, "ARROW_MIN_UNITS", threshold)
        monkeypatch.setattr(data_reports, "ARROW_ROWS_PER_CHUNK", 7)   # several chunks
        history = tmp_path / f"history-{threshold}.sqlite"
        texts = []
        for period in ("2024", "2025"):
            units = tricky_units(scheme, tmp_path, period)
            out = tmp_path / f"{threshold}-{period}.csv"
            code, _out, err = cli("evaluate", scheme_name, units, "-f", "csv", "-o", out, "--history", history, "--period", period)
            assert code in (0, 1), err
            texts.append(out.read_bytes())
        outputs[renderer] = texts
    assert outputs["pyarrow"] == outputs["csv module"]
    report = outputs["pyarrow"][1].decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(report, newline="")))
    assert "history" in rows[0] and any(r["unit.name"] == "'=HYPERLINK(1)3" for r in rows)
    assert any(r["unit.name"] == "two\nlines2" for r in rows) and any(r["unit.name"] == 'a "quote"1' for r in rows)
    assert any("na" in r.values() for r in rows)


def test_csv_report_of_no_unit_and_of_stdout(tmp_path, cli, monkeypatch):
    monkeypatch.setattr(data_reports, "ARROW_MIN_UNITS", 0)
    scheme = civscore.load("civilized-unit")
    units = tricky_units(scheme, tmp_path, "2025", n=3)
    code, out, err = cli("evaluate", "civilized-unit", units, "-f", "csv")
    monkeypatch.setattr(data_reports, "ARROW_MIN_UNITS", 10 ** 9)
    code2, out2, err2 = cli("evaluate", "civilized-unit", units, "-f", "csv")
    assert (code, out, err) == (code2, out2, err2) and out.count("\n") >= 4
