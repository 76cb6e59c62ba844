"""What every command of the command line shares: the language, the plugins,
the report writer, writing to ``--output`` or stdout, one-line errors.

Each command lives in its own module of this package (``check.py``,
``evaluate.py`` …) with the imports only it needs; :mod:`civscore.cli` parses
the arguments and imports the one module of the command given, so
``civscore check`` never loads the HTML, Excel, history or explain code.
"""
from __future__ import annotations

import argparse
import codecs
import io
import os
import shutil
import sys
from typing import Optional, Sequence

from .. import api, datakeys
from ..contracts.errors import UsageError, one_line
from ..contracts.i18n import _, from_system, normalize, set_language
from ..plugins import PluginManager
from ..reports import report_bytes, without_surrogates, write_atomic


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


def language_decided() -> bool:
    """Whether --lang or the system chose the language (``init`` writes the scheme's otherwise)."""
    return _DECIDED


def scheme_language(scheme) -> None:
    """A scheme's ``locale`` decides when neither --lang nor the system did."""
    if not _DECIDED and getattr(scheme, "locale", None):
        set_language(scheme.locale)


def load_scheme(args, pm: PluginManager):
    scheme = api.load(args.criteria, registry=pm.registry)
    scheme_language(scheme)
    return scheme


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


def file_encoding(args) -> str:
    """CSV written to a file: the --encoding asked for (UTF-8 with BOM by default); everything else UTF-8."""
    if getattr(args, "format", None) != "csv":
        return "utf-8"
    return getattr(args, "encoding", None) or "utf-8-sig"


def err(line: str) -> None:
    """One stderr line: whatever a file name or a key holds (a newline, a
    terminal escape), it stays one line and drives no terminal."""
    print(f"civscore: {one_line(line)}", file=sys.stderr)


def load_plugins(args) -> PluginManager:
    pm = api.plugin_manager(plugins=args.plugins, plugins_dir=args.plugins_dir, strict=args.strict_plugins)
    for warning in pm.registry.warnings:
        err(_("warning: {line}").format(line=warning))
    return pm


def terminal_width(args) -> Optional[int]:
    """The width of the terminal the report is shown on; None when it goes to
    ``--output`` or through a pipe (then tables stay whole)."""
    if getattr(args, "output", None) or not sys.stdout.isatty():
        return None
    return shutil.get_terminal_size().columns


def pick_writer(pm: PluginManager, args):
    try:
        return pm.registry.lookup("writers", args.format)()
    except KeyError:
        raise UsageError(_("{option}: {reason}").format(option="--format", reason=pm.registry.unknown("writers", args.format))) from None


def emit(content: str | bytes, args) -> None:
    """Write to --output (atomically), else to stdout; bytes need --output."""
    if args.output:
        write_output(args.output, content, file_encoding(args))
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


def warn_data_keys(scheme, units, strict: bool) -> int:
    """Warn about data keys the scheme does not read (errors with ``--strict``)
    and about units that supply few of its inputs; returns how many keys were unknown."""
    found = datakeys.survey(scheme, units)
    for unknown in found.unknown:
        err((_("error: {line}") if strict else _("warning: {line}")).format(line=unknown.message()))
    coverage = found.coverage_warning(scheme.id)
    if coverage:
        err(_("warning: {line}").format(line=coverage))
    return len(found.unknown) if strict else 0
