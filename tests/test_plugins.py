"""Third-party plugins end to end through the command line (SPEC §6,
docs/plugins.md): discovery (entry points, -p, -p no:, --plugins-dir, the
autoload switch), failures at start-up (broken imports, misspelt hooks, name
clashes, --strict-plugins) and containment of misbehaving scorers, writers
and rating methods while units are scored.

Most tests call ``civscore.cli.main`` in-process (fast); a few run the real
``python -m civscore`` to check exit statuses and one-line stderr across the
process boundary. Entry-point plugins are fake distributions (a module and a
``*.dist-info`` folder) put on ``sys.path`` / ``PYTHONPATH``.
"""
from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import civscore.plugins

REPO = Path(__file__).resolve().parents[1]
_serial = itertools.count()

SCHEME = '''
format = "civscore/1"

[scheme]
id = "plugin-test"
title = "插件测试方案"
version = "1"
full_marks = 30

[rating]
levels = [{ stars = 1, min_score = 0 }]

[criteria.basic]
title = "基础"
[criteria.basic.done]
title = "已完成"
points = 10
scorer = "boolean"
[criteria.basic.plugged]
title = "插件评分"
points = 20
scorer = "{scorer}"
'''

UNIT = '''
[unit]
id = "{uid}"
name = "{uid}"
[data]
"basic.done" = true
"basic.plugged" = {value}
'''

GOOD_SCORER = '''
import civscore

class Half(civscore.Scorer):
    name = "{name}"
    def score(self, value, params, data):
        return civscore.Outcome(0.5, "ok", ["half of it"])

@civscore.hookimpl
def civscore_scorers():
    return [Half]
'''


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """No cached plugin manager, no autoload switch from the outside, and no
    plugin module left in sys.modules by another test."""
    monkeypatch.setattr(civscore.api, "_DEFAULT", None)
    monkeypatch.delenv("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith(("t3plug", "civscore_plugins_dir.")):
            del sys.modules[name]


def module_name() -> str:
    return f"t3plug{next(_serial)}"


def write_module(folder: Path, name: str, code: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.py"
    path.write_text(textwrap.dedent(code), encoding="utf-8")
    return path


def make_dist(site: Path, ep_name: str, code: str, version: str = "1.2.3") -> str:
    """A fake installed distribution with a ``civscore`` entry point; returns its module name."""
    mod = module_name()
    write_module(site, mod, code)
    dist = site / f"civscore_{mod}-{version}.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text(f"Metadata-Version: 2.1\nName: civscore-{mod}\nVersion: {version}\n")
    (dist / "entry_points.txt").write_text(f"[civscore]\n{ep_name} = {mod}\n")
    return mod


@pytest.fixture
def project(tmp_path):
    """A criteria file using scorer NAME and two submissions."""
    def make(scorer: str, values=("1", "2")):
        crit = tmp_path / "criteria.toml"
        crit.write_text(SCHEME.replace("{scorer}", scorer), encoding="utf-8")
        subs = tmp_path / "subs"
        subs.mkdir(exist_ok=True)
        for i, value in enumerate(values, start=1):
            (subs / f"u{i}.toml").write_text(UNIT.format(uid=f"u{i}", value=value), encoding="utf-8")
        return crit, subs
    return make


def plugin_list(cli, *args) -> dict:
    code, out, err = cli("plugins", "--format", "json", *args)
    assert code == 0, err
    return {p["name"]: p for p in json.loads(out)["plugins"]}


# -- discovery -------------------------------------------------------------------------
def test_entry_point_plugin_is_autoloaded_and_listed(tmp_path, monkeypatch, cli):
    site = tmp_path / "site"
    mod = make_dist(site, "dusty", GOOD_SCORER.format(name="dust-half"))
    monkeypatch.syspath_prepend(str(site))
    listed = plugin_list(cli)
    assert listed["dusty"]["origin"] == "entry-point"
    assert listed["dusty"]["version"] == "1.2.3"
    assert listed["dusty"]["status"] == "ok"
    assert listed["dusty"]["provides"] == {"scorers": ["dust-half"]}
    assert listed["dusty"]["hooks"] == ["civscore_scorers"]
    assert mod not in listed


def test_autoload_off_loads_no_entry_point(tmp_path, monkeypatch, cli, project):
    site = tmp_path / "site"
    make_dist(site, "dusty", GOOD_SCORER.format(name="dust-half"))
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    listed = plugin_list(cli)
    assert listed["dusty"]["status"] == "not loaded"      # installed, listed, but not imported
    assert listed["dusty"]["error"] == "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD is set; load it with -p dusty"
    assert listed["civscore.builtin.scorers"]["status"] == "ok"          # built-ins always load
    crit, _ = project("dust-half")
    code, _, err = cli("validate", crit)
    assert code == 2
    assert "unknown scorer 'dust-half'" in err
    assert "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD is set" in err
    # ... and -p NAME of the entry point enables just that one
    code, out, err = cli("validate", crit, "-p", "dusty")
    assert code == 0, err
    assert plugin_list(cli, "-p", "dusty")["dusty"]["status"] == "ok"


def test_dash_p_loads_a_module(tmp_path, monkeypatch, cli, project):
    mod = module_name()
    write_module(tmp_path / "mods", mod, GOOD_SCORER.format(name="half"))
    monkeypatch.syspath_prepend(str(tmp_path / "mods"))
    crit, subs = project("half")
    code, out, err = cli("evaluate", crit, subs, "-p", mod, "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["results"][0]["items"]["basic.plugged"] == {"points": 10.0, "max": 20.0, "status": "ok",
                                                            "reasons": ["half of it"]}
    assert mod in doc["civscore"]["plugins"]
    assert plugin_list(cli, "-p", mod)[mod]["origin"] == "-p"


def test_dash_p_of_an_autoloaded_module_is_a_no_op(tmp_path, monkeypatch, cli):
    site = tmp_path / "site"
    mod = make_dist(site, "dusty", GOOD_SCORER.format(name="dust-half"))
    monkeypatch.syspath_prepend(str(site))
    code, out, err = cli("plugins", "--format", "json", "-p", mod, "--strict-plugins")
    assert code == 0 and err == ""
    names = [p["name"] for p in json.loads(out)["plugins"]]
    assert "dusty" in names and mod not in names


def test_dash_p_no_blocks_an_entry_point_plugin(tmp_path, monkeypatch, cli, project):
    site = tmp_path / "site"
    mod = make_dist(site, "dusty", GOOD_SCORER.format(name="dust-half"))
    monkeypatch.syspath_prepend(str(site))
    for block in ("dusty", mod):             # by plugin name, or by its module
        listed = plugin_list(cli, "-p", f"no:{block}")
        assert listed[block]["status"] == "blocked"
        assert "dusty" not in listed or listed["dusty"]["status"] == "blocked"
    crit, subs = project("dust-half")
    code, _, err = cli("evaluate", crit, subs, "-p", "no:dusty")
    assert code == 2
    assert "unknown scorer 'dust-half'" in err and "blocked with -p no:NAME: dusty" in err


def test_dash_p_no_blocks_a_builtin(cli, tmp_path, project):
    listed = plugin_list(cli, "-p", "no:civscore.builtin.writers")
    assert listed["civscore.builtin.writers"]["status"] == "blocked"
    crit, subs = project("boolean")
    code, _, err = cli("evaluate", crit, subs, "-p", "no:civscore.builtin.writers")
    assert code == 2
    assert "--format: unknown writer 'table'" in err


def test_dash_p_no_of_an_unknown_name_warns(tmp_path, cli):
    write_module(tmp_path / "local", "half_scorer", GOOD_SCORER.format(name="half"))
    code, out, err = cli("plugins", "-p", "no:civscore.builtin.writer")
    assert code == 0
    assert err == ("civscore: warning: -p no:civscore.builtin.writer: no plugin of that name "
                   "(did you mean 'civscore.builtin.writers'?)\n")
    code, out, err = cli("plugins", "-p", "no:half_scorer", "--plugins-dir", tmp_path / "local")
    assert code == 0 and err == ""


def test_plugins_dir_with_a_one_off_scorer(tmp_path, cli, project):
    write_module(tmp_path / "local", "half_scorer", GOOD_SCORER.format(name="half"))
    crit, subs = project("half")
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local", "--format", "json")
    assert code == 0, err
    assert [r["total"] for r in json.loads(out)["results"]] == [20.0, 20.0]
    listed = plugin_list(cli, "--plugins-dir", tmp_path / "local")
    assert listed["half_scorer"]["origin"] == "plugins-dir"
    code, _, err = cli("plugins", "--plugins-dir", tmp_path / "nowhere")
    assert code == 2 and "not a directory" in err


# -- failures at start-up ---------------------------------------------------------------
def test_two_plugins_with_one_scorer_name(tmp_path, cli, project):
    write_module(tmp_path / "local", "first_plugin", GOOD_SCORER.format(name="half"))
    write_module(tmp_path / "local", "second_plugin", GOOD_SCORER.format(name="half"))
    crit, subs = project("half")
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local")
    assert code == 2 and out == ""
    assert err.count("\n") == 1
    assert "scorer 'half' is registered by both 'first_plugin' and 'second_plugin'" in err
    # a plugin cannot take a built-in's name either
    write_module(tmp_path / "clash", "clash_plugin", GOOD_SCORER.format(name="boolean"))
    code, _, err = cli("plugins", "--plugins-dir", tmp_path / "clash")
    assert code == 2
    assert "'civscore.builtin.scorers' and 'clash_plugin'" in err


def test_a_plugin_that_fails_to_import(tmp_path, cli, project):
    write_module(tmp_path / "local", "broken_plugin", "import no_such_module_for_civscore_tests\n")
    write_module(tmp_path / "local", "half_scorer", GOOD_SCORER.format(name="half"))
    crit, subs = project("half")
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local")
    assert code == 0                      # the run continues without it
    assert err.splitlines() == ["civscore: warning: plugin 'broken_plugin' skipped: failed to import: "
                                "ModuleNotFoundError: No module named 'no_such_module_for_civscore_tests'"]
    listed = plugin_list(cli, "--plugins-dir", tmp_path / "local")
    assert listed["broken_plugin"]["status"] == "failed"
    assert "ModuleNotFoundError" in listed["broken_plugin"]["error"]
    code, out, err = cli("plugins", "--plugins-dir", tmp_path / "local")
    assert code == 0 and "failed: failed to import" in out
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local", "--strict-plugins")
    assert code == 2 and out == ""
    assert "plugin 'broken_plugin' failed to load" in err and "skipped" not in err and "--strict-plugins makes this fatal" in err


EXTRA_WRITER = """
class Extra(civscore.Writer):
    name = "extra"
    def evaluation(self, ev):
        return "extra"

@civscore.hookimpl
def civscore_writers():
    return [Extra]
"""


@pytest.mark.parametrize("bad_hook, listed_error", [
    ("@civscore.hookimpl\ndef civscore_scorers():\n    raise RuntimeError('no scorers today')\n",
     "civscore_scorers raised RuntimeError: no scorers today"),
    ("@civscore.hookimpl\ndef civscore_scorers():\n    return [object]\n",
     "civscore_scorers returned <class 'object'>, not a subclass of civscore.Scorer"),
    ("class S(civscore.Scorer):\n    pass\n@civscore.hookimpl\ndef civscore_scorers():\n    return [S]\n",
     "civscore_scorers returned S without a name"),
    ("@civscore.hookimpl\ndef civscore_schemes():\n    return {'mine': '/no/such/file.toml'}\n",
     "scheme 'mine' points to /no/such/file.toml, which is not a file"),
    ("@civscore.hookimpl\ndef civscore_schemes():\n    return {'civilized-unit': __file__}\n",
     "scheme 'civilized-unit' is already shipped with civscore"),
])
def test_a_hook_that_fails_skips_the_whole_plugin(tmp_path, cli, bad_hook, listed_error):
    # the module's other hook works, yet nothing of a failed plugin is used
    write_module(tmp_path / "local", "bad_hook", "import civscore\n" + bad_hook + EXTRA_WRITER)
    code, out, err = cli("plugins", "--format", "json", "--plugins-dir", tmp_path / "local")
    assert code == 0
    assert err.startswith("civscore: warning: plugin 'bad_hook' skipped: ") and err.count("\n") == 1
    assert listed_error in err
    listed = {p["name"]: p for p in json.loads(out)["plugins"]}
    assert listed["bad_hook"]["status"] == "failed"
    assert listed_error in listed["bad_hook"]["error"]
    assert listed["bad_hook"]["provides"] == {}
    assert "extra" not in listed["civscore.builtin.writers"]["provides"]["writers"]
    code, _, err = cli("evaluate", REPO / "tests" / "fixtures" / "civilized-unit-v1" / "civilized-unit.toml",
                          REPO / "tests" / "fixtures" / "civilized-unit-v1" / "units" / "city-tax.toml",
                       "--plugins-dir", tmp_path / "local", "--format", "extra")
    assert code == 2 and "unknown writer 'extra'" in err
    code, out, err = cli("plugins", "--plugins-dir", tmp_path / "local", "--strict-plugins")
    assert code == 2 and listed_error in err and out == ""


def test_a_misspelt_hookimpl_is_an_error_at_start_up(tmp_path, cli, project):
    write_module(tmp_path / "local", "typo_plugin", '''
        import civscore
        @civscore.hookimpl
        def civscore_scorer():
            return []
    ''')
    crit, subs = project("boolean")
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local")
    assert code == 2 and out == ""
    assert err == ("civscore: plugin 'typo_plugin': 'civscore_scorer' is not a civscore hook "
                   "(did you mean 'civscore_scorers'?); see docs/plugins.md for the hooks\n")


def test_a_hookimpl_with_wrong_arguments_is_an_error_at_start_up(tmp_path, cli):
    write_module(tmp_path / "local", "args_plugin", '''
        import civscore
        @civscore.hookimpl
        def civscore_validate_scheme(schema):
            return []
    ''')
    code, out, err = cli("plugins", "--plugins-dir", tmp_path / "local")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("civscore: plugin 'args_plugin':")
    assert "schema" in err


def test_a_scheme_naming_a_scorer_nobody_provides(tmp_path, cli, project):
    crit, _ = project("dust-weight")
    code, out, err = cli("validate", crit)
    assert code == 2
    line = err.strip()
    assert "criteria.basic.plugged.scorer: unknown scorer 'dust-weight'" in line
    assert "installed: bands, boolean, checklist" in line
    assert "Install or enable the plugin that provides it (see `civscore plugins`)" in line
    assert "\n" not in line


# -- containment while scoring ---------------------------------------------------------------
MISBEHAVING = '''
import math
import civscore

class Raises(civscore.Scorer):
    name = "raises"
    def score(self, value, params, data):
        if value == 2:
            raise ValueError("cannot score two")
        return civscore.Outcome(1.0)

class TooMuch(civscore.Scorer):
    name = "too-much"
    def score(self, value, params, data):
        return civscore.Outcome(1.5)

class NotANumber(civscore.Scorer):
    name = "nan"
    def score(self, value, params, data):
        return civscore.Outcome(math.nan)

class Dict(civscore.Scorer):
    name = "dict"
    def score(self, value, params, data):
        return {"fraction": 1.0}

class Nothing(civscore.Scorer):
    name = "nothing"
    def score(self, value, params, data):
        return None

class BadStatus(civscore.Scorer):
    name = "bad-status"
    def score(self, value, params, data):
        return civscore.Outcome(1.0, "great")

class Short(civscore.Scorer):
    name = "short"
    def score(self, value, params, data):        # correct, but never used: score_many is broken
        return civscore.Outcome(1.0)
    def score_many(self, values, params, datas):
        return [civscore.Outcome(1.0)]

class ShortBatch(civscore.Scorer):
    name = "short-batch"
    def score_many(self, values, params, datas):
        return civscore.Batch([1.0], ["ok"], [["fine"]])

class SaysError(civscore.Scorer):
    name = "says-error"
    def score(self, value, params, data):
        return civscore.Outcome(0.0, "error", ["the sensor feed is down"])

@civscore.hookimpl
def civscore_scorers():
    return [Raises, TooMuch, NotANumber, Dict, Nothing, BadStatus, Short, ShortBatch, SaysError]
'''


@pytest.mark.parametrize("scorer, units, reason", [
    ("raises", ["u2"], "scorer 'raises' (plugin 'misbehaving') failed: ValueError: cannot score two"),
    ("too-much", ["u1", "u2"], "scorer 'too-much' (plugin 'misbehaving') returned fraction 1.5 outside [0, 1]"),
    ("nan", ["u1", "u2"], "scorer 'nan' (plugin 'misbehaving') returned fraction NaN"),
    ("dict", ["u1", "u2"], "scorer 'dict' (plugin 'misbehaving') returned dict, not civscore.Outcome"),
    ("nothing", ["u1", "u2"], "scorer 'nothing' (plugin 'misbehaving') returned NoneType, not civscore.Outcome"),
    ("bad-status", ["u1", "u2"], "scorer 'bad-status' (plugin 'misbehaving') returned status 'great'"),
    ("short", ["u1", "u2"], "scorer 'short' (plugin 'misbehaving') failed: score_many returned 1 outcomes for 2 units"),
    ("short-batch", ["u1", "u2"], "scorer 'short-batch' (plugin 'misbehaving') failed: score_many returned a Batch of 1"),
    ("says-error", ["u1", "u2"], "scorer 'says-error' (plugin 'misbehaving'): the sensor feed is down"),
])
def test_a_misbehaving_scorer_is_contained(tmp_path, cli, project, scorer, units, reason):
    write_module(tmp_path / "local", "misbehaving", MISBEHAVING)
    crit, subs = project(scorer)
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local", "--format", "json")
    assert code == 1
    results = {r["unit"]["id"]: r for r in json.loads(out)["results"]}
    assert set(results) == {"u1", "u2"}
    for uid, result in results.items():
        item = result["items"]["basic.plugged"]
        assert result["items"]["basic.done"] == {"points": 10.0, "max": 10.0, "status": "ok",
                                                 "reasons": ["yes, as required"]}   # other items unaffected
        if uid in units:
            assert item["status"] == "error" and item["points"] == 0
            assert item["reasons"][0].startswith(reason)
            assert result["complete"] is False
            assert result["total"] == 10.0
        else:
            assert item["status"] == "ok" and result["complete"] is True and result["total"] == 30.0
    lines = err.splitlines()
    assert len(lines) == len(units)
    for uid, line in zip(units, lines):
        assert line.startswith(f"civscore: error: {subs / uid}.toml: unit '{uid}': basic.plugged: {reason}")
        assert line.count("(plugin 'misbehaving')") == 1


def test_other_units_and_schemes_are_unaffected(tmp_path, cli, project):
    """A failing scorer costs only its own item: a unit's other items, its
    rank among the others and the exit status of runs not using it are normal."""
    write_module(tmp_path / "local", "misbehaving", MISBEHAVING)
    crit, subs = project("boolean", values=("true", "false"))
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local", "--format", "json")
    assert code == 0 and err == ""
    assert [r["total"] for r in json.loads(out)["results"]] == [30.0, 10.0]


def test_a_failing_writer_is_blamed_on_its_plugin(tmp_path, cli, project):
    write_module(tmp_path / "local", "tsv_writer", '''
        import civscore
        class Tsv(civscore.Writer):
            name = "tsv"
            def evaluation(self, ev):
                raise KeyError("total")
        @civscore.hookimpl
        def civscore_writers():
            return [Tsv]
    ''')
    crit, subs = project("boolean", values=("true", "false"))
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local", "--format", "tsv")
    assert code == 2
    assert err == ("civscore: plugin 'tsv_writer' failed: KeyError: 'total' (set CIVSCORE_DEBUG=1 for details; "
                   "report it to the plugin's authors, or block it with -p no:tsv_writer)\n")


def test_a_rating_method_returning_nonsense(tmp_path, cli, project):
    write_module(tmp_path / "local", "odd_rating", '''
        import civscore
        class Odd(civscore.RatingMethod):
            name = "odd"
            def rate(self, standings, levels):
                return [1]
        @civscore.hookimpl
        def civscore_rating_methods():
            return [Odd]
    ''')
    crit, subs = project("boolean", values=("true", "false"))
    crit.write_text(crit.read_text(encoding="utf-8").replace(
        "levels = [{ stars = 1, min_score = 0 }]", 'method = "odd"\nlevels = [{ stars = 1 }]'), encoding="utf-8")
    code, out, err = cli("evaluate", crit, subs, "--plugins-dir", tmp_path / "local")
    assert code == 2
    assert "rating method 'odd' (plugin 'odd_rating') returned [1] for 2 units" in err


def test_a_failing_validator_and_params_model(tmp_path, cli, project):
    write_module(tmp_path / "local", "strict_house", '''
        import civscore
        @civscore.hookimpl
        def civscore_validate_scheme(scheme):
            return [f"criteria.{leaf.id}.method: say how it is assessed" for leaf in scheme.leaves if leaf.method is None]
    ''')
    crit, _ = project("boolean")
    code, _, err = cli("validate", crit, "--plugins-dir", tmp_path / "local")
    assert code == 2
    assert "criteria.basic.done.method: say how it is assessed" in err
    assert "criteria.basic.plugged.method: say how it is assessed" in err


def test_init_templates_use_a_plugin_scorers_input_help(tmp_path, cli, project):
    write_module(tmp_path / "local", "helpful", """
        import civscore
        class Helpful(civscore.Scorer):
            name = "helpful"
            description = "a description"
            @classmethod
            def input_help(cls, key, params, points):
                return f"写 {key} 的读数，满分 {points:g}"
        class Broken(civscore.Scorer):
            name = "broken-help"
            description = "fallback text"
            @classmethod
            def input_help(cls, key, params, points):
                raise RuntimeError("oops")
        @civscore.hookimpl
        def civscore_scorers():
            return [Helpful, Broken]
    """)
    for scorer, shown in (("helpful", "写 basic.plugged 的读数，满分 20"),
                          ("broken-help", "评分器 broken-help 读取的值：fallback text")):
        crit, _ = project(scorer)
        code, out, err = cli("--lang", "zh-CN", "init", crit, "--plugins-dir", tmp_path / "local")
        assert code == 0, err
        assert shown in out


# -- the real command line, as a process -------------------------------------------------------
def run(args, env_extra=None, cwd=None):
    env = {k: v for k, v in os.environ.items() if k != "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD"}
    env.update(env_extra or {})
    return subprocess.run([sys.executable, "-m", "civscore", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


@pytest.mark.slow
def test_subprocess_exit_statuses_and_one_line_errors(tmp_path, project):
    site = tmp_path / "site"
    make_dist(site, "dusty", GOOD_SCORER.format(name="dust-half"))
    write_module(tmp_path / "local", "misbehaving", MISBEHAVING)
    write_module(tmp_path / "broken", "broken_plugin", "raise ImportError('half-installed')\n")
    env = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    crit, subs = project("raises")

    done = run(["evaluate", crit, subs, "--plugins-dir", tmp_path / "local"], env)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [f"civscore: error: {subs / 'u2.toml'}: unit 'u2': basic.plugged: scorer "
                                        f"'raises' (plugin 'misbehaving') failed: ValueError: cannot score two"]

    done = run(["plugins", "--format", "json", "--plugins-dir", tmp_path / "broken"], env)
    assert done.returncode == 0
    assert done.stderr == ("civscore: warning: plugin 'broken_plugin' skipped: failed to import: "
                           "ImportError: half-installed\n")
    plugins = {p["name"]: p for p in json.loads(done.stdout)["plugins"]}
    assert plugins["broken_plugin"]["status"] == "failed" and plugins["dusty"]["status"] == "ok"

    done = run(["plugins", "--plugins-dir", tmp_path / "broken", "--strict-plugins"], env)
    assert done.returncode == 2 and "Traceback" not in done.stderr and done.stderr.count("\n") == 1

    done = run(["plugins", "--format", "json"], {**env, "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD": "1"})
    assert done.returncode == 0
    doc = json.loads(done.stdout)
    assert doc["autoload"] is False
    assert {p["name"]: p["status"] for p in doc["plugins"]}["dusty"] == "not loaded"


# -- the cleanliness plugin, pip-installed into a fresh virtual environment ------------------------
def _copy_for_build(dest: Path) -> tuple[Path, Path]:
    """civscore and the plugin as a user downloads them: the source tree
    without git, caches, build output or civscore's own tests."""
    import shutil

    def ignore(folder, names):
        skip = {".git", "__pycache__", "build", "dist", ".venv", ".benchmarks", ".hypothesis", ".pytest_cache"}
        skip |= {n for n in names if n.endswith(".egg-info")}
        if Path(folder).resolve() == REPO:
            skip |= {"tests", "benchmarks"}
        return [n for n in names if n in skip]

    shutil.copytree(REPO, dest, ignore=ignore)
    return dest, dest / "plugins" / "civscore-cleanliness"


@pytest.mark.slow
def test_cleanliness_plugin_in_a_fresh_venv(tmp_path_factory):
    """``pip install civscore plugins/civscore-cleanliness`` into a new plain
    virtual environment (no system site-packages, civscore not editable),
    then the bundled scheme, the dust scorer, ``civscore plugins`` and the
    plugin's own test suite, all from inside that environment."""
    work = tmp_path_factory.mktemp("venv")
    core, plugin = _copy_for_build(work / "src")
    venv = work / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bindir / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD",
                                                            "PYTHONHOME", "VIRTUAL_ENV")}
    pip = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          str(core), str(plugin), "pytest"],
                         capture_output=True, text=True, cwd=work, env=env, timeout=900)
    assert pip.returncode == 0, pip.stdout + pip.stderr

    def inside(*args, cwd=work):
        return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300)

    # civscore is the venv's own copy, not the repository's editable install
    where = inside(python, "-c", "import civscore, civscore_cleanliness; print(civscore.__file__); "
                                 "print(civscore_cleanliness.__file__)")
    assert where.returncode == 0, where.stderr
    for line in where.stdout.split():
        assert Path(line).resolve().is_relative_to(venv.resolve()), line

    civscore_exe = bindir / "civscore"
    done = inside(civscore_exe, "plugins", "--format", "json")
    assert done.returncode == 0, done.stderr
    listed = {p["name"]: p for p in json.loads(done.stdout)["plugins"]}
    assert listed["cleanliness"]["origin"] == "entry-point"
    assert listed["cleanliness"]["status"] == "ok"
    assert listed["cleanliness"]["version"] == "0.1.0"
    assert listed["cleanliness"]["provides"] == {"scorers": ["dust-weight"], "schemes": ["district-environment"]}

    done = inside(civscore_exe, "evaluate", "district-environment", plugin / "examples", "--format", "json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["scheme"]["id"] == "district-environment"
    assert report["civscore"]["plugins"]["cleanliness"] == "0.1.0"
    results = {r["unit"]["id"]: r for r in report["results"]}
    assert len(results) == 6 and all(r["complete"] for r in results.values())
    dust = results["qingyuan"]["items"]["roads.inner_dust"]
    assert dust["status"] == "ok" and dust["points"] == 9.36
    assert dust["reasons"][1] == "worst point: #4 7.5 g/m² (limit 5, 1.50 ×)"

    # the HTML page from the installed copy: its templates, CSS and script ship in the wheel
    page = work / "report.html"
    done = inside(civscore_exe, "evaluate", "district-environment", plugin / "examples", "-f", "html", "-o", page)
    assert done.returncode == 0, done.stderr
    html = page.read_text(encoding="utf-8")
    assert "<svg" in html and "script-src &#39;sha256-" in html and "tr.detail-row" in html
    assert "toggle(r)" in html and "qingyuan" in html

    # blocked, the plugin takes its scheme away too, and the error says why
    done = inside(civscore_exe, "evaluate", "district-environment", plugin / "examples", "-p", "no:cleanliness")
    assert done.returncode == 2
    assert "no bundled scheme of that name" in done.stderr and "blocked with -p no:NAME: cleanliness" in done.stderr

    # the plugin's own tests, against the installed package
    done = inside(python, "-m", "pytest", "-q", "-p", "no:cacheprovider", plugin / "tests", cwd=plugin)
    assert done.returncode == 0, done.stdout + done.stderr
    assert " passed" in done.stdout and "failed" not in done.stdout

    import shutil
    shutil.rmtree(work, ignore_errors=True)   # ~150 MB; kept only when the test fails


def test_dash_p_no_of_a_built_in_plugins_old_name_still_blocks_it(cli):
    """civscore 1.0 named the built-in writers civscore.reports.builtin; a
    command line written then keeps working, and says the new name."""
    listed = plugin_list(cli, "-p", "no:civscore.reports.builtin")
    assert listed["civscore.builtin.writers"]["status"] == "blocked"
    code, _, err = cli("plugins", "-p", "no:civscore.reports.builtin")
    assert code == 0
    assert "now named 'civscore.builtin.writers'" in err


def test_a_blocked_built_in_plugin_still_shows_its_version(cli):
    listed = plugin_list(cli, "-p", "no:civscore.builtin.writers")
    assert listed["civscore.builtin.writers"]["status"] == "blocked"
    assert listed["civscore.builtin.writers"]["version"] == listed["civscore.builtin.scorers"]["version"]


def test_the_testing_helpers_work_without_pytest(tmp_path):
    """civscore.testing is for scripts and other test runners too: it must not need pytest."""
    script = tmp_path / "no_pytest.py"
    script.write_text(textwrap.dedent('''
        import sys
        sys.modules["pytest"] = None            # importing pytest now fails
        from civscore.testing import run
        result = run("""
            [criteria.a]
            title = "A"
            points = 4
            scorer = "boolean"
        """, {"a": "是"})
        print(result["total"])
    '''))
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(REPO)
    env["CIVSCORE_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    proc = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "4.0"
