"""Ranks (SPEC §3), common to every rating method.

Non-vetoed units by reported total, descending; ties ordered by the
``tie_break`` categories' scores (rounded to 2 decimals); units still equal
share a rank (1, 2, 2, 4), listed by unit id. A rating method
(:mod:`civscore.builtin.rating`, or a plugin's) then gives each ranked unit
its stars.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import numpy as np
else:
    from . import _np as np

from .contracts.rating import RATIO_EPS


def rank_arrays(totals, tie_scores, ids):
    """Rank one group (NumPy): returns (order, ranks) where ``order`` indexes
    the inputs in listing order and ``ranks`` are their shared ranks."""
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


def obstacles(scheme, stars: int, ratios: dict, available: Optional[dict] = None) -> dict:
    """What SPEC §7.3 puts between a unit and ``stars`` stars, besides points:
    ``gates``, the ``min_ratios`` of the lowest level with at least ``stars``
    stars that the unit does not meet, and ``caps`` that hold it below
    ``stars``. ``ratios`` maps each of ``scheme.floor_ids()`` to the unit's
    ratio there (NaN: not applicable, which meets every floor and caps nothing);
    ``available`` to the points that apply to the unit there (SPEC §7.1; default:
    the criterion's points), from which the points still needed are counted."""
    available = available or {}
    level = min((lv for lv in scheme.levels if lv.stars >= stars), key=lambda lv: lv.stars, default=None)
    gates = []
    for cid, floor in ((level.get("min_ratios") or {}) if level is not None else {}).items():
        ratio = ratios[cid]
        if ratio + RATIO_EPS < floor:
            gates.append(_floor(scheme, cid, ratio, floor, available.get(cid)))
    caps = []
    for cap in scheme.rating.caps:
        ratio = ratios[cap.criterion]
        if cap.max_stars < stars and ratio + RATIO_EPS < cap.below:
            caps.append({**_floor(scheme, cap.criterion, ratio, cap.below, available.get(cap.criterion)),
                         "max_stars": cap.max_stars})
    return {"gates": gates, "caps": caps}


def _floor(scheme, cid: str, ratio: float, floor: float, points: Optional[float]) -> dict:
    node = scheme.node(cid)
    points = node.points if points is None else points
    return {"id": cid, "title": node.title, "ratio": round(float(ratio), 4), "min_ratio": floor,
            "points_needed": round(floor * points - float(ratio) * points, 2)}
