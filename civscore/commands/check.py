"""``civscore check``: one unit's self-check (its lost points, missing data, the next star)."""
from __future__ import annotations

from dataclasses import replace

from .. import api, history
from ..contracts._np import python_arrays
from ..contracts.errors import UsageError
from ..contracts.i18n import _
from . import emit, err, load_plugins, load_scheme, pick_writer, terminal_width, warn_data_keys


def run(args) -> int:
    pm = load_plugins(args)
    writer = pick_writer(pm, args)
    if hasattr(writer, "width"):   # the text table: its tables fit the terminal it is shown on
        writer.width = terminal_width(args)
    scheme = load_scheme(args, pm)
    subs = api.read([args.submission], registry=pm.registry, scheme=scheme)
    for e in subs.errors:
        err(_("error: {line}").format(line=e))
    units = subs.units
    if args.unit is not None:
        units = [u for u in units if u.id == args.unit]
        if not units:
            raise UsageError(_("--unit {unit!r}: no such unit in {file}").format(unit=args.unit, file=args.submission))
    if subs.errors and not units:
        return 2
    if not units:
        raise UsageError(_("{file}: no unit to check").format(file=args.submission))
    if len(units) > 1:
        ids = ", ".join(u.id for u in units[:10])
        raise UsageError(_("{file} holds {n} units ({ids}); pick one with --unit ID").format(
            file=args.submission, n=len(units), ids=ids + (" …" if len(units) > 10 else "")))
    unknown_keys = warn_data_keys(scheme, units, args.strict)
    checked = 0
    if args.others:   # rank it among the committee's submissions: the unit itself replaces one of the same id
        others = api.read(args.others, registry=pm.registry, scheme=scheme)
        for e in others.errors:
            err(_("error: {line}").format(line=e))
        rest = [u for u in others.units if u.id != units[0].id]
        subs = replace(subs, files=list(subs.files) + [f for f in others.files if f not in subs.files])
        checked, units = len(rest), rest + units
    elif args.by_group:
        raise UsageError(_("--by-group goes with --with DIR|FILE (alone, a unit has no group to be ranked in)"))
    # one unit and the built-in plugins only: pure-Python arrays give the same figures without importing
    # NumPy (0.1-0.2 s); a ranking among others, the history and a plugin's rating method get NumPy's
    with python_arrays(len(units) == 1 and not args.history and _built_in_only(pm)):
        ev = api.evaluate(scheme, replace(subs, units=units, errors=[]), by_group=args.by_group,
                          registry=pm.registry)  # files kept for provenance
        past = history.check_past(ev, args.history, args.period or units[checked].period) if args.history else None
        doc = api.check_doc(ev, checked, args.target)
        if past is not None:
            doc["history"] = {**(ev.history or {}), **history.allowance(past, checked, scheme.history)}
        for line in ev.failures:
            err(_("error: {line}").format(line=line))
        emit(writer.check(doc), args)
    r = doc["result"]
    if r["vetoed"] or doc["target_met"] is False or not r["complete"] or unknown_keys:
        return 1
    return 0


def _built_in_only(pm) -> bool:
    """Whether every plugin that loaded is a built-in one."""
    return all(p.origin == "builtin" for p in pm.registry.plugins if p.status == "ok")
