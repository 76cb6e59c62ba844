"""NumPy, imported on first use.

``civscore check`` of one unit never touches an array, and importing NumPy
costs about as much CPU as the rest of ``check`` (0.16–0.3 s, measured with
``python -X importtime``). Modules that work on columns write::

    if TYPE_CHECKING:
        import numpy as np
    else:
        from . import _np as np

and use ``np.…`` as usual: the first attribute read imports NumPy and caches
the name here, so later reads are one dictionary lookup, as on NumPy itself.
Type checkers see NumPy.
"""
from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name.startswith("__"):          # copy, pickle and the import system probe dunders: not NumPy's
        raise AttributeError(name)
    import numpy  # lazily: heavy, and only column work needs it
    value = getattr(numpy, name)
    globals()[name] = value
    return value
