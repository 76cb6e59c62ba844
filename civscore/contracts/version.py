"""civscore's version, the one place it is written: pyproject.toml's build reads it (hatchling's
``[tool.hatch.version]``), and :func:`civscore.plugins.civscore_version` returns it."""
__version__ = "1.0.0"
