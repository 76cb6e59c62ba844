"""``check`` on a rating by rank (issue 14, point 4): a unit checked alone is not
rated as if it were the only unit; ``check --with`` ranks it among the others.

party-branch-quota over examples/party-branch (see test_golden_party_branch.py):
chengguan-tax-branch totals 89.85, rank 6 of 10 ranked → 3★ (4★ needs the top
50%, 5★ needs 90 points and the top 10%). Alone it would be "rank 1 of 1", which
no quota level of fewer than 1/top units reaches.
"""
from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "party-branch"
BATCH = EXAMPLES / "batch-2025.csv"
UNIT = "chengguan-tax-branch"


def check_json(run_civscore, *args):
    proc = run_civscore("check", *args, "--format", "json")
    return proc, json.loads(proc.stdout)


@pytest.fixture(scope="module")
def evaluated(run_civscore):
    proc = run_civscore("evaluate", "party-branch-quota", EXAMPLES, "--format", "json")
    return {r["unit"]["id"]: r for r in json.loads(proc.stdout)["results"]}


def test_alone_says_what_it_qualifies_for_and_that_the_rank_decides(run_civscore, evaluated):
    assert evaluated[UNIT]["stars"] == 3 and evaluated[UNIT]["rank"] == 6
    proc = run_civscore("check", "party-branch-quota", BATCH, "--unit", UNIT)
    assert proc.returncode == 0, proc.stderr
    assert "qualifies for up to 4 ★" in proc.stdout
    assert "the rank among the units rated decides" in proc.stdout
    assert "stars decided by rank (quota)" in proc.stdout
    assert "(0 stars)" not in proc.stdout and "(4 stars)" not in proc.stdout   # no star count given as final
    assert "To qualify for 5 ★: 0.15 more points (total ≥ 90)" in proc.stdout
    _, doc = check_json(run_civscore, "party-branch-quota", BATCH, "--unit", UNIT)
    assert doc["result"]["stars"] is None and doc["result"]["rank"] is None and doc["result"]["label"] is None
    assert doc["relative"] == {"method": "quota", "qualifies_for": 4, "units": 1, "ranked": 1}
    assert doc["next_level"]["stars"] == 5


def test_target_is_met_on_every_condition_but_the_rank(run_civscore):
    proc = run_civscore("check", "party-branch-quota", BATCH, "--unit", UNIT, "--target", "4")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Target 4 ★: met (judged on every condition but the rank)" in proc.stdout
    proc = run_civscore("check", "party-branch-quota", BATCH, "--unit", UNIT, "--target", "5")   # 89.85 < 90
    assert proc.returncode == 1
    assert "Target 5 ★: NOT met" in proc.stdout


def test_a_cap_limits_what_a_unit_qualifies_for(run_civscore, evaluated):
    # xiejiaji: 101.83 points, but 满意率 below 60% caps it at 2★ (no 2★ level: 0★ under quota)
    _, doc = check_json(run_civscore, "party-branch-quota", EXAMPLES / "xiejiaji-village-branch.toml",
                        "--target", "3")
    assert doc["relative"]["qualifies_for"] == 2
    assert doc["target_met"] is False
    assert doc["next_level"]["caps"]


@pytest.mark.parametrize("uid", [UNIT, "siping-nanbeihe-branch", "xiejiaji-village-branch", "qilihe-logistics-branch"])
def test_with_ranks_it_as_evaluate_does(run_civscore, evaluated, uid):
    source = BATCH if uid in BATCH.read_text(encoding="utf-8") else EXAMPLES / f"{uid}.toml"
    args = [source, "--unit", uid] if source == BATCH else [source]
    proc, doc = check_json(run_civscore, "party-branch-quota", *args, "--with", EXAMPLES)
    r, want = doc["result"], evaluated[uid]
    assert (r["stars"], r["rank"], r.get("label"), r["total"]) == (want["stars"], want["rank"], want.get("label"),
                                                                    want["total"])
    assert doc["relative"]["units"] == len(evaluated)    # the unit replaced its own copy among the others
    assert doc["relative"]["ranked"] == 10


def test_with_text_gives_the_real_stars_and_rank(run_civscore):
    proc = run_civscore("check", "party-branch-quota", BATCH, "--unit", UNIT, "--with", EXAMPLES, "--target", "4")
    assert proc.returncode == 1
    assert "★★★☆☆ (3 ★) 三星级党支部" in proc.stdout
    assert "Rank 6 of the 10 units ranked (quota)" in proc.stdout
    assert "Target 4 ★: NOT met\n" in proc.stdout


def test_the_checked_submission_replaces_the_same_unit_among_the_others(run_civscore, tmp_path):
    # the same unit with 8 more points of study: its new total is ranked, not the copy in the directory
    text = BATCH.read_text(encoding="utf-8")
    header, *rows = text.splitlines()
    row = next(r for r in rows if r.startswith(UNIT + ","))
    (tmp_path / "better.csv").write_text(header + "\n" + row.replace(",B,是,6,", ",A,是,10,", 1) + "\n",
                                         encoding="utf-8-sig")
    _, alone = check_json(run_civscore, "party-branch-quota", tmp_path / "better.csv")
    _, doc = check_json(run_civscore, "party-branch-quota", tmp_path / "better.csv", "--with", EXAMPLES)
    assert doc["result"]["total"] == alone["result"]["total"] > 89.85
    assert doc["relative"]["units"] == 11


def test_by_group_goes_with_with(run_civscore):
    proc = run_civscore("check", "party-branch-quota", BATCH, "--unit", UNIT, "--by-group")
    assert proc.returncode == 2
    assert "--by-group goes with --with" in proc.stderr
    _, doc = check_json(run_civscore, "party-branch-quota", BATCH, "--unit", UNIT, "--with", EXAMPLES, "--by-group")
    assert doc["relative"]["ranked"] < 10


def test_thresholds_is_not_relative(run_civscore):
    _, doc = check_json(run_civscore, "party-branch", BATCH, "--unit", UNIT)
    assert "relative" not in doc
    assert doc["result"]["stars"] == 4


PERCENTILE = '''
import civscore
from pydantic import Field

class Percentile(civscore.RatingMethod):
    name = "percentile"
    class Level(civscore.LevelModel):
        share: float = Field(gt=0, le=1)
    def rate(self, standings, levels):
        n = len(standings)
        return [next((lv.stars for lv in levels if s.rank <= lv.get("share") * n), 0) for s in standings]

@civscore.hookimpl
def civscore_rating_methods():
    return [Percentile]
'''


def test_a_plugin_method_that_does_not_say_is_taken_as_relative(run_civscore, tmp_path):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "percentile_rating.py").write_text(textwrap.dedent(PERCENTILE), encoding="utf-8")
    scheme = (REPO / "criteria" / "party-branch-quota.toml").read_text(encoding="utf-8")
    start = scheme.index('method = "quota"')
    end = scheme.index("caps = [", start)
    scheme = scheme[:start] + ('method = "percentile"\nlevels = [{ stars = 3, share = 0.1 }, { stars = 2, share = 0.5 }, '
                               '{ stars = 1, share = 1 }]\n') + scheme[end:]
    crit = tmp_path / "percentile.toml"
    crit.write_text(scheme, encoding="utf-8")
    ev = run_civscore("evaluate", crit, EXAMPLES, "--plugins-dir", plugins, "--format", "json")
    assert ev.returncode == 0, ev.stderr
    want = {r["unit"]["id"]: r for r in json.loads(ev.stdout)["results"]}[UNIT]
    assert want["stars"] == 1
    proc = run_civscore("check", crit, BATCH, "--unit", UNIT, "--plugins-dir", plugins)
    assert "Top level reached" not in proc.stdout and "★★★ (3 stars)" not in proc.stdout
    assert "Rated by rank (percentile): the total qualifies for up to 3 ★" in proc.stdout
    _, doc = check_json(run_civscore, crit, BATCH, "--unit", UNIT, "--plugins-dir", plugins, "--with", EXAMPLES)
    assert (doc["result"]["stars"], doc["result"]["rank"]) == (1, want["rank"])


def test_html_and_xlsx_pages_say_the_rank_decides(run_civscore, tmp_path):
    page = tmp_path / "check.html"
    proc = run_civscore("check", "party-branch-quota", BATCH, "--unit", UNIT, "--target", "4", "-f", "html", "-o", page)
    assert proc.returncode == 0, proc.stderr
    html = page.read_text(encoding="utf-8")
    assert "the total qualifies for up to 4 ★" in html and 'id="relative"' in html
    assert "5 ★ also needs a rank in the top 10% of the units rated" in html
    assert "(judged on every condition but the rank)" in html
    book = tmp_path / "check.xlsx"
    assert run_civscore("check", "party-branch-quota", BATCH, "--unit", UNIT, "-f", "xlsx", "-o", book).returncode == 0
    import openpyxl
    rows = {r[0]: r[1] for r in openpyxl.load_workbook(book).worksheets[0].iter_rows(values_only=True) if r and r[0]}
    assert rows["Qualifies for (stars)"] == 4
