"""The command line (SPEC §5): exit statuses, formats, --output, the JSON
document's shape, the table's stars and alignment, and what `check` tells a
unit. Expected figures are worked out by hand from the small scheme below."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from wcwidth import wcswidth

from civscore.cli import main

REPO = Path(__file__).resolve().parents[1]
V1 = REPO / "tests" / "fixtures" / "civilized-unit-v1"   # today's scheme and its 16 units, kept as a fixture
EXAMPLES = V1 / "units"
V1_SCHEME = V1 / "civilized-unit.toml"

# Two categories of 50 points. 学习 (study) is a group: a checklist of 4 (20
# points) and an assessor's mark (30 points); 服务 (service) is a satisfaction
# rate, linear from 0 to 100 %. A bonus, a penalty and a veto complete it.
SCHEME = '''
format = "civscore/1"

[scheme]
id = "cli-test"
title = "命令行测试方案"
version = "2025.1"
full_marks = 100

[rating]
tie_break = ["service"]
levels = [
  { stars = 5, min_score = 90, min_category_ratio = 0.8 },
  { stars = 4, min_score = 80 },
  { stars = 3, min_score = 70 },
]

[criteria.study]
title = "学习教育"
[criteria.study.records]
title = "学习台账"
points = 20
scorer = "checklist"
params = { items = ["计划", "记录", "总结", "考勤"] }
hint = "补齐学习台账"
method = "document-review"
[criteria.study.mark]
title = "评议得分"
points = 30
scorer = "manual"
hint = "加强学习成效"

[criteria.service]
title = "服务质量"
[criteria.service.satisfaction]
title = "群众满意率"
points = 50
scorer = "linear"
params = { zero_at = 0, full_at = 100 }
hint = "满意率达到100%得满分"

[bonus]
cap = 5
[bonus.honor]
title = "获得表彰"
points = 3
scorer = "boolean"

[penalty]
[penalty.complaints]
title = "有效投诉"
points = 4
scorer = "linear"
params = { zero_at = 0, full_at = 4 }   # each complaint costs 1 point, at most 4

[veto.accident]
title = "重大事故"
input = "accident"
'''

ITEM_IDS = ["study.records", "study.mark", "service.satisfaction", "bonus.honor", "penalty.complaints"]


def unit_toml(uid, name, data, group=None):
    g = f'group = "{group}"\n' if group else ""
    return f'[unit]\nid = "{uid}"\nname = "{name}"\n{g}\n[data]\n' + data


# Hand-computed:
#   alpha: records 4/4 → 20, mark 28, satisfaction 90 → 45; base 93; bonus 3; penalty 0 → 96;
#          study 48/50 = 0.96, service 45/50 = 0.9 → 5 ★, rank 1
#   beta:  records 3/4 → 15, mark 28, satisfaction 72 → 36; base 79; penalty 0 (0 complaints) → 79 → 3 ★;
#          next star 4 ★ needs 1 more point; accident missing (listed as missing, not a trigger)
#   gamma: records 4/4 → 20, mark 30, satisfaction 78 → 39; base 89; no bonus → 89 → 4 ★;
#          5 ★ needs 1 more point and service 0.8 × 50 − 39 = 1 more point
#   delta: records 2/4 → 10, mark 25, satisfaction 80 → 40; base 75; 2 complaints → −2 → 73 → 3 ★, rank 4;
#          and gamma/beta/delta ranks: alpha 1, gamma 2, beta 3, delta 4
#   vetoed: base 100, accident = 是 → rank null, 0 stars, listed last, total 100
UNITS = {
    "alpha": unit_toml("alpha", "甲单位", '"study.records" = "计划;记录;总结;考勤"\n"study.mark" = 28\n'
                       '"service.satisfaction" = 90\n"bonus.honor" = true\n"penalty.complaints" = 0\naccident = false\n'),
    "beta": unit_toml("beta", "乙单位", '"study.records" = ["计划", "记录", "总结"]\n"study.mark" = 28\n'
                      '"service.satisfaction" = 72\n"bonus.honor" = false\n"penalty.complaints" = 0\n'),
    "gamma": unit_toml("gamma", "丙单位", '"study.records" = ["计划", "记录", "总结", "考勤"]\n"study.mark" = 30\n'
                       '"service.satisfaction" = 78\n"bonus.honor" = "否"\n"penalty.complaints" = 0\naccident = "否"\n'),
    "delta": unit_toml("delta", "丁单位", '"study.records" = ["计划", "考勤"]\n"study.mark" = 25\n'
                       '"service.satisfaction" = 80\n"bonus.honor" = false\n"penalty.complaints" = 2\naccident = false\n'),
    "vetoed": unit_toml("vetoed", "戊单位", '"study.records" = ["计划", "记录", "总结", "考勤"]\n"study.mark" = 30\n'
                        '"service.satisfaction" = 100\n"bonus.honor" = false\n"penalty.complaints" = 0\naccident = "是"\n'),
}


@pytest.fixture
def files(tmp_path):
    crit = tmp_path / "crit.toml"
    crit.write_text(SCHEME, encoding="utf-8")
    subs = tmp_path / "units"
    subs.mkdir()
    for uid, text in UNITS.items():
        (subs / f"{uid}.toml").write_text(text, encoding="utf-8")
    return crit, subs


# -- exit statuses ----------------------------------------------------------------------------------
def test_evaluate_exit_0(files, cli):
    crit, subs = files
    code, out, err = cli("evaluate", crit, subs)
    assert code == 0 and err == ""


def test_evaluate_exit_0_with_missing_and_invalid_items(files, cli):
    crit, subs = files
    (subs / "sloppy.toml").write_text(unit_toml("sloppy", "马虎", '"study.mark" = 99\n"service.satisfaction" = "高"\n'),
                                      encoding="utf-8")
    code, out, _ = cli("evaluate", crit, subs, "--format", "json")
    assert code == 0
    items = {r["unit"]["id"]: r for r in json.loads(out)["results"]}["sloppy"]["items"]
    assert items["study.mark"]["status"] == "invalid"                  # 99 > 30 points
    assert items["service.satisfaction"]["status"] == "invalid"
    assert items["study.records"]["status"] == "missing"


def test_evaluate_exit_1_unreadable_submission(files, cli):
    crit, subs = files
    (subs / "broken.toml").write_text('[unit]\nid = "x"\nname = "坏"\n[data]\n"a" = \n', encoding="utf-8")
    code, out, err = cli("evaluate", crit, subs)
    assert code == 1
    assert "broken.toml: line 5" in err
    assert "alpha" in out                                   # the others are still evaluated


def test_evaluate_exit_1_scorer_error(files, cli, tmp_path, monkeypatch):
    crit, subs = files
    plugin_dir = tmp_path / "plugin"
    plugin_dir.mkdir()
    (plugin_dir / "exploding_scorer.py").write_text('''
import civscore

class Exploding(civscore.Scorer):
    name = "exploding"

    def score(self, value, params, data):
        raise RuntimeError("kaboom")

@civscore.hookimpl
def civscore_scorers():
    return [Exploding]
''', encoding="utf-8")
    monkeypatch.syspath_prepend(str(plugin_dir))
    crit.write_text(SCHEME.replace('scorer = "manual"', 'scorer = "exploding"'), encoding="utf-8")
    code, out, err = cli("evaluate", crit, subs, "-p", "exploding_scorer", "--format", "json")
    assert code == 1
    assert "plugin 'exploding_scorer'" in err and "kaboom" in err     # the run says which plugin failed
    doc = json.loads(out)
    alpha = next(r for r in doc["results"] if r["unit"]["id"] == "alpha")
    assert alpha["items"]["study.mark"]["status"] == "error"
    assert alpha["complete"] is False
    assert alpha["total"] == 68.0                           # 96 without the 28 of study.mark


def test_evaluate_exit_2_criteria_and_usage(files, cli, tmp_path):
    crit, subs = files
    bad = tmp_path / "bad.toml"
    bad.write_text(SCHEME.replace("full_marks = 100", "full_marks = 99"), encoding="utf-8")
    code, out, err = cli("evaluate", bad, subs)
    assert code == 2 and out == ""
    assert f"{bad}: scheme.full_marks:" in err
    assert cli("evaluate", tmp_path / "nope.toml", subs)[0] == 2
    assert cli("evaluate", crit, subs, "--format", "yaml")[0] == 2
    assert cli("evaluate", crit)[0] == 2                       # no submission
    assert cli("evaluate")[0] == 2
    assert cli("evaluate", crit, subs, "--bogus")[0] == 2
    assert cli()[0] == 2                                         # no command
    assert cli("frobnicate")[0] == 2


def test_check_exit_statuses(files, cli, tmp_path):
    crit, subs = files
    assert cli("check", crit, subs / "alpha.toml")[0] == 0
    assert cli("check", crit, subs / "alpha.toml", "--target", "5")[0] == 0      # met
    assert cli("check", crit, subs / "gamma.toml", "--target", "4")[0] == 0      # 4 ★, met
    assert cli("check", crit, subs / "gamma.toml", "--target", "5")[0] == 1      # not met
    assert cli("check", crit, subs / "beta.toml")[0] == 0                        # missing input is fine
    assert cli("check", crit, subs / "vetoed.toml")[0] == 1                      # vetoed
    assert cli("check", crit, subs / "vetoed.toml", "--target", "0")[0] == 1
    bad = tmp_path / "bad.toml"
    bad.write_text('[unit]\nid = "x"\n', encoding="utf-8")
    code, _, err = cli("check", crit, bad)
    assert code == 2 and str(bad) in err
    assert cli("check", crit, tmp_path / "nope.toml")[0] == 2
    broken = tmp_path / "broken.toml"
    broken.write_text("[unit\n", encoding="utf-8")
    assert cli("check", crit, broken)[0] == 2
    assert cli("check", tmp_path / "nope-crit.toml", subs / "alpha.toml")[0] == 2


def test_check_a_table_needs_unit(files, cli, tmp_path):
    crit, _ = files
    table = tmp_path / "t.csv"
    table.write_text("unit.id,unit.name,study.mark\nu1,甲,30\nu2,乙,10\n", encoding="utf-8")
    code, _, err = cli("check", crit, table)
    assert code == 2 and "--unit" in err
    code, out, _ = cli("check", crit, table, "--unit", "u2", "--format", "json")
    assert code == 0
    assert json.loads(out)["result"]["items"]["study.mark"]["points"] == 10.0
    assert cli("check", crit, table, "--unit", "u9")[0] == 2


def test_validate_exit_statuses(files, cli, tmp_path):
    crit, _ = files
    code, out, err = cli("validate", crit)
    assert code == 0 and "cli-test" in out and err == ""
    bad = tmp_path / "bad.toml"
    bad.write_text(SCHEME.replace('"linear"', '"lineal"'), encoding="utf-8")
    code, out, err = cli("validate", bad)
    assert code == 2 and out == ""
    assert err.strip() == (f"civscore: {bad}: criteria.service.satisfaction.scorer: unknown scorer 'lineal' "
                           f"(did you mean 'linear'?)" + err.strip().split("(did you mean 'linear'?)", 1)[1])
    assert cli("validate", "civilized-unit")[0] == 0
    assert cli("validate", tmp_path / "nope.toml")[0] == 2


def test_explain_exit_statuses(files, cli, tmp_path):
    crit, _ = files
    code, out, _ = cli("explain", crit)
    assert code == 0
    for needle in ("study.records", "学习台账", "checklist", "document-review", "penalty.complaints", "veto.accident"):
        assert needle in out
    bad = tmp_path / "bad.toml"
    bad.write_text("not toml at all = = =", encoding="utf-8")
    assert cli("explain", bad)[0] == 2


def test_plugins_exit_0(cli):
    code, out, _ = cli("plugins")
    assert code == 0
    assert "civscore.builtin.scorers" in out and "formula" in out
    code, out, _ = cli("plugins", "--format", "json")
    assert code == 0
    names = {p["name"] for p in json.loads(out)["plugins"]}
    assert "civscore.builtin.scorers" in names


# -- formats and --output -------------------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "csv"])
def test_evaluate_formats_and_output(files, cli, tmp_path, fmt):
    crit, subs = files
    code, out, _ = cli("evaluate", crit, subs, "--format", fmt)
    assert code == 0 and out
    target = tmp_path / "out" / f"report.{fmt}"
    target.parent.mkdir()   # --output never creates folders
    code, out2, _ = cli("evaluate", crit, subs, "--format", fmt, "--output", target)
    assert code == 0 and out2 == ""
    assert target.read_text(encoding="utf-8-sig" if fmt == "csv" else "utf-8") == out   # CSV files carry a BOM
    if fmt == "markdown":
        assert out.startswith("## ")
        assert any(ln.startswith("|") and "| alpha " in ln and "★★★★★" in ln for ln in out.splitlines())
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(out)))
        assert [r["unit.id"] for r in rows] == ["alpha", "gamma", "beta", "delta", "vetoed"]
        assert [r["rank"] for r in rows] == ["1", "2", "3", "4", ""]
        assert [r["total"] for r in rows] == ["96.00", "89.00", "79.00", "73.00", "100.00"]
        assert rows[0]["penalty.complaints"] == "0.00" and rows[3]["penalty.complaints"] == "2.00"


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "csv"])
def test_check_formats_and_output(files, cli, tmp_path, fmt):
    crit, subs = files
    code, out, _ = cli("check", crit, subs / "beta.toml", "--format", fmt)
    assert code == 0 and out
    for item_id in ITEM_IDS:
        assert item_id in out
    target = tmp_path / f"check.{fmt}"
    code, out2, _ = cli("check", crit, subs / "beta.toml", "--format", fmt, "-o", target)
    assert code == 0 and out2 == ""
    assert target.read_text(encoding="utf-8-sig" if fmt == "csv" else "utf-8") == out   # CSV files carry a BOM


@pytest.mark.parametrize("fmt", ["table", "markdown", "json", "csv"])
def test_explain_formats_and_output(files, cli, tmp_path, fmt):
    crit, _ = files
    code, out, _ = cli("explain", crit, "--format", fmt)
    assert code == 0
    for item_id in ITEM_IDS:
        assert item_id in out
    if fmt == "json":
        doc = json.loads(out)
        assert doc["scheme"]["id"] == "cli-test"
    target = tmp_path / f"explain.{fmt}"
    code, out2, _ = cli("explain", crit, "--format", fmt, "--output", target)
    assert code == 0 and out2 == "" and target.read_text(encoding="utf-8-sig" if fmt == "csv" else "utf-8") == out


# -- the JSON document ---------------------------------------------------------------------------------------
def test_evaluate_json_shape(files, cli):
    crit, subs = files
    code, out, _ = cli("evaluate", crit, subs, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert {"scheme", "civscore", "results", "errors"} <= set(doc)
    assert doc["scheme"]["id"] == "cli-test" and doc["scheme"]["version"] == "2025.1"
    assert doc["scheme"]["sha256"] == hashlib.sha256(crit.read_bytes()).hexdigest()
    assert isinstance(doc["civscore"]["version"], str) and doc["civscore"]["version"]
    assert isinstance(doc["civscore"]["plugins"], dict)
    assert all(isinstance(v, str) for v in doc["civscore"]["plugins"].values())
    assert doc["errors"] == []

    results = doc["results"]
    assert [(r["unit"]["id"], r["rank"], r["stars"], r["total"]) for r in results] == [
        ("alpha", 1, 5, 96.0), ("gamma", 2, 4, 89.0), ("beta", 3, 3, 79.0), ("delta", 4, 3, 73.0),
        ("vetoed", None, 0, 100.0)]
    spec_keys = {"unit", "source", "rank", "stars", "total", "base", "bonus", "penalty", "vetoed", "vetoes",
                 "complete", "categories", "items"}
    for r in results:
        assert spec_keys <= set(r)
        assert {"id", "name", "group"} <= set(r["unit"])
        assert r["source"].endswith(f"{r['unit']['id']}.toml")
        assert list(r["items"]) == ITEM_IDS                     # full ids, bonus. and penalty. included
        for it in r["items"].values():
            assert set(it) == {"points", "max", "status", "reasons"}
            assert isinstance(it["reasons"], list)
        assert list(r["categories"]) == ["study", "service"]
    alpha = results[0]
    assert alpha["unit"] == {"id": "alpha", "name": "甲单位", "group": None, "region": None, "period": None}
    assert (alpha["base"], alpha["bonus"], alpha["penalty"]) == (93.0, 3.0, 0.0)
    assert alpha["categories"] == {"study": 48.0, "service": 45.0}
    assert alpha["items"]["study.records"] == {"points": 20.0, "max": 20.0, "status": "ok",
                                               "reasons": alpha["items"]["study.records"]["reasons"]}
    assert alpha["items"]["bonus.honor"]["points"] == 3.0
    assert (alpha["vetoed"], alpha["vetoes"], alpha["complete"]) == (False, [], True)
    vetoed = results[-1]
    assert (vetoed["vetoed"], vetoed["vetoes"], vetoed["rank"]) == (True, ["veto.accident"], None)
    delta = results[3]
    assert delta["items"]["penalty.complaints"] == {"points": 2.0, "max": 4.0, "status": "ok",
                                                   "reasons": delta["items"]["penalty.complaints"]["reasons"]}
    assert delta["penalty"] == 2.0


def test_json_errors_list_unreadable_submissions(files, cli):
    crit, subs = files
    (subs / "zz.json").write_text("{oops", encoding="utf-8")
    code, out, _ = cli("evaluate", crit, subs, "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert len(doc["errors"]) == 1
    assert doc["errors"][0]["source"] == str(subs / "zz.json") and doc["errors"][0]["message"]
    assert len(doc["results"]) == 5


def test_json_output_is_deterministic(files, cli):
    crit, subs = files
    first = cli("evaluate", crit, subs, "--format", "json")[1]
    second = cli("evaluate", crit, subs, "--format", "json")[1]
    assert first == second


# -- the table ---------------------------------------------------------------------------------------------------
def table_blocks(text: str) -> list[list[str]]:
    """The tables of a text report: blocks of lines whose second line is a ---- rule."""
    blocks, cur = [], []
    for line in text.split("\n") + [""]:
        if line.strip():
            cur.append(line)
            continue
        if len(cur) > 1 and set(cur[1].replace(" ", "")) == {"-"}:
            blocks.append(cur)
        cur = []
    return blocks


def test_table_shows_stars(files, cli):
    crit, subs = files
    out = cli("evaluate", crit, subs)[1]
    # a row: rank, stars, unit id, name, ...; a vetoed row: —, "vetoed", unit id, ...
    lines = {ln.split()[2]: ln for ln in out.splitlines() if any(f" {u} " in ln for u in UNITS)}
    assert set(lines) == set(UNITS)
    assert "★★★★★" in lines["alpha"]
    assert "★★★★☆" in lines["gamma"]
    assert "★★★☆☆" in lines["beta"] and "★★★☆☆" in lines["delta"]
    assert "★" not in lines["vetoed"] and "vetoed" in lines["vetoed"]


@pytest.mark.parametrize("command", ["evaluate", "check", "explain"])
def test_table_columns_align_by_display_width(files, cli, command):
    crit, subs = files
    args = {"evaluate": ["evaluate", crit, subs], "check": ["check", crit, subs / "beta.toml"],
            "explain": ["explain", crit]}[command]
    out = cli(*args)[1]
    blocks = table_blocks(out)
    assert blocks, out
    for block in blocks:
        widths = {wcswidth(line) for line in block}
        assert len(widths) == 1, (widths, block)
        # and every column starts at the same display offset on every line: the rule's gaps
        rule = block[1]
        gaps = [i for i in range(1, len(rule)) if rule[i] == " " and rule[i - 1] == "-"]
        for line in block:
            for gap in gaps:
                # the character at display column `gap` is a blank separating two columns
                prefix, col = "", 0
                for ch in line:
                    if col >= gap:
                        break
                    col += max(wcswidth(ch), 0)
                    prefix += ch
                assert col == gap, (line, gap)
                assert line[len(prefix)] == " ", (line, gap)


def test_table_of_bundled_examples_aligns(cli):
    out = cli("evaluate", V1_SCHEME, EXAMPLES)[1]
    for block in table_blocks(out):
        assert len({wcswidth(line) for line in block}) == 1


# -- check: what a unit is told ------------------------------------------------------------------------------------
def test_check_text_tells_a_unit_what_to_do(files, cli):
    crit, subs = files
    code, out, _ = cli("check", crit, subs / "beta.toml")
    assert code == 0
    # total 79 = 79 + 0 − 0, 3 stars
    assert "total 79.00" in out and "★★★☆☆" in out
    # every item, with its points
    for item_id in ITEM_IDS:
        assert item_id in out
    # the lost points with reasons and hints: records 3 of 4 (5 lost, 考勤 absent), mark 28 of 30
    # (2 lost), satisfaction 72 % of 50 = 36 (14 lost), bonus not earned (3); no complaints, no penalty
    lost_section = out.split("Lost points", 1)[1]
    records = next(ln for ln in lost_section.splitlines() if ln.startswith("study.records"))
    assert "5.00" in records and "考勤" in records and "补齐学习台账" in records
    satisfaction = next(ln for ln in lost_section.splitlines() if ln.startswith("service.satisfaction"))
    assert "14.00" in satisfaction and "满意率达到100%得满分" in satisfaction
    # most recoverable first: 14, 5, the 3 bonus points not earned, 2
    order = [ln.split()[0] for ln in lost_section.splitlines() if ln.split() and ln.split()[0] in ITEM_IDS]
    assert order == ["service.satisfaction", "study.records", "bonus.honor", "study.mark"]
    # the missing veto answer (data key accident)
    missing = next(ln for ln in out.splitlines() if ln.startswith("Missing inputs"))
    assert "veto.accident (data key accident)" in missing
    # the next star: 80 − 79 = 1 point
    assert "Next star (4 ★): 1 more point (total ≥ 80)" in out


def test_check_next_star_with_category_ratio(files, cli):
    crit, subs = files
    code, out, _ = cli("check", crit, subs / "gamma.toml", "--format", "json")
    assert code == 0
    doc = json.loads(out)
    # gamma: 89 → 4 ★; 5 ★ needs 90 (1 more) and service ≥ 0.8: 40 − 39 = 1 more
    assert (doc["result"]["total"], doc["result"]["stars"]) == (89.0, 4)
    nxt = doc["next_level"]
    assert (nxt["stars"], nxt["min_score"], nxt["points_needed"]) == (5, 90, 1.0)
    assert [(c["id"], c["points_needed"]) for c in nxt["categories_below"]] == [("service", 1.0)]
    assert doc["missing"] == []
    code, out, _ = cli("check", crit, subs / "gamma.toml")
    assert "服务质量 (service) 1 more point to reach 80%" in out


def test_check_vetoed_unit(files, cli):
    crit, subs = files
    code, out, _ = cli("check", crit, subs / "vetoed.toml", "--target", "3")
    assert code == 1
    assert "VETOED" in out and "veto.accident" in out and "重大事故" in out
    assert "total 100.00" in out
    assert "Target 3 ★: NOT met" in out


def test_check_target_lines(files, cli):
    crit, subs = files
    out = cli("check", crit, subs / "gamma.toml", "--target", "5")[1]
    assert "Target 5 ★: NOT met" in out
    out = cli("check", crit, subs / "alpha.toml", "--target", "5")[1]
    assert "Target 5 ★: met" in out and "Top level reached." in out


def test_check_json_document(files, cli):
    crit, subs = files
    doc = json.loads(cli("check", crit, subs / "beta.toml", "--format", "json", "--target", "4")[1])
    assert doc["target"] == 4 and doc["target_met"] is False
    assert doc["missing"] == ["veto.accident"]
    lost = {d["id"]: d for d in doc["lost"]}
    assert lost["study.records"]["lost"] == 5.0 and lost["study.records"]["hint"] == "补齐学习台账"
    assert lost["study.mark"]["lost"] == 2.0
    assert lost["service.satisfaction"]["lost"] == 14.0
    assert "bonus.honor" in lost                  # 3 bonus points not earned
    assert list(doc["result"]["items"]) == ITEM_IDS


def test_check_lists_missing_items(files, cli, tmp_path):
    crit, _ = files
    sparse = tmp_path / "sparse.toml"
    sparse.write_text(unit_toml("sparse", "稀疏", '"study.mark" = 30\naccident = false\n'), encoding="utf-8")
    doc = json.loads(cli("check", crit, sparse, "--format", "json")[1])
    assert doc["missing"] == ["study.records", "service.satisfaction", "bonus.honor", "penalty.complaints"]
    out = cli("check", crit, sparse)[1]
    missing = next(ln for ln in out.splitlines() if ln.startswith("Missing inputs"))
    for item_id in doc["missing"]:
        assert item_id in missing


# -- the fast CSV path agrees with the detailed one ---------------------------------------------------------------
def test_csv_and_json_agree_on_formula_rounding(tmp_path, cli):
    crit = tmp_path / "f.toml"
    crit.write_text('''
format = "civscore/1"
[scheme]
id = "f"
title = "公式"
version = "1"
full_marks = 10
[rating]
levels = [{ stars = 1, min_score = 0 }]
[criteria.c]
title = "类"
[criteria.c.x]
title = "项"
points = 10
scorer = "formula"
params = { expr = "round(a / 2)" }
''', encoding="utf-8")
    table = tmp_path / "u.csv"
    table.write_text("unit.id,unit.name,a\nu1,甲,5\nu2,乙,7\nu3,丙,\n", encoding="utf-8")
    doc = json.loads(cli("evaluate", crit, table, "--format", "json")[1])
    # round half up: 2.5 → 3, 3.5 → 4; an empty cell is missing
    assert {r["unit"]["id"]: r["total"] for r in doc["results"]} == {"u1": 3.0, "u2": 4.0, "u3": 0.0}
    rows = list(csv.DictReader(io.StringIO(cli("evaluate", crit, table, "--format", "csv")[1])))
    assert {r["unit.id"]: r["total"] for r in rows} == {"u1": "3.00", "u2": "4.00", "u3": "0.00"}


# -- python -m civscore, and no tracebacks ever ----------------------------------------------------------------------
@pytest.mark.slow
def test_python_dash_m_civscore():
    proc = subprocess.run([sys.executable, "-m", "civscore", "evaluate", str(V1_SCHEME), str(EXAMPLES),
                           "--format", "json"], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert len(doc["results"]) == 16
    proc = subprocess.run([sys.executable, "-m", "civscore", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "civscore" in proc.stdout


@pytest.mark.slow
def test_broken_input_never_gives_a_traceback_in_a_subprocess(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[[[", encoding="utf-8")
    for args in (["validate", bad], ["explain", bad], ["evaluate", bad, bad], ["check", "civilized-unit", bad],
                 ["evaluate", "civilized-unit", bad]):
        proc = subprocess.run([sys.executable, "-m", "civscore", *map(str, args)], capture_output=True, text=True)
        assert proc.returncode in (1, 2), (args, proc.returncode)
        assert "Traceback" not in proc.stderr
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert lines and all(ln.startswith("civscore: ") for ln in lines), proc.stderr


def repo_inputs():
    skip = {"__pycache__"}
    found = []
    for top in (REPO / "examples", REPO / "tests"):
        for path in sorted(top.rglob("*")):
            if path.is_file() and not skip & set(path.parts) and path.stat().st_size < 2_000_000:
                found.append(path)
    return found + [REPO / "examples", EXAMPLES]


@pytest.mark.parametrize("path", repo_inputs(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_command_prints_a_traceback_for_repo_inputs(path, capsys):
    for args in (["validate", path], ["explain", path], ["evaluate", "civilized-unit", path],
                 ["check", "civilized-unit", path], ["check", "civilized-unit", path, "--format", "json"]):
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert code in (0, 1, 2), (args, code, err)
        assert "Traceback" not in err and "internal error" not in err, (args, err)

