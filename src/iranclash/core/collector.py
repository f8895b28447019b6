"""Pausing Python's cycle collector around work that makes many long-lived objects.

Imports at start-up and loading a big data folder both create objects by the
hundred thousand and no garbage cycles; the collector would scan them again and
again as they are made (a third of a cold load, 9 ms of a 66 ms query).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused(*, freeze: bool = False) -> Iterator[None]:
    """Pause the collector; with ``freeze``, what was made is moved out of its sight for good
    (for modules, which live until exit)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if enabled:
            gc.enable()
