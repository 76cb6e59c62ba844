"""Golden test: the bundled ``civilized-unit`` scheme against ``examples/civilized-unit``.

Every figure is worked out by hand from ``criteria/civilized-unit.toml`` and
SPEC §2, §3 and §7 (not copied from program output): seven TOML units and
three rows of ``batch-2025.xlsx``, whose 知晓率 / 满意率 cells are Excel
percentage cells (0.97 shown as 97%), read on the 0–100 scale of a
``unit = "%"`` leaf.

Scheme constants: grades A 1.0, B 0.66, C 0.33, D 0; full marks 100
(national 75, tasks 20, visits 5); bonus cap 5, penalty cap 6; levels
3★ ≥ 90 with ``national.volunteer.registration`` at 100%, 2★ ≥ 85, 1★ ≥ 75.

  unit                      base      bonus  pen.  total   ★  label                 rank  what it shows
  chengguan-tax (xlsx)       99.25    6→5    0     104.25  3  推荐申报省级文明单位   1     bonus cap; XLSX 0% cells
  xigu-sanitation            97.22    7→5    0     102.22  3  推荐申报省级文明单位   2     "98%" / "92%" strings
  siping-nanbeihe-center     97.16    4      0     101.16  3  推荐申报省级文明单位   3     two na items (5 points)
  liunan-urban-management    96.75    2      0      98.75  2  市级文明单位           4     gate: registration 15% < 20%
  no1-middle-school (xlsx)   96.91    1      0      97.91  3  推荐申报省级文明单位   5     na window (3 points)
  bus-group (xlsx)           90.315   0      2      88.32  2  市级文明单位           6     half-up rounding
  xigu-library               88.49    2      3      87.49  2  市级文明单位           7     na canteen
  qilihe-logistics           88.79    2      9→6    84.79  1  市级文明单位（限期整改） 8   penalty cap
  anning-market-regulation   56.965   0      0      56.97  0  —                     9     below every level
  xigu-chemical              91.96    0      2      89.96  0  —                     —     veto: credit blacklist
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SCHEME = REPO / "criteria" / "civilized-unit.toml"
EXAMPLES = REPO / "examples" / "civilized-unit"
A, B, C, D = 1.0, 0.66, 0.33, 0.0

FULL = {
    "national.leifeng": 10, "national.volunteer.registration": 5, "national.volunteer.hours": 5,
    "national.moral_forum": 6, "national.learning": 6, "national.etiquette": 6, "national.thrift": 4,
    "national.classics": 4, "national.festivals": 5, "national.awareness": 5, "national.culture": 4,
    "national.pairing": 5, "national.service.window": 3, "national.service.satisfaction": 3,
    "national.environment.premises": 2, "national.environment.canteen": 2,
    "tasks.city_creation": 8, "tasks.practice": 6, "tasks.reporting": 6, "visits.unannounced": 5,
}

P1 = "推荐申报省级文明单位"
P2 = "市级文明单位"
P3 = "市级文明单位（限期整改）"

EXPECTED = {
    "chengguan-tax": dict(
        items={
            "national.service.satisfaction": 3 * (90 - 60) / (100 - 60),   # 0.9 in a 0% cell → 90 → 2.25
        },                                     # awareness 0.97 in a 0% cell → 97 ≥ 95 → full
        bonus={"bonus.honour": 5 * 0.6, "bonus.feature": 3},               # 省级 3 + 3 = 6 → cap 5
        base=100 - 0.75,                       # = 99.25
        total=104.25, stars=3, label=P1, rank=1),
    "xigu-sanitation": dict(
        items={
            "national.service.satisfaction": 3 * (92 - 60) / 40,  # "92%" → 92 → 2.4
            "national.environment.canteen": 2 * B,                 # 1.32
            "tasks.city_creation": 7.5,                             # manual
            "visits.unannounced": 5 - 1 * 1,                        # deduct 1 per problem, 1 found → 4
        },                                     # awareness "98%" → 98 → full 5
        bonus={"bonus.honour": 5 * 1.0, "bonus.feature": 2},       # 国家级 5 + 2 = 7 → cap 5
        base=100 - 0.6 - 0.68 - 0.5 - 1,       # = 97.22
        total=102.22, stars=3, label=P1, rank=2),
    "siping-nanbeihe-center": dict(
        na=["national.service.window", "national.environment.canteen"],   # 免评 / 不适用: A = 3 + 2 = 5
        items={
            "national.pairing": 5 * B,          # 3.3
            "national.culture": 4 * 3 / 4,      # 3 activities → 3
        },                                      # registration 40/150 = 0.267 ≥ 0.2 → full
        bonus={"bonus.honour": 5 * 0.6, "bonus.feature": 1},        # 省级 3 + 1 = 4
        base=(100 - 5 - 1.7 - 1) * 100 / (100 - 5),   # earned 92.3 → 92.3 × 100 / 95 = 97.1578947…
        total=101.16, stars=3, label=P1, rank=3),
    "liunan-urban-management": dict(
        items={
            "national.volunteer.registration": 5 * (18 / 120) / 0.2,   # 15% of 20% → 3.75
            "national.moral_forum": 6 * 5 / 6,                          # 5 sessions → 5
            "tasks.reporting": 6 * 10 / 12,                             # 10 reports → 5
        },                                      # hours 18/18 → full
        bonus={"bonus.honour": 5 * 0.4},       # 市级 2
        base=100 - 1.25 - 1 - 1,               # = 96.75
        total=98.75, stars=2, label=P2, rank=4),   # ≥ 90, but the 3★ gate needs registration 100%
    "no1-middle-school": dict(
        na=["national.service.window"],        # 免评: A = 3
        items={
            "national.volunteer.hours": 5 * 20 / 25,   # 20 of 25 registered served ≥ 48 h → 4
            "national.moral_forum": 6 * 4 / 6,         # 4 sessions → 4
        },                                      # registration 25/100 = 0.25 → full; awareness 0.95 → 95 → full
        bonus={"bonus.feature": 1},
        base=(100 - 3 - 1 - 2) * 100 / 97,     # earned 94 → 96.9072165…
        total=97.91, stars=3, label=P1, rank=5),
    "bus-group": dict(
        items={
            "national.leifeng": 10 * 3 / 4,                          # 3 of 4 → 7.5
            "national.etiquette": 6 * B,                             # 3.96
            "national.service.window": 3 * B,                        # 1.98
            "national.service.satisfaction": 3 * (85 - 60) / 40,     # 0.85 in a 0% cell → 85 → 1.875
            "visits.unannounced": 5 - 3,                             # 3 problems → 2
        },
        penalty={"penalty.negative_list": 6 * 1 / 3},               # 1 item → 2
        base=100 - 2.5 - 2.04 - 1.02 - 1.125 - 3,  # = 90.315
        total=88.32, stars=2, label=P2, rank=6),    # 88.315 rounds half up to 88.32
    "xigu-library": dict(
        na=["national.environment.canteen"],   # 免评: A = 2
        items={
            "national.festivals": 3,                                 # 3 of 5 festivals
            "national.awareness": 5 * B,                             # 88 → band ≥ 80 → 3.3
            "national.pairing": 5 * B,                               # 3.3
            "national.service.satisfaction": 3 * (95 - 60) / 40,     # plain 95 → 2.625
            "tasks.city_creation": 6,
            "tasks.reporting": 6 * 9 / 12,                           # 4.5
            "visits.unannounced": 5 - 2,                             # 3
        },
        bonus={"bonus.honour": 5 * 0.4},                            # 市级 2
        penalty={"penalty.media_exposure": 3},
        base=(100 - 2 - 2 - 1.7 - 1.7 - 0.375 - 2 - 1.5 - 2) * 100 / 98,   # 86.725 × 100 / 98 = 88.4948980…
        total=87.49, stars=2, label=P2, rank=7),   # 88.4949 + 2 − 3 = 87.4949
    "qilihe-logistics": dict(
        items={
            "national.volunteer.hours": 5 * 15 / 20,                 # 3.75 (registration 20/100 = 0.2 → full)
            "national.etiquette": 6 * B,                             # 3.96
            "national.awareness": 5 * B,                             # 85 → 3.3
            "national.pairing": 5 * B,                               # 3.3
            "national.service.window": 3 * B,                        # 1.98
            "national.service.satisfaction": 3 * (80 - 60) / 40,     # 1.5
            "tasks.city_creation": 7,
            "tasks.reporting": 6 * 10 / 12,                          # 5
        },
        bonus={"bonus.honour": 5 * 0.4},                            # 市级 2
        penalty={"penalty.negative_list": 6, "penalty.media_exposure": 3},   # 3 items → 6, + 3 = 9 → cap 6
        base=100 - 1.25 - 2.04 - 1.7 - 1.7 - 1.02 - 1.5 - 1 - 1,   # = 88.79
        total=84.79, stars=1, label=P3, rank=8),
    "anning-market-regulation": dict(
        items={
            "national.leifeng": 7.5, "national.volunteer.registration": 5 * (10 / 80) / 0.2,   # 3.125
            "national.volunteer.hours": 5 * 4 / 10, "national.moral_forum": 2, "national.learning": 4,
            "national.etiquette": 6 * C, "national.classics": 0, "national.festivals": 3,
            "national.awareness": 5 * C,                             # 72 → band ≥ 70 → 1.65
            "national.culture": 3, "national.pairing": 5 * C, "national.service.window": 3 * C,
            "national.service.satisfaction": 3 * (70 - 60) / 40,     # 0.75
            "national.environment.canteen": 2 * B,
            "tasks.city_creation": 6, "tasks.practice": 4, "tasks.reporting": 4, "visits.unannounced": 4,
        },
        # national 7.5 + 3.125 + 2 + 2 + 4 + 1.98 + 4 + 0 + 3 + 1.65 + 3 + 1.65 + 0.99 + 0.75 + 2 + 1.32 = 38.965
        base=38.965 + 14 + 4,                  # = 56.965
        total=56.97, stars=0, label=None, rank=9),   # half up: 56.965 → 56.97
    "xigu-chemical": dict(
        items={
            "national.etiquette": 6 * B, "tasks.city_creation": 6, "tasks.practice": 4, "visits.unannounced": 3,
        },
        penalty={"penalty.negative_list": 2},
        vetoes=["veto.credit_blacklist"],
        base=100 - 2.04 - 2 - 2 - 2,           # = 91.96
        total=89.96, stars=0, label=None, rank=None),
}
ORDER = list(EXPECTED)      # rank order, the vetoed unit last


@pytest.fixture(scope="module")
def g(golden):
    return golden(100, FULL, bonus_cap=5, penalty_cap=6)


@pytest.fixture(scope="module")
def report(run_civscore):
    proc = run_civscore("evaluate", "civilized-unit", EXAMPLES, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""            # no percentage scale warning: every % value is on the 0–100 scale
    return json.loads(proc.stdout)


@pytest.mark.parametrize("uid", ORDER)
def test_hand_arithmetic_adds_up(g, uid):
    g.check_hand(EXPECTED[uid])


@pytest.mark.parametrize("uid", ORDER)
def test_unit(g, report, uid):
    g.check_unit(report, uid, EXPECTED[uid])


def test_rank_order_and_header(report):
    assert [r["unit"]["id"] for r in report["results"]] == ORDER
    assert report["scheme"]["id"] == "civilized-unit"
    assert report["scheme"]["sha256"] == hashlib.sha256(SCHEME.read_bytes()).hexdigest()
    assert report["errors"] == []


def test_the_gate_is_what_stops_liunan(report):
    r = {r["unit"]["id"]: r for r in report["results"]}["liunan-urban-management"]
    assert r["total"] >= 90 and r["items"]["national.volunteer.registration"]["points"] < 5 and r["stars"] == 2

