"""Deprecated: moved to :mod:`civscore.contracts.scoring`; import from there or from ``civscore``.

Kept so that code written against civscore 1.0 keeps working; importing it
warns once.
"""
import importlib
import warnings

warnings.warn("civscore.scoring moved to civscore.contracts.scoring; import from there or from civscore",
              DeprecationWarning, stacklevel=2)
globals().update({k: v for k, v in vars(importlib.import_module("civscore.contracts.scoring")).items() if not k.startswith("__")})
