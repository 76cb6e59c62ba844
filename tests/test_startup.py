"""``civscore check`` of one unit starts fast (issue 15: under 0.3 s): a command
imports only what it needs, and the built-in writers stand for their modules
until one is made. benchmarks/check_time.py measures the time itself."""
from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from civscore.builtin import writers as builtin_writers
from civscore.contracts.writers import Writer

REPO = Path(__file__).resolve().parents[1]
SCHEME = REPO / "criteria" / "civilized-unit.toml"
UNIT = REPO / "examples" / "civilized-unit" / "xigu-library.toml"

#: never needed by a check of one unit, whatever it writes
NEVER = {"civscore.reports.html", "civscore.reports.xlsx", "civscore.reports.explain", "civscore.reports.history",
         "civscore.reports.charts", "civscore.template", "civscore.verify", "civscore.schema", "civscore.progress",
         "civscore.commands.evaluate", "civscore.commands.explain", "jinja2", "openpyxl", "xlsxwriter"}


def imported_by(*argv: str) -> tuple[int, str, set[str]]:
    """Exit status, stdout and every module imported by the real command line, in a fresh interpreter."""
    code = ("import io, json, sys, contextlib\n"
            "from civscore.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            f"    status = main({list(argv)!r})\n"
            "print(json.dumps([status, out.getvalue(), sorted(sys.modules)]))\n")
    env = dict(os.environ, CIVSCORE_DISABLE_PLUGIN_AUTOLOAD="1")
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, encoding="utf-8",
                          cwd=REPO, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    status, out, modules = json.loads(proc.stdout.splitlines()[-1])
    return status, out, set(modules)


@pytest.mark.parametrize("fmt, unneeded", [
    ("table", {"civscore.reports.data"}),
    ("json", {"civscore.reports.text", "tabulate", "wcwidth"}),
])
def test_check_imports_only_what_it_needs(fmt, unneeded):
    status, out, modules = imported_by("check", str(SCHEME), str(UNIT), "-f", fmt)
    assert status == 0 and "xigu-library" in out
    assert modules & (NEVER | unneeded) == set()


def test_every_command_still_finds_its_module():
    """Each command's module is imported by name when it runs: a name that no longer
    matches its module would fail only when someone runs that command."""
    from civscore.cli import COMMANDS, build_parser
    listed = set(build_parser()._subparsers._group_actions[0].choices)   # type: ignore[union-attr]
    assert set(COMMANDS) == listed
    for name, module in COMMANDS.items():
        assert callable(importlib.import_module(module).run), name


@pytest.mark.parametrize("deferred", builtin_writers.civscore_writers(), ids=lambda cls: cls.name)
def test_a_deferred_writer_is_its_real_writer(deferred):
    """Registered without importing its module, a built-in writer says what the real one
    says (name, description, binary, needs_reasons) and, once made, is the real one."""
    module, _sep, name = deferred.real.partition(":")
    real = getattr(importlib.import_module(module), name)
    assert issubclass(real, Writer) and real is not deferred
    for attr in ("name", "description", "binary", "needs_reasons"):
        assert getattr(deferred, attr) == getattr(real, attr), attr
    made = deferred()
    assert type(made) is real
