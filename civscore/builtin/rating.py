"""The built-in rating methods (SPEC §3): ``thresholds`` and ``quota``,
registered through ``civscore_rating_methods`` like any plugin's."""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Optional

from pydantic import Field

from ..contracts.rating import RATIO_EPS, FloorsLevel, RatingMethod, meets_floors
from ..contracts.i18n import _
from ..contracts.values import fmt
from ..hookspecs import hookimpl

if TYPE_CHECKING:
    import numpy as np
else:
    from ..contracts import _np as np   # NumPy on first use, or pure-Python arrays inside python_arrays()


class Thresholds(RatingMethod):
    name = "thresholds"
    description = "the highest level whose min_score (and min_category_ratio, min_ratios) the unit reaches"
    floors = True
    relative = False   # a unit's own figures decide: check rates it alone as evaluate would

    class Level(FloorsLevel):
        min_score: float
        min_category_ratio: Optional[float] = Field(default=None, ge=0, le=1)

    def check_levels(self, levels):
        scores = [lv.get("min_score") for lv in levels]
        for i in range(1, len(scores)):
            if scores[i] > scores[i - 1]:
                return [_("{stars} ★ needs min_score {score}, more than {lower} ★ ({lower_score}); a lower level must "
                          "not need more points").format(stars=levels[i].stars, score=fmt(scores[i]),
                                                         lower=levels[i - 1].stars, lower_score=fmt(scores[i - 1]))]
        return []

    def rate(self, standings, levels):
        return [self.reached(s.total, s.ratios, levels, s.criterion_ratios) for s in standings]

    def rate_arrays(self, totals, ratios, ranks, levels, category_ids, criterion_ratios=None):
        stars = np.zeros(len(totals), dtype=np.int64)
        done = np.zeros(len(totals), dtype=bool)
        for lv in levels:
            ok = totals >= lv.get("min_score")
            floor = lv.get("min_category_ratio")
            if floor is not None and ratios.shape[1]:
                ok &= (ratios + RATIO_EPS >= floor).all(axis=1)
            if lv.get("min_ratios"):
                ok &= meets_floors(lv, criterion_ratios or {})
            hit = ok & ~done
            stars[hit] = lv.stars
            done |= hit
        return stars

    @staticmethod
    def reached(total: float, ratios: dict[str, float], levels, criterion_ratios=None) -> int:
        for lv in levels:
            if total < lv.get("min_score"):
                continue
            floor = lv.get("min_category_ratio")
            if floor is not None and any(r + RATIO_EPS < floor for r in ratios.values()):
                continue
            if lv.get("min_ratios") and not meets_floors(lv, criterion_ratios or {}):
                continue
            return lv.stars
        return 0


class Quota(RatingMethod):
    name = "quota"
    description = "a level for the top share of ranked units (cumulative), with an optional min_score and min_ratios"
    floors = True
    relative = True    # the rank among the units rated decides

    class Level(FloorsLevel):
        top: float = Field(gt=0, le=1)
        min_score: Optional[float] = None

    def check_levels(self, levels):
        tops = [lv.get("top") for lv in levels]
        for i in range(1, len(tops)):
            if tops[i] < tops[i - 1]:
                return [_("top is a cumulative share: {stars} ★ has top {top}, less than {lower} ★ ({lower_top})").format(
                    stars=levels[i].stars, top=tops[i], lower=levels[i - 1].stars, lower_top=tops[i - 1])]
        return []

    def rate(self, standings, levels):
        n = len(standings)
        out = []
        for s in standings:
            stars = 0
            for lv in levels:
                min_score = lv.get("min_score")
                if s.rank <= math.floor(lv.get("top") * n + RATIO_EPS) and (min_score is None or s.total >= min_score) \
                        and meets_floors(lv, s.criterion_ratios):
                    stars = lv.stars
                    break
            out.append(stars)
        return out

    def next_level(self, stars, total, ratios, categories, levels):
        nxt = super().next_level(stars, total, ratios, categories, levels)
        if nxt is not None:
            nxt.note = _("{stars} ★ also needs a rank in the top {share} of the units rated").format(
                stars=nxt.stars, share=f"{nxt_top(levels, nxt.stars):.0%}")
        return nxt


def nxt_top(levels, stars: int) -> float:
    return next(lv.get("top") for lv in levels if lv.stars == stars)


@hookimpl
def civscore_rating_methods():
    return [Thresholds, Quota]
