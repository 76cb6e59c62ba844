"""以克论净 ("clean, measured in grams"): the ``dust-weight`` scorer.

Inspectors vacuum one square metre of road surface at several sampling points
and weigh the dust. Shijiazhuang's 长安区 allows at most 5 g/m² inside the 2nd
ring road, 8 g/m² outside it and 20 g/m² on pavements. A criterion names the
limit (``limit = 5``) or a zone (``zone = "inner"``), and how the sampling
points become the item's share of points (``aggregate``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal, Mapping, Optional

from pydantic import Field, field_validator, model_validator

import civscore

#: the 长安区 standard, g/m², by zone
DEFAULT_LIMITS = {"inner": 5.0, "outer": 8.0, "pavement": 20.0}
MAX_POINTS = 10_000
LISTED = 5          # over-limit points named in a reason


@dataclass(frozen=True)
class Sample:
    point: str               # the sampling point's name, or "#3" when unnamed
    grams: float             # g/m²
    zone: Optional[str] = None


class BadValue(ValueError):
    """The value cannot be read; the message is the reason the unit sees."""


def g(x: float) -> str:
    """A weight as a person writes it: 5, 4.2, 12.35."""
    return f"{x:.2f}".rstrip("0").rstrip(".") if x != int(x) or abs(x) >= 1e15 else str(int(x))


class DustWeight(civscore.Scorer):
    """Dust weight (g/m²) at several sampling points against a limit.

    The value is the points' measurements in any of these forms:

    - a number (one point) or a list of numbers: ``[4.2, 3.8, 6.1]``
    - text, as in a CSV cell: ``4.2;3.8;6.1`` or ``建设北大街=4.2;中山东路=3.8``;
      ``name@zone=grams`` gives a point its own zone
    - a table of points: ``{ "建设北大街" = 4.2, "中山东路" = 3.8 }``, a point
      with its own zone written ``{ grams = 14.5, zone = "pavement" }``
    - a list of tables: ``[{ point = "建设北大街", grams = 4.2 }, ...]``
    """

    name = "dust-weight"
    description = "以克论净: dust in g/m² at sampling points against a limit (mean, share within the limit, or worst point)"

    class Params(civscore.Params):
        #: g/m² allowed at every point (give this or ``zone``)
        limit: Optional[float] = Field(default=None, gt=0)
        #: a zone of ``limits`` whose limit applies (give this or ``limit``)
        zone: Optional[str] = None
        #: zone → g/m²; a point may name its own zone
        limits: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_LIMITS))
        #: mean: the mean load (grams / limit) of the points, full marks up to 1, none from
        #: ``zero_factor``; share: the share of points within their limit; worst: the
        #: worst point's load, like mean
        aggregate: Literal["mean", "share", "worst"] = "mean"
        #: for mean and worst: the load, as a multiple of the limit, that earns nothing
        zero_factor: float = Field(default=2.0, gt=1)
        #: fewer sampling points than this is invalid
        min_points: int = Field(default=1, ge=1, le=MAX_POINTS)

        @field_validator("limit", "zero_factor")
        @classmethod
        def _finite(cls, v):
            if v is not None and not math.isfinite(v):
                raise ValueError("must be a finite number")
            return v

        @field_validator("limits")
        @classmethod
        def _limits(cls, limits):
            for zone, grams in limits.items():
                if not zone or not math.isfinite(grams) or grams <= 0:
                    raise ValueError(f"zone {zone!r}: the limit must be a number of g/m² above 0, not {grams}")
            return limits

        @model_validator(mode="after")
        def _limit_or_zone(self):
            if self.limit is not None and self.zone is not None:
                raise ValueError("give limit or zone, not both")
            if self.limit is None and self.zone is None:
                raise ValueError(f"give limit (g/m²) or zone (one of {', '.join(self.limits)})")
            if self.zone is not None and self.zone not in self.limits:
                raise ValueError(f"zone {self.zone!r} is not in limits ({', '.join(self.limits)})")
            return self

    @classmethod
    def input_help(cls, key: str, params: Params, points: float) -> str:
        """The line ``civscore init`` writes into templates (older civscore ignores it)."""
        limit = params.limit if params.limit is not None else params.limits[params.zone]
        how = {"mean": "平均值", "share": "达标点位比例", "worst": "最差点位"}[params.aggregate]
        return (f"各采样点尘土残存量（克/平方米），如 建设北大街=4.2;中山东路=3.8 或 [4.2, 3.8]；"
                f"至少 {params.min_points} 个点，限值 {g(limit)} 克/平方米，按{how}计分")

    # -- scoring -----------------------------------------------------------------
    def score(self, value: Any, params: Params, data: Mapping[str, Any]) -> civscore.Outcome:
        if value is None:
            value = self._nested(data)   # a [data."roads.dust"] table arrives as dotted keys
        try:
            samples = read_samples(value)
        except BadValue as exc:
            return civscore.Outcome.invalid(str(exc))
        if not samples:
            return civscore.Outcome.missing("no sampling points measured")
        if len(samples) < params.min_points:
            return civscore.Outcome.invalid(f"only {len(samples)} sampling point(s); this item needs at least "
                                            f"{params.min_points}")
        default = params.limit if params.limit is not None else params.limits[params.zone]
        limits = []
        for s in samples:
            if s.zone is None:
                limits.append(default)
            elif s.zone in params.limits:
                limits.append(params.limits[s.zone])
            else:
                return civscore.Outcome.invalid(f"point {s.point}: unknown zone {s.zone!r}; "
                                                f"zones: {', '.join(params.limits)}")
        return judge(samples, limits, params)

    def _nested(self, data: Mapping[str, Any]) -> Optional[dict[str, Any]]:
        prefix = self.key + "."
        found = {k[len(prefix):]: v for k, v in data.items() if k.startswith(prefix)}
        if not found:
            return None
        points: dict[str, Any] = {}
        for key, v in found.items():
            name, _, field = key.rpartition(".")
            if name and field in ("grams", "zone"):
                entry = points.setdefault(name, {})
                if isinstance(entry, dict):
                    entry[field] = v
                    continue
            points[key] = v
        return points


def judge(samples: list[Sample], limits: list[float], params: DustWeight.Params) -> civscore.Outcome:
    loads = [s.grams / lim for s, lim in zip(samples, limits)]
    n = len(samples)
    one_limit = len(set(limits)) == 1
    within = sum(1 for x in loads if x <= 1)
    if params.aggregate == "share":
        fraction = within / n
        summary = f"{within} of {n} sampling point(s) within the limit ({within / n:.0%})"
    else:
        load = sum(loads) / n if params.aggregate == "mean" else max(loads)
        fraction = 1.0 if load <= 1 else max(0.0, (params.zero_factor - load) / (params.zero_factor - 1))
        if params.aggregate == "mean" and one_limit:
            mean = sum(s.grams for s in samples) / n
            summary = f"{n} sampling point(s), mean {g(mean)} g/m² against a limit of {g(limits[0])} g/m²"
        elif params.aggregate == "mean":
            summary = f"{n} sampling point(s), mean load {load:.2f} × their limits"
        else:
            summary = f"{n} sampling point(s), worst load {load:.2f} × its limit"
        if load > 1:
            summary += (f": {load:.2f} × the limit earns {fraction:.0%} of the points "
                        f"(nothing from {g(params.zero_factor)} ×)")
    worst = max(range(n), key=lambda i: loads[i])
    w = samples[worst]
    reasons = [summary,
               f"worst point: {w.point} {g(w.grams)} g/m² (limit {g(limits[worst])}"
               + (f", {loads[worst]:.2f} ×)" if loads[worst] > 1 else ")")]
    over = sorted((i for i in range(n) if loads[i] > 1), key=lambda i: -loads[i])
    if len(over) > 1:
        listed = "; ".join(f"{samples[i].point} {g(samples[i].grams)} > {g(limits[i])}" for i in over[:LISTED])
        reasons.append(f"{len(over)} point(s) over the limit: {listed}" + (" …" if len(over) > LISTED else ""))
    return civscore.Outcome(min(1.0, max(0.0, fraction)), "ok", reasons)


# -- reading the measurements ------------------------------------------------------
def read_samples(value: Any) -> list[Sample]:
    """The sampling points of one unit's value (see :class:`DustWeight`)."""
    if value is None:
        return []
    if isinstance(value, str):
        entries = [e.strip() for e in value.replace("；", ";").split(";")]
        samples = [_from_text(e, i) for i, e in enumerate((e for e in entries if e), start=1)]
    elif isinstance(value, Mapping):
        samples = [_from_entry(v, str(k), None) for k, v in value.items()]
    elif isinstance(value, (list, tuple)):
        samples = [_from_entry(v, None, i) for i, v in enumerate(value, start=1)]
    else:
        samples = [Sample("#1", _grams(value, "#1"))]
    if len(samples) > MAX_POINTS:
        raise BadValue(f"{len(samples)} sampling points; at most {MAX_POINTS} are read")
    return samples


def _from_text(entry: str, i: int) -> Sample:
    for sep in ("=", "：", ":"):
        if sep in entry:
            name, _, grams = entry.rpartition(sep)
            name, _, zone = name.strip().partition("@")
            name = name.strip() or f"#{i}"
            return Sample(name, _grams(grams, name), zone.strip() or None)
    return Sample(f"#{i}", _grams(entry, f"#{i}"))


def _from_entry(v: Any, name: Optional[str], i: Optional[int]) -> Sample:
    if isinstance(v, Mapping):
        unknown = [k for k in v if k not in ("point", "name", "grams", "zone")]
        if unknown:
            raise BadValue(f"sampling point {name or f'#{i}'}: unknown key {unknown[0]!r}; "
                           "a point has point, grams and zone")
        name = name or str(v.get("point") or v.get("name") or f"#{i}")
        zone = v.get("zone")
        if zone is not None and not isinstance(zone, str):
            raise BadValue(f"point {name}: zone must be text, not {zone!r}")
        return Sample(name, _grams(v.get("grams"), name), (zone or "").strip() or None)
    if isinstance(v, str) and name is None:
        return _from_text(v.strip(), i or 1)
    name = name or f"#{i}"
    return Sample(name, _grams(v, name))


def _grams(v: Any, point: str) -> float:
    if v is None or (isinstance(v, str) and not v.strip()):
        raise BadValue(f"point {point}: no measurement")
    if isinstance(v, bool):
        raise BadValue(f"point {point}: expected g/m² (a number), got {v!r}")
    try:
        grams = float(v.strip()) if isinstance(v, str) else float(v)
    except (TypeError, ValueError, OverflowError):
        text = repr(v) if len(repr(v)) <= 40 else repr(v)[:37] + "..."
        raise BadValue(f"point {point}: expected g/m² (a number), got {text}") from None
    if not math.isfinite(grams) or grams < 0:
        raise BadValue(f"point {point}: {v!r} g/m² is not a weight (a finite number ≥ 0)")
    return grams
