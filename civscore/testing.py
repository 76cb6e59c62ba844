"""Helpers for plugin authors' tests: plain functions, usable from any test
runner or script (pytest is not needed; the same helpers are pytest fixtures in
:mod:`civscore.pytest_plugin`, registered through ``pytest11``).

Test a scorer against a tiny scheme written inline, in a few lines::

    def test_dust(civscore_run):
        result = civscore_run('''
            [criteria.clean]
            title = "市容环境"
            [criteria.clean.roads]
            title = "道路"
            points = 10
            scorer = "dust-weight"
            params = { limit = 5 }
        ''', {"clean.roads": 4.2}, plugins=["my_plugin"])
        assert result["items"]["clean.roads"]["points"] == 10

Without pytest, ``civscore.testing.run`` is that same function:
``from civscore.testing import run`` and call ``run(...)`` where the test above
calls ``civscore_run(...)``.

The scheme header (``format``, ``[scheme]``, ``[rating]``) is added for you
when the text has none, and ``full_marks`` is the sum of the categories.
"""
from __future__ import annotations

import re
import sys
import textwrap
from typing import Any, Iterable, Mapping, Optional, Sequence

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from .criteria import Scheme, loads
from .engine import Evaluation, evaluate
from .plugins import PluginManager
from .contracts.units import Unit, flatten

_HEADER = '''format = "civscore/1"
[scheme]
id = "test-scheme"
title = "test scheme"
version = "0"
full_marks = {full_marks}
[rating]
levels = [{{ stars = 1, min_score = 0 }}]
'''


def _full_marks(text: str) -> float:
    """Sum the points of top-level categories of an inline scheme (leaf or group)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return 0.0  # loads() reports the syntax error as a CriteriaError, with line and column
    total = 0.0
    for cat in raw.get("criteria", {}).values():
        if "points" in cat:
            total += cat["points"]
        else:
            total += _sum_points(cat)
    return total


def _sum_points(node: Mapping[str, Any]) -> float:
    children = [v for k, v in node.items() if isinstance(v, dict) and k != "params"]
    if not children:
        return float(node.get("points", 0))
    return sum(_sum_points(c) for c in children)


def make_scheme(text: str, plugins: Sequence[str] = (), plugin_manager: Optional[PluginManager] = None) -> Scheme:
    """A scheme from inline TOML; the header is added when ``format`` is absent."""
    text = textwrap.dedent(text)
    if not re.search(r"^\s*format\s*=", text, re.M):
        text = _HEADER.format(full_marks=_full_marks(text)) + text
    pm = plugin_manager or PluginManager(plugins=plugins, strict=True)
    return loads(text, source="<inline scheme>", registry=pm.registry)


def make_units(data: Mapping[str, Any] | Iterable[Mapping[str, Any]]) -> list[Unit]:
    """Units from data dicts; ids ``u1``, ``u2`` … unless a dict has ``unit.id``.

    Nested dicts become dotted keys, exactly as the TOML and JSON readers do
    (``{"roads": {"dust": 3}}`` gives the key ``"roads.dust"``), so a scorer
    sees in a test what it sees in a real run."""
    rows = [data] if isinstance(data, Mapping) else list(data)
    units = []
    for n, row in enumerate(rows, start=1):
        row = dict(row)
        uid = str(row.pop("unit.id", f"u{n}"))
        group = row.pop("unit.group", None)
        units.append(Unit(uid, str(row.pop("unit.name", uid)), flatten(row), group=group, source="<inline>"))
    return units


def run(text: str, data: Mapping[str, Any] | Iterable[Mapping[str, Any]], plugins: Sequence[str] = (),
        by_group: bool = False) -> Any:
    """Evaluate inline data against an inline scheme. One data dict gives one
    result dict (SPEC §5 shape); a list gives the :class:`Evaluation`."""
    pm = PluginManager(plugins=plugins, strict=True)
    scheme = make_scheme(text, plugin_manager=pm)
    ev = evaluate(scheme, make_units(data), by_group=by_group)
    if isinstance(data, Mapping):
        return ev.result(0)
    return ev


__all__ = ["make_scheme", "make_units", "run", "Evaluation"]
