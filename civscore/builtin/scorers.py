"""The built-in scorers of SPEC §2 (and §7.4's sample and survey, in :mod:`.sampling`), registered through ``civscore_scorers``
exactly as a third-party plugin registers its own."""
from __future__ import annotations

import math
from typing import Any, Literal, Mapping

from pydantic import Field, PrivateAttr, field_validator, model_validator

from ..formula import Formula, FormulaError, FormulaValueError
from ..hookspecs import hookimpl
from .sampling import SAMPLING_SCORERS
from ..contracts.scoring import Batch, Outcome, Params, Scorer, ValueScorer, distinct
from ..contracts.i18n import N_, _, ngettext
from ..contracts.values import (ValueInvalid, fmt, fold, is_list, is_missing, match_grade, normalize, to_bool,
                                to_count, to_list, to_number, to_text)


def clamp(x: float) -> float:
    return 0.0 if not x >= 0 else 1.0 if x > 1 else x   # NaN counts as 0, never passes through


PARAM_LIMIT = 1e15


def _brief(entries, sep: str, most: int = 10) -> str:
    """A unit's entries for a reason: at most ``most``, each at most 40 characters (a reason stays one short line)."""
    shown = [str(e) if len(str(e)) <= 40 else str(e)[:37] + "..." for e in list(entries[:most])]
    return sep.join(shown) + (_(" … ({count} in all)").format(count=len(entries)) if len(entries) > most else "")


def _finite(v: float) -> float:
    # bounded, so (v - zero_at) / (full_at - zero_at) can never overflow into inf - inf = NaN
    if not math.isfinite(v) or abs(v) > PARAM_LIMIT:
        raise ValueError(_("must be a finite number between -{limit} and {limit}").format(limit=f"{PARAM_LIMIT:.0e}"))
    return v


class Boolean(ValueScorer):
    name = "boolean"

    @classmethod
    def penalty_help(cls, key, params, points):
        bad = "是" if params.expect else "否"
        return _("yes/no (true/false); “{bad}” deducts {points} points").format(bad=bad, points=fmt(points))

    @classmethod
    def takes_unit(cls, params):
        return False

    @classmethod
    def value_kind(cls, key, params):
        return ("boolean", None)

    @classmethod
    def input_choices(cls, key, params):
        return ["是", "否"]

    @classmethod
    def input_help(cls, key, params, points):
        good = "是" if params.expect else "否"
        return _("是/否 (true/false); “{good}” earns the points").format(good=good)
    description = N_("1 if the value equals `expect` (true/false, yes/no, 是/否, 1/0), else 0")

    class Params(Params):
        expect: bool = True

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            got = to_bool(value)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        said = _("yes") if got else _("no")
        if self.id.startswith("penalty."):   # earning a penalty item's points costs the unit
            return Outcome(1.0 if got == params.expect else 0.0, "ok",
                           [_("{said}: the penalty applies").format(said=said) if got == params.expect
                            else _("{said}: no penalty").format(said=said)])
        if got == params.expect:
            return Outcome(1.0, "ok", [_("{said}, as required").format(said=said)])
        return Outcome(0.0, "ok", [_("{said}, but {wanted} is required").format(said=said, wanted=_("yes") if params.expect else _("no"))])


class Checklist(ValueScorer):
    name = "checklist"

    @classmethod
    def takes_unit(cls, params):
        return False

    @classmethod
    def value_kind(cls, key, params):
        return ("list", list(params.items))

    @classmethod
    def input_help(cls, key, params, points):
        text = _("the items in place, separated by ; (or as an array): {items}").format(items=";".join(params.items))
        if params.required:
            text += _("; required: {required} (without them the item earns nothing)").format(
                required=_(", ").join(params.required))
        return text
    description = N_("share of `items` present; 0 if any `required` item is absent")

    class Params(Params):
        items: list[str] = Field(min_length=1)
        required: list[str] = []

        @model_validator(mode="after")
        def _required_in_items(self):
            unknown = [r for r in self.required if r not in self.items]
            if unknown:
                raise ValueError(_("required entries not in items: {entries}").format(entries=", ".join(unknown)))
            if len(set(self.items)) != len(self.items):
                raise ValueError(_("items has repeated entries"))
            return self

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            given = to_list(value)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        given_set = set(given)
        known = {normalize(i) for i in params.items}   # items as a unit writes them (NFKC: （ is (, as in the unit's)
        present = [i for i in params.items if normalize(i) in given_set]
        absent = [i for i in params.items if normalize(i) not in given_set]
        extra = [g for g in dict.fromkeys(given) if g not in known]
        reasons = [_("{n} of {total} present").format(n=len(present), total=len(params.items))]
        if absent:
            reasons.append(_("absent: {items}").format(items=_(", ").join(absent)))
        if extra:
            reasons.append(_("not in the checklist, ignored: {items}").format(items=_brief(extra, _(", "))))
        fraction = len(present) / len(params.items)
        missing_required = [r for r in params.required if normalize(r) not in given_set]
        if missing_required:
            reasons.insert(0, _("required item absent: {items}").format(items=_(", ").join(missing_required)))
            fraction = 0.0
        return Outcome(fraction, "ok", reasons)


class Linear(ValueScorer):
    name = "linear"

    @classmethod
    def penalty_help(cls, key, params, points):
        return _("a number; {zero} deducts nothing, {full} deducts the whole {points} points, in proportion between").format(
            zero=fmt(params.zero_at), full=fmt(params.full_at), points=fmt(points))

    @classmethod
    def value_kind(cls, key, params):
        return ("number", None)

    @classmethod
    def input_help(cls, key, params, points):
        lower = params.zero_at > params.full_at
        text = (_("a number; {zero_at} earns 0, {full_at} earns full points, proportional in between (lower is better)")
                if lower else
                _("a number; {zero_at} earns 0, {full_at} earns full points, proportional in between (higher is better)"))
        return text.format(zero_at=fmt(params.zero_at), full_at=fmt(params.full_at))
    description = N_("clamp((v − zero_at) / (full_at − zero_at), 0, 1); zero_at > full_at means lower is better")

    class Params(Params):
        zero_at: float
        full_at: float

        finite_ = field_validator("zero_at", "full_at")(_finite)

        @model_validator(mode="after")
        def _differ(self):
            if self.zero_at == self.full_at:
                raise ValueError(_("zero_at and full_at must differ"))
            return self

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            v = to_number(value)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        fraction = clamp((v - params.zero_at) / (params.full_at - params.zero_at))
        if self.id.startswith("penalty."):   # the points it earns are deducted: say it from that side
            return Outcome(fraction, "ok", [_("{v}: nothing deducted at {zero}, the whole penalty at {full}").format(
                v=fmt(v), zero=fmt(params.zero_at), full=fmt(params.full_at))])
        said = _("{v}: 0 points at {zero}, full at {full} (lower is better)") if params.zero_at > params.full_at \
            else _("{v}: 0 points at {zero}, full at {full} (higher is better)")
        return Outcome(fraction, "ok", [said.format(v=fmt(v), zero=fmt(params.zero_at), full=fmt(params.full_at))])


class Bands(ValueScorer):
    name = "bands"

    @classmethod
    def penalty_help(cls, key, params, points):
        higher = params.better == "higher"
        word = "≥" if higher else "≤"
        bands = sorted(params.bands, key=lambda t: -t[0] if higher else t[0])
        return _("a number; deducted: {bands}").format(
            bands=", ".join(f"{word}{fmt(t)} → {fmt(f * points)}" for t, f in bands))

    @classmethod
    def value_kind(cls, key, params):
        return ("number", None)

    @classmethod
    def input_help(cls, key, params, points):
        higher = params.better == "higher"
        word = "≥" if higher else "≤"
        bands = sorted(params.bands, key=lambda t: -t[0] if higher else t[0])
        steps = _(", ").join(_("{bound}{threshold} earns {percent}%").format(bound=word, threshold=fmt(t), percent=fmt(f * 100))
                             for t, f in bands)
        text = _("a number; {bands} (higher is better)") if higher else _("a number; {bands} (lower is better)")
        return text.format(bands=steps)
    description = N_("higher: the largest threshold ≤ v gives the fraction; lower: the smallest threshold ≥ v does")

    class Params(Params):
        bands: list[tuple[float, float]] = Field(min_length=1)
        better: Literal["higher", "lower"] = "higher"

        @field_validator("bands")
        @classmethod
        def _bands(cls, bands):
            for threshold, fraction in bands:
                _finite(threshold)
                if not 0 <= fraction <= 1:
                    raise ValueError(_("fraction {fraction} of threshold {threshold} must be in [0, 1]").format(
                        fraction=fraction, threshold=threshold))
            thresholds = [t for t, _ in bands]
            if len(set(thresholds)) != len(thresholds):
                raise ValueError(_("two bands have the same threshold"))
            return bands

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            v = to_number(value)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        if params.better == "higher":
            fit = [(t, f) for t, f in params.bands if t <= v]
            band = max(fit) if fit else None
            word = "≥"
        else:
            fit = [(t, f) for t, f in params.bands if t >= v]
            band = min(fit) if fit else None
            word = "≤"
        if band is None:
            return Outcome(0.0, "ok", [_("{rate} is outside every band").format(rate=fmt(v))])
        if self.id.startswith("penalty."):
            return Outcome(band[1], "ok", [_("{v} {word} {threshold}: {share} of the penalty deducted").format(
                v=fmt(v), word=word, threshold=fmt(band[0]), share=fmt(band[1] * 100) + "%")])
        return Outcome(band[1], "ok", [_("{rate} {word} {threshold}: {share} of the points").format(
            rate=fmt(v), word=word, threshold=fmt(band[0]), share=fmt(band[1] * 100) + "%")])


class Deduct(ValueScorer):
    name = "deduct"

    @classmethod
    def takes_unit(cls, params):
        return False

    @classmethod
    def value_kind(cls, key, params):
        return ("count", None)

    @classmethod
    def input_help(cls, key, params, points):
        return _("a count (or the instances listed, separated by ;); each costs {per} points, down to 0").format(
            per=fmt(params.per))
    description = N_("max(0, points − per × count) / points; a list counts its entries")

    class Params(Params):
        per: float = Field(gt=0)

        finite_ = field_validator("per")(_finite)

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            if is_list(value):           # an array, or instances written in a table cell: a;b;c
                value = to_list(value)
            count = to_count(value)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        lost = min(self.points, params.per * count)
        reasons = [ngettext("{count} instance × {per} = {lost} points deducted", "{count} instances × {per} = {lost} points deducted",
                            1 if count == 1 else 2).format(count=fmt(count), per=fmt(params.per), lost=fmt(params.per * count))
                   + (_(", at most {points}").format(points=fmt(self.points)) if params.per * count > self.points else "")]
        if isinstance(value, (list, tuple)) and value:
            reasons.append(_("instances: {items}").format(items=_brief(value, _("; "))))
        return Outcome((self.points - lost) / self.points, "ok", reasons)


class Grade(ValueScorer):
    name = "grade"

    @classmethod
    def takes_unit(cls, params):
        return False

    @classmethod
    def value_kind(cls, key, params):
        return ("grade", cls.grades_best_first(params))

    @classmethod
    def input_choices(cls, key, params):
        return cls.grades_best_first(params)

    @classmethod
    def input_help(cls, key, params, points):
        grades = cls.grades_best_first(params)
        return _("a grade, one of: {grades}").format(grades=" / ".join(
            _("{grade} ({percent}%)").format(grade=g, percent=fmt(params.scale[g] * 100)) for g in grades))

    @staticmethod
    def grades_best_first(params) -> list:
        scale = list(params.scale)
        return sorted(scale, key=lambda g: (-params.scale[g], scale.index(g)))
    description = N_("the grade's value in `scale`; a grade not in the scale is invalid")

    class Params(Params):
        scale: dict[str, float] = {"A": 1.0, "B": 0.8, "C": 0.6, "D": 0.0}

        @field_validator("scale")
        @classmethod
        def _scale(cls, scale):
            if not scale:
                raise ValueError(_("the scale needs at least one grade"))
            seen: dict[str, str] = {}
            for grade, fraction in scale.items():
                if not 0 <= fraction <= 1:
                    raise ValueError(_("grade {grade!r} has {fraction}; values must be in [0, 1]").format(
                        grade=grade, fraction=fraction))
                if not fold(grade):
                    raise ValueError(_("a grade of the scale is empty"))
                if fold(grade) in seen:   # grades compare trimmed and ignoring letter case (SPEC §2)
                    raise ValueError(_("grades {first!r} and {second!r} differ only in letter case or spaces").format(
                        first=seen[fold(grade)], second=grade))
                seen[fold(grade)] = grade
            return scale

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            grade = match_grade(value, params.scale)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        if grade is None:
            text = to_text(value)
            shown = text if len(text) <= 40 else text[:37] + "..."   # reasons stay short
            return Outcome.invalid(_("grade {grade!r} is not in the scale ({scale})").format(
                grade=shown, scale=", ".join(params.scale)))
        fraction = params.scale[grade]
        return Outcome(fraction, "ok", [_("grade {grade}: {share} of the points").format(grade=grade, share=fmt(fraction * 100) + "%")])


class Manual(ValueScorer):
    name = "manual"

    @classmethod
    def penalty_help(cls, key, params, points):
        return _("the points the assessor deducts, 0 to {points}").format(points=fmt(points))

    @classmethod
    def value_kind(cls, key, params):
        return ("number", None)

    @classmethod
    def input_help(cls, key, params, points):
        return _("the assessors' points, a number between 0 and {points}").format(points=fmt(points))
    description = N_("points given by an assessor, from 0 to the item's points")

    def score(self, value, params, data):
        if is_missing(value):
            return Outcome.missing()
        try:
            v = to_number(value)
        except ValueInvalid as exc:
            return Outcome.invalid(str(exc))
        if not 0 <= v <= self.points:
            return Outcome.invalid(_("{v} points is outside 0 to {points}").format(v=fmt(v), points=fmt(self.points)))
        return Outcome(v / self.points, "ok", [_("assessor gave {v} of {points}").format(v=fmt(v), points=fmt(self.points))])


class Ratio(Scorer):
    name = "ratio"

    @classmethod
    def takes_unit(cls, params):
        return False

    @classmethod
    def value_kind(cls, key, params):
        return ("number", None)

    @classmethod
    def input_help(cls, key, params, points):
        text = (_("a number, the numerator of {numerator} / {denominator}; a ratio of {full_at} ({percent}%) earns "
                  "full points") if key == params.numerator else
                _("a number, the denominator of {numerator} / {denominator}; a ratio of {full_at} ({percent}%) earns "
                  "full points; the denominator cannot be 0"))
        return text.format(numerator=params.numerator, denominator=params.denominator, full_at=fmt(params.full_at),
                           percent=fmt(params.full_at * 100))
    description = N_("linear on numerator / denominator between zero_at and full_at")

    class Params(Params):
        numerator: str = Field(min_length=1)
        denominator: str = Field(min_length=1)
        full_at: float
        zero_at: float = 0.0

        finite_ = field_validator("zero_at", "full_at")(_finite)

        @model_validator(mode="after")
        def _differ(self):
            if self.zero_at == self.full_at:
                raise ValueError(_("zero_at and full_at must differ"))
            return self

    @classmethod
    def input_keys(cls, key, params):
        return [params.numerator, params.denominator]

    def score_many(self, values, params, datas):
        column = getattr(datas, "column", None)
        if self.want_reasons or column is None:
            return super().score_many(values, params, datas)
        import numpy as np
        nums, ncode = counts(column(params.numerator))
        dens, dcode = counts(column(params.denominator))
        codes = np.maximum(ncode, dcode)              # invalid (2) if either input is unreadable ...
        codes[(ncode == 1) | (dcode == 1)] = 1        # ... but missing (1) if either is missing
        codes[(codes == 0) & (dens == 0)] = 2         # denominator 0: invalid
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = nums / np.where(dens == 0, 1.0, dens)
        fractions = np.clip((ratio - params.zero_at) / (params.full_at - params.zero_at), 0.0, 1.0)
        fractions[codes != 0] = 0.0
        return Batch(fractions, codes.astype(np.uint8))

    def score(self, value, params, data):
        num, den = data.get(params.numerator), data.get(params.denominator)
        read = read_inputs({params.numerator: num, params.denominator: den}, to_count)
        if isinstance(read, Outcome):
            return read
        n, d = read[params.numerator], read[params.denominator]
        if d == 0:
            return Outcome.invalid(_("{key} is 0: the ratio is undefined").format(key=params.denominator))
        r = n / d
        fraction = clamp((r - params.zero_at) / (params.full_at - params.zero_at))
        return Outcome(fraction, "ok", [_("{n} / {d} = {ratio}; full at {full}").format(
            n=fmt(n), d=fmt(d), ratio=f"{r:.1%}", full=f"{params.full_at:.0%}")])


class FormulaScorer(Scorer):
    name = "formula"

    @classmethod
    def takes_unit(cls, params):
        return False

    @classmethod
    def value_kind(cls, key, params):
        return ("number", None)

    @classmethod
    def input_help(cls, key, params, points):
        return _("a number, used in the formula {expr}").format(expr=params.expr)
    description = N_("an arithmetic expression of named inputs giving points, clamped to [0, points]")

    class Params(Params):
        expr: str
        _formula: Formula = PrivateAttr()

        @field_validator("expr")
        @classmethod
        def _parse(cls, expr):
            try:
                Formula(expr)
            except FormulaError as exc:
                raise ValueError(str(exc)) from None
            return expr

        def model_post_init(self, __context: Any) -> None:
            self._formula = Formula(self.expr)

    @classmethod
    def input_keys(cls, key, params):
        return list(params._formula.names)

    def score_many(self, values, params, datas):
        column = getattr(datas, "column", None)
        formula = params._formula
        if self.want_reasons or column is None or not formula.names:
            return super().score_many(values, params, datas)
        import numpy as np
        cols, codes = {}, np.zeros(len(values), dtype=np.uint8)
        missing = np.zeros(len(values), dtype=bool)
        for name in formula.names:                    # every input is read, whichever branch is taken
            nums, code = numbers(column(name))
            cols[name] = nums
            codes = np.maximum(codes, code)           # invalid (2) if any input is unreadable ...
            missing |= code == 1
        codes[missing] = 1                            # ... but missing (1) if any is missing
        pts, invalid = formula.vector(cols)
        codes[(codes == 0) & invalid] = 2
        fractions = np.clip(np.where(codes == 0, pts, 0.0), 0.0, self.points) / self.points
        return Batch(fractions, codes)

    def score(self, value, params, data: Mapping[str, Any]):
        formula = params._formula
        variables = read_inputs({name: data.get(name) for name in formula.names}, formula_input)
        if isinstance(variables, Outcome):
            return variables
        try:
            pts = formula(variables)
        except FormulaValueError as exc:
            return Outcome.invalid(f"{formula.source}: {exc}")
        got = min(max(pts, 0.0), self.points)
        reason = f"{formula.source} = {fmt(pts)}"
        if got != pts:
            reason += _(", counted as {points}").format(points=fmt(got))
        return Outcome(got / self.points, "ok", [reason])


def read_inputs(raw: Mapping[str, Any], read) -> "dict[str, float] | Outcome":
    """Every named input read with ``read`` before anything is computed (SPEC
    §2): a missing outcome if any is missing, else an invalid one naming every
    input that cannot be read, else the values by name."""
    absent = [name for name, v in raw.items() if is_missing(v)]
    if absent:
        return Outcome.missing(_("no value for {keys}").format(keys=", ".join(absent)))
    values: dict[str, float] = {}
    bad = []
    for name, v in raw.items():
        try:
            values[name] = read(v)
        except ValueInvalid as exc:
            bad.append(f"{name}: {exc}")
    if bad:
        return Outcome.invalid("; ".join(bad))
    return values


def formula_input(value: Any) -> float:
    """A formula's input (SPEC §2): a number, else a boolean as 1 or 0 (是 → 1)."""
    try:
        return to_number(value)
    except ValueInvalid as exc:
        try:
            return 1.0 if to_bool(value) else 0.0
        except ValueInvalid:
            raise ValueInvalid(_("{reason}, nor true/false").format(reason=exc)) from None


def counts(values):
    """A column read as counts: (float64 array, status codes: 0 ok, 1 missing,
    2 invalid), each distinct value converted once."""
    return _column(values, to_count)


def numbers(values):
    """A column read as ``formula`` reads its inputs (booleans count 1/0)."""
    return _column(values, formula_input)


def _column(values, read):
    import numpy as np

    def convert(v):
        if is_missing(v):
            return 0.0, 1
        try:
            return read(v), 0
        except ValueInvalid:
            return 0.0, 2
    found = distinct(values)
    keys, idx = found if found is not None else (values, None)   # None: convert unit by unit
    pairs = [convert(k) for k in keys]
    nums = np.array([p[0] for p in pairs], dtype=np.float64).reshape(len(pairs))
    codes = np.array([p[1] for p in pairs], dtype=np.uint8).reshape(len(pairs))
    return (nums, codes) if idx is None else (nums[idx], codes[idx])


BUILTIN_SCORERS = [Boolean, Checklist, Linear, Bands, Deduct, Grade, Manual, Ratio, FormulaScorer] + SAMPLING_SCORERS


@hookimpl
def civscore_scorers():
    return BUILTIN_SCORERS
