"""SPEC §2's "Precisely" block: how values are read, and the regressions of
issue 10 (a unit's result depending on another unit's value, a missing input
reported as invalid, "3,5" read as 35).

Each reading rule is checked on the reader functions, and each issue case
through the real command line, as a committee runs it."""
from __future__ import annotations

import json
import math

import pytest

from civscore.builtin.scorers import FormulaScorer, Ratio
from civscore.contracts.scoring import distinct, value_key
from civscore.contracts.values import (ValueInvalid, fmt, is_missing, match_grade, number_and_percent,
                                       number_text, round_half_up, to_bool, to_count, to_list, to_number, to_text)
from civscore.engine import round2
from civscore.formula import Formula
from civscore.testing import run


# -- numbers ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("text, number", [
    ("3.5", 3.5), (" 3.5 ", 3.5), ("1,234", 1234), ("12,345.5", 12345.5), ("1,234,567", 1234567),
    ("-1,234", -1234), ("+7", 7), (".5", 0.5), ("5.", 5), ("1.2E+05", 120000), ("1e-3", 0.001), ("007", 7),
    ("１２３", 123), ("１,２３４", 1234), ("\u3000８\u3000", 8),        # full-width digits and spaces (NFKC)
    ("96%", 0.96), ("96 %", 0.96), ("９６％", 0.96), ("0.7%", 0.007), ("1,234%", 12.34), ("-5%", -0.05),
])
def test_numbers_read_as_spec_says(text, number):
    assert to_number(text) == number


@pytest.mark.parametrize("text", [
    "3,5", "1,2,3", "0,500", "1234,567", "1_000", "1,23", "1,2345", ",5", "1,", "1 234", "- 5", "e5", ".", "",
    "%", "96%%", "nan", "inf", "-Infinity", "1e400", "0x10", "١٢", "5 5", "三",
])
def test_other_text_is_no_number(text):
    with pytest.raises(ValueInvalid):
        to_number(text)


def test_toml_numbers_and_percent_flag():
    assert to_number(1) == to_number(1.0) == 1.0
    assert number_and_percent("96%") == (96.0, True)          # a unit = "%" leaf reads it as written
    assert number_and_percent("1,234") == (1234.0, False)
    for bad in (True, False, float("nan"), float("inf"), 10 ** 400, [1], {"a": 1}):
        with pytest.raises(ValueInvalid):
            to_number(bad)


# -- text, missing, booleans, lists, counts, grades -------------------------------------------------
@pytest.mark.parametrize("value", [None, "", " ", "\u3000", "\t\n ", "\u3000 \u00a0"])
def test_blank_is_missing(value):
    assert is_missing(value)


@pytest.mark.parametrize("value", [0, False, [], "0", "x", "\u200b"])
def test_values_that_are_not_missing(value):
    assert not is_missing(value)


def test_numbers_as_text_are_written_shortest():
    assert to_text(1.0) == to_text(1) == "1"
    assert to_text(2.50) == "2.5"
    assert to_text(1e20) == to_text(10 ** 20) == "100000000000000000000"
    assert to_text("  Ａ  ") == "A"
    assert number_text(-0.0) == "0"
    with pytest.raises(ValueInvalid):
        to_text(True)


@pytest.mark.parametrize("value", [True, "true", "YES", "是", "1", 1, 1.0, "1.0", "+1", "y", "T", "On", "对", "有",
                                   "１", " yes "])
def test_true(value):
    assert to_bool(value) is True


@pytest.mark.parametrize("value", [False, "false", "No", "否", "0", 0, 0.0, -0.0, "0.0", "n", "F", "OFF", "错", "无",
                                   "00"])
def test_false(value):
    assert to_bool(value) is False


@pytest.mark.parametrize("value", [2, 0.5, "2", "maybe", "是的", [], "1,0", float("nan")])
def test_not_a_boolean(value):
    with pytest.raises(ValueInvalid):
        to_bool(value)


def test_lists():
    assert to_list("a; b;;c ；d") == ["a", "b", "c", "d"]     # ； is ; after NFKC
    assert to_list("5;") == ["5"]
    assert to_list(";") == []
    assert to_list("学习记录") == ["学习记录"]
    assert to_list(["x ", 1.0, 2.5, ""]) == ["x", "1", "2.5"]
    for bad in (1, 1.0, True, [True], [["a"]]):
        with pytest.raises(ValueInvalid):
            to_list(bad)


def test_counts():
    assert to_count("迟到;早退") == 2
    assert to_count("迟到;") == 1
    assert to_count(["a", "b", "c"]) == 3
    assert to_count("3") == 3
    assert to_count("1,234") == 1234
    for bad in ("迟到", "-1", -1, True, "3,5"):
        with pytest.raises(ValueInvalid):
            to_count(bad)


def test_grades_compare_trimmed_ignoring_case():
    scale = ["A", "b", "1", "2.5"]
    assert match_grade(" a ", scale) == "A"
    assert match_grade("B", scale) == "b"
    assert match_grade("Ａ", scale) == "A"
    assert match_grade(1.0, scale) == "1"
    assert match_grade(2.50, scale) == "2.5"
    assert match_grade("1.0", scale) is None                   # text stays text
    with pytest.raises(ValueInvalid):
        match_grade(True, scale)                               # a boolean is not the grade "1"


# -- rounding ---------------------------------------------------------------------------------------
def test_rounding_half_up_on_the_decimal_value():
    assert round2(2.975) == 2.98
    assert round2(0.1 + 0.2 + 2.675) == 2.98
    assert round2(89.995) == 90.0
    assert round_half_up(1.5 * 1.15, 2) == 1.73
    assert round_half_up(-2.5, 0) == -3
    assert round_half_up(2.5, 0) == 3
    assert fmt(2.975) == "2.98"


# -- the canonical key of distinct() -------------------------------------------------------------------
def test_value_key_tells_types_apart():
    keys = {value_key(v) for v in (True, 1, 1.0, 0.0, -0.0, False, 0, "1", None)}
    assert len(keys) == 9
    assert value_key(1.0) == value_key(1.0) and value_key("a") == "a"


def test_distinct_never_merges_equal_values_of_other_types():
    values = [1.0, 1, True, 1, 1.0, "1", None, True, -0.0, 0.0]
    keys, idx = distinct(values)
    assert [keys[i] for i in idx.tolist()] == values
    assert [type(keys[i]) for i in idx.tolist()] == [type(v) for v in values]
    assert [math.copysign(1, keys[i]) for i in idx.tolist()[-2:]] == [-1, 1]
    keys, idx = distinct([0.0, -0.0, 2.5, 0.0])                # floats only: -0.0 still apart
    assert [math.copysign(1, keys[i]) for i in idx.tolist()] == [1, -1, 1, 1] and len(keys) == 3
    keys, idx = distinct(["a", "b", "a", None])                # the fast path: strings
    assert keys == ["a", "b", None] and idx.tolist() == [0, 1, 0, 2]
    values = [3, 2.5, 3, True, 1, 1.0, 2.5, None, "3"]         # a sheet's ints and floats, no zero: hashed by (type, value)
    keys, idx = distinct(values)
    assert keys == [3, 2.5, True, 1, 1.0, None, "3"] and [type(k) for k in keys][2:5] == [bool, int, float]
    assert [keys[i] for i in idx.tolist()] == values and [type(keys[i]) for i in idx.tolist()] == [type(v) for v in values]


# -- issue 10, case 1: a grade never depends on another unit's value ------------------------------------
GRADE_SCHEME = '''
format = "civscore/1"
[scheme]
id = "g"
title = "G"
version = "1"
full_marks = 10
[rating]
levels = [{ stars = 1, min_score = 0 }]
[criteria.c]
title = "C"
[criteria.c.g]
title = "G"
points = 10
scorer = "grade"
params = { scale = { "1" = 1.0, "2" = 0.5 } }
'''


def _write_units(folder, values, key="c.g"):
    folder.mkdir(exist_ok=True)
    for i, value in enumerate(values):
        literal = json.dumps(value)
        (folder / f"u{i}.toml").write_text(f'[unit]\nid = "u{i}"\nname = "U{i}"\n[data]\n"{key}" = {literal}\n',
                                           encoding="utf-8")
    return folder


def _items(cli, scheme, *paths, fmt_="json", key="c.g"):
    code, out, err = cli("evaluate", scheme, *paths, "--format", fmt_)
    assert code == 0, err
    return {r["unit"]["id"]: r["items"][key] for r in json.loads(out)["results"]}


def test_issue10_grade_of_1_and_1_0_alone_and_together(cli, tmp_path):
    scheme = tmp_path / "g.toml"
    scheme.write_text(GRADE_SCHEME, encoding="utf-8")
    folder = tmp_path / "units"
    folder.mkdir()
    for i, literal in enumerate(["1.0", "1", "2", "2.0"]):   # TOML 1.0, 1, 2, 2.0
        (folder / f"u{i}.toml").write_text(f'[unit]\nid = "u{i}"\nname = "U{i}"\n[data]\n"c.g" = {literal}\n',
                                           encoding="utf-8")
    together = _items(cli, scheme, folder)
    assert {u: (i["status"], i["points"]) for u, i in together.items()} == {
        "u0": ("ok", 10.0), "u1": ("ok", 10.0), "u2": ("ok", 5.0), "u3": ("ok", 5.0)}
    for i in range(4):
        alone = _items(cli, scheme, folder / f"u{i}.toml")
        assert alone[f"u{i}"] == together[f"u{i}"]


def test_issue10_boolean_true_is_no_grade_1_whichever_unit_comes_first(cli, tmp_path):
    scheme = tmp_path / "g.toml"
    scheme.write_text(GRADE_SCHEME, encoding="utf-8")
    folder = _write_units(tmp_path / "units", [1, True, 1.0])
    items = _items(cli, scheme, folder)
    assert [items[u]["status"] for u in ("u0", "u1", "u2")] == ["ok", "invalid", "ok"]
    assert _items(cli, scheme, folder / "u1.toml")["u1"] == items["u1"]


# -- issue 10, case 2: missing beats unreadable, in formula and ratio, per unit and in batch ---------------
FORMULA_RATIO = '''
format = "civscore/1"
[scheme]
id = "f"
title = "F"
version = "1"
full_marks = 20
[rating]
levels = [{ stars = 1, min_score = 0 }]
[criteria.c]
title = "C"
[criteria.c.f]
title = "F"
points = 10
scorer = "formula"
params = { expr = "a + b if a > 0 else 1" }
[criteria.c.r]
title = "R"
points = 10
scorer = "ratio"
params = { numerator = "n", denominator = "d", full_at = 1.0 }
'''


@pytest.mark.parametrize("fmt_", ["json", "csv"])     # csv: no reasons, the NumPy batch paths
def test_issue10_one_missing_one_unreadable_is_missing(cli, tmp_path, fmt_):
    scheme = tmp_path / "f.toml"
    scheme.write_text(FORMULA_RATIO, encoding="utf-8")
    table = tmp_path / "units.csv"
    table.write_text("unit.id,unit.name,a,b,n,d\n"
                     "m,M,,abc,,abc\n"          # one missing, one unreadable: missing
                     "i,I,-1,abc,3,abc\n"       # b is unreadable, in a branch not taken: invalid
                     "z,Z,2,3,3,0\n"            # ok formula; ratio with denominator 0: invalid
                     "k,K,是,错,1;2,4\n",       # booleans read as 1/0; a list counts its entries
                     encoding="utf-8")
    code, out, err = cli("evaluate", scheme, table, "--format", fmt_)
    assert code == 0, err
    if fmt_ == "json":
        items = {r["unit"]["id"]: r["items"] for r in json.loads(out)["results"]}
        got = {u: (i["c.f"]["status"], i["c.f"]["points"], i["c.r"]["status"], i["c.r"]["points"])
               for u, i in items.items()}
    else:
        import csv
        import io
        rows = list(csv.DictReader(io.StringIO(out)))
        got = {r["unit.id"]: r for r in rows}
        got = {u: (None, float(r["c.f"]), None, float(r["c.r"])) for u, r in got.items()}
    expected = {"m": ("missing", 0.0, "missing", 0.0), "i": ("invalid", 0.0, "invalid", 0.0),
                "z": ("ok", 5.0, "invalid", 0.0), "k": ("ok", 1.0, "ok", 5.0)}
    if fmt_ == "csv":
        expected = {u: (None, e[1], None, e[3]) for u, e in expected.items()}
    assert got == expected


def test_issue10_batch_and_per_unit_statuses_agree():
    params = Ratio.Params(numerator="n", denominator="d", full_at=1.0)
    rows = [{"n": None, "d": "abc"}, {"n": "abc", "d": None}, {"n": "x", "d": "y"}, {"n": "1;2", "d": "4"}]

    class Datas(list):
        def column(self, key):
            return [r.get(key) for r in self]
    per_unit = [Ratio(points=10, params=params).score(None, params, r).status for r in rows]
    scorer = Ratio(points=10, params=params)
    scorer.want_reasons = False
    batch = scorer.score_many([None] * len(rows), params, Datas(rows))
    assert per_unit == ["missing", "missing", "invalid", "ok"]
    assert [("ok", "missing", "invalid")[c] for c in batch.statuses.tolist()] == per_unit
    fp = FormulaScorer.Params(expr="n + d")
    scorer = FormulaScorer(points=10, params=fp)
    scorer.want_reasons = False
    batch = scorer.score_many([None] * len(rows), fp, Datas(rows))
    per_unit = [FormulaScorer(points=10, params=fp).score(None, fp, r).status for r in rows]
    assert per_unit == ["missing", "missing", "invalid", "invalid"]    # "1;2" is no number for a formula
    assert [("ok", "missing", "invalid")[c] for c in batch.statuses.tolist()] == per_unit


# -- issue 10, case 3: commas ----------------------------------------------------------------------------
COMMA_SCHEME = GRADE_SCHEME.replace('scorer = "grade"\nparams = { scale = { "1" = 1.0, "2" = 0.5 } }',
                                    'scorer = "linear"\nparams = { zero_at = 0, full_at = 2000 }')


@pytest.mark.parametrize("cell, status, points", [
    ("3,5", "invalid", 0.0), ("1,2,3", "invalid", 0.0), ("0,500", "invalid", 0.0), ("1234,567", "invalid", 0.0),
    ("1_000", "invalid", 0.0), ("1,234", "ok", 6.17), ("１,０００", "ok", 5.0), ("50%", "ok", 0.0),
    (" ", "missing", 0.0),
])
def test_issue10_commas_through_the_cli(cli, tmp_path, cell, status, points):
    scheme = tmp_path / "l.toml"
    scheme.write_text(COMMA_SCHEME, encoding="utf-8")
    table = tmp_path / "units.csv"
    table.write_text(f'unit.id,unit.name,c.g\nu,U,"{cell}"\n', encoding="utf-8")
    item = _items(cli, scheme, table)["u"]
    assert (item["status"], item["points"]) == (status, points)
    if status == "invalid":
        assert cell in item["reasons"][0]


# -- formula, as SPEC §2 now says -------------------------------------------------------------------------
@pytest.mark.parametrize("expr, values, result", [
    ("round(1.5 * 1.15, 2)", {}, 1.73),
    ("round(-2.5) + 5", {}, 2.0),
    ("(2 and 3) + (0 or 5) + (not 7)", {}, 2.0),
    ("(1 < x <= 5) + (5 < x)", {"x": 5}, 1.0),
    ("x ** 2 + x // 2 + x % 2", {"x": 3}, 11.0),
    ("-x + +x + 4", {"x": 3}, 4.0),
])
def test_formula_operators(expr, values, result):
    assert Formula(expr)(values) == result


def test_formula_inputs_read_as_numbers_then_booleans():
    data = {"a": "是", "b": "1,234", "c": "50%", "d": True}
    out = run('''
[criteria.c]
title = "C"
[criteria.c.x]
title = "X"
points = 10
scorer = "formula"
params = { expr = "a + b / 1000 + c + d" }
''', data)["items"]["c.x"]
    assert out["status"] == "ok" and out["points"] == 3.73     # 1 + 1.234 + 0.5 + 1


# -- ratio floors compare with the 1e-9 tolerance -------------------------------------------------------------
def test_three_full_leaves_of_tenths_make_a_ratio_of_one():
    ev = run('''
format = "civscore/1"
[scheme]
id = "t"
title = "T"
version = "1"
full_marks = 0.9
[rating]
levels = [{ stars = 2, min_score = 0, min_category_ratio = 1.0 }, { stars = 1, min_score = 0 }]
[criteria.c]
title = "C"
[criteria.c.a]
title = "A"
points = 0.1
scorer = "boolean"
[criteria.c.b]
title = "B"
points = 0.1
scorer = "boolean"
[criteria.c.d]
title = "D"
points = 0.7
scorer = "boolean"
''', [{"c.a": "对", "c.b": "Y", "c.d": 1.0}])
    assert ev.result(0)["stars"] == 2


# -- vetoes ------------------------------------------------------------------------------------------------
VETO_SCHEME = GRADE_SCHEME + '''
[veto.accident]
title = "Accident"
'''


@pytest.mark.parametrize("value, vetoed, unreadable", [
    ("错", False, False), ("对", True, False), ("1.0", True, False), (2, False, True), ("maybe", False, True),
    ("　", False, False),
])
def test_veto_readings(cli, tmp_path, value, vetoed, unreadable):
    scheme = tmp_path / "v.toml"
    scheme.write_text(VETO_SCHEME, encoding="utf-8")
    unit = tmp_path / "u.toml"
    unit.write_text(f'[unit]\nid = "u"\nname = "U"\n[data]\n"c.g" = 1\n"veto.accident" = {json.dumps(value)}\n',
                    encoding="utf-8")
    code, out, err = cli("check", scheme, unit, "--format", "json")
    doc = json.loads(out)
    assert doc["result"]["vetoed"] is vetoed
    assert ("veto.accident" in doc.get("invalid_vetoes", [])) is unreadable


def test_grades_that_differ_only_in_case_are_a_criteria_error(cli, tmp_path):
    scheme = tmp_path / "g.toml"
    scheme.write_text(GRADE_SCHEME.replace('{ "1" = 1.0, "2" = 0.5 }', '{ "A" = 1.0, " a" = 0.5 }'), encoding="utf-8")
    code, out, err = cli("validate", scheme)
    assert code == 2
    assert "criteria.c.g.params.scale" in err and "differ only in letter case" in err
