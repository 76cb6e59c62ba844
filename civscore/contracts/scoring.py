"""The types a scorer is written with: :class:`Scorer`, :class:`Params`, :class:`Outcome`.

A scorer turns one leaf's input into a fraction in [0, 1] with reasons
(SPEC §2). The engine makes one scorer instance per leaf of a scheme, so
``self.points``, ``self.id`` and ``self.key`` describe the leaf being scored,
and calls :meth:`Scorer.score_many` once per leaf with the values of *all*
units. Simple scorers write only :meth:`Scorer.score`; fast ones override
:meth:`Scorer.score_many`.
"""
from __future__ import annotations

import math
import types
import typing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from .i18n import N_, _
from .values import CodedColumn, Percent

if TYPE_CHECKING:
    import numpy as np
else:
    from . import _np as np   # NumPy on first use, or pure-Python arrays inside python_arrays()

STATUSES = ("ok", "missing", "invalid", "error")


class Params(BaseModel):
    """Base of every scorer's parameter model. Unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True, defer_build=True)


#: the base model under a name that a scorer's nested ``Params`` class does not shadow
BaseParams = Params


@dataclass(slots=True)
class Outcome:
    """What a scorer says about one unit's item.

    :param fraction: share of the leaf's points earned, in [0, 1].
    :param status: ``ok``, ``missing`` (no value), ``invalid`` (a value the
        scorer cannot read) or ``error`` (the scorer failed). Anything but
        ``ok`` earns 0 points.
    :param reasons: human-readable sentences: why points were lost or earned.
    """

    fraction: float = 0.0
    status: str = "ok"
    reasons: list[str] = field(default_factory=list)

    @classmethod
    def missing(cls, reason: str | None = None) -> "Outcome":
        return cls(0.0, "missing", [_("no value given") if reason is None else reason])

    @classmethod
    def invalid(cls, reason: str) -> "Outcome":
        return cls(0.0, "invalid", [reason])


@dataclass(slots=True)
class Batch:
    """A fast answer of :meth:`Scorer.score_many`: columns instead of one
    :class:`Outcome` per unit.

    :param fractions: one float per unit (a NumPy array is fine).
    :param statuses: one status per unit: strings, or ``uint8`` codes in the
        order of :data:`STATUSES` (0 ok, 1 missing, 2 invalid, 3 error).
    :param reasons: one list of reasons per unit, or ``None`` when the engine
        asked for none (``self.want_reasons`` is false).
    """

    fractions: Any
    statuses: Any
    reasons: Any = None

    @classmethod
    def shared(cls, outcomes: "Sequence[Outcome]", idx: Any, want_reasons: bool = True) -> "Batch":
        """The batch of units that share outcomes: unit *i* gets ``outcomes[idx[i]]``
        (``idx`` a NumPy index array), as a scorer that scores each distinct value
        once answers."""
        fractions = np.array([o.fraction for o in outcomes], dtype=np.float64)[idx]
        codes = np.array([STATUSES.index(o.status) for o in outcomes], dtype=np.uint8)[idx]
        reasons = None
        if want_reasons:
            per_key = [o.reasons for o in outcomes]
            reasons = [per_key[i] for i in idx.tolist()]
        return cls(fractions, codes, reasons)


class Scorer:
    """Base class of every scorer, built-in or third-party.

    Subclasses set :attr:`name` (what criteria write in ``scorer =``), may
    define a nested ``Params`` model, and implement :meth:`score` or
    :meth:`score_many`.
    """

    #: the name criteria use in ``scorer = "..."``; unique among installed scorers
    name: ClassVar[str] = ""
    #: the parameter model; a bad ``params`` table fails when the criteria load
    Params: ClassVar[type[BaseParams]] = BaseParams
    #: one line shown by ``civscore plugins`` and ``civscore explain``
    description: ClassVar[str] = ""

    def __init__(self, id: str = "", key: str = "", points: float = 1.0, params: BaseParams | None = None):
        self.id = id          # the leaf's full id, e.g. "ideology.study"
        self.key = key        # the data key its value is read from
        self.points = float(points)
        self.params = params if params is not None else type(self).Params()
        #: False when the report needs no reasons (big CSV runs): a fast
        #: ``score_many`` may then skip writing them.
        self.want_reasons = True

    # -- what a scorer reads -------------------------------------------------
    @classmethod
    def input_keys(cls, key: str, params: BaseParams) -> list[str]:
        """Data keys this leaf reads. Default: its own input key.

        Scorers that read named inputs (``ratio``, ``formula``) return those;
        ``check`` lists them when missing and ``init`` writes them into
        templates.
        """
        return [key]

    @classmethod
    def input_tables(cls, key: str, params: BaseParams) -> list[str]:
        """Keys this leaf reads a whole table from (SPEC §7.4): a TOML/JSON
        table written under such a key arrives as dotted keys (``key.人民路``),
        which are then the scorer's, not unknown keys. Default: none."""
        return []

    @classmethod
    def input_help(cls, key: str, params: BaseParams, points: float) -> str:
        """What a unit writes under ``key``, one line for ``civscore init``'s
        templates (e.g. "各采样点尘土克数，用 ; 分隔"). Default: none, and the
        template shows :attr:`description`."""
        return ""

    @classmethod
    def penalty_help(cls, key: str, params: BaseParams, points: float) -> str:
        """:meth:`input_help` for a penalty item, whose earned points are deducted:
        what to write, said from the penalty side ("“是” deducts 5 points").
        Default: none, and the template adds to :meth:`input_help` that the
        points are deducted."""
        return ""

    @classmethod
    def input_choices(cls, key: str, params: BaseParams) -> list[str]:
        """The closed list of values a unit may write under ``key`` (a
        template's drop-down: yes/no, a grade scale), best first; default:
        none, any value."""
        return []

    @classmethod
    def value_kind(cls, key: str, params: BaseParams) -> "tuple[str, Any] | None":
        """What kind of value ``key`` holds, so that several assessors' values
        are combined right (docs/assessors.md): ``("number", None)``,
        ``("count", None)``, ``("boolean", None)``, ``("grade", grades best
        first)`` or ``("list", the known items)``. Default ``None``: the kind
        is inferred from the values."""
        return None

    @classmethod
    def takes_unit(cls, params: BaseParams) -> bool:
        """True when the scorer reads its leaf's own input as one number, so a
        leaf may say ``unit = "%"`` and get that number on the 0–100 scale
        (SPEC §7.2: ``"96%"`` and a percentage cell holding 0.96 arrive as 96).
        Default True: a plugin scorer gets the value already converted;
        built-ins that read text, lists, counts or other inputs say False."""
        return True

    @classmethod
    def param_docs(cls) -> list[dict[str, Any]]:
        """The scorer's params as ``civscore explain --scorers`` lists them: one
        dict per field of :attr:`Params` with ``name``, ``type`` (as a criteria
        author reads it: ``number``, ``list of text``, ``"higher" | "lower"``),
        ``required`` and ``default`` (JSON-ready). Read from the pydantic model,
        so a plugin scorer's params are listed without any code of its own;
        override to say more."""
        out = []
        for name, info in cls.Params.model_fields.items():
            required = info.is_required()
            default = None if required else info.get_default(call_default_factory=True)
            if isinstance(default, BaseModel):
                default = default.model_dump()
            elif isinstance(default, tuple):
                default = list(default)
            out.append({"name": info.alias or name, "type": type_name(info.annotation), "required": required,
                        "default": default, "description": info.description or ""})
        return out

    @classmethod
    def check_params(cls, params: BaseParams, points: float) -> list[str]:
        """Extra load-time checks needing the leaf's points; return error messages."""
        return []

    # -- scoring -------------------------------------------------------------
    def score(self, value: Any, params: BaseParams, data: Mapping[str, Any]) -> Outcome:
        """Score one unit. ``value`` is the leaf's input, ``None`` when missing;
        ``data`` maps every input key of the unit to its value."""
        raise NotImplementedError(_("scorer {name!r} implements neither score nor score_many").format(name=self.name))

    def score_many(self, values: Sequence[Any], params: BaseParams, datas: Sequence[Mapping[str, Any]]) -> Iterable[Outcome]:
        """Score one leaf for all units at once; returns one :class:`Outcome` per unit,
        in order. The default calls :meth:`score` for each unit."""
        score = self.score
        return [score(v, params, d) for v, d in zip(values, datas)]


_NO_DATA: Mapping[str, Any] = {}


class ValueScorer(Scorer):
    """A scorer whose outcome depends on the leaf's own value only (not on
    ``data``). Its :meth:`score_many` scores each *distinct* value once and
    shares the outcome among the units that gave it, so a million units with
    a few thousand distinct values cost a few thousand ``score`` calls."""

    def score_many(self, values, params, datas):

        found = distinct(values)
        if found is None:
            return Scorer.score_many(self, values, params, datas)
        keys, idx = found
        outcomes = [self.score(k, params, _NO_DATA) for k in keys]
        for out in outcomes:
            if not isinstance(out, Outcome) or out.status not in STATUSES:
                return Scorer.score_many(self, values, params, datas)  # let the engine report it unit by unit
        return Batch.shared(outcomes, idx, self.want_reasons)


def distinct(values: Sequence[Any]) -> "tuple[list, Any] | None":
    """The distinct values of a column and each unit's index into them (a
    NumPy array), so work done per value is done once; ``None`` when values
    cannot be told apart by hashing (lists, unusual types).

    Values are told apart by :func:`value_key`, never by Python equality
    alone: ``True``, ``1`` and ``1.0`` are equal as dict keys but are three
    values (a boolean is no number for a grade scale, and a plugin may read
    ``1`` and ``1.0`` differently), so each unit's result depends on its own
    value only, never on which unit came first. Each key's value is the
    first unit's, identical in type and value to every other unit's."""
    if type(values) is CodedColumn:   # a table file's column: its reader has the answer
        return values.distinct
    types = set(map(type, values))
    if not types <= _HASHABLE:
        return None
    numeric = types & _NUMERIC
    if len(numeric) <= 1:                       # str, None and one of bool/int/float: equal means identical ...
        keys = list(dict.fromkeys(values))
        if float not in numeric or not any(type(k) is float and k == 0 for k in keys):   # ... but -0.0 and 0.0
            position = {k: i for i, k in enumerate(keys)}
            return keys, np.fromiter(map(position.__getitem__, values), dtype=np.intp, count=len(values))
        return _distinct_by_type(values)
    return _distinct_by_type(values)


def _distinct_by_type(values: Sequence[Any]) -> "tuple[list, Any]":
    """:func:`distinct` of a column mixing kinds (a sheet's ints and floats): keyed by (type, value),
    hashed in C, unless a zero float is among them (``-0.0`` and ``0.0``: keyed one by one)."""
    pairs = list(zip(map(type, values), values))
    found = dict.fromkeys(pairs)
    if not any(t is float and v == 0 for t, v in found):
        position = {k: i for i, k in enumerate(found)}
        return [v for _t, v in found], np.fromiter(map(position.__getitem__, pairs), dtype=np.intp, count=len(values))
    first: dict = {}                            # equal across types: key by type too
    keyed = [value_key(v) for v in values]
    for k, v in zip(keyed, values):
        first.setdefault(k, v)
    position = {k: i for i, k in enumerate(first)}
    return list(first.values()), np.fromiter(map(position.__getitem__, keyed), dtype=np.intp, count=len(values))


def value_key(value: Any) -> Any:
    """A hashable key that is equal for two values only when they are the
    same value of the same type: ``True``, ``1``, ``1.0`` and ``-0.0``/``0.0``
    get different keys; a string or ``None`` is its own key."""
    kind = type(value)
    if kind is str or value is None:
        return value
    if kind is float:
        return (float, value, math.copysign(1.0, value))
    return (kind, value)


_NUMERIC = {bool, int, float}
_HASHABLE = {str, int, float, bool, type(None), Percent}   # a Percent never equals a float


_TYPE_WORDS = {float: N_("number"), int: N_("integer"), str: N_("text"), bool: N_("boolean"), type(None): N_("none")}


def type_name(annotation: Any) -> str:
    """A param's type in a criteria author's words (``list of text``,
    ``table of text → number``, ``"higher" | "lower"``)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in _TYPE_WORDS:
        return _(_TYPE_WORDS[annotation])
    if origin is typing.Literal:
        return " | ".join(f'"{a}"' if isinstance(a, str) else str(a) for a in args)
    if origin in (typing.Union, getattr(types, "UnionType", None)):
        named = " | ".join(type_name(a) for a in args if a is not type(None))
        return _("{type} (optional)").format(type=named) if type(None) in args else named
    if origin in (list, tuple, Sequence, set, frozenset):
        inner = [a for a in args if a is not Ellipsis]
        if origin is tuple and len(inner) > 1:
            return "[" + ", ".join(type_name(a) for a in inner) + "]"
        return _("list of {type}").format(type=type_name(inner[0]) if inner else _("values"))
    if origin in (dict, Mapping):
        return _("table of {key} → {value}").format(key=type_name(args[0]), value=type_name(args[1])) \
            if len(args) == 2 else _("table")
    if origin is typing.Annotated:
        return type_name(args[0])
    return getattr(annotation, "__name__", str(annotation))
