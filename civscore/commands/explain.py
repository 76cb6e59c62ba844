"""``civscore explain``: a scheme's rubric, or (``--scorers``) the installed scorers."""
from __future__ import annotations

from ..contracts.errors import UsageError
from ..contracts.i18n import _
from ..reports import explain
from . import emit, load_plugins, load_scheme


def run(args) -> int:
    pm = load_plugins(args)
    if args.scorers:
        if args.criteria is not None:
            raise UsageError(_("explain --scorers takes no CRITERIA; run explain CRITERIA for a scheme's rubric"))
        if args.format not in explain.SCORER_FORMATS:
            raise UsageError(_("--format {name!r}: explain --scorers writes {formats}").format(
                name=args.format, formats=", ".join(explain.SCORER_FORMATS)))
        emit(explain.render_scorers(pm.registry, args.format), args)
        return 0
    if args.criteria is None:
        raise UsageError(_("explain needs CRITERIA (a file or a bundled scheme's name), or --scorers"))
    scheme = load_scheme(args, pm)
    fmt_name = args.format
    if fmt_name not in explain.FORMATS:
        raise UsageError(_("--format {name!r}: explain writes {formats}").format(name=fmt_name, formats=", ".join(explain.FORMATS)))
    content = explain.render(scheme, fmt_name)
    emit(content, args)
    return 0
