"""Every hook civscore calls: the plugin author's reference.

Hooks are called to **register** things, once per run, never once per unit.
The four registering hooks each return a list of classes (subclasses of
:class:`civscore.Scorer`, :class:`civscore.RatingMethod`,
:class:`civscore.Reader`, :class:`civscore.Writer`); civscore collects them
from every plugin, rejects two providers of one name (exit 2, naming both),
and remembers which plugin gave what (``civscore plugins`` lists it). A
plugin whose hook raises or returns something else is skipped with a warning
and contributes nothing (``--strict-plugins`` makes that fatal). None is
``firstresult``: every plugin's answer is used. A function marked
``@hookimpl`` whose name or arguments match no hook here is an error at
start-up. Built-in scorers, rating methods, readers and writers are
registered through these same hooks (``civscore/scorers/builtin.py``,
``civscore/rating.py``, ``civscore/submissions.py``, ``civscore/reports/``).

docs/plugins.md has a section for each hook; a test fails when one is missing.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover
    from .contracts import RatingMethod, Reader, Scorer, Writer
    from .criteria import Scheme

hookspec = pluggy.HookspecMarker("civscore")
hookimpl = pluggy.HookimplMarker("civscore")


@hookspec
def civscore_scorers() -> "list[type[Scorer]]":
    """Register scorers: return a list of :class:`civscore.Scorer` subclasses.

    Called once when the plugin manager starts. Each class's ``name`` is what
    criteria write in ``scorer = "..."``; its nested ``Params`` model
    validates the leaf's ``params`` when the criteria load. Two plugins
    returning the same name is an error naming both. While units are scored,
    a scorer that raises or returns anything but a valid
    :class:`civscore.Outcome` is contained: its items get status ``error``.
    """
    raise NotImplementedError  # a specification: pluggy calls the plugins' implementations


@hookspec
def civscore_rating_methods() -> "list[type[RatingMethod]]":
    """Register rating methods: return a list of :class:`civscore.RatingMethod`
    subclasses.

    Called once at start-up. A scheme picks one with ``[rating] method``; its
    ``Level`` model validates each entry of ``[rating] levels`` at load time,
    and its ``rate`` gives stars to ranked units. Built in: ``thresholds``
    and ``quota``.
    """
    raise NotImplementedError  # a specification: pluggy calls the plugins' implementations


@hookspec
def civscore_readers() -> "list[type[Reader]]":
    """Register submission readers: return a list of :class:`civscore.Reader`
    subclasses.

    Called once at start-up. A reader claims file suffixes (``suffixes =
    (".toml",)``, lower case with the dot); when a submission's suffix
    matches, its ``read`` turns the file into units. Built in: ``.toml``,
    ``.json``, ``.csv``, ``.xlsx``, ``.xlsm``.
    """
    raise NotImplementedError  # a specification: pluggy calls the plugins' implementations


@hookspec
def civscore_writers() -> "list[type[Writer]]":
    """Register report writers: return a list of :class:`civscore.Writer`
    subclasses.

    Called once at start-up. A writer's ``name`` becomes a ``--format``
    choice of ``evaluate`` and ``check``. Built in: ``table``, ``markdown``,
    ``json``, ``jsonl``, ``csv``, ``html``, ``xlsx``.
    """
    raise NotImplementedError  # a specification: pluggy calls the plugins' implementations


@hookspec
def civscore_schemes() -> "dict[str, str] | None":
    """Bundle criteria files with a plugin: return ``{name: path}``.

    Called once at start-up. Each name becomes a bundled scheme, so
    ``civscore evaluate NAME ...`` finds the file after a plain ``pip install``
    of the plugin (use ``importlib.resources`` or ``Path(__file__).parent`` to
    build the path). Two plugins bundling one name is an error naming both;
    a path that is not a file, or the name of a scheme shipped with civscore,
    makes the plugin fail.
    """
    raise NotImplementedError  # a specification: pluggy calls the plugins' implementations


@hookspec
def civscore_validate_scheme(scheme: "Scheme") -> "list[str] | None":
    """Add validation rules to a loaded scheme.

    :param scheme: the scheme, already valid by SPEC §1's rules.
    :return: a list of error messages, each starting with the dotted key path
        it is about (``"criteria.ideology.study: ..."``), or ``None``.

    Called once for every criteria file loaded, after the built-in checks.
    Any message makes the criteria invalid (``civscore validate`` exits 2).
    """
    raise NotImplementedError  # a specification: pluggy calls the plugins' implementations
