"""Scoring (SPEC §2): one indicator over all units at a time.

The engine asks each leaf's scorer for the outcomes of every unit in one
``score_many`` call, checks them (a scorer that raises or returns nonsense is
contained: its items get status ``error``), and keeps the results in columns,
so a million units cost arrays, not a million objects. Totals, vetoes,
ranks and stars follow; :meth:`Evaluation.result` gives one unit's result in
SPEC §5's JSON shape.
"""
from __future__ import annotations

import math
from array import array
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Iterable, Iterator, Optional, Sequence

from .criteria import Leaf, Scheme
from .errors import SubmissionError
from .plugins import Registry, get_registry
from .rating import Standing, rank_order
from .scoring import STATUSES, Outcome
from .submissions import Unit
from .values import ValueInvalid, is_missing, to_bool

STATUS_CODE = {s: i for i, s in enumerate(STATUSES)}
OK, MISSING, INVALID, ERROR = range(4)
_CENT = Decimal("0.01")


def round2(x: float) -> float:
    """Round half up to 2 decimals, as a person rounds the printed figure
    (89.995 → 90.00, although the float 89.995 lies just below it)."""
    return float(Decimal(repr(round(x, 9))).quantize(_CENT, rounding=ROUND_HALF_UP))


class Evaluation:
    """The scored, rated and ranked units of one run, held in columns."""

    def __init__(self, scheme: Scheme, units: list[Unit], errors: Sequence[SubmissionError] = (),
                 files: Sequence[dict] = (), registry: Registry | None = None, keep_reasons: bool = True):
        self.scheme = scheme
        self.units = units
        self.errors = list(errors)
        self.files = list(files)
        self.registry = registry or get_registry()
        self.keep_reasons = keep_reasons
        self.failures: list[str] = []            # scorer failures, one line each
        n = len(units)
        self.n = n
        self.fractions: dict[str, array] = {}
        self.status: dict[str, bytearray] = {}
        self.reasons: dict[str, list] = {}
        self.points: dict[str, array] = {}
        self.categories: dict[str, array] = {}
        self.base = array("d", bytes(8 * n))
        self.bonus = array("d", bytes(8 * n))
        self.penalty = array("d", bytes(8 * n))
        self.total = array("d", bytes(8 * n))
        self.complete = bytearray(b"\x01" * n)
        self.vetoes: list[list[str]] = [[] for _ in range(n)]
        self.veto_status: dict[str, list[str]] = {}
        self.rank: list[Optional[int]] = [None] * n
        self.stars: list[int] = [0] * n
        self.order: list[int] = list(range(n))

    # -- scoring ---------------------------------------------------------------------
    def run(self, by_group: bool = False) -> "Evaluation":
        for leaf in self.scheme.items:
            self._score_leaf(leaf)
        self._totals()
        self._vetoes()
        self._rate(by_group)
        return self

    def _score_leaf(self, leaf: Leaf) -> None:
        units = self.units
        key = leaf.input
        values = [u.data.get(key) for u in units]
        datas = [u.data for u in units]
        outcomes = self._contained(leaf, values, datas)
        n = self.n
        fractions = array("d", bytes(8 * n))
        status = bytearray(n)
        reasons: list = [None] * n if self.keep_reasons else []
        for i, out in enumerate(outcomes):
            code = STATUS_CODE[out.status]
            status[i] = code
            if code == OK:
                fractions[i] = out.fraction
            elif code == ERROR:
                self.complete[i] = 0
            if self.keep_reasons:
                reasons[i] = out.reasons
        pts = leaf.points
        self.fractions[leaf.id] = fractions
        self.status[leaf.id] = status
        self.points[leaf.id] = array("d", (f * pts for f in fractions))
        if self.keep_reasons:
            self.reasons[leaf.id] = reasons

    def _contained(self, leaf: Leaf, values: list, datas: list) -> list[Outcome]:
        """The scorer's outcomes, each checked; failures become status ``error``."""
        plugin = self.registry.owner.get(("scorers", leaf.scorer), "?")
        who = f"scorer {leaf.scorer!r} (plugin {plugin!r})"
        try:
            scorer = leaf.make_scorer()
            outcomes = list(scorer.score_many(values, leaf.params, datas))
            if len(outcomes) != len(values):
                raise RuntimeError(f"score_many returned {len(outcomes)} outcomes for {len(values)} units")
        except Exception as exc:
            outcomes = self._one_by_one(leaf, values, datas, who, exc)
        checked = []
        for i, out in enumerate(outcomes):
            problem = _check_outcome(out)
            if problem:
                out = Outcome(0.0, "error", [f"{who} {problem}"])
                self._failure(leaf, i, f"{who} {problem}")
            elif out.status == "error":
                self._failure(leaf, i, f"{who}: {'; '.join(out.reasons) or 'error'}")
            checked.append(out)
        return checked

    def _one_by_one(self, leaf: Leaf, values: list, datas: list, who: str, batch_exc: Exception) -> list:
        """``score_many`` failed: score unit by unit so only the failing units lose the item."""
        outcomes = []
        scorer = None
        try:
            scorer = leaf.make_scorer()
        except Exception:
            pass
        for value, data in zip(values, datas):
            try:
                if scorer is None:
                    raise batch_exc
                outcomes.append(scorer.score(value, leaf.params, data))
            except NotImplementedError:
                outcomes.append(Outcome(0.0, "error", [f"{who} failed: {type(batch_exc).__name__}: {_msg(batch_exc)}"]))
            except Exception as exc:
                outcomes.append(Outcome(0.0, "error", [f"{who} failed: {type(exc).__name__}: {_msg(exc)}"]))
        return outcomes

    def _failure(self, leaf: Leaf, i: int, message: str) -> None:
        if len(self.failures) < 1000:
            self.failures.append(f"{self.units[i].where}: unit {self.units[i].id!r}: {leaf.id}: {message}")

    def _totals(self) -> None:
        scheme, n = self.scheme, self.n
        for cat in scheme.categories:
            self.categories[cat.id] = array("d", bytes(8 * n))
        for leaf in scheme.leaves:
            pts, cat, base = self.points[leaf.id], self.categories[leaf.category], self.base
            for i in range(n):
                p = pts[i]
                cat[i] += p
                base[i] += p
        for items, column, cap in ((scheme.bonus, self.bonus, scheme.bonus_cap),
                                   (scheme.penalty, self.penalty, scheme.penalty_cap)):
            for leaf in items:
                pts = self.points[leaf.id]
                for i in range(n):
                    column[i] += pts[i]
            if cap is not None:
                for i in range(n):
                    if column[i] > cap:
                        column[i] = cap
        for i in range(n):
            self.total[i] = round2(max(0.0, self.base[i] + self.bonus[i] - self.penalty[i]))

    def _vetoes(self) -> None:
        for veto in self.scheme.vetoes:
            states = []
            for i, unit in enumerate(self.units):
                value = unit.data.get(veto.input)
                if is_missing(value):
                    states.append("missing")
                    continue
                try:
                    hit = to_bool(value)
                except ValueInvalid:
                    states.append("invalid")
                    continue
                states.append("triggered" if hit else "clear")
                if hit:
                    self.vetoes[i].append(veto.id)
            self.veto_status[veto.id] = states

    def _rate(self, by_group: bool) -> None:
        scheme = self.scheme
        tie_ids = scheme.rating.tie_break
        ids = [u.id for u in self.units]
        tie_scores = [[round2(self.categories[c][i]) for c in tie_ids] for i in range(self.n)]
        groups: dict[Optional[str], list[int]] = {}
        for i, unit in enumerate(self.units):
            groups.setdefault(unit.group if by_group else None, []).append(i)
        order: list[int] = []
        for key in sorted(groups, key=lambda g: (g is not None, g or "")):
            members = groups[key]
            ranked = [i for i in members if not self.vetoes[i]]
            ordered, ranks = rank_order(self.total, tie_scores, ids, ranked)
            standings = [Standing(i, self.total[i], self.ratios(i), ranks[i]) for i in ordered]
            stars = scheme.rating_method.rate(standings, scheme.levels)
            for s, st in zip(standings, stars):
                self.rank[s.index] = s.rank
                self.stars[s.index] = int(st)
            vetoed = sorted((i for i in members if self.vetoes[i]), key=lambda i: (-self.total[i], ids[i]))
            order.extend(ordered + vetoed)
        if by_group:  # every group's ranked units, then every vetoed unit last
            order = [i for i in order if not self.vetoes[i]] + [i for i in order if self.vetoes[i]]
        self.order = order

    # -- reading results -------------------------------------------------------------------
    def ratios(self, i: int) -> dict[str, float]:
        return {c.id: self.categories[c.id][i] / c.points for c in self.scheme.categories}

    @property
    def exit_status(self) -> int:
        """SPEC §5: 1 when a submission could not be read or an item has status ``error``."""
        return 1 if self.errors or not all(self.complete) else 0

    def result(self, i: int, items: bool = True) -> dict[str, Any]:
        """One unit's result in SPEC §5's JSON shape."""
        unit = self.units[i]
        out: dict[str, Any] = {
            "unit": unit.info(), "source": unit.source, "rank": self.rank[i], "stars": self.stars[i],
            "total": self.total[i], "base": round2(self.base[i]), "bonus": round2(self.bonus[i]),
            "penalty": round2(self.penalty[i]), "vetoed": bool(self.vetoes[i]), "vetoes": list(self.vetoes[i]),
            "complete": bool(self.complete[i]),
            "categories": {c: round2(col[i]) for c, col in self.categories.items()},
        }
        if unit.row is not None:
            out["row"] = unit.row
        if items:
            out["items"] = {leaf.id: self.item(leaf, i) for leaf in self.scheme.items}
        return out

    def item(self, leaf: Leaf, i: int) -> dict[str, Any]:
        return {"points": round2(self.points[leaf.id][i]), "max": leaf.points,
                "status": STATUSES[self.status[leaf.id][i]],
                "reasons": list(self.reasons[leaf.id][i] or []) if self.keep_reasons else []}

    def results(self, items: bool = True) -> Iterator[dict[str, Any]]:
        """Every unit's result in listing order (rank order, vetoed units last)."""
        for i in self.order:
            yield self.result(i, items)

    def error_dicts(self) -> list[dict[str, Any]]:
        out = []
        for e in self.errors:
            d = {"source": e.source, "message": e.message}
            if e.where:
                d["where"] = e.where
            out.append(d)
        return out


def _msg(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:300]


def _check_outcome(out: Any) -> Optional[str]:
    """Why a scorer's return value is unusable, or None when it is fine."""
    if not isinstance(out, Outcome):
        return f"returned {type(out).__name__}, not civscore.Outcome"
    if out.status not in STATUS_CODE:
        return f"returned status {out.status!r}; use one of {', '.join(STATUSES)}"
    f = out.fraction
    if isinstance(f, bool) or not isinstance(f, (int, float)):
        return f"returned fraction {f!r}, not a number"
    if math.isnan(f):
        return "returned fraction NaN"
    if not 0.0 <= f <= 1.0:
        return f"returned fraction {f!r} outside [0, 1]"
    if not isinstance(out.reasons, list) or not all(isinstance(r, str) for r in out.reasons):
        return "returned reasons that are not a list of strings"
    return None


def evaluate(scheme: Scheme, submissions: Iterable[Unit] | Any, *, by_group: bool = False,
             registry: Registry | None = None, keep_reasons: bool = True) -> Evaluation:
    """Score, rate and rank units. ``submissions`` is a list of units or a
    :class:`civscore.submissions.Submissions` (whose read errors are kept)."""
    if hasattr(submissions, "units"):
        ev = Evaluation(scheme, submissions.units, submissions.errors, submissions.files, registry, keep_reasons)
    else:
        ev = Evaluation(scheme, list(submissions), registry=registry, keep_reasons=keep_reasons)
    return ev.run(by_group)
