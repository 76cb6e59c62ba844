"""Fixtures shared by the tests."""
from __future__ import annotations

import pytest

from civscore.cli import main
from civscore.plugins import PluginManager, Registry


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
    returns (exit status, stdout, stderr), and fails the test on a traceback."""
    def run(*args):
        capsys.readouterr()
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return code, out, err
    return run
