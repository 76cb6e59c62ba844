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
from dataclasses import replace
from itertools import groupby
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional, Sequence

if TYPE_CHECKING:
    import numpy as np
else:
    from . import _np as np

from .criteria import Leaf, Scheme, rebuild
from .contracts.errors import PluginError, SubmissionError
from .plugins import Registry, load_plugin_files, plugin_files

from .memory import gc_paused
from .rating import rank_arrays
from .contracts.rating import RATIO_EPS
from .contracts.i18n import _, ngettext
from .contracts.scoring import STATUSES, Batch, Outcome, distinct
from .contracts.units import RowView, Table, Unit
from .contracts.values import (CodedColumn, ValueInvalid, fmt, is_missing, is_na_word, on_percent_scale, short, to_bool,
                               to_number, written_as_percent)

STATUS_CODE = {s: i for i, s in enumerate(STATUSES)}
OK, MISSING, INVALID, ERROR = range(4)
#: an item's statuses: a scorer's four, and ``na`` (SPEC §7.1), which only the engine gives
ITEM_STATUSES = STATUSES + ("na",)
NA = 4


def round2(x: float) -> float:
    """Round half up to 2 decimals, as a person rounds the printed figure
    (89.995 → 90.00, although the float 89.995 lies just below it)."""
    x = float(x)   # NumPy scalars round far slower than floats
    return math.floor(round(round(x, 9) * 100, 6) + 0.5) / 100


def round2_array(x: np.ndarray) -> np.ndarray:
    """:func:`round2` for a whole column (the same figures, element by element)."""
    return np.floor(np.round(np.round(x, 9) * 100, 6) + 0.5) / 100


class Rows(Sequence):
    """The ``datas`` argument of ``score_many``: unit *i*'s inputs as a
    mapping, and :meth:`column` for a whole key at once."""

    def __init__(self, ev: "Evaluation"):
        self._ev = ev

    def __len__(self) -> int:
        return self._ev.n

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [u.data for u in self._ev.units[i]]
        return self._ev.units[i].data

    def column(self, key: str) -> list:
        """Every unit's value of ``key`` (``None`` where missing), in unit order."""
        return self._ev.column(key)


class Evaluation:
    """The scored, rated and ranked units of one run, held in columns."""

    def __init__(self, scheme: Scheme, units: list[Unit], errors: Sequence[SubmissionError] = (),
                 files: Sequence[dict] = (), keep_reasons: bool = True):
        self.scheme = scheme
        self.units = units
        self.errors = list(errors)
        self.files = list(files)
        self.registry: Registry = scheme.registry
        self.keep_reasons = keep_reasons
        self.by_group = False
        self.failures: list[str] = []            # scorer failures, one line each
        self.warnings: list[str] = []            # said on stderr, change no figure (SPEC §7.2's scale warning)
        n = len(units)
        self.n = n
        self.status: dict[str, np.ndarray] = {}
        self.reasons: dict[str, list] = {}
        self.points: dict[str, np.ndarray] = {}
        self.categories: dict[str, np.ndarray] = {}
        self.base = self.bonus = self.penalty = self.total = np.zeros(n)
        self.na_points = np.zeros(n)             # A of SPEC §7.1: points of the unit's not-applicable leaves
        #: per ``unit = "%"`` leaf: which units gave a plain value in (0, 1], probably on the wrong scale
        self.scale_suspects: dict[str, np.ndarray] = {}
        self._scale_codes: dict[str, np.ndarray] = {}   # per unit="%" leaf: 0, 1 plain value in (0, 1], 2 above 1
        self._under = _leaves_under(scheme)
        self.complete = np.ones(n, dtype=bool)
        self.vetoes: list[list[str]] = [[] for _ in range(n)]
        self.veto_status: dict[str, Sequence[str]] = {}
        self.rank: list[Optional[int]] = [None] * n
        self.stars: list[int] = [0] * n
        self.order: list[int] = list(range(n))
        #: SPEC §8, set by :func:`civscore.history.apply_rules` (``evaluate --history``): the stars the
        #: rating gave before the history rules, the weighted cycle total (with ``weights``), and the
        #: history reasons per unit; ``history`` describes the period (None without --history)
        self.history: Optional[dict[str, Any]] = None
        self.earned_stars: list[int] = self.stars
        self.cycle_total: Optional[np.ndarray] = None
        self.history_reasons: dict[int, list[str]] = {}   # only units a rule lowered
        self._segments = _segments(units)
        self._labelled = bool(scheme.labels)    # JSON "label" only when some level has one (SPEC §7)
        #: results read figures from these, made on first use: a column (the array it was made from, the
        #: column rounded as Python floats) by key, and each leaf's (status array, status codes as a list)
        self._rounded_columns: dict[str, tuple[Any, list]] = {}
        self._status_lists: dict[str, tuple[Any, list]] = {}

    # -- inputs ---------------------------------------------------------------------
    def column(self, key: str) -> list:
        """Every unit's value of ``key``, ``None`` where missing. Rows of one
        table file come as slices of its column, not a lookup per unit."""
        segments = self._segments
        if len(segments) == 1 and segments[0][0] is not None and segments[0][3] is None:
            table = segments[0][0]
            first = self.units[0].data if self.n else None
            if isinstance(first, RowView) and first.i == 0 and table.n == self.n and key in table.codes:
                return CodedColumn(table.columns[key], *table.codes[key])   # distinct values known: not hashed again
        out: list = []
        for table, start, stop, rows in segments:
            if table is None:   # blank strings are missing: scorers see None (SPEC §6)
                out.extend(_blank_is_none(u.data.get(key)) for u in self.units[start:stop])
            else:
                col = table.columns.get(key)
                if col is None:
                    out.extend([None] * (stop - start))
                elif rows is None:
                    first = self.units[start].data.i
                    out.extend(col[first:first + stop - start])
                else:
                    out.extend(col[j] for j in rows)
        return out

    # -- scoring ---------------------------------------------------------------------
    def run(self, by_group: bool = False, jobs: int = 1, progress: Any = None) -> "Evaluation":
        """Score every leaf, then totals, vetoes, ranks and stars. ``jobs`` > 1
        scores slices of the units in worker processes (same figures, fork or spawn);
        ``progress(done, total, what)`` is told as leaves are scored."""
        with gc_paused():
            return self._run(by_group, jobs, progress)

    def _run(self, by_group: bool, jobs: int, progress: Any) -> "Evaluation":
        self.by_group = by_group
        if jobs > 1 and self.n >= 2 * MIN_UNITS_PER_JOB:
            self._score_parallel(min(jobs, self.n // MIN_UNITS_PER_JOB))
        else:
            datas = Rows(self)
            items = self.scheme.items
            for k, leaf in enumerate(items):
                self._score_leaf(leaf, datas)
                if progress:
                    progress(k + 1, len(items), leaf.id)
        self._totals()
        self._scale_check()
        self._vetoes()
        self._rate(by_group)
        return self

    def _score_parallel(self, jobs: int) -> None:
        """Score slices of the units in worker processes. Nothing is inherited:
        each worker gets the registry and the scheme's parsed TOML (its formulas are
        compiled functions, which do not pickle), loads the files of plugins loaded from a
        folder, and its slice's units over a table of their columns only, so the
        ``spawn`` start method (Windows, macOS) gives the same bytes as ``fork``."""
        bounds = [round(k * self.n / jobs) for k in range(jobs + 1)]
        sc = self.scheme
        recipe = (sc.raw, sc.path, sc.sha256, sc.registry)
        tasks = [(recipe, self._slice(lo, hi), self.keep_reasons) for lo, hi in zip(bounds[:-1], bounds[1:])]
        import multiprocessing  # lazily: only --jobs starts processes (30 ms of a check's imports)
        from concurrent.futures import ProcessPoolExecutor
        ctx = multiprocessing.get_context(START_METHOD)
        # plugins from a folder are loaded first, so the registry's classes unpickle by module name
        with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=load_plugin_files,
                                 initargs=(plugin_files(),)) as pool:
            parts = list(pool.map(_score_slice, tasks))
        for leaf in self.scheme.items:
            self.points[leaf.id] = np.concatenate([p[0][leaf.id][0] for p in parts])
            self.status[leaf.id] = np.concatenate([p[0][leaf.id][1] for p in parts])
            if leaf.unit is not None:
                self._scale_codes[leaf.id] = np.concatenate([p[0][leaf.id][3] for p in parts])
            if self.keep_reasons:
                self.reasons[leaf.id] = [r for p in parts for r in p[0][leaf.id][2]]
            self.complete &= self.status[leaf.id] != ERROR
        for _slice, failures in parts:
            self.failures.extend(failures)

    def _slice(self, lo: int, hi: int) -> list[Unit]:
        """Units ``lo``..``hi`` over a table holding only their values (a slice's
        pickle carries its rows, not the whole file's table)."""
        units = self.units[lo:hi]
        view = Evaluation(self.scheme, units, keep_reasons=False)
        keys: dict[str, None] = {}
        for table, start, stop, _rows in view._segments:
            if table is None:
                for u in units[start:stop]:
                    keys.update(dict.fromkeys(u.data))
            else:
                keys.update(dict.fromkeys(table.columns))
        table = Table(list(keys))
        for key in keys:
            table.columns[key] = view.column(key)
        table.n = len(units)
        return [replace(u, data=RowView(table, i)) for i, u in enumerate(units)]

    def _score_leaf(self, leaf: Leaf, datas: "Rows") -> None:
        values = self.column(leaf.input)
        na = None
        if leaf.na or leaf.unit is not None:
            values, na, scale = _prepare(leaf, values)
            if scale is not None:
                self._scale_codes[leaf.id] = scale
        fractions, status, reasons = self._contained(leaf, values, datas)
        if na is not None:
            status = np.where(na, NA, status).astype(np.uint8)
            fractions = np.where(na, 0.0, fractions)
            if reasons is not None:
                reasons = list(reasons)
                for i in np.flatnonzero(na).tolist():
                    reasons[i] = []
        elif not leaf.na and reasons is not None:
            reasons = _refuse_na_words(values, status, reasons)
        self.complete &= status != ERROR
        self.status[leaf.id] = status
        self.points[leaf.id] = np.where(status == OK, fractions, 0.0) * leaf.points
        if self.keep_reasons:
            self.reasons[leaf.id] = reasons

    def _contained(self, leaf: Leaf, values: list, datas: "Rows"):
        """The scorer's answers, checked; failures become status ``error``
        naming the plugin, and never stop the run."""
        plugin = self.registry.owner.get(("scorers", leaf.scorer), "?")
        who = _("scorer {scorer!r} (plugin {plugin!r})").format(scorer=leaf.scorer, plugin=plugin)
        n = self.n
        try:
            scorer = leaf.make_scorer()
            scorer.want_reasons = self.keep_reasons
            answer = scorer.score_many(values, leaf.params, datas)
            if isinstance(answer, Batch):
                fractions, status, reasons = self._from_batch(answer, who)
            else:
                fractions, status, reasons = self._from_outcomes(list(answer), who)
        except _BrokenAnswer as exc:
            # a batch of the wrong shape is a bug of the scorer, not one unit's bad value: every
            # unit's item is in error, with no silent fallback to score() that would hide the bug
            broken = [Outcome(0.0, "error", [_("{who} failed: {error}").format(who=who, error=exc)]) for _i in range(n)]
            fractions, status, reasons = self._from_outcomes(broken, who)
        except Exception as exc:
            fractions, status, reasons = self._from_outcomes(self._one_by_one(leaf, values, datas, who, exc), who)
        failed = np.flatnonzero(status == ERROR)
        for i in failed[:FAILURES_PER_ITEM].tolist():
            self._failure(leaf, i, reasons[i][0] if reasons and reasons[i] else _("{who} failed").format(who=who))
        if len(failed) > FAILURES_PER_ITEM:   # one line per unit would bury the message
            self.failures.append(f"{leaf.id}: " + ngettext(
                "{who} failed for {more} more unit ({failed} of {n} in all); see each unit's item status",
                "{who} failed for {more} more units ({failed} of {n} in all); see each unit's item status",
                len(failed) - FAILURES_PER_ITEM).format(who=who, more=len(failed) - FAILURES_PER_ITEM, failed=len(failed), n=n))
        return fractions, status, reasons

    def _from_outcomes(self, outcomes: list, who: str):
        n = self.n
        if len(outcomes) != n:
            raise _BrokenAnswer(_("score_many returned {count} outcomes for {n} units").format(count=len(outcomes), n=n))
        fractions = np.zeros(n)
        status = np.zeros(n, dtype=np.uint8)
        reasons: list = [None] * n
        for i, out in enumerate(outcomes):
            problem = _check_outcome(out)
            if problem:
                out = Outcome(0.0, "error", [f"{who} {problem}"])
            elif out.status == "error":
                said = "; ".join(out.reasons) or _("error")
                out = Outcome(0.0, "error", [said if said.startswith(who) else f"{who}: {said}"])
            code = STATUS_CODE[out.status]
            status[i] = code
            if code == OK:
                fractions[i] = out.fraction
            reasons[i] = out.reasons
        return fractions, status, reasons

    def _from_batch(self, batch: Batch, who: str):
        n = self.n
        try:
            fractions = np.asarray(batch.fractions, dtype=np.float64)
            raw = np.asarray(batch.statuses)
            status = (np.array([STATUS_CODE.get(s, 255) for s in raw.tolist()], dtype=np.uint8)
                      if raw.dtype.kind in "UO" else raw.astype(np.uint8))
        except (TypeError, ValueError) as exc:
            raise _BrokenAnswer(_("score_many returned a Batch that is not numbers and statuses: {error}").format(error=exc)) from None
        if fractions.shape != (n,) or status.shape != (n,):
            raise _BrokenAnswer(_("score_many returned a Batch of {fractions} fractions / {statuses} statuses for {n} units").format(
                fractions=len(fractions), statuses=len(status), n=n))
        reasons = batch.reasons
        if reasons is not None and len(reasons) != n:
            raise _BrokenAnswer(_("score_many returned {count} reason lists for {n} units").format(count=len(reasons), n=n))
        bad_status = status > ERROR
        bad_fraction = ~((fractions >= 0.0) & (fractions <= 1.0))     # NaN fails too
        bad = bad_status | (bad_fraction & (status == OK))
        user_error = status == ERROR
        if bad.any() or user_error.any() or (reasons is None and self.keep_reasons):
            reasons = list(reasons) if reasons is not None else [[] for _ in range(n)]
            for i in np.flatnonzero(bad).tolist():
                why = (_("returned status code {code}").format(code=status[i]) if bad_status[i]
                       else _("returned fraction {fraction!r} outside [0, 1]").format(fraction=fractions[i])
                       if not math.isnan(fractions[i]) else _("returned fraction NaN"))
                reasons[i] = [f"{who} {why}"]
            for i in np.flatnonzero(user_error & ~bad).tolist():
                reasons[i] = [f"{who}: {'; '.join(reasons[i] or []) or _('error')}"]
            status = np.where(bad, ERROR, status).astype(np.uint8)
        return fractions, status, reasons

    def _one_by_one(self, leaf: Leaf, values: list, datas, who: str, batch_exc: Exception) -> list:
        """``score_many`` failed: score unit by unit so only the failing units lose the item."""
        outcomes = []
        try:
            scorer = leaf.make_scorer()
        except Exception:
            scorer = None
        for value, data in zip(values, datas):
            try:
                if scorer is None:
                    raise batch_exc
                outcomes.append(scorer.score(value, leaf.params, data))
            except NotImplementedError:
                outcomes.append(Outcome(0.0, "error", [_("{who} failed: {error}").format(
                    who=who, error=f"{type(batch_exc).__name__}: {_msg(batch_exc)}")]))
            except Exception as exc:
                outcomes.append(Outcome(0.0, "error", [_("{who} failed: {error}").format(
                    who=who, error=f"{type(exc).__name__}: {_msg(exc)}")]))
        return outcomes

    def _failure(self, leaf: Leaf, i: int, message: str) -> None:
        self.failures.append(_("{where}: unit {unit!r}: {item}: {message}").format(
            where=self.units[i].where, unit=self.units[i].id, item=leaf.id, message=message))

    def _totals(self) -> None:
        scheme, n = self.scheme, self.n
        for cat in scheme.categories:
            self.categories[cat.id] = np.zeros(n)
        self.base = np.zeros(n)
        for leaf in scheme.leaves:
            self.categories[leaf.category or ""] += self.points[leaf.id]
        for cat in scheme.categories:
            self.base += self.categories[cat.id]
        na_leaves = [leaf for leaf in scheme.leaves if leaf.na]
        if na_leaves:
            # SPEC §7.1: 实得分 ÷ (总分 − 缺项分) × 总分; a unit to which nothing applies has base 0
            self.na_points = np.zeros(n)
            applicable = np.full(n, len(scheme.leaves) - len(na_leaves))
            for leaf in na_leaves:
                applies = self.status[leaf.id] != NA
                self.na_points += np.where(applies, 0.0, leaf.points)
                applicable += applies
            available = scheme.full_marks - self.na_points
            scaled = np.divide(self.base * scheme.full_marks, available,
                               out=np.zeros(n), where=applicable > 0)
            self.base = np.where(self.na_points > 0, scaled, self.base)
        sums = []
        for items, cap in ((scheme.bonus, scheme.bonus_cap), (scheme.penalty, scheme.penalty_cap)):
            column = np.zeros(n)
            for leaf in items:
                column += self.points[leaf.id]
            sums.append(np.minimum(column, cap) if cap is not None else column)
        self.bonus, self.penalty = sums
        self.total = round2_array(np.maximum(0.0, self.base + self.bonus - self.penalty))

    def _vetoes(self) -> None:
        names = {"missing": 0, "clear": 1, "triggered": 2, "invalid": 3}
        labels = list(names)
        for veto in self.scheme.vetoes:
            values = self.column(veto.input)

            def state(value):
                if is_missing(value):
                    return 0
                try:
                    return 2 if to_bool(value) else 1
                except ValueInvalid:
                    return 3
            found = distinct(values)
            if found is None:
                codes = [state(v) for v in values]
            else:
                keys, idx = found
                codes = np.array([state(k) for k in keys], dtype=np.uint8).reshape(len(keys))[idx].tolist()
            self.veto_status[veto.id] = _Labels(codes, labels)
            for i, c in enumerate(codes):
                if c == 2:
                    self.vetoes[i].append(veto.id)

    def rerate(self, scores: np.ndarray) -> None:
        """Rank and rate again on ``scores`` instead of the totals (SPEC §8's
        ``cycle_total``): ranks and min_score use them; floors and caps keep
        this period's ratios."""
        self._rate(self.by_group, scores)

    def _rate(self, by_group: bool, scores: Optional[np.ndarray] = None) -> None:
        scheme = self.scheme
        score = self.total if scores is None else scores
        n = self.n
        vetoed = np.array([bool(v) for v in self.vetoes], dtype=bool) if n else np.zeros(0, dtype=bool)
        tie = [round2_array(self.categories[c]) for c in scheme.rating.tie_break]
        # a category where nothing applies (ratio NaN) meets every floor (SPEC §7.1): rating methods see 1
        ratios = np.column_stack([np.nan_to_num(self.ratio_column(c.id), nan=1.0) for c in scheme.categories]) \
            if n else np.zeros((0, 0))
        ids = np.array([u.id for u in self.units], dtype=object)
        if by_group:
            labels = [u.group for u in self.units]
            keys = sorted(set(labels), key=lambda g: (g is not None, g or ""))
            members = [np.array([i for i, g in enumerate(labels) if g == key], dtype=np.intp) for key in keys]
        else:
            members = [np.arange(n)]
        rank = np.zeros(n, dtype=np.int64)
        stars = np.zeros(n, dtype=np.int64)
        ranked_order: list[int] = []
        vetoed_order: list[int] = []
        method = scheme.rating_method
        floors = {cid: self.criterion_ratio(cid) for cid in scheme.floor_ids()}
        for idx in members:
            ranked = idx[~vetoed[idx]]
            ordered, ranks = rank_arrays(score[ranked], [t[ranked] for t in tie], ids[ranked])
            ordered = ranked[ordered]
            rank[ordered] = ranks
            extra = {}
            if getattr(method, "floors", False) and any(lv.get("min_ratios") for lv in scheme.levels):
                extra["criterion_ratios"] = {cid: col[ordered] for cid, col in floors.items()}
            st = method.rate_arrays(score[ordered], ratios[ordered], ranks, scheme.levels,
                                    [c.id for c in scheme.categories], **extra)
            st = _checked_stars(st, len(ordered), scheme, self.registry)
            for cap in scheme.rating.caps:   # SPEC §7.3: after the method; no rank changes, no place is freed
                capped = floors[cap.criterion][ordered] + RATIO_EPS < cap.below    # NaN (not applicable): no cap
                st = np.where(capped, np.minimum(st, cap.max_stars), st)
            stars[ordered] = st
            ranked_order.extend(ordered.tolist())
            vet = idx[vetoed[idx]].tolist()
            vetoed_order.extend(sorted(vet, key=lambda i: (-score[i], self.units[i].id)))
        self.rank = [int(r) if not v else None for r, v in zip(rank.tolist(), vetoed.tolist())]
        self.stars = [int(s) for s in stars.tolist()]
        self.earned_stars = self.stars
        self.order = ranked_order + vetoed_order

    # -- ratios (SPEC §2, §7.1, §7.3) ---------------------------------------------------------
    def ratio_column(self, cid: str) -> np.ndarray:
        """The ratio of criterion ``cid`` (a category, a deeper group or a leaf under
        ``criteria``) for every unit: its unrounded score ÷ its *available* points (its
        points less those of its leaves the unit marked ``na``). A leaf's ratio is its
        fraction. NaN where all its leaves are ``na``: the ratio is null and meets every
        floor. The one place ratios are computed: ``min_category_ratio``, ``min_ratios``
        and ``caps`` all use it (NaN compares as met / capping nothing)."""
        leaves, points = self._under[cid]
        score = self.categories[cid] if cid in self.categories else _sum_points(self, leaves)
        na_leaves = [leaf for leaf in leaves if leaf.na]
        if not na_leaves:
            return score / points
        available = np.full(self.n, points)
        applicable = np.full(self.n, len(leaves) - len(na_leaves))
        for leaf in na_leaves:
            marked = self.status[leaf.id] == NA
            available = available - np.where(marked, leaf.points, 0.0)
            applicable += ~marked
        return np.divide(score, available, out=np.full(self.n, np.nan), where=applicable > 0)

    def ratio(self, cid: str, i: int) -> Optional[float]:
        """Unit ``i``'s ratio of criterion ``cid`` (see :meth:`ratio_column`); ``None``
        when none of its leaves applies to the unit."""
        value = float(self.ratio_column(cid)[i])
        return None if math.isnan(value) else value

    def ratios(self, i: int) -> dict[str, Optional[float]]:
        """Unit ``i``'s category ratios over available points; ``None`` where nothing applies."""
        return {c.id: self.ratio(c.id, i) for c in self.scheme.categories}

    def available(self, cid: str, i: int) -> float:
        """The points of criterion ``cid`` that apply to unit ``i`` (its points less its ``na`` leaves')."""
        leaves, points = self._under[cid]
        return points - sum(leaf.points for leaf in leaves if leaf.na and self.status[leaf.id][i] == NA)

    # -- SPEC §7.2: values on the wrong scale ----------------------------------------------
    def _scale_check(self) -> None:
        """On a ``unit = "%"`` leaf a plain value in (0, 1] is probably a fraction
        written for a percentage (0.96 for 96 %): note which units gave one
        (``check`` warns), and warn when others gave values above 1."""
        for leaf in self.scheme.items:
            codes = self._scale_codes.get(leaf.id)
            if codes is None:
                continue
            suspect, above = codes == 1, codes == 2
            self.scale_suspects[leaf.id] = suspect
            if suspect.any() and above.any():
                first = int(np.flatnonzero(suspect)[0])
                count = int(suspect.sum())
                self.warnings.append(ngettext(
                    "{item}: {count} unit gave a plain value in (0, 1] (such as {value} from {unit!r}) while {above} gave "
                    "values above 1; unit = \"%\" reads {value} as {value}%, not {pct}%: write {pct} or {pct}%",
                    "{item}: {count} units gave a plain value in (0, 1] (such as {value} from {unit!r}) while {above} gave "
                    "values above 1; unit = \"%\" reads {value} as {value}%, not {pct}%: write {pct} or {pct}%",
                    count).format(item=leaf.id, count=count, unit=self.units[first].id, above=int(above.sum()),
                                  value=fmt(self._plain(leaf, first)), pct=fmt(self._plain(leaf, first) * 100)))

    def _plain(self, leaf: Leaf, i: int) -> float:
        return to_number(self.column(leaf.input)[i])

    def scale_warning(self, leaf: Leaf, i: int) -> Optional[str]:
        """``check``'s warning for unit ``i`` on a ``unit = "%"`` leaf given a plain value in (0, 1]."""
        suspect = self.scale_suspects.get(leaf.id)
        if suspect is None or not suspect[i]:
            return None
        v = self._plain(leaf, i)
        return _('{item}: {value} is read as {value}% (unit = "%"); if you meant {pct}%, write {pct} or {pct}%').format(
            item=leaf.id, value=fmt(v), pct=fmt(v * 100))

    # -- reading results -------------------------------------------------------------------

    def criterion_ratio(self, cid: str) -> np.ndarray:
        """Every unit's ratio in criterion ``cid`` (a group or a leaf under
        ``criteria``): :meth:`ratio_column`, NaN where nothing applies; ``KeyError``
        for an id that is no criterion."""
        if cid not in self._under:
            raise KeyError(cid)
        return self.ratio_column(cid)

    def label(self, i: int) -> Optional[str]:
        """Unit ``i``'s label (SPEC §7.3): its level's name after caps; None without one."""
        return None if self.vetoes[i] else self.scheme.label(self.stars[i])

    @property
    def exit_status(self) -> int:
        """SPEC §5: 1 when a submission could not be read or an item has status ``error``."""
        return 1 if self.errors or not bool(self.complete.all()) else 0

    def _rounded(self, key: str, column: Any) -> list:
        """A figure column rounded as :func:`round2` rounds (``round2_array``), as Python floats,
        made once: a result reads its unit's figures by index, not one rounding per figure."""
        cache = self._rounded_columns
        found = cache.get(key)
        if found is None or found[0] is not column:   # made again if the column was replaced
            found = cache[key] = (column, round2_array(np.asarray(column, dtype=float)).tolist())
        return found[1]

    def result(self, i: int, items: bool = True) -> dict[str, Any]:
        """One unit's result in SPEC §5's JSON shape."""
        unit = self.units[i]
        r = self._rounded
        out: dict[str, Any] = {
            "unit": unit.info(), "source": unit.source, "rank": self.rank[i], "stars": self.stars[i],
            "total": self.total[i], "base": r("base", self.base)[i], "bonus": r("bonus", self.bonus)[i],
            "penalty": r("penalty", self.penalty)[i], "vetoed": bool(self.vetoes[i]), "vetoes": list(self.vetoes[i]),
            "complete": bool(self.complete[i]),
            "categories": {c: r("category " + c, col)[i] for c, col in self.categories.items()},
        }
        if self._labelled:   # "label" right after "stars"; only schemes with labels pay for it
            items_ = list(out.items())
            out = dict(items_[:4] + [("label", self.label(i))] + items_[4:])
        if self.scheme.has_na:   # SPEC §7.1: only then, so a v1 scheme's results keep their shape
            out["na_points"] = self._rounded("na_points", self.na_points)[i]
        if self.history is not None:   # SPEC §8: only with --history, so a v1 document keeps its shape
            out["earned_stars"] = self.earned_stars[i]
            if self.cycle_total is not None:
                out["cycle_total"] = float(self.cycle_total[i])
            out["history"] = list(self.history_reasons.get(i, ()))
        if unit.row is not None:
            out["row"] = unit.row
        if items:
            out["items"] = {leaf_id: ({"points": 0.0, "max": full, "status": "na"} if codes[i] == NA else
                                      {"points": points[i], "max": full, "status": STATUSES[codes[i]],
                                       "reasons": list(reasons[i] or []) if reasons is not None else []})
                            for leaf_id, full, codes, points, reasons in self._item_columns()}
        return out

    def _item_columns(self) -> list[tuple[str, float, list, list, Any]]:
        """Per leaf: its id, full points, status codes, rounded points and reasons (None without)."""
        return [(leaf.id, leaf.points, self._codes(leaf.id), self._rounded("item " + leaf.id, self.points[leaf.id]),
                 self.reasons[leaf.id] if self.keep_reasons else None) for leaf in self.scheme.items]

    def item(self, leaf: Leaf, i: int) -> dict[str, Any]:
        code = self._codes(leaf.id)[i]
        if code == NA:   # SPEC §7.1's shape: no reasons
            return {"points": 0.0, "max": leaf.points, "status": "na"}
        return {"points": self._rounded("item " + leaf.id, self.points[leaf.id])[i], "max": leaf.points,
                "status": STATUSES[code],
                "reasons": list(self.reasons[leaf.id][i] or []) if self.keep_reasons else []}

    def _codes(self, leaf_id: str) -> list:
        cache = self._status_lists
        column = self.status[leaf_id]
        found = cache.get(leaf_id)
        if found is None or found[0] is not column:
            found = cache[leaf_id] = (column, column.tolist())
        return found[1]

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


MIN_UNITS_PER_JOB = 20000
FAILURES_PER_ITEM = 5     # stderr lines naming units, per failing item; the rest are counted
#: the start method of ``--jobs`` workers: None is the platform's default (``spawn`` on Windows and
#: macOS); the tests set ``"spawn"`` to prove nothing relies on what ``fork`` inherits
START_METHOD: Optional[str] = None
_WORKER_SCHEME: dict[tuple[str, str], Scheme] = {}   # per worker process: the scheme of the tasks, built once


def _score_slice(task: tuple[tuple[dict, str, str, Registry], list[Unit], bool]):
    """In a worker: score every leaf for one slice of the units."""
    (raw, path, sha256, registry), units, keep_reasons = task
    scheme = _WORKER_SCHEME.get((path, sha256))
    if scheme is None:
        scheme = _WORKER_SCHEME.setdefault((path, sha256), rebuild(raw, path, sha256, registry))
    part = Evaluation(scheme, units, keep_reasons=keep_reasons)
    datas = Rows(part)
    out = {}
    for leaf in scheme.items:
        part._score_leaf(leaf, datas)
        out[leaf.id] = (part.points[leaf.id], part.status[leaf.id], part.reasons.get(leaf.id, []),
                        part._scale_codes.get(leaf.id))
    return out, part.failures


class _Labels(Sequence):
    """Per-unit veto states stored as small codes, read as their labels."""

    def __init__(self, codes: list[int], labels: list[str]):
        self._codes, self._labels = codes, labels

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, i):
        return self._labels[self._codes[i]]


def _segments(units: list[Unit]) -> list[tuple]:
    """Runs of units that come from one table file: ``(table, start, stop,
    rows)`` with ``rows`` None when the rows are consecutive; ``table`` None
    for units holding their own data."""
    datas = [u.data for u in units]
    tables = [d.table if isinstance(d, RowView) else None for d in datas]
    segs: list[tuple] = []
    i = 0
    for _key, run in groupby(tables, key=id):
        j = i + sum(1 for _t in run)
        if tables[i] is None:
            segs.append((None, i, j, None))
        else:
            rows = [d.i for d in datas[i:j]]  # type: ignore[union-attr]  # RowViews: their table is not None
            consecutive = rows[-1] - rows[0] == len(rows) - 1 and rows == list(range(rows[0], rows[-1] + 1))
            segs.append((tables[i], i, j, None if consecutive else rows))
        i = j
    return segs


def _leaves_under(scheme: Scheme) -> dict[str, tuple[list[Leaf], float]]:
    """Every criterion id under ``criteria`` → (the leaves under it, its points)."""
    out: dict[str, tuple[list[Leaf], float]] = {}

    def walk(node: Any) -> list[Leaf]:
        children = getattr(node, "children", None)
        leaves = [node] if children is None else [leaf for child in children for leaf in walk(child)]
        out[node.id] = (leaves, node.points)
        return leaves
    for cat in scheme.categories:
        walk(cat)
    return out


def _sum_points(ev: "Evaluation", leaves: list[Leaf]) -> np.ndarray:
    score = np.zeros(ev.n)
    for leaf in leaves:
        score = score + ev.points[leaf.id]
    return score


def _refuse_na_words(values: list, status: np.ndarray, reasons: Any) -> Any:
    """A not-applicable word on a leaf without ``na = true`` that its scorer could not read:
    the reason says the item may not be marked not applicable (SPEC §7.1)."""
    invalid = np.flatnonzero(status == INVALID).tolist()
    hit = [i for i in invalid if is_na_word(values[i])]
    if not hit:
        return reasons
    reasons = list(reasons)
    note = _("this item may not be marked not applicable (免评); give its value")
    for i in hit:
        reasons[i] = [*(reasons[i] or []), note]     # a new list: units may share one
    return reasons


def _prepare(leaf: Leaf, values: list) -> tuple[list, Optional[np.ndarray], Optional[np.ndarray]]:
    """SPEC §7 on one leaf's column, each distinct value looked at once: the values
    to score (``None`` where the unit marked an ``na`` leaf not applicable; on the
    0–100 scale for ``unit = "%"``), the not-applicable mask (None when no unit
    marked it), and for ``unit = "%"`` each unit's scale code: 1 a plain value in
    (0, 1] (probably a fraction written for a percentage), 2 a value above 1, else 0."""
    found = distinct(values)
    keys, idx = found if found is not None else (values, None)
    na = scale = None
    if leaf.na:
        flags = np.array([is_na_word(k) for k in keys], dtype=bool).reshape(len(keys))
        if flags.any():
            na = flags if idx is None else flags[idx]
    if leaf.unit == "%":
        converted = [on_percent_scale(k) for k in keys]
        codes = np.array([_scale_code(k, c) for k, c in zip(keys, converted)], dtype=np.uint8).reshape(len(keys))
        scale = codes if idx is None else codes[idx]
        if any(c is not k for c, k in zip(converted, keys)):
            values = converted if idx is None else [converted[j] for j in idx.tolist()]
    if na is not None:   # not applicable: never scored
        values = list(values)
        for i in np.flatnonzero(na).tolist():
            values[i] = None
    return values, na, scale


def _scale_code(value: Any, converted: Any) -> int:
    if is_missing(value) or is_na_word(value):
        return 0
    try:
        number = to_number(converted)
    except ValueInvalid:
        return 0
    if 0 < number <= 1 and not written_as_percent(value):
        return 1
    return 2 if number > 1 else 0


def _blank_is_none(value: Any) -> Any:
    return None if isinstance(value, str) and not value.strip() else value


def _msg(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else ""
    return text[:300]


def _checked_stars(stars: Any, n: int, scheme: Scheme, registry: Registry) -> np.ndarray:
    """A rating method's answer, or a :class:`PluginError` naming its plugin."""
    try:
        out = np.asarray(stars)
        ok = out.shape == (n,) and (n == 0 or (out.dtype.kind in "iu" or (out.dtype.kind == "f" and
                                                (out == np.round(out)).all())) and (out >= 0).all())
    except Exception:
        ok = False
    if not ok:
        method = scheme.rating.method
        plugin = registry.owner.get(("rating_methods", method), "?")
        raise PluginError(_("rating method {method!r} (plugin {plugin!r}) returned {stars} for {n} units; "
                            "rate must return one whole number of stars ≥ 0 per unit").format(
                                method=method, plugin=plugin, stars=short(stars, 60), n=n))
    return out.astype(np.int64)


class _BrokenAnswer(RuntimeError):
    """``score_many`` answered with the wrong number or shape of results."""


def _check_outcome(out: Any) -> Optional[str]:
    """Why a scorer's return value is unusable, or None when it is fine."""
    if not isinstance(out, Outcome):
        return _("returned {kind}, not civscore.Outcome").format(kind=type(out).__name__)
    if out.status not in STATUS_CODE:
        return _("returned status {status!r}; use one of {statuses}").format(status=out.status, statuses=", ".join(STATUSES))
    f = out.fraction
    if isinstance(f, bool) or not isinstance(f, (int, float)):
        return _("returned fraction {fraction!r}, not a number").format(fraction=f)
    if math.isnan(f):
        return _("returned fraction NaN")
    if not 0.0 <= f <= 1.0:
        return _("returned fraction {fraction!r} outside [0, 1]").format(fraction=f)
    if not isinstance(out.reasons, list) or not all(isinstance(r, str) for r in out.reasons):
        return _("returned reasons that are not a list of strings")
    return None


def evaluate(scheme: Scheme, submissions: Iterable[Unit] | Any, *, by_group: bool = False,
             keep_reasons: bool = True, jobs: int = 1,
             progress: Any = None, registry: Registry | None = None) -> Evaluation:
    """Score, rate and rank units. ``submissions`` is a list of units or a
    :class:`civscore.submissions.Submissions` (whose read errors are kept).
    Scorers and the rating method come from the registry the scheme was
    loaded with; ``registry`` is accepted for civscore 1.0's callers and must
    be that one."""
    if registry is not None and registry is not scheme.registry:
        raise ValueError(_("evaluate(): the scheme was loaded with another registry; load it with this one"))
    with gc_paused():   # a million units' lists would set the collector scanning them all, again and again
        if hasattr(submissions, "units"):
            read: Any = submissions
            ev = Evaluation(scheme, read.units, read.errors, read.files, keep_reasons)
        else:
            ev = Evaluation(scheme, list(submissions), keep_reasons=keep_reasons)
    return ev.run(by_group, jobs=jobs, progress=progress)
