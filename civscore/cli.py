"""The command line: parse arguments, call the library, print, exit.

Exit statuses (SPEC §5): 0 fine; 1 a submission unreadable, an item in
error, or (``check``) the target not met or a veto; 2 criteria, usage or
plugin errors. Every error is one line on stderr, never a traceback
(``CIVSCORE_DEBUG=1`` shows one for developers).
"""
from __future__ import annotations

import argparse
import atexit
import contextlib
import importlib
import os
import sys
import threading
import traceback
from typing import Any, Iterator, NoReturn, Optional, Sequence

from . import api
from .commands import choose_language, err
from .contracts.errors import CivscoreError
from .contracts.i18n import N_, _, ngettext, normalize
from .plugins import plugin_in_traceback
from .reports import EXPLAIN_FORMATS

#: what evaluate and check write; plugins may add more
EVALUATE_FORMATS = ("table", "markdown", "json", "jsonl", "csv", "html", "xlsx")


def _language(text: str) -> str:
    found = normalize(text)
    if found is None:
        raise argparse.ArgumentTypeError(_("expected en or zh-CN, got {text!r}").format(text=text))
    return found


def _lang_arg(p: argparse.ArgumentParser, default=argparse.SUPPRESS) -> None:
    p.add_argument("--lang", type=_language, default=default, metavar="LANG",
                   help=_("language of messages and reports: en or zh-CN (default: LANGUAGE/LC_ALL/LC_MESSAGES/LANG, "
                          "else the scheme's locale, else English)"))


def _common(p: argparse.ArgumentParser, formats: Sequence[str] = (), replaces: bool = False) -> None:
    """The plugin options of every command, and ``--format``/``--output`` where it writes a report."""
    g = p.add_argument_group(_("plugins"))
    g.add_argument("-p", dest="plugins", action="append", default=[], metavar="NAME",
                   help=_("load module NAME as a plugin; -p no:NAME blocks plugin NAME"))
    g.add_argument("--plugins-dir", metavar="DIR", help=_("load every *.py in DIR as a plugin"))
    g.add_argument("--strict-plugins", action="store_true", help=_("a plugin that fails to load is fatal (exit 2)"))
    if formats:
        listed = ", ".join(_("{format} (needs --output)").format(format=f) if f == "xlsx" else f for f in formats)
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


class _Unused(argparse.ArgumentParser):
    """The parser of a command this command line does not run: listed in ``civscore -h``
    with its help, while the arguments added to it go nowhere (building all nine
    commands' arguments cost more than parsing one)."""

    def add_argument(self, *args: Any, **kwargs: Any) -> Any:
        return None

    def add_argument_group(self, *args: Any, **kwargs: Any) -> Any:
        return self


#: while build_parser() runs: the one command whose arguments it builds (None: every command's)
_BUILDING: list[Optional[str]] = [None]


def _command(sub: Any, name: str, help_text: str, examples: Sequence[str]) -> argparse.ArgumentParser:
    """A subcommand whose help ends with examples of its use."""
    if _BUILDING[0] is not None and name != _BUILDING[0]:
        sub.add_parser(name, help=help_text)
        return _Unused(add_help=False)
    epilog = _("examples:") + "\n" + "\n".join("  " + line for line in examples)
    p = sub.add_parser(name, help=help_text, description=help_text, epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    _lang_arg(p)
    return p


def command_in(argv: Sequence[str]) -> Optional[str]:
    """The command a command line runs, found as the parser finds it: the first word
    that is neither an option nor ``--lang``'s value (``--l``, ``--la``, ``--lan`` abbreviate
    it); None when that word names no command."""
    value_next = False
    for word in argv:
        if value_next:
            value_next = False
        elif word == "--":
            return None
        elif word.startswith("-") and word != "-":
            value_next = word in ("--lang", "--lan", "--la", "--l")
        else:
            return word if word in COMMANDS else None
    return None


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
    _common(p, formats=EXPLAIN_FORMATS, replaces=True)
    p = _command(sub, "schema", _("a JSON Schema of criteria files (installed scorers' params included), for editors"), [
        "civscore schema -o criteria.schema.json",
        _("then put  #:schema ./criteria.schema.json  on the first line of a criteria file")])
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


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The command line's parser; with ``command``, only that command takes its arguments
    (every command is still listed): what parsing a command line that runs it needs."""
    _BUILDING[0] = command
    try:
        return _build_parser()
    finally:
        _BUILDING[0] = None


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="civscore", description=_("Score, rate and rank units against assessment criteria."))
    parser.add_argument("--version", action="version", version=f"civscore {api.__version__}",
                        help=_("show program's version number and exit"))
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
        with argparse_in_language():
            parser = build_parser(command_in(argv))
            args = parser.parse_args(argv)
            if not args.command:
                parser.print_help(sys.stderr)
                return 2
        return importlib.import_module(COMMANDS[args.command]).run(args)
    except CivscoreError as exc:
        for line in getattr(exc, "lines", None) or [str(exc)]:
            err(line)
        return 2
    except KeyboardInterrupt:
        err(_("interrupted; no report was written"))
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
            err(_("plugin {name!r} failed: {error} (set CIVSCORE_DEBUG=1 for details; "
                   "report it to the plugin's authors, or block it with -p no:{name})").format(
                name=culprit, error=f"{type(exc).__name__}: {exc}"))
            return 2
        err(_("internal error: {error} (set CIVSCORE_DEBUG=1 for details, and please report it)").format(
            error=f"{type(exc).__name__}: {exc}"))
        return 3


def run() -> NoReturn:
    """The ``civscore`` console script and ``python -m civscore``: :func:`main`, then :func:`leave`.
    (Code that runs the command line in its own process calls :func:`main` and keeps its interpreter.)"""
    leave(main())


def leave(status: int) -> NoReturn:
    """Exit with ``status`` without tearing the interpreter down, as mypy's ``hard_exit`` does.

    Freeing every object of ~330 modules (pydantic's schemas above all) costs
    ~35 ms, a tenth of a ``check`` of one unit (benchmarks/check_time.py).
    What a normal exit does that a user or a plugin could notice is still done:
    the ``atexit`` functions run (a plugin's log gets closed) and stdout and
    stderr are flushed. When another thread still runs, or a flush fails, the
    exit is the normal one (Python waits for the thread, reports the flush).
    Python never promised ``__del__`` at exit: files are closed by whoever opened
    them (civscore writes its outputs atomically and closes them itself).
    """
    if threading.active_count() > 1:
        sys.exit(status)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(status)
    if threading.active_count() > 1:   # an atexit function started one
        sys.exit(status)
    os._exit(status)


def _argparse_text(message: Any) -> Any:
    """argparse's ``_``: its message in the chosen language (argparse also passes None, kept as it is)."""
    return _(message) if isinstance(message, str) else message


@contextlib.contextmanager
def argparse_in_language() -> Iterator[None]:
    """argparse's own words ("usage:", "options", "the following arguments are required", "invalid choice")
    in the chosen language while the command line is built, parsed and its help printed.

    argparse (Python 3.10 to 3.13) translates them by calling the module-level names ``_`` and
    ``ngettext`` it imports from the standard library's gettext (whose language comes from the locale
    variables and whose catalogs are not ours); inside this block those two names are civscore's
    (:func:`argparse_messages` puts argparse's messages in civscore's catalog), after it argparse's own
    again. Where argparse has no such names, its words stay English."""
    saved = {name: getattr(argparse, name) for name in ("_", "ngettext") if callable(getattr(argparse, name, None))}
    if len(saved) == 2:
        argparse._ = _argparse_text     # type: ignore[attr-defined]
        argparse.ngettext = ngettext    # type: ignore[attr-defined]
    try:
        yield
    finally:
        for name, function in saved.items():
            setattr(argparse, name, function)


def argparse_messages() -> list[Any]:
    """The messages argparse shows a user (Python 3.10 to 3.13), marked here so that pybabel extracts them
    into civscore's catalog; ``(singular, plural)`` for a plural. Its messages about a broken parser (a
    developer's mistake: conflicting option strings, dest= required) are left out and stay English."""
    def ngettext(singular: str, plural: str, n: int) -> tuple[str, str]:   # marks a plural; returns both forms
        return singular, plural
    return [N_("usage: "), N_("positional arguments"), N_("options"), N_("subcommands"), N_("%(heading)s:"),
            N_("show this help message and exit"), N_(" (default: %(default)s)"),
            N_("%(prog)s: error: %(message)s\n"), N_("%(prog)s: warning: %(message)s\n"),
            N_("argument %(argument_name)s: %(message)s"), N_("the following arguments are required: %s"),
            N_("unrecognized arguments: %s"), N_("invalid choice: %(value)r (choose from %(choices)s)"),
            N_("invalid %(type)s value: %(value)r"), N_("expected one argument"), N_("expected at most one argument"),
            N_("expected at least one argument"), ngettext("expected %s argument", "expected %s arguments", 2),
            N_("ambiguous option: %(option)s could match %(matches)s"), N_("not allowed with argument %s"),
            N_("one of the arguments %s is required"), N_("ignored explicit argument %r"),
            N_("unexpected option string: %s"), N_("can't open '%(filename)s': %(error)s"),
            N_("unknown parser %(parser_name)r (choices: %(choices)s)"), N_("option '%(option)s' is deprecated"),
            N_("argument '%(argument_name)s' is deprecated"), N_("command '%(parser_name)s' is deprecated")]


#: the module of each command, imported when the command runs: each imports only what it needs
#: (``check`` no HTML, Excel, history or explain code), so a command pays for its own imports only
COMMANDS = {name: f"civscore.commands.{name}" for name in
            ("evaluate", "check", "validate", "explain", "schema", "plugins", "init", "verify", "history")}

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
