"""civscore-cleanliness: 以克论净 for civscore.

Provides the ``dust-weight`` scorer (dust in g/m² at sampling points against
a limit) and the bundled scheme ``district-environment`` (长安区城市环境卫生
检查). Installed with pip, civscore finds it through the entry point
``cleanliness`` in the group ``civscore``; nothing else to configure::

    pip install civscore-cleanliness
    civscore plugins
    civscore evaluate district-environment submissions/
"""
from __future__ import annotations

from importlib import metadata
from pathlib import Path

import civscore

from .dust import DEFAULT_LIMITS, DustWeight, read_samples

try:
    __version__ = metadata.version("civscore-cleanliness")
except metadata.PackageNotFoundError:  # running from a source checkout
    __version__ = "0+unknown"

SCHEMES = Path(__file__).parent / "schemes"


@civscore.hookimpl
def civscore_scorers():
    """The scorers this plugin adds."""
    return [DustWeight]


@civscore.hookimpl
def civscore_schemes():
    """The criteria files shipped inside this package, by the name users type."""
    return {"district-environment": str(SCHEMES / "district-environment.toml")}


__all__ = ["DustWeight", "DEFAULT_LIMITS", "read_samples", "__version__"]
