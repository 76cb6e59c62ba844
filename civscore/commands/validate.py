"""``civscore validate``: load and check a criteria file, say what it holds."""
from __future__ import annotations

from .. import api
from ..contracts.i18n import _, ngettext
from . import err, load_plugins, load_scheme


def run(args) -> int:
    pm = load_plugins(args)
    scheme = load_scheme(args, pm)
    for warning in scheme.warnings:
        err(_("warning: {line}").format(line=f"{scheme.path}: {warning}"))
    print(_("ok: {path}: {id} {version}, {categories}, {indicators}, {bonus} bonus, {penalty} penalty, "
            "{vetoes} veto items, {points} points, rating {method}").format(
        path=scheme.path, id=scheme.id, version=scheme.version,
        categories=ngettext("{n} category", "{n} categories", len(scheme.categories)).format(n=len(scheme.categories)),
        indicators=ngettext("{n} indicator", "{n} indicators", len(scheme.leaves)).format(n=len(scheme.leaves)),
        bonus=len(scheme.bonus), penalty=len(scheme.penalty), vetoes=len(scheme.vetoes),
        points=api.fmt(scheme.full_marks), method=scheme.rating.method))
    return 0
