"""Shared fixtures of the test suite.

- ``run_civscore``: the real command line (``python -m civscore``) in a child
  process, built-in scorers only, from the repository root.
- ``plugin_manager`` / ``registry``: the built-ins only, no installed plugin
  autoloaded, so that a test never depends on what else is installed.
- ``golden``: the checks every golden test of a bundled scheme makes on one
  unit's JSON result against hand-worked figures (see tests/test_golden_*.py).
- ``fresh_api``: no cached default plugin manager, autoload off, and no
  ``--plugins-dir`` module left in sys.modules (for tests of the in-process CLI).
- ``evaluate_json``: ``civscore evaluate … --format json`` through the real
  command line, parsed.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest

import civscore
from civscore.cli import main
from civscore.contracts.i18n import set_language
from civscore.plugins import PluginManager, Registry

REPO = Path(__file__).resolve().parents[1]


def half_up(x: float) -> float:
    """Round to 2 decimals, half up, on the decimal a person would write (SPEC §2)."""
    return float(Decimal(repr(round(x, 9))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _english_environment(mp: pytest.MonkeyPatch) -> None:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        mp.delenv(name, raising=False)
    mp.setenv("LANG", "en_US.UTF-8")


@pytest.fixture(scope="session", autouse=True)
def english_session():
    """Module- and session-scoped fixtures that run the CLI (in process or as a
    child process) read English too."""
    with pytest.MonkeyPatch.context() as mp:
        _english_environment(mp)
        yield


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Every test reads English unless it chooses a language: the locale
    variables say en_US (so a zh-CN scheme's ``locale`` does not decide), and
    the language is English before and after the test (it is process-wide).
    tests/test_i18n.py sets LANG, LANGUAGE or --lang itself."""
    _english_environment(monkeypatch)
    set_language("en")
    yield
    set_language("en")


@pytest.fixture(scope="session")
def run_civscore():
    def run(*args, cwd=REPO, env=None) -> subprocess.CompletedProcess:
        env = dict(os.environ, CIVSCORE_DISABLE_PLUGIN_AUTOLOAD="1", **(env or {}))   # results must not depend on installed plugins
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        return subprocess.run([sys.executable, "-m", "civscore", *map(str, args)], capture_output=True, text=True,
                              encoding="utf-8", cwd=cwd, env=env, timeout=300)
    return run


class Golden:
    """A scheme's hand-worked expectations: ``full`` maps every criteria leaf to its
    points; each unit's ``items`` lists the leaves that earn less (the rest earn
    full points), ``na`` the leaves it marks not applicable, ``bonus`` and
    ``penalty`` its bonus and penalty items before the caps."""

    def __init__(self, full_marks: float, full: dict, bonus_cap: float | None = None,
                 penalty_cap: float | None = None):
        self.full_marks, self.full = full_marks, full
        self.bonus_cap, self.penalty_cap = bonus_cap, penalty_cap
        assert abs(sum(full.values()) - full_marks) < 1e-9, "the leaves must add up to full_marks"

    def leaves(self, exp: dict) -> dict:
        return {**self.full, **exp.get("items", {})}

    def arithmetic(self, exp: dict) -> dict:
        """The unit's figures from its items, by SPEC §2 and §7.1 (base rescaled over
        the applicable points), to check the hand-written ones against."""
        na = set(exp.get("na", ()))
        earned = sum(p for k, p in self.leaves(exp).items() if k not in na)
        a = sum(self.full[k] for k in na)
        base = earned * self.full_marks / (self.full_marks - a) if a < self.full_marks else 0.0
        bonus = sum(exp.get("bonus", {}).values())
        penalty = sum(exp.get("penalty", {}).values())
        if self.bonus_cap is not None:
            bonus = min(self.bonus_cap, bonus)
        if self.penalty_cap is not None:
            penalty = min(self.penalty_cap, penalty)
        return {"base": base, "bonus": bonus, "penalty": penalty, "total": half_up(max(0.0, base + bonus - penalty)),
                "na_points": a}

    def check_hand(self, exp: dict) -> None:
        got = self.arithmetic(exp)
        assert got["base"] == pytest.approx(exp["base"], abs=1e-6)
        assert got["total"] == exp["total"]

    def check_result(self, r: dict, exp: dict) -> None:
        na = set(exp.get("na", ()))
        for iid, pts in self.leaves(exp).items():
            item = r["items"][iid]
            if iid in na:
                assert (item["status"], item["points"], item["max"]) == ("na", 0.0, self.full[iid]), iid
            else:
                assert item["status"] == exp.get("status", {}).get(iid, "ok"), (iid, item)
                assert item["points"] == pytest.approx(pts, abs=0.0051), (iid, item)   # JSON rounds to cents
        for iid, pts in {**exp.get("bonus", {}), **exp.get("penalty", {})}.items():
            assert r["items"][iid]["points"] == pytest.approx(pts, abs=0.0051), (iid, r["items"][iid])
        figures = self.arithmetic(exp)
        assert r["base"] == pytest.approx(exp["base"], abs=0.0051)
        assert r["bonus"] == pytest.approx(figures["bonus"], abs=1e-9)
        assert r["penalty"] == pytest.approx(figures["penalty"], abs=1e-9)
        assert r["total"] == exp["total"]
        assert r["vetoed"] is bool(exp.get("vetoes"))
        assert sorted(r["vetoes"]) == sorted(exp.get("vetoes", []))
        assert (r["stars"], r["rank"]) == (exp["stars"], exp["rank"])
        if "label" in exp:
            assert r["label"] == exp["label"]

    def check_unit(self, report: dict, uid: str, exp: dict) -> None:
        """:meth:`check_result` on unit ``uid`` of a JSON report, and its na points."""
        result = {r["unit"]["id"]: r for r in report["results"]}[uid]
        self.check_result(result, exp)
        assert result["na_points"] == self.arithmetic(exp)["na_points"]


@pytest.fixture(scope="session")
def golden():
    return Golden


@pytest.fixture(scope="session")
def evaluate_json(run_civscore):
    """``evaluate_json(scheme, units)``: the JSON report of ``civscore evaluate``
    through the real command line, which must exit 0."""
    def evaluate(scheme, units, *args) -> dict:
        proc = run_civscore("evaluate", scheme, units, "--format", "json", *args)
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)
    return evaluate


@pytest.fixture
def fresh_api(monkeypatch):
    """No cached default plugin manager, plugin autoload off, and no module of a
    ``--plugins-dir`` left in sys.modules after the test."""
    monkeypatch.setattr(civscore.api, "_DEFAULT", None)
    monkeypatch.setenv("CIVSCORE_DISABLE_PLUGIN_AUTOLOAD", "1")
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("civscore_plugins_dir."):
            del sys.modules[name]


@pytest.fixture
def plugin_manager() -> PluginManager:
    """A fresh plugin manager with the built-ins only (no installed plugin
    autoloaded), so that a test never depends on what else is installed."""
    return PluginManager(autoload=False)


@pytest.fixture
def registry(plugin_manager: PluginManager) -> Registry:
    """The registry of :func:`plugin_manager`, to give explicitly to
    ``criteria.load``, ``submissions.read_all`` and friends."""
    return plugin_manager.registry


@pytest.fixture
def cli(capsys):
    """The real command line, in process: ``cli("evaluate", scheme, units)``
    returns (exit status, stdout, stderr), and fails the test on a traceback or
    an internal error."""
    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, err
        return code, out, err
    return run
