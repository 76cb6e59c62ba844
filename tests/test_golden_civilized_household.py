"""Golden test: the bundled ``civilized-household`` scheme (十星级文明户) against
``examples/civilized-household`` (six TOML households, four rows of batch-2025.csv).

Worked out by hand from the scheme file and SPEC §2, §3, §7: ten boolean
stars of 10 points; stars = the highest level whose min_score (10 × k) the
total reaches, so stars = criteria met. A town household marks 科技兴农星
不适用 (na): base = earned × 100 / 90. No tie_break: equal totals share a rank.

  household       met        base      total   ★   label               rank
  li-guoqiang     9 of 9     90×100/90 100     10  十星级文明户（金牌）   1   (na; shares rank 1, listed by id)
  wang-jianhua    10 of 10   100       100     10  十星级文明户（金牌）   1
  zhang-xiulan    9 of 10    90        90      9   九星级文明户（银牌）   3
  liu-jianguo     8 of 9     80×100/90 88.89   8   八星级文明户（银牌）   4
  li-xiuying      7          70        70      7   七星级文明户（铜牌）   5
  zhao-gang       6          60        60      6   六星级文明户（铜牌）   6
  sun-li          5          50        50      5   五星级文明户（铜牌）   7
  zhou-qiang      3          30        30      3   三星户（未达挂牌标准） 8
  wang-fang       10         100       100     0   —                    —   veto: member in prison
  chen-ming       8          80        80      0   —                    —   veto: sanction within a year

Vetoed households are listed last, by total."""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "civilized-household"
STARS = ["law", "collective", "technology", "prosperity", "education", "customs", "solidarity", "hygiene",
         "filial", "volunteer"]
FULL = {f"stars.{s}": 10 for s in STARS}


def unmet(*names):
    return {f"stars.{n}": 0 for n in names}


EXPECTED = {
    "li-guoqiang": dict(na=["stars.technology"], base=90 * 100 / 90, total=100.0, stars=10,
                        label="十星级文明户（金牌）", rank=1),
    "wang-jianhua": dict(base=100, total=100.0, stars=10, label="十星级文明户（金牌）", rank=1),
    "zhang-xiulan": dict(items=unmet("volunteer"), base=90, total=90.0, stars=9,
                         label="九星级文明户（银牌）", rank=3),
    "liu-jianguo": dict(na=["stars.technology"], items=unmet("hygiene"), base=80 * 100 / 90, total=88.89,
                        stars=8, label="八星级文明户（银牌）", rank=4),      # 88.888… → 8★ (below 90)
    "li-xiuying": dict(items=unmet("technology", "prosperity", "volunteer"), base=70, total=70.0, stars=7,
                       label="七星级文明户（铜牌）", rank=5),
    "zhao-gang": dict(items=unmet("technology", "education", "customs", "volunteer"), base=60, total=60.0,
                      stars=6, label="六星级文明户（铜牌）", rank=6),
    "sun-li": dict(items=unmet("collective", "technology", "prosperity", "customs", "volunteer"), base=50,
                   total=50.0, stars=5, label="五星级文明户（铜牌）", rank=7),
    "zhou-qiang": dict(items=unmet("collective", "technology", "prosperity", "education", "customs", "solidarity",
                                   "volunteer"), base=30, total=30.0, stars=3, label="三星户（未达挂牌标准）", rank=8),
    "wang-fang": dict(vetoes=["veto.in_prison"], base=100, total=100.0, stars=0, label=None, rank=None),
    "chen-ming": dict(items=unmet("law", "collective"), vetoes=["veto.sanction"], base=80, total=80.0, stars=0,
                      label=None, rank=None),
}
ORDER = list(EXPECTED)      # listing order: ranked by rank (shared rank by id), then vetoed units by total


@pytest.fixture(scope="module")
def g(golden):
    return golden(100, FULL)


@pytest.fixture(scope="module")
def report(evaluate_json):
    return evaluate_json("civilized-household", EXAMPLES)


@pytest.mark.parametrize("uid", ORDER)
def test_hand_arithmetic_adds_up(g, uid):
    g.check_hand(EXPECTED[uid])


@pytest.mark.parametrize("uid", ORDER)
def test_unit(g, report, uid):
    g.check_unit(report, uid, EXPECTED[uid])


def test_rank_order(report):
    assert [r["unit"]["id"] for r in report["results"]] == ORDER


def test_stars_equal_criteria_met(report):
    """十星级文明户: a household's stars are the number of its stars met (scaled over the applicable ones)."""
    for r in report["results"]:
        if r["vetoed"]:
            continue
        met = sum(1 for i in r["items"].values() if i["status"] == "ok" and i["points"] == 10)
        applicable = sum(1 for i in r["items"].values() if i["status"] != "na")
        assert r["stars"] == int(met * 10 / applicable + 1e-9), r["unit"]["id"]
