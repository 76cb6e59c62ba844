"""SPEC §7.1 (not applicable items, 合理缺项) and §7.2 (percentages), through the real CLI.

Every figure below is worked out by hand in the comments next to it.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civscore.contracts.values import Percent, is_percent_format, on_percent_scale

FIXTURE = Path(__file__).parent / "fixtures" / "civilized-unit-v1"

# F = 20. env (10): canteen 4 (grade, na), dorm 6 (manual, na); work (10): rate 6 (linear 60→100, unit %, na),
# report 4 (grade, na). bonus.honor 2 (boolean, no na). 2★ needs 15 and every category ratio ≥ 0.8.
SCHEME = """
format = "civscore/1"
[scheme]
id = "na-demo"
title = "缺项示例"
version = "1"
full_marks = 20
[rating]
levels = [ { stars = 2, min_score = 15, min_category_ratio = 0.8 }, { stars = 1, min_score = 0 } ]
[criteria.env]
title = "环境"
[criteria.env.canteen]
title = "食堂卫生"
points = 4
scorer = "grade"
na = true
[criteria.env.dorm]
title = "宿舍"
points = 6
scorer = "manual"
na = true
[criteria.work]
title = "业务"
[criteria.work.rate]
title = "办结率"
points = 6
scorer = "linear"
unit = "%"
na = true
params = { zero_at = 60, full_at = 100 }
[criteria.work.report]
title = "年报"
points = 4
scorer = "grade"
na = true
[bonus]
cap = 2
[bonus.honor]
title = "表彰"
points = 2
scorer = "boolean"
"""


def unit_toml(uid: str, **data) -> str:
    lines = ["[unit]", f'id = "{uid}"', f'name = "{uid}"', "[data]"]
    lines += [f'"{k.replace("__", ".")}" = {json.dumps(v, ensure_ascii=False)}' for k, v in data.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
def scheme(tmp_path):
    path = tmp_path / "scheme.toml"
    path.write_text(SCHEME, encoding="utf-8")
    return path


def results(cli, scheme, *subs, code=0):
    got, out, err = cli("evaluate", scheme, *subs, "-f", "json")
    assert got == code, err
    return {r["unit"]["id"]: r for r in json.loads(out)["results"]}


# -- §7.1 rescaling, worked out by hand -------------------------------------------------------
def test_one_leaf_na_rescales_the_base(cli, scheme, tmp_path):
    # canteen n/a (A = 4); dorm 3 of 6; rate 95% → (95 − 60) / 40 × 6 = 5.25; report A → 4.
    # earned 12.25; base = 12.25 × 20 / (20 − 4) = 15.3125 → 15.31. env ratio 3 / (10 − 4) = 0.5 < 0.8: 1★.
    (tmp_path / "a.toml").write_text(unit_toml("a", env__canteen="免评", env__dorm=3, work__rate="95%",
                                               work__report="A"), encoding="utf-8")
    r = results(cli, scheme, tmp_path / "a.toml")["a"]
    assert r["items"]["env.canteen"] == {"points": 0.0, "max": 4.0, "status": "na"}
    assert (r["base"], r["total"], r["na_points"], r["stars"]) == (15.31, 15.31, 4.0, 1)
    assert r["categories"] == {"env": 3.0, "work": 9.25}    # scores stay the sums of their leaves


def test_a_whole_category_na_meets_its_floor(cli, scheme, tmp_path):
    # canteen and dorm n/a (A = 10): env ratio null, meets 0.8. rate 92 → 0.8 × 6 = 4.8; report B → 3.2.
    # earned 8; base = 8 × 20 / 10 = 16 ≥ 15; work ratio 8 / 10 = 0.8 ≥ 0.8: 2★.
    (tmp_path / "b.toml").write_text(unit_toml("b", env__canteen=" N/A ", env__dorm=" 合理缺项 ", work__rate=92,
                                               work__report="B"), encoding="utf-8")
    code, out, err = cli("check", scheme, tmp_path / "b.toml", "-f", "json")
    doc = json.loads(out)
    r = doc["result"]
    assert (r["base"], r["total"], r["na_points"], r["stars"]) == (16.0, 16.0, 10.0, 2)
    assert r["categories"]["env"] == 0.0
    assert doc["na"]["ratios"] == {"env": None, "work": 0.8}
    assert doc["na"]["items"] == ["env.canteen", "env.dorm"]
    code, out, err = cli("check", scheme, tmp_path / "b.toml")
    assert "— (not applicable)" in out and "not applicable" in out
    assert "Not applicable: env.canteen, env.dorm; 10 points left out" in out


def test_every_leaf_na_gives_base_zero_and_check_says_nothing_applies(cli, scheme, tmp_path):
    # all four leaves n/a: base 0; the bonus item has no na, so "n/a" there is invalid and says why
    (tmp_path / "c.toml").write_text(unit_toml("c", env__canteen="na", env__dorm="免评", work__rate="不适用",
                                               work__report="NA", bonus__honor="n/a"), encoding="utf-8")
    r = results(cli, scheme, tmp_path / "c.toml")["c"]
    assert (r["base"], r["bonus"], r["total"], r["na_points"]) == (0.0, 0.0, 0.0, 20.0)
    honor = r["items"]["bonus.honor"]
    assert honor["status"] == "invalid"
    assert any("may not be marked not applicable" in reason for reason in honor["reasons"])
    code, out, err = cli("check", scheme, tmp_path / "c.toml")
    assert "Nothing applies to this unit" in out


def test_without_na_the_word_goes_to_the_scorer(cli, tmp_path):
    # a grade scale that holds NA reads it as a grade; a scorer that cannot read it says the item may not be n/a
    text = SCHEME.replace('scorer = "grade"\nna = true\n[criteria.env.dorm]',
                          'scorer = "grade"\nparams = { scale = { A = 1.0, NA = 0.5 } }\n[criteria.env.dorm]')
    text = text.replace('scorer = "manual"\nna = true', 'scorer = "manual"')
    (tmp_path / "s.toml").write_text(text, encoding="utf-8")
    (tmp_path / "u.toml").write_text(unit_toml("u", env__canteen="na", env__dorm="N/A"), encoding="utf-8")
    r = results(cli, tmp_path / "s.toml", tmp_path / "u.toml")["u"]
    assert r["items"]["env.canteen"]["points"] == 2.0           # grade NA: 0.5 × 4
    assert r["items"]["env.dorm"]["status"] == "invalid"
    assert r["items"]["env.dorm"]["reasons"][-1].startswith("this item may not be marked not applicable")


def test_engine_ratio_is_none_when_nothing_applies(registry, scheme, tmp_path):
    import civscore
    from civscore.contracts.units import Unit
    s = civscore.load(scheme, registry=registry)
    units = [Unit("x", "x", {"env.canteen": "na", "env.dorm": "na", "work.rate": 80, "work.report": "na"}),
             Unit("y", "y", {"env.canteen": "A", "env.dorm": 3, "work.rate": "na", "work.report": "C"})]
    ev = civscore.evaluate(s, units)
    assert ev.ratio("env", 0) is None and ev.ratio("env.canteen", 0) is None
    assert ev.ratio("work", 0) == pytest.approx(3 / 6)          # rate 80 → 0.5 × 6 = 3 of the 6 that apply
    assert ev.ratio("work.rate", 0) == pytest.approx(0.5)       # a leaf's ratio is its fraction
    assert ev.ratio("env", 1) == pytest.approx((4 + 3) / 10)
    assert ev.ratio("work", 1) == pytest.approx(0.6 * 4 / 4)    # only the report applies


# -- §7.1 validation: every error of the file at once, with key paths ----------------------
def test_na_and_unit_errors_name_their_key_paths(cli, tmp_path):
    text = SCHEME.replace('[criteria.env]\ntitle = "环境"', '[criteria.env]\ntitle = "环境"\nna = true')
    text = text.replace('scorer = "boolean"', 'scorer = "boolean"\nna = true')
    text = text.replace('unit = "%"', 'unit = "percent"')
    text = text.replace('[criteria.work.report]\ntitle = "年报"\npoints = 4\nscorer = "grade"\nna = true',
                        '[criteria.work.report]\ntitle = "年报"\npoints = 4\nscorer = "grade"\nna = "yes"\nunit = "%"')
    text += '[penalty.late]\ntitle = "迟报"\npoints = 1\nscorer = "manual"\nna = true\n'
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = cli("validate", path)
    assert code == 2
    for where in ("criteria.env.na: a group", "bonus.honor.na: only items under [criteria]",
                  "penalty.late.na: only items under [criteria]", "criteria.work.rate.unit: unknown unit 'percent'",
                  "criteria.work.report.na:"):
        assert where in err, err
    assert "Traceback" not in err


def test_unit_on_a_scorer_that_does_not_read_one_number_is_an_error(cli, tmp_path):
    text = SCHEME.replace('scorer = "grade"\nna = true\n[criteria.env.dorm]', 'scorer = "grade"\nunit = "%"\n[criteria.env.dorm]')
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    code, out, err = cli("validate", path)
    assert code == 2 and "criteria.env.canteen.unit: scorer 'grade' does not read its input as one number" in err


# -- §7.2 percentages from TOML, CSV and XLSX ------------------------------------------------
def test_percentages_from_toml_csv_and_xlsx_read_the_same(cli, scheme, tmp_path):
    import openpyxl
    # 96% on the unit="%" leaf: (96 − 60) / 40 × 6 = 5.4 points, the reason shows 96
    (tmp_path / "t.toml").write_text(unit_toml("t", work__rate="96 %"), encoding="utf-8")
    (tmp_path / "c.csv").write_text("unit.id,unit.name,work.rate\nc,C,96％\n", encoding="utf-8")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit.id", "unit.name", "work.rate", "env.dorm"])
    ws.append(["x", "X", 0.96, 0.5])
    ws["C2"].number_format = "0%"       # shows 96%: read as 96 on the unit="%" leaf
    ws["D2"].number_format = "0%"       # shows 50%: a leaf without unit reads the stored value, 0.5 points
    wb.save(tmp_path / "x.xlsx")
    got = results(cli, scheme, tmp_path / "t.toml", tmp_path / "c.csv", tmp_path / "x.xlsx")
    for uid in "tcx":
        rate = got[uid]["items"]["work.rate"]
        assert rate["points"] == 5.4, (uid, rate)
        assert rate["reasons"][0].startswith("96: ")
    assert got["x"]["items"]["env.dorm"]["points"] == 0.5


def test_quoted_percent_sign_is_no_percentage_format(cli, scheme, tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit.id", "unit.name", "work.rate"])
    ws.append(["q", "Q", 90])
    ws["C2"].number_format = '0.0"%"'   # the text "%", not a percentage: 90 as written
    wb.save(tmp_path / "q.xlsx")
    assert results(cli, scheme, tmp_path / "q.xlsx")["q"]["items"]["work.rate"]["points"] == 4.5   # 0.75 × 6


def test_percent_format_codes():
    assert is_percent_format("0%") and is_percent_format("0.0%") and is_percent_format("#,##0.00%;[Red]-0%")
    assert not is_percent_format('0.0"%"') and not is_percent_format("General") and not is_percent_format(None)
    assert not is_percent_format("0\\%")
    assert on_percent_scale(Percent(0.07)) == 7.0 and on_percent_scale("96%") == 96.0
    assert on_percent_scale(0.96) == 0.96 and on_percent_scale("abc%") == "abc%"
    assert Percent(0.5) != 0.5 and 0.5 != Percent(0.5) and len({Percent(0.5), 0.5}) == 2


def test_wrong_scale_warnings(cli, scheme, tmp_path):
    (tmp_path / "u.csv").write_text("unit.id,unit.name,work.rate\na,A,0.96\nb,B,95\nc,C,88%\n", encoding="utf-8")
    code, out, err = cli("evaluate", scheme, tmp_path / "u.csv")
    assert code == 0
    warning = [line for line in err.splitlines() if "plain value" in line]
    assert len(warning) == 1 and "work.rate: 1 unit gave a plain value in (0, 1]" in warning[0] and "'a'" in warning[0]
    (tmp_path / "a.toml").write_text(unit_toml("a", work__rate=0.96), encoding="utf-8")
    code, out, err = cli("check", scheme, tmp_path / "a.toml")
    assert 'work.rate: 0.96 is read as 0.96% (unit = "%"); if you meant 96%, write 96 or 96%' in out
    # every value on one scale: no warning
    (tmp_path / "v.csv").write_text("unit.id,unit.name,work.rate\na,A,96\nb,B,95%\n", encoding="utf-8")
    code, out, err = cli("evaluate", scheme, tmp_path / "v.csv")
    assert "plain value" not in err


# -- every report shows na ----------------------------------------------------------------
def test_reports_show_not_applicable(cli, scheme, tmp_path):
    import openpyxl
    (tmp_path / "u.csv").write_text("unit.id,unit.name,env.canteen,env.dorm,work.rate,work.report\n"
                                    "h,医院,免评,6,96%,A\n", encoding="utf-8")
    code, out, err = cli("evaluate", scheme, tmp_path / "u.csv", "-f", "csv")
    header, row = out.splitlines()[:2]
    cells = dict(zip(header.split(","), row.split(",")))
    # earned 6 + 5.4 + 4 = 15.4 of 16 that apply: base 15.4 × 20 / 16 = 19.25
    assert cells["na_points"] == "4.00" and cells["env.canteen"] == "na" and cells["base"] == "19.25"
    code, out, err = cli("evaluate", scheme, tmp_path / "u.csv")
    assert "not applicable: 4 points (base rescaled)" in out
    code, out, err = cli("evaluate", scheme, tmp_path / "u.csv", "-f", "markdown")
    assert "not applicable: 4 points" in out
    cli("evaluate", scheme, tmp_path / "u.csv", "-f", "xlsx", "-o", tmp_path / "r.xlsx", "--lang", "zh-CN")
    book = openpyxl.load_workbook(tmp_path / "r.xlsx")
    ranking = [list(r) for r in book["排名"].iter_rows(values_only=True)]
    assert "缺项分" in ranking[0] and ranking[1][ranking[0].index("缺项分")] == 4.0
    per_item = [list(r) for r in book["分项得分"].iter_rows(values_only=True)]
    assert per_item[2][per_item[1].index("env.canteen")] == "免评"
    cli("evaluate", scheme, tmp_path / "u.csv", "-f", "html", "-o", tmp_path / "r.html", "--lang", "zh-CN")
    assert 'class="badge st-na" title="na">免评<' in (tmp_path / "r.html").read_text(encoding="utf-8")
    code, out, err = cli("check", scheme, tmp_path / "u.csv", "-f", "html")
    assert 'id="na-note"' in out and "食堂卫生" in out
    code, out, err = cli("explain", scheme)
    assert 'unit="%"' in out and "na=true" in out
    code, out, err = cli("--lang", "zh-CN", "init", scheme)
    assert "本项可免评" in out and "百分数" in out


# -- a scheme without §7 keys: byte-identical to before ------------------------------------
@pytest.mark.parametrize("args, golden", [
    (["evaluate", "civilized-unit.toml", "golden/units-100.csv", "units", "-f", "json"], "evaluate.json"),
    (["evaluate", "civilized-unit.toml", "golden/units-100.csv", "units", "-f", "csv"], "evaluate.csv"),
    (["evaluate", "civilized-unit.toml", "golden/units-100.csv", "units", "-f", "table"], "evaluate.table"),
    (["evaluate", "civilized-unit.toml", "golden/units-100.csv", "units", "-f", "markdown"], "evaluate.markdown"),
    (["check", "civilized-unit.toml", "units/people-hospital.toml", "-f", "json"], "check.json"),
    (["check", "civilized-unit.toml", "units/people-hospital.toml"], "check.table"),
    (["explain", "civilized-unit.toml", "-f", "json"], "explain.json"),
    (["explain", "civilized-unit.toml"], "explain.table"),
])
def test_v1_scheme_output_is_byte_identical(cli, monkeypatch, args, golden):
    """The golden files were written by main's code just before SPEC §7.1/§7.2 (100
    generated units with missing and invalid cells, and the fixture's 16 units); since
    then only penalty items' reasons changed, on purpose (issue 14: said from the
    penalty side), and were rewritten with a diff that showed nothing else; then (issue 14.1) English
    reasons list items with ", " instead of "、" and explain's English table says "bonus items", "max"."""
    monkeypatch.chdir(FIXTURE)
    code, out, err = cli(*args)
    assert out == (FIXTURE / "golden" / golden).read_text(encoding="utf-8")


GRADES = st.sampled_from(["A", "B", "C", "D", "", "X", 3, "a "])
NUMBERS = st.one_of(st.floats(0, 120, allow_nan=False).map(lambda x: round(x, 2)), st.integers(0, 100),
                    st.sampled_from(["", "abc", "70", "1,200"]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(GRADES, NUMBERS, NUMBERS, GRADES), min_size=1, max_size=6))
def test_na_leaves_that_no_unit_marks_change_nothing_but_na_points(registry, data):
    """``na = true`` on every leaf, with no unit writing a not-applicable word: every
    figure equals the same scheme without ``na``, and each result adds na_points 0."""
    import civscore
    from civscore.contracts.units import Unit
    plain = SCHEME.replace("na = true\n", "").replace('unit = "%"\n', "")
    marked = SCHEME.replace('unit = "%"\n', "")
    units = [Unit(f"u{i}", "u", {"env.canteen": g1, "env.dorm": n1, "work.rate": n2, "work.report": g2})
             for i, (g1, n1, n2, g2) in enumerate(data)]
    a = [r for r in civscore.evaluate(civscore.loads(plain, registry=registry), units).results()]
    b = [r for r in civscore.evaluate(civscore.loads(marked, registry=registry), units).results()]
    for x, y in zip(a, b):
        assert y.pop("na_points") == 0.0
        assert x == y


def test_parallel_scoring_keeps_na_and_scale_warnings(registry, scheme, monkeypatch):
    """``--jobs``: forked workers give the same na statuses, rescaled bases and wrong-scale warning."""
    import civscore
    from civscore import engine
    from civscore.contracts.units import Unit
    s = civscore.load(scheme, registry=registry)
    units = [Unit(f"u{i}", "u", {"env.canteen": ["免评", "A", "n/a"][i % 3], "env.dorm": i % 7,
                                 "work.rate": [0.9, "95%", 88][i % 3], "work.report": "B"}) for i in range(12)]
    one = civscore.evaluate(s, units)
    monkeypatch.setattr(engine, "MIN_UNITS_PER_JOB", 3)
    many = civscore.evaluate(s, units, jobs=2)
    assert list(one.results()) == list(many.results())
    assert one.warnings == many.warnings and len(one.warnings) == 1
    assert sum(r["items"]["env.canteen"]["status"] == "na" for r in many.results()) == 8


def test_percentage_cells_of_a_streamed_workbook(cli, scheme, tmp_path, monkeypatch):
    """Big workbooks are streamed (openpyxl's read-only mode): their percentage cells read the same."""
    import openpyxl
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["unit.id", "unit.name", "work.rate", "env.canteen"])
    ws.append(["s", "S", 0.96, "免评"])
    ws["C2"].number_format = "0.0%"
    wb.save(tmp_path / "s.xlsx")
    real = openpyxl.load_workbook
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **kw: real(*a, **{**kw, "read_only": True}))
    r = results(cli, scheme, tmp_path / "s.xlsx")["s"]
    assert r["items"]["work.rate"]["points"] == 5.4 and r["items"]["env.canteen"]["status"] == "na"
