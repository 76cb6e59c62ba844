"""The built-in plugins: scorers, readers, writers and rating methods.

Each module is registered by name (``civscore.plugins.DEFAULT_PLUGINS``)
through the same hooks as a third-party plugin; nothing else of civscore
imports them.
"""
