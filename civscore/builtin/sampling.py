"""SPEC §7.4: ``sample`` (sampled inspection points, 点位) and ``survey``
(answer counts of a questionnaire, 问卷/民主测评).

Both read a whole table or list from one cell, so a unit's value is often a
string like ``人民路:3.2;解放路:6.1`` or ``满意:820;基本满意:120;不满意:60``
(CSV, XLSX), or a TOML/JSON array or table. :class:`TableScorer` scores each
distinct value once, as :class:`~civscore.contracts.scoring.ValueScorer`
does, lists and tables included.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Literal, Optional

from pydantic import Field, field_validator, model_validator

from ..contracts.i18n import N_, _
from ..contracts.scoring import Batch, Outcome, Params, Scorer, ValueScorer, distinct, value_key
from ..contracts.values import (ValueInvalid, fmt, is_missing, is_table_text, normalize, to_bool, to_list,
                                to_number, to_table)

if TYPE_CHECKING:
    import numpy as np
else:
    from ..contracts import _np as np   # NumPy on first use, or pure-Python arrays inside python_arrays()

EPS = 1e-9
MOST_NAMED = 10         # failing points named in a reason; the rest are counted


def percent(rate: float) -> str:
    """0.882 → 88.2%, 1 → 100%: at most one decimal."""
    return f"{rate * 100:.1f}".rstrip("0").rstrip(".") + "%"


def _on_a_rate(v: Optional[float]) -> Optional[float]:
    if v is not None and not (math.isfinite(v) and 0 <= v <= 1):
        raise ValueError(_("is a rate from 0 to 1 (0.85 for 85%), not {value}").format(value=fmt(v)))
    return v


def _linear_or(params: Any, other: str) -> list[str]:
    """The errors of ``full_at``/``zero_at`` given beside ``other`` (per_fail, bands), or equal."""
    given = [k for k in ("full_at", "zero_at") if getattr(params, k) is not None]
    if getattr(params, other) is not None and given:
        return [_("give either {other} or {linear}, not both").format(other=other, linear=" and ".join(given))]
    if params.full_at is not None and params.zero_at is not None and params.full_at == params.zero_at:
        return [_("zero_at and full_at must differ")]
    if params.full_at is None and params.zero_at is not None and params.zero_at == 1:
        return [_("zero_at = 1 equals the default full_at = 1; give full_at too")]
    if params.zero_at is None and params.full_at is not None and params.full_at == 0:
        return [_("full_at = 0 equals the default zero_at = 0; give zero_at too")]
    return []


def _linear(rate: float, params: Any) -> float:
    full = 1.0 if params.full_at is None else params.full_at
    zero = 0.0 if params.zero_at is None else params.zero_at
    x = (rate - zero) / (full - zero)
    return 0.0 if not x >= 0 else 1.0 if x > 1 - EPS else x


def _linear_reason(params: Any) -> Optional[str]:
    if params.full_at is None and params.zero_at is None:
        return None
    full = 1.0 if params.full_at is None else params.full_at
    zero = 0.0 if params.zero_at is None else params.zero_at
    return _("full points at {full}, none at {zero}").format(full=percent(full), zero=percent(zero))


def _linear_scored(rate: float, params: Any, reasons: list[str]) -> float:
    """:func:`_linear` of the rate, its reason (when full_at or zero_at is given) added to ``reasons``."""
    said = _linear_reason(params)
    if said:
        reasons.append(said)
    return _linear(rate, params)


def _freeze(value: Any) -> Any:
    """A hashable stand-in for a value, telling ``True`` from ``1`` and a list from a table.
    A nested list or table inside makes it unhashable (``TypeError`` when used as a key)."""
    if isinstance(value, (list, tuple)):
        return ("l", tuple(map(value_key, value)))
    if isinstance(value, dict):
        return ("d", tuple((k, value_key(v)) for k, v in value.items()))
    return value_key(value)   # -0.0 and 0.0, True and 1: apart, as distinct() keeps them


class TableScorer(ValueScorer):
    """A scorer of one value that may be a list or a table: each distinct
    value is scored once, lists and tables included. A TOML/JSON table under
    the leaf's key arrives flattened into dotted keys (``"key.人民路" = 3.2``);
    it is put back together here."""

    @classmethod
    def input_tables(cls, key, params):
        return [key]

    def score_many(self, values, params, datas):
        values = list(values)
        prefix = self.key + "."
        for i, v in enumerate(values):
            if v is None:
                data = datas[i]
                if isinstance(data, dict):   # TOML/JSON units; table rows hold a cell per key
                    nested = {k[len(prefix):]: x for k, x in data.items() if k.startswith(prefix)}
                    if nested:
                        values[i] = nested
        found = distinct(values)
        if found is None:
            try:
                position: dict = {}
                reps: list = []
                idx = np.empty(len(values), dtype=np.intp)
                for j, v in enumerate(values):
                    key = _freeze(v)
                    p = position.get(key)
                    if p is None:
                        p = position[key] = len(reps)
                        reps.append(v)
                    idx[j] = p
            except TypeError:   # a value of an unusual type: unit by unit
                return Scorer.score_many(self, values, params, datas)
            found = reps, idx
        keys, idx = found
        outcomes = [self.score(k, params, {}) for k in keys]
        return Batch.shared(outcomes, idx, self.want_reasons)


class Sample(TableScorer):
    name = "sample"
    description = N_("sampled inspection points (点位): linear on the pass rate, or points lost per failing point; "
                   "results as a list or a table point:result")

    class Params(Params):
        max: Optional[float] = None       # a point passes when its number is ≤ max
        min: Optional[float] = None       # … or ≥ min; with neither, results are booleans
        full_at: Optional[float] = None   # on the pass rate; default 1
        zero_at: Optional[float] = None   # default 0
        per_fail: Optional[float] = Field(default=None, gt=0)
        min_points: int = Field(default=1, ge=1, strict=True)

        _rates = field_validator("full_at", "zero_at")(_on_a_rate)

        @field_validator("max", "min", "per_fail")
        @classmethod
        def _finite(cls, v):
            if v is not None and not (math.isfinite(v) and abs(v) <= 1e15):
                raise ValueError(_("must be a finite number"))
            return v

        @model_validator(mode="after")
        def _either(self):
            problems = ([_("give either max or min, not both")] if self.max is not None and self.min is not None
                        else []) + _linear_or(self, "per_fail")
            if problems:
                raise ValueError("; ".join(problems))
            return self

    @classmethod
    def input_help(cls, key, params, points):
        if params.max is not None:
            each = _("each point's number, passing at ≤ {max}").format(max=fmt(params.max))
        elif params.min is not None:
            each = _("each point's number, passing at ≥ {min}").format(min=fmt(params.min))
        else:
            each = _("each point's result, yes/no")
        if params.per_fail is not None:
            score = _("{per} points lost per failing point").format(per=fmt(params.per_fail))
        else:
            score = _("points follow the pass rate")
        booleans = params.max is None and params.min is None
        table, listed = ("人民路:是;解放路:否", "是;否") if booleans else ("人民路:3.2;解放路:6.1", "3.2;6.1")
        return _("sampled points: {each}, as point:result;point:result (e.g. {table}) or a list "
                 "{listed}; {score}; at least {n} point(s)").format(each=each, table=table, listed=listed, score=score,
                                                                    n=params.min_points)

    def _passes(self, raw: Any, params) -> tuple[bool, str]:
        """Whether one point passes, and its result as shown in a reason."""
        if params.max is None and params.min is None:
            return to_bool(raw), ""
        v = to_number(raw)
        return (v <= params.max if params.max is not None else v >= params.min), fmt(v)

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            if isinstance(value, dict) or is_table_text(value):
                points = [(name, raw, True) for name, raw in to_table(value)]
            else:
                entries = to_list(value) if isinstance(value, str) else (
                    list(value) if isinstance(value, (list, tuple)) else [value])
                points = [(f"#{k}", raw, False) for k, raw in enumerate(entries, start=1)]
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        n = len(points)
        if n < params.min_points:
            return Outcome.invalid(ngettext_points(n, params.min_points))
        failing = []
        for name, raw, _named in points:
            try:
                ok, shown = self._passes(raw, params)
            except ValueInvalid as exc:
                return Outcome.invalid(_("point {name}: {reason}").format(name=name, reason=exc))
            if not ok:
                failing.append(f"{name} ({shown})" if shown else name)
        passed = n - len(failing)
        rate = passed / n
        reasons = [_("pass rate {rate} (n={n}, {passed} passed)").format(rate=percent(rate), passed=passed, n=n)]
        if params.per_fail is not None:
            lost = min(self.points, params.per_fail * len(failing))
            fraction = (self.points - lost) / self.points
            if failing:
                reasons.append(_("{count} failing × {per} = {lost} points deducted").format(
                    count=len(failing), per=fmt(params.per_fail), lost=fmt(params.per_fail * len(failing)))
                    + (_(", at most {points}").format(points=fmt(self.points)) if lost < params.per_fail * len(failing) else ""))
        else:
            fraction = _linear_scored(rate, params, reasons)
        if failing:
            more = len(failing) - MOST_NAMED
            reasons.append(_("failing: {points}").format(points=_(", ").join(failing[:MOST_NAMED]))
                           + (_(" … ({count} in all)").format(count=len(failing)) if more > 0 else ""))
        return Outcome(max(0.0, min(1.0, fraction)), "ok", reasons)


def ngettext_points(n: int, least: int) -> str:
    return _("{n} point(s) sampled, at least {least} needed").format(n=n, least=least)


class Survey(TableScorer):
    name = "survey"
    description = N_("answer counts of a survey (option:count;…): the weighted rate of the options counted, "
                   "banded or linear")

    class Params(Params):
        weights: dict[str, float] = Field(min_length=1)
        ignore: list[str] = []

        @field_validator("ignore")
        @classmethod
        def _ignore(cls, ignore):
            return [normalize(o) for o in ignore]
        min_responses: int = Field(default=1, ge=1, strict=True)
        bands: Optional[list[tuple[float, float]]] = Field(default=None, min_length=1)
        better: Literal["higher", "lower"] = "higher"
        full_at: Optional[float] = None
        zero_at: Optional[float] = None
        name: Optional[str] = Field(default=None, min_length=1)

        _rates = field_validator("full_at", "zero_at")(_on_a_rate)

        @field_validator("weights", mode="before")
        @classmethod
        def _weights_text(cls, weights):
            """``weights = "满意:1;基本满意:0.8;不满意:0"`` reads as the table (TOML needs quotes round Chinese keys)."""
            if isinstance(weights, str):
                try:
                    return {k: to_number(v) for k, v in to_table(weights)}
                except ValueInvalid as exc:
                    raise ValueError(str(exc)) from None
            return weights

        @field_validator("weights")
        @classmethod
        def _weights(cls, weights):
            for option, weight in weights.items():
                if not (math.isfinite(weight) and 0 <= weight <= 1):
                    raise ValueError(_("{option!r} has weight {weight}; weights are from 0 to 1").format(
                        option=option, weight=fmt(weight)))
            return {normalize(k): v for k, v in weights.items()}   # as a unit's options are read (NFKC)

        @field_validator("bands")
        @classmethod
        def _bands(cls, bands):
            if bands is None:
                return bands
            for threshold, fraction in bands:
                _on_a_rate(threshold)
                if not 0 <= fraction <= 1:
                    raise ValueError(_("fraction {fraction} of threshold {threshold} must be in [0, 1]").format(
                        fraction=fmt(fraction), threshold=fmt(threshold)))
            if len({t for t, _f in bands}) != len(bands):
                raise ValueError(_("two bands have the same threshold"))
            return bands

        @model_validator(mode="after")
        def _either(self):
            problems = _linear_or(self, "bands")
            both = [o for o in self.ignore if o.strip() in self.weights]
            if both:
                problems.append(_("options both weighted and ignored: {options}").format(options=", ".join(both)))
            if problems:
                raise ValueError("; ".join(problems))
            return self

    @classmethod
    def input_help(cls, key, params, points):
        options = list(params.weights) + [o.strip() for o in params.ignore]
        example = ";".join(f"{o}:{n}" for o, n in zip(options, (820, 120, 60, 30, 10, 5)))
        text = _("answer counts, option:count;option:count (e.g. {example}); options: {options}; whole numbers, "
                 "at least {n} counted answer(s)").format(example=example, options=_(", ").join(options),
                                                          n=params.min_responses)
        if params.ignore:
            text += _("; not counted: {options}").format(options=_(", ").join(params.ignore))
        return text

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        if not (isinstance(value, dict) or is_table_text(value)):
            return Outcome.invalid(_("expected answer counts as option:count;option:count, got {value}").format(
                value=_short(value)))
        try:
            pairs = to_table(value)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        ignore = {o.strip() for o in params.ignore}
        known = list(params.weights) + [o for o in ignore if o not in params.weights]
        folded = {o.casefold(): o for o in known}
        counted = weighted = 0.0
        left_out = []
        seen: set[str] = set()
        for written, raw in pairs:
            option = written if written in params.weights or written in ignore else folded.get(written.casefold())
            if option is None:
                return Outcome.invalid(_("option {option!r} is in neither weights nor ignore ({known})").format(
                    option=written if len(written) <= 40 else written[:37] + "...", known=", ".join(known)))
            if option in seen:
                return Outcome.invalid(_("option {option!r} is given twice").format(option=option))
            seen.add(option)
            try:
                count = to_number(raw)
            except ValueInvalid as exc:
                return Outcome.invalid(_("{option}: {reason}").format(option=option, reason=exc))
            if count < 0 or count != int(count):
                return Outcome.invalid(_("{option}: a count is a whole number ≥ 0, not {count}").format(
                    option=option, count=fmt(count)))
            if option in ignore:
                left_out.append(f"{option} {fmt(count)}")
                continue
            counted += count
            weighted += params.weights[option] * count
        name = params.name or _("rate")
        if counted < params.min_responses:
            return Outcome.invalid(_("{n} counted answer(s), at least {least} needed").format(
                n=fmt(counted), least=params.min_responses))
        rate = weighted / counted
        reasons = [_("{name} {rate} (n={n})").format(name=name, rate=percent(rate), n=fmt(counted))]
        if params.bands is not None:
            fraction, said = self._band(rate, params)
            reasons.append(said)
        else:
            fraction = _linear_scored(rate, params, reasons)
        if left_out:
            reasons.append(_("not counted: {options}").format(options=_(", ").join(left_out)))
        return Outcome(fraction, "ok", reasons)

    @staticmethod
    def _band(rate: float, params) -> tuple[float, str]:
        if params.better == "higher":
            fit = [(t, f) for t, f in params.bands if t <= rate + EPS]
            band, word = (max(fit) if fit else None), "≥"
        else:
            fit = [(t, f) for t, f in params.bands if t >= rate - EPS]
            band, word = (min(fit) if fit else None), "≤"
        if band is None:
            return 0.0, _("{rate} is outside every band").format(rate=percent(rate))
        return band[1], _("{rate} {word} {threshold}: {share} of the points").format(
            rate=percent(rate), word=word, threshold=percent(band[0]), share=percent(band[1]))


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


SAMPLING_SCORERS = [Sample, Survey]
