"""Deprecated package: the built-in scorers are :mod:`civscore.builtin.scorers`."""
