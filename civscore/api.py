"""The library API: load, read, evaluate, check.

With :mod:`civscore.cli`, the only place that builds the default plugin
registry (:func:`get_registry`); every other module is given a registry
explicitly (a loaded :class:`Scheme` carries the one it was loaded with).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Optional

from .contracts.values import fmt
from .criteria import Scheme
from .criteria import load as _load
from .criteria import loads as _loads
from .engine import Evaluation
from .engine import evaluate as _evaluate
from .plugins import PluginManager, Registry, civscore_version
from .reports import check_doc, evaluation_doc
from .submissions import Submissions, read_all

__version__ = civscore_version()

_DEFAULT: Optional[PluginManager] = None


def get_plugin_manager(**kwargs: Any) -> PluginManager:
    """A plugin manager; without arguments, the one default manager of this process."""
    global _DEFAULT
    if kwargs:
        return PluginManager(**kwargs)
    if _DEFAULT is None:
        _DEFAULT = PluginManager()
    return _DEFAULT


def get_registry(**kwargs: Any) -> Registry:
    """The registry of :func:`get_plugin_manager`."""
    return get_plugin_manager(**kwargs).registry


def plugin_manager(plugins: Iterable[str] = (), plugins_dir: Optional[str] = None, strict: bool = False,
                   autoload: Optional[bool] = None) -> PluginManager:
    """A plugin manager; the shared default one when no option is given."""
    if not plugins and plugins_dir is None and not strict and autoload is None:
        return get_plugin_manager()
    return PluginManager(plugins=plugins, plugins_dir=plugins_dir, strict=strict, autoload=autoload)


def load(criteria: str | Path, registry: Optional[Registry] = None) -> Scheme:
    """Load and validate a criteria file, or a bundled scheme by name."""
    return _load(criteria, registry or get_registry())


def loads(text: str, source: str = "<criteria>", registry: Optional[Registry] = None,
          sha256: Optional[str] = None) -> Scheme:
    """Load a scheme from TOML text."""
    return _loads(text, source, registry or get_registry(), sha256)


def read(paths: Iterable[str | Path], registry: Optional[Registry] = None,
         scheme: Optional[Scheme] = None, jobs: int = 1) -> Submissions:
    """Read submission files and directories; errors are collected, not raised.
    Give ``scheme`` to combine several assessors' sheets its way (docs/assessors.md);
    ``jobs`` > 1 reads several files at once. The registry defaults to the
    scheme's, else the default one."""
    if registry is None:
        registry = scheme.registry if scheme is not None else get_registry()
    return read_all(paths, registry, scheme=scheme, jobs=jobs)


def evaluate(scheme: Scheme | str | Path, submissions: Any, *, by_group: bool = False,
             registry: Optional[Registry] = None, keep_reasons: bool = True, jobs: int = 1,
             progress: Any = None) -> Evaluation:
    """Score, rate and rank. ``scheme`` may be a path or a bundled name;
    ``submissions`` a list of units, a :class:`Submissions`, or paths."""
    if not isinstance(scheme, Scheme):
        scheme = load(scheme, registry)
    if isinstance(submissions, (str, Path)):
        submissions = [submissions]
    if isinstance(submissions, (list, tuple)) and submissions and isinstance(submissions[0], (str, Path)):
        submissions = read(submissions, registry, scheme=scheme)
    ev = _evaluate(scheme, submissions, by_group=by_group, keep_reasons=keep_reasons,
                   jobs=jobs, progress=progress)
    ev.by_group = by_group
    return ev


__all__ = ["__version__", "get_plugin_manager", "get_registry", "plugin_manager", "load", "loads", "read",
           "evaluate", "check_doc", "evaluation_doc", "fmt", "Evaluation", "Scheme", "Submissions"]
