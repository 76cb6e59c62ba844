"""The nine built-in scorers (SPEC §2) and the lenient reading of values.

Every expected number is worked out from the SPEC's table of built-in scorers:
a leaf earns ``points × fraction``. Each scorer is exercised twice: through its
class (``score``), and through a small inline scheme run by the engine, which
is what a criteria author and a unit see.
"""
from __future__ import annotations


import pytest

from civscore.contracts.errors import CriteriaError
from civscore.builtin.scorers import (Bands, Boolean, Checklist, Deduct, FormulaScorer, Grade, Linear, Manual,
                                      Ratio)
from civscore.testing import make_scheme, run


# -- helpers --------------------------------------------------------------------------------
def direct(cls, value, points=10.0, data=None, **params):
    """Score one value through the scorer class, as the engine would."""
    p = cls.Params(**params)
    scorer = cls(id="c.x", key="c.x", points=points, params=p)
    return scorer.score(value, p, data if data is not None else {"c.x": value})


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{toml_value(str(k))} = {toml_value(x)}" for k, x in v.items()) + " }"
    return repr(v)


def scheme_text(scorer: str, params: dict, points: float = 10) -> str:
    return f'''
[criteria.c]
title = "C"
[criteria.c.x]
title = "X"
points = {points}
scorer = "{scorer}"
params = {toml_value(params)}
'''


def item(scorer: str, params: dict, data: dict, points: float = 10) -> dict:
    """One unit's result for the only leaf ``c.x`` of an inline scheme."""
    return run(scheme_text(scorer, params, points), data)["items"]["c.x"]


def load_error(scorer: str, params: dict, points: float = 10) -> str:
    with pytest.raises(CriteriaError) as info:
        make_scheme(scheme_text(scorer, params, points))
    return "\n".join(getattr(info.value, "lines", [str(info.value)]))


# -- boolean -----------------------------------------------------------------------------------
@pytest.mark.parametrize("value", [True, "true", "yes", "YES", "是", 1, "1", " yes "])
def test_boolean_true_words_earn_the_points(value):
    assert item("boolean", {}, {"c.x": value}) == {"points": 10.0, "max": 10.0, "status": "ok",
                                                  "reasons": item("boolean", {}, {"c.x": value})["reasons"]}
    assert item("boolean", {}, {"c.x": value})["points"] == 10.0
    assert direct(Boolean, value).fraction == 1.0


@pytest.mark.parametrize("value", [False, "false", "no", "否", 0, "0"])
def test_boolean_false_words_earn_nothing(value):
    it = item("boolean", {}, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "ok")
    assert direct(Boolean, value).fraction == 0.0


def test_boolean_expect_false_rewards_false():
    # an item such as "no safety incident": expect = false, the unit answers 否
    assert item("boolean", {"expect": False}, {"c.x": "否"})["points"] == 10.0
    assert item("boolean", {"expect": False}, {"c.x": False})["points"] == 10.0
    assert item("boolean", {"expect": False}, {"c.x": "是"})["points"] == 0.0
    out = direct(Boolean, True, expect=False)
    assert (out.fraction, out.status) == (0.0, "ok")


@pytest.mark.parametrize("value", ["maybe", "2", 2, -1, 0.5, ["yes"], float("nan")])
def test_boolean_unreadable_value_is_invalid(value):
    it = item("boolean", {}, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "invalid")
    assert it["reasons"], "an invalid item says why"
    assert direct(Boolean, value).status == "invalid"


# -- checklist --------------------------------------------------------------------------------------
ITEMS = ["计划", "记录", "考勤", "总结"]


def test_checklist_share_of_items_present():
    # 3 of 4 items: 10 × 3/4 = 7.5
    it = item("checklist", {"items": ITEMS}, {"c.x": ["计划", "记录", "总结"]})
    assert (it["points"], it["status"]) == (7.5, "ok")
    assert any("考勤" in r for r in it["reasons"]), "the absent item is named"


def test_checklist_all_and_none():
    assert item("checklist", {"items": ITEMS}, {"c.x": list(ITEMS)})["points"] == 10.0
    it = item("checklist", {"items": ITEMS}, {"c.x": []})
    assert (it["points"], it["status"]) == (0.0, "ok")


def test_checklist_required_item_absent_gives_zero():
    # 3 of 4 present would be 7.5, but the required 计划 is the absent one
    it = item("checklist", {"items": ITEMS, "required": ["计划"]}, {"c.x": ["记录", "考勤", "总结"]})
    assert (it["points"], it["status"]) == (0.0, "ok")
    assert any("计划" in r for r in it["reasons"])
    # the required item present: the ordinary share, 2 of 4 = 5
    assert item("checklist", {"items": ITEMS, "required": ["计划"]}, {"c.x": ["计划", "记录"]})["points"] == 5.0


def test_checklist_entries_not_in_items_are_ignored_and_reported():
    # 2 listed items count (2/4 = 5 points); 自创材料 is ignored, and said so
    it = item("checklist", {"items": ITEMS}, {"c.x": ["计划", "自创材料", "记录"]})
    assert it["points"] == 5.0
    assert any("自创材料" in r for r in it["reasons"])


def test_checklist_reads_a_semicolon_string_as_a_list():
    # a table cell "计划;记录;考勤": 3 of 4 = 7.5 (spaces around entries are not part of them)
    assert item("checklist", {"items": ITEMS}, {"c.x": "计划;记录;考勤"})["points"] == 7.5
    assert item("checklist", {"items": ITEMS}, {"c.x": " 计划 ; 记录 "})["points"] == 5.0
    assert direct(Checklist, "计划;记录;考勤;总结", items=ITEMS).fraction == 1.0


def test_checklist_repeated_entry_counts_once():
    assert item("checklist", {"items": ITEMS}, {"c.x": ["计划", "计划", "计划"]})["points"] == 2.5


@pytest.mark.parametrize("value", [5, True, [["nested"]]])
def test_checklist_wrong_kind_is_invalid(value):
    it = item("checklist", {"items": ITEMS}, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "invalid")


def test_checklist_required_must_be_among_items():
    msg = load_error("checklist", {"items": ["a", "b"], "required": ["c"]})
    assert "criteria.c.x.params" in msg


# -- linear --------------------------------------------------------------------------------------------
def test_linear_inside_the_range():
    # zero_at 0, full_at 8: v = 6 → 6/8 of 10 = 7.5
    assert item("linear", {"zero_at": 0, "full_at": 8}, {"c.x": 6})["points"] == 7.5
    assert direct(Linear, 2, zero_at=0, full_at=8).fraction == 0.25


def test_linear_clamps_at_both_ends():
    assert item("linear", {"zero_at": 0, "full_at": 8}, {"c.x": 20})["points"] == 10.0
    assert item("linear", {"zero_at": 0, "full_at": 8}, {"c.x": -3})["points"] == 0.0
    assert item("linear", {"zero_at": 50, "full_at": 100}, {"c.x": 40})["points"] == 0.0


def test_linear_lower_is_better():
    # zero_at 10 > full_at 0: 10% overdue scores 0, 0% full, 2.5% scores (2.5 − 10)/(0 − 10) = 0.75
    p = {"zero_at": 10, "full_at": 0}
    assert item("linear", p, {"c.x": 2.5})["points"] == 7.5
    assert item("linear", p, {"c.x": 0})["points"] == 10.0
    assert item("linear", p, {"c.x": 12})["points"] == 0.0
    assert item("linear", p, {"c.x": -1})["points"] == 10.0


def test_linear_reads_a_number_in_a_string():
    # "3.5" of 0..7 → half of 10
    assert item("linear", {"zero_at": 0, "full_at": 7}, {"c.x": "3.5"})["points"] == 5.0
    assert item("linear", {"zero_at": 0, "full_at": 7}, {"c.x": " 3.5 "})["points"] == 5.0


@pytest.mark.parametrize("value", ["abc", True, [1], float("nan"), float("inf"), float("-inf"), "nan", "inf"])
def test_linear_unreadable_numbers_are_invalid(value):
    it = item("linear", {"zero_at": 0, "full_at": 8}, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "invalid")
    assert direct(Linear, value, zero_at=0, full_at=8).status == "invalid"


def test_linear_equal_ends_rejected_at_load():
    assert "criteria.c.x.params" in load_error("linear", {"zero_at": 3, "full_at": 3})


# -- bands ------------------------------------------------------------------------------------------------
HIGH = {"bands": [[95, 1.0], [90, 0.8], [80, 0.6]]}
LOW = {"bands": [[1, 1.0], [3, 0.5], [5, 0.2]], "better": "lower"}


def test_bands_higher_takes_the_largest_threshold_reached():
    assert item("bands", HIGH, {"c.x": 92})["points"] == 8.0      # 90 ≤ 92 < 95
    assert item("bands", HIGH, {"c.x": 100})["points"] == 10.0
    assert item("bands", HIGH, {"c.x": 85.5})["points"] == 6.0


def test_bands_exact_threshold_is_reached():
    assert item("bands", HIGH, {"c.x": 95})["points"] == 10.0
    assert item("bands", HIGH, {"c.x": 90})["points"] == 8.0
    assert item("bands", LOW, {"c.x": 3})["points"] == 5.0


def test_bands_lower_takes_the_smallest_threshold_not_exceeded():
    assert item("bands", LOW, {"c.x": 0})["points"] == 10.0       # 0 ≤ 1
    assert item("bands", LOW, {"c.x": 2})["points"] == 5.0        # 2 ≤ 3
    assert item("bands", LOW, {"c.x": 4.5})["points"] == 2.0      # 4.5 ≤ 5


def test_bands_no_band_gives_zero_but_is_ok():
    it = item("bands", HIGH, {"c.x": 79.9})
    assert (it["points"], it["status"]) == (0.0, "ok")
    it = item("bands", LOW, {"c.x": 6})
    assert (it["points"], it["status"]) == (0.0, "ok")


def test_bands_order_in_the_file_does_not_matter():
    shuffled = {"bands": [[80, 0.6], [95, 1.0], [90, 0.8]]}
    assert item("bands", shuffled, {"c.x": 92})["points"] == 8.0


def test_bands_string_number_and_invalid():
    assert item("bands", HIGH, {"c.x": "96"})["points"] == 10.0
    assert item("bands", HIGH, {"c.x": "很高"})["status"] == "invalid"
    assert direct(Bands, 91, **HIGH).fraction == 0.8


def test_bands_fraction_out_of_range_rejected_at_load():
    assert "criteria.c.x.params.bands" in load_error("bands", {"bands": [[90, 1.5]]})
    assert "criteria.c.x.params.better" in load_error("bands", {"bands": [[90, 1]], "better": "up"})


# -- deduct -------------------------------------------------------------------------------------------------
def test_deduct_per_instance():
    # 10 points, 2 per instance, 3 instances: 10 − 6 = 4
    assert item("deduct", {"per": 2}, {"c.x": 3})["points"] == 4.0
    assert item("deduct", {"per": 2}, {"c.x": 0})["points"] == 10.0
    assert direct(Deduct, 1, per=2.5).fraction == 0.75


def test_deduct_list_counts_its_entries():
    it = item("deduct", {"per": 1.5}, {"c.x": ["乱停车", "占道经营"]})
    assert it["points"] == 7.0                                    # 10 − 2 × 1.5
    assert item("deduct", {"per": 1.5}, {"c.x": []})["points"] == 10.0


def test_deduct_list_written_in_a_table_cell():
    # in CSV/XLSX a list is written a;b;c: three instances × 2 = 6 lost
    assert item("deduct", {"per": 2}, {"c.x": "乱停车;占道经营;噪音"})["points"] == 4.0


def test_deduct_floors_at_zero():
    it = item("deduct", {"per": 3}, {"c.x": 7})                  # 21 > 10
    assert (it["points"], it["status"]) == (0.0, "ok")


def test_deduct_count_as_string():
    assert item("deduct", {"per": 2}, {"c.x": "2"})["points"] == 6.0


@pytest.mark.parametrize("value", [-1, "-2", "many", True, float("nan")])
def test_deduct_negative_or_unreadable_count_is_invalid(value):
    it = item("deduct", {"per": 2}, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "invalid")


def test_deduct_per_must_be_positive():
    assert "criteria.c.x.params.per" in load_error("deduct", {"per": 0})


# -- grade -----------------------------------------------------------------------------------------------------
def test_grade_default_scale():
    # SPEC default scale: A 1.0, B 0.8, C 0.6, D 0.0
    for grade, points in (("A", 10.0), ("B", 8.0), ("C", 6.0), ("D", 0.0)):
        it = item("grade", {}, {"c.x": grade})
        assert (it["points"], it["status"]) == (points, "ok"), grade


def test_grade_custom_scale():
    scale = {"优秀": 1.0, "良好": 0.75, "合格": 0.5, "不合格": 0.0}
    assert item("grade", {"scale": scale}, {"c.x": "良好"})["points"] == 7.5
    assert direct(Grade, "合格", scale=scale).fraction == 0.5


@pytest.mark.parametrize("value", ["E", "A+", "优秀", True, [1]])
def test_grade_not_in_the_scale_is_invalid(value):
    it = item("grade", {}, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "invalid")
    assert it["reasons"]


def test_grade_scale_value_out_of_range_rejected_at_load():
    assert "criteria.c.x.params.scale" in load_error("grade", {"scale": {"A": 2}})


# -- manual --------------------------------------------------------------------------------------------------------
def test_manual_points_given():
    # an assessor gives 4.5 of 6: fraction 0.75, points 4.5
    it = item("manual", {}, {"c.x": 4.5}, points=6)
    assert (it["points"], it["max"], it["status"]) == (4.5, 6.0, "ok")
    assert item("manual", {}, {"c.x": 0}, points=6)["points"] == 0.0
    assert item("manual", {}, {"c.x": 6}, points=6)["points"] == 6.0
    assert item("manual", {}, {"c.x": "5"}, points=6)["points"] == 5.0
    assert direct(Manual, 3, points=6).fraction == 0.5


@pytest.mark.parametrize("value", [6.01, 8, -0.5, "七", True])
def test_manual_outside_range_is_invalid(value):
    it = item("manual", {}, {"c.x": value}, points=6)
    assert (it["points"], it["status"]) == (0.0, "invalid")
    assert it["reasons"]


def test_manual_takes_no_params():
    assert "criteria.c.x.params.limit" in load_error("manual", {"limit": 3})


# -- ratio ---------------------------------------------------------------------------------------------------------
RATIO = {"numerator": "registered", "denominator": "staff", "full_at": 0.2}


def test_ratio_reads_two_inputs():
    # 15 of 100 staff registered = 0.15; full at 0.2: 0.15/0.2 = 0.75 of 10
    assert item("ratio", RATIO, {"registered": 15, "staff": 100})["points"] == 7.5
    assert item("ratio", RATIO, {"registered": 30, "staff": 100})["points"] == 10.0   # clamped
    assert item("ratio", RATIO, {"registered": "5", "staff": "100"})["points"] == 2.5


def test_ratio_zero_at():
    # zero_at 0.5, full_at 1: 0.75 → (0.75 − 0.5)/(1 − 0.5) = 0.5
    p = {"numerator": "n", "denominator": "d", "full_at": 1, "zero_at": 0.5}
    assert item("ratio", p, {"n": 3, "d": 4})["points"] == 5.0
    assert item("ratio", p, {"n": 1, "d": 4})["points"] == 0.0


def test_ratio_zero_denominator_is_invalid():
    it = item("ratio", RATIO, {"registered": 3, "staff": 0})
    assert (it["points"], it["status"]) == (0.0, "invalid")
    assert any("staff" in r for r in it["reasons"])


@pytest.mark.parametrize("data", [{"registered": 3}, {"staff": 10}, {}, {"registered": "", "staff": 10},
                                  {"registered": 3, "staff": None}])
def test_ratio_missing_when_either_input_is(data):
    it = item("ratio", RATIO, data)
    assert (it["points"], it["status"]) == (0.0, "missing")


def test_ratio_unreadable_input_is_invalid():
    assert item("ratio", RATIO, {"registered": "abc", "staff": 10})["status"] == "invalid"
    assert item("ratio", RATIO, {"registered": -3, "staff": 10})["status"] == "invalid"


def test_ratio_direct_ignores_its_own_key():
    out = direct(Ratio, None, data={"registered": 10, "staff": 100}, **RATIO)
    assert (out.fraction, out.status) == (0.5, "ok")


# -- formula -------------------------------------------------------------------------------------------------------
def f_item(expr, data, points=10):
    return item("formula", {"expr": expr}, data, points)


def test_formula_arithmetic_gives_points():
    # hours / staff / 8 = 480 / 20 / 8 = 3 points
    assert f_item("hours / staff / 8", {"hours": 480, "staff": 20})["points"] == 3.0
    assert f_item("a * 2 + b - 1", {"a": "1.5", "b": 4})["points"] == 6.0


def test_formula_functions():
    assert f_item("min(a, 4) + max(b, 1)", {"a": 9, "b": -5})["points"] == 5.0          # 4 + 1
    assert f_item("abs(a)", {"a": -7})["points"] == 7.0
    assert f_item("round(a / 3, 2)", {"a": 10})["points"] == 3.33
    assert f_item("round(a)", {"a": 6.5})["points"] == 7.0            # half up, as a person rounds
    assert f_item("round(a, 1)", {"a": 2.25})["points"] == 2.3


def test_formula_ternary_and_comparisons():
    expr = "10 if rate >= 0.9 else (5 if rate >= 0.5 else 0)"
    assert f_item(expr, {"rate": 0.95})["points"] == 10.0
    assert f_item(expr, {"rate": 0.5})["points"] == 5.0
    assert f_item(expr, {"rate": 0.2})["points"] == 0.0
    assert f_item("8 if 1 < a <= 3 and not b else 2", {"a": 3, "b": 0})["points"] == 8.0


def test_formula_clamped_to_zero_and_points():
    it = f_item("a - 20", {"a": 3})
    assert (it["points"], it["status"]) == (0.0, "ok")
    it = f_item("a * 100", {"a": 3})
    assert (it["points"], it["status"]) == (10.0, "ok")


@pytest.mark.parametrize("data", [{"a": 1}, {"b": 1}, {"a": "", "b": 1}, {"a": None, "b": 2}, {}])
def test_formula_missing_when_any_input_is(data):
    it = f_item("a + b", data)
    assert (it["points"], it["status"]) == (0.0, "missing")


@pytest.mark.parametrize("value", ["abc", float("nan"), float("inf"), [1, 2]])
def test_formula_unreadable_input_is_invalid(value):
    assert f_item("a + 1", {"a": value})["status"] == "invalid"


def test_formula_division_by_zero_is_invalid_for_that_unit():
    it = f_item("a / b", {"a": 1, "b": 0})
    assert (it["points"], it["status"]) == (0.0, "invalid")


def test_formula_input_keys_are_its_names():
    scheme = make_scheme(scheme_text("formula", {"expr": "hours / staff + max(hours, 1)"}))
    assert scheme.leaves[0].input_keys == ["hours", "staff"]


def test_formula_direct():
    out = direct(FormulaScorer, None, data={"a": 2}, expr="a * 3")
    assert (out.fraction, out.status) == (0.6, "ok")


@pytest.mark.parametrize("expr", [
    "__import__('os')",
    "__import__('os').system('echo pwned')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "open('x')",
    "a.real",
    "a.__class__",
    "lambda: 1",
    "(lambda x: x)(1)",
    "eval('1')",
    "exec('1')",
    "getattr(a, 'b')",
    "a[0]",
    "'text'",
    "[1, 2]",
    "{1: 2}",
    "[x for x in (1, 2)]",
    "__builtins__",
    "_secret",
    "a if b",
    "min",
    "f'{a}'",
    "a in (1, 2)",
    "a is None",
])
def test_formula_injection_rejected_at_load_time(expr):
    msg = load_error("formula", {"expr": expr})
    assert "criteria.c.x.params.expr" in msg, msg
    assert "Traceback" not in msg


def test_formula_rejection_happens_before_any_data(tmp_path):
    # the file never loads, so no unit is ever scored with it, and nothing runs
    marker = tmp_path / "pwned"
    expr = f"__import__('pathlib').Path('{marker}').touch()"
    load_error("formula", {"expr": expr})
    assert not marker.exists()


def test_formula_huge_power_rejected_or_contained():
    assert "criteria.c.x.params.expr" in load_error("formula", {"expr": "9 ** 9 ** 9"})
    it = f_item("a ** b", {"a": 10, "b": 100000})
    assert (it["points"], it["status"]) == (0.0, "invalid")


# -- lenient reading, all scorers -----------------------------------------------------------------------------------
SCORERS = [
    ("boolean", {}),
    ("checklist", {"items": ["a", "b"]}),
    ("linear", {"zero_at": 0, "full_at": 1}),
    ("bands", {"bands": [[0, 1.0]]}),
    ("deduct", {"per": 1}),
    ("grade", {}),
    ("manual", {}),
]


@pytest.mark.parametrize("scorer,params", SCORERS)
@pytest.mark.parametrize("data", [{}, {"c.x": None}, {"c.x": ""}, {"c.x": "   "}], ids=["absent", "null", "empty", "blank"])
def test_absent_null_and_empty_are_missing(scorer, params, data):
    it = item(scorer, params, data)
    assert (it["points"], it["status"]) == (0.0, "missing")


@pytest.mark.parametrize("scorer,params", [s for s in SCORERS if s[0] in ("linear", "bands", "deduct", "manual")])
@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), "NaN", "Infinity"])
def test_nan_and_infinity_are_invalid(scorer, params, value):
    it = item(scorer, params, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "invalid")


@pytest.mark.parametrize("scorer,params,value", [
    ("boolean", {}, ["yes"]),
    ("checklist", {"items": ["a"]}, 3.5),
    ("linear", {"zero_at": 0, "full_at": 1}, ["1"]),
    ("bands", {"bands": [[0, 1.0]]}, False),
    ("deduct", {"per": 1}, "some"),
    ("grade", {}, 1.5),
    ("manual", {}, "full"),
])
def test_wrong_kind_is_invalid(scorer, params, value):
    it = item(scorer, params, {"c.x": value})
    assert (it["points"], it["status"]) == (0.0, "invalid")
    assert it["reasons"]


def test_input_key_defaults_to_the_id_and_can_be_renamed():
    text = '''
[criteria.c]
title = "C"
[criteria.c.x]
title = "X"
points = 4
scorer = "boolean"
input = "has_plan"
'''
    assert run(text, {"has_plan": "是"})["items"]["c.x"]["points"] == 4.0
    assert run(text, {"c.x": "是"})["items"]["c.x"]["status"] == "missing"


def test_one_invalid_item_does_not_touch_the_others():
    text = '''
[criteria.c]
title = "C"
[criteria.c.a]
title = "A"
points = 4
scorer = "boolean"
[criteria.c.b]
title = "B"
points = 6
scorer = "linear"
params = { zero_at = 0, full_at = 3 }
'''
    r = run(text, {"c.a": "maybe", "c.b": 2})
    assert r["items"]["c.a"]["status"] == "invalid"
    assert r["items"]["c.b"]["points"] == 4.0                    # 6 × 2/3
    assert (r["total"], r["complete"]) == (4.0, True)            # invalid is not an error
