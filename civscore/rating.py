"""Ranks (SPEC §3), common to every rating method.

Non-vetoed units by reported total, descending; ties ordered by the
``tie_break`` categories' scores (rounded to 2 decimals); units still equal
share a rank (1, 2, 2, 4), listed by unit id. A rating method
(:mod:`civscore.builtin.rating`, or a plugin's) then gives each ranked unit
its stars.
"""
from __future__ import annotations

import numpy as np


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
