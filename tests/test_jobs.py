"""--jobs: the same figures with worker processes as without, and a progress
line only on a terminal."""
import io
import json
import subprocess
import sys
from pathlib import Path

import civscore
from civscore import engine
from civscore.progress import Progress

ROOT = Path(__file__).resolve().parents[1]
V1 = ROOT / "tests" / "fixtures" / "civilized-unit-v1"   # today's scheme and its 16 units, kept as a fixture
EXAMPLES = V1 / "units"
SCHEME = V1 / "civilized-unit.toml"


def _figures(ev):
    return [(r["unit"]["id"], r["rank"], r["stars"], r["total"], r["categories"],
             {k: (v["points"], v["status"], v["reasons"]) for k, v in r["items"].items()}) for r in ev.results()]


def test_parallel_scoring_gives_the_same_results(monkeypatch):
    scheme = civscore.load(SCHEME)
    subs = civscore.read([EXAMPLES])
    one = civscore.evaluate(scheme, subs)
    monkeypatch.setattr(engine, "MIN_UNITS_PER_JOB", 3)   # 16 units → several workers
    two = civscore.evaluate(scheme, civscore.read([EXAMPLES]), jobs=3)
    assert _figures(two) == _figures(one)
    assert two.exit_status == one.exit_status


def test_parallel_reading_gives_the_same_units_in_the_same_order():
    files = sorted(EXAMPLES.iterdir())
    one = civscore.read(files)
    two = civscore.read(files, jobs=2)
    assert [(u.id, u.source, dict(u.data)) for u in two.units] == [(u.id, u.source, dict(u.data)) for u in one.units]
    assert two.files == one.files


def test_cli_jobs_output_is_byte_identical(tmp_path):
    outs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"r{jobs}.json"
        proc = subprocess.run([sys.executable, "-m", "civscore", "evaluate", str(SCHEME), str(EXAMPLES),
                               "-f", "json", "-o", str(out), "--jobs", jobs], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert len(json.loads(outs[0])["results"]) == 16


def test_jobs_must_be_positive():
    proc = subprocess.run([sys.executable, "-m", "civscore", "evaluate", str(SCHEME), str(EXAMPLES), "--jobs", "0"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--jobs" in proc.stderr and "Traceback" not in proc.stderr


class _Tty(io.StringIO):
    def isatty(self):
        return True


def test_progress_shows_only_on_a_terminal_and_after_the_delay():
    quiet = io.StringIO()
    p = Progress(quiet, delay=0)
    p(1, 2, "ideology.study")
    assert quiet.getvalue() == ""              # not a terminal: nothing
    tty = _Tty()
    p = Progress(tty, delay=0)
    p(15, 30, "ideology.study")
    assert "15/30" in tty.getvalue() and "ideology.study" in tty.getvalue()
    p.close()
    assert tty.getvalue().endswith("\r")      # the line is cleared, not left behind
    later = _Tty()
    Progress(later, delay=3600)(1, 2, "x")     # a short run prints nothing
    assert later.getvalue() == ""


def test_spawned_workers_give_the_same_bytes(tmp_path, monkeypatch, capsys):
    """--jobs under the ``spawn`` start method (Windows, macOS): workers inherit
    nothing, and the report is byte for byte the single-process one."""
    from civscore import submissions
    from civscore.cli import main
    monkeypatch.setattr(engine, "MIN_UNITS_PER_JOB", 3)
    outs = []
    for jobs, method in (("1", None), ("3", "spawn")):
        monkeypatch.setattr(engine, "START_METHOD", method)
        monkeypatch.setattr(submissions, "START_METHOD", method)
        out = tmp_path / f"r{jobs}.csv"
        assert main(["evaluate", str(SCHEME), str(EXAMPLES), "-f", "csv", "-o", str(out), "--jobs", jobs]) == 0
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
    assert outs[0].count(b"\n") == 17


def test_spawned_workers_load_a_plugin_folders_scorer(tmp_path, monkeypatch):
    """A scorer from --plugins-dir is defined in a module a spawned worker must load again."""
    from civscore import submissions
    plugins = tmp_path / "plugins"
    plugins.mkdir()
    (plugins / "halves.py").write_text(
        "import civscore\n\n"
        "class Halves(civscore.Scorer):\n"
        "    name = 'halves'\n"
        "    def score(self, value, params, data=None):\n"
        "        return civscore.Outcome(0.5, 'ok', ['half'])\n\n"
        "@civscore.hookimpl\n"
        "def civscore_scorers():\n"
        "    return [Halves]\n", encoding="utf-8")
    crit = tmp_path / "c.toml"
    crit.write_text('format = "civscore/1"\n[scheme]\nid = "h"\ntitle = "H"\nversion = "1"\nfull_marks = 10\n'
                    '[rating]\nlevels = [{ stars = 1, min_score = 0 }]\n'
                    '[criteria.a]\ntitle = "A"\n[criteria.a.x]\ntitle = "X"\npoints = 10\nscorer = "halves"\n',
                    encoding="utf-8")
    rows = tmp_path / "u.csv"
    rows.write_text("unit.id,unit.name,a.x\n" + "".join(f"u{i},U{i},1\n" for i in range(8)), encoding="utf-8")
    pm = civscore.plugin_manager(plugins_dir=str(plugins))
    scheme = civscore.load(crit, registry=pm.registry)
    monkeypatch.setattr(engine, "MIN_UNITS_PER_JOB", 2)
    monkeypatch.setattr(engine, "START_METHOD", "spawn")
    monkeypatch.setattr(submissions, "START_METHOD", "spawn")
    ev = civscore.evaluate(scheme, civscore.read([rows], registry=pm.registry), registry=pm.registry, jobs=3)
    assert [r["total"] for r in ev.results()] == [5.0] * 8
    assert ev.failures == []
    for name in [m for m in sys.modules if m.startswith("civscore_plugins_dir.")]:
        del sys.modules[name]
