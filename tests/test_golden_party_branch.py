"""Golden test: the bundled ``party-branch`` and ``party-branch-quota`` schemes
against ``examples/party-branch`` (five TOML units, six rows of batch-2025.csv).

Every figure is worked out by hand from the scheme files and SPEC §2, §3 and
§7 (not copied from program output). Both schemes have the same 110 points:

  班子 15 (书记 grade 5, 支委会 5, 学习 0.5/次 to 10 → 5) · 党员 15 (发展 5 na-able,
  学时 5 × h/32, 党费 5) · 阵地 10 (4 items × 2.5) · 制度 15 (三会一课 4 × 2, 主题党日
  4 × m/12, 组织生活会 3) · 保障 5 · 作用 15 (中心工作 grade 10, 党员志愿服务 5 ×
  (p − 50)/50 on a % leaf) · 评议 25 (民主测评 10 × rate, 优秀/合格/基本合格/不合格 =
  1/0.5/0.25/0, 弃权 ignored; 满意度 15 × (满意 + 基本满意)/n, 不了解 ignored) ·
  创新 10 (项目 6, 成效 manual 4).

Thresholds (party-branch): 5★ ≥ 90 with innovation.project at 100%, 4★ ≥ 80,
3★ ≥ 70, 2★ ≥ 60, 1★ otherwise; a 满意率 below 60% caps at 2★.
Quota (party-branch-quota), N = 10 ranked branches: 5★ rank ≤ floor(0.1 × 10) = 1
(and ≥ 90, project); 4★ rank ≤ floor(0.5 × 10) = 5; 3★ rank ≤ floor(0.8 × 10) = 8;
ranks 9–10 get 0★ (三星级以下不定级). The cap makes xiejiaji 2★ under both.

  branch                       total    rank  thresholds            quota
  xigu-sanitation-branch       107.60   1     5 五星级                5 五星级
  siping-nanbeihe-branch       107.54   2     5 五星级 (na)           4 四星级 (rank 2 > 1)
  people-hospital-branch       104.00   3     5 五星级 (满意率 = 60%)  4 四星级
  xiejiaji-village-branch      101.83   4     2 二星级 (cap)          2 — (cap; no 2★ level)
  liunan-enforcement-branch     98.30   5     4 四星级 (no project)   4 四星级
  chengguan-tax-branch          89.85   6     4 四星级                3 三星级
  xigu-library-branch           80.30   7     4 四星级                3 三星级
  anning-court-branch           78.90   8     3 三星级                3 三星级
  bus-group-branch              62.38   9     2 二星级                0 —
  water-supply-branch           37.18   10    1 一星级                0 —
  qilihe-logistics-branch       48.70   —     0 (veto: 软弱涣散)       0
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "party-branch"
A, B, C, D = 1.0, 0.66, 0.33, 0.0

FULL = {
    "leadership.secretary": 5, "leadership.committee": 5, "leadership.study": 5,
    "members.development": 5, "members.education": 5, "members.dues": 5,
    "venue.room": 10,
    "rules.three_one": 8, "rules.theme_day": 4, "rules.life_meeting": 3,
    "support.funds": 5,
    "results.business": 10, "results.service": 5,
    "evaluation.democratic": 10, "evaluation.satisfaction": 15,
    "innovation.project": 6, "innovation.effect": 4,
}
NO_PROJECT = {"innovation.project": 0, "innovation.effect": 0}

EXPECTED = {
    "xigu-sanitation-branch": dict(
        items={
            "members.education": 5 * 30 / 32,                        # 4.6875
            "evaluation.democratic": 10 * (40 + 0.5 * 8) / 48,       # 2 弃权 left out: n = 48 → 9.1667
            "evaluation.satisfaction": 15 * (80 + 15) / 100,         # 不了解 10 left out: 95% → 14.25
            "innovation.effect": 3.5,
        },
        base=110 - 0.3125 - (10 - 440 / 48) - 0.75 - 0.5,           # = 107.6041667
        total=107.60, rank=1, stars=5, label="五星级党支部", quota=(5, "五星级党支部")),
    "siping-nanbeihe-branch": dict(
        na=["members.development"],                                 # 合理缺项: A = 5
        items={
            "evaluation.democratic": 10 * (20 + 0.5 * 4 + 0.25 * 1) / 25,   # 22.25 / 25 = 0.89 → 8.9
            "evaluation.satisfaction": 15 * (45 + 10) / 60,          # 0.9167 → 13.75
        },
        base=(110 - 5 - 1.1 - 1.25) * 110 / (110 - 5),             # 102.65 × 110 / 105 = 107.5380952
        total=107.54, rank=2, stars=5, label="五星级党支部", quota=(4, "四星级党支部")),
    "people-hospital-branch": dict(
        items={"evaluation.satisfaction": 15 * (30 + 6) / 60},     # exactly 60%: not below 0.6, no cap → 9
        base=110 - 6,                                                # = 104
        total=104.0, rank=3, stars=5, label="五星级党支部", quota=(4, "四星级党支部")),
    "xiejiaji-village-branch": dict(
        items={
            "evaluation.democratic": 10 * (15 + 0.5 * 5) / 20,       # 0.875 → 8.75
            "evaluation.satisfaction": 15 * (20 + 15) / 65,          # 不了解 5 left out: 35/65 = 0.5385 → 8.0769
        },
        base=110 - 1.25 - (15 - 15 * 35 / 65),                      # = 101.8269231
        total=101.83, rank=4, stars=2, label="二星级党支部", quota=(2, None)),   # 5★ / 4★, capped at 2★
    "liunan-enforcement-branch": dict(
        items={"leadership.secretary": 5 * B, **NO_PROJECT},        # 3.3; no project
        base=110 - 1.7 - 6 - 4,                                      # = 98.3
        total=98.3, rank=5, stars=4, label="四星级党支部", quota=(4, "四星级党支部")),
    "chengguan-tax-branch": dict(
        items={
            "leadership.secretary": 5 * B, "leadership.study": 6 * 0.5,       # 3.3, 3
            "members.education": 5 * 20 / 32,                                 # 3.125
            "venue.room": 3 * 2.5,                                            # 7.5
            "results.business": 10 * B, "results.service": 5 * (80 - 50) / 50,   # 6.6, 3
            "evaluation.democratic": 10 * (12 + 0.5 * 12) / 25,               # 0.72 → 7.2
            "evaluation.satisfaction": 15 * (50 + 20) / 80,                   # 0.875 → 13.125
            "innovation.effect": 2,
        },
        base=110 - 1.7 - 2 - 1.875 - 2.5 - 3.4 - 2 - 2.8 - 1.875 - 2,   # = 89.85
        total=89.85, rank=6, stars=4, label="四星级党支部", quota=(3, "三星级党支部")),
    "xigu-library-branch": dict(
        items={
            "results.business": 10 * C, "results.service": 0,                 # 3.3; 50% → 0
            "evaluation.democratic": 10 * 0.5 * 20 / 20,                      # all 合格 → 5
            "evaluation.satisfaction": 15 * 40 / 50,                          # 0.8 → 12
            **NO_PROJECT,
        },
        base=110 - 6.7 - 5 - 5 - 3 - 6 - 4,                                   # = 80.3
        total=80.3, rank=7, stars=4, label="四星级党支部", quota=(3, "三星级党支部")),
    "anning-court-branch": dict(
        items={
            "leadership.secretary": 5 * B, "leadership.study": 8 * 0.5,       # 3.3, 4
            "members.education": 5 * 24 / 32,                                 # 3.75
            "venue.room": 7.5, "rules.theme_day": 4 * 9 / 12,                 # 7.5, 3
            "results.business": 10 * B, "results.service": 5 * (70 - 50) / 50,   # 6.6, 2
            "evaluation.democratic": 10 * (10 + 0.5 * 10 + 0.25 * 5) / 25,    # 0.65 → 6.5
            "evaluation.satisfaction": 15 * (40 + 20) / 80,                   # 0.75 → 11.25
            **NO_PROJECT,
        },
        base=110 - 1.7 - 1 - 1.25 - 2.5 - 1 - 3.4 - 3 - 3.5 - 3.75 - 6 - 4,   # = 78.9
        total=78.9, rank=8, stars=3, label="三星级党支部", quota=(3, "三星级党支部")),
    "bus-group-branch": dict(
        items={
            "leadership.secretary": 5 * C, "leadership.study": 2,             # 1.65, 4 × 0.5
            "members.development": 0, "members.education": 5 * 16 / 32,       # 0, 2.5
            "venue.room": 5, "rules.three_one": 6, "rules.theme_day": 4 * 6 / 12,   # 2 of 4, 3 of 4, 2
            "results.business": 10 * B, "results.service": 5 * (60 - 50) / 50,     # 6.6, "60%" → 1
            "evaluation.democratic": 10 * (5 + 0.5 * 10 + 0.25 * 5) / 20,     # 3 弃权 left out: 0.5625 → 5.625
            "evaluation.satisfaction": 15 * (30 + 18) / 60,                   # 不了解 6 left out: 0.8 → 12
            **NO_PROJECT,
        },
        base=1.65 + 5 + 2 + 0 + 2.5 + 5 + 5 + 6 + 2 + 3 + 5 + 6.6 + 1 + 5.625 + 12,   # = 62.375
        total=62.38, rank=9, stars=2, label="二星级党支部", quota=(0, None)),    # half up: 62.375 → 62.38
    "water-supply-branch": dict(
        items={
            "leadership.secretary": 0, "leadership.committee": 0, "leadership.study": 1,
            "members.development": 0, "members.education": 5 * 8 / 32,        # 1.25
            "venue.room": 2.5, "rules.three_one": 4, "rules.theme_day": 4 * 3 / 12, "rules.life_meeting": 0,
            "results.business": 10 * C, "results.service": 0,
            "evaluation.democratic": 10 * (2 + 0.5 * 5 + 0.25 * 5) / 20,      # 0.2875 → 2.875
            "evaluation.satisfaction": 15 * 30 / 40,                          # 0.75 → 11.25
            **NO_PROJECT,
        },
        base=1 + 1.25 + 5 + 2.5 + 4 + 1 + 5 + 3.3 + 2.875 + 11.25,          # = 37.175
        total=37.18, rank=10, stars=1, label="一星级党支部", quota=(0, None)),   # half up: 37.175 → 37.18
    "qilihe-logistics-branch": dict(
        items={
            "leadership.secretary": 5 * C, "leadership.committee": 0, "leadership.study": 2,
            "members.education": 2.5, "venue.room": 5, "rules.three_one": 6, "rules.theme_day": 2,
            "rules.life_meeting": 0, "support.funds": 0, "results.business": 10 * C, "results.service": 1,
            "evaluation.democratic": 10 * (2 + 0.5 * 6 + 0.25 * 4 + 0) / 15,  # 1 弃权 left out: 0.4 → 4
            "evaluation.satisfaction": 15 * 30 / 40,                          # 11.25
            **NO_PROJECT,
        },
        vetoes=["veto.weak"],
        base=1.65 + 2 + 5 + 2.5 + 5 + 5 + 6 + 2 + 3.3 + 1 + 4 + 11.25,     # = 48.7
        total=48.7, rank=None, stars=0, label=None, quota=(0, None)),
}
ORDER = list(EXPECTED)


@pytest.fixture(scope="module")
def g(golden):
    return golden(110, FULL)


@pytest.fixture(scope="module")
def thresholds(evaluate_json):
    return evaluate_json("party-branch", EXAMPLES)


@pytest.fixture(scope="module")
def quota(evaluate_json):
    return evaluate_json("party-branch-quota", EXAMPLES)


@pytest.mark.parametrize("uid", ORDER)
def test_hand_arithmetic_adds_up(g, uid):
    g.check_hand(EXPECTED[uid])


@pytest.mark.parametrize("uid", ORDER)
def test_thresholds(g, thresholds, uid):
    g.check_unit(thresholds, uid, EXPECTED[uid])


@pytest.mark.parametrize("uid", ORDER)
def test_quota(g, quota, uid):
    exp = EXPECTED[uid]
    stars, label = exp["quota"]
    result = {r["unit"]["id"]: r for r in quota["results"]}[uid]
    g.check_result(result, {**exp, "stars": stars, "label": label})   # same scores and ranks, other stars


def test_rank_order(thresholds, quota):
    assert [r["unit"]["id"] for r in thresholds["results"]] == ORDER
    assert [r["unit"]["id"] for r in quota["results"]] == ORDER


def test_the_two_files_differ_only_in_the_rating(run_civscore):
    """party-branch-quota must keep the same indicators as party-branch."""
    a = json.loads(run_civscore("explain", "party-branch", "--format", "json").stdout)["criteria"]
    b = json.loads(run_civscore("explain", "party-branch-quota", "--format", "json").stdout)["criteria"]
    for doc in (a, b):
        for key in ("rating_method", "levels", "caps"):
            doc.pop(key, None)
    assert a == b
