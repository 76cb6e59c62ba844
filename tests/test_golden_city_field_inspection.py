"""Golden test: the bundled ``city-field-inspection`` scheme against
``examples/city-field-inspection`` (six TOML districts, two rows of
batch-2025-q3.csv with ``key:value;…`` cells).

Every figure is worked out by hand from the scheme file and SPEC §2, §3 and
§7 (not copied from program output). Full marks 100, so the total is the
score rate (得分率) a mock-test report quotes.

  主干道 15 × share of 300 m segments with ≥ 5 ads        (sample, min 5, ≥ 3 segments)
  背街小巷 10 − 2 per failing lane                         (sample, booleans, per_fail 2)
  农贸市场 10 × share passing (na allowed)                  (sample, booleans)
  公交站点 10 − 2 per stop with < 2 ads                    (sample, min 2, per_fail 2, ≥ 5 stops)
  公共场所 10 − 2 per missing ad                           (deduct)
  学校周边 10 × share of schools where ≥ 3 of 5 recite      (sample, min 3, ≥ 2 schools)
  路口 15 × clamp((pass share − 0.5) / 0.5)                (sample, max 3 jaywalkers)
  满意度 12 × (满意 + 0.6 基本满意) / n, 不了解 left out     (survey, ≥ 100 answers)
  知晓率 8 × band: ≥ 0.95 → 1, ≥ 0.8 → 0.66, ≥ 0.7 → 0.33 (survey with bands)

Levels: 3★ 优秀 ≥ 90 with both categories ≥ 85% of their points, 2★ 达标 ≥ 80,
1★ 通报批评 ≥ 70.

  district          field    survey   total   ★  rank  what it shows
  anning            78       18.68    96.68   3  1     public places −2
  qilihe            80       14.28    94.28   2  2     survey 71.4% < 85%: gate
  tianjiaan (csv)   65       18.92    83.92   2  3     2 road segments < min_points 3: invalid
  xigu              66       17.84    83.84   2  4     路口 3/4 → (0.75 − 0.5)/0.5
  xiejiaji          60.25    14.88    75.13   1  5     market fails
  chengguan         44 + na  10.8     60.89   0  6     markets 合理缺项: 54.8 × 100/90
  jiaozuo (csv)     41.67    15.48    57.15   0  7     路口 2/4 = 0.5 → 0
  yuzhong           80       19.52    99.52   0  —     veto: 弄虚作假
"""
from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples" / "city-field-inspection"

FULL = {
    "field.main_roads": 15, "field.back_lanes": 10, "field.markets": 10, "field.bus_stops": 10,
    "field.public_places": 10, "field.schools": 10, "field.crossings": 15,
    "survey.satisfaction": 12, "survey.awareness": 8,
}

EXPECTED = {
    "anning": dict(
        items={
            "field.public_places": 10 - 2 * 1,                          # 1 missing ad → 8
            "survey.satisfaction": 12 * (800 + 0.6 * 150) / 1000,       # 0.89 → 10.68
        },                                                               # 知晓 970/1000 = 0.97 → 8
        base=100 - 2 - 1.32, total=96.68, stars=3, label="优秀", rank=1),
    "qilihe": dict(
        items={
            "survey.satisfaction": 12 * (600 + 0.6 * 250) / 1000,       # 0.75 → 9
            "survey.awareness": 8 * 0.66,                               # 0.9 → band 0.8 → 5.28
        },
        base=100 - 3 - 2.72, total=94.28, stars=2, label="达标", rank=2),   # survey 14.28/20 = 0.714 < 0.85
    "tianjiaan": dict(
        items={
            "field.main_roads": 0,                                      # 2 segments, min_points 3: invalid
            "survey.satisfaction": 12 * (850 + 0.6 * 100) / 1000,       # 0.91 → 10.92
        },                                                               # 知晓 0.95 → band 0.95 → 8
        status={"field.main_roads": "invalid"},
        base=100 - 15 - 1.08, total=83.92, stars=2, label="达标", rank=3),
    "xigu": dict(
        items={
            "field.main_roads": 15 * 5 / 6,                             # 陈官营路 4 < 5 → 12.5
            "field.back_lanes": 10 - 2 * 1,                             # 钟家河巷 → 8
            "field.bus_stops": 10 - 2 * 1,                              # one stop with 1 ad → 8
            "field.crossings": 15 * (3 / 4 - 0.5) / 0.5,                # 陈官营路口 5 > 3 → 7.5
            "survey.satisfaction": 12 * (700 + 0.6 * 200) / 1000,       # 不了解 50 left out: 0.82 → 9.84
        },
        base=100 - 2.5 - 2 - 2 - 7.5 - 2.16, total=83.84, stars=2, label="达标", rank=4),
    "xiejiaji": dict(
        items={
            "field.main_roads": 15 * 3 / 4,                             # 唐山路 3 → 11.25
            "field.back_lanes": 10 - 2,                                 # 8
            "field.markets": 0,                                         # 0 of 1
            "field.bus_stops": 10 - 2 * 2,                              # 1 and 0 ads → 6
            "survey.satisfaction": 12 * (650 + 0.6 * 250) / 1000,       # 不了解 20 left out: 0.8 → 9.6
            "survey.awareness": 8 * 0.66,                               # 0.82 → 5.28
        },
        base=11.25 + 8 + 0 + 6 + 10 + 10 + 15 + 9.6 + 5.28, total=75.13, stars=1, label="通报批评", rank=5),
    "chengguan": dict(
        na=["field.markets"],                                           # A = 10
        items={
            "field.main_roads": 15 * 4 / 5,                             # 张掖路 4 → 12
            "field.back_lanes": 10 - 2 * 2,                             # 6
            "field.public_places": 10 - 2 * 2,                          # 6
            "field.schools": 10 * 1 / 2,                                # 兰州二中 2 < 3 → 5
            "field.crossings": 15 * (2 / 3 - 0.5) / 0.5,                # 雁滩路口 4 > 3 → 5
            "survey.satisfaction": 12 * (500 + 0.6 * 300) / 1000,       # 0.68 → 8.16
            "survey.awareness": 8 * 0.33,                               # 0.75 → 2.64
        },
        base=(12 + 6 + 10 + 6 + 5 + 5 + 8.16 + 2.64) * 100 / 90,       # 54.8 × 100 / 90 = 60.8888…
        total=60.89, stars=0, label=None, rank=6),
    "jiaozuo-jiefang": dict(
        items={
            "field.main_roads": 15 * 4 / 6,                             # 民主路 4, 建设路 3 → 10
            "field.back_lanes": 10 - 2 * 2,                             # 6
            "field.markets": 10 * 1 / 2,                                # 5
            "field.bus_stops": 10 - 2 * 2,                              # 6
            "field.public_places": 10 - 2,                              # 8
            "field.schools": 10 * 2 / 3,                                # 6.6667
            "field.crossings": 0,                                       # 2 of 4 = 0.5 = zero_at → 0
            "survey.satisfaction": 12 * (700 + 0.6 * 250) / 1000,       # 0.85 → 10.2
            "survey.awareness": 8 * 0.66,                               # exactly 0.8 → 5.28
        },
        base=10 + 6 + 5 + 6 + 8 + 20 / 3 + 0 + 10.2 + 5.28,            # = 57.146667
        total=57.15, stars=0, label=None, rank=7),
    "yuzhong": dict(
        items={"survey.satisfaction": 12 * (900 + 0.6 * 100) / 1000},  # 0.96 → 11.52
        vetoes=["veto.falsified"],
        base=100 - 0.48, total=99.52, stars=0, label=None, rank=None),
}
ORDER = list(EXPECTED)


@pytest.fixture(scope="module")
def g(golden):
    return golden(100, FULL)


@pytest.fixture(scope="module")
def report(evaluate_json):
    return evaluate_json("city-field-inspection", EXAMPLES)


@pytest.mark.parametrize("uid", ORDER)
def test_hand_arithmetic_adds_up(g, uid):
    g.check_hand(EXPECTED[uid])


@pytest.mark.parametrize("uid", ORDER)
def test_unit(g, report, uid):
    g.check_unit(report, uid, EXPECTED[uid])


def test_rank_order(report):
    assert [r["unit"]["id"] for r in report["results"]] == ORDER


def test_reasons_name_rate_sample_and_failing_points(report):
    xigu = {r["unit"]["id"]: r for r in report["results"]}["xigu"]
    roads = " ".join(xigu["items"]["field.main_roads"]["reasons"])
    assert "陈官营路" in roads and "6" in roads                   # the failing segment, out of 6 sampled
    satisfaction = " ".join(xigu["items"]["survey.satisfaction"]["reasons"])
    assert "满意率" in satisfaction and "n=1000" in satisfaction.replace(" ", "")
