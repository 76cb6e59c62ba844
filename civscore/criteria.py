"""Criteria files (SPEC §1): TOML in, a validated :class:`Scheme` out.

Everything is checked when the file loads, before any submission is read. A
TOML syntax error names line and column; every other error names the file
and the dotted key path (``criteria.ideology.study.params.items``). All
errors of a file are collected, so a criteria author fixes them in one pass.
"""
from __future__ import annotations

import hashlib
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .contracts.rating import dotted
from .contracts.errors import CriteriaError, long_number_where, toml_message, toml_where
from .contracts.i18n import N_, _, ngettext
from .contracts.limits import toml_problem
from .contracts.values import fmt
from .plugins import Registry, bundled_folder, did_you_mean
from .contracts.scoring import Params, Scorer

FORMAT = "civscore/1"
ID_RE = re.compile(r"^[A-Za-z0-9_-]+$")
RESERVED = ("title", "points", "scorer", "params", "input", "method", "hint", "description", "na", "unit")
#: the units a leaf may read its input in (SPEC §7.2)
UNITS = ("%",)
MAX_DEPTH = 32
MAX_FILE_BYTES = 5 * 1024 * 1024
EPS = 1e-9


class CriteriaErrors(CriteriaError):
    """Several errors in one criteria file; ``errors`` holds one line each."""

    def __init__(self, errors: list[str], source: str):
        self.errors = errors
        super().__init__(errors[0] if len(errors) == 1 else _("{first} (and {more} more)").format(
            first=errors[0], more=len(errors) - 1), None)
        self.source = source
        self.lines = [f"{source}: {e}" for e in errors]

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


# -- pydantic models of the fixed parts -----------------------------------------
class _Strict(BaseModel):
    # NaN/inf points are errors; each model's validator is built when it first validates, so a scheme
    # without caps or history rules never pays for theirs
    model_config = ConfigDict(extra="forbid", strict=False, allow_inf_nan=False, defer_build=True)


class SchemeMeta(_Strict):
    id: str
    title: str = Field(min_length=1)
    version: str
    full_marks: float = Field(gt=0, strict=True)   # strict: "100" and true are not numbers of points
    locale: Optional[str] = None
    description: Optional[str] = None

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        if not ID_RE.match(v):
            raise ValueError(_("use letters, digits, '-' and '_' only"))
        return v

    @field_validator("version", mode="before")
    @classmethod
    def _version(cls, v: Any) -> Any:
        if not isinstance(v, str):
            raise ValueError(_('must be a string, e.g. version = "2025.1"'))
        return v


class CapModel(_Strict):
    """SPEC §7.3: a unit whose ratio in ``criterion`` is below ``below`` gets at most ``max_stars``."""

    criterion: str = Field(min_length=1)
    below: float = Field(ge=0, le=1)
    max_stars: int = Field(ge=0, le=100, strict=True)


class RatingModel(_Strict):
    method: str = "thresholds"
    tie_break: list[str] = []
    levels: list[dict[str, Any]] = Field(min_length=1)
    caps: list[CapModel] = []
    # several assessors (docs/assessors.md): how their sheets are combined
    aggregate: Literal["mean", "median", "trimmed-mean"] = "mean"
    max_spread: Optional[float] = Field(default=None, ge=0)


class HistoryModel(_Strict):
    """SPEC §8's ``[history]`` rules (applied only by ``evaluate --history``)."""

    max_rise: Optional[int] = Field(default=None, ge=0, strict=True)        # awarded stars rise at most this much
    start_max: Optional[int] = Field(default=None, ge=0, strict=True)       # the most stars in a unit's first period
    ban_after_veto: Optional[int] = Field(default=None, ge=0, strict=True)  # 0 stars for this many periods after a veto
    #: oldest first; each > 0 (key paths name the weight: history.weights.2)
    weights: Optional[list[Annotated[float, Field(strict=True, gt=0)]]] = Field(default=None, min_length=1)


class LeafModel(_Strict):
    title: str = Field(min_length=1)
    points: float = Field(gt=0, strict=True)
    scorer: str = Field(min_length=1)
    params: dict[str, Any] = {}
    input: Optional[str] = None
    method: Optional[str] = None
    hint: Optional[str] = None
    description: Optional[str] = None
    na: bool = Field(default=False, strict=True)      # SPEC §7.1: a unit may mark it not applicable
    unit: Optional[str] = None                        # SPEC §7.2: "%" reads the input on a 0–100 scale

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and v not in UNITS:
            raise ValueError(_('unknown unit {unit!r}; the only unit is "%" (the input read on a 0–100 scale)').format(unit=v))
        return v

    @field_validator("points")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v) or v > 1e9:
            raise ValueError(_("must be a finite number of points"))
        return v

    @field_validator("input")
    @classmethod
    def _input(cls, v: Optional[str]) -> Optional[str]:
        if v is not None and not v.strip():
            raise ValueError(_("must not be empty"))
        return v


class GroupModel(_Strict):
    title: str = Field(min_length=1)
    points: Optional[float] = Field(default=None, gt=0, strict=True)
    method: Optional[str] = None
    hint: Optional[str] = None
    description: Optional[str] = None


class VetoModel(_Strict):
    title: str = Field(min_length=1)
    input: Optional[str] = None
    method: Optional[str] = None
    hint: Optional[str] = None
    description: Optional[str] = None


# -- the loaded scheme -------------------------------------------------------------
@dataclass
class Leaf:
    """A scored item: a criteria leaf, a bonus item or a penalty item."""

    id: str
    title: str
    points: float
    scorer: str
    params: Params
    input: str
    kind: str                       # criterion, bonus, penalty
    category: Optional[str]         # top-level criterion id; None for bonus/penalty
    scorer_cls: type[Scorer]
    method: Optional[str] = None
    hint: Optional[str] = None
    description: Optional[str] = None
    na: bool = False                # SPEC §7.1: a unit may mark it not applicable
    unit: Optional[str] = None      # SPEC §7.2: "%" or None

    @property
    def input_keys(self) -> list[str]:
        return self.scorer_cls.input_keys(self.input, self.params)

    def make_scorer(self) -> Scorer:
        return self.scorer_cls(id=self.id, key=self.input, points=self.points, params=self.params)


@dataclass
class Group:
    id: str
    title: str
    points: float
    children: list["Node"]
    method: Optional[str] = None
    hint: Optional[str] = None
    description: Optional[str] = None


Node = Any  # Leaf | Group


@dataclass
class Veto:
    id: str
    title: str
    input: str
    method: Optional[str] = None
    hint: Optional[str] = None
    description: Optional[str] = None


@dataclass
class Level:
    """One star level as the rating method validated it."""

    stars: int
    model: BaseModel

    def get(self, name: str, default: Any = None) -> Any:
        return getattr(self.model, name, default)


@dataclass
class Scheme:
    path: str
    sha256: str
    id: str
    title: str
    version: str
    full_marks: float
    locale: Optional[str]
    description: Optional[str]
    rating: RatingModel
    rating_method: Any               # a RatingMethod instance
    levels: list[Level]
    categories: list[Node]
    leaves: list[Leaf]               # criteria leaves, in file order
    bonus: list[Leaf]
    bonus_cap: Optional[float]
    penalty: list[Leaf]
    penalty_cap: Optional[float]
    vetoes: list[Veto]
    raw: dict[str, Any] = field(repr=False, default_factory=dict)
    #: things that load but are probably not what the author meant, one line each
    warnings: list[str] = field(default_factory=list)
    #: the plugins' registry the scheme was loaded with: its scorers and rating method come from it
    registry: Registry = field(repr=False, default_factory=Registry)
    #: SPEC §8's ``[history]`` rules, or None when the scheme has none
    history: Optional[HistoryModel] = None

    @property
    def items(self) -> list[Leaf]:
        """Every scored item: criteria leaves, then bonus, then penalty items."""
        return self.leaves + self.bonus + self.penalty

    @property
    def has_na(self) -> bool:
        """True when some leaf may be marked not applicable (SPEC §7.1): results then carry ``na_points``."""
        return any(leaf.na for leaf in self.leaves)

    @property
    def max_stars(self) -> int:
        return max((lv.stars for lv in self.levels), default=0)

    def node(self, cid: str) -> Optional[Node]:
        """The criterion (a group or a leaf under ``criteria``) of id ``cid``, or None."""
        return self.nodes.get(cid)

    @property
    def nodes(self) -> dict[str, Node]:
        """Every criterion under ``criteria``, groups and leaves, by id."""
        found = self.__dict__.get("_nodes")
        if found is None:
            found = {}
            stack = list(reversed(self.categories))
            while stack:
                n = stack.pop()
                found[n.id] = n
                stack.extend(reversed(getattr(n, "children", [])))
            self.__dict__["_nodes"] = found
        return found

    @property
    def labels(self) -> dict[int, str]:
        """Stars → the level's label (SPEC §7.3), for the levels that have one."""
        return {lv.stars: lv.get("label") for lv in self.levels if lv.get("label") is not None}

    def label(self, stars: int) -> Optional[str]:
        """A result's label: that of the level with these stars; None for 0 stars or no such level."""
        return self.labels.get(stars) if stars else None

    def floor_ids(self) -> list[str]:
        """The criterion ids named by levels' ``min_ratios`` and by ``caps``, each once, in file order."""
        ids: dict[str, None] = {}
        for lv in self.levels:
            for cid in lv.get("min_ratios") or {}:
                ids.setdefault(cid, None)
        for cap in self.rating.caps:
            ids.setdefault(cap.criterion, None)
        return list(ids)

    def table_keys(self) -> list[str]:
        """Input keys read as whole tables (SPEC §7.4): a TOML/JSON table under one
        arrives as dotted keys ``key.<name>``, each the scorer's (Scorer.input_tables)."""
        keys: dict[str, None] = {}
        for leaf in self.items:
            for key in leaf.scorer_cls.input_tables(leaf.input, leaf.params):
                keys.setdefault(key, None)
        return list(keys)

    def input_keys(self) -> list[str]:
        """Every data key a submission can give, in scheme order, without repeats."""
        keys: dict[str, None] = {}
        for leaf in self.items:
            for key in leaf.input_keys:
                keys.setdefault(key, None)
            if leaf.na:   # where a unit marks it not applicable, even when its scorer reads other keys (SPEC §7.1)
                keys.setdefault(leaf.input, None)
        for veto in self.vetoes:
            keys.setdefault(veto.input, None)
        return list(keys)

    def describe(self) -> dict[str, Any]:
        """The rubric as plain data (the ``criteria`` key of JSON reports)."""
        out = {
            "full_marks": self.full_marks,
            "rating_method": self.rating.method,
            "categories": [{"id": c.id, "title": c.title, "points": c.points} for c in self.categories],
            "items": [_described(leaf) for leaf in self.items],
            "vetoes": [{"id": v.id, "title": v.title, "input": v.input} for v in self.vetoes],
            "levels": [level_dict(lv) for lv in self.levels],
            "bonus_cap": self.bonus_cap,
            "penalty_cap": self.penalty_cap,
            **({"history": self.history.model_dump(exclude_none=True)} if self.history is not None else {}),
        }
        if self.rating.caps:    # SPEC §7.3; absent otherwise, so a v1 scheme's documents keep their shape
            out["caps"] = [cap.model_dump() for cap in self.rating.caps]
        return out


def level_dict(level: Level) -> dict[str, Any]:
    """A level as plain data; SPEC §7.3's keys only where written, so a v1 scheme's documents keep their shape."""
    out = {"stars": level.stars, **level.model.model_dump(exclude={"stars"})}
    for key in ("label", "min_ratios"):
        if out.get(key, 0) is None:
            del out[key]
    return out


def _described(leaf: Leaf) -> dict[str, Any]:
    """One item of :meth:`Scheme.describe`; ``na`` and ``unit`` only where a leaf sets them,
    so a scheme without SPEC §7 keys is described as before."""
    out: dict[str, Any] = {"id": leaf.id, "title": leaf.title, "max": leaf.points, "kind": leaf.kind,
                           "category": leaf.category, "scorer": leaf.scorer, "input": leaf.input_keys,
                           "method": leaf.method, "hint": leaf.hint}
    if leaf.na:
        out["na"] = True
    if leaf.unit is not None:
        out["unit"] = leaf.unit
    return out


# -- loading -----------------------------------------------------------------------------
def bundled_schemes(registry: Registry | None = None) -> dict[str, Path]:
    """Schemes shipped inside the package or bundled by plugins, by name."""
    folder = bundled_folder()
    found = {p.stem: p for p in sorted(folder.glob("*.toml"))} if folder is not None else {}
    for name, path in (registry.schemes if registry is not None else {}).items():
        found.setdefault(name, Path(path))
    return found


def resolve(criteria: str | Path, registry: Registry) -> Path:
    """A criteria argument: a path, or the name of a bundled scheme."""
    path = Path(criteria)
    if path.is_file():
        return path
    bundled = bundled_schemes(registry)
    if str(criteria) in bundled:
        return bundled[str(criteria)]
    if path.exists():
        raise CriteriaError(_("is a directory, not a criteria file") if path.is_dir()
                            else _("is not a regular file (a device or a pipe?); give a criteria file"), str(criteria))
    raise CriteriaError(_("no such file, and no bundled scheme of that name{hint}; "
                          "bundled: {bundled} (plugins bundle more: see `civscore plugins`){notes}").format(
                            hint=did_you_mean(str(criteria), bundled), bundled=", ".join(sorted(bundled)),
                            notes=registry.notes()), str(criteria))


def load(criteria: str | Path, registry: Registry) -> Scheme:
    """Load and validate a criteria file (a path or a bundled scheme's name).

    Raises :class:`CriteriaError` (or its subclass :class:`CriteriaErrors`
    listing every problem) when the file is unreadable or invalid.
    """
    path = resolve(criteria, registry)
    source = str(criteria) if not Path(criteria).is_file() else str(path)
    try:
        if path.stat().st_size > MAX_FILE_BYTES:  # before reading it: a 10 GB file is never loaded
            raise CriteriaError(_("file is larger than {mb} MB; is it really a criteria file?").format(
                mb=MAX_FILE_BYTES // 1024 // 1024), source)
        data = path.read_bytes()
    except OSError as exc:
        raise CriteriaError(_("cannot read: {reason}").format(reason=exc.strerror), source) from None
    if len(data) > MAX_FILE_BYTES:
        raise CriteriaError(_("file is larger than {mb} MB; is it really a criteria file?").format(
                mb=MAX_FILE_BYTES // 1024 // 1024), source)
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise CriteriaError(_("UTF-16 text; save the file as UTF-8"), source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise CriteriaError(_("not UTF-8 text (byte {byte}); save the file as UTF-8").format(byte=exc.start), source,
                            _("line {line}").format(line=line)) from None
    return loads(text, source=source, registry=registry, sha256=hashlib.sha256(data).hexdigest())


def loads(text: str, source: str = "<criteria>", registry: Registry | None = None, sha256: str | None = None) -> Scheme:
    """Load a scheme from TOML text (see :func:`load`); ``registry`` is required
    (it is a keyword with a default only to keep civscore 1.0's argument order)."""
    if registry is None:
        raise TypeError(_("loads() needs the registry of a plugin manager: civscore.loads() builds the default one"))
    problem = toml_problem(text)   # before parsing: some keys cost the parser minutes
    if problem:
        raise CriteriaError(problem[0], source, problem[1])
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CriteriaError(toml_message(exc), source, toml_where(exc)) from None
    except RecursionError:
        raise CriteriaError(_("TOML nests too deeply"), source) from None
    except ValueError as exc:  # an integer of more than 4300 digits
        raise CriteriaError(_("TOML value cannot be read: {reason}").format(reason=str(exc).split(';')[0]), source,
                            long_number_where(text)) from None
    if sha256 is None:
        sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    builder = _Builder(raw, source, registry)
    scheme = builder.build(sha256)
    if builder.errors:
        raise CriteriaErrors(builder.errors, source)
    assert scheme is not None
    for plugin, validate in builder.registry.validators:
        try:
            messages = validate(scheme=scheme) or []
        except Exception as exc:
            messages = [_("validation plugin {plugin!r} failed: {kind}: {error}").format(plugin=plugin, kind=type(exc).__name__, error=exc)]
        builder.errors.extend(str(m) for m in messages)
    if builder.errors:
        raise CriteriaErrors(builder.errors, source)
    return scheme


def rebuild(raw: dict[str, Any], source: str, sha256: str, registry: Registry) -> Scheme:
    """A scheme built again from the parsed TOML of one that loaded (a worker
    process gets ``raw``, not the scheme: its formulas are compiled functions,
    which do not pickle). The validation plugins already passed it."""
    builder = _Builder(raw, source, registry)
    scheme = builder.build(sha256)
    if builder.errors or scheme is None:
        raise CriteriaErrors(builder.errors, source)
    return scheme


def declared_points(node: Any) -> float | None:
    """The points a criterion declares in the file: a leaf's ``points``, a
    group's ``points`` or else the sum of its children's; ``None`` when they
    cannot be told (a missing or unreadable number). Lets the sums be checked
    even where a criterion has other errors."""
    if not isinstance(node, dict):
        return None
    points = node.get("points")
    children = [v for k, v in node.items() if k not in RESERVED and isinstance(v, dict)]
    inner = sum_declared(children) if children else None
    if points is None:
        return inner
    if isinstance(points, bool) or not isinstance(points, (int, float)) or not math.isfinite(points) or points <= 0:
        return None        # unreadable: reported where it stands, and no sum is built on it
    if children and (inner is None or abs(inner - points) > EPS):
        return None        # the group disagrees with its children: reported there, not again above
    return float(points)


def sum_declared(nodes: Any) -> float | None:
    """The sum of :func:`declared_points`; ``None`` when any of them is unknown."""
    total = 0.0
    for node in nodes:
        points = declared_points(node)
        if points is None:
            return None
        total += points
    return total


#: pydantic's messages of the common error types, in its own English words, as msgids: formatted with the
#: error's ``ctx`` they read as pydantic's in English and are translated in other languages
PYDANTIC_MESSAGES = {
    "float_type": N_("Input should be a valid number"),
    "float_parsing": N_("Input should be a valid number, unable to parse string as a number"),
    "int_type": N_("Input should be a valid integer"),
    "int_parsing": N_("Input should be a valid integer, unable to parse string as an integer"),
    "int_from_float": N_("Input should be a valid integer, got a number with a fractional part"),
    "finite_number": N_("Input should be a finite number"),
    "string_type": N_("Input should be a valid string"),
    "bool_type": N_("Input should be a valid boolean"),
    "bool_parsing": N_("Input should be a valid boolean, unable to interpret input"),
    "list_type": N_("Input should be a valid list"),
    "tuple_type": N_("Input should be a valid tuple"),
    "set_type": N_("Input should be a valid set"),
    "dict_type": N_("Input should be a valid dictionary"),
    "model_type": N_("Input should be a valid dictionary"),
    "greater_than": N_("Input should be greater than {gt}"),
    "greater_than_equal": N_("Input should be greater than or equal to {ge}"),
    "less_than": N_("Input should be less than {lt}"),
    "less_than_equal": N_("Input should be less than or equal to {le}"),
    "multiple_of": N_("Input should be a multiple of {multiple_of}"),
    "literal_error": N_("Input should be {expected}"),
    "enum": N_("Input should be {expected}"),
    "string_pattern_mismatch": N_("String should match pattern '{pattern}'"),
}


def pydantic_message(err: Any) -> str:
    """One pydantic error's message in the chosen language: ours for the common types (the numbers of
    its ``ctx`` written as civscore writes numbers), pydantic's own English text for the rare ones."""
    kind, ctx = err["type"], dict(err.get("ctx") or {})
    ctx = {k: fmt(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v for k, v in ctx.items()}
    if "expected" in ctx:   # pydantic joins the choices itself: 'higher' or 'lower'
        ctx["expected"] = str(ctx["expected"]).replace(" or ", _(" or "))
    try:
        if kind in PYDANTIC_MESSAGES:
            return _(PYDANTIC_MESSAGES[kind]).format(**ctx)
        n = int(err.get("ctx", {}).get("min_length", err.get("ctx", {}).get("max_length", 0)))
        if kind == "string_too_short":
            return ngettext("String should have at least {min_length} character",
                            "String should have at least {min_length} characters", n).format(**ctx)
        if kind == "string_too_long":
            return ngettext("String should have at most {max_length} character",
                            "String should have at most {max_length} characters", n).format(**ctx)
        if kind == "too_short" and ctx.get("field_type") == "List":
            return ngettext("List should have at least {min_length} item, not {actual_length}",
                            "List should have at least {min_length} items, not {actual_length}", n).format(**ctx)
        if kind == "too_long" and ctx.get("field_type") == "List":
            return ngettext("List should have at most {max_length} item, not {actual_length}",
                            "List should have at most {max_length} items, not {actual_length}", n).format(**ctx)
    except (KeyError, IndexError, ValueError, TypeError):   # a pydantic whose ctx differs: its own words
        pass
    return str(err["msg"])


def pydantic_errors(exc: ValidationError, path: str) -> list[str]:
    """Pydantic's errors as ``key.path: message`` lines, in the chosen language (:func:`pydantic_message`)."""
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        where = ".".join(p for p in (path, loc) if p)
        msg = pydantic_message(err)
        if err["type"] == "extra_forbidden":
            msg = _("unknown key; remove it or check its spelling")
        elif err["type"] == "missing":
            msg = _("required key is missing")
        elif err["type"] in ("float_type", "int_type", "string_type", "bool_type", "list_type", "dict_type"):
            # say what was written: true, "10", [..]
            msg = _("{problem}, not {written}").format(problem=msg, written=repr(err.get('input'))[:40])
        elif err["type"] == "value_error" and msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]     # our own validators' messages, without pydantic's prefix
        out.append(f"{where}: {msg}")
    return out


class _Builder:
    def __init__(self, raw: dict[str, Any], source: str, registry: Registry):
        self.raw = raw
        self.source = source
        self.registry = registry
        self.errors: list[str] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    def model(self, model: type[BaseModel], data: Any, path: str) -> Any:
        if not isinstance(data, dict):
            self.error(path, _("must be a table, not {kind}").format(kind=type(data).__name__))
            return None
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            self.errors.extend(pydantic_errors(exc, path))
            return None

    def build(self, sha256: str) -> Optional[Scheme]:
        raw = self.raw
        if raw.get("format") != FORMAT:
            got = raw.get("format")
            self.error("format", _('must be "{format}", not {got!r}').format(format=FORMAT, got=got) if got is not None
                       else _('must be "{format}" (required key is missing)').format(format=FORMAT))
        for key in raw:
            if key not in ("format", "scheme", "rating", "criteria", "veto", "bonus", "penalty", "history"):
                self.error(key, _("unknown top-level key; expected format, scheme, rating, criteria, veto, bonus, penalty or history"))
        meta = self.model(SchemeMeta, raw["scheme"], "scheme") if "scheme" in raw else None
        if "scheme" not in raw:
            self.error("scheme", _("required table is missing"))
        rating = self.model(RatingModel, raw["rating"], "rating") if "rating" in raw else None
        if "rating" not in raw:
            self.error("rating", _("required table is missing; give [rating] with levels"))
        categories: list[Node] = []
        leaves: list[Leaf] = []
        crit = raw.get("criteria")
        if not isinstance(crit, dict) or not crit:
            self.error("criteria", _("required table is missing or empty; add at least one category"))
        else:
            for cid, node in crit.items():
                built = self.node(node, [cid], leaves, cid, 1)
                if built is not None:
                    categories.append(built)
        bonus, bonus_cap = self.extras("bonus")
        penalty, penalty_cap = self.extras("penalty")
        vetoes = self.vetoes()
        # the sum is checked even when a category has errors of its own, from the points it declares:
        # all of a file's errors are listed at once, not one stage at a time
        total = sum_declared(crit.values()) if isinstance(crit, dict) and crit else None
        if meta is not None and total is not None:
            if abs(total - meta.full_marks) > EPS:
                self.error("scheme.full_marks", _("is {full} but the categories add up to {total}").format(
                    full=_num(meta.full_marks), total=_num(total)))
        self.duplicates(categories, bonus + penalty, vetoes)
        method = levels = None
        if rating is not None:
            method, levels = self.rating(rating, categories)
        elif isinstance(raw.get("rating"), dict):
            # [rating] has an error elsewhere (a bad tie_break, an unknown key): still check the
            # method and the levels, so every error of the file is listed in one pass
            try:
                partial = RatingModel.model_validate({k: v for k, v in raw["rating"].items() if k in ("method", "levels")})
            except ValidationError:
                partial = None   # those keys are themselves wrong, and already reported
            if partial is not None:
                self.rating(partial, categories)
        history = self.model(HistoryModel, raw["history"], "history") if "history" in raw else None
        if self.errors or meta is None or rating is None:
            return None
        return Scheme(path=self.source, sha256=sha256, id=meta.id, title=meta.title, version=meta.version,
                      full_marks=meta.full_marks, locale=meta.locale, description=meta.description,
                      rating=rating, rating_method=method, levels=levels or [], categories=categories,
                      leaves=leaves, bonus=bonus, bonus_cap=bonus_cap, penalty=penalty,
                      penalty_cap=penalty_cap, vetoes=vetoes, raw=raw, warnings=self.warnings(),
                      registry=self.registry, history=history)

    def warnings(self) -> list[str]:
        """Valid by SPEC §1 but probably a mistake: said, not refused."""
        out = []
        for name, item in (self.raw.get("penalty") or {}).items():
            if isinstance(item, dict) and item.get("scorer") == "deduct":
                per = (item.get("params") or {}).get("per")
                points = item.get("points")
                if isinstance(per, (int, float)) and per and isinstance(points, (int, float)):
                    advice = _("`deduct` gives full points for 0 instances, and a penalty item subtracts the points it "
                               "earns, so every unit with nothing found loses all {points} points; for 'each instance "
                               "costs points' write scorer = \"linear\" with zero_at = 0 and full_at = {full_at}").format(
                        points=points, full_at=_num(points / per))
                else:
                    advice = _("`deduct` gives full points for 0 instances, and a penalty item subtracts the points it "
                               "earns, so every unit with nothing found loses all {points} points; for 'each instance "
                               "costs points' write scorer = \"linear\" with zero_at = 0").format(points=points)
                out.append("penalty.{name}: ".format(name=name) + advice)
        weights = (self.raw.get("history") or {}).get("weights") if isinstance(self.raw.get("history"), dict) else None
        if isinstance(weights, list) and all(isinstance(w, (int, float)) for w in weights) and abs(sum(weights) - 1) > EPS:
            out.append(_("history.weights: add up to {sum}, not 1; a unit with all its periods gets the weighted sum as written, "
                         "one with fewer gets weights scaled to 1").format(sum=_num(sum(weights))))
        return out

    def duplicates(self, categories: list[Node], extras: list[Leaf], vetoes: list[Veto]) -> None:
        """Ids are unique: a criterion ``bonus.x`` (category ``bonus``) would clash with bonus item ``bonus.x``."""
        seen: set[str] = set()

        def walk(node: Node) -> None:
            seen.add(node.id)
            for child in getattr(node, "children", ()):
                walk(child)
        for cat in categories:
            walk(cat)
        others: list[Leaf | Veto] = [*extras, *vetoes]
        for item in others:
            if item.id in seen:
                self.error(item.id, _("duplicate id: criteria.{id} has the same id; rename one of them").format(id=item.id))
            seen.add(item.id)

    # -- criteria tree ----------------------------------------------------------
    def node(self, data: Any, ids: list[str], leaves: list[Leaf], category: str, depth: int) -> Optional[Node]:
        cid = ".".join(ids)
        path = f"criteria.{cid}"
        if not ID_RE.match(ids[-1]):
            self.error(path, _("id segment {id!r} is malformed; use letters, digits, '-' and '_'").format(id=ids[-1]))
            return None
        if depth > MAX_DEPTH:
            self.error(path, _("criteria nest deeper than {depth} levels").format(depth=MAX_DEPTH))
            return None
        if not isinstance(data, dict):
            self.error(path, _("must be a table (a criterion), not {kind}; reserved keys: {keys}").format(
                kind=type(data).__name__, keys=", ".join(RESERVED)))
            return None
        children = {k: v for k, v in data.items() if k not in RESERVED}
        own = {k: v for k, v in data.items() if k in RESERVED}
        for key, value in own.items():
            if isinstance(value, dict) and key != "params":
                self.error(f"{path}.{key}", _("{key!r} is a reserved key of a criterion and cannot be a child table; "
                                              "rename the child (reserved: {keys})").format(key=key, keys=", ".join(RESERVED)))
                return None
        bad_children = [k for k, v in children.items() if not isinstance(v, dict)]
        for key in bad_children:
            self.error(f"{path}.{key}", _("unknown key{hint}; a criterion's keys are {keys}, and tables inside it are its children").format(
                hint=did_you_mean(key, RESERVED), keys=", ".join(RESERVED)))
        if bad_children:
            return None
        if children:
            for key in ("scorer", "params", "input"):
                if key in own:
                    self.error(f"{path}.{key}",
                               _("a group (a criterion with children) has no scorer, params or input; move them into a leaf"))
                    return None
            for key in ("na", "unit"):   # reported, and the rest of the group is still checked
                if key in own:
                    self.error(f"{path}.{key}", _("a group (a criterion with children) has no {key}; "
                                                  "write {key} on its leaves").format(key=key))
                    del own[key]
            model = self.model(GroupModel, own, path)
            built = [self.node(v, ids + [k], leaves, category, depth + 1) for k, v in children.items()]
            total = sum_declared(children.values())
            if model is not None and model.points is not None and total is not None and abs(model.points - total) > EPS:
                self.error(f"{path}.points", _("is {points} but its children add up to {total}").format(
                    points=_num(model.points), total=_num(total)))
                return None
            if model is None or any(b is None for b in built):
                return None
            total = sum(b.points for b in built if b is not None)
            return Group(cid, model.title, model.points if model.points is not None else total, built,
                         model.method, model.hint, model.description)
        if "scorer" not in own:
            self.error(path, _("a leaf needs a scorer (or child tables to be a group)"))
            return None
        leaf = self.leaf(own, path, cid, "criterion", category)
        if leaf is not None:
            leaves.append(leaf)
        return leaf

    def leaf(self, data: dict, path: str, lid: str, kind: str, category: Optional[str]) -> Optional[Leaf]:
        model = self.model(LeafModel, data, path)
        if model is None:
            return None
        try:
            cls = self.registry.lookup("scorers", model.scorer)
        except KeyError:
            self.error(f"{path}.scorer", self.registry.unknown("scorers", model.scorer))
            return None
        try:
            params = cls.Params.model_validate(model.params)
        except ValidationError as exc:
            self.errors.extend(pydantic_errors(exc, f"{path}.params"))
            return None
        except Exception as exc:  # a plugin's Params model that misbehaves
            self.error(f"{path}.params", _("scorer {scorer!r} could not check its params: {error}").format(scorer=model.scorer, error=exc))
            return None
        try:
            problems = cls.check_params(params, model.points)
        except Exception as exc:
            problems = [_("scorer {scorer!r} could not check its params: {error}").format(scorer=model.scorer, error=exc)]
        for problem in problems:
            self.error(f"{path}.params", problem)
        if model.na and kind != "criterion":
            self.error(f"{path}.na", _("only items under [criteria] may be marked not applicable; "
                                       "a {kind} item that does not apply simply earns nothing").format(kind=kind))
            problems = [*problems, "na"]
        if model.unit is not None and not _takes_unit(cls, params):
            self.error(f"{path}.unit", _('scorer {scorer!r} does not read its input as one number, so unit = "%" '
                                         "does not apply to it; unit suits linear, bands, manual and plugin scorers")
                       .format(scorer=model.scorer))
            problems = [*problems, "unit"]
        if problems:
            return None
        return Leaf(lid, model.title, model.points, model.scorer, params, model.input or lid, kind, category,
                    cls, model.method, model.hint, model.description, model.na, model.unit)

    def extras(self, section: str) -> tuple[list[Leaf], Optional[float]]:
        data = self.raw.get(section)
        if data is None:
            return [], None
        if not isinstance(data, dict):
            self.error(section, _("must be a table"))
            return [], None
        cap = data.get("cap")
        if cap is not None and (isinstance(cap, bool) or not isinstance(cap, (int, float)) or not math.isfinite(cap) or cap < 0):
            self.error(f"{section}.cap", _("must be a number ≥ 0"))
            cap = None
        out = []
        for name, item in data.items():
            if name == "cap":
                continue
            path = f"{section}.{name}"
            if not ID_RE.match(name):
                self.error(path, _("id segment {id!r} is malformed; use letters, digits, '-' and '_'").format(id=name))
                continue
            if not isinstance(item, dict):
                self.error(path, _("unknown key; [{section}] holds `cap` and item tables").format(section=section))
                continue
            nested = [k for k, v in item.items() if k not in RESERVED and isinstance(v, dict)]
            if nested:
                self.error(f"{path}.{nested[0]}", _("{section} items are leaves and cannot nest").format(section=section))
                continue
            leaf = self.leaf(item, path, path, section, None)
            if leaf is not None:
                out.append(leaf)
        return out, (float(cap) if cap is not None else None)

    def vetoes(self) -> list[Veto]:
        data = self.raw.get("veto")
        if data is None:
            return []
        if not isinstance(data, dict):
            self.error("veto", _("must be a table of veto items"))
            return []
        out = []
        for name, item in data.items():
            path = f"veto.{name}"
            if not ID_RE.match(name):
                self.error(path, _("id segment {id!r} is malformed; use letters, digits, '-' and '_'").format(id=name))
                continue
            model = self.model(VetoModel, item, path)
            if model is not None:
                out.append(Veto(path, model.title, model.input or path, model.method, model.hint, model.description))
        return out

    def rating(self, rating: RatingModel, categories: list[Node]) -> tuple[Any, list[Level]]:
        try:
            method_cls = self.registry.lookup("rating_methods", rating.method)
        except KeyError:
            self.error("rating.method", self.registry.unknown("rating_methods", rating.method))
            return None, []
        cat_ids = [c.id for c in categories]
        crit = self.raw.get("criteria")
        written: dict[str, Any] = crit if isinstance(crit, dict) else {}
        for i, cid in enumerate(rating.tie_break):
            if cid not in cat_ids and cid not in written:  # (a category with errors of its own is not repeated here)
                self.error(f"rating.tie_break.{i}", _("{id!r} is not a category{hint}; use top-level criterion ids: {ids}").format(
                    id=cid, hint=did_you_mean(cid, cat_ids), ids=", ".join(cat_ids)))
        levels = []
        for i, raw_level in enumerate(rating.levels):
            try:
                model = method_cls.Level.model_validate(raw_level)
            except ValidationError as exc:
                self.errors.extend(pydantic_errors(exc, f"rating.levels.{i}"))
                continue
            levels.append(Level(model.stars, model))
        stars = [lv.stars for lv in levels]
        if len(levels) == len(rating.levels):
            for i in range(1, len(stars)):
                if stars[i] >= stars[i - 1]:
                    self.error(f"rating.levels.{i}", _(
                        "levels must be in descending order of stars: {stars} ★ follows {previous} ★").format(
                        stars=stars[i], previous=stars[i - 1]))
                    break
        self.floors(rating, levels, categories)
        method = method_cls()
        try:
            problems = method.check_levels(levels)
        except Exception as exc:
            problems = [_("rating method {method!r} could not check its levels: {error}").format(method=rating.method, error=exc)]
        for problem in problems:
            self.error("rating.levels", problem)
        return method, levels


    def floors(self, rating: RatingModel, levels: list[Level], categories: list[Node]) -> None:
        """SPEC §7.3: every criterion id in ``min_ratios`` and ``caps`` names a group or a leaf under ``criteria``."""
        known: dict[str, None] = {}
        stack = list(categories)
        while stack:
            n = stack.pop()
            known[n.id] = None
            stack.extend(getattr(n, "children", []))
        written = self.raw.get("criteria")
        broken = [c for c in written if c not in {n.split(".")[0] for n in known}] if isinstance(written, dict) else []

        def unknown(cid: str) -> bool:   # ids under a category with errors of its own are not repeated here
            return cid not in known and cid.split(".")[0] not in broken
        # levels that failed their own validation are not in ``levels``: index by the level's position
        for i, raw_level in enumerate(rating.levels):
            ratios = raw_level.get("min_ratios") if isinstance(raw_level, dict) else None
            if not isinstance(ratios, dict):
                continue
            ratios = dotted(ratios)
            for cid in ratios:
                if unknown(cid):
                    self.error(f'rating.levels.{i}.min_ratios."{cid}"',
                               _("{id!r} is not a criterion{hint}; give the dotted id of a group or a leaf "
                                 "under [criteria]").format(id=cid, hint=did_you_mean(cid, list(known))))
        for i, cap in enumerate(rating.caps):
            if unknown(cap.criterion):
                self.error(f"rating.caps.{i}.criterion",
                           _("{id!r} is not a criterion{hint}; give the dotted id of a group or a leaf "
                             "under [criteria]").format(id=cap.criterion, hint=did_you_mean(cap.criterion, list(known))))


def _takes_unit(cls: type[Scorer], params: Params) -> bool:
    try:
        return bool(cls.takes_unit(params))
    except Exception:   # a plugin's classmethod that misbehaves: its leaves take no unit
        return False


def _num(x: float) -> str:
    return fmt(x)
