"""The dust-weight scorer, through civscore's own pytest fixtures."""
import math

import pytest

import civscore
from civscore_cleanliness import read_samples

PLUGIN = ["civscore_cleanliness"]

INNER = '''
[criteria.roads]
title = "道路清扫保洁"

[criteria.roads.dust]
title = "二环以内主次干道尘土残存量"
points = 10
scorer = "dust-weight"
params = {params}
'''


def item(run, data, params="{ zone = \"inner\" }"):
    result = run(INNER.format(params=params), data, plugins=PLUGIN)
    return result["items"]["roads.dust"]


def test_all_points_within_the_limit_earn_full_points(civscore_run):
    got = item(civscore_run, {"roads.dust": [4.2, 3.8, 4.9]})
    assert got["status"] == "ok" and got["points"] == 10
    assert got["reasons"][1] == "worst point: #3 4.9 g/m² (limit 5)"


def test_mean_over_the_limit_loses_points_linearly(civscore_run):
    # mean 6 g/m² = 1.2 × the limit of 5; nothing from 2 × → 80 %
    got = item(civscore_run, {"roads.dust": [5, 6, 7]})
    assert got["points"] == 8
    assert "1.20 × the limit earns 80% of the points" in got["reasons"][0]
    assert got["reasons"][1] == "worst point: #3 7 g/m² (limit 5, 1.40 ×)"
    assert got["reasons"][2] == "2 point(s) over the limit: #3 7 > 5; #2 6 > 5"


def test_zero_factor_sets_where_nothing_is_earned(civscore_run):
    got = item(civscore_run, {"roads.dust": [7.5]}, '{ limit = 5, zero_factor = 1.5 }')
    assert got["points"] == 0
    got = item(civscore_run, {"roads.dust": [15]}, '{ limit = 5 }')
    assert got["points"] == 0


def test_share_counts_points_within_their_limit(civscore_run):
    got = item(civscore_run, {"roads.dust": [16, 23.5, 19.8, 25]}, '{ zone = "pavement", aggregate = "share" }')
    assert got["points"] == 5
    assert got["reasons"][0] == "2 of 4 sampling point(s) within the limit (50%)"


def test_worst_judges_the_worst_point(civscore_run):
    got = item(civscore_run, {"roads.dust": [1, 1, 6.5]}, '{ limit = 5, aggregate = "worst" }')
    assert got["points"] == 7   # 1.3 × → 70 %
    assert "worst load 1.30" in got["reasons"][0]


def test_a_named_table_names_the_worst_point(civscore_run):
    # [data."roads.dust"] in a TOML submission: civscore flattens it to dotted keys
    data = {"roads": {"dust": {"建设北大街": 4.1, "中山东路": 7.9, "北马路": 3.2}}}
    got = item(civscore_run, data)
    assert got["status"] == "ok"
    assert got["reasons"][1] == "worst point: 中山东路 7.9 g/m² (limit 5, 1.58 ×)"


def test_text_as_in_a_csv_cell(civscore_run):
    got = item(civscore_run, {"roads.dust": "建设北大街=4.4；东风路=4.9;塔坛路=5.3"})
    assert got["points"] == 10
    assert got["reasons"][1] == "worst point: 塔坛路 5.3 g/m² (limit 5, 1.06 ×)"


def test_a_point_with_its_own_zone(civscore_run):
    data = {"roads.dust": [{"point": "人行道", "grams": 16, "zone": "pavement"}, {"point": "主干道", "grams": 4}]}
    got = item(civscore_run, data, '{ zone = "inner", aggregate = "share" }')
    assert got["points"] == 10
    got = item(civscore_run, {"roads.dust": "人行道@pavement=16;主干道=6"}, '{ zone = "inner", aggregate = "share" }')
    assert got["points"] == 5
    assert "主干道 6 g/m² (limit 5" in got["reasons"][1]


def test_nested_table_with_zones(civscore_run):
    data = {"roads": {"dust": {"人行道": {"grams": 16, "zone": "pavement"}, "主干道": 4}}}
    assert item(civscore_run, data, '{ zone = "inner", aggregate = "share" }')["points"] == 10


def test_custom_limits_for_another_city(civscore_run):
    got = item(civscore_run, {"roads.dust": [9]}, '{ zone = "main", limits = { main = 10, side = 15 } }')
    assert got["points"] == 10


@pytest.mark.parametrize("value, why", [
    ([4, -1], "point #2: -1 g/m² is not a weight"),
    ([4, "heavy"], "point #2: expected g/m² (a number), got 'heavy'"),
    ([4, True], "point #2: expected g/m² (a number), got True"),
    ({"a": 4, "b": math.nan}, "point b: nan g/m² is not a weight"),
    ([{"point": "x", "grams": 4, "colour": "grey"}], "unknown key 'colour'"),
    ("a@nowhere=3;b=4;c=5", "point a: unknown zone 'nowhere'"),
    ([4, 5], "only 2 sampling point(s); this item needs at least 3"),
])
def test_unreadable_values_are_invalid_with_a_reason(civscore_run, value, why):
    got = item(civscore_run, {"roads.dust": value}, '{ zone = "inner", min_points = 3 }')
    assert got["status"] == "invalid" and got["points"] == 0
    assert why in got["reasons"][0]


@pytest.mark.parametrize("data", [{}, {"roads.dust": ""}, {"roads.dust": []}, {"roads.dust": " ; "}])
def test_no_measurement_is_missing(civscore_run, data):
    got = item(civscore_run, data)
    assert got["status"] == "missing" and got["points"] == 0


@pytest.mark.parametrize("params, message", [
    ("{ }", "give limit (g/m²) or zone"),
    ('{ limit = 5, zone = "inner" }', "give limit or zone, not both"),
    ('{ zone = "ring3" }', "zone 'ring3' is not in limits"),
    ("{ limit = -5 }", "greater than 0"),
    ('{ zone = "inner", aggregate = "median" }', "aggregate"),
    ('{ zone = "inner", zero_factor = 1 }', "zero_factor"),
    ('{ zone = "inner", colour = "grey" }', "unknown key"),
])
def test_bad_params_fail_when_the_criteria_load(civscore_scheme, params, message):
    with pytest.raises(civscore.CriteriaError) as info:
        civscore_scheme(INNER.format(params=params), plugins=PLUGIN)
    assert "criteria.roads.dust.params" in str(info.value)
    assert message in " ".join(info.value.lines)


def test_many_units_at_once(civscore_run):
    ev = civscore_run(INNER.format(params='{ zone = "inner" }'),
                      [{"roads.dust": [4]}, {"roads.dust": [7.5]}, {"roads.dust": None}, {"roads.dust": "x"}],
                      plugins=PLUGIN)
    assert [r["items"]["roads.dust"]["status"] for r in (ev.result(i) for i in range(4))] == \
        ["ok", "ok", "missing", "invalid"]
    assert ev.result(1)["items"]["roads.dust"]["points"] == 5


def test_read_samples_forms():
    assert [s.grams for s in read_samples([1, "2", 3.5])] == [1, 2, 3.5]
    assert read_samples("甲：4.5")[0].point == "甲"
    assert read_samples({"甲": {"grams": 4, "zone": "outer"}})[0].zone == "outer"
    assert read_samples(6)[0].point == "#1"


def test_the_example_in_civscore_testing_works_with_this_plugin(civscore_run):
    """civscore.testing's docstring shows a dust-weight test; with this plugin it passes."""
    import textwrap

    import civscore.testing
    example = civscore.testing.__doc__.split("::")[1].split("\n\n")[1]
    namespace = {}
    exec(textwrap.dedent(example).replace("my_plugin", "civscore_cleanliness"), namespace)
    namespace["test_dust"](civscore_run)


def test_the_readme_example_is_what_the_scorer_says(civscore_run):
    from pathlib import Path
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    shown = readme.split("and list the\npoints over the limit:\n\n```\n")[1].split("```")[0].splitlines()
    data = {"roads.dust": {"北马路": 5.2, "中山东路": 6.8, "育才街": 4.9, "建设北大街": 7.5}}
    got = item(civscore_run, data, '{ zone = "inner", aggregate = "mean" }')
    assert got["reasons"] == shown
    assert got["points"] == 7.8     # "earns 78 %" of 10 points
