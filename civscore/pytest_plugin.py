"""pytest fixtures for plugin authors, registered through the ``pytest11``
entry point: every project that installs civscore can use them in its tests.

``civscore_run`` and ``civscore_scheme`` are :func:`civscore.testing.run` and
:func:`civscore.testing.make_scheme`, as fixtures::

    def test_dust(civscore_run):
        result = civscore_run(scheme_text, {"clean.roads": 4.2}, plugins=["my_plugin"])
        assert result["items"]["clean.roads"]["points"] == 10
"""
from __future__ import annotations

import pytest

from .testing import make_scheme, run


@pytest.fixture
def civscore_run():
    """``civscore_run(scheme_text, data, plugins=[...])`` → a result dict (or an Evaluation for a list)."""
    return run


@pytest.fixture
def civscore_scheme():
    """``civscore_scheme(text, plugins=[...])`` → a loaded :class:`civscore.criteria.Scheme`."""
    return make_scheme
