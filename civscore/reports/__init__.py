"""Reports: the documents every writer works from, and the :class:`Writer` base.

:func:`evaluation_doc` and :func:`check_doc` build plain data (SPEC §5's JSON
shape plus documented extensions); writers turn an :class:`Evaluation` or a
check document into text or bytes. Writers are registered through
``civscore_writers``; their ``name`` is a ``--format`` choice.
"""
from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional

from ..assessors import unit_extension
from ..contracts.i18n import _, current_language
from ..contracts.rating import RATIO_EPS
from ..contracts.writers import Writer
from ..plugins import civscore_version
from ..rating import obstacles
from ..contracts.values import fmt
from ..engine import round2

if TYPE_CHECKING:  # pragma: no cover
    from ..engine import Evaluation


#: a cell a spreadsheet would run as a formula starts with one of these (CSV injection, docs/security.md)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """Text a spreadsheet would run as a formula, made plain text by a leading apostrophe."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    return value


#: what ``civscore explain`` writes (here, not in reports/explain.py, so that the command line's help
#: says it without importing the explain and HTML code)
EXPLAIN_FORMATS = ("table", "markdown", "json", "csv", "html")


def header(ev: "Evaluation") -> dict[str, Any]:
    """The ``scheme`` and ``civscore`` keys of every JSON document."""
    s = ev.scheme
    return {
        "scheme": {"id": s.id, "version": s.version, "sha256": s.sha256, "title": s.title},
        "civscore": {"version": civscore_version(), "plugins": ev.registry.plugin_versions()},
    }


def provenance(ev: "Evaluation", by_group: bool = False) -> dict[str, Any]:
    """What ``civscore verify`` needs to re-run the evaluation: the criteria
    (path or bundled name, and its sha256), every submission file read (path
    as given, sha256), ``by_group``, the civscore and plugin versions, and the
    ``language`` of the reasons (``en`` or ``zh_CN``), which verify re-runs in."""
    return {"criteria": ev.scheme.path, "criteria_sha256": ev.scheme.sha256, "by_group": by_group,
            "submissions": ev.files, "civscore": civscore_version(), "plugins": ev.registry.plugin_versions(),
            "language": current_language()}


def result_doc(ev: "Evaluation", i: int) -> dict[str, Any]:
    """One unit's result (SPEC §5) plus the documented extensions of a unit
    scored by several assessors: ``assessors``, ``aggregate``, ``disagreements``."""
    out = ev.result(i)
    out.update(unit_extension(ev.units[i]))
    return out


def evaluation_doc(ev: "Evaluation", by_group: bool = False, results: Any = None) -> dict[str, Any]:
    """SPEC §5's document, plus ``criteria`` (the rubric), ``summary``,
    ``failures`` (scorer errors) and ``provenance``. ``results`` replaces the
    list of results (the JSON writer streams them in its place)."""
    doc = header(ev)
    doc["criteria"] = ev.scheme.describe()
    doc["results"] = [result_doc(ev, i) for i in ev.order] if results is None else results
    doc["errors"] = ev.error_dicts()
    doc["failures"] = list(ev.failures)
    doc["summary"] = summary(ev)
    doc["provenance"] = provenance(ev, by_group)
    if ev.history is not None:   # SPEC §8: the period recorded, the periods before it, the rules
        doc["history"] = dict(ev.history)
    return doc


def summary(ev: "Evaluation") -> dict[str, Any]:
    stars: dict[str, int] = {str(lv.stars): 0 for lv in ev.scheme.levels}
    stars.setdefault("0", 0)
    vetoed = incomplete = 0
    for i in range(ev.n):
        if ev.vetoes[i]:
            vetoed += 1
        else:
            stars[str(ev.stars[i])] = stars.get(str(ev.stars[i]), 0) + 1
        if not ev.complete[i]:
            incomplete += 1
    return {"units": ev.n, "rated": ev.n - vetoed, "vetoed": vetoed, "incomplete": incomplete,
            "errors": len(ev.errors), "stars": stars}


def lost_points(ev: "Evaluation", i: int) -> list[dict[str, Any]]:
    """Every item that cost the unit points, most recoverable first."""
    out = []
    for leaf in ev.scheme.items:
        item = ev.item(leaf, i)
        if item["status"] == "na":   # not applicable (SPEC §7.1): nothing lost, the base is rescaled instead
            continue
        lost = item["points"] if leaf.kind == "penalty" else round(leaf.points - item["points"], 2)
        # a penalty item lost the unit what it deducts, and nothing when it deducts nothing (missing included)
        if lost > 0 or (item["status"] != "ok" and leaf.kind != "penalty"):
            out.append({"id": leaf.id, "title": leaf.title, "kind": leaf.kind, "lost": lost,
                        "points": item["points"], "max": leaf.points, "status": item["status"],
                        "reasons": item["reasons"], "hint": leaf.hint, "method": leaf.method})
    out.sort(key=lambda d: (-d["lost"], d["id"]))
    return out


def check_doc(ev: "Evaluation", i: int, target: Optional[int] = None) -> dict[str, Any]:
    """One unit's self-check: its result, what it lost and why, what is
    missing, and what the next star needs."""
    scheme = ev.scheme
    doc = header(ev)
    doc["criteria"] = scheme.describe()
    result = result_doc(ev, i)
    if ev.n == 1:   # alone, a unit is "rank 1 of 1": say nothing rather than something misleading
        result["rank"] = None
    doc["result"] = result
    floors = scheme.floor_ids()
    ratios = {cid: float(ev.criterion_ratio(cid)[i]) for cid in floors}
    method = scheme.rating_method
    relative = None
    if getattr(method, "relative", True):   # a method that does not say is taken as relative (the safe side)
        relative = relative_doc(ev, i, result, ratios)
        if ev.n == 1:   # rated alone, its stars would be a guess: the rank among the units rated decides
            result["stars"] = None
            if "label" in result:
                result["label"] = None
            if "earned_stars" in result:
                result["earned_stars"] = None

    def level_needs(above: int) -> Optional[dict[str, Any]]:
        """What the lowest level above ``above`` stars needs; with SPEC §7.3's gates and caps."""
        # ratios and points over what applies to the unit (SPEC §7.1); a category where nothing applies meets every floor
        cats = {c.id: (c.title, ev.available(c.id, i)) for c in scheme.categories}
        applies = {cid: r for cid, r in ev.ratios(i).items() if r is not None}
        # with SPEC §8's weights the rating compares the cycle total (check --history says what caps the stars)
        score = result.get("cycle_total", result["total"])
        level = scheme.rating_method.next_level(above, score, applies, cats, scheme.levels)
        if level is None:
            return None
        out = level.to_dict()
        if "cycle_total" in result and out.get("points_needed"):
            said = _("the points are on the cycle total ({cycle}), this period's share weighted with the earlier ones").format(
                cycle=fmt(result["cycle_total"]))
            out["note"] = f"{out['note']}; {said}" if out.get("note") else said
        if floors:   # only then: a v1 scheme's check document keeps its shape
            out.update(obstacles(scheme, level.stars, ratios, {cid: ev.available(cid, i) for cid in floors}))
        return out
    alone = relative is not None and ev.n == 1
    reached = relative["qualifies_for"] if relative is not None and alone else result.get("earned_stars", result["stars"])
    nxt = None if result["vetoed"] else level_needs(reached)
    doc["next_level"] = nxt
    if scheme.has_na:   # SPEC §7.1: only then, so a v1 scheme's check keeps its shape
        doc["na"] = na_doc(ev, i)
    warnings = [w for w in (ev.scale_warning(leaf, i) for leaf in scheme.items) if w]
    if warnings:
        doc["warnings"] = warnings
    doc["lost"] = lost_points(ev, i)
    missing = [leaf.id for leaf in scheme.items if result["items"][leaf.id]["status"] == "missing"]
    missing += [v for v, states in ev.veto_status.items() if states[i] == "missing"]
    doc["missing"] = missing
    doc["invalid_vetoes"] = [v for v, states in ev.veto_status.items() if states[i] == "invalid"]
    doc["target"] = target
    # rated alone under a relative method, the target is met on every condition of its level but the rank
    doc["target_met"] = None if target is None else (not result["vetoed"] and (reached if alone else result["stars"]) >= target)
    if target is not None and not result["vetoed"] and nxt is not None and target > nxt["stars"]:
        doc["target_level"] = level_needs(target - 1)   # what the target itself needs, beyond the next star
    if relative is not None:
        doc["relative"] = relative
    doc["provenance"] = provenance(ev)
    return doc


def relative_doc(ev: "Evaluation", i: int, result: dict[str, Any], ratios: dict[str, float]) -> dict[str, Any]:
    """``check``'s ``relative`` key, for a rating method whose stars depend on the
    other units rated (``RatingMethod.relative``): ``method``; ``qualifies_for``,
    the most stars whose conditions other than the rank (``min_score``,
    ``min_category_ratio``, ``min_ratios``, then SPEC §7.3's caps) the unit
    meets (None when vetoed); ``units``, how many units were evaluated with it
    (1: alone, its ``stars`` and ``rank`` are then null and the rank decides);
    ``ranked``, how many units (not vetoed; in its group with ``--by-group``) were ranked."""
    scheme = ev.scheme
    qualifies: Optional[int] = None
    if not result["vetoed"]:
        score = result.get("cycle_total", result["total"])
        cats = {cid: (1.0 if r is None else r) for cid, r in ev.ratios(i).items()}  # nothing applies: meets every floor
        qualifies = int(scheme.rating_method.qualifies_for(score, cats, ratios, scheme.levels))
        for cap in scheme.rating.caps:   # NaN (not applicable) caps nothing
            if ratios[cap.criterion] + RATIO_EPS < cap.below:
                qualifies = min(qualifies, cap.max_stars)
    group = ev.units[i].group
    ranked = sum(1 for k, r in enumerate(ev.rank)
                 if r is not None and (not getattr(ev, "by_group", False) or ev.units[k].group == group))
    return {"method": scheme.rating.method, "qualifies_for": qualifies, "units": ev.n, "ranked": ranked}


def na_doc(ev: "Evaluation", i: int) -> dict[str, Any]:
    """What is not applicable to unit ``i`` (SPEC §7.1): the items, their points A,
    each category's ratio over its available points (``None`` where nothing applies),
    and whether nothing applies at all (base 0)."""
    scheme = ev.scheme
    items = [leaf.id for leaf in scheme.leaves if ev.item(leaf, i)["status"] == "na"]
    return {"items": items, "points": round2(ev.na_points[i]), "nothing_applies": len(items) == len(scheme.leaves),
            "available": {c.id: round2(ev.available(c.id, i)) for c in scheme.categories},
            "ratios": {cid: (None if r is None else round(r, 4)) for cid, r in ev.ratios(i).items()}}


def item_reasons(item: dict[str, Any]) -> list[str]:
    """An item's reasons; an ``na`` item has none (SPEC §7.1's JSON shape)."""
    return list(item.get("reasons") or [])


def stars_text(stars: int, max_stars: int) -> str:
    return "★" * stars + "☆" * max(0, max_stars - stars)


_SURROGATES = re.compile("[\ud800-\udfff]")


def without_surrogates(text: str) -> str:
    """Text that can be written as UTF-8: a lone surrogate (a JSON
    ``"\\udfff"`` escape, a file name that is not UTF-8) becomes U+FFFD.
    Every report goes through this on its way out, whichever writer made it."""
    return _SURROGATES.sub("\ufffd", text)


def report_bytes(piece: str | bytes) -> bytes:
    """A piece of a report as UTF-8 bytes (see :func:`without_surrogates`)."""
    if isinstance(piece, bytes):
        return piece
    try:
        return piece.encode("utf-8")
    except UnicodeEncodeError:
        return without_surrogates(piece).encode("utf-8")


def output_kind(path: Path) -> str:
    """How ``--output`` is written: ``"replace"`` (no file yet, or a regular
    file: atomically) or ``"through"`` (a character device such as
    /dev/null or a terminal, or a FIFO: written into as it is, never replaced
    by a regular file). Anything else (a socket, a block device) is an
    OSError. Symbolic links are followed."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "replace"
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):  # a directory: os.replace says so
        return "replace"
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "through"
    raise OSError(errno.EINVAL, _("not a regular file, a character device or a pipe"))


def write_atomic(path: str | os.PathLike, content: str | bytes | Iterable[str | bytes]) -> None:
    """Write a file so that a crash or Ctrl-C never leaves half of it:
    ``content`` (text, bytes, or an iterable of pieces) goes to a temporary
    file beside the target, which then replaces the target in one step.
    A character device or a FIFO is written into instead (see :func:`output_kind`);
    a symbolic link is followed (the file it names is replaced, the link kept).
    The folder must exist: a report never creates folders."""
    target = Path(os.path.realpath(path))
    pieces = [content] if isinstance(content, (str, bytes)) else content
    if output_kind(target) == "through":
        with open(target, "wb") as fh:
            for piece in pieces:
                fh.write(report_bytes(piece))
        return
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=str(target.parent))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)   # as open() would make it, not mkstemp's private 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            for piece in pieces:
                fh.write(report_bytes(piece))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


__all__ = ["Writer", "FORMULA_STARTS", "formula_safe",
           "evaluation_doc", "check_doc", "result_doc", "provenance", "header", "summary", "lost_points", "stars_text",
           "write_atomic", "without_surrogates", "report_bytes", "fmt", "na_doc", "item_reasons",
           "EXPLAIN_FORMATS"]
