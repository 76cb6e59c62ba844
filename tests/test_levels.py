"""SPEC §7.3: level labels, ``min_ratios`` gates, ``caps``; and what ``check`` says about them.

The scheme: 工作成效 (results) = 日常工作 60 + 创新项目 10, 群众评价 (evaluation) =
群众满意度 30, every leaf ``manual``, so each figure below is plain arithmetic.
"""
from __future__ import annotations

import json

import pytest

from civscore.cli import main
from civscore.contracts.errors import CriteriaError
from civscore.engine import evaluate
from civscore.testing import make_scheme, make_units

HEAD = 'format = "civscore/1"\n[scheme]\nid = "t"\ntitle = "支部"\nversion = "1"\nfull_marks = 100\n'
CRITERIA = '''
[criteria.results]
title = "工作成效"
[criteria.results.work]
title = "日常工作"
points = 60
scorer = "manual"
[criteria.results.innovation]
title = "创新项目"
points = 10
scorer = "manual"
[criteria.evaluation]
title = "群众评价"
[criteria.evaluation.satisfaction]
title = "群众满意度"
points = 30
scorer = "manual"
'''

THRESHOLDS = '''
[rating]
levels = [
  { stars = 5, min_score = 90, label = "五星级", min_ratios = { "results.innovation" = 1.0 } },
  { stars = 4, min_score = 80, label = "四星级" },
  { stars = 3, min_score = 70, label = "三星级" },
  { stars = 1, min_score = 0, label = "一星级" },
]
caps = [ { criterion = "evaluation.satisfaction", below = 0.6, max_stars = 2 } ]
'''


def unit(uid, work, innovation, satisfaction):
    return {"unit.id": uid, "results.work": work, "results.innovation": innovation,
            "evaluation.satisfaction": satisfaction}


def results(rating, rows, by_group=False):
    ev = evaluate(make_scheme(HEAD + rating + CRITERIA), make_units(rows), by_group=by_group)
    return {r["unit"]["id"]: r for r in ev.results(items=False)}


def test_gate_on_a_leaf_holds_back_the_fifth_star():
    got = results(THRESHOLDS, [unit("full", 60, 10, 25), unit("nine", 60, 9, 30)])
    # 95 with innovation 10/10 = 1.0 → 5★; 99 with innovation 9/10 = 0.9 < 1.0 → the 4★ level (80)
    assert (got["full"]["total"], got["full"]["stars"], got["full"]["label"]) == (95.0, 5, "五星级")
    assert (got["nine"]["total"], got["nine"]["stars"], got["nine"]["label"]) == (99.0, 4, "四星级")
    assert (got["nine"]["rank"], got["full"]["rank"]) == (1, 2)        # a gate changes stars, never ranks


def test_gate_on_a_group_and_the_tolerance():
    rating = '[rating]\nlevels = [{ stars = 5, min_score = 90, min_ratios = { results = 0.9 } }, { stars = 4, min_score = 80 }]'
    # results: 52.5 + 10 = 62.5 / 70 = 0.892857 < 0.9 → 4★ though 92.5 ≥ 90; 53 + 10 = 63 / 70 = 0.9 exactly → 5★
    got = results(rating, [unit("short", 52.5, 10, 30), unit("exact", 53, 10, 30)])
    assert (got["short"]["total"], got["short"]["stars"]) == (92.5, 4)
    assert (got["exact"]["total"], got["exact"]["stars"]) == (93.0, 5)


def test_cap_under_thresholds_keeps_the_rank_and_may_leave_no_label():
    got = results(THRESHOLDS, [unit("capped", 60, 10, 17), unit("low", 30, 10, 17), unit("ok", 50, 10, 18)])
    # capped: 87 → 4★ by score; satisfaction 17/30 = 0.567 < 0.6 → at most 2★; no level has 2★: label null
    assert (got["capped"]["total"], got["capped"]["stars"], got["capped"]["label"], got["capped"]["rank"]) == \
        (87.0, 2, None, 1)
    # low: 57 → 1★, already under the cap
    assert (got["low"]["stars"], got["low"]["label"]) == (1, "一星级")
    # ok: 78, satisfaction 18/30 = 0.6 exactly: not below → 3★, rank 2 behind the capped unit
    assert (got["ok"]["total"], got["ok"]["stars"], got["ok"]["rank"]) == (78.0, 3, 2)


def test_cap_under_quota_frees_no_place():
    rating = '''
[rating]
method = "quota"
levels = [
  { stars = 3, top = 0.25, label = "优秀" },
  { stars = 2, top = 0.5, label = "良好" },
  { stars = 1, top = 1.0, label = "合格" },
]
caps = [ { criterion = "evaluation", below = 0.6, max_stars = 1 } ]
'''
    rows = [unit("a", 60, 10, 17), unit("b", 60, 10, 25), unit("c", 50, 10, 25), unit("d", 40, 10, 25)]
    got = results(rating, rows)
    # totals a 87, b 95, c 85, d 75 → ranks b 1, a 2, c 3, d 4; N = 4: 3★ rank ≤ 1, 2★ rank ≤ 2, 1★ rank ≤ 4
    assert {k: (r["rank"], r["stars"], r["label"]) for k, r in got.items()} == {
        "b": (1, 3, "优秀"),
        "a": (2, 1, "合格"),      # 2★ by rank, capped at 1★: evaluation 17/30 < 0.6
        "c": (3, 1, "合格"),      # the capped unit frees no place: c stays at 1★
        "d": (4, 1, "合格"),
    }


def test_min_ratios_under_quota():
    rating = '''
[rating]
method = "quota"
levels = [
  { stars = 2, top = 0.5, min_ratios = { "results.innovation" = 0.8 } },
  { stars = 1, top = 1.0 },
]
'''
    got = results(rating, [unit("a", 60, 7, 30), unit("b", 55, 10, 30), unit("c", 50, 10, 20)])
    # N = 3: 2★ needs rank ≤ floor(0.5 × 3) = 1. a 97 (rank 1) has innovation 0.7 < 0.8 → 1★;
    # the gate frees no place: b 95 (rank 2) stays at 1★
    assert {k: (r["rank"], r["stars"]) for k, r in got.items()} == {"a": (1, 1), "b": (2, 1), "c": (3, 1)}
    assert "label" not in got["a"]          # no level has a label: no "label" key


def test_a_v1_scheme_has_no_label_key_and_levels_keep_their_shape(tmp_path, capsys):
    plain = THRESHOLDS.replace(', label = "五星级", min_ratios = { "results.innovation" = 1.0 }', "")
    plain = "\n".join(line for line in plain.splitlines() if not line.startswith("caps"))
    plain = plain.replace(', label = "四星级"', "").replace(', label = "三星级"', "").replace(', label = "一星级"', "")
    scheme = make_scheme(HEAD + plain + CRITERIA)
    assert scheme.labels == {} and scheme.floor_ids() == []
    assert scheme.describe()["levels"][0] == {"stars": 5, "min_score": 90.0, "min_category_ratio": None}
    ev = evaluate(scheme, make_units([unit("x", 60, 10, 30)]))
    assert list(ev.result(0, items=False)) == ["unit", "source", "rank", "stars", "total", "base", "bonus", "penalty",
                                               "vetoed", "vetoes", "complete", "categories"]


def write(tmp_path, rating, rows):
    crit = tmp_path / "c.toml"
    crit.write_text(HEAD + rating + CRITERIA, encoding="utf-8")
    sub = tmp_path / "u.csv"
    keys = ["unit.id", "unit.name", "results.work", "results.innovation", "evaluation.satisfaction"]
    sub.write_text(",".join(keys) + "\n" + "".join(
        ",".join(str(r.get(k, r["unit.id"])) for k in keys) + "\n" for r in rows), encoding="utf-8")
    return str(crit), str(sub)


def test_check_explains_the_gate(tmp_path, capsys):
    crit, sub = write(tmp_path, THRESHOLDS, [unit("nine", 60, 9, 30)])
    assert main(["check", crit, sub, "--target", "5"]) == 1
    out = capsys.readouterr().out
    assert "(4 ★) 四星级" in out
    assert "Next star (5 ★): 创新项目 (results.innovation) needs full marks (1 more point)" in out
    assert main(["check", crit, sub, "--format", "json"]) == 0
    nxt = json.loads(capsys.readouterr().out)["next_level"]
    assert nxt["points_needed"] == 0 and nxt["gates"] == [
        {"id": "results.innovation", "title": "创新项目", "ratio": 0.9, "min_ratio": 1.0, "points_needed": 1.0}]
    assert nxt["caps"] == []


def test_check_explains_the_cap_and_the_target(tmp_path, capsys):
    crit, sub = write(tmp_path, THRESHOLDS, [unit("capped", 60, 9, 17)])
    assert main(["check", crit, sub, "--target", "5", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    r = doc["result"]
    assert (r["total"], r["stars"], r["label"]) == (86.0, 2, None)
    # the next star (3★, 70 points) is reached by the score: only the cap stands in the way (0.6 × 30 − 17 = 1)
    cap = {"id": "evaluation.satisfaction", "title": "群众满意度", "ratio": 0.5667, "min_ratio": 0.6,
           "points_needed": 1.0, "max_stars": 2}
    assert doc["next_level"]["stars"] == 3 and doc["next_level"]["points_needed"] == 0
    assert doc["next_level"]["caps"] == [cap]
    # the target, 5★: 4 more points, the innovation gate and the same cap
    target = doc["target_level"]
    assert (target["stars"], target["points_needed"]) == (5, 4.0)
    assert [g["id"] for g in target["gates"]] == ["results.innovation"] and target["caps"] == [cap]
    assert main(["check", crit, sub, "--target", "5"]) == 1
    out = capsys.readouterr().out
    assert ("Next star (3 ★): at most 2 ★ while 群众满意度 (evaluation.satisfaction) is below 60%: now 56.7%, "
            "1 more point lifts the cap") in out
    assert "Target 5 ★ needs: 4 more points (total ≥ 90); 创新项目 (results.innovation) needs full marks" in out


def test_labels_in_table_and_csv(tmp_path, capsys):
    crit, sub = write(tmp_path, THRESHOLDS, [unit("a", 60, 10, 25), unit("c", 60, 10, 17)])
    assert main(["evaluate", crit, sub]) == 0
    out = capsys.readouterr().out
    assert "★★★★★ 五星级" in out
    assert main(["evaluate", crit, sub, "--format", "csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("rank,stars,label,unit.id,")
    assert lines[1].startswith("1,5,五星级,a,") and lines[2].startswith("2,2,,c,")


@pytest.mark.parametrize("rating, where, what", [
    ('levels = [{ stars = 1, min_score = 0, min_ratios = { "results.nope" = 0.5 } }]',
     'rating.levels.0.min_ratios."results.nope"', "'results.nope' is not a criterion"),
    ('levels = [{ stars = 1, min_score = 0, min_ratios = { "results" = 1.5 } }]',
     "rating.levels.0.min_ratios", "a least ratio is a number from 0 to 1"),
    ('levels = [{ stars = 1, min_score = 0 }]\ncaps = [{ criterion = "evaluation.satisfactoin", below = 0.6, max_stars = 0 }]',
     "rating.caps.0.criterion", "did you mean 'evaluation.satisfaction'"),
    ('levels = [{ stars = 1, min_score = 0 }]\ncaps = [{ criterion = "evaluation", below = -0.1, max_stars = 0 }]',
     "rating.caps.0.below", "greater than or equal to 0"),
    ('levels = [{ stars = 1, min_score = 0, label = "" }]', "rating.levels.0.label", "at least 1 character"),
])
def test_bad_floors_and_caps_are_criteria_errors_with_key_paths(rating, where, what):
    with pytest.raises(CriteriaError) as info:
        make_scheme(HEAD + "[rating]\n" + rating + CRITERIA)
    line = next(e for e in info.value.errors if e.startswith(where + ":"))
    assert what in line


def test_every_error_of_a_file_at_once():
    rating = ('[rating]\nlevels = [{ stars = 1, min_score = 0, min_ratios = { "x" = 0.5, "results" = 2 } }]\n'
              'caps = [{ criterion = "y", below = 0.6, max_stars = 1 }]')
    with pytest.raises(CriteriaError) as info:
        make_scheme(HEAD + rating + CRITERIA)
    assert [e.split(":")[0] for e in info.value.errors] == [
        "rating.levels.0.min_ratios", 'rating.levels.0.min_ratios."x"', "rating.caps.0.criterion"]


def test_html_and_xlsx_show_labels_gates_and_caps(tmp_path, capsys):
    openpyxl = pytest.importorskip("openpyxl")
    crit, sub = write(tmp_path, THRESHOLDS, [unit("a", 60, 10, 25), unit("c", 60, 9, 17)])
    page = tmp_path / "e.html"
    assert main(["evaluate", crit, sub, "--format", "html", "--output", str(page)]) == 0
    text = page.read_text(encoding="utf-8")
    assert '<span class="level">五星级</span>' in text and text.count('class="level"') == 1   # c: 2★, no label
    page = tmp_path / "c.html"
    assert main(["check", crit, sub, "--unit", "c", "--target", "5", "--format", "html", "--output", str(page)]) == 1
    text = page.read_text(encoding="utf-8")
    assert "at most 2 ★ while 群众满意度 (evaluation.satisfaction) is below 60%" in text
    assert "创新项目 (results.innovation) needs full marks (1 more point)" in text    # the target's gate
    book = tmp_path / "e.xlsx"
    assert main(["evaluate", crit, sub, "--format", "xlsx", "--output", str(book), "--lang", "zh-CN"]) == 0
    rows = list(openpyxl.load_workbook(book)["排名"].iter_rows(values_only=True))
    assert rows[0][:4] == ("排名", "星级", "等级", "单位编号")
    assert rows[1][:4] == (1, 5, "五星级", "a") and rows[2][:4] == (2, 2, None, "c")


def test_not_applicable_criteria_meet_gates_and_cap_nothing(tmp_path, capsys):
    na = CRITERIA.replace('title = "创新项目"\n', 'title = "创新项目"\nna = true\n') \
                 .replace('title = "群众满意度"\n', 'title = "群众满意度"\nna = true\n')
    rating = THRESHOLDS.replace("caps = [", 'caps = [ { criterion = "results", below = 0.9, max_stars = 3 },')
    ev = evaluate(make_scheme(HEAD + rating + na), make_units([
        unit("no-innovation", 60, "免评", 25),   # 85 × 100 / 90 = 94.44; the innovation gate is met (na)
        unit("no-survey", 60, 10, "免评"),       # 70 × 100 / 70 = 100; the satisfaction cap caps nothing
        unit("short", 50, "免评", 30),           # 80 × 100 / 90 = 88.89 → 4★; results 50 / 60 = 0.833 < 0.9 → 3★
    ]))
    got = {r["unit"]["id"]: (r["total"], r["stars"], r["label"]) for r in ev.results(items=False)}
    assert got == {"no-innovation": (94.44, 5, "五星级"), "no-survey": (100.0, 5, "五星级"), "short": (88.89, 3, "三星级")}
    crit = tmp_path / "c.toml"
    crit.write_text(HEAD + rating + na, encoding="utf-8")
    sub = tmp_path / "u.toml"
    sub.write_text('[unit]\nid = "short"\nname = "短"\n[data]\n"results.work" = 50\n"results.innovation" = "免评"\n'
                   '"evaluation.satisfaction" = 30\n', encoding="utf-8")
    assert main(["check", str(crit), str(sub), "--format", "json"]) == 0
    caps = json.loads(capsys.readouterr().out)["next_level"]["caps"]
    # over the 60 points that apply: 0.9 × 60 − 50 = 4 more points lift the cap
    assert caps == [{"id": "results", "title": "工作成效", "ratio": 0.8333, "min_ratio": 0.9, "points_needed": 4.0,
                     "max_stars": 3}]


def test_min_ratios_ids_may_be_written_unquoted():
    # TOML reads { results.innovation = 1.0 } as a nested table: it names the same leaf
    rating = '[rating]\nlevels = [{ stars = 5, min_score = 90, min_ratios = { results.innovation = 1.0 } }, { stars = 1, min_score = 0 }]'
    scheme = make_scheme(HEAD + rating + CRITERIA)
    assert scheme.levels[0].get("min_ratios") == {"results.innovation": 1.0}
    got = results(rating, [unit("nine", 60, 9, 30)])
    assert got["nine"]["stars"] == 1
    with pytest.raises(CriteriaError) as info:
        make_scheme(HEAD + rating.replace("results.innovation", "results.innovatoin") + CRITERIA)
    assert info.value.errors[0].startswith('rating.levels.0.min_ratios."results.innovatoin": ')
