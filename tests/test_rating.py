"""Totals, ratings and ranks (SPEC §2 totals, SPEC §3).

The schemes here have two categories, ``a`` and ``b`` (50 points each), each a
single ``manual`` leaf, so a unit's category scores are exactly what its data
says and every expected figure is plain arithmetic.
"""
from __future__ import annotations

import json

import pytest

from civscore.cli import main
from civscore.testing import make_scheme, make_units
from civscore.engine import evaluate


def scheme_text(levels: str, method: str = "thresholds", tie_break: str = "[]", extras: str = "") -> str:
    return f'''
format = "civscore/1"
[scheme]
id = "rating-test"
title = "评级测试"
version = "1"
full_marks = 100
[rating]
method = "{method}"
tie_break = {tie_break}
levels = {levels}

[criteria.a]
title = "甲"
[criteria.a.x]
title = "甲项"
points = 50
scorer = "manual"

[criteria.b]
title = "乙"
[criteria.b.x]
title = "乙项"
points = 50
scorer = "manual"
{extras}
'''


THRESHOLDS = """[
  { stars = 5, min_score = 90, min_category_ratio = 0.8 },
  { stars = 4, min_score = 80 },
  { stars = 3, min_score = 70 },
]"""


def unit(uid: str, a: float, b: float, **more) -> dict:
    return {"unit.id": uid, "a.x": a, "b.x": b, **more}


def evaluate_units(text: str, rows: list[dict], by_group: bool = False):
    return evaluate(make_scheme(text), make_units(rows), by_group=by_group)


def listing(ev) -> list[tuple]:
    """(id, rank, stars) in listing order."""
    return [(r["unit"]["id"], r["rank"], r["stars"]) for r in ev.results(items=False)]


def by_id(ev) -> dict:
    return {r["unit"]["id"]: r for r in ev.results(items=False)}


# -- thresholds ------------------------------------------------------------------------------------
def test_thresholds_highest_level_reached():
    ev = evaluate_units(scheme_text(THRESHOLDS), [
        unit("u95", 50, 45),    # 95, both ratios ≥ 0.8 → 5
        unit("u85", 45, 40),    # 85 → 4
        unit("u80", 40, 40),    # exactly 80 → 4
        unit("u70", 35, 35),    # exactly 70 → 3
    ])
    got = {r["unit"]["id"]: (r["total"], r["stars"]) for r in ev.results(items=False)}
    assert got == {"u95": (95.0, 5), "u85": (85.0, 4), "u80": (80.0, 4), "u70": (70.0, 3)}


def test_no_level_reached_is_zero_stars():
    ev = evaluate_units(scheme_text(THRESHOLDS), [unit("low", 30, 39.99)])   # 69.99 < 70
    r = ev.result(0)
    assert (r["total"], r["stars"], r["rank"]) == (69.99, 0, 1)


def test_min_category_ratio_blocks_the_level():
    # 98 points, but b is 38/50 = 0.76 < 0.8: not 5 ★; the next level (80) is reached
    ev = evaluate_units(scheme_text(THRESHOLDS), [unit("lopsided", 50, 38), unit("even", 45, 45)])
    got = by_id(ev)
    assert (got["lopsided"]["total"], got["lopsided"]["stars"]) == (88.0, 4)
    assert (got["even"]["total"], got["even"]["stars"]) == (90.0, 5)            # 0.9 and 0.9


def test_min_category_ratio_uses_the_unrounded_category_score():
    # a = 39.996 is reported as 40.00 (which would be exactly 0.8), but 39.996 / 50 = 0.79992 < 0.8
    ev = evaluate_units(scheme_text(THRESHOLDS), [unit("almost", 39.996, 50), unit("exact", 40, 50)])
    got = by_id(ev)
    assert got["almost"]["categories"]["a"] == 40.0
    assert got["almost"]["total"] == 90.0               # 89.996 reported as 90.00
    assert got["almost"]["stars"] == 4
    assert got["exact"]["stars"] == 5                   # 40 / 50 = 0.8 reaches 0.8


def test_the_rounded_total_decides_the_rating(tmp_path, capsys):
    # 44.995 + 45 = 89.995, reported as 90.00 (half up), so the 5 ★ level at 90 is reached
    ev = evaluate_units(scheme_text(THRESHOLDS), [unit("edge", 44.995, 45), unit("below", 44.994, 45)])
    got = by_id(ev)
    assert (got["edge"]["total"], got["edge"]["stars"]) == (90.0, 5)
    assert (got["below"]["total"], got["below"]["stars"]) == (89.99, 4)       # 89.994 → 89.99

    # and what the committee reads agrees with the stars
    crit = tmp_path / "crit.toml"
    crit.write_text(scheme_text(THRESHOLDS), encoding="utf-8")
    sub = tmp_path / "units.csv"
    sub.write_text("unit.id,unit.name,a.x,b.x\nedge,边界,44.995,45\nbelow,之下,44.994,45\n", encoding="utf-8")
    assert main(["evaluate", str(crit), str(sub)]) == 0
    out = capsys.readouterr().out
    edge = next(line for line in out.splitlines() if " edge " in line)
    assert "90.00" in edge and "★★★★★" in edge
    below = next(line for line in out.splitlines() if " below " in line)
    assert "89.99" in below and "★★★★☆" in below


def test_rounding_of_totals_is_half_up():
    ev = evaluate_units(scheme_text(THRESHOLDS), [unit("u1", 10.005, 0), unit("u2", 10.004, 0), unit("u3", 0.125, 0)])
    got = by_id(ev)
    assert (got["u1"]["total"], got["u2"]["total"], got["u3"]["total"]) == (10.01, 10.0, 0.13)


# -- bonus, penalty, floor ----------------------------------------------------------------------------------
EXTRAS = '''
[bonus]
cap = 5
[bonus.p]
title = "省级表彰"
points = 4
scorer = "manual"
[bonus.q]
title = "创新"
points = 3
scorer = "manual"

[penalty]
cap = 6
[penalty.r]
title = "投诉"
points = 5
scorer = "manual"
[penalty.s]
title = "曝光"
points = 4
scorer = "manual"
'''


def test_bonus_and_penalty_are_added_and_subtracted():
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=EXTRAS),
                        [unit("u", 30, 40, **{"bonus.p": 2, "bonus.q": 1, "penalty.r": 1.5, "penalty.s": 1})])
    r = ev.result(0)
    # 70 + 3 − 2.5 = 70.5
    assert (r["base"], r["bonus"], r["penalty"], r["total"]) == (70.0, 3.0, 2.5, 70.5)
    assert r["items"]["bonus.p"]["points"] == 2.0
    assert r["items"]["penalty.r"]["points"] == 1.5


def test_bonus_cap():
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=EXTRAS), [unit("u", 40, 40, **{"bonus.p": 4, "bonus.q": 3})])
    r = ev.result(0)
    # items earn 4 + 3 = 7, the cap is 5: 80 + 5 = 85
    assert (r["bonus"], r["total"]) == (5.0, 85.0)
    assert r["items"]["bonus.p"]["points"] + r["items"]["bonus.q"]["points"] == 7.0


def test_penalty_cap():
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=EXTRAS), [unit("u", 40, 40, **{"penalty.r": 5, "penalty.s": 4})])
    r = ev.result(0)
    # items cost 9, the cap is 6: 80 − 6 = 74
    assert (r["penalty"], r["total"], r["stars"]) == (6.0, 74.0, 3)


def test_no_cap_means_the_full_sum():
    extras = EXTRAS.replace("cap = 5\n", "").replace("cap = 6\n", "")
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=extras),
                        [unit("u", 40, 40, **{"bonus.p": 4, "bonus.q": 3, "penalty.r": 5, "penalty.s": 4})])
    r = ev.result(0)
    assert (r["bonus"], r["penalty"], r["total"]) == (7.0, 9.0, 78.0)


def test_total_is_floored_at_zero():
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=EXTRAS), [unit("u", 1, 2, **{"penalty.r": 5, "penalty.s": 4})])
    r = ev.result(0)
    # 3 − 6 = −3 → 0
    assert (r["base"], r["penalty"], r["total"], r["stars"]) == (3.0, 6.0, 0.0, 0)


# -- ranks -----------------------------------------------------------------------------------------------------
def test_ranks_descending_by_total_with_shared_ranks():
    ev = evaluate_units(scheme_text(THRESHOLDS), [
        unit("d", 30, 30),     # 60
        unit("c", 40, 40),     # 80
        unit("b", 45, 45),     # 90
        unit("a", 40, 40),     # 80
    ])
    assert [(i, r) for i, r, _ in listing(ev)] == [("b", 1), ("a", 2), ("c", 2), ("d", 4)]


def test_shared_rank_is_listed_by_unit_id():
    ev = evaluate_units(scheme_text(THRESHOLDS), [unit("zeta", 40, 40), unit("mu", 40, 40), unit("alpha", 40, 40),
                                                  unit("top", 50, 50)])
    assert listing(ev) == [("top", 1, 5), ("alpha", 2, 4), ("mu", 2, 4), ("zeta", 2, 4)]


def test_tie_break_orders_equal_totals():
    # all total 80; tie_break b first, then a
    ev = evaluate_units(scheme_text(THRESHOLDS, tie_break='["b", "a"]'), [
        unit("u1", 45, 35),    # b 35
        unit("u2", 35, 45),    # b 45
        unit("u3", 40, 40),    # b 40
        unit("u0", 60 - 20, 40),   # same as u3: a 40, b 40 → shares u3's rank
    ])
    assert listing(ev) == [("u2", 1, 4), ("u0", 2, 4), ("u3", 2, 4), ("u1", 4, 4)]


def test_tie_break_second_category():
    ev = evaluate_units(scheme_text(THRESHOLDS, tie_break='["b", "a"]') .replace(
        "[criteria.b]", "[criteria.c]\ntitle = \"丙\"\n[criteria.c.x]\ntitle = \"丙项\"\npoints = 0.5\nscorer = \"manual\"\n\n[criteria.b]")
        .replace("full_marks = 100", "full_marks = 100.5"),
        [unit("p", 40, 40, **{"c.x": 0.5}), unit("q", 40.5, 40, **{"c.x": 0})])
    # both 80.5, b equal (40), a: q 40.5 > p 40 → q first
    assert [(i, r) for i, r, _ in listing(ev)] == [("q", 1), ("p", 2)]


def test_tie_break_compares_scores_rounded_to_two_decimals():
    # totals equal (80.00); b 40.001 and 40.004 are both 40.00: still tied, rank shared
    ev = evaluate_units(scheme_text(THRESHOLDS, tie_break='["b"]'),
                        [unit("y", 39.999, 40.001), unit("x", 39.996, 40.004)])
    assert [(i, r) for i, r, _ in listing(ev)] == [("x", 1), ("y", 1)]


def test_without_tie_break_equal_totals_share_a_rank():
    ev = evaluate_units(scheme_text(THRESHOLDS), [unit("u1", 45, 35), unit("u2", 35, 45)])
    assert [(i, r) for i, r, _ in listing(ev)] == [("u1", 1), ("u2", 1)]


# -- vetoes ---------------------------------------------------------------------------------------------------
VETO = '''
[veto.accident]
title = "重大事故"
input = "accident"

[veto.blacklist]
title = "失信"
'''


def test_vetoed_units_are_unranked_zero_stars_last_and_keep_their_total():
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=VETO), [
        unit("best", 50, 50, accident=True),            # 100, vetoed
        unit("good", 45, 45, accident=False),
        unit("fair", 40, 40),                           # veto input missing: not a trigger
        unit("black", 30, 30, **{"veto.blacklist": "是"}),
    ])
    assert listing(ev) == [("good", 1, 5), ("fair", 2, 4), ("best", None, 0), ("black", None, 0)]
    got = by_id(ev)
    assert (got["best"]["total"], got["best"]["vetoed"], got["best"]["vetoes"]) == (100.0, True, ["veto.accident"])
    assert got["black"]["vetoes"] == ["veto.blacklist"]        # input defaults to veto.<id>
    assert got["fair"]["vetoed"] is False


@pytest.mark.parametrize("value,vetoed", [(True, True), ("是", True), ("yes", True), (1, True), ("1", True),
                                          (False, False), ("否", False), (0, False), ("", False), (None, False)])
def test_veto_values(value, vetoed):
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=VETO), [unit("u", 45, 45, accident=value)])
    r = ev.result(0)
    assert r["vetoed"] is vetoed
    assert (r["rank"], r["stars"]) == ((None, 0) if vetoed else (1, 5))


def test_vetoed_units_do_not_take_ranks_from_others():
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=VETO), [
        unit("v", 50, 50, accident=True), unit("a", 45, 45), unit("b", 40, 40)])
    assert listing(ev) == [("a", 1, 5), ("b", 2, 4), ("v", None, 0)]


# -- quota ----------------------------------------------------------------------------------------------------
QUOTA = """[
  { stars = 3, top = 0.1 },
  { stars = 2, top = 0.35 },
  { stars = 1, top = 1.0, min_score = 50 },
]"""


def ten_units(**extra_by_id):
    # totals 95, 90, 85, ..., 50 for u00..u09
    return [unit(f"u{i:02d}", 50 - 5 * i / 2, 45 - 5 * i / 2, **extra_by_id.get(f"u{i:02d}", {})) for i in range(10)]


def test_quota_floor_of_top_times_n_cumulative():
    ev = evaluate_units(scheme_text(QUOTA, method="quota"), ten_units())
    # N = 10: 3 ★ for rank ≤ floor(0.1 × 10) = 1; 2 ★ for rank ≤ floor(3.5) = 3; 1 ★ for the rest with total ≥ 50
    stars = [s for _, _, s in listing(ev)]
    assert [t["total"] for t in ev.results(items=False)] == [95, 90, 85, 80, 75, 70, 65, 60, 55, 50]
    assert stars == [3, 2, 2, 1, 1, 1, 1, 1, 1, 1]


def test_quota_min_score():
    ev = evaluate_units(scheme_text(QUOTA, method="quota"), ten_units() + [unit("u10", 20, 20)])
    # N = 11: floor(1.1) = 1, floor(3.85) = 3, all 11 within top 1.0 — but 40 < 50 gets nothing
    got = by_id(ev)
    assert got["u10"]["stars"] == 0
    assert [got[f"u0{i}"]["stars"] for i in range(4)] == [3, 2, 2, 1]


def test_quota_min_score_on_the_top_level_falls_to_the_next():
    levels = QUOTA.replace("{ stars = 3, top = 0.1 }", "{ stars = 3, top = 0.1, min_score = 96 }")
    ev = evaluate_units(scheme_text(levels, method="quota"), ten_units())
    assert [s for _, _, s in listing(ev)][:4] == [2, 2, 2, 1]      # u00 (95) misses 96, but is in the top 35 %


def test_quota_counts_ranked_units_only():
    ev = evaluate_units(scheme_text(QUOTA, method="quota", extras=VETO), ten_units(u05={"accident": True}))
    # N = 9 ranked: floor(0.9) = 0 → nobody gets 3 ★; floor(3.15) = 3 → ranks 1..3 get 2 ★
    assert listing(ev)[:4] == [("u00", 1, 2), ("u01", 2, 2), ("u02", 3, 2), ("u03", 4, 1)]
    assert listing(ev)[-1] == ("u05", None, 0)


def test_quota_shared_rank_at_the_boundary():
    rows = ten_units()
    rows[1] = unit("u01", 50, 45)      # ties u00 at 95
    ev = evaluate_units(scheme_text(QUOTA, method="quota"), rows)
    # both have rank 1 ≤ floor(0.1 × 10) = 1
    assert listing(ev)[:3] == [("u00", 1, 3), ("u01", 1, 3), ("u02", 3, 2)]


# -- by group ---------------------------------------------------------------------------------------------------
def test_by_group_ranks_and_rates_each_group_separately():
    rows = [unit("g1", 45, 45, **{"unit.group": "机关"}),
            unit("g2", 40, 40, **{"unit.group": "机关"}),
            unit("g3", 35, 35, **{"unit.group": "企业"}),
            unit("g4", 30, 30, **{"unit.group": "企业"})]
    quota = """[{ stars = 2, top = 0.5 }, { stars = 1, top = 1.0 }]"""
    together = evaluate_units(scheme_text(quota, method="quota"), rows)
    assert listing(together) == [("g1", 1, 2), ("g2", 2, 2), ("g3", 3, 1), ("g4", 4, 1)]
    apart = evaluate_units(scheme_text(quota, method="quota"), rows, by_group=True)
    got = {i: (r, s) for i, r, s in listing(apart)}
    # each group of 2: floor(0.5 × 2) = 1 → its first unit gets 2 ★
    assert got == {"g1": (1, 2), "g2": (2, 1), "g3": (1, 2), "g4": (2, 1)}


def test_by_group_on_the_command_line(tmp_path, capsys):
    crit = tmp_path / "crit.toml"
    crit.write_text(scheme_text(THRESHOLDS), encoding="utf-8")
    sub = tmp_path / "units.csv"
    sub.write_text("unit.id,unit.name,unit.group,a.x,b.x\n"
                   "a1,甲一,机关,45,45\na2,甲二,机关,40,40\nb1,乙一,企业,35,35\nb2,乙二,企业,30,30\n", encoding="utf-8")
    assert main(["evaluate", str(crit), str(sub), "--by-group", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    ranks = {r["unit"]["id"]: (r["unit"]["group"], r["rank"]) for r in doc["results"]}
    assert ranks == {"a1": ("机关", 1), "a2": ("机关", 2), "b1": ("企业", 1), "b2": ("企业", 2)}
    # without --by-group one ranking
    assert main(["evaluate", str(crit), str(sub), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [r["rank"] for r in doc["results"]] == [1, 2, 3, 4]


def test_by_group_vetoed_still_last():
    rows = [unit("x1", 45, 45, **{"unit.group": "A", "accident": True}),
            unit("x2", 40, 40, **{"unit.group": "A"}),
            unit("y1", 35, 35, **{"unit.group": "B"})]
    ev = evaluate_units(scheme_text(THRESHOLDS, extras=VETO), rows, by_group=True)
    assert listing(ev)[-1] == ("x1", None, 0)
    assert {i: r for i, r, _ in listing(ev)} == {"x2": 1, "y1": 1, "x1": None}
