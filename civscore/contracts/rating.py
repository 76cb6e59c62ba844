"""What a rating method is written with (SPEC §3): its level model, what it sees of a unit, its base class.

Ranking is common to every method: non-vetoed units by reported total,
descending; ties ordered by the ``tie_break`` categories' scores (rounded to
2 decimals); units still equal share a rank (1, 2, 2, 4), listed by unit id.
A rating method then gives each ranked unit its stars.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field, field_validator

from .i18n import _

RATIO_EPS = 1e-9


class LevelModel(BaseModel):
    """Base of a rating method's level model: every level has ``stars`` and
    may have a ``label``, its name (SPEC §7.3: 五星级, 优秀)."""

    # a NaN min_score is never reached; validators are built on first use (only the method's own level model validates)
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, defer_build=True)
    stars: int = Field(ge=0, le=100)
    label: Optional[str] = Field(default=None, min_length=1)


def check_min_ratios(value: Optional[dict[str, float]]) -> Optional[dict[str, float]]:
    """``min_ratios`` (SPEC §7.3): criterion id → least ratio in [0, 1]. The ids
    are checked against the criteria when the scheme loads."""
    if value is None:
        return None
    value = dotted(value)    # { results.innovation = 1 } unquoted is TOML's nested table: the same id
    for cid, ratio in value.items():
        if isinstance(ratio, bool) or not isinstance(ratio, (int, float)) or not math.isfinite(ratio) \
                or not 0 <= ratio <= 1:
            raise ValueError(_("{id!r}: a least ratio is a number from 0 to 1, not {value!r}").format(id=cid, value=ratio))
    return value


def dotted(table: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in table.items():
        if isinstance(value, dict) and value:
            out.update(dotted(value, f"{prefix}{key}."))
        else:
            out[f"{prefix}{key}"] = value
    return out


class FloorsLevel(LevelModel):
    """A level with ``min_ratios`` (SPEC §7.3): floors on the ratio of any
    criterion (a group or a leaf) that the unit needs for the level."""

    min_ratios: Optional[dict[str, Any]] = None

    _min_ratios = field_validator("min_ratios")(check_min_ratios)


def meets_floors(level: Any, criterion_ratios: Mapping[str, Any]) -> Any:
    """Whether each unit meets ``level``'s ``min_ratios``: a bool, or a NumPy
    boolean array when ``criterion_ratios`` holds arrays (one ratio per unit).
    A NaN ratio (a criterion whose leaves are all not applicable) meets every
    floor; floors compare with the 1e-9 tolerance of SPEC §2."""
    ok: Any = True
    for cid, floor in (level.get("min_ratios") or {}).items():
        below = criterion_ratios[cid] + RATIO_EPS < floor      # NaN compares False: it meets the floor
        ok = (ok & ~below) if hasattr(below, "dtype") else (ok and not below)
    return ok


@dataclass
class Standing:
    """What a rating method sees of one ranked unit."""

    index: int                       # position in the evaluation
    total: float                     # reported (rounded) total
    ratios: dict[str, float]         # category id -> unrounded score / points
    rank: int
    #: criterion id -> ratio, for the ids that levels' ``min_ratios`` name (SPEC §7.3); NaN: not applicable
    criterion_ratios: dict[str, float] = field(default_factory=dict)


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
    #: True when the method's levels take ``min_ratios`` (its ``Level`` derives from
    #: :class:`FloorsLevel`): ``rate_arrays`` is then given ``criterion_ratios``.
    floors: ClassVar[bool] = False
    #: True when a unit's stars depend on the other units rated with it (its rank,
    #: a share or a percentile). ``check`` then rates no unit alone: it says which
    #: levels the unit's total and ratios qualify for (:meth:`qualifies_for`) and
    #: that the rank decides. The default is True, the safe side for a method that
    #: does not say; a method whose stars follow from the unit's own figures alone
    #: (``thresholds``) sets it to False.
    relative: ClassVar[bool] = True

    def check_levels(self, levels: Sequence[Any]) -> list[str]:
        """Extra load-time checks of the validated levels; return error messages."""
        return []

    def rate(self, standings: Sequence[Standing], levels: Sequence[Any]) -> list[int]:
        """Stars for each standing, in order. ``standings`` are one ranking
        group's non-vetoed units, in rank order; ``levels`` are the scheme's
        :class:`civscore.criteria.Level` objects, highest stars first."""
        raise NotImplementedError

    def rate_arrays(self, totals, ratios, ranks, levels, category_ids, criterion_ratios=None) -> "list[int] | Any":
        """Stars for one ranking group at once: ``totals`` (reported totals in
        rank order), ``ratios`` (one row per unit, one column per category),
        ``ranks``; when :attr:`floors` is true, ``criterion_ratios`` maps each
        criterion id that a level's ``min_ratios`` names to its ratios (an
        array in rank order). The default builds :class:`Standing` objects and
        calls :meth:`rate`; built-in methods answer with NumPy."""
        extra = {cid: col.tolist() for cid, col in (criterion_ratios or {}).items()}
        standings = [Standing(i, float(t), dict(zip(category_ids, r)), int(k),
                              {cid: col[i] for cid, col in extra.items()})
                     for i, (t, r, k) in enumerate(zip(totals.tolist(), ratios.tolist(), ranks.tolist()))]
        return list(self.rate(standings, levels))

    def qualifies_for(self, total: float, ratios: Mapping[str, float], criterion_ratios: Mapping[str, float],
                      levels: Sequence[Any]) -> int:
        """The most stars whose conditions other than the rank the unit meets (for
        ``check`` of a :attr:`relative` method): the highest level whose
        ``min_score``, ``min_category_ratio`` and ``min_ratios`` (those the level
        has) ``total``, ``ratios`` (category id → ratio; 1 where nothing applies)
        and ``criterion_ratios`` (criterion id → ratio for the ids that
        ``min_ratios`` name; NaN meets every floor) reach; 0 when none. Override
        it when your levels have other conditions that do not depend on the rank."""
        for lv in levels:
            min_score = lv.get("min_score")
            if min_score is not None and total < min_score:
                continue
            floor = lv.get("min_category_ratio")
            if floor is not None and any(r + RATIO_EPS < floor for r in ratios.values()):
                continue
            if lv.get("min_ratios") and not meets_floors(lv, criterion_ratios):
                continue
            return int(lv.stars)
        return 0

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
