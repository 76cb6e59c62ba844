"""docs/plugins.md is complete and true.

- every hook in civscore/hookspecs.py has a ``### civscore_<name>`` section
  (and no section names a hook that does not exist);
- every built-in scorer, rating method, reader and writer is named in docs/,
  and the "Built in:" lists of the hookspecs' docstrings match the registry;
- every Python block parses, and the hook reference's examples work when
  loaded as a plugin;
- the tutorial, taken from the page alone (the blocks marked
  ``<!-- file: PATH -->``), is a plugin that pip installs and civscore finds
  through its entry point, whose own tests pass, and whose output is what the
  page shows.
"""
from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
import types
from pathlib import Path

import pytest

import civscore
from civscore import hookspecs
from civscore.cli import main
from civscore.plugins import DEFAULT_PLUGINS, PluginManager

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
PLUGINS_MD = DOCS / "plugins.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
FILE_BLOCK = re.compile(r"<!-- file: (\S+) -->\n```\w*\n(.*?)^```", re.S | re.M)


def doc() -> str:
    return PLUGINS_MD.read_text(encoding="utf-8")


def hook_names() -> list[str]:
    return sorted(name for name, obj in vars(hookspecs).items()
                  if name.startswith("civscore_") and hasattr(obj, "civscore_spec"))


def section(name: str) -> str:
    """The text of ``### name`` up to the next heading of level 2 or 3."""
    text = doc()
    start = text.index(f"### {name}\n")
    nxt = re.compile(r"^#{2,3} ", re.M).search(text, start + 4)
    return text[start:nxt.start() if nxt else len(text)]


# -- completeness ------------------------------------------------------------------------
def test_there_are_hooks():
    assert {"civscore_scorers", "civscore_schemes", "civscore_validate_scheme"} <= set(hook_names())


@pytest.mark.parametrize("hook", hook_names())
def test_every_hook_has_a_section(hook):
    assert re.search(rf"^### {hook}$", doc(), re.M), \
        f"docs/plugins.md has no '### {hook}' section; document the hook there"


def test_no_section_for_a_hook_that_does_not_exist():
    documented = re.findall(r"^### (civscore_\w+)$", doc(), re.M)
    assert sorted(documented) == hook_names()


def test_the_base_classes_and_switches_are_documented():
    text = doc()
    for heading in ("### Scorer", "### Outcome", "### Params", "### RatingMethod", "### Reader", "### Writer",
                    "## When a plugin misbehaves", "## Testing plugins"):
        assert heading in text
    for switch in ("-p NAME", "-p no:NAME", "--plugins-dir", "--strict-plugins", "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD",
                   "civscore_run", "civscore_scheme", "[project.entry-points.civscore]"):
        assert switch in text, switch


def builtins() -> dict[str, list[str]]:
    pm = PluginManager(autoload=False)
    reg = pm.registry
    return {kind: sorted(k for k in getattr(reg, kind) if reg.owner[(kind, k)] in DEFAULT_PLUGINS)
            for kind in ("scorers", "rating_methods", "readers", "writers")}


@pytest.mark.parametrize("kind", ["scorers", "rating_methods", "readers", "writers"])
def test_every_builtin_is_named_in_docs(kind):
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(DOCS.glob("*.md")))
    missing = [name for name in builtins()[kind] if f"`{name}`" not in text]
    assert not missing, f"built-in {kind} not documented in docs/: {missing}"


@pytest.mark.parametrize("hook, kind", [("civscore_rating_methods", "rating_methods"),
                                        ("civscore_readers", "readers"), ("civscore_writers", "writers")])
def test_hookspec_docstrings_list_the_builtins(hook, kind):
    docstring = " ".join(getattr(hookspecs, hook).__doc__.split())
    listed = docstring.split("Built in:")[1].split(".")[0] if kind != "readers" else \
        docstring.split("Built in:")[1].rstrip(". ")
    assert sorted(re.findall(r"``([^`]+)``", listed)) == builtins()[kind], \
        f"the docstring of {hook} in civscore/hookspecs.py lists other built-ins than are registered"


# -- the examples -----------------------------------------------------------------------------
def test_every_python_block_parses():
    blocks = [body for lang, body in FENCE.findall(doc()) if lang == "python"]
    assert len(blocks) >= 8
    for body in blocks:
        ast.parse(body)


def load_example(name: str, tmp_path: Path, monkeypatch) -> str:
    """The first Python block of a hook's section, as an importable plugin module."""
    body = next(b for lang, b in FENCE.findall(section(name)) if lang == "python")
    modname = f"docs_example_{name}"
    module = types.ModuleType(modname)
    module.__file__ = str(tmp_path / f"{modname}.py")
    exec(compile("import civscore\nfrom pathlib import Path\n" + body, module.__file__, "exec"), module.__dict__)
    monkeypatch.setitem(sys.modules, modname, module)
    return modname


def test_reference_example_scorers(tmp_path, monkeypatch):
    modname = load_example("civscore_scorers", tmp_path, monkeypatch)
    sys.modules[modname].NoiseLevel = _tutorial_module(tmp_path).NoiseLevel   # the example returns the tutorial's class
    reg = PluginManager(plugins=[modname], autoload=False, strict=True).registry
    assert reg.owner[("scorers", "noise-level")] == modname


def test_reference_example_rating_method(tmp_path, monkeypatch):
    from civscore.testing import make_scheme, make_units
    modname = load_example("civscore_rating_methods", tmp_path, monkeypatch)
    pm = PluginManager(plugins=[modname], autoload=False, strict=True)
    scheme = make_scheme('''
        format = "civscore/1"
        [scheme]
        id = "t"
        title = "t"
        version = "1"
        full_marks = 10
        [rating]
        method = "by-rank"
        levels = [{ stars = 2, max_rank = 1 }, { stars = 1, max_rank = 2 }]
        [criteria.a]
        title = "a"
        points = 10
        scorer = "manual"
    ''', plugin_manager=pm)
    ev = civscore.evaluate(scheme, make_units([{"a": 9}, {"a": 5}, {"a": 7}]), registry=pm.registry)
    assert [(r["unit"]["id"], r["stars"]) for r in ev.results()] == [("u1", 2), ("u3", 1), ("u2", 0)]


def test_reference_example_reader_and_writer(tmp_path, monkeypatch, capsys):
    reader = load_example("civscore_readers", tmp_path, monkeypatch)
    writer = load_example("civscore_writers", tmp_path, monkeypatch)
    (tmp_path / "crit.toml").write_text('''format = "civscore/1"
[scheme]
id = "t"
title = "t"
version = "1"
full_marks = 10
[rating]
levels = [{ stars = 1, min_score = 5 }]
[criteria.a]
title = "a"
points = 10
scorer = "manual"
''', encoding="utf-8")
    (tmp_path / "u1.kv").write_text("unit.id=u1\nunit.name=甲\na=7.5\n", encoding="utf-8")
    (tmp_path / "u2.kv").write_text("unit.name=乙\n", encoding="utf-8")
    code = main(["evaluate", str(tmp_path / "crit.toml"), str(tmp_path / "u1.kv"), str(tmp_path / "u2.kv"),
                 "-p", reader, "-p", writer, "--format", "tsv"])
    out, err = capsys.readouterr()
    assert code == 1                                   # u2.kv has no unit.id: reported, u1 still scored
    assert out == "unit\ttotal\tstars\nu1\t7.50\t1\n"
    assert "no unit.id line" in err


def test_reference_example_schemes(tmp_path, monkeypatch):
    scheme_file = REPO / "plugins" / "civscore-cleanliness" / "src" / "civscore_cleanliness" / "schemes" / \
        "district-environment.toml"
    (tmp_path / "schemes").mkdir()
    (tmp_path / "schemes" / "district-environment.toml").write_bytes(scheme_file.read_bytes())
    modname = load_example("civscore_schemes", tmp_path, monkeypatch)
    reg = PluginManager(plugins=[modname], autoload=False, strict=True).registry
    assert Path(reg.schemes["district-environment"]) == tmp_path / "schemes" / "district-environment.toml"


def test_reference_example_validator(tmp_path, monkeypatch):
    from civscore.testing import make_scheme
    modname = load_example("civscore_validate_scheme", tmp_path, monkeypatch)
    pm = PluginManager(plugins=[modname], autoload=False, strict=True)
    text = '[criteria.a]\ntitle = "a"\npoints = 10\nscorer = "manual"\n'
    with pytest.raises(civscore.CriteriaError, match=r"criteria\.a\.method: say how this item is assessed"):
        make_scheme(text, plugin_manager=pm)
    make_scheme(text + 'method = "on-site"\n', plugin_manager=pm)


# -- the tutorial, from the page alone ------------------------------------------------------------
def tutorial_files() -> dict[str, str]:
    files = dict(FILE_BLOCK.findall(doc()))
    assert len(files) >= 7, "the tutorial's blocks are marked <!-- file: PATH --> in docs/plugins.md"
    return files


def write_tutorial(folder: Path) -> Path:
    for rel, body in tutorial_files().items():
        path = folder / rel
        assert folder in path.resolve().parents, rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    return folder / "civscore-noise"


def _tutorial_module(tmp_path: Path) -> types.ModuleType:
    source = tutorial_files()["civscore-noise/civscore_noise.py"]
    module = types.ModuleType("civscore_noise_from_docs")
    exec(compile(source, str(tmp_path / "civscore_noise.py"), "exec"), module.__dict__)
    return module


def test_the_tutorial_files_are_complete():
    files = tutorial_files()
    for rel in ("civscore-noise/pyproject.toml", "civscore-noise/civscore_noise.py",
                "civscore-noise/tests/test_noise.py", "civscore-noise/README.md",
                "civscore-noise/example/criteria.toml"):
        assert rel in files
    assert '[project.entry-points.civscore]\nnoise = "civscore_noise"' in files["civscore-noise/pyproject.toml"]


@pytest.mark.slow
def test_a_plugin_written_from_the_tutorial(tmp_path_factory):
    """Follow the tutorial: write its files into an empty folder outside the
    repository, pip install the plugin (built from its pyproject.toml, so the
    entry point is real), then use it as a user would."""
    work = tmp_path_factory.mktemp("tutorial")
    project = write_tutorial(work)
    site = work / "site"
    pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          "--no-deps", "--target", str(site), str(project)],
                         capture_output=True, text=True, cwd=work, timeout=600)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (site / "civscore_noise.py").is_file()
    env = {k: v for k, v in os.environ.items() if k != "CIVSCORE_DISABLE_PLUGIN_AUTOLOAD"}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH")) if p)

    def civscore_cli(*args):
        return subprocess.run([sys.executable, "-m", "civscore", *map(str, args)], capture_output=True, text=True,
                              cwd=project, env=env, timeout=120)

    # civscore plugins: found through the entry point, with its version and scorer
    done = civscore_cli("plugins", "--format", "json")
    assert done.returncode == 0, done.stderr
    noise = next(p for p in json.loads(done.stdout)["plugins"] if p["name"] == "noise")
    assert noise == {"name": "noise", "origin": "entry-point", "version": "0.1.0", "status": "ok", "error": None,
                     "hooks": ["civscore_scorers"], "provides": {"scorers": ["noise-level"]}}
    assert "noise                     0.1.0      entry-point  ok        scorers: noise-level" in doc()

    done = civscore_cli("validate", "example/criteria.toml")
    assert done.returncode == 0, done.stderr

    # civscore evaluate: the ranks and totals the page shows
    done = civscore_cli("evaluate", "example/criteria.toml", "example/units/", "--format", "json")
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)["results"]
    assert [(r["unit"]["id"], r["rank"], r["stars"], r["total"]) for r in results] == \
        [("qingyuan", 1, 2, 20.0), ("guangan", 2, 1, 12.12), ("tangu", 3, 1, 10.0)]
    assert results[2]["items"]["environment.night"]["status"] == "missing"
    assert json.loads(done.stdout)["civscore"]["plugins"]["noise"] == "0.1.0"
    for shown in ("1  ★★       qingyuan  青园街道         20.00", "2  ★☆       guangan   广安街道         12.12",
                  "3  ★☆       tangu     谈固街道         10.00"):
        assert shown in doc()

    # civscore check: the reason the page quotes
    done = civscore_cli("check", "example/criteria.toml", "example/units/qingyuan.toml")
    assert done.returncode == 0, done.stderr
    reason = "Leq 57.3 dB(A) from 3 readings; full points up to 60, none from 70"
    assert reason in done.stdout and reason in doc()

    # the tutorial's own tests, with civscore's pytest fixtures
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                          capture_output=True, text=True, cwd=project, env=env, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed" in done.stdout


@pytest.mark.parametrize("page", [REPO / "README.md", *sorted(DOCS.glob("*.md"))], ids=lambda p: p.name)
def test_no_section_is_written_twice(page):
    """A section heading (``##``) appears once per page: a rebase once left README's
    choices and architecture twice, the second copy with stale benchmark figures."""
    headings = [line for line in page.read_text(encoding="utf-8").splitlines() if line.startswith("## ")]
    assert [h for h in headings if headings.count(h) > 1] == []
