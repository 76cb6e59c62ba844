"""``civscore evaluate``: score, rate and rank every unit; the report, and the history with ``--history``."""
from __future__ import annotations


from .. import api, history
from ..contracts.errors import UsageError
from ..contracts.i18n import _, ngettext
from ..memory import gc_paused
from ..plugins import did_you_mean
from ..progress import Progress
from ..reports import provenance
from ..reports.text import COLUMN_KEYS
from . import (emit, err, file_encoding, load_plugins, load_scheme, pick_writer, terminal_width, warn_data_keys,
               write_output)


def run(args) -> int:
    pm = load_plugins(args)
    writer = pick_writer(pm, args)
    if (args.period is not None or args.replace) and not args.history:
        raise UsageError(_("--period and --replace go with --history FILE"))
    scheme = load_scheme(args, pm)
    bar = Progress(enabled=None if args.progress else False)
    bar.phase(_("reading submissions"))
    subs = api.read(args.submissions, registry=pm.registry, scheme=scheme, jobs=args.jobs)
    if not subs.units and (args.output or args.history):   # nothing to report or record: files stay as they were
        bar.close()
        for e in subs.errors:   # each says which file could not be read
            err(_("error: {line}").format(line=e))
        return 1
    unknown_keys = warn_data_keys(scheme, subs.units, args.strict)
    period = ""
    if args.history:
        period, warnings = history.run_period(subs.units, args.period)
        for line in warnings:
            err(_("warning: {line}").format(line=line))
        history.preflight(args.history, scheme, period, args.replace)
    _fit(writer, args, scheme)
    bar.phase(ngettext("scoring {n} unit", "scoring {n} units", len(subs.units)).format(n=len(subs.units)))
    ev = api.evaluate(scheme, subs, by_group=args.by_group, registry=pm.registry, keep_reasons=writer.needs_reasons,
                      jobs=args.jobs, progress=bar)

    def report() -> None:
        bar.phase(_("writing the report"))
        with gc_paused():
            if args.output:
                write_output(args.output, writer.evaluation_chunks(ev), file_encoding(args))
            else:
                bar.close()
                emit(writer.evaluation(ev), args)
    try:
        if args.history:
            bar.phase(_("recording period {period} in {file}").format(period=period, file=args.history))
            with gc_paused():   # the report is written inside the transaction: a failed report records nothing
                history.record(ev, args.history, period, args.replace, provenance=provenance(ev, args.by_group),
                               warn=lambda line: err(_("warning: {line}").format(line=line)), before_commit=report)
        else:
            report()
    finally:
        bar.close()
    for e in ev.errors:
        err(_("error: {line}").format(line=e))
    for line in ev.failures:
        err(_("error: {line}").format(line=line))
    for line in ev.warnings:
        err(_("warning: {line}").format(line=line))
    return max(ev.exit_status, 1 if unknown_keys else 0)


def _fit(writer, args, scheme) -> None:
    """The evaluate table fits the terminal it is shown on (piped or written to a
    file it stays whole); ``--columns`` picks the columns anywhere."""
    if not hasattr(writer, "columns"):
        return
    if args.columns:
        known = list(COLUMN_KEYS) + [c.id for c in scheme.categories]
        wanted = [k.strip() for k in args.columns.split(",") if k.strip()]
        for key in wanted:
            if key not in known:
                raise UsageError(_("--columns: no column {key!r}{hint}; columns: {known}").format(
                    key=key, hint=did_you_mean(key, known), known=", ".join(known)))
        writer.columns = wanted
    writer.width = terminal_width(args)
