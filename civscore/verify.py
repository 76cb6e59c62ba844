"""``civscore verify RESULTS.json``: re-run an evaluation from its recorded
inputs and check that every figure is the same.

The ``provenance`` of an ``evaluate --format json`` document records the
criteria (path or bundled name, sha256), every submission file read (path and
sha256) and ``by_group``. Verify

1. checks each input's sha256 and names every file that changed or is gone;
2. re-reads the recorded files (in the recorded order) and re-evaluates;
3. compares every figure of every unit: rank, stars, total, base, bonus,
   penalty, vetoed, vetoes, complete, each category, each item's points and
   status; and the units present and the listing order; naming each that
   differs.

Relative paths are taken from the current directory first, then from the
directory of RESULTS.json (the sha256 check makes sure the file found is the
one that was evaluated). Exit status: 0 the same, 1 different (an input
changed or a figure differs), 2 the results or an input cannot be read (a
recorded file is gone, the criteria no longer load).
"""
from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from . import api
from .contracts.errors import CivscoreError, json_reason
from .contracts.i18n import _, current_language, ngettext, set_language
from .plugins import civscore_version
from .reports import evaluation_doc
from .submissions import Submissions

FIGURES = ("rank", "stars", "total", "base", "bonus", "penalty", "vetoed", "vetoes", "complete")
MAX_LISTED = 200


@dataclass
class Report:
    """What verify found: ``problems`` are lines naming each difference."""

    results_path: str
    inputs: list[str] = field(default_factory=list)       # changed or missing input files
    figures: list[str] = field(default_factory=list)      # figures that differ
    notes: list[str] = field(default_factory=list)        # version differences etc. (not failures)
    units: int = 0
    compared: int = 0
    unreadable: Optional[str] = None

    @property
    def status(self) -> int:
        if self.unreadable:
            return 2
        return 1 if self.inputs or self.figures else 0

    def to_dict(self) -> dict[str, Any]:
        return {"results": self.results_path, "status": ["same", "different", "unreadable"][self.status],
                "exit": self.status, "changed_inputs": self.inputs, "differences": self.figures,
                "notes": self.notes, "units": self.units, "figures_compared": self.compared,
                "unreadable": self.unreadable}

    def text(self) -> str:
        lines = [_("note: {line}").format(line=n) for n in self.notes]
        if self.unreadable:
            lines.append(_("unreadable: {line}").format(line=self.unreadable))
            return "\n".join(lines) + "\n"
        lines += [_("changed input: {line}").format(line=line) for line in self.inputs]
        shown = self.figures[:MAX_LISTED]
        lines += [_("differs: {line}").format(line=line) for line in shown]
        if len(self.figures) > MAX_LISTED:
            lines.append(_("… and {n} more differences").format(n=len(self.figures) - MAX_LISTED))
        if self.status == 0:
            lines.append(ngettext("verified: {file}: {units}, all {n} figure is the same",
                                  "verified: {file}: {units}, all {n} figures are the same", self.compared).format(
                file=self.results_path, units=_units(self.units), n=self.compared))
        else:
            lines.append(_("DIFFERENT: {file}: {inputs} changed, {differences} in {units}").format(
                file=self.results_path,
                inputs=ngettext("{n} input", "{n} inputs", len(self.inputs)).format(n=len(self.inputs)),
                differences=ngettext("{n} difference", "{n} differences", len(self.figures)).format(n=len(self.figures)),
                units=_units(self.units)))
        return "\n".join(lines) + "\n"


def _units(n: int) -> str:
    return ngettext("{n} unit", "{n} units", n).format(n=n)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _locate(recorded: str, base: Path) -> Optional[Path]:
    path = Path(recorded)
    if path.is_absolute():
        return path if path.exists() else None
    for candidate in (path, base / path):
        if candidate.exists():
            return candidate
    return None


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(a, b, rel_tol=0, abs_tol=1e-9)
    return a == b


def _show(v: Any) -> str:
    return json.dumps(v, ensure_ascii=False)


def _differs(unit: str, figure: str, recorded: Any, rerun: Any) -> str:
    return _("{unit}: {figure}: recorded {recorded}, re-run {rerun}").format(
        unit=unit, figure=figure, recorded=_show(recorded), rerun=_show(rerun))


def compare(recorded: dict, fresh: dict, report: Report) -> None:
    """Name every figure of ``recorded`` results that ``fresh`` does not repeat."""
    old = {r["unit"]["id"]: r for r in recorded.get("results", []) if isinstance(r, dict) and "unit" in r}
    new = {r["unit"]["id"]: r for r in fresh["results"]}
    report.units = len(old)
    diff = report.figures
    for uid in old:
        if uid not in new:
            diff.append(_("unit {unit!r} is in the results but not in the re-run").format(unit=uid))
    for uid in new:
        if uid not in old:
            diff.append(_("unit {unit!r} is in the re-run but not in the results").format(unit=uid))
    if isinstance(recorded.get("history"), dict):   # SPEC §8: stars came from the history file of that moment
        report.notes.append(_("recorded with --history: the earned stars are compared; the awarded stars (and, "
                              "with weights, the ranks) came from the history file and are not re-derived"))
    for uid, a in old.items():
        b = new.get(uid)
        if b is None:
            continue
        for key in FIGURES:
            mine = a.get(key)
            if "earned_stars" in a and key in ("stars", "rank"):
                if "cycle_total" in a:
                    continue   # rated on the weighted total over the periods: the file, not the files, decides
                if key == "stars":
                    mine = a["earned_stars"]
            report.compared += 1
            if not _same(mine, b.get(key)):
                diff.append(_differs(uid, key, mine, b.get(key)))
        for part in ("categories", "items"):
            got_a, got_b = a.get(part) or {}, b.get(part) or {}
            for cid in list(got_a) + [c for c in got_b if c not in got_a]:
                if cid not in got_b or cid not in got_a:
                    diff.append((_("{unit}: {figure}: in the results only") if cid in got_a else
                                 _("{unit}: {figure}: in the re-run only")).format(unit=uid, figure=f"{part}.{cid}"))
                    continue
                if part == "categories":
                    report.compared += 1
                    if not _same(got_a[cid], got_b[cid]):
                        diff.append(_differs(uid, f"categories.{cid}", got_a[cid], got_b[cid]))
                else:
                    for fig in ("points", "status"):
                        report.compared += 1
                        va, vb = (got_a[cid] or {}).get(fig), got_b[cid].get(fig)
                        if not _same(va, vb):
                            diff.append(_differs(uid, f"items.{cid}.{fig}", va, vb))
    order_old = [r["unit"]["id"] for r in recorded.get("results", []) if isinstance(r, dict) and "unit" in r]
    order_new = [r["unit"]["id"] for r in fresh["results"] if r["unit"]["id"] in old]
    if [u for u in order_old if u in new] != order_new:
        diff.append(_("the listing order of the results differs"))
    n_old, n_new = len(recorded.get("errors") or []), len(fresh.get("errors") or [])
    if n_old != n_new:
        diff.append(_("submission errors: recorded {recorded}, re-run {rerun}").format(recorded=n_old, rerun=n_new))


def _read(path: Path, report: Report) -> Any:
    """The results document, or None with ``report.unreadable`` saying why."""
    try:
        return json.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        report.unreadable = _("{file}: cannot read: {why}").format(file=report.results_path, why=exc.strerror)
    except json.JSONDecodeError as exc:   # json's own words and place, in the chosen language
        error = _("{reason}: line {line} column {column} (char {char})").format(
            reason=json_reason(exc.msg), line=exc.lineno, column=exc.colno, char=exc.pos)
        report.unreadable = _("{file}: not a JSON document ({error})").format(file=report.results_path, error=error)
    except UnicodeDecodeError as exc:
        report.unreadable = _("{file}: not a JSON document ({error})").format(file=report.results_path, error=exc)
    except (ValueError, RecursionError) as exc:  # a 5000-digit number, 100,000 nested brackets
        report.unreadable = _("{file}: not a readable JSON document ({error})").format(
            file=report.results_path, error=f"{type(exc).__name__}: {str(exc).split(';')[0]}")
    return None


def verify(results: str | Path, registry: Any = None) -> Report:
    """Verify a results document (see the module's docstring); never raises for bad input."""
    report = Report(str(results))
    path = Path(results)
    doc = _read(path, report)
    if report.unreadable:
        return report
    prov = doc.get("provenance") if isinstance(doc, dict) else None
    if not isinstance(prov, dict) or "criteria" not in prov or not isinstance(prov.get("submissions"), list) \
            or not isinstance(doc.get("results"), list):
        report.unreadable = _("{file}: no provenance to re-run from; verify reads the JSON of "
                              "`civscore evaluate --format json`").format(file=results)
        return report
    base = path.resolve().parent
    scheme_info = doc.get("scheme") or {}
    want_sha = scheme_info.get("sha256") or prov.get("criteria_sha256")

    # -- the versions that produced the results ----------------------------------------------
    was = prov.get("civscore") or (doc.get("civscore") or {}).get("version")
    if was and was != civscore_version():
        report.notes.append(_("the results were written by civscore {then}; this is {now}").format(
            then=was, now=civscore_version()))
    plugins_then = prov.get("plugins") or (doc.get("civscore") or {}).get("plugins") or {}

    # -- inputs ------------------------------------------------------------------------------------
    criteria = str(prov["criteria"])
    located = _locate(criteria, base)
    try:
        scheme = api.load(str(located) if located is not None and located.is_file() else criteria, registry=registry)
    except CivscoreError as exc:
        report.unreadable = _("criteria {file}: {error}").format(file=criteria, error=exc)
        return report
    if want_sha and scheme.sha256 != want_sha:
        report.inputs.append(_("criteria {file}: sha256 was {then}…, now {now}…").format(
            file=criteria, then=want_sha[:12], now=scheme.sha256[:12]))
    files, gone = [], []
    for entry in prov["submissions"]:
        if not isinstance(entry, dict) or "path" not in entry:
            report.unreadable = _("{file}: provenance.submissions holds {entry!r}, not a table of path and sha256").format(
                file=results, entry=entry)
            return report
        found = _locate(str(entry["path"]), base)
        if found is None or not found.is_file():
            gone.append(str(entry["path"]))
            continue
        try:
            now = sha256_of(found)
        except OSError as exc:
            report.unreadable = _("{file}: cannot read: {why}").format(file=entry["path"], why=exc.strerror)
            return report
        if entry.get("sha256") and now != entry["sha256"]:
            report.inputs.append(_("{file}: sha256 was {then}…, now {now}…").format(
                file=entry["path"], then=str(entry["sha256"])[:12], now=now[:12]))
        files.append((str(entry["path"]), found))
    if gone:
        report.unreadable = ngettext("input file gone, cannot re-run: {files}", "input files gone, cannot re-run: {files}",
                                     len(gone)).format(files=", ".join(gone))
        return report

    # -- re-run and compare -------------------------------------------------------------------------
    speaking = current_language()
    set_language(prov.get("language") if isinstance(prov.get("language"), str) else speaking)  # re-run in the recorded language
    try:
        fresh = _rerun(scheme, files, prov, registry)
    finally:
        set_language(speaking)
    plugins_now = fresh["provenance"].get("plugins") or {}
    for name in sorted(set(plugins_then) | set(plugins_now)):
        if plugins_then.get(name) != plugins_now.get(name):
            report.notes.append(_("plugin {name}: {then} then, {now} now").format(
                name=name, then=plugins_then.get(name) or _("absent"), now=plugins_now.get(name) or _("absent")))
    compare(doc, fresh, report)
    return report


def _rerun(scheme: Any, files: list[tuple[str, Path]], prov: dict, registry: Any) -> dict:
    """The recorded files read again (reported as they were recorded) and evaluated."""
    subs = api.read([f for _, f in files], registry=registry, scheme=scheme)
    shown = {str(f): rec for rec, f in files}   # report sources as they were recorded
    for u in subs.units:
        u.source = shown.get(u.source, u.source)
    subs = Submissions(subs.units, subs.errors, [{**f, "path": shown.get(f["path"], f["path"])} for f in subs.files])
    ev = api.evaluate(scheme, subs, by_group=bool(prov.get("by_group")), registry=registry)
    return evaluation_doc(ev, bool(prov.get("by_group")))


__all__ = ["verify", "compare", "Report", "FIGURES"]
