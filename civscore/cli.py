"""The command line: parse arguments, call the library, print, exit.

Exit statuses (SPEC §5): 0 fine; 1 a submission unreadable, an item in
error, or (``check``) the target not met or a veto; 2 criteria, usage or
plugin errors. Every error is one line on stderr, never a traceback
(``CIVSCORE_DEBUG=1`` shows one for developers).
"""
from __future__ import annotations

import argparse
import shutil
import codecs
import io
import json
import os
import sys
import traceback
from dataclasses import replace
from importlib import metadata
from typing import Any, Optional, Sequence

from tabulate import tabulate

from . import api, datakeys, history, schema
from .contracts.errors import CivscoreError, UsageError, one_line
from .contracts.i18n import _, current_language, from_system, ngettext, normalize, set_language
from .plugins import PluginManager, did_you_mean, plugin_in_traceback
from .reports.text import COLUMN_KEYS
from .memory import gc_paused
from .progress import Progress
from .reports import explain
from .reports import provenance, report_bytes, without_surrogates, write_atomic
from .reports import history as history_reports
from .template import template
from .verify import verify

#: what evaluate and check write; plugins may add more
EVALUATE_FORMATS = ("table", "markdown", "json", "csv", "html", "xlsx")


def _language(text: str) -> str:
    found = normalize(text)
    if found is None:
        raise argparse.ArgumentTypeError(_("expected en or zh-CN, got {text!r}").format(text=text))
    return found


def _lang_arg(p: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    p.add_argument("--lang", type=_language, default=default, metavar="LANG",
                   help=_("language of messages and reports: en or zh-CN (default: LANGUAGE/LC_ALL/LC_MESSAGES/LANG, "
                          "else the scheme's locale, else English)"))


def _given_language(argv: Sequence[str]) -> Optional[str]:
    """``--lang`` wherever it stands (before or after the command), read before
    the parser is built so that help and usage errors speak it too."""
    pre = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    pre.add_argument("--lang")
    known, _rest = pre.parse_known_args(list(argv))
    return normalize(known.lang) if known.lang else None


#: whether --lang or the system chose the language (then the scheme's locale does not)
_DECIDED = False


def choose_language(argv: Sequence[str]) -> str:
    """``--lang``, else the locale variables (C and POSIX choose nothing), else
    the Windows locale; English until a scheme's ``locale`` says otherwise."""
    global _DECIDED
    chosen = _given_language(argv) or from_system()
    _DECIDED = chosen is not None
    return set_language(chosen)


def scheme_language(scheme) -> None:
    """A scheme's ``locale`` decides when neither --lang nor the system did."""
    if not _DECIDED and getattr(scheme, "locale", None):
        set_language(scheme.locale)


def _load(args, pm: PluginManager):
    scheme = api.load(args.criteria, registry=pm.registry)
    scheme_language(scheme)
    return scheme


def _common(p: argparse.ArgumentParser, formats: Sequence[str] = (), replaces: bool = False) -> None:
    """The plugin options of every command, and ``--format``/``--output`` where it writes a report."""
    g = p.add_argument_group(_("plugins"))
    g.add_argument("-p", dest="plugins", action="append", default=[], metavar="NAME",
                   help=_("load module NAME as a plugin; -p no:NAME blocks plugin NAME"))
    g.add_argument("--plugins-dir", metavar="DIR", help=_("load every *.py in DIR as a plugin"))
    g.add_argument("--strict-plugins", action="store_true", help=_("a plugin that fails to load is fatal (exit 2)"))
    if formats:
        listed = ", ".join(f"{f} ({_('needs --output')})" if f == "xlsx" else f for f in formats)
        more = _(", or one a plugin adds") if "xlsx" in formats else ""
        p.add_argument("--format", "-f", default="table", metavar="FORMAT",
                       help=_("output format: {formats}{more}; default table").format(formats=listed, more=more))
        p.add_argument("--output", "-o", metavar="FILE",
                       help=_("write the report to FILE instead of stdout; FILE is replaced atomically, "
                              "never left half-written") if replaces else None)
        if "csv" in formats:
            _encoding_arg(p)


def _encoding_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--encoding", choices=("utf-8-sig", "utf-8", "gb18030"), default=None,
                   help=_("encoding of a CSV written to --output: utf-8-sig (UTF-8 with the byte-order mark "
                          "Excel needs; the default), utf-8 or gb18030; CSV on stdout is plain UTF-8"))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(_("expected a whole number ≥ 1, got {text!r}").format(text=text))
    return value


def _history_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group(_("history (SPEC §8)"))
    g.add_argument("--history", metavar="FILE", help=_("the SQLite file keeping every period's results (created when absent)"))
    g.add_argument("--period", metavar="P", help=_("the period of this run (default: the unit.period every unit shares)"))


def _strict_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--strict", action="store_true",
                   help=_("a data key the scheme does not read is an error (exit 1), not a warning"))


def _command(sub: Any, name: str, help_text: str, examples: Sequence[str]) -> argparse.ArgumentParser:
    """A subcommand whose help ends with examples of its use."""
    epilog = _("examples:") + "\n" + "\n".join("  " + line for line in examples)
    p = sub.add_parser(name, help=help_text, description=help_text, epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _lang_arg(p)
    return p


def _criteria_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("criteria", metavar="CRITERIA", help=_("a criteria file (.toml), or the name of a bundled scheme"))


def _explain_and_schema(sub: Any) -> None:
    """The criteria author's commands that read no submission: explain and schema."""
    p = _command(sub, "explain", _("the rubric: every criterion, points, scorer, params, method; "
                                   "or, with --scorers, the installed scorers and their params"), [
        "civscore explain civilized-unit", "civscore explain civilized-unit -f markdown -o rubric.md",
        "civscore explain --scorers"])
    p.add_argument("criteria", metavar="CRITERIA", nargs="?",
                   help=_("a criteria file (.toml), or the name of a bundled scheme"))
    p.add_argument("--scorers", action="store_true", help=_("list every installed scorer (plugins' too) with its params"))
    _common(p, formats=explain.FORMATS, replaces=True)
    p = _command(sub, "schema", _("a JSON Schema of criteria files (installed scorers' params included), for editors"), [
        "civscore schema -o criteria.schema.json",
        "then put  #:schema ./criteria.schema.json  on the first line of a criteria file"])
    p.add_argument("--output", "-o", metavar="FILE", help=_("write the schema to FILE (atomically) instead of stdout"))
    _common(p)


def _check_parser(sub: Any) -> None:
    p = _command(sub, "check", _("one unit's self-check: lost points, missing data, the next star"), [
        "civscore check civilized-unit my-unit.toml",
        "civscore check civilized-unit my-unit.toml --target 4",
        "civscore check civilized-unit units.xlsx --unit city-tax -f html -o check.html"])
    _criteria_arg(p)
    p.add_argument("submission", metavar="SUBMISSION", help=_("the unit's submission file (a CSV or XLSX of several needs --unit)"))
    p.add_argument("--target", type=int, metavar="STARS", help=_("exit 1 unless the unit reaches STARS stars (on a rating by rank, checked "
                                                                    "without --with: every condition of that level but the rank)"))
    p.add_argument("--unit", metavar="ID", help=_("the unit to check when the file holds several"))
    p.add_argument("--with", dest="others", nargs="+", metavar="DIR|FILE",
                   help=_("the other units' submissions: rank the unit among them as evaluate would (the unit replaces "
                          "one of the same id); without them a rating by rank (quota) says only which levels it qualifies for"))
    p.add_argument("--by-group", action="store_true", help=_("with --with: rank and rate within the unit's group"))
    _history_args(p)
    _strict_arg(p)
    _common(p, formats=EVALUATE_FORMATS, replaces=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civscore", description=_("Score, rate and rank units against assessment criteria."))
    parser.add_argument("--version", action="version", version=f"civscore {api.__version__}")
    _lang_arg(parser, default=None)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = _command(sub, "evaluate", _("score, rate and rank every unit"), [
        "civscore evaluate civilized-unit examples/civilized-unit",
        "civscore evaluate civilized-unit units.csv -f csv -o ranking.csv",
        "civscore evaluate civilized-unit examples/civilized-unit -f html -o report.html"])
    _criteria_arg(p)
    p.add_argument("submissions", nargs="+", metavar="SUBMISSION",
                   help=_("submission files (TOML, JSON, CSV, XLSX) or directories of them"))
    p.add_argument("--by-group", action="store_true", help=_("rank and rate each unit.group separately"))
    p.add_argument("--jobs", "-j", type=_positive, default=1, metavar="N",
                   help=_("worker processes for reading files and scoring (same results; helps from ~50k units)"))
    p.add_argument("--no-progress", dest="progress", action="store_false",
                   help=_("no progress line on stderr (it shows only on a terminal, for runs over a second)"))
    _history_args(p)
    _strict_arg(p)
    p.add_argument("--columns", metavar="LIST",
                   help=_("the table's columns, comma-separated: rank, stars, unit, name, group, total, base, bonus, "
                          "penalty, note and category ids (on a terminal the table is fitted to its width otherwise)"))
    p.add_argument("--replace", action="store_true", help=_("record the period again although FILE holds it (with --history)"))
    _common(p, formats=EVALUATE_FORMATS, replaces=True)
    _check_parser(sub)
    p = _command(sub, "validate", _("validate a criteria file"), [
        "civscore validate my-scheme.toml", "civscore validate civilized-unit"])
    _criteria_arg(p)
    _common(p)
    _explain_and_schema(sub)
    p = _command(sub, "plugins", _("installed plugins and what they provide"), [
        "civscore plugins", "civscore plugins -f json"])
    _common(p, formats=("table", "markdown", "json"), replaces=True)
    p = _command(sub, "init", _("a blank submission template for a scheme (toml, csv or xlsx)"), [
        "civscore init civilized-unit -o my-unit.toml",
        "civscore init civilized-unit -f xlsx -o template.xlsx"])
    _criteria_arg(p)
    p.add_argument("--format", "-f", default="toml", choices=("toml", "csv", "xlsx"), help=_("template format (default toml)"))
    p.add_argument("--output", "-o", metavar="FILE",
                   help=_("write the template to FILE (xlsx needs it); an existing FILE is kept unless --force is given, "
                          "since it may have been filled in by hand"))
    p.add_argument("--force", action="store_true", help=_("overwrite FILE if it exists"))
    _common(p)
    p = _command(sub, "history", _("each unit's periods in a history file: totals, earned and awarded stars, vetoes"), [
        "civscore history history.sqlite", "civscore history history.sqlite --unit city-tax -f html -o city-tax.html"])
    p.add_argument("file", metavar="FILE", help=_("a history file written by evaluate --history"))
    p.add_argument("--unit", metavar="ID", help=_("one unit only"))
    p.add_argument("--format", "-f", default="table", choices=("table", "json", "csv", "html"),
                   help=_("output format: table (default), json, csv or html"))
    p.add_argument("--output", "-o", metavar="FILE", help=_("write the report to FILE instead of stdout (replaced atomically)"))
    _encoding_arg(p)
    p = _command(sub, "verify", _("re-run an evaluation from a JSON result's recorded inputs and compare every figure"), [
        "civscore evaluate civilized-unit examples/civilized-unit -f json -o results.json",
        "civscore verify results.json"])
    p.add_argument("results", metavar="RESULTS.json", help=_("the JSON written by evaluate --format json"))
    p.add_argument("--format", "-f", default="table", choices=("table", "json"), help=_("output format: table (default) or json"))
    _common(p)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = None
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        choose_language(argv)
        parser = build_parser()
        args = parser.parse_args(argv)
        if not args.command:
            parser.print_help(sys.stderr)
            return 2
        return COMMANDS[args.command](args)
    except CivscoreError as exc:
        for line in getattr(exc, "lines", None) or [str(exc)]:
            _err(line)
        return 2
    except KeyboardInterrupt:
        _err(_("interrupted; no report was written"))
        return 130
    except BrokenPipeError:
        return 0
    except SystemExit as exc:  # argparse
        return int(exc.code or 0) if isinstance(exc.code, int) else 2
    except Exception as exc:  # a bug of ours, or of a plugin: still one line, and how to see more
        if os.environ.get("CIVSCORE_DEBUG"):
            traceback.print_exc()
        culprit = plugin_in_traceback(exc)
        if culprit:  # a writer, rating method... of a plugin failed: say whose bug it is
            _err(_("plugin {name!r} failed: {error} (set CIVSCORE_DEBUG=1 for details; "
                   "report it to the plugin's authors, or block it with -p no:{name})").format(
                name=culprit, error=f"{type(exc).__name__}: {exc}"))
            return 2
        _err(_("internal error: {error} (set CIVSCORE_DEBUG=1 for details, and please report it)").format(
            error=f"{type(exc).__name__}: {exc}"))
        return 3


def write_output(path, content, encoding: str = "utf-8") -> None:
    """``--output``, written atomically in ``encoding``; a missing or unwritable
    folder, or a full disk, is the user's to fix (exit 2), not an internal error."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise UsageError(_("--output {path}: the folder {folder} does not exist; create it first (nothing was written)")
                         .format(path=path, folder=folder))
    try:
        write_atomic(path, _encoded(content, encoding))
    except OSError as exc:
        raise UsageError(_("--output {path}: cannot write the report: {why}; nothing was written").format(
            path=path, why=exc.strerror or exc)) from None


def _encoded(content, encoding: str):
    """Text (one string or pieces) as bytes in ``encoding``; ``utf-8-sig`` puts the
    byte-order mark Excel on Chinese Windows needs once, before everything. Bytes pass as they are."""
    if isinstance(content, bytes) or encoding == "utf-8":
        return content
    pieces = [content] if isinstance(content, str) else content
    if encoding == "utf-8-sig":
        return _with_bom(pieces)
    return (without_surrogates(piece).encode(encoding) if isinstance(piece, str) else piece for piece in pieces)


def _with_bom(pieces):
    yield codecs.BOM_UTF8
    first = True
    for piece in pieces:
        if isinstance(piece, str):
            piece = report_bytes(piece.lstrip("\ufeff") if first else piece)  # a piece with its own mark gets one, not two
        first = False
        yield piece


def _file_encoding(args) -> str:
    """CSV written to a file: the --encoding asked for (UTF-8 with BOM by default); everything else UTF-8."""
    if getattr(args, "format", None) != "csv":
        return "utf-8"
    return getattr(args, "encoding", None) or "utf-8-sig"


def _err(line: str) -> None:
    """One stderr line: whatever a file name or a key holds (a newline, a
    terminal escape), it stays one line and drives no terminal."""
    print(f"civscore: {one_line(line)}", file=sys.stderr)


def _plugins(args) -> PluginManager:
    pm = api.plugin_manager(plugins=args.plugins, plugins_dir=args.plugins_dir, strict=args.strict_plugins)
    for warning in pm.registry.warnings:
        _err(_("warning: {line}").format(line=warning))
    return pm


def _writer(pm: PluginManager, args):
    try:
        return pm.registry.lookup("writers", args.format)()
    except KeyError:
        raise UsageError("--format: " + pm.registry.unknown("writers", args.format)) from None


def _emit(content: str | bytes, args) -> None:
    """Write to --output (atomically), else to stdout; bytes need --output."""
    if args.output:
        write_output(args.output, content, _file_encoding(args))
    elif isinstance(content, bytes):
        raise UsageError(_("--format {name} writes a binary file; give --output FILE").format(name=args.format))
    else:
        try:
            sys.stdout.write(without_surrogates(content))
            sys.stdout.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:  # a full disk behind > FILE: the user's to fix, not an internal error
            _drop_stdout()
            raise UsageError(_("cannot write the report to standard output: {why}")
                             .format(why=exc.strerror or exc)) from None


def _drop_stdout() -> None:
    """After stdout failed: send what is still buffered nowhere, so the exit
    adds no second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError, io.UnsupportedOperation):
        pass


def cmd_evaluate(args) -> int:
    pm = _plugins(args)
    writer = _writer(pm, args)
    if (args.period is not None or args.replace) and not args.history:
        raise UsageError(_("--period and --replace go with --history FILE"))
    scheme = _load(args, pm)
    bar = Progress(enabled=None if args.progress else False)
    bar.phase(_("reading submissions"))
    subs = api.read(args.submissions, registry=pm.registry, scheme=scheme, jobs=args.jobs)
    if not subs.units and (args.output or args.history):   # nothing to report or record: files stay as they were
        bar.close()
        for e in subs.errors:   # each says which file could not be read
            _err(_("error: {line}").format(line=e))
        return 1
    unknown_keys = _data_keys(scheme, subs.units, args.strict)
    period = ""
    if args.history:
        period, warnings = history.run_period(subs.units, args.period)
        for line in warnings:
            _err(_("warning: {line}").format(line=line))
        history.preflight(args.history, scheme, period, args.replace)
    _fit(writer, args, scheme)
    bar.phase(ngettext("scoring {n} unit", "scoring {n} units", len(subs.units)).format(n=len(subs.units)))
    ev = api.evaluate(scheme, subs, by_group=args.by_group, registry=pm.registry, keep_reasons=writer.needs_reasons,
                      jobs=args.jobs, progress=bar)

    def report() -> None:
        bar.phase(_("writing the report"))
        with gc_paused():
            if args.output:
                write_output(args.output, writer.evaluation_chunks(ev), _file_encoding(args))
            else:
                bar.close()
                _emit(writer.evaluation(ev), args)
    try:
        if args.history:
            bar.phase(_("recording period {period} in {file}").format(period=period, file=args.history))
            with gc_paused():   # the report is written inside the transaction: a failed report records nothing
                history.record(ev, args.history, period, args.replace, provenance=provenance(ev, args.by_group),
                               warn=lambda line: _err(_("warning: {line}").format(line=line)), before_commit=report)
        else:
            report()
    finally:
        bar.close()
    for e in ev.errors:
        _err(_("error: {line}").format(line=e))
    for line in ev.failures:
        _err(_("error: {line}").format(line=line))
    for line in ev.warnings:
        _err(_("warning: {line}").format(line=line))
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
    if not args.output and sys.stdout.isatty():
        writer.width = shutil.get_terminal_size().columns


def _data_keys(scheme, units, strict: bool) -> int:
    """Warn about data keys the scheme does not read (errors with ``--strict``)
    and about units that supply few of its inputs; returns how many keys were unknown."""
    found = datakeys.survey(scheme, units)
    for unknown in found.unknown:
        _err((_("error: {line}") if strict else _("warning: {line}")).format(line=unknown.message()))
    coverage = found.coverage_warning(scheme.id)
    if coverage:
        _err(_("warning: {line}").format(line=coverage))
    return len(found.unknown) if strict else 0


def cmd_check(args) -> int:
    pm = _plugins(args)
    writer = _writer(pm, args)
    scheme = _load(args, pm)
    subs = api.read([args.submission], registry=pm.registry, scheme=scheme)
    for e in subs.errors:
        _err(_("error: {line}").format(line=e))
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
    unknown_keys = _data_keys(scheme, units, args.strict)
    checked = 0
    if args.others:   # rank it among the committee's submissions: the unit itself replaces one of the same id
        others = api.read(args.others, registry=pm.registry, scheme=scheme)
        for e in others.errors:
            _err(f"error: {e}")
        rest = [u for u in others.units if u.id != units[0].id]
        subs = replace(subs, files=list(subs.files) + [f for f in others.files if f not in subs.files])
        checked, units = len(rest), rest + units
    elif args.by_group:
        raise UsageError(_("--by-group goes with --with DIR|FILE (alone, a unit has no group to be ranked in)"))
    ev = api.evaluate(scheme, replace(subs, units=units, errors=[]), by_group=args.by_group,
                      registry=pm.registry)  # files kept for provenance
    past = history.check_past(ev, args.history, args.period or units[checked].period) if args.history else None
    doc = api.check_doc(ev, checked, args.target)
    if past is not None:
        doc["history"] = {**(ev.history or {}), **history.allowance(past, checked, scheme.history)}
    for line in ev.failures:
        _err(_("error: {line}").format(line=line))
    _emit(writer.check(doc), args)
    r = doc["result"]
    if r["vetoed"] or doc["target_met"] is False or not r["complete"] or unknown_keys:
        return 1
    return 0


def cmd_validate(args) -> int:
    pm = _plugins(args)
    scheme = _load(args, pm)
    for warning in scheme.warnings:
        _err(_("warning: {line}").format(line=f"{scheme.path}: {warning}"))
    print(_("ok: {path}: {id} {version}, {categories}, {indicators}, {bonus} bonus, {penalty} penalty, "
            "{vetoes} veto items, {points} points, rating {method}").format(
        path=scheme.path, id=scheme.id, version=scheme.version,
        categories=ngettext("{n} category", "{n} categories", len(scheme.categories)).format(n=len(scheme.categories)),
        indicators=ngettext("{n} indicator", "{n} indicators", len(scheme.leaves)).format(n=len(scheme.leaves)),
        bonus=len(scheme.bonus), penalty=len(scheme.penalty), vetoes=len(scheme.vetoes),
        points=api.fmt(scheme.full_marks), method=scheme.rating.method))
    return 0


def cmd_explain(args) -> int:
    pm = _plugins(args)
    if args.scorers:
        if args.criteria is not None:
            raise UsageError(_("explain --scorers takes no CRITERIA; run explain CRITERIA for a scheme's rubric"))
        if args.format not in explain.SCORER_FORMATS:
            raise UsageError(_("--format {name!r}: explain --scorers writes {formats}").format(
                name=args.format, formats=", ".join(explain.SCORER_FORMATS)))
        _emit(explain.render_scorers(pm.registry, args.format), args)
        return 0
    if args.criteria is None:
        raise UsageError(_("explain needs CRITERIA (a file or a bundled scheme's name), or --scorers"))
    scheme = _load(args, pm)
    fmt_name = args.format
    if fmt_name not in explain.FORMATS:
        raise UsageError(_("--format {name!r}: explain writes {formats}").format(name=fmt_name, formats=", ".join(explain.FORMATS)))
    content = explain.render(scheme, fmt_name)
    _emit(content, args)
    return 0


def cmd_schema(args) -> int:
    pm = _plugins(args)
    doc = schema.criteria_schema(pm.registry)
    _emit(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", args)
    return 0


def cmd_plugins(args) -> int:
    pm = _plugins(args)
    infos = [p.to_dict() for p in pm.registry.plugins]
    if os.environ.get("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD"):  # what is installed but will not run (read from metadata, not imported)
        shown = {p["name"] for p in infos}
        for ep in sorted(metadata.entry_points(group="civscore"), key=lambda e: e.name):
            if ep.name not in shown:
                dist = getattr(ep, "dist", None)
                infos.append({"name": ep.name, "origin": "entry-point", "version": dist.version if dist else None,
                              "status": "not loaded", "error": _("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD is set; load it with -p {name}")
                              .format(name=ep.name),
                              "hooks": [], "provides": {}})
    if args.format == "json":
        content = json.dumps({"plugins": infos, "autoload": not os.environ.get("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD")},
                             ensure_ascii=False, indent=2) + "\n"
    elif args.format in ("table", "markdown"):
        rows = [[p["name"], p["version"] or "", p["origin"], p["status"] + (f": {p['error']}" if p["error"] else ""),
                 "; ".join(f"{k}: {', '.join(v)}" for k, v in p["provides"].items() if v)] for p in infos]
        content = tabulate(rows, [_("plugin"), _("version"), _("origin"), _("status"), _("provides")],
                           tablefmt="github" if args.format == "markdown" else "simple") + "\n"
    else:
        raise UsageError(_("--format {name!r}: plugins writes table, markdown or json").format(name=args.format))
    _emit(content, args)
    return 0


def cmd_init(args) -> int:
    pm = _plugins(args)
    scheme = _load(args, pm)
    if args.output and os.path.exists(args.output) and not args.force:
        raise UsageError(_("{file} exists; give --force to overwrite it").format(file=args.output))
    # the language --lang or the system chose, else the scheme's: the template is the scheme's document
    _emit(template(scheme, args.format, current_language() if _DECIDED else None), args)
    return 0


def cmd_history(args) -> int:
    if args.format not in history_reports.FORMATS:
        raise UsageError(_("--format {name!r}: history writes {formats}").format(
            name=args.format, formats=", ".join(history_reports.FORMATS)))
    with history.History.open(args.file, readonly=True) as store, store.read():
        store.prepare(None, write=False)
        doc = history_reports.history_doc(store, args.unit)
    if args.unit is not None and not doc["units"]:
        raise UsageError(_("--unit {unit!r}: no such unit in {file}").format(unit=args.unit, file=args.file))
    _emit(history_reports.render(doc, args.format), args)
    return 0


def cmd_verify(args) -> int:
    pm = _plugins(args)
    report = verify(args.results, registry=pm.registry)
    if report.unreadable:
        _err(report.unreadable)
    if args.format == "json":
        sys.stdout.write(json.dumps(report.to_dict(), ensure_ascii=False, indent=2) + "\n")
    elif not report.unreadable:
        sys.stdout.write(report.text())
    return report.status


COMMANDS = {"evaluate": cmd_evaluate, "check": cmd_check, "validate": cmd_validate,
            "explain": cmd_explain, "schema": cmd_schema, "plugins": cmd_plugins, "init": cmd_init, "verify": cmd_verify,
            "history": cmd_history}


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
