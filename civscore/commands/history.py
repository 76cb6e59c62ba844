"""``civscore history FILE``: each unit's periods in a history file."""
from __future__ import annotations

from .. import history
from ..contracts.errors import UsageError
from ..contracts.i18n import _
from ..reports import history as history_reports
from . import emit


def run(args) -> int:
    if args.format not in history_reports.FORMATS:
        raise UsageError(_("--format {name!r}: history writes {formats}").format(
            name=args.format, formats=", ".join(history_reports.FORMATS)))
    with history.History.open(args.file, readonly=True) as store, store.read():
        store.prepare(None, write=False)
        doc = history_reports.history_doc(store, args.unit)
    if args.unit is not None and not doc["units"]:
        raise UsageError(_("--unit {unit!r}: no such unit in {file}").format(unit=args.unit, file=args.file))
    emit(history_reports.render(doc, args.format), args)
    return 0
