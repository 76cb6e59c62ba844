"""Golden test: the first ``civilized-unit`` scheme against its 16 example units.

Both are kept as a fixture (``tests/fixtures/civilized-unit-v1/``) so that the
bundled scheme in ``criteria/`` can be rewritten without touching this test.
Every expected number below is worked out by hand from SPEC §2–§3 and the
fixture's scheme file (not copied from program output). Twelve units are TOML files, four are rows of ``batch-2025.csv``.

Hand calculation (categories: L 领导班子建设, I 思想道德建设, V 学雷锋志愿服务,
C 文明创建活动, B 业务工作与环境; each out of 20; tie_break = V, then I)::

  unit                      file  L      I      V      C      B      base   bonus  pen.  total  stars rank  note
  xigu-sanitation           toml  19.5   19     20     19.6   19.2   97.3   2      1     98.3   5     1
  anning-court              csv   20     19.5   17.9   18.4   18     93.8   6→5    1     97.8   5     2     bonus capped at 5
  city-tax                  toml  20     20     15.5   19.2   20     94.7   3      0     97.7   4     3     ≥90 but V 15.5/20 = 0.775 < 0.8
  no1-middle-school         toml  18     16     18     16.2   16.8   85     0      0     85     4     4     ties 85 with hospital; V 18 > 17
  people-hospital           toml  19     18     17     16.4   15.6   86     1      2     85     4     5
  liunan-urban-management   toml  18.5   16.64  16.55  17.04  17.8   86.53  1      3     84.53  4     6
  no3-primary-school        csv   18     17.64  15     13.84  16.2   80.68  0      3     77.68  3     7
  bus-group                 toml  16     15     15     10     15     71     4      0     75     3     8     full tie (total, V, I) with water-supply
  water-supply              toml  18     15     15     17     10     75     0      0     75     3     8     shared rank; next rank is 10
  siping-nanbeihe-center    toml  15.8   15.14  14     12.24  14.94  72.12  0      0     72.12  3     10
  xigu-library              toml  4      16     14     20     16     70     0      0     70     3     11    3 invalid + 3 missing items
  anning-market-regulation  toml  10.3   9.64   14.5   16.24  16.04  66.72  0      2     64.72  2     12    required checklist item absent
  xiejiaji-street           csv   10.15  13.64  12     13.04  12.54  61.37  1.5    0     62.87  2     13
  city-gas                  csv   10.65  6.32   9      13     12.84  51.81  1      1     51.81  1     14    empty CSV cell → missing bonus
  qilihe-logistics          toml  11.65  7.32   11     5.92   9.42   45.31  0      12→10 35.31  0     15    penalty capped at 10
  xigu-chemical             toml  19     20     18     16.4   14.6   88     0      0     88     0     None  vetoed (重大安全责任事故)

Scorer rules used in the comments (SPEC §2, built-in scorers):
  checklist  points × present/len(items); 0 if a `required` item is absent; unknown entries ignored
  grade      A 1.0 / B 0.66 / C 0.33 / D 0.0 of the points; a grade not in the scale is invalid
  bands      higher: the largest threshold ≤ v gives the fraction; lower: the smallest threshold ≥ v
  linear     clamp((v − zero_at) / (full_at − zero_at), 0, 1); zero_at > full_at is lower-is-better
  deduct     max(0, points − per × count) (a list counts its entries)
  ratio      linear on numerator/denominator; here clamp((n/d) / 0.2, 0, 1)
  formula    the expression gives points, clamped to [0, points]
  manual     the assessor's points; outside [0, points] is invalid
"""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
V1 = REPO / "tests" / "fixtures" / "civilized-unit-v1"   # today's scheme and its 16 units, kept as a fixture
EXAMPLES = V1 / "units"
SCHEME = V1 / "civilized-unit.toml"

CATEGORIES = ("leadership", "ideology", "volunteer", "creation", "business")

# Scheme constants (civilized-unit.toml), written out so the arithmetic reads plainly.
A, B, C, D = 1.0, 0.66, 0.33, 0.0     # grade scale (Guangdong): A 100%, B 66%, C 33%, D 0
BONUS_CAP = 5
PENALTY_CAP = 10


@dataclass
class Expect:
    cats: dict          # category id -> hand-computed score
    bonus_items: float  # sum of bonus items before the cap
    penalty_items: float  # sum of penalty items before the cap
    stars: int
    rank: int | None
    vetoed: bool = False

    @property
    def base(self) -> float:
        return sum(self.cats.values())

    @property
    def bonus(self) -> float:
        return min(BONUS_CAP, self.bonus_items)

    @property
    def penalty(self) -> float:
        return min(PENALTY_CAP, self.penalty_items)

    @property
    def total(self) -> float:
        return round(max(0.0, self.base + self.bonus - self.penalty), 2)


EXPECTED: dict[str, Expect] = {}

# ---------------------------------------------------------------------------
# xigu-sanitation 西固区环卫局 (机关, xigu-sanitation.toml)
# ---------------------------------------------------------------------------
EXPECTED["xigu-sanitation"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: checklist 4 of 4, required 创建工作领导小组 present
            + 5 * A              # party_building: grade A
            + 5 * 1.0            # democratic_rating 96: bands, largest threshold ≤ 96 is 95 → 1.0
            + 5.5                # integrity: manual 5.5 (within 0..6)
        ),                       # = 19.5
        ideology=(
            4 * 3 / 4            # study: checklist 3 of 4 (no 心得体会)
            + 4 * (8 - 0) / (8 - 0)  # moral_forum 8: linear 0→8, full
            + 4 * 1.0            # awareness 96: bands ≥ 95 → 1.0
            + (4 - 1 * 0)        # publicity: deduct per 1, 0 found
            + 4                  # role_models: boolean true
        ),                       # = 19
        volunteer=(
            4                    # plan: boolean true
            + 6 * 1.0            # registration: ratio 30/120 = 0.25 ≥ full_at 0.2 → clamp 1
            + min(6, 6000 / 120 / 8)  # hours: formula 50 h/staff / 8 = 6.25 → clamped to 6
            + 4 * 4 / 4          # projects: checklist 4 of 4
        ),                       # = 20
        creation=(
            4 * (95 - 50) / (100 - 50)  # etiquette 95%: linear 50→100 → 0.9
            + (4 - 2 * 0)        # public_order: deduct per 2, 0 found
            + 4 * 1.0            # online 25: linear 0→20, clamped to 1
            + 4                  # family: boolean true
            + 4 * A              # pairing: grade A
        ),                       # = 19.6
        business=(
            4 * A                # performance: grade A
            + 4 * (1 - 10) / (0 - 10)   # overdue 1%: linear zero_at 10 → full_at 0 (lower is better) → 0.9
            + 4 * 1.0            # dust 4.2 g/m²: bands lower, smallest threshold ≥ 4.2 is 5 → 1.0
            + 4 * 4 / 4          # safety: checklist 4 of 4
            + 4 * (96 - 60) / (100 - 60)  # satisfaction 96%: linear 60→100 → 0.9
        ),                       # = 19.2
    ),
    bonus_items=2,               # provincial_honor true (2)
    penalty_items=5 * (1 - 0) / (5 - 0),  # complaints 1: linear 0→5 of 5 points = 1
    stars=5,                     # 98.3 ≥ 90 and the lowest ratio 19.0/20 = 0.95 ≥ 0.8
    rank=1,
)

# ---------------------------------------------------------------------------
# anning-court 安宁区人民法院 (机关, batch-2025.csv; booleans written 是/否, lists a;b;c)
# ---------------------------------------------------------------------------
EXPECTED["anning-court"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: checklist 4 of 4
            + 5 * A              # party_building: A
            + 5 * 1.0            # democratic_rating 95: threshold 95 ≤ 95 (inclusive) → 1.0
            + 6                  # integrity: manual 6 (= the leaf's points, allowed)
        ),                       # = 20
        ideology=(
            4 * 4 / 4            # study: 4 of 4
            + 4 * 7 / 8          # moral_forum 7: linear 0→8 → 3.5
            + 4 * 1.0            # awareness 95: ≥ 95 inclusive → 1.0
            + (4 - 1 * 0)        # publicity: 0 found
            + 4                  # role_models: 是 → true
        ),                       # = 19.5
        volunteer=(
            4                    # plan: 是
            + 6 * (18 / 100) / 0.2   # registration: ratio 0.18 / 0.2 = 0.9 → 5.4
            + 4400 / 100 / 8     # hours: formula 44 h / 8 = 5.5
            + 4 * 3 / 4          # projects: 3 of 4
        ),                       # = 17.9
        creation=(
            4 * (90 - 50) / 50   # etiquette 90 → 0.8 → 3.2
            + (4 - 2 * 0)        # public_order: 0 found
            + 4 * 16 / 20        # online 16 → 3.2
            + 4                  # family: 是
            + 4 * A              # pairing: A
        ),                       # = 18.4
        business=(
            4 * A                # performance: A
            + 4 * (1 - 10) / (0 - 10)   # overdue 1 → 3.6
            + 4 * 0.75           # dust 6: bands lower, smallest threshold ≥ 6 is 8 → 0.75
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (94 - 60) / 40  # satisfaction 94 → 3.4
        ),                       # = 18
    ),
    bonus_items=3 + 2 + 1,       # national + provincial + city honours = 6, capped at 5
    penalty_items=5 * 1 / 5,     # complaints 1 → 1
    stars=5,                     # 97.8 ≥ 90; lowest ratio volunteer 17.9/20 = 0.895 ≥ 0.8
    rank=2,
)

# ---------------------------------------------------------------------------
# city-tax 兰州市税务局 (机关, city-tax.toml) — highest base, but held at 4★
# ---------------------------------------------------------------------------
EXPECTED["city-tax"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 1.0            # democratic_rating 97 → 1.0
            + 6                  # integrity: manual 6
        ),                       # = 20
        ideology=(
            4 * 4 / 4            # study: 4 of 4
            + 4 * 8 / 8          # moral_forum 8 → full
            + 4 * 1.0            # awareness 98 → 1.0
            + (4 - 1 * 0)        # publicity: 0 found
            + 4                  # role_models: true
        ),                       # = 20
        volunteer=(
            4                    # plan: true
            + 6 * 1.0            # registration: 100/400 = 0.25 ≥ 0.2 → 1
            + 8000 / 400 / 8     # hours: formula 20 h / 8 = 2.5
            + 4 * 3 / 4          # projects: 3 of 4 (no 文明交通劝导)
        ),                       # = 15.5
        creation=(
            4 * (90 - 50) / 50   # etiquette 90 → 3.2
            + (4 - 2 * 0)        # public_order: 0 found
            + 4 * 1.0            # online 30 → clamped to 1
            + 4                  # family: true
            + 4 * A              # pairing: A
        ),                       # = 19.2
        business=(
            4 * A                # performance: A
            + 4 * (0 - 10) / (0 - 10)   # overdue 0 → 1 → 4
            + 4 * 1.0            # dust 3.5 ≤ 5 → 1.0
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (100 - 60) / 40  # satisfaction 100 → 4
        ),                       # = 20
    ),
    bonus_items=3,               # national_honor true
    penalty_items=0,
    stars=4,                     # 97.7 ≥ 90 but volunteer 15.5/20 = 0.775 < 0.8 (5★ floor) → 4★ (≥ 80)
    rank=3,
)

# ---------------------------------------------------------------------------
# no1-middle-school 兰州市第一中学 (事业单位, TOML) — equal total with the hospital
# ---------------------------------------------------------------------------
EXPECTED["no1-middle-school"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 0.8            # democratic_rating 92: largest threshold ≤ 92 is 90 → 0.8
            + 5                  # integrity: manual 5
        ),                       # = 18
        ideology=(
            4 * 4 / 4            # study: 4 of 4
            + 4 * 4 / 8          # moral_forum 4 → 2
            + 4 * 1.0            # awareness 96 → 1.0
            + (4 - 1 * 2)        # publicity: deduct per 1, a list of 2 problems → 2
            + 4                  # role_models: true
        ),                       # = 16
        volunteer=(
            4                    # plan: true
            + 6 * (30 / 150) / 0.2   # registration: 0.2 / 0.2 = 1 → 6
            + 4800 / 150 / 8     # hours: formula 32 h / 8 = 4
            + 4 * 4 / 4          # projects: 4 of 4
        ),                       # = 18
        creation=(
            4 * (90 - 50) / 50   # etiquette 90 → 3.2
            + (4 - 2 * 1)        # public_order: deduct per 2, 1 found → 2
            + 4 * 15 / 20        # online 15 → 3
            + 4                  # family: true
            + 4 * A              # pairing: A
        ),                       # = 16.2
        business=(
            4 * A                # performance: A
            + 4 * (3 - 10) / (0 - 10)   # overdue 3 → 0.7 → 2.8
            + 4 * 0.75           # dust 6 → smallest threshold ≥ 6 is 8 → 0.75
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (90 - 60) / 40  # satisfaction 90 → 3
        ),                       # = 16.8
    ),
    bonus_items=0,
    penalty_items=0,
    stars=4,                     # 85 ≥ 80, < 90
    rank=4,                      # total 85 = people-hospital; tie_break volunteer 18 > 17 → ahead
)

# ---------------------------------------------------------------------------
# people-hospital 兰州市人民医院 (事业单位, TOML)
# ---------------------------------------------------------------------------
EXPECTED["people-hospital"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 1.0            # democratic_rating 96 → 1.0
            + 5                  # integrity: manual 5
        ),                       # = 19
        ideology=(
            4 * 4 / 4            # study: 4 of 4
            + 4 * 8 / 8          # moral_forum 8 → 4
            + 4 * 1.0            # awareness 96 → 1.0
            + (4 - 1 * 2)        # publicity: count 2 → 2
            + 4                  # role_models: true
        ),                       # = 18 (higher than the school's 16, but volunteer decides first)
        volunteer=(
            4                    # plan: true
            + 6 * 1.0            # registration: 200/800 = 0.25 → clamp 1
            + 19200 / 800 / 8    # hours: formula 24 h / 8 = 3
            + 4 * 4 / 4          # projects: 4 of 4
        ),                       # = 17
        creation=(
            4 * (80 - 50) / 50   # etiquette 80 → 0.6 → 2.4
            + (4 - 2 * 0)        # public_order: 0 found
            + 4 * 10 / 20        # online 10 → 2
            + 4                  # family: true
            + 4 * A              # pairing: A
        ),                       # = 16.4
        business=(
            4 * A                # performance: A
            + 4 * (1.5 - 10) / (0 - 10)  # overdue 1.5 → 0.85 → 3.4
            + 4 * 0.5            # dust 9 → smallest threshold ≥ 9 is 12 → 0.5
            + 4 * 3 / 4          # safety: 3 of 4 (no 年度应急演练; required item present)
            + 4 * (92 - 60) / 40  # satisfaction 92 → 3.2
        ),                       # = 15.6
    ),
    bonus_items=1,               # city_honor true
    penalty_items=5 * 2 / 5,     # complaints 2 → 2
    stars=4,                     # 86 + 1 − 2 = 85 ≥ 80
    rank=5,                      # tie with no1-middle-school lost on volunteer (17 < 18)
)

# ---------------------------------------------------------------------------
# liunan-urban-management 柳南区城市管理行政执法局 (机关, TOML)
# ---------------------------------------------------------------------------
EXPECTED["liunan-urban-management"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 0.8            # democratic_rating 93 → threshold 90 → 0.8
            + 5.5                # integrity: manual 5.5
        ),                       # = 18.5
        ideology=(
            4 * 4 / 4            # study: 4 of 4
            + 4 * 6 / 8          # moral_forum 6 → 3
            + 4 * 0.66           # awareness 88 → threshold 80 → 0.66 = 2.64
            + (4 - 1 * 1)        # publicity: 1 found → 3
            + 4                  # role_models: true
        ),                       # = 16.64
        volunteer=(
            4                    # plan: true
            + 6 * (40 / 250) / 0.2   # registration: 0.16 / 0.2 = 0.8 → 4.8
            + 7500 / 250 / 8     # hours: formula 30 h / 8 = 3.75
            + 4 * 4 / 4          # projects: 4 of 4
        ),                       # = 16.55
        creation=(
            4 * (85 - 50) / 50   # etiquette 85 → 0.7 → 2.8
            + (4 - 2 * 0)        # public_order: 0 found
            + 4 * 18 / 20        # online 18 → 3.6
            + 4                  # family: true
            + 4 * B              # pairing: grade B → 2.64
        ),                       # = 17.04
        business=(
            4 * A                # performance: A
            + 4 * (2.5 - 10) / (0 - 10)  # overdue 2.5 → 0.75 → 3
            + 4 * 1.0            # dust 5: smallest threshold ≥ 5 is 5 (inclusive) → 1.0
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (88 - 60) / 40  # satisfaction 88 → 0.7 → 2.8
        ),                       # = 17.8
    ),
    bonus_items=1,               # city_honor true
    penalty_items=5 * 3 / 5,     # complaints 3 → 3
    stars=4,                     # 86.53 + 1 − 3 = 84.53 ≥ 80
    rank=6,
)

# ---------------------------------------------------------------------------
# no3-primary-school 兰州市第三小学 (事业单位, batch-2025.csv)
# ---------------------------------------------------------------------------
EXPECTED["no3-primary-school"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 0.8            # democratic_rating 91 → threshold 90 → 0.8
            + 5                  # integrity: manual 5
        ),                       # = 18
        ideology=(
            4 * 4 / 4            # study: 4 of 4
            + 4 * 6 / 8          # moral_forum 6 → 3
            + 4 * 0.66           # awareness 90 → threshold 80 → 0.66 = 2.64
            + (4 - 1 * 0)        # publicity: 0 found
            + 4                  # role_models: 是
        ),                       # = 17.64
        volunteer=(
            4                    # plan: 是
            + 6 * (12 / 90) / 0.2    # registration: 0.1333… / 0.2 = 2/3 → 4
            + 2880 / 90 / 8      # hours: formula 32 h / 8 = 4
            + 4 * 3 / 4          # projects: 3 of 4
        ),                       # = 15
        creation=(
            4 * (85 - 50) / 50   # etiquette 85 → 2.8
            + (4 - 2 * 1)        # public_order: 1 found → 2
            + 4 * 12 / 20        # online 12 → 2.4
            + 4                  # family: 是
            + 4 * B              # pairing: B → 2.64
        ),                       # = 13.84
        business=(
            4 * A                # performance: A
            + 4 * (2 - 10) / (0 - 10)    # overdue 2 → 0.8 → 3.2
            + 4 * 0.75           # dust 7 → threshold 8 → 0.75
            + 4 * 3 / 4          # safety: 3 of 4 (no 消防设施完好; required present)
            + 4 * (90 - 60) / 40  # satisfaction 90 → 3
        ),                       # = 16.2
    ),
    bonus_items=0,
    penalty_items=5 * 1 / 5 + 6 * 1 / 3,  # complaints 1 → 1; negative_list 1: linear 0→3 of 6 → 2
    stars=3,                     # 80.68 − 3 = 77.68: ≥ 70, < 80
    rank=7,
)

# ---------------------------------------------------------------------------
# bus-group 兰州公交集团有限公司 (企业, TOML) — complete tie with water-supply
# ---------------------------------------------------------------------------
EXPECTED["bus-group"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 0.6            # democratic_rating 85 → threshold 80 → 0.6
            + 4                  # integrity: manual 4
        ),                       # = 16
        ideology=(
            4 * 3 / 4            # study: 3 of 4 listed; "学习强国积分" is not an item → ignored
            + 4 * 4 / 8          # moral_forum 4 → 2
            + 4 * 1.0            # awareness 96 → 1.0
            + (4 - 1 * 2)        # publicity: 2 found → 2
            + 4                  # role_models: true
        ),                       # = 15
        volunteer=(
            4                    # plan: true
            + 6 * (300 / 2000) / 0.2  # registration: 0.15 / 0.2 = 0.75 → 4.5
            + 72000 / 2000 / 8   # hours: formula 36 h / 8 = 4.5
            + 4 * 2 / 4          # projects: 2 of 4
        ),                       # = 15
        creation=(
            4 * (75 - 50) / 50   # etiquette 75 → 0.5 → 2
            + (4 - 2 * 1)        # public_order: 1 found → 2
            + 4 * 10 / 20        # online 10 → 2
            + 0                  # family: false
            + 4 * A              # pairing: A
        ),                       # = 10
        business=(
            4 * A                # performance: A
            + 4 * (5 - 10) / (0 - 10)    # overdue 5 → 0.5 → 2
            + 4 * 0.5            # dust 12 → threshold 12 (inclusive) → 0.5
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (90 - 60) / 40  # satisfaction 90 → 3
        ),                       # = 15
    ),
    bonus_items=2 + 2,           # provincial_honor true (2) + innovation manual 2 (of 2)
    penalty_items=0,
    stars=3,                     # 71 + 4 = 75
    rank=8,                      # same total, volunteer and ideology as water-supply → shared rank 8
)

# ---------------------------------------------------------------------------
# water-supply 兰州市自来水有限公司 (企业, TOML)
# ---------------------------------------------------------------------------
EXPECTED["water-supply"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 0.8            # democratic_rating 90 → threshold 90 (inclusive) → 0.8
            + 5                  # integrity: manual 5
        ),                       # = 18
        ideology=(
            4 * 3 / 4            # study: 3 of 4 (no 学习考勤)
            + 4 * 8 / 8          # moral_forum 8 → 4
            + 4 * 1.0            # awareness 96 → 1.0
            + max(0, 4 - 1 * 4)  # publicity: 4 found → 0 (扣完为止)
            + 4                  # role_models: true
        ),                       # = 15
        volunteer=(
            0                    # plan: false
            + 6 * 1.0            # registration: 150/500 = 0.3 → clamp 1
            + min(6, 25000 / 500 / 8)  # hours: formula 50 h / 8 = 6.25 → clamped to 6
            + 4 * 3 / 4          # projects: 3 of 4
        ),                       # = 15
        creation=(
            4 * (100 - 50) / 50  # etiquette 100 → 4
            + (4 - 2 * 0)        # public_order: 0 found
            + 4 * 5 / 20         # online 5 → 1
            + 4                  # family: true
            + 4 * A              # pairing: A
        ),                       # = 17
        business=(
            4 * A                # performance: A
            + 4 * (10 - 10) / (0 - 10)   # overdue 10 → 0
            + 0                  # dust 25: bands lower, no threshold ≥ 25 → 0
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (80 - 60) / 40  # satisfaction 80 → 2
        ),                       # = 10
    ),
    bonus_items=0,
    penalty_items=0,
    stars=3,                     # 75
    rank=8,                      # shared with bus-group (listed after it: unit id order)
)

# ---------------------------------------------------------------------------
# siping-nanbeihe-center 四平市南北河管理中心 (事业单位, TOML)
# ---------------------------------------------------------------------------
EXPECTED["siping-nanbeihe-center"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * B              # party_building: B → 3.3
            + 5 * 0.8            # democratic_rating 90 → 0.8
            + 4.5                # integrity: manual 4.5
        ),                       # = 15.8
        ideology=(
            4 * 3 / 4            # study: 3 of 4
            + 4 * 5 / 8          # moral_forum 5 → 2.5
            + 4 * 0.66           # awareness 80 → threshold 80 (inclusive) → 0.66
            + (4 - 1 * 1)        # publicity: 1 found → 3
            + 4                  # role_models: true
        ),                       # = 15.14
        volunteer=(
            4                    # plan: true
            + 6 * (18 / 120) / 0.2   # registration: 0.15 → 4.5
            + 2400 / 120 / 8     # hours: formula 20 h / 8 = 2.5
            + 4 * 3 / 4          # projects: 3 of 4
        ),                       # = 14
        creation=(
            4 * (70 - 50) / 50   # etiquette 70 → 1.6
            + (4 - 2 * 1)        # public_order: 1 found → 2
            + 4 * 10 / 20        # online 10 → 2
            + 4                  # family: true
            + 4 * B              # pairing: B → 2.64
        ),                       # = 12.24
        business=(
            4 * B                # performance: B → 2.64
            + 4 * (3 - 10) / (0 - 10)    # overdue 3 → 2.8
            + 4 * 0.75           # dust 8 → threshold 8 (inclusive) → 0.75
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (85 - 60) / 40  # satisfaction 85 → 2.5
        ),                       # = 14.94
    ),
    bonus_items=0,
    penalty_items=0,
    stars=3,                     # 72.12
    rank=10,                     # two units share rank 8, so the next rank is 1 + 9 = 10
)

# ---------------------------------------------------------------------------
# xigu-library 西固区图书馆 (事业单位, TOML) — missing and invalid inputs
# ---------------------------------------------------------------------------
EXPECTED["xigu-library"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 0                  # party_building "E": not in the scale → invalid, 0
            + 0                  # democratic_rating "abc": not a number → invalid, 0
            + 0                  # integrity 8 > 6 points: manual out of range → invalid, 0
        ),                       # = 4
        ideology=(
            0                    # study: key absent → missing, 0
            + 4 * 8 / 8          # moral_forum 8 → 4
            + 4 * 1.0            # awareness 96 → 1.0
            + (4 - 1 * 0)        # publicity: 0 found
            + 4                  # role_models: true
        ),                       # = 16
        volunteer=(
            4                    # plan: true
            + 6 * 1.0            # registration: 10/40 = 0.25 → clamp 1
            + 0                  # hours: volunteer_hours absent → formula missing, 0
            + 4 * 4 / 4          # projects: 4 of 4
        ),                       # = 14
        creation=(
            4 * (100 - 50) / 50  # etiquette 100 → 4
            + (4 - 2 * 0)        # public_order: 0
            + 4 * 20 / 20        # online 20 → 4
            + 4                  # family: true
            + 4 * A              # pairing: A
        ),                       # = 20
        business=(
            4 * A                # performance: A
            + 4 * (0 - 10) / (0 - 10)    # overdue 0 → 4
            + 0                  # dust: key absent → missing, 0
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (100 - 60) / 40  # satisfaction 100 → 4
        ),                       # = 16
    ),
    bonus_items=0,               # no bonus keys given → missing, 0
    penalty_items=0,             # no penalty keys given → missing, 0
    stars=3,                     # 70 reaches min_score 70 (inclusive)
    rank=11,                     # leader_discipline / veto.mass_incident absent: not a trigger
)

# ---------------------------------------------------------------------------
# anning-market-regulation 安宁区市场监督管理局 (机关, TOML)
# ---------------------------------------------------------------------------
EXPECTED["anning-market-regulation"] = Expect(
    cats=dict(
        leadership=(
            0                    # responsibility: 3 of 4 present, but required 创建工作领导小组 absent → 0
            + 5 * B              # party_building: B → 3.3
            + 5 * 0.6            # democratic_rating 88 → threshold 80 → 0.6
            + 4                  # integrity: manual 4
        ),                       # = 10.3
        ideology=(
            4 * 2 / 4            # study: 2 of 4
            + 4 * 4 / 8          # moral_forum 4 → 2
            + 4 * 0.66           # awareness 82 → threshold 80 → 0.66
            + (4 - 1 * 1)        # publicity: 1 found → 3
            + 0                  # role_models: false
        ),                       # = 9.64
        volunteer=(
            4                    # plan: true
            + 6 * (9 / 60) / 0.2     # registration: 0.15 → 4.5
            + 1440 / 60 / 8      # hours: formula 24 h / 8 = 3
            + 4 * 3 / 4          # projects: 3 of 4
        ),                       # = 14.5
        creation=(
            4 * (90 - 50) / 50   # etiquette 90 → 3.2
            + (4 - 2 * 0)        # public_order: 0
            + 4 * 12 / 20        # online 12 → 2.4
            + 4                  # family: true
            + 4 * B              # pairing: B → 2.64
        ),                       # = 16.24
        business=(
            4 * B                # performance: B → 2.64
            + 4 * (2 - 10) / (0 - 10)    # overdue 2 → 3.2
            + 4 * 0.75           # dust 7 → threshold 8 → 0.75
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (92 - 60) / 40  # satisfaction "92" (a string, read leniently as 92) → 3.2
        ),                       # = 16.04
    ),
    bonus_items=0,
    penalty_items=6 * 1 / 3,     # negative_list 1: linear 0→3 of 6 → 2
    stars=2,                     # 66.72 − 2 = 64.72: ≥ 60, < 70
    rank=12,
)

# ---------------------------------------------------------------------------
# xiejiaji-street 谢家集区谢家集街道办事处 (机关, batch-2025.csv)
# ---------------------------------------------------------------------------
EXPECTED["xiejiaji-street"] = Expect(
    cats=dict(
        leadership=(
            4 * 3 / 4            # responsibility: 3 of 4 (required present)
            + 5 * C              # party_building: C → 1.65
            + 5 * 0.4            # democratic_rating 78 → threshold 70 → 0.4
            + 3.5                # integrity: manual 3.5
        ),                       # = 10.15
        ideology=(
            4 * 2 / 4            # study: 2 of 4
            + 4 * 4 / 8          # moral_forum 4 → 2
            + 4 * 0.66           # awareness 85 → threshold 80 → 0.66
            + (4 - 1 * 1)        # publicity: 1 → 3
            + 4                  # role_models: 是
        ),                       # = 13.64
        volunteer=(
            4                    # plan: 是
            + 6 * (5 / 50) / 0.2     # registration: 0.1 → 0.5 → 3
            + 800 / 50 / 8       # hours: formula 16 h / 8 = 2
            + 4 * 3 / 4          # projects: 3 of 4
        ),                       # = 12
        creation=(
            4 * (80 - 50) / 50   # etiquette 80 → 2.4
            + (4 - 2 * 1)        # public_order: 1 → 2
            + 4 * 10 / 20        # online 10 → 2
            + 4                  # family: 是
            + 4 * B              # pairing: B → 2.64
        ),                       # = 13.04
        business=(
            4 * B                # performance: B → 2.64
            + 4 * (4 - 10) / (0 - 10)    # overdue 4 → 0.6 → 2.4
            + 4 * 0.5            # dust 10 → threshold 12 → 0.5
            + 4 * 3 / 4          # safety: 3 of 4 (required present)
            + 4 * (85 - 60) / 40  # satisfaction 85 → 2.5
        ),                       # = 12.54
    ),
    bonus_items=1.5,             # innovation: manual 1.5 (of 2)
    penalty_items=0,
    stars=2,                     # 61.37 + 1.5 = 62.87
    rank=13,
)

# ---------------------------------------------------------------------------
# city-gas 兰州市燃气集团有限公司 (企业, batch-2025.csv)
# ---------------------------------------------------------------------------
EXPECTED["city-gas"] = Expect(
    cats=dict(
        leadership=(
            4 * 2 / 4            # responsibility: 2 of 4 (required present)
            + 5 * C              # party_building: C → 1.65
            + 5 * 0.4            # democratic_rating 75 → threshold 70 → 0.4
            + 5                  # integrity: manual 5
        ),                       # = 10.65
        ideology=(
            4 * 2 / 4            # study: 2 of 4
            + 4 * 2 / 8          # moral_forum 2 → 1
            + 4 * 0.33           # awareness 70 → threshold 70 (inclusive) → 0.33 = 1.32
            + (4 - 1 * 2)        # publicity: 2 → 2
            + 0                  # role_models: 否
        ),                       # = 6.32
        volunteer=(
            4                    # plan: 是
            + 6 * (20 / 400) / 0.2   # registration: 0.05 → 0.25 → 1.5
            + 4800 / 400 / 8     # hours: formula 12 h / 8 = 1.5
            + 4 * 2 / 4          # projects: 2 of 4
        ),                       # = 9
        creation=(
            4 * (76 - 50) / 50   # etiquette 76 → 0.52 → 2.08
            + (4 - 2 * 0)        # public_order: 0
            + 4 * 8 / 20         # online 8 → 1.6
            + 4                  # family: 是
            + 4 * C              # pairing: C → 1.32
        ),                       # = 13
        business=(
            4 * B                # performance: B → 2.64
            + 4 * (5 - 10) / (0 - 10)    # overdue 5 → 2
            + 4 * 0.5            # dust 9 → threshold 12 → 0.5
            + 4 * 4 / 4          # safety: 4 of 4
            + 4 * (82 - 60) / 40  # satisfaction 82 → 2.2
        ),                       # = 12.84
    ),
    bonus_items=1 + 0,           # city_honor 是 (1); innovation: empty cell → missing, 0
    penalty_items=5 * 1 / 5,     # complaints 1 → 1
    stars=1,                     # 51.81 + 1 − 1 = 51.81: ≥ 50, < 60
    rank=14,
)

# ---------------------------------------------------------------------------
# qilihe-logistics 七里河区顺达物流有限公司 (企业, TOML) — penalty cap, 0 stars
# ---------------------------------------------------------------------------
EXPECTED["qilihe-logistics"] = Expect(
    cats=dict(
        leadership=(
            4 * 3 / 4            # responsibility: 3 of 4 (required present)
            + 5 * C              # party_building: C → 1.65
            + 5 * 0.6            # democratic_rating 80 → threshold 80 → 0.6
            + 4                  # integrity: manual 4
        ),                       # = 11.65
        ideology=(
            4 * 2 / 4            # study: 2 of 4
            + 4 * 4 / 8          # moral_forum 4 → 2
            + 4 * 0.33           # awareness 72 → threshold 70 → 0.33 = 1.32
            + (4 - 1 * 2)        # publicity: 2 → 2
            + 0                  # role_models: false
        ),                       # = 7.32
        volunteer=(
            4                    # plan: true
            + 6 * (8 / 80) / 0.2     # registration: 0.1 → 3
            + 1280 / 80 / 8      # hours: formula 16 h / 8 = 2
            + 4 * 2 / 4          # projects: 2 of 4
        ),                       # = 11
        creation=(
            4 * (70 - 50) / 50   # etiquette 70 → 1.6
            + (4 - 2 * 1)        # public_order: a list of 1 observation → 2
            + 4 * 5 / 20         # online 5 → 1
            + 0                  # family: false
            + 4 * C              # pairing: C → 1.32
        ),                       # = 5.92
        business=(
            4 * C                # performance: C → 1.32
            + 4 * (6 - 10) / (0 - 10)    # overdue 6 → 0.4 → 1.6
            + 4 * 0.5            # dust 10 → threshold 12 → 0.5
            + 4 * 3 / 4          # safety: 3 of 4 (required present)
            + 4 * (75 - 60) / 40  # satisfaction 75 → 1.5
        ),                       # = 9.42
    ),
    bonus_items=0,
    penalty_items=(
        5 * 1.0                  # complaints 6: linear 0→5, clamped to 1 → 5
        + 6 * 2 / 3              # negative_list 2: linear 0→3 of 6 → 4
        + 3                      # media_exposure: true → 3
    ),                           # = 12, capped at 10
    stars=0,                     # 45.31 − 10 = 35.31 < 50: no level
    rank=15,
)

# ---------------------------------------------------------------------------
# xigu-chemical 西固区化工助剂有限公司 (企业, TOML) — vetoed
# ---------------------------------------------------------------------------
EXPECTED["xigu-chemical"] = Expect(
    cats=dict(
        leadership=(
            4 * 4 / 4            # responsibility: 4 of 4
            + 5 * A              # party_building: A
            + 5 * 1.0            # democratic_rating 95 → 1.0
            + 5                  # integrity: manual 5
        ),                       # = 19
        ideology=(
            4 * 4 / 4            # study: 4 of 4
            + 4 * 8 / 8          # moral_forum 8 → 4
            + 4 * 1.0            # awareness 96 → 1.0
            + (4 - 1 * 0)        # publicity: 0
            + 4                  # role_models: true
        ),                       # = 20
        volunteer=(
            4                    # plan: true
            + 6 * (60 / 300) / 0.2   # registration: 0.2 → 1 → 6
            + 12000 / 300 / 8    # hours: formula 40 h / 8 = 5
            + 4 * 3 / 4          # projects: 3 of 4
        ),                       # = 18
        creation=(
            4 * (80 - 50) / 50   # etiquette 80 → 2.4
            + (4 - 2 * 1)        # public_order: 1 → 2
            + 4 * 20 / 20        # online 20 → 4
            + 4                  # family: true
            + 4 * A              # pairing: A
        ),                       # = 16.4
        business=(
            4 * A                # performance: A
            + 4 * (0 - 10) / (0 - 10)    # overdue 0 → 4
            + 4 * 0.25           # dust 15 → threshold 20 → 0.25
            + 4 * 3 / 4          # safety: 3 of 4 (required present)
            + 4 * (86 - 60) / 40  # satisfaction 86 → 2.6
        ),                       # = 14.6
    ),
    bonus_items=0,
    penalty_items=0,
    stars=0,                     # 88 would be 4★, but major_accident = true: 一票否决 → 0 stars
    rank=None,                   # vetoed units get no rank and are listed last
    vetoed=True,
)

# The hand-calculation table of the module docstring, as data: (total, stars, rank).
TABLE = {
    "xigu-sanitation": (98.3, 5, 1),
    "anning-court": (97.8, 5, 2),
    "city-tax": (97.7, 4, 3),
    "no1-middle-school": (85.0, 4, 4),
    "people-hospital": (85.0, 4, 5),
    "liunan-urban-management": (84.53, 4, 6),
    "no3-primary-school": (77.68, 3, 7),
    "bus-group": (75.0, 3, 8),
    "water-supply": (75.0, 3, 8),
    "siping-nanbeihe-center": (72.12, 3, 10),
    "xigu-library": (70.0, 3, 11),
    "anning-market-regulation": (64.72, 2, 12),
    "xiejiaji-street": (62.87, 2, 13),
    "city-gas": (51.81, 1, 14),
    "qilihe-logistics": (35.31, 0, 15),
    "xigu-chemical": (88.0, 0, None),
}

# Rank order; a shared rank is listed by unit id; vetoed units last.
ORDER = [
    "xigu-sanitation", "anning-court", "city-tax", "no1-middle-school", "people-hospital",
    "liunan-urban-management", "no3-primary-school", "bus-group", "water-supply",
    "siping-nanbeihe-center", "xigu-library", "anning-market-regulation", "xiejiaji-street",
    "city-gas", "qilihe-logistics", "xigu-chemical",
]

CSV_UNITS = {"anning-court", "xiejiaji-street", "city-gas", "no3-primary-school"}

# Items that are not "ok" (everything else must be ok).
NOT_OK = {
    "xigu-library": {
        "leadership.party_building": "invalid",     # "E" not in the grade scale
        "leadership.democratic_rating": "invalid",  # "abc" is not a number
        "leadership.integrity": "invalid",          # manual 8 > the leaf's 6 points
        "ideology.study": "missing",                # key absent
        "volunteer.hours": "missing",               # formula input volunteer_hours absent
        "business.dust": "missing",                 # key absent
        "bonus.national_honor": "missing",
        "bonus.provincial_honor": "missing",
        "bonus.city_honor": "missing",
        "bonus.innovation": "missing",
        "penalty.complaints": "missing",
        "penalty.negative_list": "missing",
        "penalty.media_exposure": "missing",
    },
    "city-gas": {"bonus.innovation": "missing"},    # empty CSV cell
}

LEAVES = {
    "leadership": ["responsibility", "party_building", "democratic_rating", "integrity"],
    "ideology": ["study", "moral_forum", "awareness", "publicity", "role_models"],
    "volunteer": ["plan", "registration", "hours", "projects"],
    "creation": ["etiquette", "public_order", "online", "family", "pairing"],
    "business": ["performance", "overdue", "dust", "safety", "satisfaction"],
}
ALL_ITEMS = [f"{c}.{leaf}" for c, leaves in LEAVES.items() for leaf in leaves] + [
    "bonus.national_honor", "bonus.provincial_honor", "bonus.city_honor", "bonus.innovation",
    "penalty.complaints", "penalty.negative_list", "penalty.media_exposure",
]


def close(a, b, tol=0.006):
    return a is not None and abs(float(a) - float(b)) <= tol


# ---------------------------------------------------------------------------
# Self-check of the hand arithmetic (needs no program)
# ---------------------------------------------------------------------------
def test_hand_arithmetic_matches_table():
    assert set(EXPECTED) == set(TABLE) == set(ORDER)
    for uid, exp in EXPECTED.items():
        total, stars, rank = TABLE[uid]
        assert exp.total == pytest.approx(total, abs=1e-9), uid
        assert (exp.stars, exp.rank) == (stars, rank), uid
        assert set(exp.cats) == set(CATEGORIES), uid
        # the rating rule, applied to the hand-computed numbers
        if not exp.vetoed:
            floor_ok = all(exp.cats[c] / 20 >= 0.8 for c in CATEGORIES)
            want = next((s for s, m in [(5, 90), (4, 80), (3, 70), (2, 60), (1, 50)]
                         if exp.total >= m and (s != 5 or floor_ok)), 0)
            assert exp.stars == want, uid


# ---------------------------------------------------------------------------
# The golden run
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run():
    env = dict(os.environ)
    env["CIVSCORE_DISABLE_PLUGIN_AUTOLOAD"] = "1"   # built-in scorers only: output must not depend on installed plugins
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "civscore", "evaluate", str(SCHEME), str(EXAMPLES), "--format", "json"],
        capture_output=True, text=True, encoding="utf-8", cwd=REPO, env=env, timeout=120,
    )
    return proc


@pytest.fixture(scope="module")
def report(run):
    assert run.returncode == 0, f"exit {run.returncode}\nstderr:\n{run.stderr}"
    return json.loads(run.stdout)


@pytest.fixture(scope="module")
def results(report):
    return {r["unit"]["id"]: r for r in report["results"]}


def test_exit_status_zero_despite_missing_and_invalid_items(run):
    # SPEC §5: 0 = all evaluated, items with status missing or invalid included
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr


def test_header_and_no_errors(report):
    assert report["scheme"]["id"] == "civilized-unit"
    assert report["scheme"]["version"] == "2025.1"
    assert report["scheme"]["sha256"] == hashlib.sha256(SCHEME.read_bytes()).hexdigest()
    assert report["errors"] == []


def test_every_unit_evaluated_in_rank_order(report):
    # ranked units by rank (shared rank by unit id), vetoed units last
    assert [r["unit"]["id"] for r in report["results"]] == ORDER


@pytest.mark.parametrize("uid", ORDER)
def test_total_stars_rank(results, uid):
    exp = EXPECTED[uid]
    r = results[uid]
    assert round(r["total"], 2) == pytest.approx(exp.total, abs=1e-9)
    assert r["stars"] == exp.stars
    assert r["rank"] == exp.rank
    assert close(r["base"], exp.base)
    assert close(r["bonus"], exp.bonus)
    assert close(r["penalty"], exp.penalty)
    assert r["vetoed"] is exp.vetoed
    assert r["complete"] is True     # missing/invalid do not make a unit incomplete; only `error` does


@pytest.mark.parametrize("uid", ORDER)
def test_category_scores(results, uid):
    exp = EXPECTED[uid]
    cats = results[uid]["categories"]
    assert set(cats) == set(CATEGORIES)
    for c in CATEGORIES:
        assert close(cats[c], exp.cats[c]), (uid, c, cats[c], exp.cats[c])


@pytest.mark.parametrize("uid", ORDER)
def test_item_statuses(results, uid):
    items = results[uid]["items"]
    assert set(ALL_ITEMS) <= set(items)
    want = NOT_OK.get(uid, {})
    for iid in ALL_ITEMS:
        assert items[iid]["status"] == want.get(iid, "ok"), (uid, iid, items[iid])
        if want.get(iid) in ("missing", "invalid"):
            assert items[iid]["points"] == 0
            assert items[iid]["reasons"], (uid, iid)   # an invalid/missing item says why


def test_shared_rank_and_tie_break(results):
    # equal totals 85: tie_break ["volunteer", "ideology"] → volunteer 18 > 17 decides
    school, hospital = results["no1-middle-school"], results["people-hospital"]
    assert round(school["total"], 2) == round(hospital["total"], 2) == 85.0
    assert close(school["categories"]["volunteer"], 18) and close(hospital["categories"]["volunteer"], 17)
    assert (school["rank"], hospital["rank"]) == (4, 5)
    # complete tie (total 75, volunteer 15, ideology 15) → both rank 8, next rank 10
    bus, water = results["bus-group"], results["water-supply"]
    assert bus["rank"] == water["rank"] == 8
    assert results["siping-nanbeihe-center"]["rank"] == 10


def test_category_floor_holds_city_tax_at_four_stars(results):
    r = results["city-tax"]
    assert r["total"] >= 90
    assert close(r["categories"]["volunteer"], 15.5)    # 15.5 / 20 = 0.775 < min_category_ratio 0.8
    assert r["stars"] == 4


def test_veto(results, report):
    r = results["xigu-chemical"]
    assert r["vetoed"] is True
    assert r["rank"] is None and r["stars"] == 0
    assert close(r["total"], 88)                          # keeps its total
    assert any("veto.major_accident" in (v if isinstance(v, str) else json.dumps(v)) for v in r["vetoes"])
    assert report["results"][-1]["unit"]["id"] == "xigu-chemical"
    for uid in ORDER[:-1]:
        assert results[uid]["vetoed"] is False and results[uid]["vetoes"] == []


def test_selected_items(results):
    lib = results["xigu-library"]["items"]
    assert lib["leadership.integrity"]["max"] == 6
    assert close(lib["volunteer.registration"]["points"], 6)   # ratio still scored: both its inputs are present
    assert close(lib["leadership.responsibility"]["points"], 4)
    # required checklist item absent: a readable value worth 0, not an invalid one
    resp = results["anning-market-regulation"]["items"]["leadership.responsibility"]
    assert resp["status"] == "ok" and close(resp["points"], 0) and resp["max"] == 4
    # the lenient string "92" is a number
    assert close(results["anning-market-regulation"]["items"]["business.satisfaction"]["points"], 3.2)
    # checklist entries not in `items` are ignored and reported
    study = results["bus-group"]["items"]["ideology.study"]
    assert close(study["points"], 3)
    assert any("学习强国积分" in reason for reason in study["reasons"])
    # formula result clamped to the leaf's points
    assert close(results["xigu-sanitation"]["items"]["volunteer.hours"]["points"], 6)
    # lower-is-better bands and linear
    assert close(results["water-supply"]["items"]["business.dust"]["points"], 0)
    assert close(results["liunan-urban-management"]["items"]["business.dust"]["points"], 4)
    assert close(results["people-hospital"]["items"]["business.overdue"]["points"], 3.4)
    # caps
    assert close(results["anning-court"]["bonus"], 5)
    assert close(results["qilihe-logistics"]["penalty"], 10)
    assert close(results["qilihe-logistics"]["items"]["penalty.complaints"]["points"], 5)


def test_csv_units_read(results):
    for uid in CSV_UNITS:
        assert "batch-2025.csv" in results[uid]["source"]
    assert results["anning-court"]["unit"]["name"] == "安宁区人民法院"
    assert results["anning-court"]["unit"]["group"] == "机关"
    assert results["city-gas"]["unit"]["group"] == "企业"
