"""NumPy, imported on first use, or pure-Python stand-ins for a handful of units.

``civscore check`` of one unit needs no array library, and importing NumPy
costs it about as much CPU as everything else it does (0.1–0.2 s, measured
with ``python -X importtime``). Modules that work on columns write::

    if TYPE_CHECKING:
        import numpy as np
    else:
        from .contracts import _np as np    # or civscore._np, which reads this one

and use ``np.…`` as usual. Outside :func:`python_arrays` every name is
NumPy's (imported on the first read); inside, it is :mod:`.pyarrays`'s,
which gives the same figures without importing NumPy. Type checkers see NumPy.
"""
from __future__ import annotations

import contextlib
from typing import Any, Iterator

from . import pyarrays

#: inside python_arrays(): arrays are pyarrays' lists, and NumPy is never imported
_python = False
#: NumPy's names read so far, cached in these modules' namespaces (a module attribute is read
#: far faster than through __getattr__); python_arrays() takes them out again
_NAMESPACES: list[dict[str, Any]] = [globals()]
_CACHED: set[str] = set()


def __getattr__(name: str) -> Any:
    if name.startswith("__"):          # copy, pickle and the import system probe dunders: not NumPy's
        raise AttributeError(name)
    if _python:
        return getattr(pyarrays, name)
    import numpy  # lazily: heavy, and only column work needs it
    value = getattr(numpy, name)
    globals()[name] = value
    _CACHED.add(name)
    return value


def cached(namespace: dict[str, Any], name: str) -> Any:
    """``name`` for a module that reads these names through its own ``__getattr__``
    (civscore._np): NumPy's is cached in ``namespace`` too, pyarrays' never."""
    value = __getattr__(name)
    if not _python:
        if not any(ns is namespace for ns in _NAMESPACES):
            _NAMESPACES.append(namespace)
        namespace[name] = value
    return value


@contextlib.contextmanager
def python_arrays(enabled: bool = True) -> Iterator[bool]:
    """Inside the ``with`` block the ``np.…`` names are :mod:`.pyarrays`'s (when
    ``enabled``): for a few units and the built-in scorers and rating methods,
    whose arrays these are; a plugin's rating method may expect NumPy's. Arrays
    made inside are used inside: a report is written before the block ends."""
    global _python
    before = _python
    _python = before or enabled
    if _python and not before:
        for namespace in _NAMESPACES:
            for name in _CACHED:
                namespace.pop(name, None)
    try:
        yield _python
    finally:
        _python = before


def in_python() -> bool:
    """Whether :func:`python_arrays` is in force."""
    return _python
