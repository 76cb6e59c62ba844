"""NumPy, imported on first use, or pure-Python stand-ins: :mod:`civscore.contracts._np`
(there, so that the contracts layer can use it too); the engine, the ranks and
the history read it through this name."""
from __future__ import annotations

from typing import Any

from .contracts import _np as _impl


def __getattr__(name: str) -> Any:
    if name.startswith("__"):          # copy, pickle and the import system probe dunders: not NumPy's
        raise AttributeError(name)
    return _impl.cached(globals(), name)
