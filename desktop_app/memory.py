"""Memory helpers shared by every layer (plain Python)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["gc_paused"]


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bulk load allocates its records.

    Building 100,000 entries allocates a few hundred thousand container objects that all
    stay alive; each allocation burst triggers collections that walk the ever larger heap
    again (measured: 2.7-3.6 s instead of 1.4-1.6 s for the 100k queue). Nothing built here
    forms reference cycles, so nothing is left for the collector to find afterwards. The
    collector is switched back on only if it was on (a nested or concurrent pause is safe:
    at worst it runs again a little early).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
