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


# -- the pure-Python arrays give NumPy's figures -------------------------------------------
BUNDLED = sorted((REPO / "criteria").glob("*.toml"))
BAD = REPO / "tests" / "bad"
V1 = REPO / "tests" / "fixtures" / "civilized-unit-v1"


def examples(scheme: Path) -> Path:
    """The example units of a bundled scheme (the quota variant of party-branch rates the same units)."""
    return REPO / "examples" / scheme.stem.removesuffix("-quota")


#: every unit these schemes have examples or corpus files for: (scheme, submission files)
CASES = [(scheme, sorted(examples(scheme).iterdir())) for scheme in BUNDLED] + [
    (BAD / "good-criteria.toml", sorted((BAD / "submissions").iterdir())),
    (BAD / "good-criteria-spread.toml", sorted((BAD / "submissions").iterdir())),
    (V1 / "civilized-unit.toml", sorted((V1 / "units").iterdir())),
]


def _both(fn):
    """``fn()`` with NumPy's arrays, then with pyarrays'."""
    from civscore.contracts._np import python_arrays
    first = fn()
    with python_arrays():
        second = fn()
    return first, second


@pytest.mark.parametrize("scheme, files", CASES, ids=lambda x: x.stem if isinstance(x, Path) else "")
def test_a_check_without_numpy_writes_what_numpy_writes(scheme, files, registry):
    """Every unit of every example and corpus file, checked alone: the check
    document and the table, Markdown, JSON and CSV reports are identical."""
    from dataclasses import replace

    from civscore import api
    from civscore.builtin.writers import CsvWriter, JsonWriter, MarkdownWriter, TableWriter
    loaded = api.load(scheme, registry=registry)
    subs = api.read(files, registry=registry, scheme=loaded)
    assert subs.units
    for unit in subs.units:
        def report(unit=unit):
            ev = api.evaluate(loaded, replace(subs, units=[unit], errors=[]))
            doc = api.check_doc(ev, 0, 3)
            return [json.dumps(doc, ensure_ascii=False, sort_keys=True)] + [
                w().check(doc) for w in (TableWriter, MarkdownWriter, JsonWriter, CsvWriter)] + [ev.failures, ev.warnings]
        with_numpy, without = _both(report)
        assert with_numpy == without, unit.id


@pytest.mark.parametrize("scheme", BUNDLED, ids=lambda p: p.stem)
def test_an_evaluation_without_numpy_ranks_and_rates_as_numpy_does(scheme, registry):
    """All of a scheme's example units at once (ties, vetoes, floors, quotas, caps):
    the same JSON document, HTML check page included."""
    from civscore import api
    from civscore.reports.html import render_check
    loaded = api.load(scheme, registry=registry)
    subs = api.read([examples(scheme)], registry=registry, scheme=loaded)
    for by_group in (False, True):
        def report():
            ev = api.evaluate(loaded, subs, by_group=by_group)
            return json.dumps(api.evaluation_doc(ev, by_group), ensure_ascii=False), render_check(api.check_doc(ev, 0))
        with_numpy, without = _both(report)
        assert with_numpy == without


def test_no_numpy_for_a_check_of_one_unit_by_the_built_ins():
    status, out, modules = imported_by("check", str(SCHEME), str(UNIT), "-f", "json")
    assert status == 0 and json.loads(out)["result"]["unit"]["id"] == "xigu-library"
    assert "numpy" not in modules


@pytest.mark.parametrize("extra", [["--with", str(UNIT.parent)], ["--history", "HISTORY"], ["--plugins-dir", "PLUGINS"]],
                         ids=["with", "history", "plugin"])
def test_numpy_when_ranked_among_others_with_history_or_with_a_plugin(extra, tmp_path):
    """NumPy's arrays where a ranking, the history or a plugin's code may want them."""
    (tmp_path / "plugins").mkdir()
    (tmp_path / "plugins" / "quiet_plugin.py").write_text("X = 1\n", encoding="utf-8")
    if "HISTORY" in extra:   # last period's results
        from civscore.cli import main
        assert main(["evaluate", str(SCHEME), str(UNIT.parent), "--history", str(tmp_path / "h.sqlite"), "--period", "2024",
                     "-o", str(tmp_path / "ranking.txt")]) in (0, 1)
    extra = [str(tmp_path / "h.sqlite") if e == "HISTORY" else str(tmp_path / "plugins") if e == "PLUGINS" else e
             for e in extra]
    status, out, modules = imported_by("check", str(SCHEME), str(UNIT), *extra, "-f", "json")
    assert json.loads(out)["result"]["unit"]["id"] == "xigu-library"
    assert "numpy" in modules


FIGURES = [0.0, -0.0, 0.5, 1.5, 2.5, -0.5, -2.5, 0.125, 2.675, 89.995, 1.005, 0.285, 1e-10, 5e-10, -5e-10,
           1e15 + 0.5, 1e300, -1e300, float("inf"), float("-inf"), float("nan"), 33.333333333333336, 66.66666666666667]


def _figures():
    import random
    rng = random.Random(15)
    out = list(FIGURES)
    for scale in (1, 10, 100, 1000, 1e6):
        out += [rng.uniform(-scale, scale) for _ in range(400)]
        out += [round(rng.uniform(0, scale), k) + 0.005 for k in (1, 2, 3) for _ in range(100)]   # near halves
    return out


def _same(a, b) -> bool:
    """Equal as figures, NaN equal to NaN and the zeros' signs compared."""
    import math
    return len(a) == len(b) and all((x != x and y != y) or (x == y and math.copysign(1, x) == math.copysign(1, y))
                                    for x, y in zip(a, b))


@pytest.mark.parametrize("name, call", [
    ("round0", lambda np, a: np.round(a)),
    ("round2", lambda np, a: np.round(a, 2)),
    ("round6", lambda np, a: np.round(a, 6)),
    ("round9", lambda np, a: np.round(a, 9)),
    ("round12", lambda np, a: np.round(a, 12)),
    ("floor", lambda np, a: np.floor(a)),
    ("rint", lambda np, a: np.rint(a)),
    ("maximum", lambda np, a: np.maximum(0.0, a)),
    ("minimum", lambda np, a: np.minimum(a, 7.5)),
    ("divide", lambda np, a: a / (a - a)),
    ("divide-where", lambda np, a: np.divide(a * 100.0, a, out=np.zeros(len(a)), where=a > 0)),
    ("nan_to_num", lambda np, a: np.nan_to_num(a / 3.0, nan=1.0)),
    ("arithmetic", lambda np, a: (a + 0.1) * 3.0 - a / 7.0),
    ("where", lambda np, a: np.where(a > 0, a, -1.0)),
    ("abs", lambda np, a: np.abs(a)),
])
def test_pyarrays_compute_as_numpy(name, call):
    import numpy

    from civscore.contracts import pyarrays
    from civscore.engine import round2_array
    figures = _figures()
    with numpy.errstate(all="ignore"):
        expected = call(numpy, numpy.array(figures)).tolist()
    got = call(pyarrays, pyarrays.array(figures)).tolist()
    assert _same(expected, got)
    if name == "round0":   # the engine's totals: round2_array, element by element
        from civscore.contracts._np import python_arrays
        finite = [x for x in figures if abs(x) < 1e300]
        expected = round2_array(numpy.array(finite)).tolist()
        with python_arrays():
            got = round2_array(pyarrays.array(finite)).tolist()
        assert _same(expected, got)


def test_pyarrays_rank_and_sort_as_numpy():
    import random

    import numpy

    from civscore.contracts._np import python_arrays
    from civscore.rating import rank_arrays
    rng = random.Random(7)
    for n in (0, 1, 2, 5, 40):
        totals = [rng.choice([90.0, 85.5, 85.5, 70.25, 0.0]) for _ in range(n)]
        ties = [[rng.choice([1.0, 2.0]) for _ in range(n)] for _k in range(2)]
        ids = [rng.choice("abcdefg") + str(i) for i in range(n)]
        order, ranks = rank_arrays(numpy.array(totals), [numpy.array(t) for t in ties], numpy.array(ids, dtype=object))
        with python_arrays():
            from civscore.contracts import pyarrays as pa
            p_order, p_ranks = rank_arrays(pa.array(totals), [pa.array(t) for t in ties], pa.array(ids, dtype=object))
        assert (order.tolist(), ranks.tolist()) == (p_order.tolist(), p_ranks.tolist())


def test_columns_read_by_pyarrow_give_the_same_check_and_evaluation(registry, monkeypatch):
    """A table file read column by column carries NumPy codes of its distinct values
    (CodedColumn): pure-Python arrays take them as they are."""
    from dataclasses import replace

    from civscore import api
    from civscore.builtin import columnar
    from civscore.builtin.writers import JsonWriter, TableWriter
    monkeypatch.setattr(columnar, "MIN_COLUMNAR_BYTES", 0)
    for scheme in BUNDLED:
        batches = sorted(examples(scheme).glob("*.csv"))
        if not batches:
            continue
        loaded = api.load(scheme, registry=registry)
        subs = api.read(batches, registry=registry, scheme=loaded)
        assert subs.units and subs.units[0].data.table.codes, scheme.stem   # the columnar path read it

        def report():
            ev = api.evaluate(loaded, subs)
            one = api.evaluate(loaded, replace(subs, units=subs.units[:1], errors=[]))
            doc = api.check_doc(one, 0)
            return json.dumps(api.evaluation_doc(ev), ensure_ascii=False), TableWriter().check(doc), JsonWriter().check(doc)
        with_numpy, without = _both(report)
        assert with_numpy == without, scheme.stem


def test_the_parser_of_one_command_parses_and_helps_as_the_whole_parser(capsys):
    """``build_parser(command)`` adds only that command's arguments: its help, the
    top-level help and every parse of its command lines stay the same."""
    from civscore.cli import COMMANDS, build_parser, command_in

    def outcome(parser, argv):
        try:
            result = vars(parser.parse_args(argv))
        except SystemExit as exc:
            result = {"exit": exc.code}
        out = capsys.readouterr()
        return result, out.out, out.err
    lines = [["-h"], []] + [[name, "-h"] for name in COMMANDS] + [
        ["check", "s.toml", "u.toml", "-f", "json", "--target", "3"], ["check", "s.toml"], ["check", "--bogus"],
        ["evaluate", "s.toml", "a", "b", "-j", "2"], ["--lang", "zh-CN", "validate", "s.toml"], ["--la", "en", "init", "s"],
        ["history", "h.sqlite", "--unit", "x"], ["explain", "--scorers"], ["nope"], ["--", "check"]]
    for argv in lines:
        assert outcome(build_parser(command_in(argv)), argv) == outcome(build_parser(), argv), argv
    assert command_in(["--lang", "check", "validate", "x"]) == "validate"
    assert command_in(["--lang=zh-CN", "check"]) == "check"


def test_the_built_in_writers_names_are_still_the_real_classes():
    """``from civscore.builtin.writers import TableWriter`` gives the real class (a plugin
    may subclass it); the registry's stand-ins pickle by name (``--jobs`` pickles the registry)."""
    import pickle

    from civscore.builtin.writers import Deferred, TableWriter, XlsxWriter
    from civscore.reports.text import TableWriter as RealTable
    from civscore.reports.xlsx import XlsxWriter as RealXlsx
    assert TableWriter is RealTable and XlsxWriter is RealXlsx

    class Wide(TableWriter):
        name = "wide"
    assert isinstance(Wide(), RealTable)
    for cls in builtin_writers.civscore_writers():
        assert pickle.loads(pickle.dumps(cls)) is cls
    assert builtin_writers.civscore_writers()[0] is Deferred.TableWriter


# -- the console script leaves without tearing the interpreter down ---------------------------
#: a --plugins-dir plugin that leaves work for the exit: an atexit function and a thread still running
EXIT_PLUGIN = '''
import atexit, os, threading, time

OUT = os.environ["EXIT_PLUGIN_OUT"]

def _log():
    with open(os.path.join(OUT, "atexit.txt"), "w", encoding="utf-8") as f:
        f.write("closed")

def _late():
    time.sleep(0.5)
    with open(os.path.join(OUT, "thread.txt"), "w", encoding="utf-8") as f:
        f.write("finished")

atexit.register(_log)
if os.environ.get("EXIT_PLUGIN_THREAD"):
    threading.Thread(target=_late).start()
'''


@pytest.mark.parametrize("thread", [False, True], ids=["atexit", "atexit-and-thread"])
def test_the_exit_still_runs_a_plugins_atexit_function_and_waits_for_its_thread(thread, tmp_path, run_civscore):
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "exit_work.py").write_text(EXIT_PLUGIN, encoding="utf-8")
    env = {"EXIT_PLUGIN_OUT": str(tmp_path), **({"EXIT_PLUGIN_THREAD": "1"} if thread else {})}
    proc = run_civscore("check", SCHEME, UNIT, "--plugins-dir", plugins, env=env)
    assert proc.returncode == 0, proc.stderr
    assert "xigu-library" in proc.stdout
    assert (tmp_path / "atexit.txt").read_text(encoding="utf-8") == "closed"
    assert (tmp_path / "thread.txt").exists() is thread
    if thread:
        assert (tmp_path / "thread.txt").read_text(encoding="utf-8") == "finished"


@pytest.mark.parametrize("args, status", [
    (("check", SCHEME, UNIT), 0),
    (("check", SCHEME, UNIT, "--target", "5"), 1),           # the target is not met
    (("check", SCHEME, REPO / "no-such-unit.toml"), 2),
    (("evaluate", "civilized-unit", REPO / "examples" / "civilized-unit", "-f", "json"), 0),
])
def test_the_console_script_exits_as_main_returns_and_writes_all_of_its_output(args, status, run_civscore, cli):
    """``python -m civscore`` (the console script's ``run``) against :func:`main` in this
    process: the same status and every byte of stdout, however long (piped, so block-buffered)."""
    proc = run_civscore(*args)
    assert proc.returncode == status, proc.stderr
    in_status, in_out, _err = cli(*args)
    assert in_status == status
    assert proc.stdout == in_out
