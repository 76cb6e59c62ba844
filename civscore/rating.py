"""Ranks and star ratings (SPEC §3), and the built-in rating methods.

Ranking is common to every method: non-vetoed units by reported total,
descending; ties ordered by the ``tie_break`` categories' scores (rounded to
2 decimals); units still equal share a rank (1, 2, 2, 4), listed by unit id.
A rating method then gives each ranked unit its stars.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field

from .hookspecs import hookimpl
from .values import fmt

RATIO_EPS = 1e-9


class LevelModel(BaseModel):
    """Base of a rating method's level model: every level has ``stars``."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)  # a NaN min_score is never reached
    stars: int = Field(ge=0, le=100)


@dataclass
class Standing:
    """What a rating method sees of one ranked unit."""

    index: int                       # position in the evaluation
    total: float                     # reported (rounded) total
    ratios: dict[str, float]         # category id -> unrounded score / points
    rank: int


@dataclass
class NextLevel:
    stars: int
    min_score: Optional[float]
    points_needed: float
    categories_below: list[dict[str, Any]]
    note: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {"stars": self.stars, "min_score": self.min_score, "points_needed": self.points_needed,
                "categories_below": self.categories_below, "note": self.note}


class RatingMethod:
    """Base of rating methods. Subclasses set ``name``, a ``Level`` model and ``rate``."""

    name: ClassVar[str] = ""
    description: ClassVar[str] = ""
    Level: ClassVar[type[LevelModel]] = LevelModel

    def check_levels(self, levels: Sequence[Any]) -> list[str]:
        """Extra load-time checks of the validated levels; return error messages."""
        return []

    def rate(self, standings: Sequence[Standing], levels: Sequence[Any]) -> list[int]:
        """Stars for each standing, in order. ``standings`` are one ranking
        group's non-vetoed units, in rank order; ``levels`` are the scheme's
        :class:`civscore.criteria.Level` objects, highest stars first."""
        raise NotImplementedError

    def rate_arrays(self, totals, ratios, ranks, levels, category_ids) -> "list[int] | Any":
        """Stars for one ranking group at once: ``totals`` (reported totals in
        rank order), ``ratios`` (one row per unit, one column per category),
        ``ranks``. The default builds :class:`Standing` objects and calls
        :meth:`rate`; built-in methods answer with NumPy."""
        standings = [Standing(i, float(t), dict(zip(category_ids, r)), int(k))
                     for i, (t, r, k) in enumerate(zip(totals.tolist(), ratios.tolist(), ranks.tolist()))]
        return list(self.rate(standings, levels))

    def next_level(self, stars: int, total: float, ratios: dict[str, float],
                   categories: dict[str, tuple[str, float]], levels: Sequence[Any]) -> Optional[NextLevel]:
        """What a unit with ``stars`` needs for the next level up (for ``check``)."""
        above = [lv for lv in levels if lv.stars > stars]
        if not above:
            return None
        target = min(above, key=lambda lv: lv.stars)
        min_score = target.get("min_score")
        needed = max(0.0, round((min_score or 0) - total, 2))
        below = []
        floor = target.get("min_category_ratio")
        if floor is not None:
            for cid, ratio in ratios.items():
                if ratio + RATIO_EPS < floor:
                    title, points = categories[cid]
                    below.append({"id": cid, "title": title, "ratio": round(ratio, 4), "min_ratio": floor,
                                  "points_needed": round(floor * points - ratio * points, 2)})
        return NextLevel(target.stars, min_score, needed, below)


class Thresholds(RatingMethod):
    name = "thresholds"
    description = "the highest level whose min_score (and min_category_ratio) the unit reaches"

    class Level(LevelModel):
        min_score: float
        min_category_ratio: Optional[float] = Field(default=None, ge=0, le=1)

    def check_levels(self, levels):
        scores = [lv.get("min_score") for lv in levels]
        for i in range(1, len(scores)):
            if scores[i] > scores[i - 1]:
                return [f"{levels[i].stars} ★ needs min_score {fmt(scores[i])}, more than {levels[i - 1].stars} ★ "
                        f"({fmt(scores[i - 1])}); a lower level must not need more points"]
        return []

    def rate(self, standings, levels):
        return [self.reached(s.total, s.ratios, levels) for s in standings]

    def rate_arrays(self, totals, ratios, ranks, levels, category_ids):
        import numpy as np
        stars = np.zeros(len(totals), dtype=np.int64)
        done = np.zeros(len(totals), dtype=bool)
        for lv in levels:
            ok = totals >= lv.get("min_score")
            floor = lv.get("min_category_ratio")
            if floor is not None and ratios.shape[1]:
                ok &= (ratios + RATIO_EPS >= floor).all(axis=1)
            hit = ok & ~done
            stars[hit] = lv.stars
            done |= hit
        return stars

    @staticmethod
    def reached(total: float, ratios: dict[str, float], levels) -> int:
        for lv in levels:
            if total < lv.get("min_score"):
                continue
            floor = lv.get("min_category_ratio")
            if floor is not None and any(r + RATIO_EPS < floor for r in ratios.values()):
                continue
            return lv.stars
        return 0


class Quota(RatingMethod):
    name = "quota"
    description = "a level for the top share of ranked units (cumulative), with an optional min_score"

    class Level(LevelModel):
        top: float = Field(gt=0, le=1)
        min_score: Optional[float] = None

    def check_levels(self, levels):
        tops = [lv.get("top") for lv in levels]
        for i in range(1, len(tops)):
            if tops[i] < tops[i - 1]:
                return [f"top is a cumulative share: {levels[i].stars} ★ has top {tops[i]}, "
                        f"less than {levels[i - 1].stars} ★ ({tops[i - 1]})"]
        return []

    def rate(self, standings, levels):
        n = len(standings)
        out = []
        for s in standings:
            stars = 0
            for lv in levels:
                min_score = lv.get("min_score")
                if s.rank <= math.floor(lv.get("top") * n + RATIO_EPS) and (min_score is None or s.total >= min_score):
                    stars = lv.stars
                    break
            out.append(stars)
        return out

    def next_level(self, stars, total, ratios, categories, levels):
        nxt = super().next_level(stars, total, ratios, categories, levels)
        if nxt is not None:
            nxt.note = f"{nxt.stars} ★ also needs a rank in the top {nxt_top(levels, nxt.stars):.0%} of the units rated"
        return nxt


def nxt_top(levels, stars: int) -> float:
    return next(lv.get("top") for lv in levels if lv.stars == stars)


def rank_arrays(totals, tie_scores, ids):
    """Rank one group (NumPy): returns (order, ranks) where ``order`` indexes
    the inputs in listing order and ``ranks`` are their shared ranks."""
    import numpy as np
    n = len(totals)
    if n == 0:
        return np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.int64)
    id_rank = np.argsort(ids, kind="stable")
    id_pos = np.empty(n, dtype=np.int64)
    id_pos[id_rank] = np.arange(n)
    keys = [id_pos] + [-t for t in reversed(tie_scores)] + [-np.asarray(totals)]
    order = np.lexsort(keys)
    same = np.ones(n - 1, dtype=bool)
    for k in [np.asarray(totals)] + list(tie_scores):
        ks = k[order]
        same &= ks[1:] == ks[:-1]
    start = np.concatenate(([True], ~same))
    pos = np.where(start, np.arange(n), 0)
    ranks = np.maximum.accumulate(pos) + 1
    return order, ranks


@hookimpl
def civscore_rating_methods():
    return [Thresholds, Quota]
