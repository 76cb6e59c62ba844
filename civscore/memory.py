"""Pausing Python's cyclic garbage collector during bulk work.

Reading a million rows creates millions of small container objects, and the
collector would walk all of them again and again (about a fifth of a big
run's time). The objects civscore builds while reading and scoring hold no
reference cycles, so reference counting frees them anyway; the collector is
switched back on (if it was on) when the block ends.
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
