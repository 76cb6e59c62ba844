"""SPEC §7.4: the ``sample`` and ``survey`` scorers and ``key:value;key:value`` tables.

Every leaf is worth 10 points, so the points are 10 × the fraction worked out
by hand in each comment.
"""
from __future__ import annotations

import json

import pytest

from civscore.builtin.sampling import Sample, Survey
from civscore.cli import main
from civscore.contracts.errors import CriteriaError
from civscore.contracts.values import ValueInvalid, to_table
from civscore.testing import make_scheme, run

SAT = {"满意": 1, "基本满意": 0.8, "不满意": 0}


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k), ensure_ascii=False)} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def scheme_text(scorer: str, params: dict) -> str:
    return f'''
[criteria.c]
title = "C"
[criteria.c.x]
title = "X"
points = 10
scorer = "{scorer}"
params = {toml_value(params)}
'''


def item(scorer: str, params: dict, value) -> dict:
    return run(scheme_text(scorer, params), {"c.x": value})["items"]["c.x"]


def load_error(scorer: str, params: dict) -> str:
    with pytest.raises(CriteriaError) as info:
        make_scheme(scheme_text(scorer, params))
    return "\n".join(info.value.lines)


# -- tables ------------------------------------------------------------------------------------------
def test_a_table_cell_reads_in_order_with_either_colon_and_semicolon():
    assert to_table("人民路:3.2；解放路：6.1; ") == [("人民路", "3.2"), ("解放路", "6.1")]
    assert to_table({"满意": 820}) == [("满意", 820)]
    assert to_table("10:30 东门:是") == [("10:30 东门", "是")]        # the value follows the last colon


@pytest.mark.parametrize("bad, why", [("人民路", "has no ':'"), ("人民路:", "no value"), (":3", "empty key"),
                                      ("a:1;a:2", "given twice"), (3, "expected a table")])
def test_a_bad_table_is_invalid(bad, why):
    with pytest.raises(ValueInvalid, match=why):
        to_table(bad)


# -- sample ------------------------------------------------------------------------------------------
def test_sample_a_list_with_max():
    got = item("sample", {"max": 5}, "3.2;6.1;4;5")
    # 3.2, 4 and 5 are ≤ 5; 6.1 fails: 3 / 4 = 0.75 → 7.5
    assert (got["points"], got["status"]) == (7.5, "ok")
    assert got["reasons"] == ["pass rate 75% (n=4, 3 passed)", "failing: #2 (6.1)"]


def test_sample_a_named_table_with_min():
    got = item("sample", {"min": 5}, "人民路:6;解放路:4;滨河路：5")
    # 人民路 6 ≥ 5 and 滨河路 5 ≥ 5 pass, 解放路 4 fails: 2 / 3 → 6.67
    assert (got["points"], got["status"]) == (6.67, "ok")
    assert got["reasons"] == ["pass rate 66.7% (n=3, 2 passed)", "failing: 解放路 (4)"]


def test_sample_a_toml_table_and_a_toml_list():
    # a TOML/JSON table under the key arrives flattened into dotted keys and is put back together
    got = item("sample", {"max": 5}, {"人民路": 3.2, "解放路": 6.1})
    assert (got["points"], got["reasons"][-1]) == (5.0, "failing: 解放路 (6.1)")
    assert item("sample", {"max": 5}, [3.2, 6.1, 1, 2])["points"] == 7.5


def test_sample_booleans_linear_between_zero_at_and_full_at():
    got = item("sample", {"full_at": 0.9, "zero_at": 0.5}, ["是", "否", True, 1])
    # no max/min: booleans; 3 of 4 pass, 0.75 → (0.75 − 0.5) / (0.9 − 0.5) = 0.625 → 6.25
    assert (got["points"], got["status"]) == (6.25, "ok")
    assert got["reasons"] == ["pass rate 75% (n=4, 3 passed)", "full points at 90%, none at 50%", "failing: #2"]


def test_sample_per_fail():
    got = item("sample", {"max": 5, "per_fail": 2}, "7;8;9;1")
    # 3 failing × 2 = 6 points lost of 10 → 4
    assert got["points"] == 4.0
    assert "3 failing × 2 = 6 points deducted" in got["reasons"]
    # 3 failing × 4 = 12 > 10: nothing left, never below 0
    assert item("sample", {"max": 5, "per_fail": 4}, "7;8;9;1")["points"] == 0.0


def test_sample_too_few_points_or_an_unreadable_one_is_invalid():
    got = item("sample", {"max": 5, "min_points": 3}, "3;4")
    assert (got["points"], got["status"], got["reasons"]) == (0.0, "invalid", ["2 point(s) sampled, at least 3 needed"])
    got = item("sample", {"max": 5}, "人民路:3;解放路:很脏")
    assert got["status"] == "invalid" and got["reasons"][0].startswith("point 解放路: expected a number")
    assert item("sample", {}, "是;也许")["status"] == "invalid"
    assert item("sample", {"max": 5}, "")["status"] == "missing"


# -- survey ------------------------------------------------------------------------------------------
def test_survey_ignore_and_bands():
    params = {"weights": SAT, "ignore": ["不了解"], "bands": [[0.9, 1.0], [0.8, 0.8], [0.6, 0.5]], "name": "满意率"}
    got = item("survey", params, "满意:820;基本满意:120;不满意:60;不了解:30")
    # counted: 1000 (不了解 left out); rate (820 + 0.8 × 120) / 1000 = 0.916 ≥ 0.9 → 10
    assert (got["points"], got["status"]) == (10.0, "ok")
    assert got["reasons"] == ["满意率 91.6% (n=1000)", "91.6% ≥ 90%: 100% of the points", "not counted: 不了解 30"]
    got = item("survey", params, {"满意": 700, "基本满意": 150, "不满意": 150})
    # (700 + 120) / 1000 = 0.82 → the 0.8 band: 8
    assert (got["points"], got["reasons"][0]) == (8.0, "满意率 82% (n=1000)")


def test_survey_linear():
    params = {"weights": {"满意": 1, "基本满意": 0.5, "不满意": 0}, "full_at": 0.95, "zero_at": 0.6}
    got = item("survey", params, "满意:70;基本满意:20;不满意:10")
    # (70 + 10) / 100 = 0.8 → (0.8 − 0.6) / (0.95 − 0.6) = 0.5714 → 5.71
    assert (got["points"], got["reasons"]) == (5.71, ["rate 80% (n=100)", "full points at 95%, none at 60%"])


def test_survey_a_ballot_with_weights_given_as_text():
    params = {"weights": "优秀:1;合格:0.8;基本合格:0.5;不合格:0", "name": "优秀率"}
    got = item("survey", params, "优秀:30;合格:15;基本合格:4;不合格:1")
    # (30 + 12 + 2) / 50 = 0.88 → linear 0..1 → 8.8
    assert (got["points"], got["reasons"]) == (8.8, ["优秀率 88% (n=50)"])


@pytest.mark.parametrize("value, why", [
    ("满意:50;不满意:10", "60 counted answer(s), at least 100 needed"),
    ("满意:90;不了解:200;不满意:9", "99 counted answer(s), at least 100 needed"),   # ignored answers do not count
    ("满意:100;吃瓜:3", "option '吃瓜' is in neither weights nor ignore (满意, 基本满意, 不满意, 不了解)"),
    ("满意:99.5;不满意:1", "满意: a count is a whole number ≥ 0, not 99.5"),
    ("满意:120;不满意:-1", "不满意: a count is a whole number ≥ 0, not -1"),
    ("满意:100;满意:3", "'满意' is given twice"),
    ("820", "expected answer counts as option:count;option:count"),
])
def test_survey_invalid_answers(value, why):
    got = item("survey", {"weights": SAT, "ignore": ["不了解"], "min_responses": 100}, value)
    assert (got["points"], got["status"]) == (0.0, "invalid")
    assert why in got["reasons"][0]


# -- params -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("scorer, params, why", [
    ("sample", {"max": 5, "min": 1}, "give either max or min, not both"),
    ("sample", {"per_fail": 1, "full_at": 0.9}, "give either per_fail or full_at, not both"),
    ("sample", {"full_at": 90}, "is a rate from 0 to 1 (0.85 for 85%), not 90"),
    ("sample", {"min_points": 0}, "greater than or equal to 1"),
    ("survey", {"weights": SAT, "bands": [[0.9, 1]], "zero_at": 0.5}, "give either bands or zero_at, not both"),
    ("survey", {"weights": {"满意": 1.2}}, "'满意' has weight 1.2; weights are from 0 to 1"),
    ("survey", {"weights": SAT, "ignore": ["满意"]}, "options both weighted and ignored: 满意"),
    ("survey", {"weights": SAT, "full_at": 0.5, "zero_at": 0.5}, "zero_at and full_at must differ"),
])
def test_bad_params_are_criteria_errors_with_the_key_path(scorer, params, why):
    text = load_error(scorer, params)
    assert "criteria.c.x.params" in text and why in text


# -- speed: one score call per distinct value ----------------------------------------------------------
@pytest.mark.parametrize("cls, params, values", [
    (Sample, {"max": 5}, ["1;2;9", "1;2;9", "4;4", None, [1, 2], [1, 2], {"a": 1}, {"a": 1}, [True], [1]]),
    (Survey, {"weights": SAT}, ["满意:3;不满意:1", "满意:3;不满意:1", {"满意": 3}, {"满意": 3}, None, "满意:3"]),
])
def test_each_distinct_value_is_scored_once(cls, params, values, monkeypatch):
    calls = []
    original = cls.score

    def counting(self, value, p, data):
        calls.append(value)
        return original(self, value, p, data)
    monkeypatch.setattr(cls, "score", counting)
    p = cls.Params(**params)
    scorer = cls(id="c.x", key="c.x", points=10, params=p)
    batch = scorer.score_many(values * 100, p, [{}] * (len(values) * 100))
    assert len(calls) == len({json.dumps(v, sort_keys=True) + type(v).__name__ + repr(v) for v in values})
    singles = [original(scorer, v, p, {}) for v in values]
    assert list(batch.fractions[:len(values)]) == [o.fraction for o in singles]
    assert batch.reasons[:len(values)] == [o.reasons for o in singles]


# -- through the CLI: CSV cells, a TOML submission's table, templates, explain -------------------------
FIELD = '''format = "civscore/1"
[scheme]
id = "field"
title = "实地考察"
version = "1"
full_marks = 20
[rating]
levels = [{ stars = 1, min_score = 0 }]
[criteria.field]
title = "实地"
[criteria.field.ads]
title = "公益广告"
points = 10
scorer = "sample"
params = { min = 5, min_points = 3 }
[criteria.survey]
title = "问卷"
[criteria.survey.sat]
title = "群众满意度"
points = 10
scorer = "survey"
params = { weights = "满意:1;基本满意:0.8;不满意:0", ignore = ["不了解"], name = "满意率" }
'''


def test_cli_csv_cells_and_a_toml_submission(tmp_path, capsys):
    crit = tmp_path / "field.toml"
    crit.write_text(FIELD, encoding="utf-8")
    csv = tmp_path / "u.csv"
    csv.write_text("unit.id,unit.name,field.ads,survey.sat\n"
                   "a,甲,人民路:6;解放路:4;滨河路:7;中山路:5,满意:820;基本满意:120;不满意:60;不了解:30\n",
                   encoding="utf-8")
    toml = tmp_path / "b.toml"
    toml.write_text('[unit]\nid = "b"\nname = "乙"\n[data]\n"field.ads" = [6, 4, 7, 5]\n'
                    '[data."survey.sat"]\n"满意" = 820\n"基本满意" = 120\n"不满意" = 60\n"不了解" = 30\n', encoding="utf-8")
    assert main(["evaluate", str(crit), str(csv), str(toml), "--format", "json"]) == 0
    out, err = capsys.readouterr()
    assert "not read by the scheme" not in err        # the table's dotted keys are the survey's own
    results = {r["unit"]["id"]: r for r in json.loads(out)["results"]}
    # ads: 3 of 4 ≥ 5 → 7.5; survey: 916 / 1000 → 9.16; both units alike
    for uid, failing in (("a", "failing: 解放路 (4)"), ("b", "failing: #2 (4)")):
        items = results[uid]["items"]
        assert (items["field.ads"]["points"], items["survey.sat"]["points"], results[uid]["total"]) == (7.5, 9.16, 16.66)
        assert items["field.ads"]["reasons"][-1] == failing
        assert items["survey.sat"]["reasons"][0] == "满意率 91.6% (n=1000)"


def test_templates_and_explain_show_how_to_fill_them(tmp_path, capsys):
    crit = tmp_path / "field.toml"
    crit.write_text(FIELD, encoding="utf-8")
    assert main(["init", str(crit), "--format", "toml"]) == 0
    out = capsys.readouterr().out
    assert "point:result;point:result" in out and "each point's number, passing at ≥ 5" in out
    assert "option:count;option:count (e.g. 满意:820;基本满意:120;不满意:60;不了解:30)" in out
    assert main(["explain", str(crit)]) == 0
    out = capsys.readouterr().out
    assert 'min=5.0, min_points=3' in out and 'name="满意率"' in out and 'max=' not in out


# -- properties: the fraction stays in [0, 1] ----------------------------------------------------------
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings, strategies as st  # noqa: E402

results = st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**6, 10**6), st.booleans(),
                    st.sampled_from(["是", "否", "x", "", "1e3", "-0"]))
rates = st.floats(0, 1)


@settings(max_examples=150, deadline=None)
@given(points=st.one_of(st.lists(results, max_size=12), st.dictionaries(st.text(min_size=1, max_size=5), results,
                                                                          max_size=8)),
       bound=st.one_of(st.none(), st.tuples(st.sampled_from(["max", "min"]), st.floats(-100, 100))),
       scoring=st.one_of(st.none(), st.floats(0.01, 20), st.tuples(rates, rates)),
       min_points=st.integers(1, 5))
def test_sample_fraction_stays_in_0_1(points, bound, scoring, min_points):
    params = {"min_points": min_points}
    if bound:
        params[bound[0]] = bound[1]
    if isinstance(scoring, float):
        params["per_fail"] = scoring
    elif isinstance(scoring, tuple):
        if scoring[0] == scoring[1]:
            return
        params["full_at"], params["zero_at"] = scoring
    p = Sample.Params(**params)
    scorer = Sample(id="c.x", key="c.x", points=7, params=p)
    for value in (points, ";".join(map(str, points)) if isinstance(points, list) else points):
        out = scorer.score(value, p, {})
        assert out.status in ("ok", "missing", "invalid")
        assert 0.0 <= out.fraction <= 1.0


@settings(max_examples=150, deadline=None)
@given(counts=st.dictionaries(st.sampled_from(["满意", "基本满意", "不满意", "不了解", "吃瓜"]),
                              st.one_of(st.integers(-5, 10**6), st.floats(-5, 1e6), st.text(max_size=4)), max_size=5),
       weights=st.tuples(rates, rates, rates),
       scoring=st.one_of(st.none(), st.tuples(rates, rates),
                         st.lists(st.tuples(rates, rates), min_size=1, max_size=4, unique_by=lambda b: b[0])),
       min_responses=st.integers(1, 50))
def test_survey_fraction_stays_in_0_1(counts, weights, scoring, min_responses):
    params = {"weights": dict(zip(["满意", "基本满意", "不满意"], weights)), "ignore": ["不了解"],
              "min_responses": min_responses}
    if isinstance(scoring, tuple):
        if scoring[0] == scoring[1]:
            return
        params["full_at"], params["zero_at"] = scoring
    elif isinstance(scoring, list):
        params["bands"] = scoring
    p = Survey.Params(**params)
    scorer = Survey(id="c.x", key="c.x", points=3, params=p)
    text = ";".join(f"{k}:{v}" for k, v in counts.items())
    for value in (counts, text):
        out = scorer.score(value, p, {})
        assert out.status in ("ok", "missing", "invalid")
        assert 0.0 <= out.fraction <= 1.0
        if out.status == "ok":
            assert out.reasons[0].startswith("rate ")


def test_survey_options_are_read_as_nfkc_text_on_both_sides():
    # the scheme writes full-width brackets, the cell ASCII ones and a full-width colon: the same option
    got = item("survey", {"weights": {"满意（含基本满意）": 1, "不满意": 0}}, "满意(含基本满意)：9;不满意:1")
    assert (got["status"], got["points"], got["reasons"]) == ("ok", 9.0, ["rate 90% (n=10)"])


def test_minus_zero_and_zero_beside_a_table_keep_their_own_reasons():
    """A column with a table in it is keyed by value and type: -0.0 and 0.0 are
    two values (found by the batch-vs-per-unit property test)."""
    from civscore.builtin.sampling import Survey
    params = Survey.Params.model_validate({"weights": {"满意": 1.0, "不满意": 0}})
    scorer = Survey(id="c.x", key="x", points=10.0, params=params)
    values = [-0.0, {"满意": 3, "不满意": 1}, 0.0]
    batch = scorer.score_many(values, params, [{"x": v} for v in values])
    assert batch.reasons == [scorer.score(v, params, {}).reasons for v in values]
    assert batch.reasons[0] != batch.reasons[2]
