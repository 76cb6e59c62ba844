"""Deprecated: moved to :mod:`civscore.contracts.values`; import from there or from ``civscore``.

Kept so that code written against civscore 1.0 keeps working; importing it
warns once.
"""
import importlib
import warnings

warnings.warn("civscore.values moved to civscore.contracts.values; import from there or from civscore",
              DeprecationWarning, stacklevel=2)
globals().update({k: v for k, v in vars(importlib.import_module("civscore.contracts.values")).items() if not k.startswith("__")})
