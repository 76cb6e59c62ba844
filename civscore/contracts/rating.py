"""What a rating method is written with (SPEC §3): its level model, what it sees of a unit, its base class.

Ranking is common to every method: non-vetoed units by reported total,
descending; ties ordered by the ``tie_break`` categories' scores (rounded to
2 decimals); units still equal share a rank (1, 2, 2, 4), listed by unit id.
A rating method then gives each ranked unit its stars.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field


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
